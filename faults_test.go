// faults_test.go runs thousands of clusters under random fault schedules, in
// virtual time, and requires what Raft promises under any faults: no safety
// violation ever (§5.2, Figure 3), and a leader again once the faults end
// (§5.2, liveness with randomized timeouts).
package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// faultTally counts what the schedules exercised.
type faultTally struct {
	schedules, elections, faults, violations atomic.Int64
}

// faultsPerSchedule is how many faults each schedule inflicts, one after
// another at random moments in its first few seconds.
const faultsPerSchedule = 10

func TestRandomFaultSchedules(t *testing.T) {
	const schedules = 2000
	var tally faultTally
	shards := 2 * runtime.GOMAXPROCS(0)
	t.Run("schedules", func(t *testing.T) {
		for shard := range shards {
			t.Run(fmt.Sprint(shard), func(t *testing.T) {
				t.Parallel()
				for seed := uint64(shard); seed < schedules; seed += uint64(shards) {
					synctest.Test(t, func(t *testing.T) { runFaultSchedule(t, seed, &tally) })
				}
			})
		}
	})
	t.Logf("%d schedules on 3, 5 and 7 nodes, with PreVote and CheckQuorum each on and off: %d elections won, %d faults inflicted, %d safety violations",
		tally.schedules.Load(), tally.elections.Load(), tally.faults.Load(), tally.violations.Load())
}

// runFaultSchedule runs one random schedule, drawn from seed, on one
// cluster. startCluster fails the test on any safety violation.
func runFaultSchedule(t *testing.T, seed uint64, tally *faultTally) {
	rng := rand.New(rand.NewPCG(seed, 0xfa17))
	cfg := clusterConfig([]int{3, 5, 7}[rng.IntN(3)], seed)
	// A quarter of the schedules each with PreVote and CheckQuorum off,
	// one on, the other on, and both on: every safeguard holds with each.
	cfg.PreVote, cfg.CheckQuorum = seed%2 == 1, seed/2%2 == 1
	cfg.MaxLatency = time.Duration(rng.Int64N(int64(20*time.Millisecond) + 1))
	cfg.DropRate = 0.3 * rng.Float64()
	c, events := startCluster(t, cfg)

	for range faultsPerSchedule {
		time.Sleep(time.Duration(rng.Int64N(int64(time.Second))))
		inflictFault(t, c, rng)
	}

	// Remove every fault: heal the network, stop the loss, restart the
	// crashed. With randomized timeouts a leader must follow, and every
	// node must come to follow it in its term.
	if err := errors.Join(c.Heal(), c.SetDropRate(0)); err != nil {
		t.Fatal(err)
	}
	for _, st := range c.Status() {
		if !st.Alive {
			if err := c.Restart(st.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, 5*time.Second, fmt.Sprintf("seed %d: one leader followed by every node once the faults ended", seed), func() bool {
		_, term, ok := c.Leader()
		return ok && allInTerm(c.Status(), term)
	})
	c.Stop()

	tally.schedules.Add(1)
	tally.violations.Add(int64(len(c.Violations())))
	tally.faults.Add(faultsPerSchedule)
	tally.elections.Add(int64(len(events.matching(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Leader }))))
}

// inflictFault does one random thing to c: crash a node (the leader, half
// the time), restart one, partition the network, heal it, or change how
// many messages it loses.
func inflictFault(t *testing.T, c *Cluster, rng *rand.Rand) {
	var live, crashed []int
	for _, st := range c.Status() {
		if st.Alive {
			live = append(live, st.ID)
		} else {
			crashed = append(crashed, st.ID)
		}
	}
	var err error
	switch action := rng.IntN(5); {
	case action == 0 && len(live) > 0:
		victim := live[rng.IntN(len(live))]
		if leader, _, ok := c.Leader(); ok && rng.IntN(2) == 0 {
			victim = leader
		}
		err = c.Crash(victim)
	case action == 1 && len(crashed) > 0:
		err = c.Restart(crashed[rng.IntN(len(crashed))])
	case action == 2:
		err = c.Partition(randomGroups(len(c.Status()), rng)...)
	case action == 3:
		err = c.Heal()
	default:
		err = c.SetDropRate(0.3 * rng.Float64())
	}
	if err != nil {
		t.Fatal(err)
	}
}

// randomGroups splits nodes 1..n into two or three random groups, leaving
// a node out (and so alone) now and then.
func randomGroups(n int, rng *rand.Rand) [][]int {
	groups := make([][]int, 2+rng.IntN(2))
	for id := 1; id <= n; id++ {
		if g := rng.IntN(len(groups) + 1); g < len(groups) {
			groups[g] = append(groups[g], id)
		}
	}
	return groups
}

// allInTerm reports whether every node is alive and in term.
func allInTerm(status []NodeStatus, term uint64) bool {
	for _, st := range status {
		if !st.Alive || st.Term != term {
			return false
		}
	}
	return true
}
