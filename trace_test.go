// trace_test.go checks the JSON Lines trace: read back, it is the run,
// event for event; the safety checker passes it; and -check judges a trace
// file from the command line.

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
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
		c, events := startLoggedCluster(t, cfg)
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
			if want := newTraceLine(ev).withConfig(ev, cfg); !reflect.DeepEqual(lines[i], want) {
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
		{safe, 0, "1 run, 6 events, 0 safety violations."},
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

// hostileTraces are traces no run could have written, each with what
// -check's one line of error must say about it. They seed FuzzCheckTrace.
var hostileTraces = []struct {
	name, trace, says string
}{
	{"empty file", "", "no events"},
	{"blank lines only", "\n\n", "line 1: empty"},
	{"no start line", `{"at_ms":1,"node":1,"term":1,"event":"role","role":"leader"}`, "line 1: an event before any start"},
	{"voters outside the cluster", traceStart + `
{"at_ms":1,"node":1,"term":1,"event":"role","role":"candidate","voted_for":1}
{"at_ms":1,"node":7,"term":1,"event":"vote","voted_for":1,"candidate":1,"granted":true}
{"at_ms":1,"node":8,"term":1,"event":"vote","voted_for":1,"candidate":1,"granted":true}
{"at_ms":2,"node":1,"term":1,"event":"role","role":"leader","voted_for":1}`, `line 3: "node" is 7, not a node of this run's cluster of 3`},
	{"leader 42", traceStart + "\n" + `{"at_ms":1,"node":42,"term":1,"event":"role","role":"leader"}`, `line 2: "node" is 42`},
	{"negative node", traceStart + "\n" + `{"at_ms":1,"node":-1,"term":1,"event":"role","role":"leader"}`, `line 2: "node" is -1`},
	{"negative candidate", traceStart + "\n" + `{"at_ms":1,"node":1,"term":1,"event":"vote","candidate":-2,"granted":true}`, `"candidate" is -2`},
	{"a vote in term 0", traceStart + "\n" + `{"at_ms":0,"node":1,"event":"vote","candidate":1,"granted":true}`, `a vote event needs a "term" of 1 or more`},
	{"unknown event", traceStart + "\n" + `{"at_ms":1,"node":1,"term":1,"event":"coronation"}`, `line 2: unknown event "coronation"`},
	{"unknown role", traceStart + "\n" + `{"at_ms":1,"node":1,"term":1,"event":"role","role":"king"}`, `line 2: unknown role "king"`},
	{"role event without a role", traceStart + "\n" + `{"at_ms":1,"node":1,"term":1,"event":"role"}`, `needs a "role"`},
	{"unknown message", traceStart + "\n" + `{"at_ms":1,"node":1,"term":1,"event":"send","from":1,"to":2,"msg":"Bribe"}`, `unknown message "Bribe"`},
	{"unknown field", traceStart + "\n" + `{"at_ms":1,"node":1,"event":"crash","crown":true}`, `line 2: unknown field "crown"`},
	{"wrong type", traceStart + "\n" + `{"at_ms":1,"node":"one","event":"crash"}`, `line 2: "node" must be a whole number, not string`},
	{"negative term", traceStart + "\n" + `{"at_ms":1,"node":1,"term":-3,"event":"crash"}`, `"term" must be a whole number, 0 or more`},
	{"not an object", traceStart + "\n[1,2]", "line 2: not an object but array"},
	{"two objects on a line", traceStart + "\n" + `{"at_ms":1,"event":"heal"} {"at_ms":2,"event":"heal"}`, "line 2: more than one JSON value"},
	{"broken JSON", traceStart + "\n" + `{"at_ms":1,"event":"heal"` + "\n", "line 2: not JSON"},
	{"start of 0 nodes", `{"at_ms":0,"event":"start","nodes":0}`, "line 1: a start event needs \"nodes\""},
	{"start of 10 nodes", `{"at_ms":0,"event":"start","nodes":10}`, "1 to 9"},
	{"cluster event naming a node", traceStart + "\n" + `{"at_ms":1,"node":2,"event":"heal"}`, "concerns the whole cluster"},
	{"a node twice in a partition", traceStart + "\n" + `{"at_ms":1,"event":"partition","groups":[[1,2],[2,3]]}`, `"groups" names node 2`},
	{"time going backwards", traceStart + "\n" + `{"at_ms":5,"event":"heal"}` + "\n" + `{"at_ms":4,"event":"heal"}`, "line 3: at_ms 4 goes back in time"},
	{"negative time", traceStart + "\n" + `{"at_ms":-1,"event":"heal"}`, "line 2: at_ms -1 is not a time"},
	{"escape codes", traceStart + "\n" + `{"at_ms":1,"node":1,"event":"\u001b[2J\u001b]0;owned\u0007"}`, `unknown event "\x1b[2J`},
	{"raw escape codes", traceStart + "\n" + "{\"at_ms\":1,\"node\":1,\"event\":\"\x1b[2J\"}", `not JSON (invalid character '\x1b'`},
}

// traceStart is the start line of a 3-node run.
const traceStart = `{"at_ms":0,"event":"start","nodes":3,"reason":"seed 1"}`

// writeTraceText writes text as a trace file and returns its path.
func writeTraceText(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.jsonl")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A checker that can be fooled cannot grade a trace: every impossible
// trace gets exit code 2 and one line that names the fault and its line,
// in JSON's words, never Go's.
func TestCheckRefusesImpossibleTraces(t *testing.T) {
	for _, tc := range hostileTraces {
		var stdout, stderr bytes.Buffer
		code := run([]string{"-check", writeTraceText(t, tc.trace)}, nil, &stdout, &stderr, nil)
		line := stderr.String()
		if code != 2 || strings.Count(line, "\n") != 1 || !strings.Contains(line, tc.says) || stdout.Len() != 0 {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit 2 and one line saying %q",
				tc.name, code, line, stdout.String(), tc.says)
		}
		for _, goWord := range []string{"main.", "traceLine", "Go ", "int64", "uint64", "float64"} {
			if strings.Contains(line, goWord) {
				t.Errorf("%s: the error names Go's types: %q", tc.name, line)
			}
		}
	}
}

// What the trace format allows, -check accepts: the pre-candidate role,
// a cause on any event, and every role the program has.
func TestCheckAcceptsEveryRoleAndCause(t *testing.T) {
	for r := Follower; r <= Leader; r++ {
		if got, ok := roleNamed(r.String()); !ok || got != r {
			t.Errorf("role %s is not read back from a trace", r)
		}
	}
	path := writeTraceText(t, traceStart+"\n"+`{"at_ms":1,"node":2,"term":1,"event":"timeout","cause":"timed out"}`+"\n")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-check", path}, nil, &stdout, &stderr, nil); code != 0 {
		t.Errorf("a cause field: exit %d, %s", code, stderr.String())
	}
}

// A line longer than the reader's limit is named, with the limit, rather
// than reported as bufio's "token too long".
func TestCheckNamesAnOverlongLine(t *testing.T) {
	long := `{"at_ms":1,"event":"note","reason":"` + strings.Repeat("x", maxTraceLine) + `"}`
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check", writeTraceText(t, traceStart+"\n"+traceStart+"\n"+long+"\n")}, nil, &stdout, &stderr, nil)
	want := fmt.Sprintf("line 3 is longer than %d bytes", maxTraceLine)
	if code != 2 || !strings.Contains(stderr.String(), want) {
		t.Errorf("exit %d, %q; want exit 2 saying %q", code, stderr.String(), want)
	}
}

// A trace whose last line stops partway, as a full disk leaves it, is
// checked up to that line and reported as cut short, not as malformed; a
// byte-order mark before the first line is not an error.
func TestCheckReadsACutTraceAndAByteOrderMark(t *testing.T) {
	whole := traceStart + "\n" + `{"at_ms":1,"node":2,"term":1,"event":"timeout","cause":"timed out"}` + "\n"
	for _, tc := range []struct {
		name, text, says string
	}{
		{"cut short", whole + `{"at_ms":2,"node":3,"te`, "The trace is cut short: line 3 stops partway"},
		{"a byte-order mark", "\uFEFF" + whole, "1 run, 2 events, 0 safety violations"},
	} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"-check", writeTraceText(t, tc.text)}, nil, &stdout, &stderr, nil)
		if code != 0 || !strings.Contains(unwrapped(stdout.String()), tc.says) {
			t.Errorf("%s: exit %d, %q %q; want exit 0 saying %q", tc.name, code, stdout.String(), stderr.String(), tc.says)
		}
	}
}

// endlessTrace generates a safe trace of one run, heartbeat after
// heartbeat, as many lines as asked, without holding it in memory. Now and
// then it notes the heap in use, to tell how much its reader holds.
type endlessTrace struct {
	lines, sent int
	pending     []byte
	mostHeap    uint64
}

func (e *endlessTrace) Read(p []byte) (int, error) {
	for len(e.pending) == 0 {
		switch {
		case e.sent == e.lines:
			return 0, io.EOF
		case e.sent == 0:
			e.pending = []byte(traceStart + "\n")
		default:
			e.pending = fmt.Appendf(nil, `{"at_ms":%d,"node":1,"term":1,"event":"heartbeat","reason":"a round of AppendEntries to every peer"}`+"\n", e.sent)
		}
		e.sent++
		if e.sent%20000 == 0 {
			var stats runtime.MemStats
			runtime.ReadMemStats(&stats)
			e.mostHeap = max(e.mostHeap, stats.HeapAlloc)
		}
	}
	n := copy(p, e.pending)
	e.pending = e.pending[n:]
	return n, nil
}

// -check reads a trace as a stream: the heap stays small however long
// the trace, here 300,000 lines (35 MB), which the whole-file reader held
// at several times their size.
func TestCheckStreamsInConstantMemory(t *testing.T) {
	// The heap is the whole test binary's: start from what earlier tests
	// left alive, not from their garbage.
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	trace := &endlessTrace{lines: shortOr(300000, 100000)}
	report, err := checkTrace(trace)
	if err != nil || report.events != trace.lines {
		t.Fatalf("checkTrace = %+v, %v; want %d events", report, err, trace.lines)
	}
	if limit := before.HeapAlloc + 32<<20; trace.mostHeap > limit {
		t.Errorf("the heap reached %d MB while checking, from %d MB; want under %d MB",
			trace.mostHeap>>20, before.HeapAlloc>>20, limit>>20)
	}
}

// Text from a trace file never reaches the terminal raw: control
// characters in it, escape codes above all, are escaped wherever -check
// prints them, in its errors and its violations.
func TestCheckEscapesControlCharacters(t *testing.T) {
	backwards := traceStart + "\n" +
		`{"at_ms":1,"node":1,"term":5,"event":"timeout"}` + "\n" +
		`{"at_ms":2,"node":1,"term":4,"event":"\u001b[31mtimeout\u001b[0m"}` + "\n"
	escapedName := filepath.Join(t.TempDir(), "run\x1b[2J.jsonl")
	if err := os.WriteFile(escapedName, []byte(traceStart+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{writeTraceText(t, backwards), escapedName} {
		var stdout, stderr bytes.Buffer
		run([]string{"-check", path}, nil, &stdout, &stderr, nil)
		if out := stdout.String() + stderr.String(); strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("-check printed a raw control character: %q", out)
		}
	}
	if got, want := escapeControl("a\x1b[2Jb\u202e\xff\tc é"), `a\x1b[2Jb\u202e\xff\tc é`; got != want {
		t.Errorf("escapeControl = %q, want %q", got, want)
	}
}

// FuzzCheckTrace feeds the checker any text: it must never panic, must
// refuse what it cannot read with one line that names the line and holds
// no control character, and must count what it accepts. The seeds are the
// hostile traces above and real ones; go test runs them as a unit test.
func FuzzCheckTrace(f *testing.F) {
	for _, tc := range hostileTraces {
		f.Add(tc.trace)
	}
	var safe bytes.Buffer
	enc := json.NewEncoder(&safe)
	for _, ev := range concat([]Event{{Kind: EventStart, Nodes: 5}}, electionEvents(1, 1, 2, 3),
		[]Event{{Kind: EventPartition, Groups: [][]int{{1, 2}, {3, 4, 5}}}, {Kind: EventSend, Node: 1, From: 1, To: 2, Msg: AppendEntries{}}}) {
		if err := enc.Encode(newTraceLine(ev)); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(safe.String())
	f.Fuzz(func(t *testing.T, text string) {
		report, err := checkTrace(strings.NewReader(text))
		if err != nil {
			line := escapeControl(err.Error())
			if strings.ContainsAny(line, "\n\r\x1b") || !strings.Contains(line, "line ") && !strings.Contains(line, "no events") {
				t.Errorf("error %q is not one line naming a line", line)
			}
			return
		}
		if report.runs < 1 || report.events < report.runs {
			t.Errorf("accepted with %d runs and %d events", report.runs, report.events)
		}
	})
}

// -replay plays a trace's runs again, exactly: the trace it writes is the
// one it read, byte for byte, for scenarios (the log's client among them)
// and for a piped console session with puts and a crash.
func TestReplayGivesTheSameTrace(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		stdin string
	}{
		{[]string{"-scenario", "tour", "-seed", "7"}, ""},
		{[]string{"-scenario", "client", "-seed", "3"}, ""},
		{[]string{"-interactive", "-seed", "3"}, "wait 1s\nput x 1\ncrash leader\nput x 2\nget x\nquit\n"},
	} {
		dir := t.TempDir()
		recorded, replayed := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
		for _, args := range [][]string{
			append(tc.args, "-quiet", "-trace", recorded),
			{"-replay", recorded, "-quiet", "-trace", replayed},
		} {
			if slices.Contains(args, "-interactive") {
				args = slices.DeleteFunc(args, func(a string) bool { return a == "-quiet" })
			}
			var stdout, stderr bytes.Buffer
			synctest.Test(t, func(t *testing.T) {
				if code := run(args, strings.NewReader(tc.stdin), &stdout, &stderr, noInterrupts); code != 0 {
					t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
				}
			})
		}
		a, errA := os.ReadFile(recorded)
		b, errB := os.ReadFile(replayed)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%q: the replay's trace (%d bytes) differs from the recording's (%d bytes)", tc.args, len(b), len(a))
		}
	}
}

// -check finds what the live checker finds, a term that goes backwards
// among them, and goes on to find what the events after it show: one
// finding hides nothing.
func TestCheckFindsEveryViolation(t *testing.T) {
	trace := traceStart + "\n" +
		`{"at_ms":1,"node":1,"term":5,"event":"timeout"}` + "\n" +
		`{"at_ms":2,"node":1,"term":4,"event":"vote","candidate":2,"granted":true,"voted_for":2}` + "\n" +
		`{"at_ms":3,"node":1,"term":4,"event":"vote","candidate":3,"granted":true,"voted_for":3}` + "\n"
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check", writeTraceText(t, trace)}, nil, &stdout, &stderr, nil)
	out := stdout.String()
	if code != exitViolation || !strings.Contains(out, violationTermBackwards) || !strings.Contains(out, violationDoubleVote) {
		t.Errorf("exit %d, %s%s; want exit 1, a term that went backwards and then a second vote", code, out, stderr.String())
	}
}
