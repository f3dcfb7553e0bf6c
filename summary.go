// summary.go follows the elections of a run through its events and, at the
// end, tells them term by term: who stood, the votes each candidate got, who
// won, and how long the election took. The recorder (events.go) feeds it.
package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// termRecord is what happened in one term's election.
type termRecord struct {
	term       uint64
	candidates []int       // in the order they stood
	votes      map[int]int // granted votes per candidate, its own included
	leader     int         // 0: nobody won this term
	started    time.Duration
	elected    time.Duration
}

// electionSummary collects a termRecord for every term in which someone
// stood. It is used only under the recorder's lock.
type electionSummary struct {
	terms  []*termRecord // in the order the terms began
	byTerm map[uint64]*termRecord
}

func newElectionSummary() *electionSummary {
	return &electionSummary{byTerm: map[uint64]*termRecord{}}
}

// observe takes the events that shape an election.
func (s *electionSummary) observe(ev Event) {
	switch {
	case ev.Kind == EventRole && ev.Role == Candidate:
		t := s.record(ev.Term, ev.At)
		t.candidates = append(t.candidates, ev.Node)
	case ev.Kind == EventVote && ev.Granted:
		// A vote is granted only in the candidate's own term, which the
		// voter has just taken as its currentTerm.
		s.record(ev.Term, ev.At).votes[ev.Candidate]++
	case ev.Kind == EventRole && ev.Role == Leader:
		t := s.record(ev.Term, ev.At)
		t.leader, t.elected = ev.Node, ev.At
	}
}

// record returns the record of term, creating it as the term's election
// starts at time at.
func (s *electionSummary) record(term uint64, at time.Duration) *termRecord {
	t, ok := s.byTerm[term]
	if !ok {
		t = &termRecord{term: term, votes: map[int]int{}, started: at}
		s.byTerm[term] = t
		s.terms = append(s.terms, t)
	}
	return t
}

// write prints the summary table, the message tallies and the safety
// violations.
func (s *electionSummary) write(w io.Writer, counts messageCounts, violations []string) {
	fmt.Fprintln(w, "Summary, term by term:")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "  term\tstood (votes)\twon by\telection took")
	for _, t := range s.terms {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", t.term, t.standings(), t.winner(), t.duration())
	}
	tw.Flush()
	fmt.Fprintf(w, "Messages: %d sent, %d delivered, %d dropped.\n", counts.sent, counts.delivered, counts.dropped)
	if len(violations) == 0 {
		fmt.Fprintln(w, "Safety violations: none.")
		return
	}
	fmt.Fprintln(w, violationStyle.Sprintf("Safety violations: %d.", len(violations)))
	for _, v := range violations {
		fmt.Fprintln(w, "  "+v)
	}
}

// standings lists the candidates with their votes: "node 1 (2), node 4 (3)".
func (t *termRecord) standings() string {
	parts := make([]string, len(t.candidates))
	for i, id := range t.candidates {
		parts[i] = fmt.Sprintf("node %d (%d)", id, t.votes[id])
	}
	return strings.Join(parts, ", ")
}

// winner names the term's leader, or says why there was none.
func (t *termRecord) winner() string {
	switch {
	case t.leader != 0:
		return fmt.Sprintf("node %d", t.leader)
	case len(t.candidates) > 1:
		return "nobody (split vote)"
	}
	return "nobody"
}

// duration is how long the term's election took: from the first candidacy
// to the win.
func (t *termRecord) duration() string {
	if t.leader == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (elected at %s)", formatDuration(t.elected-t.started), formatDuration(t.elected))
}
