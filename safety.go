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
//
// It keeps, for each node, only what a later event of that node can still
// contradict, so that a run of any length, or a trace of any size, is
// checked in memory bounded by the cluster's size: a node's term only grows
// (checkTerm), so it can vote, or stand and win, only in its current term
// or a newer one.
type safetyChecker struct {
	nodes      int                  // the cluster's size: majorities count all nodes
	terms      map[int]uint64       // node -> the highest term its events have shown
	ballots    map[int]voterTerm    // voter -> the candidate it voted for, in the voter's current term
	campaigns  map[int]campaignFile // candidate -> the votes granted it in its newest term
	leaders    map[uint64]int       // term -> the node that became leader in it, while a new one could arise
	violations []string
}

// voterTerm names one node in one term.
type voterTerm struct {
	node int
	term uint64
}

// campaignFile is the votes a candidate was granted in one term.
type campaignFile struct {
	term   uint64
	voters map[int]bool
}

func newSafetyChecker(nodes int) *safetyChecker {
	return &safetyChecker{
		nodes:     nodes,
		terms:     map[int]uint64{},
		ballots:   map[int]voterTerm{},
		campaigns: map[int]campaignFile{},
		leaders:   map[uint64]int{},
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

// forgetSettledTerms drops the leaders of terms that a majority of the
// nodes has left behind. A leader needs the votes of a majority in its own
// term, and a node votes only in its current term, so no new leader can
// arise in such a term without a violation the checker still sees (a vote
// cast in a term its voter has left, or a leader without a majority). One
// node that stays behind, crashed or cut off, does not hold the others'
// terms in memory.
func (s *safetyChecker) forgetSettledTerms() {
	terms := make([]uint64, s.nodes) // a node not yet heard from may be in any term: 0
	for i := range terms {
		terms[i] = s.terms[i+1]
	}
	slices.Sort(terms)
	settled := terms[s.nodes/2] // the lowest term a majority has reached
	maps.DeleteFunc(s.leaders, func(term uint64, _ int) bool { return term < settled })
}

// checkVote: §5.2, each server votes for at most one candidate in a term,
// and votedFor is on disk, so this holds across crashes too. A second vote
// still counts for its candidate: it was cast, and a leader it helps elect
// must not also be reported as elected without a majority.
func (s *safetyChecker) checkVote(ev Event) string {
	s.countVote(ev)
	earlier, voted := s.ballots[ev.Node]
	s.ballots[ev.Node] = voterTerm{ev.Candidate, ev.Term}
	if voted && earlier.term == ev.Term && earlier.node != ev.Candidate {
		return fmt.Sprintf("%s: at %s node %d voted for node %d in term %d after voting for node %d",
			violationDoubleVote, formatDuration(ev.At), ev.Node, ev.Candidate, ev.Term, earlier.node)
	}
	return ""
}

// countVote adds a granted vote to its candidate's campaign file. A vote
// of an older term than the file's cannot make a leader any more: the
// candidate has left that term.
func (s *safetyChecker) countVote(ev Event) {
	file := s.campaigns[ev.Candidate]
	switch {
	case ev.Term < file.term:
		return
	case ev.Term > file.term:
		file = campaignFile{ev.Term, map[int]bool{}}
	}
	file.voters[ev.Node] = true
	s.campaigns[ev.Candidate] = file
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
	votes := 0
	if file := s.campaigns[ev.Node]; file.term == ev.Term {
		votes = len(file.voters)
	}
	if !isMajority(votes, s.nodes) {
		return fmt.Sprintf("%s: at %s node %d became leader of term %d with %d of %d votes",
			violationMinorityLeader, formatDuration(ev.At), ev.Node, ev.Term, votes, s.nodes)
	}
	return ""
}
