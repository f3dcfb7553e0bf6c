// main.go is the command line: it reads the flags (flags.go), opens the
// outputs, and hands the run to its mode: the stories (tell.go), the
// console (interactive.go), the page (web.go), a node process or a
// cluster of them (process.go), a replay (replay.go), -check (check.go)
// or -experiment (figure16.go). Run it with `go run .`; `go run . -h`
// lists the flags.

package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/fatih/color"
	"golang.org/x/term"
)

func main() {
	// A closed pipe on standard output is then a write error, which run
	// reports with its own exit code, instead of a silent death by SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(run(os.Args[1:], os.Stdin, color.Output, os.Stderr, interruptOnce))
}

// run is the program with its arguments, its input and outputs, and a way
// to hear Ctrl-C and SIGTERM (nil: never). It returns the exit code, one
// of output.go's exit constants:
//
//	0 exitSafe       a safe run or trace, or -h
//	1 exitViolation  the safety checker found a violation
//	2 exitUsage      flags it cannot use, or a trace it cannot open or read
//	3 exitOutput     the trace or standard output could not be written
//	4 exitInternal   a panic, recovered: a bug, reported in one line
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, interrupts func() <-chan os.Signal) (code int) {
	defer reportPanic(stderr, &code)
	opts, chosen, err := parseOptions(args)
	help := errors.Is(err, flag.ErrHelp)
	if err != nil && !help {
		fmt.Fprintf(stderr, "raft: %s (go run . -h lists the flags)\n", escapeControl(abridge(err.Error(), mostTyped)))
		return exitUsage
	}
	color.NoColor = colorOff(opts, stdout)
	opts.watched = stdout == color.Output && term.IsTerminal(int(os.Stdout.Fd()))
	var trace io.Writer // stays a nil interface without -trace
	if opts.tracePath == "-" {
		// As "-" means in every Unix tool: the trace goes to standard
		// output, and what a person reads to standard error.
		trace, stdout, opts.watched = stdout, stderr, false
	}
	out := newAsyncWriter("standard output", stdout)
	defer closeOutput(out, stderr, &code)
	switch {
	case help:
		printUsage(out, terminalWidth())
		return exitSafe
	case len(opts.checkMore) > 0:
		return checkMergedTraceFiles(append([]string{opts.checkPath}, opts.checkMore...), out, stderr)
	case opts.checkPath != "":
		return checkTraceFile(opts.checkPath, out, stderr)
	case opts.lab != "":
		return labMode(makeLab(opts.lab, opts.labDirs[0], out), stderr)
	case opts.grade:
		return labMode(gradeCopies(opts.labDirs, out), stderr)
	case opts.labDiff != "":
		return labMode(labDiff(opts.labDiff, opts, chosen, out), stderr)
	}
	if opts.tracePath != "" && opts.tracePath != "-" {
		file, err := openTrace(opts.tracePath, opts.node > 0)
		if err != nil {
			fmt.Fprintf(stderr, "raft: -trace: %s\n", escapeControl(err.Error()))
			return exitUsage
		}
		defer closeTraceFile(file, stderr, &code)
		trace = file
	}
	var interrupt <-chan os.Signal
	if interrupts != nil {
		interrupt = interrupts()
	}
	return perform(opts, chosen, stdin, out, trace, interrupt, stderr)
}

// perform runs what opts ask for: an experiment, a console, or the chosen
// scenarios. Standard output and the trace (nil: none) get a queue each,
// so no node waits on them; an interrupt, or a failure of either output,
// stops the run early, and what happened so far is still printed.
func perform(opts options, chosen []scenario, stdin io.Reader, out *asyncWriter, traceDest io.Writer,
	interrupt <-chan os.Signal, stderr io.Writer) (code int) {
	var trace *asyncWriter
	if traceDest != nil {
		trace = newAsyncWriter("the trace", traceDest)
		defer closeOutput(trace, stderr, &code)
		opts.cfg.Trace = trace
	}
	stop := watchRun(interrupt, out.Failed(), trace.Failed())
	defer stop.end()
	onScreen := opts.console && onTerminal(stdin)
	cfg := opts.cfg
	cfg.Timing = timingFor(opts, onScreen)
	if !opts.quiet {
		cfg.Log, cfg.LogWidth = logOutput(out, cfg.Timing), terminalWidth()
	}
	switch {
	case opts.experiment:
		return experiment(opts, out, stop)
	case opts.node > 0:
		return runNode(cfg, opts, stdin, out, stderr, stop)
	case opts.processes > 0:
		return runProcesses(opts, stdin, out, stderr, stop)
	case opts.web != "":
		cfg.Timing = Paced
		return webView(cfg, webOptions{addr: opts.web, stories: chosen, lesson: opts.lesson, recorded: opts.recorded}, stdin, out, stderr, stop)
	case opts.replayPath != "":
		return replay(opts.replayPath, cfg, out, stderr, stop)
	case onScreen:
		return interactiveOnTerminal(cfg, out, stop.abortSignal)
	case opts.console:
		return interactive(cfg, stdin, out, terminalWidth(), stop.abortSignal)
	}
	return tell(cfg, chosen, opts, out, stop)
}

// timingFor chooses the engine for a run: goroutines on the wall clock
// with -realtime; else the lockstep engine, paced for a person who
// watches (a console on a terminal, a log on one, or -slow asked for), and
// unpaced, as fast as the CPU goes, for output that nobody watches as it
// is written (-quiet, a file, a pipe). Paced or not, the same flags tell
// the same story.
func timingFor(opts options, onScreen bool) Timing {
	switch {
	case opts.realtime, opts.node > 0:
		return RealTime
	case onScreen, opts.slowGiven, opts.watched && !opts.quiet:
		return Paced
	}
	return Unpaced
}

// logOutput is where the log goes: standard output's queue. In lockstep a
// log line that finds the queue full waits for room, which delays the
// run but cannot change it. In RealTime waiting would stall the nodes and
// change the run, so a line that finds no room is dropped and counted.
func logOutput(out *asyncWriter, timing Timing) io.Writer {
	if timing == RealTime {
		return out.lossy()
	}
	return out
}

// openTrace creates the trace file, or with keep adds to it (a node's
// process adds each incarnation's run to the trace of those before), and
// tests it with an empty write, so that a path that cannot take a trace
// is refused before the run. A named pipe must already have a reader: the
// run does not wait for one.
func openTrace(path string, keep bool) (*os.File, error) {
	mode := os.O_TRUNC
	if keep {
		mode = os.O_APPEND
	}
	if keep {
		if err := dropPartialLine(path); err != nil {
			return nil, err
		}
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|mode|syscall.O_NONBLOCK, 0o666)
	if errors.Is(err, syscall.ENXIO) {
		return nil, fmt.Errorf("%s is a named pipe that nobody reads yet; start its reader first", path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := file.Write(nil); err != nil {
		file.Close()
		return nil, fmt.Errorf("cannot write to %s: %v", path, errors.Unwrap(err))
	}
	return file, nil
}

// dropPartialLine cuts off the end of the file at path after its last
// newline, if any: the line a killed process was writing, which the next
// one must not run on from. A file that is not there, or not a regular
// file (a pipe), is left so.
func dropPartialLine(path string) error {
	if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
		return nil // a path that cannot be opened is refused by the opening
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if whole := bytes.LastIndexByte(data, '\n') + 1; whole < len(data) {
		return os.Truncate(path, int64(whole))
	}
	return nil
}

// closeOutput writes out what w still holds and ends its goroutine. If w
// failed, and the run has no worse news, it says so and sets the exit code.
func closeOutput(w *asyncWriter, stderr io.Writer, code *int) {
	if err := w.Close(); err != nil && *code <= exitViolation {
		fmt.Fprintf(stderr, "raft: %s\n", escapeControl(err.Error()))
		*code = exitOutput
	}
}

// closeTraceFile closes the trace file, and reports a failure as
// closeOutput does.
func closeTraceFile(file *os.File, stderr io.Writer, code *int) {
	if err := file.Close(); err != nil && *code <= exitViolation {
		fmt.Fprintf(stderr, "raft: writing the trace: %s\n", escapeControl(err.Error()))
		*code = exitOutput
	}
}

// noColorAtStart is fatih/color's verdict on the process's own standard
// output, before any run changes it: no color unless it is a terminal,
// and none with NO_COLOR set.
var noColorAtStart = color.NoColor

// colorOff reports whether a run writes no color codes: none with
// -no-color, always with -color, and otherwise as fatih/color judged the
// process's standard output; none to any other writer.
func colorOff(opts options, stdout io.Writer) bool {
	switch {
	case opts.forceColor:
		return false
	case opts.noColor:
		return true
	}
	return stdout != color.Output || noColorAtStart
}

// reportPanic, deferred by run, turns a panic of run's goroutine into one
// line that asks for a bug report, and exit code 4.
func reportPanic(stderr io.Writer, code *int) {
	if p := recover(); p != nil {
		fmt.Fprintln(stderr, escapeControl(internalError(p)))
		*code = exitInternal
	}
}
