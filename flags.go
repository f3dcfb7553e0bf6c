// flags.go is the command line: every flag, what it means (options), the
// checks that a set of flags makes sense together and keeps every run
// bounded, and -h. main.go parses with it and hands each mode its options.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// options is what the flags ask for.
type options struct {
	cfg        Config
	scenario   string
	lesson     bool // -web plays the scenario as a lesson
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
	lab        string         // -lab: the part of the lab to write a copy for
	labDirs    []string       // -lab: the copy's directory; -grade: the copies to grade
	grade      bool           // -grade: grade lab copies
	labDiff    string         // -lab-diff: a lab copy whose run to compare with the reference's
	given      []string       // every flag given, as -name=value, in order of name
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
	fs.BoolVar(&opts.cfg.LogReads, "log-reads", false, "a get is an entry of the log, as a put is, instead of a read the leader answers once a majority confirms it leads (ReadIndex, dissertation §6.4)")
	fs.Func("break", "turn off one safeguard, to see what goes wrong: `RULE` is one of "+breakageNames(), func(name string) error {
		if name == "" {
			return errors.New("name a rule to break")
		}
		opts.cfg.Break = Breakage(name)
		return nil
	})
	fs.BoolVar(&opts.console, "interactive", false, "run until told to stop, taking commands (crash, restart, partition, heal, ...) from standard input")
	fs.BoolVar(&opts.realtime, "realtime", false, "run the nodes' goroutines on the wall clock, as the machine schedules them, instead of the deterministic engine: a seed no longer replays, and timers that fire late are named")
	fs.BoolVar(&opts.lesson, "lesson", false, "with -web: play -scenario (the tour unless it names one) as a lesson, which stops at each step with a caption, and asks the class to predict what comes next")
	fs.Var(webAddressFlag{&opts.web}, "web", "serve a live view of the cluster in a browser, at http://localhost:8080/ (-web :PORT: another port; -web HOST:PORT listens beyond this machine); with -scenario, that story; with -replay, that trace")
	fs.Var(decimalFlag[int]{&opts.node}, "node", "run one node of a cluster of processes, over TCP: node `ID` of -peers, keeping its state in -data")
	fs.StringVar(&opts.peers, "peers", "", "with -node: every node's address, as `LIST` 1=127.0.0.1:7001,2=127.0.0.1:7002,...")
	fs.StringVar(&opts.dataDir, "data", "", "with -node: the `DIR` that keeps the node's term, vote and log across restarts; with -processes, every node's (default: a new temporary one)")
	fs.Var(decimalFlag[int]{&opts.processes}, "processes", "start a cluster of `N` node processes (-node) on ports of this machine, with a console to kill and start them, put and get keys, and wait")
	fs.StringVar(&opts.key, "key", "", "with -node: the cluster's shared `KEY`, the same on every node (default: $"+clusterKeyVariable+")")
	fs.StringVar(&opts.lab, "lab", "", "write a student's copy of this project to the directory that follows, with the functions of `PART` to write: "+strings.Join(labParts, ", ")+", or all (docs/lab.md)")
	fs.BoolVar(&opts.grade, "grade", false, "grade the lab copies in the directories that follow, and print a table of scores")
	fs.StringVar(&opts.labDiff, "lab-diff", "", "play -scenario with -seed here and in the lab copy in `DIR`, and show where the two runs part")
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

// parseOptions reads the flags and checks that they can be used together
// and that every scenario they choose can run with them, within
// longestRun.
func parseOptions(args []string) (options, []scenario, error) {
	var opts options
	fs := newFlagSet(&opts)
	if err := fs.Parse(joinWebAddress(args)); err != nil {
		return opts, nil, err
	}
	switch {
	case opts.checkPath != "":
		opts.checkMore = fs.Args() // -check a.jsonl b.jsonl c.jsonl: the traces of a cluster's processes
	case opts.lab != "" || opts.grade:
		opts.labDirs = fs.Args() // -lab PART DIR, -grade DIR...
	case fs.NArg() > 0:
		return opts, nil, fmt.Errorf("unexpected argument %q: every option is a flag", fs.Arg(0))
	}
	var given []string
	fs.Visit(func(f *flag.Flag) {
		given = append(given, f.Name)
		opts.given = append(opts.given, "-"+f.Name+"="+f.Value.String())
	})
	opts.seedGiven = slices.Contains(given, "seed")
	opts.slowGiven = slices.Contains(given, "slow")
	if err := checkFlagsTogether(opts, given); err != nil {
		return opts, nil, err
	}
	if !opts.seedGiven {
		opts.cfg.Seed = rand.Uint64N(largestRandomSeed + 1)
	}
	if opts.cfg.Break == BreakStaleRead && opts.cfg.LogReads {
		return opts, nil, errors.New("-break stale-read turns off the check a leader makes before it answers a read without a log entry; with -log-reads every read is a log entry, so it would change nothing")
	}
	if fn, ok := labBreaksWritten[opts.cfg.Break]; ok {
		return opts, nil, fmt.Errorf("-break %s turns off a safeguard of %s, which this lab copy leaves you to write: it would change nothing here", opts.cfg.Break, fn)
	}
	if opts.checkPath != "" || opts.experiment || opts.lab != "" || opts.grade {
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
	if opts.lesson && !slices.Contains(given, "scenario") {
		opts.scenario = "tour"
	}
	if opts.console || opts.web != "" && !slices.Contains(given, "scenario") && !opts.lesson {
		return opts, nil, nil
	}
	chosen, err := chooseScenarios(opts.scenario, opts.cfg, opts.web != "")
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
	{"lab", "writes a lab copy and runs no cluster", nil},
	{"grade", "grades lab copies and runs no cluster", nil},
	{"lab-diff", "compares a lab copy's run with the reference's", []string{"scenario", "seed", "nodes", "prevote", "checkquorum", "heartbeats", "v"}},
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
	case isGiven["lesson"] && (opts.web == "" || isGiven["replay"]):
		return fmt.Errorf("-lesson goes with -web: a lesson plays a story on the page (the tour, unless -scenario names one)")
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
	case isGiven["lab"] && len(opts.labDirs) != 1:
		return fmt.Errorf("-lab PART needs one directory to write the copy to: go run . -lab election DIR")
	case opts.grade && len(opts.labDirs) == 0:
		return fmt.Errorf("-grade needs the directories of the copies to grade, one or more")
	case isGiven["lab-diff"] && opts.labDiff == "":
		return fmt.Errorf("-lab-diff needs the directory of a lab copy")
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
// that each can run on a cluster of cfg, and all of them within
// longestRun, or, each a run of its own (on the page), each of them.
func chooseScenarios(name string, cfg Config, eachAlone bool) ([]scenario, error) {
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
		if eachAlone {
			longest = max(longest, sc.longest(cfg))
		} else {
			longest += sc.longest(cfg)
		}
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
	{"go run . -web -lesson", "the tour as a lesson in the browser, a step at a time"},
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

// clusterKeyVariable names the environment variable that gives the
// cluster's shared key when -key does not, so that the key need not show
// in a list of processes.
const clusterKeyVariable = "RAFT_CLUSTER_KEY"

// parsePeers reads -peers: every node's address by ID, IDs 1 to N.
func parsePeers(list string) (map[int]string, error) {
	addrs := map[int]string{}
	for item := range strings.SplitSeq(list, ",") {
		idText, addr, ok := strings.Cut(strings.TrimSpace(item), "=")
		id, err := strconv.Atoi(idText)
		if !ok || err != nil || id < 1 {
			return nil, fmt.Errorf("-peers wants ID=HOST:PORT items, such as 1=127.0.0.1:7001, not %s", quoteTyped(item))
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("-peers: %s is not a HOST:PORT address", quoteTyped(addr))
		}
		if _, twice := addrs[id]; twice {
			return nil, fmt.Errorf("-peers names node %d twice", id)
		}
		for other, taken := range addrs {
			if taken == addr {
				return nil, fmt.Errorf("-peers gives nodes %d and %d the same address, %s", other, id, addr)
			}
		}
		addrs[id] = addr
	}
	for id := 1; id <= len(addrs); id++ {
		if _, ok := addrs[id]; !ok {
			return nil, fmt.Errorf("-peers must number the nodes 1 to %d; node %d is missing", len(addrs), id)
		}
	}
	if len(addrs) > mostNodes {
		return nil, fmt.Errorf("-peers names %d nodes; a cluster has at most %d", len(addrs), mostNodes)
	}
	return addrs, nil
}

// checkNodeFlags checks -node's companions: the peers, with this node
// among them, the data directory, and the key.
func checkNodeFlags(opts *options) error {
	addrs, err := parsePeers(opts.peers)
	switch {
	case opts.peers == "":
		return errors.New("-node needs -peers, every node's address, such as 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003")
	case err != nil:
		return err
	case opts.node < 1 || opts.node > len(addrs):
		return fmt.Errorf("-node %d is not among the %d nodes of -peers", opts.node, len(addrs))
	case opts.dataDir == "":
		return errors.New("-node needs -data DIR, where the node keeps its term, vote and log")
	}
	if opts.key == "" {
		opts.key = os.Getenv(clusterKeyVariable)
	}
	if opts.key == "" {
		return fmt.Errorf("-node needs the cluster's shared key, the same on every node: -key KEY, or %s in the environment", clusterKeyVariable)
	}
	opts.addrs = addrs
	opts.cfg.Nodes = len(addrs)
	return nil
}

// processFlags are the flags of -processes that its nodes take too.
var processFlags = []string{"seed", "timeout-min", "timeout-max", "heartbeat", "prevote", "checkquorum", "v", "heartbeats", "no-color", "color"}

// defaultWebAddress is where -web alone listens: port 8080 of loopback.
const defaultWebAddress = "localhost:8080"

// webAddressFlag is -web's value: a bool flag, so that -web alone asks
// for the default address, that also takes an address (-web=:9000; and
// -web :9000, which joinWebAddress makes of it).
type webAddressFlag struct{ addr *string }

func (f webAddressFlag) String() string {
	if f.addr == nil {
		return ""
	}
	return *f.addr
}

func (f webAddressFlag) Set(s string) error {
	switch s {
	case "true":
		*f.addr = defaultWebAddress
	case "false":
		*f.addr = ""
	case "":
		return errors.New("needs an address, such as :8080")
	default:
		*f.addr = s
	}
	return nil
}

func (webAddressFlag) IsBoolFlag() bool { return true }

// joinWebAddress rewrites "-web ADDR" as "-web=ADDR", so that the flag
// package, which reads a bool flag's value only after "=", takes ADDR as
// -web's address rather than as the first argument after the flags.
func joinWebAddress(args []string) []string {
	joined := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		if (args[i] == "-web" || args[i] == "--web") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			joined = append(joined, args[i]+"="+args[i+1])
			i++
			continue
		}
		joined = append(joined, args[i])
	}
	return joined
}
