// refinements_test.go checks the election refinements of Ongaro's
// dissertation that production Raft libraries add: PreVote (§9.6) and
// CheckQuorum with leader stickiness (§6.2, §4.2.3), rule by rule on a
// lone node, where the test plays the network, and then in the scenarios
// that show why they exist.

package main

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// newRefinedNode is node 1 of 5, alone, with PreVote or CheckQuorum on.
func newRefinedNode(preVote, checkQuorum bool) (*node, *outbox) {
	n, out := newLoneNode(1, 5, persistentState{})
	n.preVote, n.checkQuorum = preVote, checkQuorum
	return n, out
}

// grantPreVotes delivers granted pre-votes for term from each voter.
func grantPreVotes(n *node, term uint64, voters ...int) {
	for _, voter := range voters {
		deliver(n, voter, PreVoteResponse{Term: term, Granted: true})
	}
}

// preCandidateForTerm3 is a lone node with PreVote on, in term 2, that
// has timed out and asks about term 3.
func preCandidateForTerm3() *node {
	n, _ := newRefinedNode(true, false)
	n.currentTerm = 2
	n.electionTimedOut()
	return n
}

// followerOfNode2 is a lone node with PreVote on that has just heard
// node 2, leader of term 1, and the election timeout that heartbeat set.
func followerOfNode2() (*node, *outbox, time.Duration) {
	n, out := newRefinedNode(true, false)
	deliver(n, 2, AppendEntries{Term: 1, LeaderID: 2})
	return n, out, n.electionTimeout
}

// askPreVote delivers node 3's PreVote for term to n and returns n's answer.
func askPreVote(t *testing.T, n *node, out *outbox, term uint64) PreVoteResponse {
	t.Helper()
	deliver(n, 3, PreVote{Term: term, CandidateID: 3})
	return lastSent[PreVoteResponse](t, out)
}

// grantVotes delivers granted votes of term from each voter.
func grantVotes(n *node, term uint64, voters ...int) {
	for _, voter := range voters {
		deliver(n, voter, RequestVoteResponse{Term: term, VoteGranted: true})
	}
}

// §9.6: with PreVote, a timeout makes a pre-candidate that asks every peer
// about the next term and changes nothing else; only a majority of yeses
// starts the election.
func TestPreVoteComesFirst(t *testing.T) {
	n, out := newRefinedNode(true, false)
	n.electionTimedOut()
	if n.role != PreCandidate || n.currentTerm != 0 || n.votedFor != 0 || len(out.sent) != 4 {
		t.Fatalf("after a timeout the node is %s in term %d (vote %d) and sent %d messages; want a pre-candidate in term 0, no vote, asking 4 peers",
			n.role, n.currentTerm, n.votedFor, len(out.sent))
	}
	if pv, ok := out.last().(PreVote); !ok || pv.Term != 1 {
		t.Fatalf("it sent %v; want a PreVote asking about term 1", out.last())
	}
	grantPreVotes(n, 1, 2)
	if n.role != PreCandidate {
		t.Fatalf("2 of 5 pre-votes made it a %s", n.role)
	}
	grantPreVotes(n, 1, 3)
	if n.role != Candidate || n.currentTerm != 1 {
		t.Fatalf("3 of 5 pre-votes left it %s in term %d; want a candidate in term 1", n.role, n.currentTerm)
	}
}

// Dissertation §9.6: a pre-candidate becomes a candidate when a majority
// would vote for it in the term it asks about. A grant for another term
// answers another pre-vote, and must not count.
func TestStalePreVoteIsNotCounted(t *testing.T) {
	n := preCandidateForTerm3()
	grantPreVotes(n, 2, 2, 3, 4)
	if n.role != PreCandidate || n.currentTerm != 2 {
		t.Fatalf("three grants for term 2 made the pre-candidate for term 3 a %s of term %d; they must not count", n.role, n.currentTerm)
	}
	grantPreVotes(n, 3, 2, 3)
	if n.role != Candidate || n.currentTerm != 3 {
		t.Errorf("two grants for term 3 left it a %s of term %d; want a candidate of term 3", n.role, n.currentTerm)
	}
}

// Dissertation §9.6 with §5.1: a refused PreVoteResponse carries the
// refuser's own term, which, if newer, the pre-candidate takes, as any
// message's newer term; only a granted one echoes a term asked about.
func TestRefusedPreVoteTeachesTheTerm(t *testing.T) {
	n := preCandidateForTerm3()
	deliver(n, 2, PreVoteResponse{Term: 5, Granted: false})
	if n.role != Follower || n.currentTerm != 5 {
		t.Errorf("a refusal from term 5 left the pre-candidate a %s of term %d; want a follower of term 5", n.role, n.currentTerm)
	}
}

// Dissertation §9.6: a node refuses a pre-vote while it hears from a live
// leader, and a leader is one, however long ago it last heard another: it
// refuses a pre-vote for the next term from a node whose log is as good
// as its own.
func TestLeaderRefusesAPreVote(t *testing.T) {
	n, out := newRefinedNode(false, false)
	electLoneNode(t, n, 2)
	n.preVote = true
	n.clock.(*clock).base += time.Hour // long after: no leader's heartbeat is recent, but it leads
	last, lastTerm := n.lastLogEntry()
	deliver(n, 3, PreVote{Term: 3, CandidateID: 3, LastLogIndex: last, LastLogTerm: lastTerm})
	if reply := lastSent[PreVoteResponse](t, out); reply.Granted {
		t.Errorf("the leader of term 2 granted a pre-vote for term 3")
	}
}

// Dissertation §6.2: a leader steps down unless a majority answered it in
// the last election timeout. An answer of an older term answers an older
// leader's message, not this one's, and must not keep it leader.
func TestQuorumCountsOnlyAnswersOfTheTerm(t *testing.T) {
	n, _ := newRefinedNode(false, true)
	electLoneNode(t, n, 3)
	n.startQuorumCheck()
	for peer := 2; peer <= 5; peer++ {
		deliver(n, peer, AppendEntriesResponse{Term: 2, Success: true})
	}
	n.checkMajorityHeard()
	if n.role != Follower {
		t.Fatalf("a leader of term 3 that heard only answers of term 2 is still a %s", n.role)
	}
}

// Regression: a late answer to an old campaign must not act on a new role.
// A candidate whose election times out becomes a pre-candidate; votes of
// the election it gave up, and pre-votes for a pre-vote it has won, arrive
// late. Neither may elect it nor make a leader stand again (which once
// panicked: "a leader cannot become a candidate").
func TestLateAnswersCannotActOnNewRole(t *testing.T) {
	n, _ := newRefinedNode(true, false)
	n.electionTimedOut()
	grantPreVotes(n, 1, 2, 3) // a candidate in term 1
	n.electionTimedOut()      // its election went nowhere: a pre-candidate again
	grantVotes(n, 1, 2, 3)
	if n.role != PreCandidate || n.currentTerm != 1 {
		t.Fatalf("late votes of term 1 made the pre-candidate a %s in term %d", n.role, n.currentTerm)
	}
	grantPreVotes(n, 2, 4, 5) // a candidate in term 2
	grantVotes(n, 2, 2, 3)    // the leader of term 2
	if n.role != Leader || n.currentTerm != 2 {
		t.Fatalf("with 3 of 5 votes in term 2 the node is %s in term %d; want leader of term 2", n.role, n.currentTerm)
	}
	grantPreVotes(n, 2, 2, 3, 4) // late pre-votes for term 2
	if n.role != Leader || n.currentTerm != 2 {
		t.Fatalf("late pre-votes made the leader of term 2 a %s in term %d", n.role, n.currentTerm)
	}
}

// Regression: a pre-candidate that hears the leader of its term becomes a
// follower (§5.2), and pre-votes that arrive afterwards count for nothing:
// a slow but live leader is not deposed.
func TestHearingLeaderEndsPreVote(t *testing.T) {
	n, _ := newRefinedNode(true, false)
	deliver(n, 2, AppendEntries{Term: 1, LeaderID: 2})
	n.electionTimedOut() // the leader's next heartbeat is late
	deliver(n, 2, AppendEntries{Term: 1, LeaderID: 2})
	if n.role != Follower || n.leaderID != 2 {
		t.Fatalf("after its leader's heartbeat the pre-candidate is a %s following node %d; want node 2's follower",
			n.role, n.leaderID)
	}
	grantPreVotes(n, 2, 3, 4)
	if n.role != Follower || n.currentTerm != 1 {
		t.Fatalf("late pre-votes made the follower a %s in term %d; want a follower in term 1", n.role, n.currentTerm)
	}
}

// Regression: a PreVote asks about a term without entering it, for the
// asker and the answerer alike (dissertation §9.6; etcd-io/raft never
// changes its term for a PreVote). Answering changes no term, vote, leader
// or timer, and a granted pre-vote does not raise the asker's term.
func TestPreVoteNeverMovesTerms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, out, timeout := followerOfNode2()
		time.Sleep(n.timeoutMin) // the leader goes quiet
		if reply := askPreVote(t, n, out, 5); !reply.Granted || reply.Term != 5 {
			t.Errorf("replied %v to a PreVote for term 5 with no live leader; want a grant that echoes term 5", reply)
		}
		if n.currentTerm != 1 || n.votedFor != 0 || n.leaderID != 2 || n.electionTimeout != timeout {
			t.Errorf("answering a PreVote changed term (%d), vote (%d), leader (%d) or timer", n.currentTerm, n.votedFor, n.leaderID)
		}
		asker, _ := newRefinedNode(true, false)
		asker.electionTimedOut()
		grantPreVotes(asker, 1, 2)
		if asker.currentTerm != 0 || asker.role != PreCandidate {
			t.Errorf("a granted pre-vote for term 1 moved the asker to %s in term %d", asker.role, asker.currentTerm)
		}
	})
}

// §9.6: a node that has heard from its leader within the minimum election
// timeout refuses a pre-vote; once the leader has gone quiet that long, it
// grants one. Either way its term, vote and timer stay as they were.
func TestPreVoteRefusedWhileLeaderLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, out, timeout := followerOfNode2()
		if reply := askPreVote(t, n, out, 2); reply.Granted || reply.Term != 1 {
			t.Errorf("replied %v while its leader was live; want a refusal carrying its term, 1", reply)
		}
		time.Sleep(n.timeoutMin)
		if reply := askPreVote(t, n, out, 2); !reply.Granted {
			t.Error("refused a pre-vote after its leader had been quiet for the minimum election timeout")
		}
		if n.currentTerm != 1 || n.votedFor != 0 || n.electionTimeout != timeout {
			t.Errorf("answering pre-votes changed term %d, vote %d or timer", n.currentTerm, n.votedFor)
		}
	})
}

// §4.2.3: with CheckQuorum, a node that hears a live leader ignores a
// RequestVote or a PreVote of a newer term: no new term, no vote, no
// reply. Once the leader has been quiet for the minimum election timeout,
// the term rule and the vote apply as usual. (Regression: the PreVote was
// once answered, and with it the term rule moved the node to term 2.)
func TestLeaderStickiness(t *testing.T) {
	for _, request := range []RaftMessage{RequestVote{Term: 5, CandidateID: 3}, PreVote{Term: 5, CandidateID: 3}} {
		t.Run(messageName(request), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				n, out := newRefinedNode(true, true)
				deliver(n, 2, AppendEntries{Term: 1, LeaderID: 2})
				sent := len(out.sent)
				deliver(n, 3, request)
				if n.currentTerm != 1 || n.votedFor != 0 || n.leaderID != 2 || len(out.sent) != sent {
					t.Fatalf("with a live leader, %v moved it to term %d, vote %d, leader %d, and got a reply: %t",
						request, n.currentTerm, n.votedFor, n.leaderID, len(out.sent) != sent)
				}
				time.Sleep(n.timeoutMin)
				deliver(n, 3, request)
				if len(out.sent) == sent {
					t.Fatalf("after the leader went quiet, %v got no reply", request)
				}
			})
		})
	}
}

// Where this project follows Figure 2 rather than etcd-io/raft: a follower
// that knows its term's leader but has cast no vote in the term grants one
// to a candidate of that term. etcd refuses; both are safe, since the
// leader's majority already holds a vote of any majority the candidate
// could gather (§5.2).
func TestVoteGrantedDespiteKnownLeader(t *testing.T) {
	n, out := newLoneNode(1, 5, persistentState{})
	deliver(n, 2, AppendEntries{Term: 1, LeaderID: 2})
	deliver(n, 3, RequestVote{Term: 1, CandidateID: 3})
	if !voteGranted(t, out) || n.votedFor != 3 {
		t.Fatalf("node 1, following node 2 in term 1 with no vote cast, refused node 3 (votedFor %d)", n.votedFor)
	}
}

// The disruptive scenario, with each setting of PreVote and CheckQuorum: a
// follower cut off from everyone raises its term with every timeout unless
// PreVote stops it, and on its return forces a needless election, unless
// PreVote kept its term where it was. CheckQuorum alone does not save the
// leader: its followers ignore the returning node's RequestVote, but the
// leader itself reads the inflated term in a heartbeat reply (§5.1).
func TestDisruptiveScenario(t *testing.T) {
	for _, tc := range []struct {
		preVote, checkQuorum bool
		leaders              int
	}{{false, false, 2}, {false, true, 2}, {true, false, 1}, {true, true, 1}} {
		for seed := uint64(1); seed <= 5; seed++ {
			_, events := playScenario(t, "disruptive", seed, func(cfg *Config) {
				cfg.PreVote, cfg.CheckQuorum = tc.preVote, tc.checkQuorum
			})
			if got := len(leadersElected(events)); got != tc.leaders && (tc.leaders == 1 || got < tc.leaders) {
				t.Errorf("seed %d, PreVote %t, CheckQuorum %t: %d leaders were elected; want %d (at least, without PreVote)",
					seed, tc.preVote, tc.checkQuorum, got, tc.leaders)
			}
		}
	}
}

// The lost-quorum scenario: without CheckQuorum the cut-off leader keeps
// believing it leads; with it, it steps down within two quorum checks,
// one minimum election timeout apart (§6.2).
func TestLostQuorumScenario(t *testing.T) {
	for _, checkQuorum := range []bool{false, true} {
		for seed := uint64(1); seed <= 5; seed++ {
			c, events := playScenario(t, "lost-quorum", seed, func(cfg *Config) { cfg.CheckQuorum = checkQuorum })
			cut := events.matching(func(ev Event) bool { return ev.Kind == EventPartition })
			lost := events.matching(func(ev Event) bool { return ev.Cause.Rule == RuleLostQuorum })
			switch {
			case len(cut) != 1:
				t.Fatalf("seed %d: %d partitions; the scenario makes one", seed, len(cut))
			case !checkQuorum && len(lost) != 0:
				t.Errorf("seed %d: without CheckQuorum, a leader stepped down for want of a quorum", seed)
			case !checkQuorum && c.Status()[leadersElected(events)[0].Node-1].Role != Leader:
				t.Errorf("seed %d: without CheckQuorum, the cut-off leader stopped believing it leads", seed)
			case checkQuorum && (len(lost) != 1 || lost[0].At-cut[0].At > 2*c.cfg.ElectionTimeoutMin):
				t.Errorf("seed %d: with CheckQuorum, step-downs for want of a quorum %v after the cut at %s; want one within 300 ms",
					seed, lost, cut[0].At)
			}
		}
	}
}

// Every scenario, with each setting of PreVote and CheckQuorum, on a fast
// network and on one slower than an election timeout allows (§5.6), ends
// by itself with no safety violation, and elects a leader. Late answers
// on a slow network are what once made a leader stand again.
func TestEveryScenarioWithEveryRefinement(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for setting := range 4 {
				preVote, checkQuorum := setting&1 == 1, setting&2 == 2
				for _, latency := range []time.Duration{0, 150 * time.Millisecond} {
					name := fmt.Sprintf("prevote=%t,checkquorum=%t,latency=%s", preVote, checkQuorum, latency)
					t.Run(name, func(t *testing.T) {
						for _, seed := range []uint64{1, 5} {
							_, events := playScenario(t, sc.name, seed, func(cfg *Config) {
								cfg.PreVote, cfg.CheckQuorum, cfg.MaxLatency = preVote, checkQuorum, latency
							})
							if len(leadersElected(events)) == 0 {
								t.Errorf("%s, seed %d: no leader was ever elected", sc.name, seed)
							}
						}
					})
				}
			}
		})
	}
}
