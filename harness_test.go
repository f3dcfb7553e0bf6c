// harness_test.go is what the tests share. Whole clusters: built in a
// testing/synctest bubble, where timers run on a virtual clock (a 300 ms
// election takes microseconds, a seed replays the same run, and a goroutine
// left behind by Stop fails the test), watched through their events, and
// waited on in protocol time. Lone nodes: one node outside any cluster,
// driven by hand, with the test playing the network through an outbox, set
// up in any role, in clusters of odd and even size, as etcd-io/raft's
// raft_paper_test.go does.

package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
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
		chosen[0].run(c, nil, nil)
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

// outbox is a transport that keeps what a lone node sends.
type outbox struct{ sent []Envelope }

func (o *outbox) send(env Envelope) { o.sent = append(o.sent, env) }

// last returns the latest message sent.
func (o *outbox) last() RaftMessage {
	if len(o.sent) == 0 {
		return nil
	}
	return o.sent[len(o.sent)-1].Msg
}

// lastSent is the last message in out, which the test needs to be a T: it
// fails the test if the node sent nothing, or something else.
func lastSent[T RaftMessage](t *testing.T, out *outbox) T {
	t.Helper()
	msg, ok := out.last().(T)
	if !ok {
		var want T
		t.Fatalf("the node's last message is %v; want a %s", out.last(), messageName(want))
	}
	return msg
}

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

// deliver hands n a message from node from.
func deliver(n *node, from int, msg RaftMessage) {
	n.handle(Envelope{From: from, To: n.id, Msg: msg})
}

// electLoneNode makes n a leader of term: it times out until it stands in
// term, then receives enough votes.
func electLoneNode(t *testing.T, n *node, term uint64) {
	t.Helper()
	for timeouts := uint64(0); n.currentTerm < term; timeouts++ {
		if timeouts == term {
			t.Fatalf("node %d timed out %d times and is a %s of term %d: each timeout should start an election in a new term", n.id, timeouts, n.role, n.currentTerm)
		}
		n.electionTimedOut()
	}
	for voter := 1; n.role != Leader; voter++ {
		if voter > n.clusterSize {
			t.Fatalf("node %d, a %s of term %d, has a vote from every peer and is not leader", n.id, n.role, n.currentTerm)
		}
		if voter != n.id {
			deliver(n, voter, RequestVoteResponse{Term: term, VoteGranted: true})
		}
	}
}

// voteGranted returns the vote in the latest reply, failing if it is not one.
func voteGranted(t *testing.T, out *outbox) bool {
	t.Helper()
	return lastSent[RequestVoteResponse](t, out).VoteGranted
}

// everyRole is every role a node can be in.
var everyRole = []Role{Follower, PreCandidate, Candidate, Leader}

// clusterSizes are the sizes the rule tests run in: odd and even.
// withRivals are those with a node 3, for a test that needs two nodes
// besides node 1.
var (
	clusterSizes = []int{2, 3, 4, 5, 6}
	withRivals   = []int{3, 4, 5, 6}
)

// inRole is node 1 of a cluster of size, alone, in role in term 2, with an
// empty outbox: a follower of node 2, leader of term 2; a pre-candidate
// (PreVote on) or a candidate that has just asked for votes; or a leader
// with its no-op of term 2 at index 1.
func inRole(t *testing.T, role Role, size int) (*node, *outbox) {
	t.Helper()
	n, out := newLoneNode(1, size, persistentState{currentTerm: 1})
	switch role {
	case Follower:
		deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2})
	case PreCandidate:
		n.currentTerm, n.preVote = 2, true
		n.electionTimedOut()
	case Candidate:
		n.electionTimedOut()
	case Leader:
		electLoneNode(t, n, 2)
	}
	if n.role != role || n.currentTerm != 2 {
		t.Fatalf("set up a %s in term 2, got a %s in term %d", role, n.role, n.currentTerm)
	}
	out.sent = nil
	return n, out
}

// to lists what the node sent peer, in order.
func (o *outbox) to(peer int) []RaftMessage {
	var sent []RaftMessage
	for _, env := range o.sent {
		if env.To == peer {
			sent = append(sent, env.Msg)
		}
	}
	return sent
}

// checkBroadcast fails the test unless every peer of n, and no other
// node, got exactly one message of kind in what n sent, and returns them
// by peer.
func checkBroadcast(t *testing.T, n *node, out *outbox, kind string) map[int]RaftMessage {
	t.Helper()
	got := map[int]RaftMessage{}
	for _, env := range out.sent {
		if messageName(env.Msg) != kind {
			continue
		}
		if _, twice := got[env.To]; twice || env.To == n.id || env.To < 1 || env.To > n.clusterSize {
			t.Errorf("node %d sent a second %s, or one to node %d, not a peer", n.id, kind, env.To)
		}
		got[env.To] = env.Msg
	}
	for _, peer := range n.peers {
		if got[peer] == nil {
			t.Errorf("node %d of %d sent no %s to node %d", n.id, n.clusterSize, kind, peer)
		}
	}
	return got
}

// forEachRoleAndSize runs check for a node in each of roles, in a cluster
// of each of sizes.
func forEachRoleAndSize(t *testing.T, roles []Role, sizes []int, check func(t *testing.T, role Role, size int)) {
	for _, role := range roles {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s/nodes=%d", role, size), func(t *testing.T) {
				defer failOnPanic(t)
				check(t, role, size)
			})
		}
	}
}

// logOf builds a log from the terms of its entries, indexes from 1.
func logOf(terms ...uint64) []Entry {
	log := make([]Entry, len(terms))
	for i, term := range terms {
		log[i] = Entry{Index: uint64(i + 1), Term: term, Command: "put k " + string(rune('a'+i))}
	}
	return log
}

// followerWith is node 1 of a cluster of size, a follower in term with log.
func followerWith(size int, term uint64, log []Entry) (*node, *outbox) {
	return newLoneNode(1, size, persistentState{currentTerm: term, log: slices.Clone(log)})
}

// appendReply is the last reply a lone node sent.
func appendReply(t *testing.T, out *outbox) AppendEntriesResponse {
	t.Helper()
	return lastSent[AppendEntriesResponse](t, out)
}

// failOnPanic, deferred in a test's goroutine, turns a panic there into
// the test's failure, with the line that panicked and the line that
// called it: the lab grades code in the making, and one broken rule
// should fail its own test, not end the run of every other.
func failOnPanic(t *testing.T) {
	if r := recover(); r != nil {
		t.Fatalf("panic: %v, at %s", r, panicSite())
	}
}
