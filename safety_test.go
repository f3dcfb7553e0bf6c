// safety_test.go proves the safety checker can fail: for each property, a
// sequence of events that breaks it, as a broken rule would produce, must
// be reported; and a correct election must pass.

package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
)

// Events as nodes report them, stamped with their state after the event.
func roleEvent(node int, term uint64, role Role) Event {
	ev := Event{Kind: EventRole, Node: node, Term: term, Role: role}
	if role == Candidate {
		ev.VotedFor = node
	}
	return ev
}

func voteEvent(voter, candidate int, term uint64) Event {
	return Event{Kind: EventVote, Node: voter, Term: term, Candidate: candidate, Granted: true, VotedFor: candidate}
}

// electionEvents is node leader's correct election in term among nodes.
func electionEvents(leader int, term uint64, voters ...int) []Event {
	events := []Event{roleEvent(leader, term, Candidate), voteEvent(leader, leader, term)}
	for _, v := range voters {
		events = append(events, voteEvent(v, leader, term))
	}
	return append(events, roleEvent(leader, term, Leader))
}

func TestSafetyCheckerCatchesEachViolation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		want   string // the kind of violation, or "" for a correct run
		events []Event
	}{
		{"a correct election, crash and re-election", "", concat(
			electionEvents(1, 1, 2, 3),
			[]Event{{Kind: EventCrash, Node: 1, Term: 1}},
			electionEvents(4, 2, 2, 5),
			[]Event{{Kind: EventRestart, Node: 1, Term: 1, VotedFor: 1}, roleEvent(1, 2, Follower)},
		)},
		// vote-twice: a node that grants every request lets two candidates
		// each gather a majority in one term (node 3 votes for both, which
		// is a violation of its own).
		{"two leaders in one term", violationTwoLeaders, concat(
			electionEvents(1, 1, 2, 3),
			electionEvents(5, 1, 3, 4),
		)},
		// forget-vote: votedFor lost in a crash lets a node vote twice.
		{"a second vote in a term after a restart", violationDoubleVote, []Event{
			voteEvent(2, 1, 1),
			{Kind: EventCrash, Node: 2, Term: 1},
			{Kind: EventRestart, Node: 2, Term: 1},
			voteEvent(2, 3, 1),
		}},
		// currentTerm lost in a crash: the node comes back in an old term.
		{"a term that goes backwards", violationTermBackwards, []Event{
			roleEvent(2, 3, Follower),
			{Kind: EventCrash, Node: 2, Term: 3},
			{Kind: EventRestart, Node: 2, Term: 1},
		}},
		// count-stale: votes granted in term 1 counted for term 2.
		{"a leader elected on stale votes", violationMinorityLeader, concat(
			[]Event{roleEvent(1, 1, Candidate), voteEvent(1, 1, 1), voteEvent(2, 1, 1), voteEvent(3, 1, 1)},
			[]Event{roleEvent(1, 2, Candidate), voteEvent(1, 1, 2), roleEvent(1, 2, Leader)},
		)},
		// stale-read: a leader answers from its state at entry 1, though
		// entry 2 put x before the read was asked; a read of another key,
		// or one that saw entry 2, is right.
		{"a read that misses a put committed before it", violationStaleRead, staleReadEvents(1, "x")},
		{"a read that sees every put committed before it", "", concat(staleReadEvents(2, "x"), staleReadEvents(1, "y"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checker := newSafetyChecker(5)
			for _, ev := range tc.events {
				checker.observe(ev)
			}
			reported := slices.ContainsFunc(checker.violations, func(v string) bool { return strings.HasPrefix(v, tc.want) })
			switch {
			case tc.want == "" && len(checker.violations) > 0:
				t.Errorf("a correct run was reported: %q", checker.violations)
			case tc.want != "" && !reported:
				t.Errorf("reported %q; want a %q violation", checker.violations, tc.want)
			}
		})
	}
}

// staleReadEvents are two puts of x applied, then a read of key asked of
// node 1, which answers from its state at entry index.
func staleReadEvents(index uint64, key string) []Event {
	return []Event{
		{Kind: EventApply, Node: 1, Term: 1, Index: 1, EntryTerm: 1, Command: "put x 1 #c1.1"},
		{Kind: EventApply, Node: 2, Term: 1, Index: 2, EntryTerm: 1, Command: "put x 2 #c1.2"},
		{Kind: EventRequest, To: 1, Command: "get " + key + " #c2.1", Read: true},
		{Kind: EventRead, Node: 1, Term: 1, Role: Leader, Index: index, Command: "get " + key + " #c2.1"},
	}
}

func concat(parts ...[]Event) []Event {
	var all []Event
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// A violation in a live run is printed in the log as it happens, listed in
// the summary, and returned by Violations.
func TestViolationIsLoudEverywhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, log := loggedConfig(3, 1)
		c := newTestCluster(t, cfg)
		c.Start()
		synctest.Wait() // every node has started and waits for its timeout
		// Node 3 claims term 1 with no votes, as a rule-breaking node would.
		c.rec.record(roleEvent(3, 1, Candidate))
		c.rec.record(roleEvent(3, 1, Leader))
		c.Stop() // nothing writes the log any more

		if v := c.Violations(); len(v) != 1 || !strings.HasPrefix(v[0], violationMinorityLeader) {
			t.Fatalf("Violations() = %q", v)
		}
		if !strings.Contains(log.String(), "SAFETY VIOLATION, "+violationMinorityLeader) {
			t.Errorf("the log does not show the violation:\n%s", log.String())
		}
		var summary bytes.Buffer
		c.rec.writeSummary(&summary, 80)
		if !strings.Contains(summary.String(), "Safety violations: 1.") {
			t.Errorf("the summary does not list the violation:\n%s", summary.String())
		}
	})
}

// The checker keeps only what later events can contradict, so that a long
// run, or a big trace, is checked in bounded memory, even while one node
// stays behind in term 1 (crashed, or cut off with PreVote); it still
// catches a violation in the terms it keeps.
func TestSafetyCheckerForgetsSettledTerms(t *testing.T) {
	checker := newSafetyChecker(5)
	checker.observe(roleEvent(5, 1, Follower))
	const terms = 10000
	for term := uint64(2); term <= terms; term++ {
		candidate := int(term%4) + 1
		checker.observe(roleEvent(candidate, term, Candidate))
		for voter := 1; voter <= 4; voter++ {
			if voter != candidate {
				checker.observe(roleEvent(voter, term, Follower))
			}
			checker.observe(voteEvent(voter, candidate, term))
		}
		checker.observe(roleEvent(candidate, term, Leader))
	}
	if len(checker.violations) > 0 {
		t.Fatalf("a correct run was reported: %q", checker.violations[0])
	}
	kept := len(checker.terms) + len(checker.ballots) + len(checker.campaigns) + len(checker.leaders)
	for _, file := range checker.campaigns {
		kept += len(file.voters)
	}
	if limit := 5 * (5 + 3); kept > limit { // per node: a term, a ballot, a campaign of up to 5 votes, a leader
		t.Errorf("after %d terms the checker keeps %d entries; want at most %d, whatever the number of terms", terms, kept, limit)
	}
	last := uint64(terms)
	checker.observe(roleEvent(int(last%4)+2, last, Leader))
	if len(checker.violations) != 1 || !strings.HasPrefix(checker.violations[0], violationTwoLeaders) {
		t.Errorf("a second leader of the last term was reported as %q", checker.violations)
	}
}
