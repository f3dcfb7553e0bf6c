// summary.go follows the elections of a run through its events and, at the
// end, tells them term by term: who stood, the votes each candidate got, who
// won, how long the election took and how long the cluster had been without
// a leader. The recorder (events.go) feeds it.
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
	votesBy    map[int]int // granted votes per voter (more than one is a violation)
	leader     int         // 0: nobody won this term
	started    time.Duration
	elected    time.Duration
	// noLeaderFor is how long the cluster had been without a leader when
	// this term's leader was elected; hadNoLeader says it was.
	noLeaderFor time.Duration
	hadNoLeader bool
}

// electionSummary collects a termRecord for every term in which someone
// stood. It is used only under the recorder's lock.
type electionSummary struct {
	terms      []*termRecord // in the order the terms began
	byTerm     map[uint64]*termRecord
	leadership leadership
}

func newElectionSummary() *electionSummary {
	return &electionSummary{byTerm: map[uint64]*termRecord{}}
}

// observe takes the events that shape an election.
func (s *electionSummary) observe(ev Event) {
	span, ended := s.leadership.observe(ev)
	switch {
	case ev.Kind == EventRole && ev.Role == Candidate:
		t := s.record(ev.Term, ev.At)
		t.candidates = append(t.candidates, ev.Node)
	case ev.Kind == EventVote && ev.Granted:
		// A vote is granted only in the candidate's own term, which the
		// voter has just taken as its currentTerm.
		t := s.record(ev.Term, ev.At)
		t.votes[ev.Candidate]++
		t.votesBy[ev.Node]++
	case ev.Kind == EventRole && ev.Role == Leader:
		t := s.record(ev.Term, ev.At)
		t.leader, t.elected = ev.Node, ev.At
		t.noLeaderFor, t.hadNoLeader = span, ended
	}
}

// record returns the record of term, creating it as the term's election
// starts at time at.
func (s *electionSummary) record(term uint64, at time.Duration) *termRecord {
	t, ok := s.byTerm[term]
	if !ok {
		t = &termRecord{term: term, votes: map[int]int{}, votesBy: map[int]int{}, started: at}
		s.byTerm[term] = t
		s.terms = append(s.terms, t)
	}
	return t
}

// write prints the summary table, the time without a leader, the message
// tallies and the safety violations, for a run of seed that has lasted end.
func (s *electionSummary) write(w io.Writer, seed uint64, end time.Duration, counts messageCounts, violations []string) {
	fmt.Fprintf(w, "Summary (seed %d), term by term:\n", seed)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "  term\tstood (votes)\twon by\telection took\tno leader for")
	for _, t := range s.terms {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", t.term, t.standings(), t.winner(), t.duration(), t.leaderless())
	}
	tw.Flush()
	without := s.leadership.without(end)
	fmt.Fprintf(w, "Without a leader: %s of %s (%s).\n", formatDuration(without), formatDuration(end),
		formatPercent(float64(without)/float64(max(end, 1))))
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

// leaderless is how long the cluster had been without a leader when the
// term's leader was elected.
func (t *termRecord) leaderless() string {
	if !t.hadNoLeader {
		return "-"
	}
	return formatDuration(t.noLeaderFor)
}

// duration is how long the term's election took: from the first candidacy
// to the win.
func (t *termRecord) duration() string {
	if t.leader == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (elected at %s)", formatDuration(t.elected-t.started), formatDuration(t.elected))
}

// leadership follows whether the cluster has a leader: its latest leader is
// alive, still believes it leads, and can reach a majority of the cluster.
// A leader cut off in a minority still believes it leads, but the cluster
// cannot elect anything past it, so it does not count.
type leadership struct {
	nodes  int
	leader int   // the latest leader; 0 once it has crashed or stepped down
	side   []int // side[i-1] is node i's partition group; nil: no partition
	has    bool
	lostAt time.Duration // when the cluster last lost its leader
	spent  time.Duration // time without a leader before lostAt
}

// observe follows one event. If the event gave the cluster a leader again,
// it returns how long the cluster had been without one.
func (l *leadership) observe(ev Event) (span time.Duration, ended bool) {
	switch {
	case ev.Kind == EventStart:
		*l = leadership{nodes: ev.Nodes, lostAt: ev.At}
	case ev.Kind == EventRole && ev.Role == Leader:
		l.leader = ev.Node
	case (ev.Kind == EventRole || ev.Kind == EventCrash) && ev.Node == l.leader:
		l.leader = 0
	case ev.Kind == EventPartition:
		l.side = make([]int, l.nodes)
		for g, group := range ev.Groups {
			for _, id := range group {
				l.side[id-1] = g
			}
		}
	case ev.Kind == EventHeal:
		l.side = nil
	}
	has := l.leader != 0 && l.reachesMajority(l.leader)
	switch {
	case has && !l.has:
		span = ev.At - l.lostAt
		l.spent += span
		ended = true
	case !has && l.has:
		l.lostAt = ev.At
	}
	l.has = has
	return span, ended
}

// reachesMajority reports whether node id's side of any partition holds a
// majority of the cluster.
func (l *leadership) reachesMajority(id int) bool {
	if l.side == nil {
		return true
	}
	reach := 0
	for _, side := range l.side {
		if side == l.side[id-1] {
			reach++
		}
	}
	return isMajority(reach, l.nodes)
}

// without is the total time without a leader in a run that lasted end.
func (l *leadership) without(end time.Duration) time.Duration {
	if l.has {
		return l.spent
	}
	return l.spent + end - l.lostAt
}
