// lesson.go plays a story on the page as a lesson (-web -lesson), as The
// Secret Lives of Data does, but on the real nodes: the run stands still
// at each step the story narrates, with the step's caption on the page,
// until the class goes on; and at each question the story puts (which
// node will win? will the vote split?), the class predicts first, then the
// story goes on and tells whether it guessed right. The stories' scripts
// (scenarios.go) hold the steps and the questions (stage.go); this file is
// what a lesson keeps between them and the page.

package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// lessonStep is what the page shows of a lesson.
type lessonStep struct {
	Story    string   `json:"story"`              // the scenario the lesson plays
	Number   int      `json:"number"`             // the steps so far, this one included
	Caption  string   `json:"caption,omitempty"`  // what just happened, and why
	Question string   `json:"question,omitempty"` // what the class is to predict
	Choices  []string `json:"choices,omitempty"`  // the answers it chooses from
	Guess    string   `json:"guess,omitempty"`    // the class's prediction, once the answer is known
	Right    bool     `json:"right,omitempty"`    // whether the prediction was right
	Waiting  bool     `json:"waiting"`            // the run stands still until the class goes on
	Over     bool     `json:"over,omitempty"`     // the lesson is over: told to its end, or stopped by the class's change
}

// lesson is a lesson under way: the step the page shows, and the class's
// moves. The story's goroutine waits in await; the session's goroutine
// hands it the class's moves (move); show, the feed's, tells the pages.
type lesson struct {
	show  func(lessonStep)
	mu    sync.Mutex
	step  lessonStep  // guarded by mu
	moves chan string // the class's move while a step waits: "" to go on, or a prediction
}

// newLesson is a lesson whose steps show tells the pages.
func newLesson(show func(lessonStep)) *lesson {
	return &lesson{show: show, moves: make(chan string, 1)}
}

// begin starts the lesson's telling of the story named.
func (l *lesson) begin(story string) {
	l.update(func(step *lessonStep) { *step = lessonStep{Story: story} })
}

// await shows step and waits until the class moves on from it, or abort
// closes; it returns the class's prediction, when step asks for one.
func (l *lesson) await(step lessonStep, abort <-chan struct{}) string {
	l.update(func(shown *lessonStep) {
		step.Story, step.Number, step.Waiting = shown.Story, shown.Number+1, true
		*shown = step
	})
	var move string
	select {
	case move = <-l.moves:
	case <-abort:
	}
	l.update(func(shown *lessonStep) { shown.Waiting = false })
	return move
}

// move takes the class's move, a prediction or "" to go on, for the step
// that waits, and says why it cannot, if it cannot.
func (l *lesson) move(prediction string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch asked := l.step.Choices; {
	case !l.step.Waiting:
		return errors.New("the lesson is not waiting for the class")
	case len(asked) > 0 && !slices.Contains(asked, prediction):
		return fmt.Errorf("the lesson asks: %s (predict %s)", l.step.Question, strings.Join(asked, ", or predict "))
	case len(asked) == 0 && prediction != "":
		return errors.New("the lesson asks nothing now: continue goes on")
	}
	l.step.Waiting = false // one move per step
	l.moves <- prediction
	return nil
}

// Why a lesson ends.
const (
	lessonTold    = "That was the lesson's last step: drag the time slider back over it, or press New run to play the story again on another seed."
	lessonChanged = "The class changed the run, so the lesson stops here: the run is the class's now. New run plays the story again."
)

// end shows that the lesson is over, and why.
func (l *lesson) end(why string) {
	l.update(func(step *lessonStep) {
		step.Over, step.Waiting, step.Question, step.Choices, step.Guess = true, false, "", nil, ""
		step.Caption = why
	})
}

// update changes the step the page shows, and shows it.
func (l *lesson) update(change func(*lessonStep)) {
	l.mu.Lock()
	change(&l.step)
	step := l.step
	l.mu.Unlock()
	l.show(step)
}
