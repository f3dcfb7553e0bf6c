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
