// main.go is the command line: it reads the flags into a Config, plays the
// chosen scenario (scenarios.go) on a Cluster (cluster.go) while the colored
// log scrolls, and ends with a summary of every term. Run it with `go run .`;
// `go run . -h` lists the flags.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/fatih/color"
	"golang.org/x/term"
)

func main() {
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
	tracePath  string // -trace: where to write the trace
	checkPath  string // -check: a trace to check instead of running
	experiment bool   // -experiment: measure elections instead of telling a story
	trials     int    // -experiment: trials per range of timeouts
	console    bool   // -interactive: take commands from standard input
}

// longestDuration bounds every duration flag, so that a run stays short
// enough to watch and always ends by itself.
const longestDuration = 10 * time.Second

// run is the program with its arguments, its input and outputs, and a way
// to hear Ctrl-C (called only by -interactive, which needs it). It returns
// the exit code: 0 after a safe run or -h, 1 if the safety checker found a
// violation, 2 for flags it cannot use.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, interrupts func() <-chan os.Signal) int {
	opts, chosen, err := parseOptions(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout, terminalWidth())
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "raft: %v (go run . -h lists the flags)\n", err)
		return 2
	}
	if opts.noColor {
		color.NoColor = true
	}
	if opts.forceColor {
		color.NoColor = false
	}
	if opts.checkPath != "" {
		return checkTraceFile(opts.checkPath, stdout, stderr)
	}
	if opts.experiment {
		return experiment(opts, stdout)
	}
	cfg := opts.cfg
	if !opts.quiet {
		cfg.Log, cfg.LogWidth = stdout, terminalWidth()
	}
	play := func(cfg Config) int {
		if opts.console {
			if stdin == os.Stdin && stdout == color.Output && term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd())) {
				return interactiveOnTerminal(cfg, interrupts())
			}
			return interactive(cfg, stdin, stdout, terminalWidth(), interrupts())
		}
		return tell(cfg, chosen, opts, stdout)
	}
	if opts.tracePath == "" {
		return play(cfg)
	}
	file, err := os.Create(opts.tracePath)
	if err != nil {
		fmt.Fprintf(stderr, "raft: -trace: %v\n", err)
		return 2
	}
	trace := bufio.NewWriter(file)
	cfg.Trace = trace
	code := play(cfg)
	if err := errors.Join(trace.Flush(), file.Close()); err != nil {
		fmt.Fprintf(stderr, "raft: writing the trace: %v\n", err)
		return 1
	}
	return code
}

// tell plays the chosen scenarios one after another, each on a cluster of
// its own, and prints each one's picture and summary. It returns the exit
// code: 1 if the safety checker found a violation, else 0.
func tell(cfg Config, chosen []scenario, opts options, stdout io.Writer) int {
	width := terminalWidth()
	if !opts.quiet {
		writeHanging(stdout, "", fmt.Sprintf("Raft leader election: %d nodes, election timeouts %s to %s, heartbeats every %s, seed %d",
			cfg.Nodes, cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax, cfg.HeartbeatInterval, cfg.Seed), width, nil)
		if !opts.seedGiven {
			writeHanging(stdout, "", fmt.Sprintf("(a random seed; -seed %d draws the same timeouts, delays and losses again)", cfg.Seed), width, nil)
		}
	}
	warnOfBreakage(cfg.Break, stdout, width)
	code := 0
	for i, sc := range chosen {
		fmt.Fprintln(stdout)
		writeHanging(stdout, "", fmt.Sprintf("Scenario %d of %d, %s: %s.", i+1, len(chosen), sc.name, sc.watchFor), width, narrationStyle)
		c, err := sc.play(cfg)
		if err != nil { // parseOptions has validated every scenario's Config
			panic(err)
		}
		fmt.Fprintln(stdout)
		c.rec.writeSummary(stdout, width)
		fmt.Fprintln(stdout)
		c.rec.writeTimeline(stdout, width)
		if len(c.Violations()) > 0 {
			code = 1
		}
	}
	return code
}

// interruptOnce returns a channel that receives the first Ctrl-C. The
// second Ctrl-C is not caught: it ends the program at once, as usual.
func interruptOnce() <-chan os.Signal {
	caught, first := make(chan os.Signal, 1), make(chan os.Signal, 1)
	signal.Notify(caught, os.Interrupt)
	go func() {
		first <- <-caught
		signal.Stop(caught)
	}()
	return first
}

// terminalWidth is the width of the terminal standard output goes to, or
// 80 columns when it is not a terminal.
func terminalWidth() int {
	fd := int(os.Stdout.Fd())
	if term.IsTerminal(fd) {
		if width, _, err := term.GetSize(fd); err == nil && width > 0 {
			return width
		}
	}
	return 80
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
	fs.SetOutput(io.Discard) // run reports a bad flag in one line of its own
	fs.IntVar(&opts.cfg.Nodes, "nodes", def.Nodes, "how many nodes, 1 to 9")
	fs.StringVar(&opts.scenario, "scenario", "crash", "the story to tell: "+strings.Join(scenarioNames(), ", "))
	fs.Uint64Var(&opts.cfg.Seed, "seed", 0, "seed for every random choice: a seed draws the same timeouts, delays and losses again (default: random, below a million, and printed)")
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
	fs.Float64Var(&opts.cfg.Slowdown, "slow", 1, "slow motion: make every duration `K` times longer (1 to 100); the log still shows protocol time")
	fs.StringVar(&opts.tracePath, "trace", "", "write every event to `FILE` as JSON Lines")
	fs.StringVar(&opts.checkPath, "check", "", "run no cluster: read the trace in `FILE` and check it for safety violations")
	fs.BoolVar(&opts.experiment, "experiment", false, "run the Raft paper's Figure 16 experiment: time to replace a crashed leader, per range of timeouts")
	fs.IntVar(&opts.trials, "trials", 1000, "with -experiment, trials per range of timeouts")
	fs.BoolVar(&opts.cfg.PreVote, "prevote", false, "PreVote: a node asks whether it could win before it stands (dissertation §9.6)")
	fs.BoolVar(&opts.cfg.CheckQuorum, "checkquorum", false, "CheckQuorum: a leader that loses its majority steps down, and nodes that hear a leader ignore RequestVote (§6.2, §4.2.3)")
	fs.Func("break", "turn off one safeguard, to see what goes wrong: `RULE` is one of "+breakageNames(), func(name string) error {
		opts.cfg.Break = Breakage(name)
		return nil
	})
	fs.BoolVar(&opts.console, "interactive", false, "run until told to stop, taking commands (crash, restart, partition, heal, ...) from standard input")
	return fs
}

// experiment runs the Figure 16 experiment and prints its tables and
// charts. It returns the exit code: 1 if any trial broke a safety property.
func experiment(opts options, stdout io.Writer) int {
	fmt.Fprintf(stdout, `The Raft paper's leader-election experiment (§9.3, Figure 16), seed %d.
Each trial: 5 nodes, messages delayed up to %s each way (a broadcast to all
takes about 15 ms, as in the paper), heartbeats every half minimum timeout.
Once the leader has led for three heartbeat rounds, it crashes at a random
moment within its heartbeat interval, right after a round; the trial times
how long the cluster is without a leader. %d trials per range, many at once.
`, opts.cfg.Seed, experimentLatency, opts.trials)
	started, stopProbe := time.Now(), lagProbe()
	unsafe := 0
	for _, s := range runFigure16(stdout, opts.trials, opts.cfg.Seed, terminalWidth()) {
		unsafe += s.unsafe
	}
	fmt.Fprintln(stdout)
	writeHanging(stdout, "", fmt.Sprintf("The experiment took %s; timers ran up to %s late (a 1 ms ticker's longest gap).",
		time.Since(started).Round(100*time.Millisecond), stopProbe().Round(time.Millisecond)), terminalWidth(), nil)
	fmt.Fprintf(stdout, "Safety violations in all trials: %d.\n", unsafe)
	if unsafe > 0 {
		return 1
	}
	return 0
}

// checkTraceFile runs the safety checker over a trace file and reports
// what it found. It returns the exit code: 0 for a safe trace, 1 for one
// with violations, 2 for a file it cannot read as a trace.
func checkTraceFile(path string, stdout, stderr io.Writer) int {
	file, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "raft: -check: %v\n", err)
		return 2
	}
	defer file.Close()
	lines, err := readTrace(file)
	if err == nil {
		var report traceReport
		report, err = checkTrace(lines)
		if err == nil {
			return printTraceReport(path, report, stdout)
		}
	}
	fmt.Fprintf(stderr, "raft: -check %s: %v\n", path, err)
	return 2
}

// printTraceReport prints a trace's safety report and returns the exit
// code: 0 if the trace is safe, 1 if not.
func printTraceReport(path string, report traceReport, stdout io.Writer) int {
	fmt.Fprintf(stdout, "%s: %d runs, %d events, %d safety violations.\n",
		path, report.runs, report.events, len(report.violations))
	for _, v := range report.violations {
		fmt.Fprintln(stdout, "  "+v)
	}
	if len(report.violations) > 0 {
		return 1
	}
	return 0
}

// parseOptions reads the flags and checks that every scenario they choose
// can run with them.
func parseOptions(args []string) (options, []scenario, error) {
	var opts options
	fs := newFlagSet(&opts)
	if err := fs.Parse(args); err != nil {
		return opts, nil, err
	}
	if fs.NArg() > 0 {
		return opts, nil, fmt.Errorf("unexpected argument %q: every option is a flag", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	opts.seedGiven = given["seed"]
	if err := checkExperimentFlags(opts.experiment, given); err != nil {
		return opts, nil, err
	}
	for _, name := range []string{"scenario", "quiet", "experiment", "check"} {
		if opts.console && given[name] {
			return opts, nil, fmt.Errorf("-%s does not go with -interactive, where you tell the story yourself", name)
		}
	}
	if !opts.seedGiven {
		opts.cfg.Seed = rand.Uint64N(largestRandomSeed + 1)
	}
	switch {
	case opts.verbose:
		opts.cfg.LogDetail = LogMessages
	case opts.heartbeats:
		opts.cfg.LogDetail = LogHeartbeats
	}
	for _, name := range []string{"timeout-min", "timeout-max", "heartbeat", "latency"} {
		if d := fs.Lookup(name).Value.(flag.Getter).Get().(time.Duration); d > longestDuration {
			return opts, nil, fmt.Errorf("-%s %s is longer than the demo allows (%s)", name, d, longestDuration)
		}
	}
	if opts.trials < 1 || opts.trials > 100000 {
		return opts, nil, fmt.Errorf("-trials must be between 1 and 100000, not %d", opts.trials)
	}
	chosen, ok := pickScenarios(opts.scenario)
	if !ok {
		return opts, nil, fmt.Errorf("-scenario %q is not one of %s", opts.scenario, strings.Join(scenarioNames(), ", "))
	}
	for _, sc := range chosen {
		if opts.cfg.Nodes < sc.minNodes {
			return opts, nil, fmt.Errorf("-scenario %s needs at least %d nodes (%s), not -nodes %d",
				sc.name, sc.minNodes, sc.why, opts.cfg.Nodes)
		}
		if err := sc.config(opts.cfg).validate(); err != nil {
			return opts, nil, asFlagError(err)
		}
	}
	return opts, chosen, nil
}

// experimentFlags are the flags that go with -experiment; it runs the
// paper's own setup, so the others would be silently ignored.
var experimentFlags = map[string]bool{"experiment": true, "trials": true, "seed": true, "no-color": true, "color": true}

// checkExperimentFlags refuses -trials without -experiment, and flags
// -experiment would ignore.
func checkExperimentFlags(experiment bool, given map[string]bool) error {
	if !experiment && given["trials"] {
		return fmt.Errorf("-trials goes with -experiment")
	}
	for name := range given {
		if experiment && !experimentFlags[name] {
			return fmt.Errorf("-%s does not apply to -experiment, which runs the paper's setup (only -trials, -seed and -no-color do)", name)
		}
	}
	return nil
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

// asFlagError words a Config error in terms of the flag that caused it.
func asFlagError(err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		if name, ok := flagOfField[ce.Field]; ok {
			return fmt.Errorf("%s %s", name, ce.Problem)
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
	{"go run . -scenario disruptive -prevote", "a returning node cannot disrupt"},
	{"go run . -scenario split-vote -break vote-twice", "break a rule and watch the safety checker catch it"},
	{"go run . -color | less -R", "read a run at your own pace"},
}

// printUsage prints -h: what the program shows, examples and the flags,
// width columns wide.
func printUsage(w io.Writer, width int) {
	writeHanging(w, "", "Watch a Raft leader election: nodes are goroutines that exchange RequestVote "+
		"and AppendEntries messages over channels, time out on random election timers, "+
		"and elect a new leader when the old one crashes.", width, nil)
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
