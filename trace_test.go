// trace_test.go checks the JSON Lines trace: read back, it is the run,
// event for event; the safety checker passes it; and -check judges a trace
// file from the command line.
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// A run with every kind of fault, traced: reading the trace back gives
// exactly the events the run recorded, in order, and the checker finds the
// run safe.
func TestTraceIsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var trace bytes.Buffer
		cfg := clusterConfig(5, 3)
		cfg.Trace, cfg.MaxLatency, cfg.DropRate = &trace, 5*time.Millisecond, 0.05
		c, events := startCluster(t, cfg)
		leader, term := awaitLeader(t, c, 0, time.Second)
		minority, majority := splitAround(leader, cfg.Nodes)
		for _, step := range []func() error{
			func() error { return c.Partition(minority, majority) },
			c.Heal,
			func() error { return c.Crash(leader) },
			func() error { return c.Restart(leader) },
			func() error { return c.SetDropRate(0) },
		} {
			time.Sleep(time.Second)
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		awaitLeader(t, c, term, 2*time.Second)
		c.Stop()

		lines := readTraceLines(t, bytes.NewReader(trace.Bytes()))
		recorded := events.matching(func(Event) bool { return true })
		if len(lines) != len(recorded) {
			t.Fatalf("the trace has %d lines for %d events", len(lines), len(recorded))
		}
		kinds := map[EventKind]int{}
		for i, ev := range recorded {
			if want := newTraceLine(ev); !reflect.DeepEqual(lines[i], want) {
				t.Fatalf("trace line %d is %+v; the run recorded %+v", i+1, lines[i], want)
			}
			kinds[ev.Kind]++
		}
		for _, kind := range []EventKind{EventStart, EventRole, EventVote, EventTimeout, EventFollow, EventHeartbeat,
			EventSend, EventRecv, EventDrop, EventCrash, EventRestart, EventPartition, EventHeal, EventLoss} {
			if kinds[kind] == 0 {
				t.Errorf("the run recorded no %s event", kind)
			}
		}
		report, err := checkTrace(&trace)
		if err != nil || report.runs != 1 || report.events != len(lines) || len(report.violations) != 0 {
			t.Errorf("checkTrace = %+v, %v; want 1 run of %d events with no violation", report, err, len(lines))
		}
	})
}

// readTraceLines reads every line of a trace, failing the test at the
// first line the reader refuses.
func readTraceLines(t *testing.T, r io.Reader) []traceLine {
	t.Helper()
	var lines []traceLine
	reader := newTraceReader(r)
	for {
		line, err := reader.next()
		if err == io.EOF {
			return lines
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
}

// writeTrace writes events as a trace file and returns its path.
func writeTrace(t *testing.T, events []Event) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, ev := range events {
		if err := enc.Encode(newTraceLine(ev)); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "run.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckFlag(t *testing.T) {
	start := []Event{{Kind: EventStart, Nodes: 5}}
	safe := writeTrace(t, concat(start, electionEvents(1, 1, 2, 3)))
	twoLeaders := writeTrace(t, concat(start, electionEvents(1, 1, 2, 3), electionEvents(5, 1, 3, 4)))
	noStart := writeTrace(t, electionEvents(1, 1, 2, 3))
	garbage := filepath.Join(t.TempDir(), "garbage.jsonl")
	if err := os.WriteFile(garbage, []byte("{\"at_ms\": 1, \"event\": \"role\"\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		code int
		says string
	}{
		{safe, 0, "1 runs, 6 events, 0 safety violations."},
		{twoLeaders, 1, violationTwoLeaders},
		{noStart, 2, "before any start event"},
		{garbage, 2, "line 1"},
		{filepath.Join(t.TempDir(), "missing.jsonl"), 2, "no such file"},
	} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"-check", tc.path}, nil, &stdout, &stderr, nil)
		out := stdout.String() + stderr.String()
		if code != tc.code || !strings.Contains(out, tc.says) || (code == 2 && strings.Count(stderr.String(), "\n") != 1) {
			t.Errorf("-check %s: exit %d, output %q; want exit %d saying %q", filepath.Base(tc.path), code, out, tc.code, tc.says)
		}
	}
}

// go run . -scenario tour -trace FILE writes a trace of all four runs that
// -check then passes.
func TestTourTraceChecks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tour.jsonl")
	runOK(t, "-scenario", "tour", "-seed", "5", "-trace", path)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-check", path}, nil, &stdout, &stderr, nil); code != 0 || !strings.Contains(stdout.String(), "4 runs") {
		t.Errorf("-check of the tour's trace: exit %d, %q %q", code, stdout.String(), stderr.String())
	}
}
