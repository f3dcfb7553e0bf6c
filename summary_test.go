// summary_test.go checks what the end of a run reports: how long the
// cluster was without a leader, and the timeline picture.

package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fatih/color"
)

// at stamps an event with a time in milliseconds.
func at(ms int, ev Event) Event {
	ev.At = time.Duration(ms) * time.Millisecond
	return ev
}

// The cluster is without a leader until its first election, from a crash
// of the leader to the next election, from a partition that leaves the
// leader in a minority until the majority elects another, and while so
// many followers are down that the leader reaches no live majority; a
// partition that leaves the leader a majority costs nothing, and a heal or
// a restart that gives the leader its majority back ends the wait.
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
		{at(850, Event{Kind: EventRestart, Node: 1, Term: 1}), 0},
		{at(900, Event{Kind: EventPartition, Groups: [][]int{{1, 2, 3}, {4, 5}}}), 0},
		{at(1000, Event{Kind: EventPartition, Groups: [][]int{{2, 4}, {1, 3, 5}}}), 0},
		{at(1200, roleEvent(3, 3, Leader)), 200 * time.Millisecond},
		{at(1300, Event{Kind: EventPartition, Groups: [][]int{{3}, {1, 2, 4, 5}}}), 0},
		{at(1450, Event{Kind: EventHeal}), 150 * time.Millisecond},
		{at(1500, Event{Kind: EventCrash, Node: 4, Term: 3}), 0},
		{at(1550, Event{Kind: EventCrash, Node: 5, Term: 3}), 0},
		{at(1600, Event{Kind: EventCrash, Node: 1, Term: 3}), 0},
		{at(1700, Event{Kind: EventRestart, Node: 5, Term: 3}), 100 * time.Millisecond},
		{at(1800, roleEvent(3, 4, Follower)), 0},
	}
	for _, step := range steps {
		span, ended := l.observe(step.ev)
		if ended != (step.span != 0) || span != step.span {
			t.Fatalf("at %s, %s ended a leaderless span of %s (%t); want %s", step.ev.At, step.ev.Kind, span, ended, step.span)
		}
	}
	if got, want := l.without(1900*time.Millisecond), 950*time.Millisecond; got != want {
		t.Errorf("without a leader for %s of a 1900 ms run; want %s", got, want)
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
        ─ follower
        ▒ candidate  █ leader
        × crashed
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

// won is a term that node won, voted for by every node of a cluster of n.
func won(node int, term uint64, n int) []Event {
	evs := []Event{roleEvent(node, term, Candidate)}
	for voter := 1; voter <= n; voter++ {
		evs = append(evs, Event{Kind: EventVote, Node: voter, Term: term, Candidate: node, Granted: true})
	}
	return append(evs, roleEvent(node, term, Leader))
}

// summaryOf prints the summary of a run of events, 80 columns wide.
func summaryOf(events []Event) string {
	s := newElectionSummary()
	for i, ev := range events {
		s.observe(at(10*i, ev))
	}
	var b strings.Builder
	s.write(&b, 80, 1, 10*time.Duration(len(events))*time.Millisecond, messageCounts{}, nil)
	return b.String()
}

// A node cut off alone stands term after term and never wins: its terms
// make one row, however many, while a split vote of one or two terms keeps
// a row of its own, with every candidate's votes. Two candidates whose
// votes together make no majority, such as two nodes each cut off alone,
// lost for want of voters: that is no split vote.
func TestSummaryFoldsLeaderlessTerms(t *testing.T) {
	events := append([]Event{{Kind: EventStart, Nodes: 5}}, won(1, 1, 5)...)
	for term := uint64(2); term <= 40; term++ {
		events = append(events, roleEvent(3, term, Candidate))
	}
	events = append(events, won(3, 41, 5)...)
	events = append(events, roleEvent(1, 42, Candidate), roleEvent(2, 42, Candidate),
		voteEvent(1, 1, 42), voteEvent(2, 2, 42), voteEvent(4, 1, 42), voteEvent(5, 2, 42))
	events = append(events, roleEvent(4, 43, Candidate), roleEvent(5, 43, Candidate),
		voteEvent(4, 4, 43), voteEvent(5, 5, 43))
	events = append(events, won(2, 44, 5)...)
	got := summaryOf(events)
	for _, want := range []string{
		"\n  2-40  nobody won these 39 terms: node 3 stood 39 times\n",
		"\n  41    node 3 (5) ",
		"\n  42    nodes 1 (2), 2 (2)  split vote ",
		"\n  43    nodes 4 (1), 5 (1)  nobody ",
		"\n  44    node 2 (5) ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q:\n%s", want, got)
		}
	}
}

// Two leaders of one term (only a broken rule elects them, as -break
// vote-twice does) are both named where the term's winner goes: the
// summary tells the same story as the safety checker.
func TestSummaryNamesEveryLeaderOfATerm(t *testing.T) {
	events := append([]Event{{Kind: EventStart, Nodes: 5}}, roleEvent(2, 1, Candidate), roleEvent(4, 1, Candidate))
	for voter := 1; voter <= 5; voter++ {
		events = append(events, voteEvent(voter, 2, 1), voteEvent(voter, 4, 1))
	}
	events = append(events, roleEvent(2, 1, Leader), roleEvent(4, 1, Leader))
	if got := summaryOf(events); !strings.Contains(got, "nodes 2, 4") {
		t.Errorf("the summary of a term both nodes 2 and 4 won does not name both:\n%s", got)
	}
}

// A session that goes on and on lists its first terms and its latest, and
// sums up the middle in one row: the summary fits a screen.
func TestSummaryOfALongSessionFitsAScreen(t *testing.T) {
	events := []Event{{Kind: EventStart, Nodes: 5}}
	for term := uint64(1); term <= 500; term++ {
		events = append(events, won(int(term%5)+1, term, 5)...)
	}
	got := summaryOf(events)
	if rows := strings.Count(got, "\n  ") - 1; rows > shownRows {
		t.Errorf("%d rows for 500 terms; want %d at most:\n%s", rows, shownRows, got)
	}
	for _, want := range []string{"\n  1 ", "\n  3 ", "\n  4-480  477 terms not listed one by one, 477 of them won\n", "\n  500 "} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q:\n%s", want, got)
		}
	}
}

// A cluster cut into pairs and a single node elects nobody, term after
// term: what the summary and the picture keep stops growing, however long
// it goes on (35 minutes of virtual time and some 10,000 terms here).
func TestLeaderlessClusterKeepsBoundedMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(5, 1)
		cfg.Timing = Unpaced // the test drives: 35 minutes of the cluster's time pass at the CPU's pace
		c := startCluster(t, cfg)
		d := c.clock.drive()
		defer d.release()
		if err := c.Partition([]int{1, 2}, []int{3, 4}, []int{5}); err != nil {
			t.Fatal(err)
		}
		// kept is how many records and rows the summary keeps, and the
		// longest list of stretches or marks the picture keeps.
		kept := func() (summary, picture int) {
			c.rec.exclusive(func() {
				summary = len(c.rec.summary.recent) + len(c.rec.summary.settled) + len(c.rec.summary.byTerm)
				picture = len(c.rec.picture.terms)
				for _, row := range c.rec.picture.rows {
					picture = max(picture, len(row))
				}
			})
			return summary, picture
		}
		for range 5 {
			d.sleep(7*time.Minute, nil)
			if summary, picture := kept(); summary > 2*recentTerms+storedRows || picture > timelineDetail {
				t.Fatalf("after %s: the summary keeps %d records and rows, the picture up to %d stretches or marks",
					c.rec.now().Round(time.Second), summary, picture)
			}
		}
		if term := highestTerm(c); term <= 2*timelineDetail {
			t.Errorf("only %d terms: the run did not reach the bound", term)
		}
	})
}

// A hundred thousand faults (a class that partitions and heals all day)
// leave the picture a bounded number of marks, the latest listed in full,
// and a count of all the others.
func TestTimelineThinsFaults(t *testing.T) {
	var tl timeline
	tl.observe(Event{Kind: EventStart, Nodes: 5})
	const faults = 100000
	for i := range faults {
		ev := Event{Kind: EventHeal, At: time.Duration(i) * time.Millisecond}
		if i%2 == 0 {
			ev.Kind, ev.Groups = EventPartition, [][]int{{1, 2}, {3, 4, 5}}
		}
		tl.observe(ev)
	}
	if len(tl.faults) > timelineDetail {
		t.Errorf("the picture keeps %d fault marks; want %d at most", len(tl.faults), timelineDetail)
	}
	var b strings.Builder
	tl.write(&b, 80, faults*time.Millisecond)
	listed := fmt.Sprintf("(%d faults before these; the log tells them all)", faults-listedFaults)
	if !strings.Contains(unwrapped(b.String()), listed) || !strings.Contains(b.String(), "H at 99999.0 ms: healed") {
		t.Errorf("the picture does not count the earlier faults or list the last:\n%s", b.String())
	}
}

// Coarsening a row that changed phase thousands of times leaves its
// picture as it was, but for a column here and there.
func TestCoarseningKeepsThePicture(t *testing.T) {
	var row []stretch
	for i := range 20000 {
		row = append(row, stretch{time.Duration(i*i%7919+i*100) * time.Millisecond / 3, phase(i % 3)})
	}
	slices.SortFunc(row, func(a, b stretch) int { return cmp.Compare(a.from, b.from) })
	end := row[len(row)-1].from + time.Second
	coarse := coarsenRow(row, end/(timelineDetail/4))
	if len(coarse) > timelineDetail/2+2 {
		t.Errorf("coarsened to %d stretches; want %d at most", len(coarse), timelineDetail/2+2)
	}
	for _, cols := range []int{71, 150, 400} {
		perCol := (end + time.Duration(cols) - 1) / time.Duration(cols)
		fine, rough := []rune(drawRow(row, cols, perCol, end)), []rune(drawRow(coarse, cols, perCol, end))
		differ := 0
		for i := range fine {
			if fine[i] != rough[i] {
				differ++
			}
		}
		if differ > cols/50 {
			t.Errorf("at %d columns, %d differ after coarsening", cols, differ)
		}
	}
}
