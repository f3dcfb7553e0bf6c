// breaks_test.go proves that every safeguard a class can turn off with
// -break matters: its scenario and seed, run with the break, go wrong in
// the way the break promises, and the safety checker or a liveness check
// says so; run without it, the same scenario and seed go right.

package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
)

// A break's failure, as the output shows it: a safety violation of the
// kind named, or the scenario's own liveness check.
var breakSymptoms = map[Breakage]string{
	BreakFixedTimeout: "no leader after term",
	BreakVoteTwice:    "SAFETY VIOLATION, " + violationTwoLeaders,
	BreakForgetVote:   "SAFETY VIOLATION, " + violationDoubleVote,
	BreakNoStepdown:   "never stepped down",
	BreakCountStale:   "SAFETY VIOLATION, " + violationMinorityLeader,
}

func TestEveryBreakIsCaught(t *testing.T) {
	for _, b := range breakages {
		t.Run(string(b.name), func(t *testing.T) {
			symptom := breakSymptoms[b.name]
			for _, broken := range []bool{true, false} {
				args := []string{"-scenario", b.scenario, "-seed", fmt.Sprint(b.seed), "-no-color"}
				if broken {
					args = append(args, "-break", string(b.name))
				}
				var stdout, stderr bytes.Buffer
				code := 0
				synctest.Test(t, func(t *testing.T) { code = run(args, nil, &stdout, &stderr, nil) })
				out := stdout.String()
				shows := strings.Contains(out, symptom)
				switch {
				case broken && !shows:
					t.Errorf("%q: the output never shows %q", args, symptom)
				case broken && strings.HasPrefix(symptom, "SAFETY") && code != 1:
					t.Errorf("%q: exit %d after a safety violation; want 1", args, code)
				case !broken && (shows || code != 0):
					t.Errorf("%q: without the break, exit %d and the symptom shows: %t", args, code, shows)
				}
				if broken && !strings.Contains(out, "!!! -break "+string(b.name)) {
					t.Errorf("%q: no warning banner", args)
				}
			}
		})
	}
}
