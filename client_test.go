// client_test.go drives whole clusters through the client API, in the
// manner of MIT 6.5840's labs 3B and 3C: agreement, a follower that fails
// and rejoins, no agreement without a majority, concurrent proposals, a
// partitioned leader's entries discarded, persistence across crashes. Each
// runs in a synctest bubble; the safety checker, with the five properties
// of the paper's Figure 3, watches every one.

package main

import (
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// committedEverywhere waits until every live node has committed index.
func committedEverywhere(t *testing.T, c *Cluster, index uint64) {
	t.Helper()
	waitFor(t, 2*time.Second, fmt.Sprintf("entry %d committed on every live node", index), func() bool {
		for _, st := range c.Status() {
			if st.Alive && st.CommitIndex < index {
				return false
			}
		}
		return true
	})
}

// Basic agreement: a put is committed on every node, applied, and read
// back; every node's log ends the same way.
func TestPutThenGet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, clusterConfig(5, 1))
		awaitLeader(t, c, 0, time.Second)
		if err := c.Put("x", "1"); err != nil {
			t.Fatal(err)
		}
		value, ok, err := c.Get("x")
		if err != nil || !ok || value != "1" {
			t.Fatalf("Get(x) = %q, %t, %v; want 1", value, ok, err)
		}
		if _, ok, _ := c.Get("y"); ok {
			t.Error("Get(y) found a value never put")
		}
		last := c.Status()[0].LastLogIndex
		committedEverywhere(t, c, last)
		for id := 2; id <= 5; id++ {
			if !slices.Equal(c.Entries(id), c.Entries(1)) {
				t.Errorf("node %d's log %v differs from node 1's %v", id, c.Entries(id), c.Entries(1))
			}
		}
	})
}

// §5.3: a follower that was down when entries committed gets them when it
// restarts; its log is repaired from the leader's.
func TestFollowerRejoinsAndCatchesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, clusterConfig(3, 2))
		leader, _ := awaitLeader(t, c, 0, time.Second)
		follower := leader%3 + 1
		if err := c.Crash(follower); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if err := c.Put("k", fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Restart(follower); err != nil {
			t.Fatal(err)
		}
		committedEverywhere(t, c, c.Status()[leader-1].LastLogIndex)
		if got, want := c.Entries(follower), c.Entries(leader); !slices.Equal(got, want) {
			t.Errorf("the restarted follower holds %v; the leader %v", got, want)
		}
	})
}

// No agreement without a majority: with three of five nodes down, a put
// does not commit, and the client says so within its bounded patience.
func TestNoCommitWithoutMajority(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, clusterConfig(5, 3))
		leader, _ := awaitLeader(t, c, 0, time.Second)
		down := 0
		for id := 1; id <= 5 && down < 3; id++ {
			if id != leader {
				c.Crash(id)
				down++
			}
		}
		start := c.rec.now()
		if err := c.Put("x", "1"); err == nil {
			t.Fatal("a put committed with 2 of 5 nodes up")
		}
		if waited := c.rec.now() - start; waited > c.clientPatience()+time.Second {
			t.Errorf("the put gave up after %s; its patience is %s", waited, c.clientPatience())
		}
		for _, st := range c.Status() {
			if st.Alive && st.CommitIndex > 1 {
				t.Errorf("node %d committed up to %d with no majority", st.ID, st.CommitIndex)
			}
		}
	})
}

// Concurrent proposals from several goroutines all land in the leader's
// log, each once, and all commit.
func TestConcurrentProposals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, clusterConfig(3, 4))
		leader, term := awaitLeader(t, c, 0, time.Second)
		done := make(chan uint64)
		for i := range 10 {
			go func() {
				index, got, err := c.Propose(fmt.Sprintf("put k%d %d", i, i))
				if err != nil || got != term {
					t.Errorf("Propose: index %d, term %d, %v; want term %d", index, got, err, term)
				}
				done <- index
			}()
		}
		var indexes []uint64
		for range 10 {
			indexes = append(indexes, <-done)
		}
		slices.Sort(indexes)
		if len(slices.Compact(indexes)) != 10 {
			t.Errorf("ten proposals got indexes %v; want ten different ones", indexes)
		}
		committedEverywhere(t, c, indexes[len(indexes)-1])
		if len(c.Entries(leader)) != 11 { // the no-op and the ten
			t.Errorf("the leader's log holds %d entries; want 11", len(c.Entries(leader)))
		}
	})
}

// §5.3: a leader cut off in a minority takes a command it cannot commit;
// the majority elects a new leader, and at the heal the old leader's
// uncommitted entry is deleted and its log made the majority's.
func TestPartitionedLeaderEntriesDiscarded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, clusterConfig(5, 5))
		old, term := awaitLeader(t, c, 0, time.Second)
		var others []int
		for id := 1; id <= 5; id++ {
			if id != old {
				others = append(others, id)
			}
		}
		if err := c.Partition([]int{old}, others); err != nil {
			t.Fatal(err)
		}
		index, _, err := c.Propose("put lost 1")
		if err != nil {
			t.Fatal(err)
		}
		awaitLeader(t, c, term, 2*time.Second)
		if err := c.Put("kept", "2"); err != nil {
			t.Fatal(err)
		}
		if err := c.Heal(); err != nil {
			t.Fatal(err)
		}
		leader, _, _ := c.Leader()
		committedEverywhere(t, c, c.Status()[leader-1].LastLogIndex)
		for _, e := range c.Entries(old) {
			if e.Index == index && e.Command == "put lost 1" {
				t.Errorf("the old leader still holds its uncommitted entry %v", e)
			}
		}
		if value, ok, _ := c.Get("lost"); ok {
			t.Errorf("an entry that never committed was applied: lost = %q", value)
		}
	})
}

// Figure 2: the log is persistent. Every node crashes and restarts; the
// committed value is still there, and a new put commits on top of it.
func TestLogSurvivesCrashes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, clusterConfig(3, 6))
		awaitLeader(t, c, 0, time.Second)
		if err := c.Put("x", "1"); err != nil {
			t.Fatal(err)
		}
		for id := 1; id <= 3; id++ {
			c.Crash(id)
		}
		for id := 1; id <= 3; id++ {
			c.Restart(id)
		}
		if err := c.Put("y", "2"); err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]string{"x": "1", "y": "2"} {
			if value, ok, err := c.Get(key); err != nil || !ok || value != want {
				t.Errorf("Get(%s) = %q, %t, %v; want %s", key, value, ok, err, want)
			}
		}
	})
}

// §8: a put retried across a leader change is applied once. The leader
// crashes after taking the put; the client retries at the next leader
// with the same serial number, and a put of the key by this client or
// another between them is not undone by the retry.
func TestRetriedPutAppliesOnce(t *testing.T) {
	for _, between := range []string{"put x 2 #c1.2", "put x 2 #c2.1"} {
		var store keyValueStore
		for _, command := range []string{"put x 1 #c1.1", between, "put x 1 #c1.1"} {
			store.apply(command)
		}
		if value, _ := store.apply("get x"); value != "2" {
			t.Errorf("after %q and a retry of the put before it, x = %q; want 2", between, value)
		}
	}
	var store keyValueStore
	store.apply("put x 2 #c1.2")
	for _, odd := range []string{"", "#c1.9", "#", "put", "get x y"} {
		store.apply(odd) // Propose takes any line: none may stop a node
	}
	if value, _ := store.apply("get x"); value != "2" {
		t.Errorf("commands that are not puts changed x to %q", value)
	}
}
