// safety.go checks a run, event by event, against the properties that make
// an election correct, and the log's properties of the paper's Figure 3.
// It sees only the events (vocabulary.go), never the nodes, so it judges a
// live run and a trace read back from a file alike, and it keeps watching
// across crashes and restarts, which a node's own memory does not survive.

package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The kinds of violation the checker reports. Each message starts with one.
const (
	violationTwoLeaders     = "Election Safety"
	violationDoubleVote     = "one vote per term"
	violationTermBackwards  = "terms only grow"
	violationMinorityLeader = "leader without a majority"
	violationAppendOnly     = "Leader Append-Only"
	violationLogMatching    = "Log Matching"
	violationCompleteness   = "Leader Completeness"
	violationStateMachine   = "State Machine Safety"
	violationStaleRead      = "Linearizable reads"
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
	nodes      int                    // the cluster's size: majorities count all nodes
	oneNode    bool                   // it sees one node's events only: other nodes' votes are in their own traces
	terms      map[int]uint64         // node -> the highest term its events have shown
	ballots    map[int]voterTerm      // voter -> the candidate it voted for, in the voter's current term
	campaigns  map[int]campaignFile   // candidate -> the votes granted it in its newest term
	leaders    map[uint64]int         // term -> the node that became leader in it, while a new one could arise
	roles      map[int]Role           // node -> its role, as its events last showed it
	logs       map[int][]uint64       // node -> the terms of its log's entries, by index - 1
	vouched    map[int]uint64         // node -> how far its log is known to match committed, unchanged since
	entries    map[logPlace]entryFact // an index and term some node holds -> what it held there
	committed  []uint64               // committed[i-1]: the term of the entry committed at index i
	applied    []Entry                // applied[i-1]: the entry first applied at index i
	readsAsked map[string]readAsked   // client -> its latest read, as it was handed to a leader
	violations []string
}

// readAsked is a read a client handed a leader: its command, and how many
// entries had been applied, first by any node, when it did. A client
// sends one request at a time, so one per client is all a later answer
// can be checked against.
type readAsked struct {
	command string
	applied uint64
}

// logPlace is an index and a term: what Log Matching compares logs by.
type logPlace struct{ index, term uint64 }

// entryFact is what a node held at a logPlace: the command, and the term
// of the entry just before it.
type entryFact struct {
	command string
	before  uint64
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
		nodes:      nodes,
		terms:      map[int]uint64{},
		ballots:    map[int]voterTerm{},
		campaigns:  map[int]campaignFile{},
		leaders:    map[uint64]int{},
		roles:      map[int]Role{},
		logs:       map[int][]uint64{},
		vouched:    map[int]uint64{},
		entries:    map[logPlace]entryFact{},
		readsAsked: map[string]readAsked{},
	}
}

// observe checks one event, keeps the violations it reveals, and returns
// them.
func (s *safetyChecker) observe(ev Event) []string {
	found := s.findings(ev)
	s.violations = append(s.violations, found...)
	return found
}

// findings checks one event and returns the violations it reveals: none,
// one, or, when a term that went backwards comes with a violation of its
// own, two. Either way the checker takes the event in, so that one finding
// never hides what the events after it show.
func (s *safetyChecker) findings(ev Event) []string {
	var found []string
	for _, violation := range []string{s.checkTerm(ev), s.check(ev)} {
		if violation != "" {
			found = append(found, violation)
		}
	}
	return found
}

// check takes in one event, and returns the violation of a property of
// the log or the election it reveals, or "".
func (s *safetyChecker) check(ev Event) string {
	if ev.Kind == EventRole || ev.Kind == EventRestart {
		s.roles[ev.Node] = ev.Role
	}
	if ev.Kind == EventStart && ev.Node != 0 {
		// A node's process starts (again): its log is what it reads back
		// from disk, told entry by entry (RuleRecovered) and checked
		// against every other node's as it comes; its trace may have lost
		// the last lines it wrote before it was killed.
		delete(s.logs, ev.Node)
		delete(s.vouched, ev.Node)
	}
	switch {
	case ev.Kind == EventVote && ev.Granted:
		return s.checkVote(ev)
	case ev.Kind == EventRole && ev.Role == Leader:
		if v := s.checkLeader(ev); v != "" {
			return v
		}
		return s.checkCompleteness(ev)
	case ev.Kind == EventAppend:
		return s.checkAppend(ev)
	case ev.Kind == EventTruncate:
		return s.checkTruncate(ev)
	case ev.Kind == EventCommit:
		return s.checkCommit(ev)
	case ev.Kind == EventApply:
		return s.checkApply(ev)
	case ev.Kind == EventRequest && ev.Read:
		s.noteRead(ev)
	case ev.Kind == EventRead:
		return s.checkRead(ev)
	}
	return ""
}

// checkTerm: Figure 2 has currentTerm only grow, and keeps it on disk, so
// no event of a node, before or after a crash, may show an older term than
// one it showed before.
func (s *safetyChecker) checkTerm(ev Event) string {
	if ev.Node == 0 || ev.Kind == EventStart {
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
	case ev.Term > file.term || file.voters == nil:
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
	if !isMajority(votes, s.nodes) && !s.oneNode {
		return fmt.Sprintf("%s: at %s node %d became leader of term %d with %d of %d votes",
			violationMinorityLeader, formatDuration(ev.At), ev.Node, ev.Term, votes, s.nodes)
	}
	return ""
}

// checkAppend follows an entry into a node's log and checks Log Matching
// (§5.3, Figure 3): "if two logs contain an entry with the same index and
// term, then the logs are identical in all entries up through the given
// index." It holds if one index and term always carry the same command and
// follow an entry of the same term, for then, by induction, what comes
// before is the same too. A node's log grows one entry at a time, from its
// end.
func (s *safetyChecker) checkAppend(ev Event) string {
	log := s.logs[ev.Node]
	if ev.Index != uint64(len(log))+1 {
		return fmt.Sprintf("%s: at %s node %d appended entry %d to a log of %d entries",
			violationLogMatching, formatDuration(ev.At), ev.Node, ev.Index, len(log))
	}
	var before uint64
	if len(log) > 0 {
		before = log[len(log)-1]
	}
	s.logs[ev.Node] = append(log, ev.EntryTerm)
	place, fact := logPlace{ev.Index, ev.EntryTerm}, entryFact{ev.Command, before}
	other, held := s.entries[place]
	switch {
	case !held:
		s.entries[place] = fact
	case other.command != fact.command:
		return fmt.Sprintf("%s: at %s node %d holds entry %d of term %d as %s, another node as %s",
			violationLogMatching, formatDuration(ev.At), ev.Node, ev.Index, ev.EntryTerm, quoteCommand(ev.Command), quoteCommand(other.command))
	case other.before != fact.before:
		return fmt.Sprintf("%s: at %s node %d holds entry %d of term %d after an entry of term %d, another node after one of term %d",
			violationLogMatching, formatDuration(ev.At), ev.Node, ev.Index, ev.EntryTerm, before, other.before)
	}
	return ""
}

// checkTruncate follows a follower deleting entries, and checks Leader
// Append-Only (Figure 3): "a leader never overwrites or deletes entries in
// its log". A committed entry deleted is caught when another takes its
// place and is committed or applied (checkCommit, checkApply).
func (s *safetyChecker) checkTruncate(ev Event) string {
	log := s.logs[ev.Node]
	if ev.Index >= 1 && ev.Index <= uint64(len(log)) {
		s.logs[ev.Node] = log[:ev.Index-1]
		s.vouched[ev.Node] = min(s.vouched[ev.Node], ev.Index-1)
	}
	if s.roles[ev.Node] == Leader {
		return fmt.Sprintf("%s: at %s node %d, leading term %d, deleted its entries from %d on",
			violationAppendOnly, formatDuration(ev.At), ev.Node, ev.Term, ev.Index)
	}
	return ""
}

// checkCommit records what a node's commitIndex says is committed: every
// entry of its log up to Index. Once committed, an entry is there for
// good: a different entry committed at the same index loses one. The
// entries it vouched for before, and has not deleted since, it does not
// check again, so that a commit costs the checker the entries it adds,
// not the whole log.
func (s *safetyChecker) checkCommit(ev Event) string {
	log := s.logs[ev.Node]
	last := min(ev.Index, uint64(len(log)))
	for index := s.vouched[ev.Node] + 1; index <= last; index++ {
		term := log[index-1]
		if index > uint64(len(s.committed)) {
			s.committed = append(s.committed, term)
			continue
		}
		if s.committed[index-1] != term {
			return fmt.Sprintf("%s: at %s node %d committed entry %d of term %d, where an entry of term %d was committed before",
				violationStateMachine, formatDuration(ev.At), ev.Node, index, term, s.committed[index-1])
		}
	}
	s.vouched[ev.Node] = max(s.vouched[ev.Node], last)
	return ""
}

// checkCompleteness: Leader Completeness (§5.4, Figure 3), "if a log entry
// is committed in a given term, then that entry will be present in the logs
// of the leaders for all higher-numbered terms". A new leader's log must
// hold every entry committed so far.
func (s *safetyChecker) checkCompleteness(ev Event) string {
	log := s.logs[ev.Node]
	for index, term := range s.committed {
		if index >= len(log) || log[index] != term {
			return fmt.Sprintf("%s: at %s node %d became leader of term %d without entry %d of term %d, which was committed",
				violationCompleteness, formatDuration(ev.At), ev.Node, ev.Term, index+1, term)
		}
	}
	return ""
}

// checkApply: State Machine Safety (§5.4.3, Figure 3), "if a server has
// applied a log entry at a given index to its state machine, no other
// server will ever apply a different log entry for the same index".
func (s *safetyChecker) checkApply(ev Event) string {
	entry := Entry{Index: ev.Index, Term: ev.EntryTerm, Command: ev.Command}
	if ev.Index > uint64(len(s.applied)) {
		if ev.Index == uint64(len(s.applied))+1 {
			s.applied = append(s.applied, entry)
		}
		return ""
	}
	if first := s.applied[ev.Index-1]; first != entry {
		return fmt.Sprintf("%s: at %s node %d applied entry %d of term %d (%s), where entry %d of term %d (%s) was applied before",
			violationStateMachine, formatDuration(ev.At), ev.Node, ev.Index, ev.EntryTerm, quoteCommand(ev.Command),
			first.Index, first.Term, quoteCommand(first.Command))
	}
	return ""
}

// noteRead remembers a client's get as it is handed to a leader, with the
// writes applied by then.
func (s *safetyChecker) noteRead(ev Event) {
	words, id := splitRequest(ev.Command)
	if client, _, ok := parseRequestID(id); ok && len(words) == 2 && strings.EqualFold(words[0], getCommand) {
		s.readsAsked[client] = readAsked{ev.Command, uint64(len(s.applied))}
	}
}

// checkRead: a read is linearizable (§8) only if it sees every write that
// completed before it began. A leader answers from its state at ev.Index;
// every entry committed, and applied by some node, before the client
// handed it the read must be at or below that index, or the answer may
// miss a write the client's world has already seen acknowledged.
func (s *safetyChecker) checkRead(ev Event) string {
	words, id := splitRequest(ev.Command)
	client, _, _ := parseRequestID(id)
	asked, ok := s.readsAsked[client]
	if !ok || asked.command != ev.Command || len(words) != 2 {
		return ""
	}
	for index := ev.Index + 1; index <= asked.applied; index++ {
		write, _ := splitRequest(s.applied[index-1].Command)
		if len(write) == 3 && strings.EqualFold(write[0], putCommand) && write[1] == words[1] {
			return fmt.Sprintf("%s: at %s node %d answered %s with its state at entry %d, without entry %d (%s), committed before the read was asked",
				violationStaleRead, formatDuration(ev.At), ev.Node, quoteCommand(ev.Command), ev.Index, index, quoteCommand(s.applied[index-1].Command))
		}
	}
	return ""
}

// quoteCommand is an entry's command as a violation shows it: quoted, or,
// for a new leader's empty entry, "a no-op", as the log calls it.
func quoteCommand(command string) string {
	if command == "" {
		return "a no-op"
	}
	return strconv.Quote(command)
}
