// election_test.go checks the election against the paper: first the four
// classic scenarios on whole clusters, then each vote and term rule of
// Figure 2 on its own, then the cluster's API and its randomness. Every test
// that involves time runs in a testing/synctest bubble, where timers run on
// a virtual clock: a 300 ms election takes microseconds, a seed replays the
// same run, and a goroutine left behind by Stop fails the test.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// newTestCluster builds a cluster inside the calling test's bubble, not yet
// started.
func newTestCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	c, err := NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startCluster builds and starts a cluster inside the calling test's
// bubble. When the test ends it stops the cluster (cleanups run inside the
// bubble, before it checks that no goroutine is left) and fails the test
// if the safety checker saw any violation.
func startCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	c, _ := startWatchedCluster(t, cfg, false)
	return c
}

// startLoggedCluster is startCluster with a log of every event, for a
// test that reads it. (A test that does not read it should not keep it:
// a long run's log grows without end.)
func startLoggedCluster(t *testing.T, cfg Config) (*Cluster, *eventLog) {
	t.Helper()
	return startWatchedCluster(t, cfg, true)
}

// startWatchedCluster is startCluster, with a log of every event if
// logged asks for one.
func startWatchedCluster(t *testing.T, cfg Config, logged bool) (*Cluster, *eventLog) {
	t.Helper()
	c := newTestCluster(t, cfg)
	t.Cleanup(func() {
		c.Stop()
		for _, v := range c.Violations() {
			t.Error(v)
		}
		if err := c.clock.stalled(); err != nil {
			t.Error(err)
		}
	})
	var events *eventLog
	if logged {
		events = watchEvents(c)
	}
	c.Start()
	return c, events
}

// shortOr is full, or under go test -short, short: the long hunts keep
// their shape, only smaller, when a quick run is asked for (CI's run under
// the race detector, and the mutation check's run on each bug).
func shortOr(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

// clusterConfig is DefaultConfig with nodes and seed.
func clusterConfig(nodes int, seed uint64) Config {
	cfg := DefaultConfig()
	cfg.Nodes, cfg.Seed = nodes, seed
	return cfg
}

// waitFor lets virtual time pass until cond holds, and fails the test if it
// does not within limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	if !within(limit, cond) {
		t.Fatalf("%s did not happen within %s", what, limit)
	}
}

// within lets virtual time pass until cond holds, and reports whether it
// did within limit.
func within(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// awaitLeader waits up to limit for a leader of a term after `after`.
func awaitLeader(t *testing.T, c *Cluster, after uint64, limit time.Duration) (id int, term uint64) {
	t.Helper()
	waitFor(t, limit, fmt.Sprintf("a leader after term %d", after), func() bool {
		id, term, _ = c.Leader()
		return term > after
	})
	return id, term
}

// liveLeaders lists the live nodes that believe they lead, in any term.
func liveLeaders(c *Cluster) []NodeStatus {
	var leaders []NodeStatus
	for _, st := range c.Status() {
		if st.Alive && st.Role == Leader {
			leaders = append(leaders, st)
		}
	}
	return leaders
}

// eventLog keeps every event a cluster records, for a test to inspect.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func watchEvents(c *Cluster) *eventLog {
	l := &eventLog{}
	c.rec.watch(func(ev Event) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.events = append(l.events, ev)
	})
	return l
}

// matching returns the events for which match holds, in order.
func (l *eventLog) matching(match func(Event) bool) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var found []Event
	for _, ev := range l.events {
		if match(ev) {
			found = append(found, ev)
		}
	}
	return found
}

// playScenario plays the scenario called name, with seed and the Config
// adjust makes, in a bubble of its own, and returns its stopped cluster and
// every event it recorded. A safety violation fails the test.
func playScenario(t *testing.T, name string, seed uint64, adjust func(*Config)) (c *Cluster, events *eventLog) {
	t.Helper()
	c, events = replayScenario(t, name, seed, adjust)
	for _, v := range c.Violations() {
		t.Errorf("%s, seed %d: %s", name, seed, v)
	}
	return c, events
}

// replayScenario is playScenario for a run that may break the rules: the
// caller judges its violations.
func replayScenario(t *testing.T, name string, seed uint64, adjust func(*Config)) (c *Cluster, events *eventLog) {
	t.Helper()
	chosen, ok := pickScenarios(name)
	if !ok || len(chosen) != 1 {
		t.Fatalf("no scenario is called %q", name)
	}
	cfg := DefaultConfig()
	cfg.Seed = seed
	if adjust != nil {
		adjust(&cfg)
	}
	synctest.Test(t, func(t *testing.T) {
		c = newTestCluster(t, chosen[0].config(cfg))
		events = watchEvents(c)
		chosen[0].run(c, nil)
	})
	if err := c.clock.stalled(); err != nil {
		t.Errorf("%s, seed %d: %v", name, seed, err)
	}
	return c, events
}

// leadersElected lists the events in which a node became leader, in order.
func leadersElected(events *eventLog) []Event {
	return events.matching(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Leader })
}

// forEachCluster runs check in a fresh bubble for each cluster size and a
// range of seeds, so that no test depends on one lucky draw.
func forEachCluster(t *testing.T, sizes []int, seeds int, check func(t *testing.T, cfg Config)) {
	for _, nodes := range sizes {
		for seed := uint64(1); seed <= uint64(seeds); seed++ {
			t.Run(fmt.Sprintf("nodes=%d/seed=%d", nodes, seed), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) { check(t, clusterConfig(nodes, seed)) })
			})
		}
	}
}

// (a) Normal election. §5.2: from a cold start, the first node to time out
// asks for votes and, with no latency, gets them all before any other node
// times out. It becomes the one leader, within the longest timeout (300 ms);
// its first heartbeats make every other node its follower, and the next
// ones keep them from standing, so the term holds.
func TestNormalElection(t *testing.T) {
	forEachCluster(t, []int{2, 3, 4, 5, 6}, 8, func(t *testing.T, cfg Config) {
		c, events := startLoggedCluster(t, cfg)
		leader, term := awaitLeader(t, c, 0, 500*time.Millisecond)
		synctest.Wait() // the first heartbeats have arrived
		followers := events.matching(func(ev Event) bool {
			return ev.Kind == EventFollow && ev.Leader == leader && ev.Term == term
		})
		if len(followers) != cfg.Nodes-1 {
			t.Errorf("%d of %d nodes recognized node %d as leader of term %d", len(followers), cfg.Nodes-1, leader, term)
		}

		time.Sleep(2 * time.Second)
		if got := liveLeaders(c); len(got) != 1 || got[0].ID != leader || got[0].Term != term {
			t.Fatalf("two seconds after node %d won term %d, the leaders are %+v", leader, term, got)
		}
		for _, st := range c.Status() {
			if st.Term != term {
				t.Errorf("node %d is in term %d; with a healthy leader every node stays in term %d", st.ID, st.Term, term)
			}
		}
	})
}

// (b) Re-election. §5.2: when the leader crashes, its heartbeats stop, a
// survivor times out and, since the survivors are a majority of the whole
// cluster, wins a higher term. The old leader restarts as a follower and
// takes the newer term from the first heartbeat it hears (§5.1), without
// disturbing the new leader.
func TestReelectionAfterLeaderCrash(t *testing.T) {
	forEachCluster(t, []int{3, 4, 5, 6}, 10, func(t *testing.T, cfg Config) {
		c := startCluster(t, cfg)
		old, term := awaitLeader(t, c, 0, 500*time.Millisecond)
		time.Sleep(time.Second)

		if err := c.Crash(old); err != nil {
			t.Fatal(err)
		}
		leader, newTerm := awaitLeader(t, c, term, time.Second)
		if leader == old {
			t.Fatalf("crashed node %d still leads", old)
		}

		if err := c.Restart(old); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cfg.HeartbeatInterval+time.Millisecond, "the old leader taking the new term", func() bool {
			st := c.Status()[old-1]
			return st.Alive && st.Role == Follower && st.Term == newTerm
		})
		time.Sleep(time.Second)
		if id, term, _ := c.Leader(); id != leader || term != newTerm {
			t.Fatalf("after node %d rejoined, the leader is node %d of term %d, not node %d of term %d",
				old, id, term, leader, newTerm)
		}
	})
}

// (c) Split vote. §5.2: if several followers become candidates at once,
// each votes for itself and "votes could be split so that no candidate
// obtains a majority"; the term ends without a leader. Equal scripted first
// timeouts, plus latency that holds every RequestVote back until all timers
// have fired, make every node stand in term 1. Randomized timeouts then let
// one node stand first and win a later term.
func TestSplitVote(t *testing.T) {
	forEachCluster(t, []int{2, 3, 4, 5, 6}, 8, func(t *testing.T, cfg Config) {
		splitVoteConfig(&cfg)
		c, events := startLoggedCluster(t, cfg)
		_, term := awaitLeader(t, c, 1, 3*time.Second)

		stood := events.matching(func(ev Event) bool {
			return ev.Kind == EventRole && ev.Role == Candidate && ev.Term == 1
		})
		if len(stood) != cfg.Nodes {
			t.Errorf("%d of %d nodes stood in term 1; the scripted timeouts make all of them stand", len(stood), cfg.Nodes)
		}
		for _, ev := range stood {
			if ev.At != cfg.ElectionTimeoutMin {
				t.Errorf("node %d stood at %s, not at its scripted first timeout %s", ev.Node, ev.At, cfg.ElectionTimeoutMin)
			}
		}
		if won := events.matching(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Leader && ev.Term == 1 }); len(won) > 0 {
			t.Errorf("node %d won term 1, but every node kept its vote for itself", won[0].Node)
		}
		if term < 2 {
			t.Errorf("the leader is of term %d; term 1 had no winner", term)
		}
	})
}

// (d) Stale leader. §5.1 and §5.2: a leader cut off in a minority cannot
// win the heartbeats' replies it needs, but nothing tells it so; it goes on
// believing it leads its old term. The majority elects a new leader in a
// higher term. When the partition heals, the first message between the two
// carries the higher term, and the old leader steps down.
func TestStaleLeaderStepsDownAfterHeal(t *testing.T) {
	forEachCluster(t, []int{3, 4, 5, 6}, 10, func(t *testing.T, cfg Config) {
		c, events := startLoggedCluster(t, cfg)
		old, term := awaitLeader(t, c, 0, 500*time.Millisecond)

		minority, majority := splitAround(old, cfg.Nodes)
		if err := c.Partition(minority, majority); err != nil {
			t.Fatal(err)
		}
		leader, newTerm := awaitLeader(t, c, term, 2*time.Second)
		if !slices.Contains(majority, leader) {
			t.Fatalf("node %d of the minority %v won term %d", leader, minority, newTerm)
		}
		time.Sleep(500 * time.Millisecond)
		if st := c.Status()[old-1]; st.Role != Leader || st.Term != term {
			t.Fatalf("node %d is %s in term %d; cut off, it still believes it leads term %d", old, st.Role, st.Term, term)
		}
		partitionedAt := events.matching(func(ev Event) bool { return ev.Kind == EventPartition })[0].At
		heartbeatsAcross := func(kind EventKind) int {
			return len(events.matching(func(ev Event) bool {
				_, heartbeat := ev.Msg.(AppendEntries)
				return heartbeat && ev.Kind == kind && ev.At > partitionedAt &&
					ev.From == old && slices.Contains(majority, ev.To)
			}))
		}
		if sent, delivered := heartbeatsAcross(EventSend), heartbeatsAcross(EventRecv); sent == 0 || delivered != 0 {
			t.Fatalf("the stale leader sent %d heartbeats to the majority and %d arrived; it keeps sending, none arrive",
				sent, delivered)
		}

		if err := c.Heal(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cfg.HeartbeatInterval+time.Millisecond, "the stale leader stepping down", func() bool {
			st := c.Status()[old-1]
			return st.Role == Follower && st.Term == newTerm
		})
		if got := liveLeaders(c); len(got) != 1 || got[0].ID != leader {
			t.Fatalf("after the heal the leaders are %+v; only node %d of term %d should lead", got, leader, newTerm)
		}
	})
}

// outbox is a transport that keeps what a lone node sends.
type outbox struct{ sent []Envelope }

func (o *outbox) send(env Envelope) { o.sent = append(o.sent, env) }

// last returns the latest message sent.
func (o *outbox) last() RaftMessage { return o.sent[len(o.sent)-1].Msg }

// newLoneNode is node id of a cluster of size nodes, outside any cluster:
// the test plays the network, delivering messages by calling handle and
// reading the replies from the outbox. It starts as a follower with disk as
// its persistent state.
func newLoneNode(id, size int, disk persistentState) (*node, *outbox) {
	out := &outbox{}
	n := newNode(clusterConfig(size, 1).forNode(id), disk, rand.New(rand.NewPCG(1, uint64(id))), newClock(RealTime, 1), out, func(Event) {})
	n.start()
	return n, out
}

// A follower whose process was stalled wakes with its leader's heartbeat
// waiting and its election timer fired: it takes the heartbeat and does not
// stand (§5.2: it had communication). Before, select chose at random, and
// half these followers stood against a live leader.
func TestStalledFollowerTakesWaitingHeartbeat(t *testing.T) {
	for i := range 20 {
		synctest.Test(t, func(t *testing.T) {
			n, _ := newLoneNode(1, 3, persistentState{})
			engine := n.clock.(*clock)
			engine.start()
			defer engine.stop()
			inbox, done := make(chan Envelope, 1), make(chan struct{})
			n.inbox, n.done = inbox, done
			time.Sleep(n.electionTimeout) // the timer fires; the node's goroutine is not running yet
			inbox <- Envelope{From: 2, To: 1, Msg: AppendEntries{Term: 1, LeaderID: 2}}
			stopped := make(chan struct{})
			go func() { n.runWithElectionTimer(Follower); close(stopped) }()
			synctest.Wait()
			close(done)
			<-stopped
			if n.role != Follower || n.currentTerm != 1 || n.leaderID != 2 {
				t.Fatalf("try %d: the follower is a %s in term %d, following %d; want node 2's follower in term 1",
					i, n.role, n.currentTerm, n.leaderID)
			}
		})
	}
}

// deliver hands n a message from node from.
func deliver(n *node, from int, msg RaftMessage) {
	n.handle(Envelope{From: from, To: n.id, Msg: msg})
}

// electLoneNode makes n a leader of term: it times out until it stands in
// term, then receives enough votes.
func electLoneNode(t *testing.T, n *node, term uint64) {
	t.Helper()
	for n.currentTerm < term {
		n.electionTimedOut()
	}
	for voter := 1; n.role != Leader; voter++ {
		if voter != n.id {
			deliver(n, voter, RequestVoteResponse{Term: term, VoteGranted: true})
		}
	}
}

// voteGranted returns the vote in the latest reply, failing if it is not one.
func voteGranted(t *testing.T, out *outbox) bool {
	t.Helper()
	reply, ok := out.last().(RequestVoteResponse)
	if !ok {
		t.Fatalf("the last message sent is %v, not a vote", out.last())
	}
	return reply.VoteGranted
}

// §5.2: "Each server will vote for at most one candidate in a given term, on
// a first-come-first-served basis." A repeated request from the chosen
// candidate gets the same answer; a new term brings a new vote.
func TestSecondVoteInSameTermIsRefused(t *testing.T) {
	n, out := newLoneNode(1, 5, persistentState{})
	deliver(n, 2, RequestVote{Term: 1, CandidateID: 2})
	if !voteGranted(t, out) || n.votedFor != 2 {
		t.Fatalf("node 1 did not vote for node 2, the first to ask in term 1 (votedFor %d)", n.votedFor)
	}
	deliver(n, 3, RequestVote{Term: 1, CandidateID: 3})
	if voteGranted(t, out) || n.votedFor != 2 {
		t.Fatalf("node 1 voted for node 3 in term 1 after voting for node 2 (votedFor %d)", n.votedFor)
	}
	deliver(n, 2, RequestVote{Term: 1, CandidateID: 2})
	if !voteGranted(t, out) {
		t.Fatal("node 1 refused a repeated request from node 2, the candidate it chose in term 1")
	}
	deliver(n, 3, RequestVote{Term: 2, CandidateID: 3})
	if !voteGranted(t, out) || n.votedFor != 3 || n.currentTerm != 2 {
		t.Fatalf("node 1 did not vote for node 3 in the new term 2 (term %d, votedFor %d)", n.currentTerm, n.votedFor)
	}
}

// Figure 2, RequestVote rule 1 and AppendEntries rule 1: a request from an
// older term is refused, and the reply carries the receiver's newer term so
// the sender can catch up (§5.1). The receiver's own term does not move.
func TestStaleRequestsAreRefused(t *testing.T) {
	n, out := newLoneNode(1, 5, persistentState{currentTerm: 3})
	deliver(n, 2, RequestVote{Term: 2, CandidateID: 2})
	if reply := out.last().(RequestVoteResponse); reply.VoteGranted || reply.Term != 3 {
		t.Errorf("a RequestVote of term 2 got %v from a node in term 3; want a refusal carrying term 3", reply)
	}
	deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2})
	if reply := out.last().(AppendEntriesResponse); reply.Success || reply.Term != 3 {
		t.Errorf("a heartbeat of term 2 got %v from a node in term 3; want a refusal carrying term 3", reply)
	}
	if n.currentTerm != 3 || n.votedFor != 0 || n.leaderID != 0 {
		t.Errorf("stale requests changed node 1: term %d, votedFor %d, leader %d", n.currentTerm, n.votedFor, n.leaderID)
	}
}

// §5.2: a candidate wins with votes from a majority "for the same term". A grant from
// an older term answers an election the candidate has given up; counting it
// could make a leader that no majority chose in its own term.
func TestStaleVoteResponseIsNotCounted(t *testing.T) {
	n, _ := newLoneNode(1, 5, persistentState{})
	n.electionTimedOut() // stands in term 1; nobody answers
	n.electionTimedOut() // stands again, in term 2
	deliver(n, 2, RequestVoteResponse{Term: 1, VoteGranted: true})
	deliver(n, 3, RequestVoteResponse{Term: 1, VoteGranted: true})
	if n.role != Candidate || len(n.campaign.granted) != 1 {
		t.Fatalf("after two grants from term 1, node 1 is %s with %d votes in term 2; they must not count",
			n.role, len(n.campaign.granted))
	}
	deliver(n, 2, RequestVoteResponse{Term: 2, VoteGranted: true})
	deliver(n, 3, RequestVoteResponse{Term: 2, VoteGranted: true})
	if n.role != Leader {
		t.Fatalf("with 3 of 5 votes in term 2, node 1 is %s, not leader", n.role)
	}
}

// §5.1: "If a candidate or leader discovers that its term is out of date, it
// immediately reverts to follower state." Any of the six messages can carry
// the newer term, a pre-vote's refusal included (a PreVote and a granted
// PreVoteResponse ask about a term without entering it:
// TestPreVoteNeverMovesTerms); a newer term starts with no vote cast.
func TestHigherTermForcesStepDown(t *testing.T) {
	for _, msg := range []RaftMessage{
		RequestVote{Term: 5, CandidateID: 2},
		RequestVoteResponse{Term: 5},
		AppendEntries{Term: 5, LeaderID: 2},
		AppendEntriesResponse{Term: 5},
		PreVoteResponse{Term: 5, Granted: false},
	} {
		t.Run(messageName(msg), func(t *testing.T) {
			n, _ := newLoneNode(1, 3, persistentState{})
			electLoneNode(t, n, 3)
			deliver(n, 2, msg)
			if n.role != Follower || n.currentTerm != 5 {
				t.Fatalf("the leader of term 3 is %s in term %d after %v; want follower in term 5", n.role, n.currentTerm, msg)
			}
			if _, isRequestVote := msg.(RequestVote); !isRequestVote && n.votedFor != 0 {
				t.Errorf("node 1 has a vote (for node %d) in term 5 that it never cast", n.votedFor)
			}
		})
	}
}

// §5.2: a candidate that hears from a leader of its own term recognizes it
// as legitimate and returns to follower state.
func TestCandidateStepsDownForLeaderOfItsTerm(t *testing.T) {
	n, out := newLoneNode(1, 5, persistentState{})
	n.electionTimedOut()
	deliver(n, 4, AppendEntries{Term: 1, LeaderID: 4})
	if n.role != Follower || n.currentTerm != 1 || n.leaderID != 4 {
		t.Fatalf("the candidate is %s in term %d following %d; want a follower of node 4 in term 1",
			n.role, n.currentTerm, n.leaderID)
	}
	if reply := out.last().(AppendEntriesResponse); !reply.Success {
		t.Errorf("the heartbeat of the legitimate leader got %v", reply)
	}
}

// Figure 2: persistent state "survives a crash": a node restarted from disk
// refuses a second vote in the term it had already voted in.
func TestRestartedNodeRemembersItsVote(t *testing.T) {
	n, out := newLoneNode(1, 5, persistentState{currentTerm: 4, votedFor: 2})
	deliver(n, 3, RequestVote{Term: 4, CandidateID: 3})
	if voteGranted(t, out) {
		t.Fatal("a node restarted with a vote for node 2 in term 4 voted again, for node 3, in term 4")
	}
}

// A crash closes the node's channels: the network drops every message
// addressed to it, and it handles none, until it restarts.
func TestCrashedNodeReceivesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(5, 1)
		c, events := startLoggedCluster(t, cfg)
		leader, _ := awaitLeader(t, c, 0, 500*time.Millisecond)
		victim := leader%cfg.Nodes + 1 // a follower

		if err := c.Crash(victim); err != nil {
			t.Fatal(err)
		}
		crashedAt := events.matching(func(ev Event) bool { return ev.Kind == EventCrash })[0].At
		time.Sleep(time.Second)
		afterCrash := func(kind EventKind) int {
			return len(events.matching(func(ev Event) bool {
				return ev.Kind == kind && ev.To == victim && ev.At > crashedAt
			}))
		}
		if got := afterCrash(EventRecv); got != 0 {
			t.Errorf("crashed node %d handled %d messages", victim, got)
		}
		if got := afterCrash(EventDrop); got == 0 {
			t.Errorf("the leader's heartbeats to crashed node %d were not dropped", victim)
		}
	})
}

// Figure 2: currentTerm, votedFor and log[] are persistent; a restarted
// node comes back a follower with all three as they were when it crashed,
// and commitIndex, volatile, at 0 until its leader tells it again.
func TestRestartKeepsTermVoteAndLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(5, 1)
		c := startCluster(t, cfg)
		leader, term := awaitLeader(t, c, 0, 500*time.Millisecond)
		voter := leader%cfg.Nodes + 1
		before := c.Status()[voter-1]
		if before.VotedFor != leader || before.Term != term || before.LastLogTerm != term {
			t.Fatalf("node %d voted for %d in term %d; the test needs a voter for leader %d in term %d",
				voter, before.VotedFor, before.Term, leader, term)
		}

		if err := c.Crash(voter); err != nil {
			t.Fatal(err)
		}
		if err := c.Restart(voter); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the new incarnation has started and reported its state
		after := c.Status()[voter-1]
		want := before
		want.CommitIndex = 0
		if after != want || !slices.Equal(c.Entries(voter), []Entry{{Index: 1, Term: term}}) {
			t.Fatalf("restarted node %d is %+v with log %v, want %+v with the leader's no-op", voter, after, c.Entries(voter), want)
		}
	})
}

// §5.2: a candidate needs votes from a majority of the whole cluster, not of
// the nodes that are up. With 3 of 5 nodes down, the 2 survivors stand
// again and again, in ever higher terms, and never win; once a third node
// returns, they are a majority and elect a leader.
func TestWholeClusterMajorityRequired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(5, 1)
		c := startCluster(t, cfg)
		leader, _ := awaitLeader(t, c, 0, 500*time.Millisecond)
		down := []int{leader, leader%5 + 1, (leader+1)%5 + 1}
		for _, id := range down {
			if err := c.Crash(id); err != nil {
				t.Fatal(err)
			}
		}
		termAtCrash := c.Status()[down[2]%5].Term

		time.Sleep(5 * time.Second)
		if got := liveLeaders(c); len(got) != 0 {
			t.Fatalf("with 2 of 5 nodes up, %+v leads", got)
		}
		if st := c.Status()[down[2]%5]; st.Term < termAtCrash+3 {
			t.Errorf("a survivor reached only term %d from %d in 5 s; it should keep standing", st.Term, termAtCrash)
		}

		if err := c.Restart(down[0]); err != nil {
			t.Fatal(err)
		}
		awaitLeader(t, c, termAtCrash, 2*time.Second)
	})
}

// Figure 2: a server responds to an RPC only after updating its persistent
// state, so the recorder must hear of every vote before its reply goes out.
func TestVoteReportedBeforeReply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, events := startLoggedCluster(t, clusterConfig(5, 1))
		awaitLeader(t, c, 0, 500*time.Millisecond)
		c.Stop()

		decided := map[[3]uint64]bool{} // voter, candidate, term
		replies := 0
		for _, ev := range events.matching(func(Event) bool { return true }) {
			switch {
			case ev.Kind == EventVote:
				decided[[3]uint64{uint64(ev.Node), uint64(ev.Candidate), ev.Term}] = true
			case ev.Kind == EventSend:
				if reply, ok := ev.Msg.(RequestVoteResponse); ok {
					replies++
					if !decided[[3]uint64{uint64(ev.From), uint64(ev.To), reply.Term}] {
						t.Errorf("node %d replied to node %d in term %d before reporting its vote", ev.From, ev.To, reply.Term)
					}
				}
			}
		}
		if replies == 0 {
			t.Fatal("no vote was replied to")
		}
	})
}

// Partition: a node named in no group is cut off from every other node, so
// the two left out cannot reach even each other, and neither can win.
func TestPartitionIsolatesUnnamedNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(5, 1)
		c, events := startLoggedCluster(t, cfg)
		if err := c.Partition([]int{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		between45 := events.matching(func(ev Event) bool {
			return ev.Kind == EventRecv && (ev.From == 4 && ev.To == 5 || ev.From == 5 && ev.To == 4)
		})
		if len(between45) != 0 {
			t.Errorf("nodes 4 and 5, each alone, exchanged %d messages", len(between45))
		}
		for _, st := range liveLeaders(c) {
			if st.ID > 3 {
				t.Errorf("node %d leads alone", st.ID)
			}
		}
		if _, _, ok := c.Leader(); !ok {
			t.Error("the majority {1, 2, 3} elected no leader")
		}
	})
}

// The operator's actions refuse what cannot be done, with an error naming
// the problem, and leave the cluster running.
func TestOperatorErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(3, 1)
		var trace bytes.Buffer
		cfg.Trace = &trace
		c := newTestCluster(t, cfg)
		// Regression: Partition before Start once panicked, and
		// SetDropRate wrote a trace whose first line was not "start".
		for what, err := range map[string]error{
			"Crash": c.Crash(1), "Restart": c.Restart(1), "Partition": c.Partition([]int{1}),
			"Heal": c.Heal(), "SetDropRate": c.SetDropRate(0.5), "Pause": c.Pause(), "Resume": c.Resume(),
		} {
			if err == nil || err.Error() != "the cluster has not started" {
				t.Errorf("%s before Start: error %v; want \"the cluster has not started\"", what, err)
			}
		}
		c.Start()
		var first string
		c.rec.exclusive(func() { first, _, _ = strings.Cut(trace.String(), "\n") }) // the nodes write it too
		if !strings.Contains(first, `"event":"start"`) {
			t.Errorf("the trace begins %s; want the start event", first)
		}
		for _, tc := range []struct {
			what string
			err  error
		}{
			{"crash node 0", c.Crash(0)},
			{"crash node 4 of 3", c.Crash(4)},
			{"restart a live node", c.Restart(2)},
			{"partition with an unknown node", c.Partition([]int{1}, []int{7})},
			{"partition naming a node twice", c.Partition([]int{1, 2}, []int{2, 3})},
		} {
			if tc.err == nil {
				t.Errorf("%s succeeded", tc.what)
			}
		}
		if err := c.Crash(2); err != nil {
			t.Fatal(err)
		}
		if err := c.Crash(2); err == nil {
			t.Error("crashing a crashed node succeeded")
		}
		c.Stop()
		c.Stop() // Stop is idempotent
		if err := c.Restart(2); err == nil {
			t.Error("Restart after Stop succeeded")
		}
		if err := c.Partition([]int{1}); err == nil {
			t.Error("Partition after Stop succeeded")
		}
	})
}

// Stop abandons messages still in flight rather than waiting out their
// latency, and returns only when every goroutine has exited: the bubble
// fails the test if one is left behind.
func TestStopEndsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(9, 1)
		cfg.MaxLatency = 100 * time.Millisecond
		c := newTestCluster(t, cfg)
		c.Start()
		awaitLeader(t, c, 0, 2*time.Second) // heartbeats are now in flight
		before := time.Now()
		c.Stop()
		if waited := time.Since(before); waited != 0 {
			t.Errorf("Stop waited %s of virtual time for messages in flight", waited)
		}
	})
}

// NewCluster refuses a Config it cannot run, naming the field.
func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		field  string
		change func(*Config)
	}{
		{"Nodes", func(c *Config) { c.Nodes = 0 }},
		{"Nodes", func(c *Config) { c.Nodes = 10 }},
		{"ElectionTimeoutMin", func(c *Config) { c.ElectionTimeoutMin = 0 }},
		{"ElectionTimeoutMax", func(c *Config) { c.ElectionTimeoutMax = c.ElectionTimeoutMin - 1 }},
		{"HeartbeatInterval", func(c *Config) { c.HeartbeatInterval = 0 }},
		{"HeartbeatInterval", func(c *Config) { c.HeartbeatInterval = c.ElectionTimeoutMin }},
		{"MaxLatency", func(c *Config) { c.MaxLatency = -time.Millisecond }},
		{"DropRate", func(c *Config) { c.DropRate = 1 }},
		{"DropRate", func(c *Config) { c.DropRate = -0.1 }},
		{"FirstTimeouts", func(c *Config) { c.FirstTimeouts = []time.Duration{time.Second} }},
		{"FirstTimeouts", func(c *Config) { c.FirstTimeouts = make([]time.Duration, c.Nodes) }},
		{"Break", func(c *Config) { c.Break = "everything" }},
	} {
		cfg := DefaultConfig()
		tc.change(&cfg)
		_, err := NewCluster(cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("a bad %s gave %v; want a ConfigError for %s", tc.field, err, tc.field)
		}
	}
	fixed := DefaultConfig()
	fixed.ElectionTimeoutMax = fixed.ElectionTimeoutMin
	if _, err := NewCluster(fixed); err != nil {
		t.Errorf("a fixed timeout (Min == Max) was refused: %v", err)
	}
}

// §5.2: timeouts are "chosen randomly from a fixed interval". Draws fall in
// [Min, Max), cover it, and are not rounded to whole milliseconds, which
// would make ties (and split votes) far likelier. Min == Max fixes them.
func TestElectionTimeoutsAreRandom(t *testing.T) {
	n, _ := newLoneNode(1, 5, persistentState{})
	lowest, highest, wholeMillis := time.Duration(1<<62), time.Duration(0), 0
	for range 10000 {
		d := n.randomElectionTimeout()
		if d < n.timeoutMin || d >= n.timeoutMax {
			t.Fatalf("drew %s, outside [%s, %s)", d, n.timeoutMin, n.timeoutMax)
		}
		lowest, highest = min(lowest, d), max(highest, d)
		if d%time.Millisecond == 0 {
			wholeMillis++
		}
	}
	if lowest > 151*time.Millisecond || highest < 299*time.Millisecond {
		t.Errorf("10,000 draws spanned only %s to %s of [150ms, 300ms)", lowest, highest)
	}
	if wholeMillis > 10 {
		t.Errorf("%d of 10,000 draws were whole milliseconds; draws are at nanosecond resolution", wholeMillis)
	}
	n.timeoutMax = n.timeoutMin
	if d := n.randomElectionTimeout(); d != n.timeoutMin {
		t.Errorf("with Min == Max == %s, drew %s", n.timeoutMin, d)
	}
}

// FirstTimeouts scripts each node's first timeout after Start, and only the
// first: the node's next timeout is drawn at random again.
func TestFirstTimeoutsApplyOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(3, 1)
		cfg.FirstTimeouts = []time.Duration{290 * time.Millisecond, 160 * time.Millisecond, 280 * time.Millisecond}
		c, events := startLoggedCluster(t, cfg)
		leader, _ := awaitLeader(t, c, 0, 500*time.Millisecond)
		stood := events.matching(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Candidate })
		if leader != 2 || len(stood) != 1 || stood[0].At != 160*time.Millisecond {
			t.Fatalf("node %d won after %v stood; node 2's scripted 160 ms timeout should fire first, alone", leader, stood)
		}
		time.Sleep(time.Second) // heartbeats reset every follower's timer
		c.Stop()                // the nodes' goroutines have exited: their state is ours to read
		for i, m := range c.machines {
			if m.node.electionTimeout == cfg.FirstTimeouts[i] {
				t.Errorf("node %d still runs its scripted timeout; every reset draws a new one", i+1)
			}
		}
	})
}

// electionRecord runs a cluster of cfg for a while, crashing its first
// leader, and returns every role change, ordered by time and node: the
// shape of the run's elections.
func electionRecord(t *testing.T, cfg Config) []string {
	var record []string
	synctest.Test(t, func(t *testing.T) {
		c, events := startLoggedCluster(t, cfg)
		leader, term := awaitLeader(t, c, 0, 5*time.Second)
		time.Sleep(time.Second)
		if err := c.Crash(leader); err != nil {
			t.Fatal(err)
		}
		awaitLeader(t, c, term, 5*time.Second)
		time.Sleep(time.Second)
		c.Stop()
		roles := events.matching(func(ev Event) bool { return ev.Kind == EventRole })
		slices.SortStableFunc(roles, func(a, b Event) int {
			if a.At != b.At {
				return int(a.At - b.At)
			}
			return a.Node - b.Node
		})
		for _, ev := range roles {
			record = append(record, fmt.Sprintf("%s node %d %s term %d", ev.At, ev.Node, ev.Role, ev.Term))
		}
	})
	return record
}

// A seed fixes every random draw (timeouts, latency, loss), and the virtual
// clock fixes when everything happens, so a seed replays its elections
// exactly, on a perfect network and on a slow, lossy one alike.
func TestSameSeedSameElections(t *testing.T) {
	lossy := clusterConfig(5, 7)
	lossy.MaxLatency, lossy.DropRate = 20*time.Millisecond, 0.2
	for _, cfg := range []Config{clusterConfig(5, 7), lossy} {
		first := electionRecord(t, cfg)
		for range 5 {
			if again := electionRecord(t, cfg); !slices.Equal(first, again) {
				t.Fatalf("seed %d replayed differently:\n%v\nthen\n%v", cfg.Seed, first, again)
			}
		}
		other := cfg
		other.Seed++
		if slices.Equal(first, electionRecord(t, other)) {
			t.Errorf("seeds %d and %d ran the same elections; the seed should drive them", cfg.Seed, other.Seed)
		}
	}
}

// Slow motion stretches real time, and gives every message a flight time
// a class can see: with Slowdown 10, node 2's scripted 160 ms timeout fires
// after 1.6 s of (virtual) wall time, its RequestVotes and the votes that
// answer them take 25 ms of protocol time each way, so it wins 2.1 s after
// the start; its events still say 160 ms.
func TestSlowMotionKeepsProtocolTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(3, 1)
		cfg.Slowdown = 10
		cfg.FirstTimeouts = []time.Duration{290 * time.Millisecond, 160 * time.Millisecond, 280 * time.Millisecond}
		started := time.Now()
		c, events := startLoggedCluster(t, cfg)
		awaitLeader(t, c, 0, 3*time.Second)
		if wall := time.Since(started); wall < 2100*time.Millisecond || wall > 2110*time.Millisecond {
			t.Errorf("the first leader came after %s of wall time; want 2.1 s, ten times 160 ms and two flights of 25 ms", wall)
		}
		stood := events.matching(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Candidate })
		if len(stood) != 1 || stood[0].Node != 2 || stood[0].At.Round(time.Microsecond) != 160*time.Millisecond {
			t.Errorf("candidacies %v; want node 2's alone, at 160 ms of protocol time", stood)
		}
	})
}

// Pause stops the protocol's time: while paused no timer fires and no
// message arrives, so nothing happens at all, yet Status still answers;
// after Resume every timer fires as late as the pause was long, and the
// protocol's clock shows no gap.
func TestPauseHoldsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(5, 1)
		cfg.MaxLatency = 20 * time.Millisecond // so that messages are in flight when it pauses
		c, events := startLoggedCluster(t, cfg)
		leader, term := awaitLeader(t, c, 0, time.Second)
		if err := c.Pause(); err != nil {
			t.Fatal(err)
		}
		pausedAt, before := c.rec.now(), len(events.matching(func(Event) bool { return true }))
		time.Sleep(10 * time.Second)
		if after := len(events.matching(func(Event) bool { return true })); after != before || c.rec.now() != pausedAt {
			t.Fatalf("during a 10 s pause %d events happened and the protocol clock moved %s; want none and none",
				after-before, c.rec.now()-pausedAt)
		}
		if id, _, ok := c.Leader(); !ok || id != leader {
			t.Fatalf("while paused, Status shows leader %d (%t); want node %d", id, ok, leader)
		}
		if err := c.Pause(); err == nil {
			t.Error("pausing a paused cluster succeeded")
		}
		if err := c.Resume(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if id, now, _ := c.Leader(); id != leader || now != term {
			t.Errorf("after the pause node %d leads term %d; want node %d of term %d still, its heartbeats resumed",
				id, now, leader, term)
		}
		// The engine's clock moves from event to event: 1 s on, it shows
		// the last heartbeat round, at most one interval before.
		if got := c.rec.now(); got > pausedAt+time.Second || got <= pausedAt+time.Second-cfg.HeartbeatInterval {
			t.Errorf("1 s after resuming at %s the protocol clock shows %s", pausedAt, got)
		}
	})
}
