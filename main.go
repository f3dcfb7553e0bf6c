// main.go is the command line: it reads the flags into a Config, plays the
// chosen scenario (scenarios.go) on a Cluster (cluster.go) while the colored
// log scrolls, and ends with a summary of every term. Run it with `go run .`;
// `go run . -h` lists the flags.

package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fatih/color"
	"golang.org/x/term"
)

func main() {
	// A closed pipe on standard output is then a write error, which run
	// reports with its own exit code, instead of a silent death by SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(run(os.Args[1:], os.Stdin, color.Output, os.Stderr, interruptOnce))
}

// options is what the flags ask for.
type options struct {
	cfg        Config
	scenario   string
	heartbeats bool
	verbose    bool
	quiet      bool
	noColor    bool
	forceColor bool // -color: color even when output is not a terminal
	seedGiven  bool
	tracePath  string   // -trace: where to write the trace
	checkPath  string   // -check: a trace to check instead of running
	checkMore  []string // -check: the traces of the other processes of a cluster, to check with it as one
	experiment bool     // -experiment: measure elections instead of telling a story
	trials     int      // -experiment: trials per range of timeouts
	console    bool     // -interactive: take commands from standard input
	realtime   bool     // -realtime: goroutines on the wall clock instead of the engine
	replayPath string   // -replay: a trace whose runs to play again
	watched    bool     // standard output is a terminal: someone watches the run as it goes
	slowGiven  bool     // -slow was given: pace the run, whoever watches
	web        string   // -web: the address to serve the live view at
	recorded   []recordedRun
	node       int            // -node: run this node of a cluster of processes (process.go)
	peers      string         // -peers: every node's address, as typed
	addrs      map[int]string // -peers, read
	dataDir    string         // -data: where the node keeps its state
	key        string         // -key: the cluster's shared key
	processes  int            // -processes: start a cluster of this many node processes
	nodeArgs   []string       // -processes: the flags given that each node takes too
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
		return runNode(cfg, opts, out, stderr, stop)
	case opts.processes > 0:
		return runProcesses(opts, stdin, out, stderr, stop)
	case opts.web != "":
		cfg.Timing = Paced
		return webView(cfg, webOptions{addr: opts.web, scenario: only(chosen), recorded: opts.recorded}, stdin, out, stderr, stop)
	case opts.replayPath != "":
		return replay(opts.replayPath, cfg, out, stderr, stop)
	case onScreen:
		return interactiveOnTerminal(cfg, out, stop.abortSignal)
	case opts.console:
		return interactive(cfg, stdin, out, terminalWidth(), stop.abortSignal)
	}
	return tell(cfg, chosen, opts, out, stop)
}

// only is the one scenario chosen, or nil if none is.
func only(chosen []scenario) *scenario {
	if len(chosen) == 0 {
		return nil
	}
	return &chosen[0]
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

// internalError is the line that reports a bug: what went wrong, and a
// request to report it.
func internalError(what any) string {
	return fmt.Sprintf("raft: internal error (%v); this is a bug: please report it with the command you ran", what)
}

// timeoutsInForce says which election timeouts a run draws: the configured
// range, or its minimum alone when -break fixed-timeout removes the
// randomness.
func timeoutsInForce(cfg Config) string {
	if cfg.Break == BreakFixedTimeout || cfg.ElectionTimeoutMin == cfg.ElectionTimeoutMax {
		return fmt.Sprintf("all %s", cfg.ElectionTimeoutMin)
	}
	return fmt.Sprintf("%s to %s", cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax)
}

// tellSlowMotion says, in slow motion, how slow, and that messages then
// take time even on a network without latency, so that each vote visibly
// follows its request.
func tellSlowMotion(cfg Config, w io.Writer, width int) {
	if cfg.Slowdown <= 1 {
		return
	}
	least, _ := cfg.latencyRange()
	writeHanging(w, "", fmt.Sprintf("Slow motion: every duration lasts %g times longer, and every message travels for at least %s (%s of real time); the log shows the protocol's time.",
		cfg.Slowdown, least, time.Duration(float64(least)*cfg.Slowdown)), width, nil)
}

// tell plays the chosen scenarios one after another, each on a cluster of
// its own, and prints each one's summary and picture. When stop aborts the
// run, it prints those of the scenario under way and plays no more. It
// returns the exit code: 1 if the safety checker found a violation, else 0.
func tell(cfg Config, chosen []scenario, opts options, stdout io.Writer, stop *runStop) int {
	width := terminalWidth()
	if !opts.quiet {
		writeHanging(stdout, "", fmt.Sprintf("Raft leader election: %d nodes, election timeouts %s, heartbeats every %s, seed %d",
			cfg.Nodes, timeoutsInForce(cfg), cfg.HeartbeatInterval, cfg.Seed), width, nil)
		if !opts.seedGiven {
			writeHanging(stdout, "", fmt.Sprintf("(a random seed; -seed %d draws the same timeouts, delays and losses again)", cfg.Seed), width, nil)
		}
		tellSlowMotion(cfg, stdout, width)
	}
	warnOfBreakage(cfg.Break, stdout, width)
	code := exitSafe
	for i, sc := range chosen {
		fmt.Fprintln(stdout)
		writeHanging(stdout, "", fmt.Sprintf("Scenario %d of %d, %s: %s.", i+1, len(chosen), sc.name, sc.watchFor), width, narrationStyle)
		c, err := sc.play(cfg, stop.abort)
		if err != nil { // parseOptions has validated every scenario's Config
			panic(err)
		}
		if stop.interrupted() {
			fmt.Fprintf(stdout, "\nInterrupted at %s: here is the run until then.\n", formatDuration(c.rec.now()))
		}
		code = max(code, endSession(c, stdout, width))
		if stop.aborted() {
			break
		}
	}
	return code
}

// terminalWidth is the width of the terminal standard output goes to, or
// 80 columns when it is not a terminal.
func terminalWidth() int {
	width, _ := screenSize(int(os.Stdout.Fd()))
	return width
}

// screenSize is the size of the terminal fd is, or 80 by 24 when it is not
// one or reports no size (a pseudo-terminal with no window says 0 by 0).
func screenSize(fd int) (width, height int) {
	width, height, err := term.GetSize(fd)
	if err != nil || width <= 0 || height <= 0 {
		return defaultWidth, 24
	}
	return width, height
}

// warnOfBreakage prints a banner when a safeguard is off, saying which
// rule is broken and what to expect.
func warnOfBreakage(name Breakage, w io.Writer, width int) {
	for _, b := range breakages {
		if b.name == name {
			writeHanging(w, "", fmt.Sprintf("!!! -break %s turns off a safeguard: %s.", b.name, b.safeguard), width, violationStyle)
			writeHanging(w, "", fmt.Sprintf("!!! Expect: %s. Caught by %s.", b.failure, b.caughtBy), width, violationStyle)
			writeHanging(w, "", fmt.Sprintf("(shown best by: go run . -scenario %s -seed %d -break %s)", b.scenario, b.seed, b.name), width, nil)
		}
	}
}

// largestRandomSeed bounds the seed drawn when -seed is not given, so
// that a teacher can read it aloud from a projector.
const largestRandomSeed = 999_999

// newFlagSet defines the flags over opts.
func newFlagSet(opts *options) *flag.FlagSet {
	def := DefaultConfig()
	fs := flag.NewFlagSet("raft", flag.ContinueOnError)
	fs.SetOutput(io.Discard)                      // run reports a bad flag in one line of its own
	opts.cfg.Nodes, opts.trials = def.Nodes, 1000 // the defaults of the decimal flags
	fs.Var(decimalFlag[int]{&opts.cfg.Nodes}, "nodes", "the cluster's size: `N` nodes, 1 to 9")
	fs.StringVar(&opts.scenario, "scenario", "crash", "the story to tell: "+strings.Join(scenarioNames(), ", "))
	fs.Var(decimalFlag[uint64]{&opts.cfg.Seed}, "seed", "the `SEED` for every random choice: a seed draws the same timeouts, delays and losses again (default: random, below a million, and printed)")
	fs.BoolVar(&opts.heartbeats, "heartbeats", false, "also show every heartbeat round and every heartbeat lost")
	fs.BoolVar(&opts.verbose, "v", false, "show everything: also every message sent, delivered and dropped, and every timer reset")
	fs.BoolVar(&opts.quiet, "quiet", false, "show only the summary and the timeline picture of each run")
	fs.BoolVar(&opts.noColor, "no-color", false, "no color (also off when NO_COLOR is set or output is not a terminal)")
	fs.BoolVar(&opts.forceColor, "color", false, "color even when output is not a terminal (for less -R)")
	fs.DurationVar(&opts.cfg.ElectionTimeoutMin, "timeout-min", def.ElectionTimeoutMin, "shortest election timeout")
	fs.DurationVar(&opts.cfg.ElectionTimeoutMax, "timeout-max", def.ElectionTimeoutMax, "longest election timeout; equal to -timeout-min for a fixed one")
	fs.DurationVar(&opts.cfg.HeartbeatInterval, "heartbeat", def.HeartbeatInterval, "time between a leader's heartbeats")
	fs.DurationVar(&opts.cfg.MaxLatency, "latency", 0, "longest one-way message delay; each message waits a random time up to it")
	fs.Float64Var(&opts.cfg.DropRate, "drop", 0, "probability that the network loses a message, at least 0 and below 1")
	fs.Float64Var(&opts.cfg.Slowdown, "slow", 1, "slow motion: make every duration `K` times longer (1 to 100), and every message travel at least 25ms of protocol time, to be seen; the log still shows protocol time")
	fs.StringVar(&opts.tracePath, "trace", "", "write every event to `FILE` as JSON Lines (-: to standard output, the rest to standard error)")
	fs.StringVar(&opts.checkPath, "check", "", "run no cluster: read the trace in `FILE` and check it for safety violations")
	fs.BoolVar(&opts.experiment, "experiment", false, "run the Raft paper's Figure 16 experiment: time to replace a crashed leader, per range of timeouts")
	fs.Var(decimalFlag[int]{&opts.trials}, "trials", "with -experiment, `N` trials per range of timeouts")
	fs.BoolVar(&opts.cfg.PreVote, "prevote", false, "PreVote: a node asks whether it could win before it stands (dissertation §9.6)")
	fs.BoolVar(&opts.cfg.CheckQuorum, "checkquorum", false, "CheckQuorum: a leader that loses its majority steps down, and nodes that hear a leader ignore RequestVote (§6.2, §4.2.3)")
	fs.Func("break", "turn off one safeguard, to see what goes wrong: `RULE` is one of "+breakageNames(), func(name string) error {
		if name == "" {
			return errors.New("name a rule to break")
		}
		opts.cfg.Break = Breakage(name)
		return nil
	})
	fs.BoolVar(&opts.console, "interactive", false, "run until told to stop, taking commands (crash, restart, partition, heal, ...) from standard input")
	fs.BoolVar(&opts.realtime, "realtime", false, "run the nodes' goroutines on the wall clock, as the machine schedules them, instead of the deterministic engine: a seed no longer replays, and timers that fire late are named")
	fs.Var(webAddressFlag{&opts.web}, "web", "serve a live view of the cluster in a browser, at http://localhost:8080/ (-web :PORT: another port; -web HOST:PORT listens beyond this machine); with -scenario, that story; with -replay, that trace")
	fs.Var(decimalFlag[int]{&opts.node}, "node", "run one node of a cluster of processes, over TCP: node `ID` of -peers, keeping its state in -data")
	fs.StringVar(&opts.peers, "peers", "", "with -node: every node's address, as `LIST` 1=127.0.0.1:7001,2=127.0.0.1:7002,...")
	fs.StringVar(&opts.dataDir, "data", "", "with -node: the `DIR` that keeps the node's term, vote and log across restarts; with -processes, every node's (default: a new temporary one)")
	fs.Var(decimalFlag[int]{&opts.processes}, "processes", "start a cluster of `N` node processes (-node) on ports of this machine, with a console to kill and start them")
	fs.StringVar(&opts.key, "key", "", "with -node: the cluster's shared `KEY`, the same on every node (default: $"+clusterKeyVariable+")")
	fs.StringVar(&opts.replayPath, "replay", "", "play again the runs recorded in the trace `FILE`: the same configuration, seed and operator's actions at the same times")
	return fs
}

// decimalFlag is a whole-number flag written in decimal. The flag package's
// own reads 0x5 as 5 and 010 as 8, which nobody typing a node count means.
type decimalFlag[T int | uint64] struct{ value *T }

func (f decimalFlag[T]) String() string {
	if f.value == nil {
		return "0"
	}
	return fmt.Sprint(*f.value)
}

func (f decimalFlag[T]) Set(s string) error {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return errors.New("not a whole number in decimal digits")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if v := T(n); err != nil || uint64(v) != n || v < 0 {
		return errors.New("out of range")
	}
	*f.value = T(n)
	return nil
}

// experiment runs the Figure 16 experiment and prints its tables and
// charts; stopped early, it prints those of the trials that finished. It
// returns the exit code: 1 if any trial broke a safety property.
func experiment(opts options, stdout io.Writer, stop *runStop) int {
	fmt.Fprintf(stdout, `The Raft paper's leader-election experiment (§9.3, Figure 16), seed %d.
Each trial: 5 nodes, messages delayed up to %s each way (a broadcast to all
takes about 15 ms, as in the paper), heartbeats every half minimum timeout.
Once the leader has led for three heartbeat rounds, it crashes at a random
moment within its heartbeat interval, right after a round; the trial times
how long the cluster is without a leader. %d trials per range, many at once,
each in simulated time: the seed replays the figures on any machine.
`, opts.cfg.Seed, experimentLatency, opts.trials)
	started := time.Now()
	unsafe := 0
	for _, s := range runFigure16(stdout, opts.trials, opts.cfg.Seed, terminalWidth(), stop.abort) {
		unsafe += s.unsafe
	}
	if stop.interrupted() {
		fmt.Fprintln(stdout, "\nInterrupted: the figures count only the trials that had finished.")
	}
	fmt.Fprintln(stdout)
	writeHanging(stdout, "", fmt.Sprintf("The experiment took %s.", time.Since(started).Round(100*time.Millisecond)), terminalWidth(), nil)
	fmt.Fprintf(stdout, "Safety violations in all trials: %d.\n", unsafe)
	if unsafe > 0 {
		return exitViolation
	}
	return exitSafe
}

// checkTraceFile runs the safety checker over a trace file and reports
// what it found. It returns the exit code: 0 for a safe trace, 1 for one
// with violations, 2 for a file it cannot read as a trace.
func checkTraceFile(path string, stdout, stderr io.Writer) int {
	file, err := os.Open(path)
	if err == nil {
		defer file.Close()
		var report traceReport
		if report, err = checkTrace(file); err == nil {
			return printTraceReport(path, report, stdout)
		}
	}
	fmt.Fprintln(stderr, escapeControl(fmt.Sprintf("raft: -check %s: %v", path, err)))
	return exitUsage
}

// checkMergedTraceFiles checks the traces of a cluster's processes as one
// run, and reports as checkTraceFile does.
func checkMergedTraceFiles(paths []string, stdout, stderr io.Writer) int {
	report, err := checkMergedTraces(paths)
	if err != nil {
		fmt.Fprintln(stderr, escapeControl(fmt.Sprintf("raft: -check: %v", err)))
		return exitUsage
	}
	return printTraceReport(fmt.Sprintf("%d traces, merged", len(paths)), report, stdout)
}

// printTraceReport prints a trace's safety report and returns the exit
// code: 0 if the trace is safe, 1 if not. The trace is untrusted text, so
// control characters are escaped before they reach a terminal.
func printTraceReport(path string, report traceReport, stdout io.Writer) int {
	found := len(report.violations) + report.unshown
	runs := plural(report.runs, "run")
	if report.merged || report.processes {
		runs = plural(report.runs, "incarnation") + " of node processes"
	}
	fmt.Fprintln(stdout, escapeControl(fmt.Sprintf("%s: %s, %s, %s.", path,
		runs, plural(report.events, "event"), plural(found, "safety violation"))))
	for _, v := range report.violations {
		writeItem(stdout, 2, escapeControl(v), terminalWidth())
	}
	if report.unshown > 0 {
		fmt.Fprintf(stdout, "  and %d more, not shown\n", report.unshown)
	}
	if report.cutAt > 0 {
		writeItem(stdout, 0, fmt.Sprintf("The trace is cut short: line %d stops partway, with no newline, as when a disk fills during a run. The check covers the lines before it.", report.cutAt), terminalWidth())
	}
	if found > 0 {
		return exitViolation
	}
	return exitSafe
}

// parseOptions reads the flags and checks that they can be used together
// and that every scenario they choose can run with them, within
// longestRun.
func parseOptions(args []string) (options, []scenario, error) {
	var opts options
	fs := newFlagSet(&opts)
	if err := fs.Parse(joinWebAddress(args)); err != nil {
		return opts, nil, err
	}
	if opts.checkPath != "" {
		opts.checkMore = fs.Args() // -check a.jsonl b.jsonl c.jsonl: the traces of a cluster's processes
	} else if fs.NArg() > 0 {
		return opts, nil, fmt.Errorf("unexpected argument %q: every option is a flag", fs.Arg(0))
	}
	var given []string
	fs.Visit(func(f *flag.Flag) { given = append(given, f.Name) })
	opts.seedGiven = slices.Contains(given, "seed")
	opts.slowGiven = slices.Contains(given, "slow")
	if err := checkFlagsTogether(opts, given); err != nil {
		return opts, nil, err
	}
	if !opts.seedGiven {
		opts.cfg.Seed = rand.Uint64N(largestRandomSeed + 1)
	}
	if opts.checkPath != "" || opts.experiment {
		return opts, nil, nil
	}
	opts.cfg.LogDetail = logDetail(opts)
	if opts.web != "" && !opts.slowGiven {
		opts.cfg.Slowdown = webSlowdown
	}
	if slices.Contains(given, "processes") {
		if opts.processes < 1 || opts.processes > mostNodes {
			return opts, nil, fmt.Errorf("-processes must be from 1 to %d, not %d", mostNodes, opts.processes)
		}
		for _, name := range given {
			if slices.Contains(processFlags, name) {
				opts.nodeArgs = append(opts.nodeArgs, "-"+name+"="+fs.Lookup(name).Value.String())
			}
		}
		opts.cfg.Nodes = opts.processes
		return opts, nil, checkBounds(fs, opts.cfg)
	}
	if isGiven := slices.Contains(given, "node"); isGiven || opts.peers != "" || opts.dataDir != "" || opts.key != "" {
		if !isGiven {
			return opts, nil, errors.New("-peers, -data and -key go with -node")
		}
		if err := checkNodeFlags(&opts); err != nil {
			return opts, nil, err
		}
		return opts, nil, checkBounds(fs, opts.cfg)
	}
	if opts.replayPath != "" {
		if opts.web != "" {
			return opts, nil, opts.readRecording()
		}
		return opts, nil, nil
	}
	if err := checkBounds(fs, opts.cfg); err != nil {
		return opts, nil, err
	}
	if opts.console || opts.web != "" && !slices.Contains(given, "scenario") {
		return opts, nil, nil
	}
	if picked, ok := pickScenarios(opts.scenario); ok && len(picked) != 1 && opts.web != "" {
		return opts, nil, fmt.Errorf("-web shows one scenario at a time, not -scenario %s", opts.scenario)
	}
	chosen, err := chooseScenarios(opts.scenario, opts.cfg)
	return opts, chosen, err
}

// webSlowdown is -web's pace unless -slow sets one: ten times slower than
// real time, so that a class sees each message fly and each timer drain.
const webSlowdown = 10

// readRecording reads the trace -web -replay plays, so that a trace it
// cannot play is refused as a bad flag.
func (opts *options) readRecording() error {
	runs, err := readRecordedRuns(opts.replayPath)
	if err != nil {
		return fmt.Errorf("-replay %s: %v", opts.replayPath, err)
	}
	opts.recorded = runs
	return nil
}

// logDetail is what the log shows, as -v and -heartbeats ask.
func logDetail(opts options) LogDetail {
	switch {
	case opts.verbose:
		return LogMessages
	case opts.heartbeats:
		return LogHeartbeats
	}
	return LogElection
}

// A mode that tells no story takes only the flags it uses, and refuses
// the others, which it would silently ignore.
var modeFlags = []struct {
	mode  string   // the flag that chooses the mode
	what  string   // what the mode does
	takes []string // the other flags that go with it
}{
	{"check", "reads a trace and runs no cluster", []string{"no-color", "color"}},
	{"experiment", "runs the paper's setup", []string{"trials", "seed", "no-color", "color"}},
	{"replay", "plays a trace's runs with their own configuration", []string{"trace", "quiet", "v", "heartbeats", "no-color", "color", "web"}},
	{"node", "runs one node of a cluster of processes", []string{"peers", "data", "key", "trace", "quiet", "v", "heartbeats", "no-color", "color",
		"seed", "timeout-min", "timeout-max", "heartbeat", "prevote", "checkquorum"}},
	{"processes", "starts a cluster of node processes", append([]string{"data", "web"}, processFlags...)},
}

// checkFlagsTogether refuses flags that the chosen mode would ignore, a
// flag that only works with another, and empty file names. given lists
// the flags on the command line, in order of name, so that the same flag
// is named every time.
func checkFlagsTogether(opts options, given []string) error {
	isGiven := map[string]bool{}
	for _, name := range given {
		isGiven[name] = true
	}
	for _, m := range modeFlags {
		for _, name := range given {
			if isGiven[m.mode] && name != m.mode && !slices.Contains(m.takes, name) {
				return fmt.Errorf("-%s does not apply to -%s, which %s (%s)", name, m.mode, m.what, whatGoesWith(m.takes))
			}
		}
	}
	for _, name := range []string{"scenario", "quiet", "experiment", "check", "replay"} {
		if opts.console && isGiven[name] {
			return fmt.Errorf("-%s does not go with -interactive, where you tell the story yourself", name)
		}
	}
	for _, name := range []string{"interactive", "quiet", "experiment", "check", "realtime"} {
		if opts.web != "" && isGiven[name] {
			return fmt.Errorf("-%s does not go with -web, which shows the deterministic engine's runs as they happen", name)
		}
	}
	switch {
	case isGiven["color"] && isGiven["no-color"]:
		return fmt.Errorf("-color and -no-color ask for opposite things; give one")
	case !opts.experiment && isGiven["trials"]:
		return fmt.Errorf("-trials goes with -experiment")
	case isGiven["check"] && opts.checkPath == "":
		return fmt.Errorf("-check needs the name of a trace file")
	case isGiven["replay"] && opts.replayPath == "":
		return fmt.Errorf("-replay needs the name of a trace file")
	case isGiven["trace"] && opts.tracePath == "":
		return fmt.Errorf("-trace needs the name of a file to write")
	case opts.trials < 1 || opts.trials > mostTrials:
		return fmt.Errorf("-trials must be from 1 to %d (%s), not %d", mostTrials, mostTrialsTake, opts.trials)
	}
	return nil
}

// whatGoesWith names the flags that go with a mode, if they are few
// enough for the one line of an error; else it says where to read them.
func whatGoesWith(takes []string) string {
	if len(takes) > 6 {
		return "go run . -h lists what goes with it"
	}
	return "only " + joinAnd(dashed(takes)) + " go with it"
}

// dashed writes flag names as typed: "-seed".
func dashed(names []string) []string {
	flags := make([]string, len(names))
	for i, name := range names {
		flags[i] = "-" + name
	}
	return flags
}

// The bounds of the duration flags: a floor, since no machine keeps time
// to the nanosecond and a heartbeat of 1ns is not a protocol, and a
// ceiling that keeps a run short enough to watch.
var durationBounds = []struct {
	flag        string
	least, most time.Duration
}{
	{"timeout-min", time.Millisecond, 10 * time.Second},
	{"timeout-max", time.Millisecond, 10 * time.Second},
	{"heartbeat", time.Millisecond, 10 * time.Second},
	{"latency", 0, 10 * time.Second},
}

// checkBounds checks the flags that shape a cluster against their bounds,
// and then the Config they make.
func checkBounds(fs *flag.FlagSet, cfg Config) error {
	for _, b := range durationBounds {
		// A value below the floor is not shown: 0.5ns would read 0s.
		switch d := fs.Lookup(b.flag).Value.(flag.Getter).Get().(time.Duration); {
		case d < b.least && b.least == 0:
			return fmt.Errorf("-%s must not be negative", b.flag)
		case d < b.least:
			return fmt.Errorf("-%s must be at least %s: no machine keeps shorter times", b.flag, b.least)
		case d > b.most:
			return fmt.Errorf("-%s %s is longer than the demo allows (%s)", b.flag, d, b.most)
		}
	}
	if !(cfg.Slowdown >= 1 && cfg.Slowdown <= mostSlowdown) { // also catches NaN
		return fmt.Errorf("-slow must be between 1 and %d, not %g", mostSlowdown, cfg.Slowdown)
	}
	return asFlagError(cfg.validate())
}

// mostTrials bounds -trials so that -experiment ends within a few minutes
// on two cores: 1,000 trials took 16 to 24 s on a busy 2-core machine, and
// 10,000 took 6 minutes.
const (
	mostTrials     = 5000
	mostTrialsTake = "about 2 minutes on two cores"
)

// longestRun bounds how long a run of scenarios may last in real time:
// long enough for the tour at -slow 5, short enough that no combination
// of flags takes hours.
const longestRun = 5 * time.Minute

// chooseScenarios returns the scenarios name chooses, once it has checked
// that each can run on a cluster of cfg, and all of them within longestRun.
func chooseScenarios(name string, cfg Config) ([]scenario, error) {
	chosen, ok := pickScenarios(name)
	if !ok {
		return nil, fmt.Errorf("-scenario %q is not one of %s", name, strings.Join(scenarioNames(), ", "))
	}
	var longest time.Duration
	for _, sc := range chosen {
		if !sc.fits(cfg.Nodes) {
			needs := "at least"
			if sc.exact {
				needs = "exactly"
			}
			return nil, fmt.Errorf("-scenario %s needs %s %d nodes (%s), not -nodes %d",
				sc.name, needs, sc.minNodes, sc.why, cfg.Nodes)
		}
		if err := sc.config(cfg).validate(); err != nil {
			return nil, asFlagError(err)
		}
		longest += sc.longest(cfg)
	}
	if longest > longestRun {
		return nil, fmt.Errorf("-scenario %s could take %s, over the %s limit: lower -slow, -timeout-max or -latency",
			name, longest.Round(time.Second), longestRun)
	}
	return chosen, nil
}

// flagOfField names the flag that sets each Config field.
var flagOfField = map[string]string{
	"Nodes":              "-nodes",
	"ElectionTimeoutMin": "-timeout-min",
	"ElectionTimeoutMax": "-timeout-max",
	"HeartbeatInterval":  "-heartbeat",
	"MaxLatency":         "-latency",
	"DropRate":           "-drop",
	"Slowdown":           "-slow",
	"Break":              "-break",
}

// asFlagError words a Config error in terms of the flags: the field at
// fault, and any other it mentions.
func asFlagError(err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		if name, ok := flagOfField[ce.Field]; ok {
			var fieldsToFlags []string
			for field, flag := range flagOfField {
				fieldsToFlags = append(fieldsToFlags, field, flag)
			}
			return fmt.Errorf("%s %s", name, strings.NewReplacer(fieldsToFlags...).Replace(ce.Problem))
		}
	}
	return err
}

// usageExamples are the commands -h shows first.
var usageExamples = []definition{
	{"go run .", "elect, crash the leader, elect again"},
	{"go run . -scenario tour", "the four classic scenarios in turn"},
	{"go run . -scenario split-vote -seed 7", "a split vote, with seed 7's timeouts"},
	{"go run . -scenario partition -heartbeats", "a stale leader's heartbeats, lost"},
	{"go run . -nodes 3 -latency 20ms -drop 0.1", "a slow, lossy network"},
	{"go run . -timeout-min 150ms -timeout-max 150ms -scenario crash", "no randomness: watch the votes split"},
	{"go run . -slow 10 -scenario election", "slow motion, for a classroom"},
	{"go run . -quiet -scenario tour", "only each run's summary and picture"},
	{"go run . -scenario tour -trace run.jsonl", "save every event as JSON Lines"},
	{"go run . -check run.jsonl", "check a saved trace for violations"},
	{"go run . -experiment", "the Raft paper's Figure 16"},
	{"go run . -interactive", "crash and partition by hand (help)"},
	{"go run . -web", "the cluster in a browser, at localhost:8080"},
	{"go run . -processes 3", "each node a process of its own, over TCP"},
	{"go run . -scenario disruptive -prevote", "a returning node cannot disrupt"},
	{"go run . -scenario split-vote -break vote-twice", "break a rule and watch the safety checker catch it"},
	{"go run . -color | less -R", "read a run at your own pace"},
}

// printUsage prints -h: what the program shows, examples and the flags,
// width columns wide.
func printUsage(w io.Writer, width int) {
	writeHanging(w, "", "Watch Raft elect a leader and replicate its log: nodes are goroutines that "+
		"exchange RequestVote and AppendEntries messages over channels, time out on random election "+
		"timers, elect a new leader when the old one crashes, and apply a client's puts and gets to a "+
		"key-value store, in the same order on every node.", width, nil)
	fmt.Fprintln(w, "\nUsage: go run . [flags]\n\nExamples:")
	writeDefinitions(w, usageExamples, 2, width)
	fmt.Fprintln(w, "\nFlags:")
	var opts options
	var flags []definition
	newFlagSet(&opts).VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if !slices.Contains([]string{"", "0", "0s", "false"}, f.DefValue) {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		flags = append(flags, definition{strings.TrimSpace("-" + f.Name + " " + name), usage})
	})
	writeDefinitions(w, flags, 2, width)
}
