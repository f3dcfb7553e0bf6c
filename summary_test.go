// summary_test.go checks what the end of a run reports: how long the
// cluster was without a leader, and the timeline picture.
package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fatih/color"
)

// at stamps an event with a time in milliseconds.
func at(ms int, ev Event) Event {
	ev.At = time.Duration(ms) * time.Millisecond
	return ev
}

// The cluster is without a leader until its first election, from a crash
// of the leader to the next election, and from a partition that leaves the
// leader in a minority until the majority elects another; a partition that
// leaves the leader a majority costs nothing, and a heal that reunites a
// leader with its majority ends the wait.
func TestTimeWithoutLeader(t *testing.T) {
	var l leadership
	steps := []struct {
		ev   Event
		span time.Duration // the leaderless span the event ends; 0: none
	}{
		{at(0, Event{Kind: EventStart, Nodes: 5}), 0},
		{at(100, roleEvent(1, 1, Leader)), 100 * time.Millisecond},
		{at(500, Event{Kind: EventCrash, Node: 1, Term: 1}), 0},
		{at(800, roleEvent(2, 2, Leader)), 300 * time.Millisecond},
		{at(900, Event{Kind: EventPartition, Groups: [][]int{{1, 2, 3}, {4, 5}}}), 0},
		{at(1000, Event{Kind: EventPartition, Groups: [][]int{{2, 4}, {1, 3, 5}}}), 0},
		{at(1200, roleEvent(3, 3, Leader)), 200 * time.Millisecond},
		{at(1300, Event{Kind: EventPartition, Groups: [][]int{{3}, {1, 2, 4, 5}}}), 0},
		{at(1450, Event{Kind: EventHeal}), 150 * time.Millisecond},
		{at(1500, roleEvent(3, 4, Follower)), 0},
	}
	for _, step := range steps {
		span, ended := l.observe(step.ev)
		if ended != (step.span != 0) || span != step.span {
			t.Fatalf("at %s, %s ended a leaderless span of %s (%t); want %s", step.ev.At, step.ev.Kind, span, ended, step.span)
		}
	}
	if got, want := l.without(1600*time.Millisecond), 850*time.Millisecond; got != want {
		t.Errorf("without a leader for %s of a 1600 ms run; want %s", got, want)
	}
}

// The picture of a small hand-made run, 20 columns of 100 ms: node 2 wins
// term 1 at 250 ms (its 0.1 ms candidacy loses to the win in the same
// column), crashes at 1000 ms and restarts at 1500 ms; node 3 stands at
// 1200 ms and wins term 2 a column later.
func TestTimelinePicture(t *testing.T) {
	defer func(was bool) { color.NoColor = was }(color.NoColor)
	color.NoColor = true
	var tl timeline
	for _, ev := range []Event{
		at(0, Event{Kind: EventStart, Nodes: 3}),
		at(250, roleEvent(2, 1, Candidate)),
		at(250, roleEvent(2, 1, Leader)),
		at(1000, Event{Kind: EventCrash, Node: 2, Term: 1}),
		at(1200, roleEvent(3, 2, Candidate)),
		at(1300, roleEvent(3, 2, Leader)),
		at(1500, Event{Kind: EventRestart, Node: 2, Term: 1}),
	} {
		tl.observe(ev)
	}
	var b strings.Builder
	tl.write(&b, timelineLabel+1+20, 2000*time.Millisecond)
	want := `Timeline, one column = 100.0 ms:
─ follower  ▒ candidate
█ leader  × crashed
node 1  ────────────────────
node 2  ──████████×××××─────
node 3  ────────────▒███████
term      1         2
faults            X    R
ms      0         1000
        X at 1000.0 ms: node 2 crashed
        R at 1500.0 ms: node 2 restarted
`
	if b.String() != want {
		t.Errorf("the picture is\n%s\nwant\n%s", b.String(), want)
	}
}
