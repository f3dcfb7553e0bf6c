// cluster_test.go checks the Cluster's API (cluster.go), which the tests,
// the scenarios and the console drive: crash and restart, partitions, the
// operator's errors, Stop, the Config it accepts, and the randomness a seed
// fixes.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

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
