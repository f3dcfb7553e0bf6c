// stats_test.go measures elections statistically, in simulated time, where
// only the protocol's own timing counts: failovers and cold starts on 3
// and 5 nodes, and the Figure 16 experiment of the CLI. Each test prints
// its figures (go test -v -run Statistics .) and asserts only what the
// protocol guarantees.

package main

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
)

// The tests' share of the statistics: enough to check what the protocol
// guarantees in seconds. go test -run 'Statistics|Figure16' -v
// -stats.trials 1000 -figure16.trials 1000 measures as the CLI does.
var (
	statsTrials    = flag.Int("stats.trials", 200, "trials per setting in TestFailoverStatistics and TestColdStartStatistics")
	figure16Trials = flag.Int("figure16.trials", 100, "trials per range in TestFigure16InVirtualTime (the CLI runs 1000)")
)

// measure runs n trials of each setting in one bubble and returns their
// statistics, logging the table of times since what each trial measures
// from.
func measure(t *testing.T, settings []setting, n int, since string) []trialStats {
	var stats []trialStats
	synctest.Test(t, func(t *testing.T) { stats = runSettings(settings, n, 1, nil, nil) })
	var table strings.Builder
	writeStatsTable(&table, stats, since)
	t.Logf("%d trials per setting, virtual time:\n%s", n, table.String())
	for _, s := range stats {
		if s.unsafe > 0 {
			t.Errorf("%s: %d safety violations", s.label, s.unsafe)
		}
	}
	return stats
}

// defaultSettings is trial on 3 and 5 nodes with DefaultConfig: 150-300 ms
// timeouts, 50 ms heartbeats, no latency.
func defaultSettings(trial func(Config) trialResult) []setting {
	var settings []setting
	for _, nodes := range []int{3, 5} {
		settings = append(settings, setting{fmt.Sprintf("%d nodes", nodes),
			func(seed uint64) Config { return clusterConfig(nodes, seed) }, trial})
	}
	return settings
}

// With no latency, every failover lands after min timeout - heartbeat
// interval and before max timeout, in one election. Every follower reset
// its timer when the last heartbeat round arrived, at the instant it was
// sent; the crash came less than one heartbeat interval later; the first
// follower's timer fires min to max after that round; and its RequestVotes
// and the replies arrive at once, so it wins before anyone else stands.
func TestFailoverStatistics(t *testing.T) {
	cfg := DefaultConfig()
	earliest, latest := cfg.ElectionTimeoutMin-cfg.HeartbeatInterval, cfg.ElectionTimeoutMax
	for _, s := range measure(t, defaultSettings(failover), shortOr(*statsTrials, 20), "the crash") {
		if s.noLeader() > 0 || s.multiRound > 0 {
			t.Errorf("%s: %d trials elected nobody and %d needed more than one election; with no latency the first to stand wins",
				s.label, s.noLeader(), s.multiRound)
		}
		if s.percentile(0) <= earliest || s.percentile(100) >= latest {
			t.Errorf("%s: failovers took %s to %s; the protocol bounds them to (%s, %s)",
				s.label, s.percentile(0), s.percentile(100), earliest, latest)
		}
	}
}

// coldStart runs one trial from a cluster's start to its first leader:
// its watch is armed before the start, not by a crash.
func coldStart(cfg Config) trialResult {
	c, tw := newTrialCluster(cfg)
	defer c.Stop()
	tw.armed = true // no node runs yet, so nothing else reads it
	c.Start()
	d := c.clock.drive()
	defer d.release()
	return awaitMeasurement(d, c, tw, 0)
}

// From a cold start, every node's timer starts together, so the first
// leader comes exactly when the shortest timeout fires: within [min, max),
// in one election.
func TestColdStartStatistics(t *testing.T) {
	cfg := DefaultConfig()
	for _, s := range measure(t, defaultSettings(coldStart), shortOr(*statsTrials, 20), "the start") {
		if s.noLeader() > 0 || s.multiRound > 0 {
			t.Errorf("%s: %d cold starts elected nobody and %d needed more than one election", s.label, s.noLeader(), s.multiRound)
		}
		if s.percentile(0) < cfg.ElectionTimeoutMin || s.percentile(100) >= cfg.ElectionTimeoutMax {
			t.Errorf("%s: first leaders came after %s to %s; the shortest timeout lies in [%s, %s)",
				s.label, s.percentile(0), s.percentile(100), cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax)
		}
	}
}

// The CLI's experiment, in virtual time: the figures the protocol gives
// when the machine adds no delay of its own. Compare with
// go run . -experiment. Where the timing requirement holds (a heartbeat
// always arrives before a follower's shortest timeout), no follower stands
// while its leader lives, so every election starts from the crash, and no
// failover can beat min timeout - heartbeat interval.
func TestFigure16InVirtualTime(t *testing.T) {
	t.Parallel() // a run of its own, in memory: it can share the machine
	settings := figure16Settings()
	for i, s := range measure(t, settings, shortOr(*figure16Trials, 10), "the crash") {
		cfg := settings[i].config(1)
		if cfg.HeartbeatInterval+cfg.MaxLatency >= cfg.ElectionTimeoutMin {
			continue // 12-24 ms: heartbeats can arrive too late; leaders change on their own
		}
		if floor := cfg.ElectionTimeoutMin - cfg.HeartbeatInterval; s.percentile(0) <= floor {
			t.Errorf("%s: a failover took %s, under the floor of %s", s.label, s.percentile(0), floor)
		}
	}
}
