// lesson_test.go plays every story as a lesson (lesson.go), without a
// page: a class that answers every question with its first choice, and
// goes on at every step. Each story ends, stands still at each step it
// narrates, and judges every prediction it asks for.

package main

import (
	"strings"
	"testing"
)

func TestEveryStoryPlaysAsALesson(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel() // a run of its own, as fast as the engine goes
			var steps []lessonStep
			waits := make(chan lessonStep, 1)
			l := newLesson(func(step lessonStep) {
				steps = append(steps, step) // the story's goroutine alone shows steps
				if step.Waiting {
					waits <- step
				}
			})
			l.begin(sc.name)
			cfg := DefaultConfig()
			cfg.Seed, cfg.Timing = 1, Unpaced
			var notes []string
			c := mustCluster(sc.config(cfg))
			c.rec.watch(func(ev Event) {
				if ev.Kind == EventNote {
					notes = append(notes, ev.Reason) // under the recorder's lock
				}
			})
			told := make(chan struct{})
			go func() {
				defer close(told)
				sc.run(c, nil, l)
			}()
			for waiting := true; waiting; {
				select {
				case step := <-waits:
					var move string
					if len(step.Choices) > 0 {
						move = step.Choices[0]
					}
					if err := l.move(move); err != nil {
						t.Fatalf("step %d: %v", step.Number, err)
					}
				case <-told:
					waiting = false
				}
			}
			asked, judged, captions := 0, 0, 0
			for _, step := range steps {
				switch {
				case step.Waiting && step.Question != "":
					asked++
				case step.Waiting && step.Guess != "":
					judged++
				case step.Waiting:
					captions++
				}
			}
			if captions == 0 || asked != judged {
				t.Errorf("the lesson stood still at %d captions, asked %d questions and judged %d predictions; want captions, and every prediction judged", captions, asked, judged)
			}
			if asked > 0 && !strings.Contains(strings.Join(notes, "\n"), "the class predicted") {
				t.Errorf("the run's notes do not tell the class's predictions:\n%s", strings.Join(notes, "\n"))
			}
			t.Logf("%d steps, %d questions", captions, asked)
		})
	}
}
