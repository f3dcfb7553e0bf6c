// refinements_test.go checks the two election refinements of Ongaro's
// dissertation that production Raft libraries add: PreVote (§9.6) and
// CheckQuorum with leader stickiness (§6.2, §4.2.3), rule by rule on a
// lone node and then in the scenarios that show why they exist.
package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// newRefinedNode is a lone node with PreVote or CheckQuorum on.
func newRefinedNode(preVote, checkQuorum bool) (*node, *outbox) {
	n, out := newLoneNode(1, 5, persistentState{})
	n.preVote, n.checkQuorum = preVote, checkQuorum
	return n, out
}

// §9.6: with PreVote, a timeout sends pre-votes for the next term and
// changes nothing at home; only a majority of yeses starts the election.
func TestPreVoteComesFirst(t *testing.T) {
	n, out := newRefinedNode(true, false)
	n.electionTimedOut()
	if n.role != Follower || n.currentTerm != 0 || len(out.sent) != 4 {
		t.Fatalf("after a timeout the node is %s in term %d and sent %d messages; want a follower in term 0 asking 4 peers",
			n.role, n.currentTerm, len(out.sent))
	}
	if pv, ok := out.last().(PreVote); !ok || pv.NextTerm != 1 || pv.Term != 0 {
		t.Fatalf("it sent %v; want a PreVote for term 1 from term 0", out.last())
	}
	deliver(n, 2, PreVoteResponse{Term: 0, NextTerm: 1, Granted: true})
	if n.role != Follower {
		t.Fatalf("2 of 5 pre-votes made it a %s", n.role)
	}
	deliver(n, 3, PreVoteResponse{Term: 0, NextTerm: 1, Granted: true})
	if n.role != Candidate || n.currentTerm != 1 {
		t.Fatalf("3 of 5 pre-votes left it %s in term %d; want a candidate in term 1", n.role, n.currentTerm)
	}
}

// §9.6: a node that has heard from its leader within the minimum election
// timeout refuses a pre-vote; once the leader has gone quiet that long, it
// grants one. Either way its term, vote and timer stay as they were.
func TestPreVoteRefusedWhileLeaderLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, out := newRefinedNode(true, false)
		deliver(n, 2, AppendEntries{Term: 1, LeaderID: 2})
		timeout := n.electionTimeout
		deliver(n, 3, PreVote{Term: 1, NextTerm: 2, CandidateID: 3})
		if reply := out.last().(PreVoteResponse); reply.Granted {
			t.Error("granted a pre-vote while its leader was live")
		}
		time.Sleep(n.timeoutMin)
		deliver(n, 3, PreVote{Term: 1, NextTerm: 2, CandidateID: 3})
		if reply := out.last().(PreVoteResponse); !reply.Granted {
			t.Error("refused a pre-vote after its leader had been quiet for the minimum election timeout")
		}
		if n.currentTerm != 1 || n.votedFor != 0 || n.electionTimeout != timeout {
			t.Errorf("answering pre-votes changed term %d, vote %d or timer", n.currentTerm, n.votedFor)
		}
	})
}

// §4.2.3: with CheckQuorum, a node that hears a live leader ignores a
// RequestVote of a newer term: no new term, no vote, no reply. Once the
// leader has been quiet for the minimum election timeout, the term rule
// and the vote apply as usual.
func TestLeaderStickiness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, out := newRefinedNode(false, true)
		deliver(n, 2, AppendEntries{Term: 1, LeaderID: 2})
		sent := len(out.sent)
		deliver(n, 3, RequestVote{Term: 5, CandidateID: 3})
		if n.currentTerm != 1 || n.votedFor != 0 || len(out.sent) != sent {
			t.Fatalf("with a live leader, a RequestVote for term 5 moved it to term %d, vote %d, and got a reply: %t",
				n.currentTerm, n.votedFor, len(out.sent) != sent)
		}
		time.Sleep(n.timeoutMin)
		deliver(n, 3, RequestVote{Term: 5, CandidateID: 3})
		if n.currentTerm != 5 || n.votedFor != 3 {
			t.Fatalf("after the leader went quiet, the RequestVote left it in term %d, vote %d; want term 5, vote 3",
				n.currentTerm, n.votedFor)
		}
	})
}

// The disruptive scenario, with and without PreVote: a follower cut off
// from everyone raises its term with every timeout unless PreVote stops
// it, and on its return forces a needless election, unless PreVote kept
// its term where it was.
func TestDisruptiveScenario(t *testing.T) {
	for seed := 1; seed <= 5; seed++ {
		for _, tc := range []struct {
			flags []string
			says  string
		}{
			{nil, "a needless election"},
			// Stickiness makes the followers ignore its RequestVote, but
			// the leader still reads the inflated term in its heartbeat
			// replies and steps down.
			{[]string{"-checkquorum"}, "a needless election"},
			{[]string{"-prevote"}, "disturbed nothing"},
			{[]string{"-prevote", "-checkquorum"}, "disturbed nothing"},
		} {
			args := append([]string{"-scenario", "disruptive", "-seed", fmt.Sprint(seed), "-no-color"}, tc.flags...)
			if out := runOK(t, args...); !strings.Contains(out, tc.says) {
				t.Errorf("%q: the scenario never says %q", args, tc.says)
			}
		}
	}
}

// steppedDownAfter finds the lost-quorum scenario's report of a step-down.
var steppedDownAfter = regexp.MustCompile(`stepped down ([0-9.]+) ms after it was cut off`)

// The lost-quorum scenario: without CheckQuorum the cut-off leader keeps
// believing it leads; with it, it steps down within two quorum checks,
// one minimum election timeout apart (§6.2).
func TestLostQuorumScenario(t *testing.T) {
	for seed := 1; seed <= 5; seed++ {
		args := []string{"-scenario", "lost-quorum", "-seed", fmt.Sprint(seed), "-no-color"}
		if out := runOK(t, args...); !strings.Contains(out, "still believes it leads") {
			t.Errorf("%q: the leader did not keep believing it leads", args)
		}
		out := runOK(t, append(args, "-checkquorum")...)
		found := steppedDownAfter.FindStringSubmatch(out)
		if found == nil {
			t.Errorf("%q -checkquorum: the leader never stepped down", args)
			continue
		}
		if after, _ := strconv.ParseFloat(found[1], 64); after > 300 {
			t.Errorf("%q -checkquorum: stepped down after %.1f ms; two checks take at most 300 ms", args, after)
		}
	}
}
