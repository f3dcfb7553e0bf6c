// safety.go checks a run, event by event, against the properties that make
// an election correct. It sees only the events (events.go), never the
// nodes, so it judges a live run and a trace read back from a file alike,
// and it keeps watching across crashes and restarts, which a node's own
// memory does not survive.

package main

import (
	"fmt"
	"maps"
	"slices"
)

// The kinds of violation the checker reports. Each message starts with one.
const (
	violationTwoLeaders     = "Election Safety"
	violationDoubleVote     = "one vote per term"
	violationTermBackwards  = "terms only grow"
	violationMinorityLeader = "leader without a majority"
)

// safetyChecker follows one cluster's events. It is used only under the
// recorder's lock, or by one goroutine reading a trace.
type safetyChecker struct {
	nodes      int                        // the cluster's size: majorities count all nodes
	leaders    map[uint64]int             // term -> the node that became leader in it
	votedFor   map[voterTerm]int          // (voter, term) -> the candidate it voted for
	votesFor   map[voterTerm]map[int]bool // (candidate, term) -> the nodes that granted it a vote
	terms      map[int]uint64             // node -> the highest term its events have shown
	settled    uint64                     // every node has shown this term or a newer one
	violations []string
}

// voterTerm names one node in one term.
type voterTerm struct {
	node int
	term uint64
}

func newSafetyChecker(nodes int) *safetyChecker {
	return &safetyChecker{
		nodes:    nodes,
		leaders:  map[uint64]int{},
		votedFor: map[voterTerm]int{},
		votesFor: map[voterTerm]map[int]bool{},
		terms:    map[int]uint64{},
	}
}

// observe checks one event and returns the violation it reveals, or "".
func (s *safetyChecker) observe(ev Event) string {
	violation := s.check(ev)
	if violation != "" {
		s.violations = append(s.violations, violation)
	}
	return violation
}

func (s *safetyChecker) check(ev Event) string {
	if v := s.checkTerm(ev); v != "" {
		return v
	}
	switch {
	case ev.Kind == EventVote && ev.Granted:
		return s.checkVote(ev)
	case ev.Kind == EventRole && ev.Role == Leader:
		return s.checkLeader(ev)
	}
	return ""
}

// checkTerm: Figure 2 has currentTerm only grow, and keeps it on disk, so
// no event of a node, before or after a crash, may show an older term than
// one it showed before. A drop event carries the message's term, not the
// node's, so it does not count.
func (s *safetyChecker) checkTerm(ev Event) string {
	if ev.Node == 0 || ev.Kind == EventDrop || ev.Kind == EventStart {
		return ""
	}
	highest := s.terms[ev.Node]
	if ev.Term < highest {
		return fmt.Sprintf("%s: at %s node %d is in term %d after term %d (%s event)",
			violationTermBackwards, formatDuration(ev.At), ev.Node, ev.Term, highest, ev.Kind)
	}
	s.terms[ev.Node] = ev.Term
	if ev.Term > highest {
		s.forgetSettledTerms()
	}
	return ""
}

// forgetSettledTerms drops the votes and leaders of terms that every node
// has left behind. Terms only grow (checkTerm), so no node can vote or win
// in such a term again without a violation of its own; forgetting them
// lets the checker follow a run of any length, or a trace of any size, in
// bounded memory.
func (s *safetyChecker) forgetSettledTerms() {
	if len(s.terms) < s.nodes {
		return // a node not yet heard from may still be in any term
	}
	lowest := slices.Min(slices.Collect(maps.Values(s.terms)))
	if lowest <= s.settled {
		return
	}
	s.settled = lowest
	maps.DeleteFunc(s.leaders, func(term uint64, _ int) bool { return term < lowest })
	maps.DeleteFunc(s.votedFor, func(key voterTerm, _ int) bool { return key.term < lowest })
	maps.DeleteFunc(s.votesFor, func(key voterTerm, _ map[int]bool) bool { return key.term < lowest })
}

// checkVote: §5.2, each server votes for at most one candidate in a term,
// and votedFor is on disk, so this holds across crashes too. A second vote
// still counts for its candidate: it was cast, and a leader it helps elect
// must not also be reported as elected without a majority.
func (s *safetyChecker) checkVote(ev Event) string {
	candidacy := voterTerm{ev.Candidate, ev.Term}
	if s.votesFor[candidacy] == nil {
		s.votesFor[candidacy] = map[int]bool{}
	}
	s.votesFor[candidacy][ev.Node] = true
	key := voterTerm{ev.Node, ev.Term}
	if earlier, voted := s.votedFor[key]; voted && earlier != ev.Candidate {
		return fmt.Sprintf("%s: at %s node %d voted for node %d in term %d after voting for node %d",
			violationDoubleVote, formatDuration(ev.At), ev.Node, ev.Candidate, ev.Term, earlier)
	}
	s.votedFor[key] = ev.Candidate
	return ""
}

// checkLeader: Election Safety (§5.2, Figure 3), "at most one leader can be
// elected in a given term", and a leader must hold votes from a majority of
// the whole cluster in its own term, its own vote included.
func (s *safetyChecker) checkLeader(ev Event) string {
	if other, ok := s.leaders[ev.Term]; ok && other != ev.Node {
		return fmt.Sprintf("%s: at %s node %d became leader of term %d, which node %d already leads",
			violationTwoLeaders, formatDuration(ev.At), ev.Node, ev.Term, other)
	}
	s.leaders[ev.Term] = ev.Node
	if votes := len(s.votesFor[voterTerm{ev.Node, ev.Term}]); !isMajority(votes, s.nodes) {
		return fmt.Sprintf("%s: at %s node %d became leader of term %d with %d of %d votes",
			violationMinorityLeader, formatDuration(ev.At), ev.Node, ev.Term, votes, s.nodes)
	}
	return ""
}
