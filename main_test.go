// main_test.go checks the command line as a user meets it: flags it cannot
// use get one line and exit code 2, -h prints usage, and every scenario,
// with any network, tells its story and ends by itself. Scenarios run in
// synctest bubbles, so their seconds of pauses pass in virtual time.

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"
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
		{[]string{"-break", ""}, "-break"},
		{[]string{"-break", "stale-read", "-log-reads"}, "-log-reads every read is a log entry"},
		{[]string{"-nodes", "0x5"}, "-nodes"},
		{[]string{"-scenario", strings.Repeat("x", 130000)}, "more bytes"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, nil, &stdout, &stderr, nil)
		line := stderr.String()
		if code != 2 || strings.Count(line, "\n") != 1 || len(line) > 1000 || !strings.Contains(line, tc.says) || stdout.Len() != 0 {
			t.Errorf("%.200q: exit %d, stderr %.300q, stdout %d bytes; want exit 2 and one short line naming %q",
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

// The log reads as documented. This is the one test that pins the log's
// wording; every other test asserts on events, causes and state, so that
// rewording a sentence of the log breaks this test alone. Every block the
// README and docs/ quote of a run is what that run prints now
// (checkQuotedBlocks, in docs_test.go), and the tour tells each
// scenario's story: the narration of each outcome appears, in order,
// followed by a summary.
func TestTheLogReadsAsDocumented(t *testing.T) {
	checkQuotedBlocks(t)
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

// Every scenario, on the smallest cluster and the largest it allows, and
// on a slow, lossy network too, ends by itself with a summary.
func TestEveryScenarioEnds(t *testing.T) {
	for _, sc := range scenarios {
		for _, n := range []int{max(sc.minNodes, 3), mostNodes}[:shortOr(2, 1)] {
			if !sc.fits(n) {
				continue
			}
			nodes := strconv.Itoa(n)
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

// Flags a mode would ignore, empty file names, durations below what a
// machine keeps, and combinations that would run for more than longestRun
// get one line and exit code 2. Inside a bubble, so that a run the program
// wrongly accepted would pass in virtual time.
func TestFlagsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		says, not string
	}{
		{[]string{"-check", "x.jsonl", "-trace", "y.jsonl"}, "-trace does not apply to -check", ""},
		{[]string{"-check", "x.jsonl", "-nodes", "3"}, "-nodes does not apply to -check", ""},
		{[]string{"-check", "x.jsonl", "-scenario", "tour"}, "-scenario does not apply to -check", ""},
		{[]string{"-check", "x.jsonl", "-slow", "2"}, "-slow does not apply to -check", ""},
		{[]string{"-check", "x.jsonl", "-break", "vote-twice"}, "-break does not apply to -check", ""},
		{[]string{"-check", ""}, "-check needs the name of a trace file", ""},
		{[]string{"-trace", ""}, "-trace needs the name of a file", ""},
		{[]string{"-nodes", "0"}, "-nodes must be between 1 and 9, not 0", ""},
		{[]string{"-heartbeat", "0.5ns"}, "-heartbeat must be at least 1ms", "0s"},
		{[]string{"-heartbeat", "1ns"}, "-heartbeat must be at least 1ms", ""},
		{[]string{"-timeout-min", "500us", "-heartbeat", "100us"}, "-timeout-min must be at least 1ms", ""},
		{[]string{"-heartbeat", "100ms", "-timeout-min", "50ms"}, "-heartbeat must be shorter than -timeout-min (50ms)", "ElectionTimeoutMin"},
		{[]string{"-slow", "0"}, "-slow must be between 1 and 100, not 0", ""},
		{[]string{"-slow", "100", "-scenario", "tour"}, "over the 5m0s limit", ""},
		{[]string{"-nodes", "9", "-latency", "10s", "-slow", "100"}, "over the 5m0s", ""},
		{[]string{"-latency", "10s"}, "-scenario crash could take 5m14s", ""},
		{[]string{"-timeout-min", "10s", "-timeout-max", "10s"}, "over the 5m0s", ""},
		{[]string{"-experiment", "-trials", "100000"}, "-trials must be from 1 to 5000", ""},
	} {
		var stdout, stderr bytes.Buffer
		code := -1
		synctest.Test(t, func(t *testing.T) { code = run(tc.args, nil, &stdout, &stderr, nil) })
		line := stderr.String()
		if code != 2 || strings.Count(line, "\n") != 1 || !strings.Contains(line, tc.says) ||
			tc.not != "" && strings.Contains(line, tc.not) || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %d bytes; want exit 2 and one line saying %q",
				tc.args, code, line, stdout.Len(), tc.says)
		}
	}
}

// Every scenario, on any network, ends within the time the flags allow
// it, longest, which parseOptions holds under longestRun; slow motion
// stretches both alike.
func TestEveryScenarioEndsWithinItsBound(t *testing.T) {
	for _, sc := range scenarios {
		for _, network := range [][]string{nil, {"-drop", "0.95"}, {"-latency", "400ms", "-drop", "0.5"}, {"-slow", "3"}} {
			args := append([]string{"-scenario", sc.name, "-seed", "2", "-quiet"}, network...)
			opts, chosen, err := parseOptions(args)
			if err != nil {
				t.Fatalf("%q: %v", args, err)
			}
			bound := chosen[0].longest(opts.cfg)
			var took time.Duration
			synctest.Test(t, func(t *testing.T) {
				started := time.Now()
				if code := run(args, nil, io.Discard, io.Discard, nil); code != 0 {
					t.Errorf("%q: exit %d", args, code)
				}
				took = time.Since(started)
			})
			if took > bound || bound > longestRun {
				t.Errorf("%q took %s; its bound is %s, and every run's is %s", args, took, bound, longestRun)
			}
		}
	}
}

// interruptAfter stands for a user who presses Ctrl-C once, after d.
func interruptAfter(d time.Duration) func() <-chan os.Signal {
	return func() <-chan os.Signal {
		interrupt := make(chan os.Signal, 1)
		go func() {
			time.Sleep(d)
			interrupt <- os.Interrupt
		}()
		return interrupt
	}
}

// Ctrl-C in the middle of a tour stops it at once, and leaves a trace of
// whole lines that -check passes, and the picture and the summary of the
// run until then; the exit code is that of a run that ended by itself.
func TestInterruptLeavesACompleteRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tour.jsonl")
	var stdout, stderr bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		started := time.Now()
		code := run([]string{"-scenario", "tour", "-seed", "3", "-slow", "1", "-no-color", "-trace", path}, nil, &stdout, &stderr,
			interruptAfter(700*time.Millisecond))
		if took := time.Since(started); code != 0 || took != 700*time.Millisecond {
			t.Errorf("exit %d after %s; Ctrl-C came at 700ms: %s", code, took, stderr.String())
		}
	})
	out := stdout.String()
	// The run's clock shows its last event before the interrupt: a
	// heartbeat round, at most one interval before 700 ms.
	if !regexp.MustCompile(`Interrupted at (6[5-9]\d|700)\.\d ms`).MatchString(out) || !strings.Contains(out, "Summary") || strings.Contains(out, "Scenario 2 of 4") {
		t.Errorf("the output should end with the picture and summary of scenario 1:\n%s", out)
	}
	trace, err := os.ReadFile(path)
	if err != nil || !bytes.HasSuffix(trace, []byte("\n")) {
		t.Fatalf("the trace does not end with a whole line (%v)", err)
	}
	var checked bytes.Buffer
	if code := run([]string{"-check", path}, nil, &checked, &stderr, nil); code != 0 || !strings.Contains(checked.String(), "1 run,") {
		t.Errorf("-check of the interrupted trace: exit %d, %s %s", code, checked.String(), stderr.String())
	}
}

// Ctrl-C during -experiment starts no more trials, and prints the figures
// of those that finished. Trials run in simulated time, taking none of the
// bubble's: the Ctrl-C is there from the start.
func TestInterruptStopsTheExperiment(t *testing.T) {
	var stdout, stderr bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		code := run([]string{"-experiment", "-trials", "100", "-seed", "1"}, nil, &stdout, &stderr,
			interruptAfter(0))
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	})
	out := stdout.String()
	var trials int
	if row := regexp.MustCompile(`150–150 ms +(\d+)`).FindStringSubmatch(out); row != nil {
		trials, _ = strconv.Atoi(row[1])
	}
	if !strings.Contains(out, "Interrupted: the figures count only the trials that had finished.") ||
		!strings.Contains(out, "Figure 16, bottom") || trials >= 100 {
		t.Errorf("the interrupted experiment printed:\n%s", out)
	}
}

// SIGTERM and SIGHUP (a closed terminal window) are heard like Ctrl-C.
func TestSIGTERMAndSIGHUPAreHeard(t *testing.T) {
	for _, sent := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		heard := catchSignals(func(os.Signal, string) {}) // the grace after SIGTERM ends nothing here
		if err := syscall.Kill(os.Getpid(), sent); err != nil {
			t.Fatal(err)
		}
		select {
		case sig := <-heard:
			if sig != sent {
				t.Errorf("sent %v, heard %v", sent, sig)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v was not heard", sent)
		}
	}
}

// Whatever a run does after the first signal, a second one ends the
// process at once, and a SIGTERM ends it within termGrace: the exit is
// called with the signal that ends it, and a line that says why.
func TestASecondSignalOrSIGTERMEndsTheProcess(t *testing.T) {
	for _, tc := range []struct {
		signals []os.Signal
		after   time.Duration // from the first signal to the exit
		ended   os.Signal
		why     string
	}{
		{[]os.Signal{os.Interrupt, os.Interrupt}, 0, os.Interrupt, "second signal (Ctrl-C, SIGINT)"},
		{[]os.Signal{syscall.SIGHUP, syscall.SIGTERM}, 0, syscall.SIGTERM, "second signal (SIGTERM)"},
		{[]os.Signal{syscall.SIGTERM}, termGrace, syscall.SIGTERM, "did not end within 1s of SIGTERM"},
		{[]os.Signal{os.Interrupt}, -1, nil, ""}, // one Ctrl-C waits for the run, however long
	} {
		synctest.Test(t, func(t *testing.T) {
			type exit struct {
				sig   os.Signal
				why   string
				after time.Duration
			}
			caught, first, exits := make(chan os.Signal, 2), make(chan os.Signal, 1), make(chan exit, 1)
			start := time.Now()
			go escalate(caught, first, func(sig os.Signal, why string) { exits <- exit{sig, why, time.Since(start)} })
			for _, sig := range tc.signals {
				caught <- sig
			}
			time.Sleep(time.Hour)
			if sig := <-first; sig != tc.signals[0] {
				t.Errorf("%v: the run heard %v first", tc.signals, sig)
			}
			select {
			case got := <-exits:
				if tc.ended == nil || got.sig != tc.ended || got.after != tc.after || !strings.Contains(got.why, tc.why) {
					t.Errorf("%v: exit by %v after %s (%s); want %v after %s (%s)", tc.signals, got.sig, got.after, got.why, tc.ended, tc.after, tc.why)
				}
			default:
				if tc.ended != nil {
					t.Errorf("%v: no exit within an hour", tc.signals)
				}
				caught <- os.Interrupt // the second Ctrl-C, which ends escalate
				<-exits
			}
		})
	}
}

// A pseudo-terminal with no window size reports 0 by 0; the console and
// the log then take 80 by 24, not a screen one column wide.
func TestScreenWithNoSizeIs80By24(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	defer ptmx.Close()
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Fatal(errno)
	}
	var number uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&number))); errno != 0 {
		t.Fatal(errno)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", number), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer pts.Close()
	if width, height := screenSize(int(pts.Fd())); width != 80 || height != 24 {
		t.Errorf("a terminal of no size is taken as %d by %d", width, height)
	}
}

// A trace that cannot be written is refused before the run starts, in
// one line, with exit code 2; a named pipe that nobody reads is not waited
// for.
func TestUnwritableTraceIsRefusedFirst(t *testing.T) {
	pipe := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, says := range map[string]string{
		"/proc/version":      "cannot write to /proc/version",
		"/nonexistent/dir/x": "no such file or directory",
		t.TempDir():          "is a directory",
		pipe:                 "nobody reads",
	} {
		var stdout, stderr bytes.Buffer
		code := -1
		synctest.Test(t, func(t *testing.T) { code = run([]string{"-trace", path, "-seed", "1"}, nil, &stdout, &stderr, nil) })
		if line := stderr.String(); code != 2 || strings.Count(line, "\n") != 1 || !strings.Contains(line, says) || stdout.Len() != 0 {
			t.Errorf("-trace %s: exit %d, stderr %q, stdout %d bytes; want exit 2 before the run, saying %q",
				path, code, line, stdout.Len(), says)
		}
	}
}

// Standard output that fails, full or closed, stops the run at once: one
// line on standard error, and exit code 3, never 0.
func TestFailedStdoutStopsTheRun(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	defer full.Close()
	reader, closedPipe, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	reader.Close()
	defer closedPipe.Close()
	for _, tc := range []struct {
		stdout io.Writer
		says   string
	}{
		{&failingWriter{limit: 2000}, "writing standard output: the disk is full"},
		{full, "no space left on device"},
		{closedPipe, "broken pipe"},
	} {
		var stderr bytes.Buffer
		synctest.Test(t, func(t *testing.T) {
			started := time.Now()
			code := run([]string{"-scenario", "tour", "-seed", "3"}, nil, tc.stdout, &stderr, nil)
			if line := stderr.String(); code != 3 || strings.Count(line, "\n") != 1 || !strings.Contains(line, tc.says) {
				t.Errorf("exit %d, stderr %q; want exit 3 and one line saying %q", code, line, tc.says)
			}
			if took := time.Since(started); took > time.Second {
				t.Errorf("the tour went on for %s after its output failed", took)
			}
		})
	}
}

// A trace that fails during the run stops it the same way.
func TestFailedTraceStopsTheRun(t *testing.T) {
	opts, chosen, err := parseOptions([]string{"-scenario", "tour", "-seed", "3"})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		out := newAsyncWriter("standard output", &stdout)
		started := time.Now()
		code := perform(opts, chosen, nil, out, &failingWriter{limit: 5000}, nil, &stderr)
		closeOutput(out, &stderr, &code)
		if line := stderr.String(); code != 3 || strings.Count(line, "\n") != 1 || !strings.Contains(line, "writing the trace: the disk is full") {
			t.Errorf("exit %d, stderr %q; want exit 3 and one line about the trace", code, line)
		}
		if took := time.Since(started); took > time.Second || strings.Contains(stdout.String(), "Scenario 2 of 4") {
			t.Errorf("the tour went on for %s after its trace failed", took)
		}
	})
}

// The nodes never wait on standard output. With a terminal that takes
// nothing at all, the scenario still runs to its end on time, as its
// trace shows; the run then gives up on the terminal, with exit code 3.
// Once the terminal lets go, the queue's goroutine ends too: synctest
// fails the test if any goroutine is left.
func TestStuckStdoutDoesNotStopTheNodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.jsonl")
	var stderr bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		stuck := newStuckWriter() // its channel belongs to the bubble
		code := run([]string{"-scenario", "crash", "-seed", "2", "-trace", path}, nil, stuck, &stderr, nil)
		if code != 3 || !strings.Contains(stderr.String(), "writing standard output: it accepted nothing for 5s") {
			t.Errorf("exit %d, stderr %q", code, stderr.String())
		}
		close(stuck.release)
	})
	trace, _ := os.ReadFile(path)
	if !bytes.Contains(trace, []byte("rejoined as a follower")) {
		t.Errorf("the scenario did not run to its end:\n%s", trace)
	}
}

// In lockstep, a terminal that stalls now and then delays the run and
// changes nothing: a paced tour written to a stalling terminal prints the
// same log and writes the same trace as one written to a fast one.
func TestStallingStdoutDelaysTheStory(t *testing.T) {
	dir := t.TempDir()
	outputs := map[string]string{}
	for name, w := range map[string]interface {
		io.Writer
		String() string
	}{"stalling": &stallingWriter{stall: 3 * time.Second}, "fast": &bytes.Buffer{}} {
		var stderr bytes.Buffer
		path := filepath.Join(dir, name+".jsonl")
		synctest.Test(t, func(t *testing.T) {
			args := []string{"-scenario", "tour", "-seed", "3", "-slow", "1", "-v", "-no-color", "-trace", path}
			if code := run(args, nil, w, &stderr, nil); code != 0 {
				t.Errorf("%s: exit %d: %s", name, code, stderr.String())
			}
		})
		outputs[name] = w.String() + string(readFileOrFail(t, path))
	}
	if outputs["stalling"] != outputs["fast"] {
		t.Error("a stalling terminal changed the log or the trace")
	}
}

// With -realtime, a terminal that stalls now and then loses log lines,
// and says how many, rather than slowing the protocol: the tour's first
// election still happens in term 1 alone, as it does with a fast
// terminal, and the run ends with its picture and summary.
func TestStallingStdoutLosesLinesNotTimeInRealTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tour.jsonl")
	stalling := &stallingWriter{stall: 3 * time.Second}
	var stderr bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		args := []string{"-realtime", "-scenario", "tour", "-seed", "3", "-v", "-heartbeat", "10ms", "-no-color", "-trace", path}
		if code := run(args, nil, stalling, &stderr, nil); code != 0 {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	})
	out := stalling.got.String()
	if !strings.Contains(out, "(standard output fell behind: ") || !strings.Contains(out[len(out)*9/10:], "Safety violations: none.") {
		t.Errorf("the output does not say it dropped lines, or lacks the end:\n%s", out[len(out)*9/10:])
	}
	runs := strings.Split(string(readFileOrFail(t, path)), `"event":"start"`)
	if len(runs) != 5 || strings.Contains(runs[1], `"term":2,`) {
		t.Error("the first scenario needed a second term: the slow terminal held the nodes back")
	}
}

// readFileOrFail returns the contents of path.
func readFileOrFail(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A panic is a bug: one line asks for a report, with exit code 4, not 2,
// and no stack trace.
func TestPanicIsReportedAsABug(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := -1
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("run let a panic through: %v", p)
			}
		}()
		code = run([]string{"-seed", "1"}, nil, &stdout, &stderr, func() <-chan os.Signal { panic("a bug\nwith two lines") })
	}()
	if line := stderr.String(); code != 4 || strings.Count(line, "\n") != 1 || !strings.Contains(line, "please report it") {
		t.Errorf("exit %d, stderr %q; want exit 4 and one line asking for a bug report", code, line)
	}
}
