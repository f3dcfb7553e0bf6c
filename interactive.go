// interactive.go is the classroom mode, go run . -interactive: a cluster
// that runs until told to stop, and a console that reads commands (crash,
// restart, partition, heal, ...) while the log scrolls. Each command is
// recorded as an event before it runs, so the log and the trace tell the
// whole story, operator included. The console drives the Cluster
// (cluster.go) through its exported API, as a class would.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// consoleCommands is what the console understands, as help lists it.
var consoleCommands = []struct{ usage, does string }{
	{"crash N", "crash node N: its goroutine exits; its term and vote survive"},
	{"crash leader", "crash whichever node leads now"},
	{"restart N", "restart crashed node N, as a follower"},
	{"partition 1,2 3,4,5", "split the network into groups; a node in no group is cut off"},
	{"heal", "end the partition"},
	{"drop P", "make the network lose messages with probability P (0 to below 1)"},
	{"status", "each node's role, term, vote, and the nodes it can reach"},
	{"timeline", "the picture of the run so far"},
	{"wait D", "let the cluster run for D (such as 500ms or 2s) before the next command"},
	{"help", "this list"},
	{"quit", "stop, with the picture and the summary (so do Ctrl-D and Ctrl-C)"},
}

// longestWait bounds the wait command, so a script always ends.
const longestWait = time.Minute

// console executes the commands typed at one running cluster. Everything
// it prints goes out under the recorder's lock, so that its lines and the
// log's never run into each other.
type console struct {
	c         *Cluster
	out       io.Writer
	width     int              // of the timeline picture
	interrupt <-chan os.Signal // ends a wait early; nil: never
}

// execute runs one command line and reports whether it asked to quit.
func (k *console) execute(line string) (quit bool) {
	words := strings.Fields(line)
	if len(words) == 0 {
		return false
	}
	k.c.rec.record(Event{Kind: EventOperator, Reason: strings.Join(words, " ")})
	err := k.dispatch(words)
	switch {
	case errors.Is(err, errInterrupted):
		return true
	case err != nil:
		k.say("%s: %v (type help for the commands)", words[0], err)
	}
	return words[0] == "quit"
}

// errInterrupted says Ctrl-C cut a command short: the session ends.
var errInterrupted = errors.New("interrupted")

// dispatch runs a command given as words.
func (k *console) dispatch(words []string) error {
	args := words[1:]
	switch words[0] {
	case "crash":
		return k.crash(args)
	case "restart":
		return withNode(args, k.c.Restart)
	case "partition":
		return k.partition(args)
	case "heal":
		k.c.Heal()
	case "drop":
		return k.drop(args)
	case "status":
		k.status()
	case "timeline":
		k.c.rec.writeTimeline(k.out, k.width)
	case "wait":
		return k.wait(args)
	case "help":
		k.help()
	case "quit":
	default:
		return fmt.Errorf("unknown command")
	}
	return nil
}

func (k *console) crash(args []string) error {
	if len(args) == 1 && args[0] == "leader" {
		leader, _, ok := k.c.Leader()
		if !ok {
			return fmt.Errorf("no node leads right now; crash N names a node")
		}
		return k.c.Crash(leader)
	}
	return withNode(args, k.c.Crash)
}

// withNode calls act with the one node ID in args.
func withNode(args []string, act func(int) error) error {
	if len(args) != 1 {
		return fmt.Errorf("name one node, such as 3")
	}
	id, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("%q is not a node number", args[0])
	}
	return act(id)
}

// partition reads groups such as "1,2 3,4,5".
func (k *console) partition(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("name the groups, such as 1,2 3,4,5")
	}
	var groups [][]int
	for _, arg := range args {
		var group []int
		for _, field := range strings.Split(arg, ",") {
			id, err := strconv.Atoi(field)
			if err != nil {
				return fmt.Errorf("%q is not a node number; write groups like 1,2 3,4,5", field)
			}
			group = append(group, id)
		}
		groups = append(groups, group)
	}
	return k.c.Partition(groups...)
}

func (k *console) drop(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("give one probability, such as 0.3")
	}
	p, err := strconv.ParseFloat(args[0], 64)
	if err != nil {
		return fmt.Errorf("%q is not a probability", args[0])
	}
	return k.c.SetDropRate(p)
}

// wait lets the cluster run, unless an interrupt comes first.
func (k *console) wait(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("give one duration, such as 500ms or 2s")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d < 0 || d > longestWait {
		return fmt.Errorf("%q is not a duration from 0 to %s", args[0], longestWait)
	}
	timer := k.c.clock.newTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-k.interrupt:
		return errInterrupted
	}
}

// status prints a table of every node.
func (k *console) status() {
	status := k.c.Status()
	reach := make([]string, len(status))
	for i, st := range status {
		reach[i] = joinInts(k.c.reachable(st.ID), ", ")
		if reach[i] == "" {
			reach[i] = "-"
		}
	}
	k.c.rec.exclusive(func() {
		tw := tabwriter.NewWriter(k.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "node\trole\tterm\tvoted for\talive\tcan reach")
		for i, st := range status {
			role, vote, alive := st.Role.String(), "-", "yes"
			if st.VotedFor != 0 {
				vote = fmt.Sprint(st.VotedFor)
			}
			if !st.Alive {
				role, alive = "down (was "+role+")", "no"
			}
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\n", st.ID, role, st.Term, vote, alive, reach[i])
		}
		tw.Flush()
	})
}

func (k *console) help() {
	k.c.rec.exclusive(func() {
		tw := tabwriter.NewWriter(k.out, 0, 0, 2, ' ', 0)
		for _, cmd := range consoleCommands {
			fmt.Fprintf(tw, "  %s\t%s\n", cmd.usage, cmd.does)
		}
		tw.Flush()
	})
}

// say prints one line for the operator.
func (k *console) say(format string, args ...any) {
	k.c.rec.exclusive(func() { fmt.Fprintf(k.out, format+"\n", args...) })
}

// run reads commands from in, one a line, until quit, the end of the
// input, or an interrupt.
func (k *console) run(in io.Reader) {
	lines, done := make(chan string), make(chan struct{})
	defer close(done)
	go func() {
		defer close(lines)
		scanner := bufio.NewScanner(in)
		for scanner.Scan() {
			select {
			case lines <- scanner.Text():
			case <-done:
				return
			}
		}
	}()
	for {
		select {
		case line, ok := <-lines:
			if !ok || k.execute(line) {
				return
			}
		case <-k.interrupt:
			return
		}
	}
}

// interactive runs a cluster of cfg under the console until the class is
// done, then prints the picture and the summary. It returns the exit code:
// 1 if the safety checker found a violation.
func interactive(cfg Config, in io.Reader, out io.Writer, width int, interrupt <-chan os.Signal) int {
	c, err := NewCluster(cfg)
	if err != nil {
		panic(err) // parseOptions has validated the Config
	}
	fmt.Fprintf(out, "Interactive: %d nodes, seed %d. Type commands while the log runs; help lists them.\n", cfg.Nodes, cfg.Seed)
	warnOfBreakage(cfg.Break, out)
	c.Start()
	k := &console{c: c, out: out, width: width, interrupt: interrupt}
	k.run(in)
	c.Stop()
	fmt.Fprintln(out)
	c.rec.writeTimeline(out, width)
	fmt.Fprintln(out)
	c.rec.writeSummary(out)
	if len(c.Violations()) > 0 {
		return 1
	}
	return 0
}

// lineClearer writes to a terminal, starting every line by clearing the
// terminal's current line. Typing echoes onto that line, so without it a
// half-typed command would run into the next log line. With it, the half-
// typed text leaves the screen but not the input: pressing Enter still
// sends all of it, and the log then shows the whole command.
type lineClearer struct {
	w         io.Writer
	lineStart bool
}

const clearLine = "\r\x1b[K"

func newLineClearer(w io.Writer) *lineClearer { return &lineClearer{w: w, lineStart: true} }

func (lc *lineClearer) Write(p []byte) (int, error) {
	var out []byte
	for _, b := range p {
		if lc.lineStart {
			out = append(out, clearLine...)
		}
		out = append(out, b)
		lc.lineStart = b == '\n'
	}
	if _, err := lc.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
