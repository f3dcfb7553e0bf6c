// faults_test.go runs thousands of clusters under random fault schedules, in
// virtual time, with a client putting values throughout, and requires what
// Raft promises under any faults: no safety violation ever (§5.2, the five
// properties of Figure 3), every put the client saw acknowledged still
// there at the end, a linearizable history of the client's puts and gets
// (linearizability_test.go), and a leader again once the faults end (§5.2, liveness
// with randomized timeouts) wherever the network meets Raft's timing
// requirement (§5.6); on slower networks, it counts how many recover.

package main

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// faultTally counts what the schedules exercised.
type faultTally struct {
	schedules, elections, faults, violations atomic.Int64
	puts, acknowledged, readBack             atomic.Int64 // puts tried, those the client saw applied, and those read back
	slowestRecovery                          atomic.Int64 // nanoseconds from the last fault's removal to a settled leader
	slowNetworks, slowRecovered              atomic.Int64 // schedules on networks slower than §5.6 allows, and those that recovered
}

// schedules is how many random fault schedules TestRandomFaultSchedules
// runs: a couple of hundred keep the suite quick; go test -run RandomFault -schedules
// 50000 runs a long hunt on demand.
var schedules = flag.Int("schedules", 250, "random fault schedules for TestRandomFaultSchedules")

// faultsPerSchedule is how many faults each schedule inflicts, one after
// another at random moments in its first few seconds.
const faultsPerSchedule = 10

// Random fault schedules: on clusters of 2 to 9 nodes, with each setting
// of PreVote and CheckQuorum, crashes, restarts, partitions and lossy or
// slow networks at random moments, with a client putting keys throughout.
// The safety checker finds no violation in any (Figure 3); once the faults
// end, a leader is elected, and every acknowledged put reads back.
func TestRandomFaultSchedules(t *testing.T) {
	var tally faultTally
	shards := 2 * runtime.GOMAXPROCS(0)
	t.Run("schedules", func(t *testing.T) {
		for shard := range shards {
			t.Run(fmt.Sprint(shard), func(t *testing.T) {
				t.Parallel()
				for seed := uint64(shard); seed < uint64(shortOr(*schedules, 40)); seed += uint64(shards) {
					synctest.Test(t, func(t *testing.T) { runFaultSchedule(t, seed, &tally) })
				}
			})
		}
	})
	t.Logf("%d schedules on 2 to 9 nodes, with each setting of PreVote and CheckQuorum: "+
		"%d elections won, %d faults inflicted, %d puts tried, %d acknowledged and %d of those read back at the end; "+
		"%d safety violations; slowest recovery once the faults ended: %s; "+
		"on networks slower than §5.6 allows, %d of %d recovered",
		tally.schedules.Load(), tally.elections.Load(), tally.faults.Load(), tally.puts.Load(), tally.acknowledged.Load(), tally.readBack.Load(),
		tally.violations.Load(), time.Duration(tally.slowestRecovery.Load()), tally.slowRecovered.Load(), tally.slowNetworks.Load())
}

// runFaultSchedule runs one random schedule, drawn from seed, on one
// cluster. startCluster fails the test on any safety violation.
func runFaultSchedule(t *testing.T, seed uint64, tally *faultTally) {
	rng := rand.New(rand.NewPCG(seed, 0xfa17))
	cfg, worstLoss := faultScheduleConfig(seed, rng)
	cfg.Timing = Unpaced // the test is the engine's driver: no time passes in the bubble
	c := startCluster(t, cfg)
	var elections atomic.Int64
	c.rec.watch(func(ev Event) {
		if ev.Kind == EventRole && ev.Role == Leader {
			elections.Add(1)
		}
	})
	d := c.clock.drive()
	defer d.release()

	h := newHistory() // every put and get, for the acknowledged puts and for porcupine
	for i := range faultsPerSchedule {
		d.sleep(time.Duration(rng.Int64N(int64(time.Second))), nil)
		inflictFault(t, c, rng, worstLoss)
		if i%2 == 0 {
			tally.puts.Add(1)
			h.put(c, 0, fmt.Sprintf("k%d", i), fmt.Sprint(seed), true)
		}
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
	healed := c.rec.now()
	settled := d.until(recoveryLimit(cfg), nil, func() bool {
		_, term, ok := c.Leader()
		return ok && allInTerm(c.Status(), term)
	})
	recovery := int64(c.rec.now() - healed)
	// §5.6: Raft elects a steady leader only if broadcastTime <<
	// electionTimeout. On a slower network it stays safe, but may go on
	// electing leaders that cannot keep their followers: only count those.
	slow := cfg.MaxLatency > cfg.ElectionTimeoutMin/4
	if slow {
		tally.slowNetworks.Add(1)
		if !settled {
			recovery = 0
		} else {
			tally.slowRecovered.Add(1)
		}
	} else if !settled {
		t.Fatalf("seed %d: no leader followed by every node within %s once the faults ended", seed, recoveryLimit(cfg))
	}
	tally.acknowledged.Add(int64(len(h.acknowledged)))
	if settled {
		tally.readBack.Add(int64(checkAcknowledged(t, c, seed, h, slow)))
	}
	h.check(t)
	for slowest := tally.slowestRecovery.Load(); recovery > slowest; slowest = tally.slowestRecovery.Load() {
		if tally.slowestRecovery.CompareAndSwap(slowest, recovery) {
			break
		}
	}
	c.Stop()

	tally.schedules.Add(1)
	tally.violations.Add(int64(len(c.Violations())))
	tally.faults.Add(faultsPerSchedule)
	tally.elections.Add(elections.Load())
}

// checkAcknowledged reads back every put the client saw applied, and
// records the reads in h: §5.4's promise is that a committed entry is
// never lost, whatever the faults. On a network slower than §5.6 allows, a
// read may find no steady leader in time; it must never read a wrong
// value. It returns how many it read.
func checkAcknowledged(t *testing.T, c *Cluster, seed uint64, h *history, slow bool) (read int) {
	t.Helper()
	for _, key := range slices.Sorted(maps.Keys(h.acknowledged)) {
		value, ok, err := h.get(c, 0, key)
		if err != nil && slow {
			continue
		}
		read++
		if want := h.acknowledged[key]; err != nil || !ok || value != want {
			t.Fatalf("seed %d: the put %s = %s was acknowledged, and now get %s gives %q, %t, %v",
				seed, key, want, key, value, ok, err)
		}
	}
	return read
}

// faultScheduleConfig draws a cluster for one schedule, and the worst loss
// its network may suffer. A quarter of the
// schedules each run with PreVote and CheckQuorum off, one on, the other
// on, and both on: every safeguard holds with each. Within each quarter, a
// quarter of the clusters have a slow network, whose messages can take
// longer than an election timeout (250 ms, against Raft's timing
// requirement of §5.6) and which can lose most of them; the rest have up
// to 20 ms of latency and 30 % loss.
func faultScheduleConfig(seed uint64, rng *rand.Rand) (cfg Config, worstLoss float64) {
	cfg = clusterConfig(2+rng.IntN(mostNodes-1), seed)
	cfg.PreVote, cfg.CheckQuorum = seed%2 == 1, seed/2%2 == 1
	latency, loss := 20*time.Millisecond, 0.3
	if seed/4%4 == 0 {
		latency, loss = 250*time.Millisecond, 0.6
	}
	cfg.MaxLatency = time.Duration(rng.Int64N(int64(latency) + 1))
	cfg.DropRate = loss * rng.Float64()
	return cfg, loss
}

// recoveryLimit is how long a cluster of cfg may take to settle on one
// leader once every fault is gone: many election timeouts, and on a slow
// network as many round trips.
func recoveryLimit(cfg Config) time.Duration {
	return 20 * (cfg.ElectionTimeoutMax + 2*cfg.MaxLatency)
}

// inflictFault does one random thing to c: crash a node (the leader, half
// the time), restart one, partition the network, heal it, or change how
// many messages it loses, up to worstLoss.
func inflictFault(t *testing.T, c *Cluster, rng *rand.Rand, worstLoss float64) {
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
		err = c.SetDropRate(worstLoss * rng.Float64())
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
