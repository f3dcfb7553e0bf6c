// breaks_test.go proves that every safeguard a class can turn off with
// -break matters: its scenario and seed, run with the break, go wrong in
// the way the break promises, and the safety checker or a liveness check
// says so; run without it, the same scenario and seed go right.

package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// caught reports whether a run shows a break's failure: a safety
// violation of the kind named, or the liveness failure its scenario checks.
var caught = map[Breakage]func(c *Cluster, events *eventLog) bool{
	// Nodes that time out together split the vote, term after term: the
	// run ends without a leader, several terms after the last one won.
	BreakFixedTimeout: func(c *Cluster, events *eventLog) bool {
		var lastWon uint64
		for _, ev := range leadersElected(events) {
			lastWon = ev.Term
		}
		unwon := map[uint64]bool{}
		for _, ev := range events.matching(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Candidate }) {
			if ev.Term > lastWon {
				unwon[ev.Term] = true
			}
		}
		_, _, led := c.Leader()
		return !led && len(unwon) >= 3
	},
	BreakVoteTwice:  violated(violationTwoLeaders),
	BreakForgetVote: violated(violationDoubleVote),
	// After the heal the stale leader still leads, beside the new one.
	BreakNoStepdown: func(c *Cluster, _ *eventLog) bool {
		leaders := 0
		for _, st := range c.Status() {
			if st.Alive && st.Role == Leader {
				leaders++
			}
		}
		return leaders > 1
	},
	BreakCountStale:    violated(violationMinorityLeader),
	BreakVoteAnyLog:    violated(violationCompleteness),
	BreakCommitOldTerm: violated(violationCompleteness),
	BreakStaleRead:     violated(violationStaleRead),
}

// violated reports whether the safety checker found a violation of kind.
func violated(kind string) func(*Cluster, *eventLog) bool {
	return func(c *Cluster, _ *eventLog) bool {
		return slices.ContainsFunc(c.Violations(), func(v string) bool { return strings.HasPrefix(v, kind) })
	}
}

// Every break, run with its scenario and seed, fails as it promises, and
// the command line warns of it and exits 1 for a safety violation; the
// same run without the break goes right.
func TestEveryBreakIsCaught(t *testing.T) {
	for _, b := range breakages {
		t.Run(string(b.name), func(t *testing.T) {
			for _, broken := range []bool{true, false} {
				c, events := replayScenario(t, b.scenario, b.seed, func(cfg *Config) {
					if broken {
						cfg.Break = b.name
					}
				})
				shows := caught[b.name](c, events)
				switch {
				case broken && !shows:
					t.Errorf("-scenario %s -seed %d -break %s: the failure does not show", b.scenario, b.seed, b.name)
				case !broken && (shows || len(c.Violations()) > 0):
					t.Errorf("-scenario %s -seed %d without the break: it fails all the same (%q)", b.scenario, b.seed, c.Violations())
				}
			}
			args := []string{"-scenario", b.scenario, "-seed", fmt.Sprint(b.seed), "-no-color", "-break", string(b.name)}
			var stdout, stderr bytes.Buffer
			code := 0
			synctest.Test(t, func(t *testing.T) { code = run(args, nil, &stdout, &stderr, nil) })
			if want := wantExit(b.name); code != want {
				t.Errorf("%q: exit %d; want %d", args, code, want)
			}
			if !strings.Contains(stdout.String(), "!!! -break "+string(b.name)) {
				t.Errorf("%q: no warning banner", args)
			}
		})
	}
}

// wantExit is the exit code a break's run ends with: 1 when the safety
// checker catches it, 0 for a failure of liveness.
func wantExit(b Breakage) int {
	if b == BreakFixedTimeout || b == BreakNoStepdown {
		return exitSafe
	}
	return exitViolation
}

// No break and no refinement can make a run go on for ever: every
// scenario, under every break and none, with PreVote, CheckQuorum or
// neither, on seeds 1 to 3, ends within its script's budget of protocol
// time, and the engine's watchdog never finds a step that did not end.
// (Once, a leader that -break vote-twice let grant a vote armed an
// election timer its loop never read, and the run stood still for good.)
func TestEveryBreakEndsEveryScenario(t *testing.T) {
	refinements := map[string]func(*Config){
		"plain": func(*Config) {}, "prevote": func(c *Config) { c.PreVote = true }, "checkquorum": func(c *Config) { c.CheckQuorum = true },
	}
	var runs atomic.Int64
	t.Run("scenarios", func(t *testing.T) {
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel() // each run is a cluster of its own, on an engine of its own
				for _, b := range append([]breakage{{}}, breakages...) {
					for name, refine := range refinements {
						for seed := uint64(1); seed <= uint64(shortOr(3, 1)); seed++ {
							cfg := DefaultConfig()
							cfg.Seed, cfg.Break, cfg.Timing = seed, b.name, Unpaced
							refine(&cfg)
							var c *Cluster
							synctest.Test(t, func(t *testing.T) {
								var err error
								if c, err = sc.play(cfg, nil); err != nil {
									t.Fatal(err)
								}
							})
							runs.Add(1)
							if took, budget := c.rec.now(), sc.longest(cfg); took > budget || c.clock.stalled() != nil {
								t.Errorf("-break %q -%s -seed %d took %s of its budget of %s: %v",
									b.name, name, seed, took, budget, c.clock.stalled())
							}
						}
					}
				}
			})
		}
	})
	t.Logf("%d runs ended", runs.Load())
}
