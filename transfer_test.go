// transfer_test.go checks leadership transfer against the dissertation's
// §3.10, one test per sentence, quoted above it, driving one node by hand
// (harness_test.go); then whole clusters: the transfer scenario on every
// seed, and a transfer through leader stickiness.

package main

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"
)

// leaderHandingOver is node 1, leader of term 2 in a cluster of size,
// whose no-op every peer but node 2 holds, asked to hand over to node 2:
// node 2 still lacks the no-op.
func leaderHandingOver(t *testing.T, size int) (*node, *outbox) {
	t.Helper()
	n, out := leaderWithNoOpCommitted(t, size)
	n.matchIndex[2], n.nextIndex[2] = 1, 2
	deliver(n, 0, TransferLeadership{Target: 2})
	if n.transfer.target != 2 {
		t.Fatalf("nodes=%d: the leader did not begin handing over to node 2: %+v", size, n.transfer)
	}
	return n, out
}

// §3.10, step 1: "The prior leader stops accepting new client requests."
// A leader handing over refuses a put, and names the node it hands over
// to, which the client asks next.
func TestTransferStopsClientRequests(t *testing.T) {
	for _, size := range withRivals {
		n, _ := leaderHandingOver(t, size)
		before := len(n.log)
		replies := make(chan ClientReply, 1)
		deliver(n, 0, ClientRequest{Command: "put x 2 #c1.2", Applied: true, Reply: replies})
		if reply, ok := answered(replies); !ok || reply.Accepted || reply.Leader != 2 || len(n.log) != before {
			t.Errorf("nodes=%d: a put to a leader handing over got %+v (answered %t), and the log went from %d to %d entries; want a refusal naming node 2, and no entry",
				size, reply, ok, before, len(n.log))
		}
	}
}

// §3.10, step 2: "The prior leader fully updates the target server's log
// to match its own, using the normal log replication mechanism." The
// target, behind, is sent the entries it lacks, not TimeoutNow.
func TestTransferBringsTheTargetsLogUpToDate(t *testing.T) {
	for _, size := range withRivals {
		_, out := leaderHandingOver(t, size)
		sent := out.to(2)
		if len(sent) != 1 {
			t.Fatalf("nodes=%d: the leader sent node 2 %v; want one AppendEntries", size, sent)
		}
		if ae, ok := sent[0].(AppendEntries); !ok || ae.PrevLogIndex != 1 || len(ae.Entries) != 1 || ae.Entries[0].Index != 2 {
			t.Errorf("nodes=%d: the leader sent node 2, which lacks entry 2, %v; want AppendEntries with entry 2", size, sent[0])
		}
	}
}

// §3.10, step 3: "The prior leader sends a TimeoutNow request to the
// target server", once the target's log matches its own: on the target's
// answer that it holds the last entry, and at once for a target that held
// it already.
func TestTransferSendsTimeoutNowOnceTheTargetCaughtUp(t *testing.T) {
	for _, size := range withRivals {
		n, out := leaderHandingOver(t, size)
		out.sent = nil
		deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: n.round})
		if now, ok := out.last().(TimeoutNow); !ok || now.Term != 2 || out.sent[len(out.sent)-1].To != 2 {
			t.Errorf("nodes=%d: once node 2 held entry 2, the leader sent %v; want TimeoutNow of term 2 to node 2", size, out.sent)
		}
		m, mout := leaderWithNoOpCommitted(t, size)
		deliver(m, 0, TransferLeadership{Target: 3})
		if now, ok := mout.last().(TimeoutNow); !ok || mout.sent[len(mout.sent)-1].To != 3 {
			t.Errorf("nodes=%d: asked to hand over to node 3, which holds its whole log, the leader sent %v; want TimeoutNow at once", size, mout.sent)
		} else if now.Term != 2 {
			t.Errorf("nodes=%d: TimeoutNow of term %d; want the leader's, 2", size, now.Term)
		}
	}
}

// §3.10: "This request has the same effect as the target server's
// election timer firing: the target server starts a new election
// (incrementing its term and becoming a candidate)", without a pre-vote,
// and its RequestVotes say that a leader handed over. Only a follower of
// the sender in the sender's term takes it.
func TestTimeoutNowStartsAnElectionAtOnce(t *testing.T) {
	forEachRoleAndSize(t, everyRole, withRivals, func(t *testing.T, role Role, size int) {
		for _, preVote := range []bool{false, true} {
			n, out := inRole(t, role, size)
			n.preVote = preVote
			term := n.currentTerm
			deliver(n, 2, TimeoutNow{Term: term})
			switch {
			case role != Follower && (n.role != role || n.currentTerm != term):
				t.Errorf("prevote %t: a %s of term %d took TimeoutNow and is a %s of term %d", preVote, role, term, n.role, n.currentTerm)
			case role == Follower && (n.role != Candidate || n.currentTerm != term+1):
				t.Errorf("prevote %t: a follower of node 2 took TimeoutNow and is a %s of term %d; want a candidate of term %d", preVote, n.role, n.currentTerm, term+1)
			case role == Follower && !lastSent[RequestVote](t, out).Transfer:
				t.Errorf("prevote %t: the RequestVote after TimeoutNow does not say it follows a transfer", preVote)
			}
		}
	})
	n, _ := inRole(t, Follower, 3)
	deliver(n, 3, TimeoutNow{Term: n.currentTerm}) // node 2 leads: node 3 cannot hand over
	deliver(n, 2, TimeoutNow{Term: n.currentTerm - 1})
	if n.role != Follower {
		t.Errorf("a follower took a TimeoutNow from a node that does not lead it, or of an older term, and is a %s", n.role)
	}
}

// §4.2.3: leader stickiness disregards a RequestVote from a node that
// times out while a leader is live, but "a server should not disregard
// RequestVote requests that are part of a leadership transfer": the leader
// itself asked for the election.
func TestStickinessLetsATransfersVoteThrough(t *testing.T) {
	for _, size := range withRivals {
		for _, transfer := range []bool{false, true} {
			n, out := inRole(t, Follower, size)
			n.checkQuorum = true
			n.heardFromLeader = n.clock.now()
			deliver(n, 3, RequestVote{Term: n.currentTerm + 1, CandidateID: 3, Transfer: transfer})
			if replied := len(out.to(3)) > 0; replied != transfer {
				t.Errorf("nodes=%d: a follower with a live leader answered a RequestVote (transfer %t): %t; want %t", size, transfer, replied, transfer)
			}
		}
	}
}

// §3.10: "If the transfer does not complete within [an election
// timeout], the prior leader aborts the transfer and resumes accepting
// client requests."
func TestTransferGivesUpAfterAnElectionTimeout(t *testing.T) {
	for _, size := range withRivals {
		n, _ := leaderHandingOver(t, size)
		rounds := 0
		for ; n.transfer.target != 0; rounds++ {
			if rounds > 100 {
				t.Fatalf("nodes=%d: the leader still hands over after %d heartbeat rounds", size, rounds)
			}
			n.countDownTransfer()
		}
		if took := n.heartbeatInterval * time.Duration(rounds); took < n.timeoutMax {
			t.Errorf("nodes=%d: the leader gave up after %d heartbeat rounds, %s; want an election timeout, %s, at least", size, rounds, took, n.timeoutMax)
		}
		replies := make(chan ClientReply, 1)
		deliver(n, 0, ClientRequest{Command: "put x 2 #c1.2", Reply: replies})
		if reply, _ := answered(replies); !reply.Accepted {
			t.Errorf("nodes=%d: after giving the transfer up, the leader refused a put: %+v", size, reply)
		}
	}
}

// The transfer scenario on seeds 1 to 20, with each refinement: the node
// named wins the next term, and the checker finds no violation.
func TestTheTransferScenarioHandsOver(t *testing.T) {
	for _, refine := range []func(*Config){nil, func(c *Config) { c.PreVote = true }, func(c *Config) { c.CheckQuorum = true }} {
		for seed := uint64(1); seed <= uint64(shortOr(20, 3)); seed++ {
			c, events := playScenario(t, "transfer", seed, refine)
			asked := events.matching(func(ev Event) bool { return ev.Kind == EventTransfer && ev.Node == 0 })
			leaders := leadersElected(events)
			if len(asked) != 1 || len(leaders) < 2 || leaders[1].Node != asked[0].To {
				t.Errorf("seed %d: asked %v; leaders %v; want the node asked to lead the second term", seed, asked, leaders)
			}
			if v := c.Violations(); len(v) > 0 {
				t.Errorf("seed %d: %v", seed, v)
			}
		}
	}
}

// The transfer scenario's trace passes its own -check, on a network slow
// enough that the old leader misses the new term (seed 3): the operator's
// request from no node, the leader's own transfer events, and TimeoutNow.
func TestTheTransfersTraceChecks(t *testing.T) {
	transfer, _ := pickScenarios("transfer")
	for seed := uint64(1); seed <= 3; seed++ {
		var trace bytes.Buffer
		synctest.Test(t, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Seed, cfg.Timing, cfg.Trace, cfg.MaxLatency = seed, Unpaced, &trace, 20*time.Millisecond
			if _, err := transfer[0].play(cfg, nil); err != nil {
				t.Fatal(err)
			}
		})
		kinds := []string{`"event":"transfer","to"`, `"cause":"transfer-begun"`, `"msg":"TimeoutNow"`, `"cause":"timeout-now"`}
		for _, kind := range kinds {
			if !bytes.Contains(trace.Bytes(), []byte(kind)) {
				t.Errorf("seed %d: the trace holds no %s", seed, kind)
			}
		}
		if report, err := checkTrace(&trace); err != nil || len(report.violations) > 0 {
			t.Errorf("seed %d: -check says %v %v", seed, err, report.violations)
		}
	}
}
