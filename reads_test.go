// reads_test.go checks how a leader answers a read without a log entry,
// against the dissertation's §6.4 (ReadIndex) and the paper's §8, one test
// per sentence, quoted above it, driving one node by hand
// (harness_test.go); then whole clusters, and the stale-read break's
// histories, which porcupine (linearizability_test.go) must refuse.

package main

import (
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anishathalye/porcupine"
)

// readOf is a client's read of key, and the channel its answer comes on.
func readOf(key string) (ClientRequest, chan ClientReply) {
	replies := make(chan ClientReply, 1)
	return ClientRequest{Command: getCommand + " " + key + " #c1.1", Applied: true, Read: true, Reply: replies}, replies
}

// answered returns the answer on replies, if one came.
func answered(replies chan ClientReply) (ClientReply, bool) {
	select {
	case reply := <-replies:
		return reply, true
	default:
		return ClientReply{}, false
	}
}

// leaderWithNoOpCommitted is inRole's leader of term 2 whose no-op every
// peer has stored, so committed, with x = 1 applied before it: its
// outbox is empty, and every peer has answered round 1.
func leaderWithNoOpCommitted(t *testing.T, size int) (*node, *outbox) {
	t.Helper()
	n, out := newLoneNode(1, size, persistentState{currentTerm: 1, log: []Entry{{Index: 1, Term: 1, Command: "put x 1"}}})
	electLoneNode(t, n, 2)
	for _, peer := range n.peers {
		deliver(n, peer, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: n.round})
	}
	if n.commitIndex != 2 || n.lastApplied != 2 {
		t.Fatalf("nodes=%d: the leader's no-op is not committed and applied: commitIndex %d, lastApplied %d", size, n.commitIndex, n.lastApplied)
	}
	out.sent = nil
	return n, out
}

// §8: "Read-only operations can be handled without writing anything into
// the log." Only the leader answers one; every other role refuses it, and
// the client asks the leader. No role appends an entry for it.
func TestOnlyTheLeaderAnswersAReadAndNoneLogsIt(t *testing.T) {
	forEachRoleAndSize(t, everyRole, clusterSizes, func(t *testing.T, role Role, size int) {
		n, _ := inRole(t, role, size)
		logBefore := slices.Clone(n.log)
		read, replies := readOf("x")
		deliver(n, 0, read)
		if reply, ok := answered(replies); role != Leader && (!ok || reply.Accepted) {
			t.Errorf("a %s answered a read %+v, or left it waiting (%t)", role, reply, ok)
		}
		if !slices.Equal(n.log, logBefore) {
			t.Errorf("a %s appended %v for a read", role, n.log[len(logBefore):])
		}
	})
}

// Dissertation §6.4, step 1: "If the leader has not yet marked an entry
// from its current term committed, it waits until it has done so." A new
// leader may not yet know which entries its predecessors committed: its
// own no-op, committed, tells it.
func TestReadWaitsForAnEntryOfTheLeadersTerm(t *testing.T) {
	for _, size := range clusterSizes[1:] { // a cluster of one commits its no-op at once
		n, _ := newLoneNode(1, size, persistentState{currentTerm: 1, log: []Entry{{Index: 1, Term: 1, Command: "put x 1"}}})
		electLoneNode(t, n, 2)
		read, replies := readOf("x")
		deliver(n, 0, read)
		for _, peer := range n.peers { // every peer answers the read's round, and holds nothing of term 2 yet
			deliver(n, peer, AppendEntriesResponse{Term: 2, ConflictIndex: 2, Round: n.round})
		}
		if reply, ok := answered(replies); ok {
			t.Fatalf("nodes=%d: the leader answered %+v before its own term's no-op was committed", size, reply)
		}
		for _, peer := range n.peers {
			deliver(n, peer, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: n.round})
		}
		if reply, ok := answered(replies); !ok || !reply.Accepted || reply.Result != "1" {
			t.Errorf("nodes=%d: with its no-op committed, the leader answered %+v (%t); want x = 1", size, reply, ok)
		}
	}
}

// Dissertation §6.4, steps 2 and 3: "The leader saves its current commit
// index in a local variable readIndex", then "the leader needs to make
// sure it hasn't been superseded by a newer leader of which it is
// unaware. It issues a new round of heartbeats and waits for their
// acknowledgments from a majority of the cluster." The round goes out at
// once, to every peer; a reply to an older round, which the network may
// deliver late, confirms nothing.
func TestReadWaitsForAMajorityToAnswerANewRound(t *testing.T) {
	for _, size := range clusterSizes {
		n, out := leaderWithNoOpCommitted(t, size)
		read, replies := readOf("x")
		deliver(n, 0, read)
		round := uint64(0)
		for _, msg := range checkBroadcast(t, n, out, "AppendEntries") {
			round = msg.(AppendEntries).Round
		}
		if size == 1 {
			if _, ok := answered(replies); !ok {
				t.Errorf("nodes=1: the leader, a majority alone, left the read waiting")
			}
			continue
		}
		for _, peer := range n.peers {
			deliver(n, peer, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: round - 1})
		}
		if reply, ok := answered(replies); ok {
			t.Fatalf("nodes=%d: answers to the round before the read confirmed it: %+v", size, reply)
		}
		for heard := 1; heard <= size; heard++ { // the leader heard itself; then each peer answers in turn
			reply, ok := answered(replies)
			if ok != isMajority(heard, size) {
				t.Fatalf("nodes=%d: with %d of %d nodes' answers to the read's round, answered %t (%+v)", size, heard, size, ok, reply)
			}
			if ok {
				if reply.Result != "1" || !reply.Found || reply.Index != 2 {
					t.Errorf("nodes=%d: the read answered %+v; want x = 1 as of entry 2", size, reply)
				}
				break
			}
			deliver(n, n.peers[heard-1], AppendEntriesResponse{Term: 2, ConflictIndex: 5, Round: round}) // a refusal acknowledges the leader too
		}
	}
}

// Dissertation §6.4: the leader "can batch" reads: reads that arrive while
// a round is in flight wait for the next round together, which starts once
// the one in flight is answered, rather than each sending a round of its
// own.
func TestReadsThatComeTogetherShareARound(t *testing.T) {
	n, out := leaderWithNoOpCommitted(t, 3)
	first, firstReplies := readOf("x")
	deliver(n, 0, first)
	round := n.round
	second, secondReplies := readOf("x")
	third, thirdReplies := readOf("x")
	deliver(n, 0, second)
	deliver(n, 0, third)
	if sent := len(out.to(2)); sent != 1 || n.round != round {
		t.Fatalf("three reads sent node 2 %d messages and started round %d; want one round, %d", sent, n.round, round)
	}
	deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: round})
	_, firstOK := answered(firstReplies)
	_, secondOK := answered(secondReplies)
	if !firstOK || secondOK || n.round != round+1 {
		t.Fatalf("after round %d was answered: first read answered %t, second %t, round %d; want true, false, %d",
			round, firstOK, secondOK, n.round, round+1)
	}
	deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: round + 1})
	_, secondOK = answered(secondReplies)
	_, thirdOK := answered(thirdReplies)
	if !secondOK || !thirdOK {
		t.Errorf("after round %d was answered, the later reads answered %t and %t", round+1, secondOK, thirdOK)
	}
}

// The batching holds for the periodic heartbeats too: a read that comes
// while a round of them is in flight waits for a majority to answer it,
// then starts its own.
func TestReadWaitsForTheRoundInFlight(t *testing.T) {
	n, out := leaderWithNoOpCommitted(t, 3)
	n.sendHeartbeats()
	round := n.round
	read, replies := readOf("x")
	deliver(n, 0, read)
	if n.round != round || len(out.to(2)) != 1 {
		t.Fatalf("a read that came during round %d started round %d and sent node 2 %d messages; want it to wait", round, n.round, len(out.to(2)))
	}
	deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: round})
	if _, ok := answered(replies); ok || n.round != round+1 {
		t.Fatalf("once round %d was answered: read answered %t, round %d; want the read still waiting, and round %d started", round, ok, n.round, round+1)
	}
	deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: round + 1})
	if _, ok := answered(replies); !ok {
		t.Errorf("round %d answered by a majority, and the read still waits", round+1)
	}
}

// Flow control, which the dissertation leaves to the implementation: a
// follower still answering an older round gets the new round when it
// answers, not before, so that reads served at the pace of the quickest
// follower do not pile heartbeats on a slower one.
func TestASlowFollowerGetsOneRoundAtATime(t *testing.T) {
	n, out := leaderWithNoOpCommitted(t, 3)
	first, _ := readOf("x")
	deliver(n, 0, first)
	round := n.round
	deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: round}) // node 2 answers, node 3 not yet
	second, secondReplies := readOf("x")
	deliver(n, 0, second)
	if n.round != round+1 || len(out.to(2)) != 2 || len(out.to(3)) != 1 {
		t.Fatalf("round %d went to node 2 %d times and node 3 %d times; want round %d, twice to node 2 and once to node 3, which has not answered",
			n.round, len(out.to(2)), len(out.to(3)), round+1)
	}
	deliver(n, 3, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2, Round: round})
	if sent := out.to(3); len(sent) != 2 || sent[1].(AppendEntries).Round != round+1 {
		t.Fatalf("node 3 answered round %d and was sent %v; want round %d next", round, sent, round+1)
	}
	if _, ok := answered(secondReplies); ok {
		t.Errorf("the second read was answered with no answer to its round")
	}
}

// §5.1 with §6.4: a leader that learns of a newer term has been deposed;
// the reads it holds it refuses, and the client asks the next leader.
func TestDeposedLeaderRefusesItsWaitingReads(t *testing.T) {
	for _, size := range clusterSizes[1:] {
		n, _ := leaderWithNoOpCommitted(t, size)
		read, replies := readOf("x")
		deliver(n, 0, read)
		deliver(n, 2, AppendEntries{Term: 3, LeaderID: 2})
		if reply, ok := answered(replies); !ok || reply.Accepted {
			t.Errorf("nodes=%d: a deposed leader answered its waiting read %+v (%t); want a refusal", size, reply, ok)
		}
	}
}

// The follower's half: its reply to an AppendEntries names the round it
// answers, whether it takes the entries or refuses them, so that the
// leader can tell which of its rounds a reply answers.
func TestFollowerNamesTheRoundItAnswers(t *testing.T) {
	for _, prevIndex := range []uint64{0, 5} {
		n, out := followerWith(3, 2, logOf(1))
		deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2, PrevLogIndex: prevIndex, Round: 7})
		if reply := appendReply(t, out); reply.Round != 7 {
			t.Errorf("after entry %d: the reply %+v names round %d; want 7", prevIndex, reply, reply.Round)
		}
	}
}

// A whole cluster: Get answers what Put set and adds nothing to any log;
// with Config.LogReads it is an entry like a put.
func TestGetCostsNoLogEntry(t *testing.T) {
	for _, logReads := range []bool{false, true} {
		t.Run(fmt.Sprintf("log-reads=%t", logReads), func(t *testing.T) {
			cfg := clusterConfig(3, 1)
			cfg.LogReads = logReads
			synctest.Test(t, func(t *testing.T) {
				c := startCluster(t, cfg)
				awaitLeader(t, c, 0, time.Second)
				if err := c.Put("x", "1"); err != nil {
					t.Fatal(err)
				}
				leader, _, _ := c.Leader()
				before := len(c.Entries(leader))
				value, found, err := c.Get("x")
				if err != nil || !found || value != "1" {
					t.Fatalf("get x: %q, %t, %v; want 1", value, found, err)
				}
				if added := len(c.Entries(leader)) - before; added != map[bool]int{false: 0, true: 1}[logReads] {
					t.Errorf("the get added %d entries to the leader's log", added)
				}
			})
		})
	}
}

// historyOf rebuilds the clients' history from a run's events, for
// porcupine: a request's call is when its client first handed it over;
// it returns when the node it last handed it to answered it as leader (a
// put applied, a read answered), or never, if none did.
func historyOf(events []Event) []porcupine.Operation {
	type request struct {
		op   porcupine.Operation
		last int // the node it was last handed to
	}
	requests, clients := map[string]*request{}, map[string]int{}
	var order []string
	for _, ev := range events {
		words, id := splitRequest(ev.Command)
		client, _, ok := parseRequestID(id)
		r := requests[ev.Command]
		switch {
		case !ok:
		case ev.Kind == EventRequest && r == nil:
			if _, known := clients[client]; !known {
				clients[client] = len(clients)
			}
			in := kvInput{put: words[0] == putCommand, key: words[1]}
			if in.put {
				in.value = words[2]
			}
			requests[ev.Command] = &request{op: porcupine.Operation{ClientId: clients[client], Input: in, Output: kvOutput{},
				Call: int64(ev.At), Return: unknownReturn}, last: ev.To}
			order = append(order, ev.Command)
		case ev.Kind == EventRequest:
			r.last = ev.To
		case r != nil && r.op.Return == unknownReturn && ev.Node == r.last && ev.Role == Leader &&
			(ev.Kind == EventApply || ev.Kind == EventRead):
			r.op.Return, r.op.Output = int64(ev.At), kvOutput{value: ev.Reason, found: ev.Reason != ""}
		}
	}
	ops := make([]porcupine.Operation, 0, len(order))
	for _, command := range order {
		if op := requests[command].op; op.Input.(kvInput).put || op.Return != unknownReturn {
			ops = append(ops, op) // a read never answered constrains nothing
		}
	}
	return ops
}

// The stale-read break, as the issue that asked for ReadIndex wants it
// shown: in the stale-read scenario, a deposed leader answers from its own
// state, and porcupine finds the clients' history not linearizable on at
// least 4 of seeds 1 to 5; without the break every history is
// linearizable, and the deposed leader answers nothing.
func TestStaleReadsAreNotLinearizable(t *testing.T) {
	refused := 0
	for seed := uint64(1); seed <= 5; seed++ {
		for _, broken := range []bool{false, true} {
			c, events := replayScenario(t, "stale-read", seed, func(cfg *Config) {
				if broken {
					cfg.Break = BreakStaleRead
				}
			})
			history := historyOf(events.matching(func(Event) bool { return true }))
			if reads := events.matching(func(ev Event) bool { return ev.Kind == EventRead }); !broken && len(reads) > 0 {
				t.Errorf("seed %d: without the break, the deposed leader answered %q", seed, reads[0].Command)
			}
			linearizable := porcupine.CheckOperations(kvModel, history)
			switch {
			case broken && !linearizable:
				refused++
			case !broken && !linearizable:
				t.Errorf("seed %d: without the break, the history is not linearizable: %v", seed, history)
			case !broken && len(c.Violations()) > 0:
				t.Errorf("seed %d: without the break: %q", seed, c.Violations())
			}
			t.Logf("seed %d, break %t: %d operations, linearizable %t", seed, broken, len(history), linearizable)
		}
	}
	if refused < 4 {
		t.Errorf("with -break stale-read, porcupine refused the history on %d of 5 seeds; want at least 4", refused)
	}
}
