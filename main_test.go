// main_test.go checks the command line as a user meets it: flags it cannot
// use get one line and exit code 2, -h prints usage, and every scenario,
// with any network, tells its story and ends by itself. Scenarios run in
// synctest bubbles, so their seconds of pauses pass in virtual time.
package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
)

// runOK runs the program with args inside a synctest bubble, where its
// pauses pass in virtual time, fails the test unless it exits 0, and
// returns what it printed, with wrapped lines joined again.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		if code := run(args, nil, &stdout, &stderr, nil); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
		}
	})
	return unwrapped(stdout.String())
}

func TestBadFlagsGetOneLineAndExitCode2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string // the line names the problem
	}{
		{[]string{"-nodes", "12"}, "-nodes"},
		{[]string{"-nodes", "three"}, "-nodes"},
		{[]string{"-scenario", "chaos"}, "-scenario"},
		{[]string{"-scenario", "crash", "-nodes", "2"}, "at least 3 nodes"},
		{[]string{"-scenario", "tour", "-nodes", "1"}, "at least"},
		{[]string{"-drop", "1"}, "-drop"},
		{[]string{"-drop", "NaN"}, "-drop"},
		{[]string{"-timeout-min", "300ms", "-timeout-max", "150ms"}, "-timeout-max"},
		{[]string{"-timeout-min", "0s"}, "-timeout-min"},
		{[]string{"-heartbeat", "200ms"}, "-heartbeat"},
		{[]string{"-latency", "-5ms"}, "-latency"},
		{[]string{"-timeout-max", "1h"}, "-timeout-max"},
		{[]string{"-seed", "-1"}, "-seed"},
		{[]string{"-bogus"}, "-bogus"},
		{[]string{"crash"}, "unexpected argument"},
		{[]string{"-trace", "/no/such/dir/run.jsonl"}, "-trace"},
		{[]string{"-slow", "0.5"}, "-slow"},
		{[]string{"-slow", "1000"}, "-slow"},
		{[]string{"-experiment", "-nodes", "3"}, "-nodes does not apply"},
		{[]string{"-trials", "10"}, "-trials goes with -experiment"},
		{[]string{"-experiment", "-trials", "0"}, "-trials"},
		{[]string{"-interactive", "-scenario", "crash"}, "does not go with -interactive"},
		{[]string{"-interactive", "-quiet"}, "does not go with -interactive"},
		{[]string{"-break", "everything"}, "-break must be one of"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, nil, &stdout, &stderr, nil)
		line := stderr.String()
		if code != 2 || strings.Count(line, "\n") != 1 || !strings.Contains(line, tc.says) || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %d bytes; want exit 2 and one line naming %q",
				tc.args, code, line, stdout.Len(), tc.says)
		}
	}
}

func TestHelpPrintsUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, nil, &stdout, &stderr, nil); code != 0 || stderr.Len() != 0 {
		t.Fatalf("-h: exit %d, stderr %q", code, stderr.String())
	}
	for _, want := range []string{"Usage: go run . [flags]", "Examples:", "-scenario", "-seed", "tour"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("usage lacks %q", want)
		}
	}
}

// The tour tells each scenario's story: the narration of each outcome
// appears, in order, followed by a summary.
func TestTourTellsEveryStory(t *testing.T) {
	out := runOK(t, "-scenario", "tour", "-seed", "3", "-no-color")
	last := 0
	for _, want := range []string{
		"Scenario 1 of 4, election", "became leader of term 1", "term by term:",
		"Scenario 2 of 4, crash", "crashed:", "after the crash", "rejoined as a follower", "Summary",
		"Scenario 3 of 4, split-vote", "nobody reached a majority", "split vote",
		"Scenario 4 of 4, partition", "split into", "still believes it leads",
		"stepped down to follower", "Summary",
	} {
		at := strings.Index(out[last:], want)
		if at < 0 {
			t.Fatalf("the tour's output lacks %q after byte %d:\n%s", want, last, out)
		}
		last += at + len(want)
	}
}

// Every scenario, on every cluster size it allows and on a slow, lossy
// network too, ends by itself with a summary.
func TestEveryScenarioEnds(t *testing.T) {
	for _, sc := range scenarios {
		for _, nodes := range []string{"3", "5", "9"} {
			for _, network := range [][]string{nil, {"-latency", "20ms", "-drop", "0.3"}, {"-drop", "0.95"}, {"-slow", "5", "-v"}} {
				args := append([]string{"-scenario", sc.name, "-nodes", nodes, "-seed", "1", "-heartbeats"}, network...)
				if out := runOK(t, args...); !strings.Contains(out, "Summary") {
					t.Errorf("%q printed no summary", args)
				}
			}
		}
	}
}

// -experiment prints both graphs of Figure 16, tables and charts, and ends
// by itself; in virtual time, a few trials per range take a moment.
func TestExperimentPrintsFigure16(t *testing.T) {
	out := runOK(t, "-experiment", "-trials", "5", "-seed", "1")
	for _, want := range []string{"Figure 16, top", "150–150 ms", "150–300 ms", "logarithmic scale",
		"Figure 16, bottom", "12–24 ms", "linear scale", "Safety violations in all trials: 0."} {
		if !strings.Contains(out, want) {
			t.Errorf("the experiment's output lacks %q:\n%s", want, out)
		}
	}
}

// summarySeed finds the seed a summary names.
var summarySeed = regexp.MustCompile(`Summary \(seed (\d+)\)`)

// A random seed is short enough to read aloud from a projector: below a
// million. Any seed can still be given.
func TestRandomSeedsCanBeReadAloud(t *testing.T) {
	for range 20 {
		found := summarySeed.FindStringSubmatch(runOK(t, "-scenario", "election", "-quiet"))
		if seed, err := strconv.ParseUint(found[1], 10, 64); err != nil || seed > largestRandomSeed {
			t.Fatalf("a random seed of %s; want at most %d", found[1], largestRandomSeed)
		}
	}
	if out := runOK(t, "-scenario", "election", "-quiet", "-seed", "18446744073709551615"); !strings.Contains(out, "seed 18446744073709551615") {
		t.Error("the largest seed was not taken")
	}
}
