// interactive.go is the classroom mode, go run . -interactive: a cluster
// that runs until told to stop, and a console that reads commands (crash,
// restart, partition, heal, ...) while the log scrolls. Each command is
// recorded as an event before it runs, so the log and the trace tell the
// whole story, operator included. The console drives the Cluster
// (cluster.go) as a class would: crash, restart, partition, put, get. On a terminal,
// golang.org/x/term's Terminal gives it a prompt on the last line, line
// editing and history; piped input, for tests and scripted lessons, is read
// line by line.

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

	"golang.org/x/term"
)

// consoleCommand is a command the console understands.
type consoleCommand struct {
	names []string // what may be typed: the first, and any abbreviations
	usage string   // the command as help shows it
	does  string   // what it does, as help says
	// args is how many words it takes after its name; -1: one or more.
	// want says what they are, when they are missing or too many.
	args int
	want string
	run  func(k *console, args []string) error
}

// consoleCommands is what the console understands, in the order help
// lists it. (A function, not a variable: help is one of them and lists
// them all.)
func consoleCommands() []consoleCommand {
	return []consoleCommand{
		{[]string{"crash"}, "crash N", "crash node N (or crash leader: whichever node leads now); its goroutine exits, its term, vote and log survive",
			1, "name one node, such as 3, or leader", (*console).crash},
		{[]string{"restart"}, "restart N", "restart crashed node N, as a follower",
			1, "name one node, such as 3", func(k *console, args []string) error { return withNode(args[0], k.c.Restart) }},
		{[]string{"timeout"}, "timeout N", "make node N's election timeout elapse now, so that it stands for election (a leader has none)",
			1, "name one node, such as 3", func(k *console, args []string) error { return withNode(args[0], k.c.Timeout) }},
		{[]string{"transfer"}, "transfer N", "have the leader hand its leadership over to node N: it stops taking client commands, brings N's log up to its own, and sends it TimeoutNow, so N stands and wins at once (dissertation §3.10)",
			1, "name one node, such as 3", func(k *console, args []string) error { return withNode(args[0], k.c.Transfer) }},
		{[]string{"align"}, "align", "make the election timers of every node that runs one run out together, soon: with no leader, they stand at once and split the vote (RaftScope's A)",
			0, "", func(k *console, _ []string) error { return k.stagger(false) }},
		{[]string{"spread"}, "spread", "make those timers run out one after another, far apart: the first to stand wins before the next times out (RaftScope's T)",
			0, "", func(k *console, _ []string) error { return k.stagger(true) }},
		{[]string{"lose"}, "lose A B KIND", "drop the oldest message of KIND (RequestVote, AppendEntries...) on its way from node A to node B, as the page does when a message is clicked",
			3, "name the sender, the receiver and the message's kind, such as lose 2 3 RequestVote", (*console).lose},
		{[]string{"partition"}, "partition 1,2 3,4,5", "split the network into groups; a node in no group is cut off alone",
			-1, "name the groups, such as 1,2 3,4,5", (*console).partition},
		{[]string{"heal"}, "heal", "end the partition",
			0, "", func(k *console, _ []string) error { return k.c.Heal() }},
		{[]string{"drop"}, "drop P", "make the network lose messages with probability P (0 to below 1)",
			1, "give one probability, such as 0.3", (*console).drop},
		{[]string{"put"}, "put K V", "have the client set key K to value V through the leader; it answers once the put is committed and applied",
			2, "give a key and a value, such as put x 1", (*console).put},
		{[]string{"get"}, "get K", "have the client read key K through the leader, which answers once a majority confirms it still leads (with -log-reads, as an entry of the log)",
			1, "give one key, such as get x", (*console).get},
		{[]string{"log"}, "log", "every node's log side by side, committed entries marked",
			0, "", func(k *console, _ []string) error { k.showLogs(); return nil }},
		{[]string{"status"}, "status", "each node's role, term, vote, last log entry (index/term) and commit index, and the nodes it can reach",
			0, "", func(k *console, _ []string) error { k.status(); return nil }},
		{[]string{"timeline"}, "timeline", "the picture of the run so far",
			0, "", func(k *console, _ []string) error { k.c.rec.writeTimeline(k.out, k.width); return nil }},
		{[]string{"wait"}, "wait D", "let the cluster run for D (such as 500ms or 2s) of its time before the next command",
			1, "give one duration, such as 500ms or 2s", (*console).wait},
		{[]string{"pause"}, "pause", "freeze the cluster: no timer fires and no message arrives until resume; status and timeline still answer",
			0, "", (*console).pause},
		{[]string{"step"}, "step D", "while paused, let the cluster run for D of its time (such as 20ms), then freeze it again",
			1, "give one duration, such as 20ms", (*console).step},
		{[]string{"resume"}, "resume", "let a paused cluster run on from where it froze",
			0, "", (*console).resume},
		{[]string{"slow"}, "slow K", "from now on, let every duration last K times longer (1 to 100); only the pace changes, not what happens",
			1, "give one factor, such as 10", (*console).slow},
		{[]string{"help"}, "help", "this list",
			0, "", func(k *console, _ []string) error { k.help(); return nil }},
		{[]string{"quit", "exit", "q"}, "quit", "stop, with the summary and the picture (so do exit, q, Ctrl-D and Ctrl-C)",
			0, "", func(*console, []string) error { return errQuit }},
	}
}

// longestWait bounds the wait command, so a script always ends.
const longestWait = time.Minute

// console executes the commands typed at one running cluster. Everything
// it prints goes out under the recorder's lock, so that its lines and the
// log's never run into each other. Only the goroutine of run uses it.
//
// The console is the engine's driver while it runs a command, so that a
// command acts on the cluster as it stands and wait and step run it for
// exactly their time. Reading a pipe, it stays the driver between commands
// too: the cluster's time then moves only on wait and step, and the same
// lines tell the same story. On a terminal it lets the cluster run while
// the class types.
type console struct {
	c      *Cluster
	out    io.Writer
	width  int             // of the screen: every line fits it
	abort  <-chan struct{} // closed by an interrupt: ends a wait, and the session
	driver *driver         // the console's turn, while it has one
}

// errQuit ends a command, and with it the session.
var errQuit = errors.New("quit")

// execute runs one command line and reports whether it asked to quit.
func (k *console) execute(line string) (quit bool) {
	err := k.do(line)
	switch {
	case errors.Is(err, errQuit), errors.Is(err, errInterrupted):
		return true
	case err != nil:
		k.fail(err)
	}
	return false
}

// do runs one command line, and returns what went wrong, naming the
// command.
func (k *console) do(line string) error {
	words := commandWords(line)
	if len(words) == 0 {
		return nil
	}
	if k.driver == nil {
		k.driver = k.c.clock.drive()
		defer func() { k.driver.release(); k.driver = nil }()
	}
	k.c.note(Event{Kind: EventOperator, Reason: printable(strings.Join(words, " "))})
	err := k.dispatch(words)
	if err == nil || errors.Is(err, errQuit) || errors.Is(err, errInterrupted) {
		return err
	}
	return fmt.Errorf("%s: %w", printable(words[0]), err)
}

// commandWords splits a command line into its words. A command and its
// words may be typed in any case, and are lowered, but for a key and a
// value, which are the client's data and are kept exactly as typed.
func commandWords(line string) []string {
	words := strings.Fields(line)
	for i, word := range words {
		if i == 0 || !carriesData[words[0]] {
			words[i] = strings.ToLower(word)
		}
	}
	return words
}

// carriesData names the commands whose arguments are a key and a value.
var carriesData = map[string]bool{"put": true, "get": true}

// dispatch runs a command given as words.
func (k *console) dispatch(words []string) error {
	for _, cmd := range consoleCommands() {
		for _, name := range cmd.names {
			if name == words[0] {
				return cmd.call(k, words[1:])
			}
		}
	}
	return fmt.Errorf("unknown command")
}

// call runs the command with args, if they are as many as it takes.
func (cmd consoleCommand) call(k *console, args []string) error {
	switch {
	case cmd.args == 0 && len(args) > 0:
		return fmt.Errorf("nothing goes after it")
	case cmd.args < 0 && len(args) == 0, cmd.args > 0 && len(args) != cmd.args:
		return errors.New(cmd.want)
	}
	return cmd.run(k, args)
}

// crash crashes the node named, or the leader. During an election there
// is none to crash: it says so, and waits a while for one, so that a
// lesson of several crashes goes on.
func (k *console) crash(args []string) error {
	if args[0] != "leader" {
		return withNode(args[0], k.c.Crash)
	}
	patience, _ := stageTimes(k.c.cfg)
	if _, _, ok := k.c.Leader(); !ok {
		k.say("no node leads right now (an election is under way, or no majority is up): waiting up to %s for a leader",
			formatDuration(patience))
	}
	var leader int
	hasLeader := func() (ok bool) { leader, _, ok = k.c.Leader(); return ok }
	if !k.driver.until(patience, k.abort, hasLeader) {
		if closed(k.abort) {
			return errInterrupted
		}
		return fmt.Errorf("no node came to lead within %s; crash N names a node", formatDuration(patience))
	}
	return k.c.Crash(leader)
}

// stagger sets the election timer of every node that runs one: all to run
// out at once, after a share of the longest timeout, or, spread, one after
// another, a share apart, in the order of their IDs.
func (k *console) stagger(spread bool) error {
	var timed []int
	for _, st := range k.c.Status() {
		if st.Alive && st.Role != Leader {
			timed = append(timed, st.ID)
		}
	}
	if len(timed) == 0 {
		return errors.New("no node runs an election timer: each is down or leads")
	}
	share := k.c.cfg.ElectionTimeoutMax / time.Duration(len(timed)+1)
	for i, id := range timed {
		after := share
		if spread {
			after = share * time.Duration(i+1)
		}
		if err := k.c.SetTimer(id, after); err != nil {
			return err
		}
	}
	return nil
}

// lose drops a message on its way, named by its sender, receiver and kind
// (in any case).
func (k *console) lose(args []string) error {
	from, err := parseNode(args[0])
	if err != nil {
		return err
	}
	to, err := parseNode(args[1])
	if err != nil {
		return err
	}
	for kind := range traceMessages {
		if strings.EqualFold(kind, args[2]) && kind != messageName(ClientRequest{}) {
			return k.c.Lose(from, to, kind)
		}
	}
	return fmt.Errorf("%s is no message between nodes, such as RequestVote or AppendEntries", quoteTyped(args[2]))
}

// put sets a key through the client, and says where the put went.
func (k *console) put(args []string) error {
	if err := k.c.put(args[0], args[1], k.abort); err != nil {
		return err
	}
	leader, term, _ := k.c.Leader()
	k.say("%s", putAnswer(args[0], args[1], leader, term))
	return nil
}

// putAnswer is what a console says of a put the cluster applied.
func putAnswer(key, value string, leader int, term uint64) string {
	return fmt.Sprintf("%s = %s: committed and applied; node %d leads term %d", key, value, leader, term)
}

// getAnswer is what a console says of a read the leader answered.
func getAnswer(key, value string, found bool) string {
	if !found {
		return key + " has no value"
	}
	return key + " = " + value
}

// get reads a key through the client.
func (k *console) get(args []string) error {
	value, ok, err := k.c.get(args[0], k.abort)
	if err != nil {
		return err
	}
	k.say("%s", getAnswer(args[0], value, ok))
	return nil
}

// showLogs draws every node's log.
func (k *console) showLogs() {
	status := k.c.Status()
	entries := make([][]Entry, len(status))
	for i := range status {
		entries[i] = k.c.Entries(i + 1)
	}
	k.c.rec.exclusive(func() { writeLogs(k.out, k.width, status, entries) })
}

// withNode calls act with the node that word names.
func withNode(word string, act func(int) error) error {
	id, err := parseNode(word)
	if err != nil {
		return err
	}
	return act(id)
}

// parseNode reads a node number: digits only, so that "+1" and " 1" are
// mistakes, as they would be on the command line.
func parseNode(word string) (int, error) {
	id, err := strconv.Atoi(word)
	if err != nil || strings.IndexFunc(word, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, fmt.Errorf("%s is not a node number", quoteTyped(word))
	}
	return id, nil
}

// partition reads groups such as "1,2 3,4,5", and says which nodes the
// partition leaves alone, which is easy to miss: "partition 1,2" cuts each
// of the others off from everyone.
func (k *console) partition(args []string) error {
	var groups [][]int
	for _, arg := range args {
		var group []int
		for _, field := range strings.Split(arg, ",") {
			id, err := parseNode(field)
			if err != nil {
				return fmt.Errorf("%w; write groups like 1,2 3,4,5", err)
			}
			group = append(group, id)
		}
		groups = append(groups, group)
	}
	if err := k.c.Partition(groups...); err != nil {
		return err
	}
	switch alone := aloneIn(groups, k.c.cfg.Nodes); len(alone) {
	case 0:
	case 1:
		k.say("%s is cut off alone", nameNodes(alone))
	default:
		k.say("%s are each cut off alone", nameNodes(alone))
	}
	return nil
}

// aloneIn lists the nodes of a cluster of n that a partition into groups
// leaves with nobody to talk to: those in a group of one or in none.
func aloneIn(groups [][]int, n int) []int {
	company := make([]int, n+1) // company[id]: the size of id's group
	for _, group := range groups {
		for _, id := range group {
			company[id] = len(group)
		}
	}
	var alone []int
	for id := 1; id <= n; id++ {
		if company[id] <= 1 {
			alone = append(alone, id)
		}
	}
	return alone
}

func (k *console) drop(args []string) error {
	p, err := strconv.ParseFloat(args[0], 64)
	if err != nil {
		return fmt.Errorf("%s is not a probability", quoteTyped(args[0]))
	}
	return k.c.SetDropRate(p)
}

// wait lets the cluster run for a duration of its time, unless an
// interrupt comes first.
func (k *console) wait(args []string) error {
	d, err := k.duration(args[0])
	if err != nil {
		return err
	}
	if k.c.clock.isPaused() {
		return errors.New("the cluster is paused, so it would wait for ever: step D, or resume")
	}
	return k.runFor(d)
}

// duration reads the protocol duration of a wait or a step. Its real
// length, slowed, is at most longestWait, so that a script always ends.
func (k *console) duration(word string) (time.Duration, error) {
	d, err := time.ParseDuration(word)
	if err != nil || d < 0 || k.c.clock.real(d) > longestWait {
		return 0, fmt.Errorf("%s is not a duration from 0 to %s", quoteTyped(word), k.c.clock.protocol(longestWait))
	}
	return d, nil
}

// runFor waits while the cluster runs for protocol duration d, unless an
// interrupt comes first.
func (k *console) runFor(d time.Duration) error {
	if !k.driver.sleep(d, k.abort) && closed(k.abort) {
		return errInterrupted
	}
	return nil
}

// pause freezes the cluster, and says what that means.
func (k *console) pause([]string) error {
	if err := k.c.Pause(); err != nil {
		return err
	}
	k.say("paused at %s: no timer fires and no message arrives until step D or resume; status and timeline still answer",
		formatDuration(k.c.rec.now()))
	return nil
}

// step lets a paused cluster run for a moment and freezes it again, so
// that a class can watch one vote or one heartbeat at a time.
func (k *console) step(args []string) error {
	d, err := k.duration(args[0])
	if err != nil {
		return err
	}
	if err := k.c.Resume(); err != nil {
		return errors.New("step works on a paused cluster: pause first")
	}
	ran := k.runFor(d)
	if err := k.c.Pause(); err != nil {
		return err
	}
	k.say("paused again at %s", formatDuration(k.c.rec.now()))
	return ran
}

func (k *console) resume([]string) error { return k.c.Resume() }

// slow changes the pace of a paced run.
func (k *console) slow(args []string) error {
	factor, err := strconv.ParseFloat(args[0], 64)
	if err != nil || factor < 1 || factor > mostSlowdown {
		return fmt.Errorf("%s is not a factor from 1 to %d", quoteTyped(args[0]), mostSlowdown)
	}
	return k.c.setSlowdown(factor)
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
		fmt.Fprintln(tw, "node\trole\tterm\tvoted\tlog\tcommit\talive\tcan reach")
		for i, st := range status {
			role, vote, alive := st.Role.String(), "-", "yes"
			if st.VotedFor != 0 {
				vote = fmt.Sprint(st.VotedFor)
			}
			if !st.Alive {
				role, alive = "down (was "+role+")", "no"
			}
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d/%d\t%d\t%s\t%s\n",
				st.ID, role, st.Term, vote, st.LastLogIndex, st.LastLogTerm, st.CommitIndex, alive, reach[i])
		}
		tw.Flush()
	})
	if k.c.clock.isPaused() {
		k.say("(paused at %s: step D or resume)", formatDuration(k.c.rec.now()))
	}
}

func (k *console) help() {
	var defs []definition
	for _, cmd := range consoleCommands() {
		defs = append(defs, definition{cmd.usage, cmd.does})
	}
	k.c.rec.exclusive(func() { writeDefinitions(k.out, defs, 2, k.width) })
}

// say prints a line for the operator.
func (k *console) say(format string, args ...any) {
	k.c.rec.exclusive(func() { writeHanging(k.out, "", fmt.Sprintf(format, args...), k.width, nil) })
}

// fail tells the operator what was wrong with a command, in the color of
// errors.
func (k *console) fail(err error) {
	line := err.Error() + " (type help for the commands)"
	if errors.As(err, new(*notAppliedError)) {
		line = err.Error() // the cluster's answer to a command well typed
	}
	k.c.rec.exclusive(func() { writeHanging(k.out, "", line, k.width, errorStyle) })
}

// longestLine is the longest command line read from a pipe; a longer one
// is refused whole, and the session goes on.
const longestLine = 64 << 10

var errLineTooLong = fmt.Errorf("a line of over %d KiB: ignored", longestLine>>10)

// pipedLines reads the lines of in, one a call, without their line
// endings. A line over longestLine comes back as errLineTooLong; the end
// of in as io.EOF.
func pipedLines(in io.Reader) func() (string, error) {
	reader := bufio.NewReaderSize(in, longestLine)
	return func() (string, error) {
		line, more, err := reader.ReadLine()
		if !more {
			return string(line), err
		}
		for more && err == nil {
			_, more, err = reader.ReadLine()
		}
		return "", errLineTooLong
	}
}

// sendLines sends to out each line of in, made into what out carries by
// wrap, skipping lines too long to be commands, until in ends or done
// closes. It is the goroutine that reads the terminal for a session whose
// own goroutine waits on other things too (the page's commands): a read of
// a terminal cannot be interrupted, so while it waits it lasts as long as
// the program.
func sendLines[T any](in io.Reader, out chan<- T, wrap func(string) T, done <-chan struct{}) {
	next := pipedLines(in)
	for {
		line, err := next()
		if errors.Is(err, errLineTooLong) {
			continue
		}
		if err != nil {
			return
		}
		select {
		case out <- wrap(line):
		case <-done:
			return
		}
	}
}

// typed is one line of input, or the error that stood in for it.
type typed struct {
	line string
	err  error
}

// run reads commands, one a call of next, until quit, the end of the
// input, or an interrupt. next is called on a goroutine of its own, so
// that an interrupt can end the session while it waits for a line.
func (k *console) run(next func() (string, error)) {
	lines, done := make(chan typed), make(chan struct{})
	defer close(done)
	go func() {
		defer close(lines)
		for {
			line, err := next()
			if err != nil && !errors.Is(err, errLineTooLong) {
				return // the end of the input
			}
			select {
			case lines <- typed{line, err}:
			case <-done:
				return
			}
		}
	}()
	for {
		select {
		case in, ok := <-lines:
			switch {
			case !ok:
				return
			case in.err != nil:
				k.fail(in.err)
			case k.execute(in.line):
				return
			}
		case <-k.abort:
			return
		}
	}
}

// runSession runs a cluster of cfg under a console that reads commands
// with next and prints to out, width columns wide, until the class is
// done. onScreen says that the commands come from a terminal, which shows
// each one as it is typed: the log need not repeat them, and the cluster
// runs while the class types. It returns the stopped cluster.
func runSession(cfg Config, out io.Writer, width int, interrupt <-chan os.Signal, next func() (string, error), onScreen bool) *Cluster {
	c, err := NewCluster(cfg)
	if err != nil {
		panic(err) // parseOptions has validated the Config
	}
	done := make(chan struct{})
	defer close(done)
	if onScreen {
		c.rec.log.hideOperator()
	}
	writeHanging(out, "", fmt.Sprintf("Interactive: %d nodes, seed %d. Type commands while the log runs: help lists them, quit ends.",
		cfg.Nodes, cfg.Seed), width, nil)
	tellSlowMotion(cfg, out, width)
	warnOfBreakage(cfg.Break, out, width)
	k := &console{c: c, out: out, width: width, abort: abortOn(interrupt, done)}
	if onScreen {
		c.Start() // the class types at times of its own: the cluster runs meanwhile
	} else {
		k.driver = c.startAsDriver()
		defer k.driver.release()
	}
	defer c.Stop() // by a piped session's driver, before it lets go: the run ends at its own time
	k.run(next)
	return c
}

// abortOn returns a channel that closes when interrupt fires, until done
// closes. A nil interrupt never fires.
func abortOn(interrupt <-chan os.Signal, done <-chan struct{}) <-chan struct{} {
	abort := make(chan struct{})
	go func() {
		select {
		case <-interrupt:
			close(abort)
		case <-done:
		}
	}()
	return abort
}

// interactive runs the console on commands read from in, as a pipe
// delivers them, printing to out, width columns wide. It returns the exit
// code: 1 if the safety checker found a violation.
func interactive(cfg Config, in io.Reader, out io.Writer, width int, interrupt <-chan os.Signal) int {
	c := runSession(cfg, out, width, interrupt, pipedLines(in), false)
	return endSession(c, out, width)
}

// prompt is the console's prompt on a terminal.
const prompt = "raft> "

// onTerminal reports whether the console reads stdin from a terminal and
// writes standard output to it.
func onTerminal(stdin io.Reader) bool {
	return stdin == os.Stdin && term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
}

// interactiveOnTerminal runs the console on the terminal that standard
// input and output are; out writes to standard output. The terminal is in
// raw mode for the session and restored however it ends, panics included;
// interrupt, if it fires, ends the session as Ctrl-C does.
func interactiveOnTerminal(cfg Config, out io.Writer, interrupt <-chan os.Signal) int {
	fd := int(os.Stdin.Fd())
	saved, err := term.MakeRaw(fd)
	if err != nil {
		return interactive(cfg, os.Stdin, out, terminalWidth(), interrupt)
	}
	defer term.Restore(fd, saved)
	width, height := screenSize(int(os.Stdout.Fd()))
	c := consoleOnScreen(cfg, struct {
		io.Reader
		io.Writer
	}{os.Stdin, out}, width, height, interrupt)
	term.Restore(fd, saved)
	return endSession(c, out, width)
}

// consoleOnScreen runs a session on screen, a terminal in raw mode of
// width by height, through x/term's Terminal: a prompt on the last line,
// the log written above it, line editing and history. It returns the
// stopped cluster, the prompt cleared away.
func consoleOnScreen(cfg Config, screen io.ReadWriter, width, height int, interrupt <-chan os.Signal) *Cluster {
	ctrlC, done := make(chan os.Signal, 1), make(chan struct{})
	defer close(done)
	go func() {
		select {
		case sig := <-interrupt:
			offer(ctrlC, sig)
		case <-done:
		}
	}()
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{&keyboard{in: screen, ctrlC: ctrlC}, screen}, prompt)
	t.SetSize(width, height)
	cfg.Log, cfg.LogWidth = t, width
	c := runSession(cfg, t, width, ctrlC, func() (string, error) {
		line, err := t.ReadLine()
		if errors.Is(err, term.ErrPasteIndicator) {
			err = nil // a pasted line is a line like any other
		}
		return line, err
	}, true)
	t.SetPrompt("")
	t.Write(nil) // redraws the line without the prompt
	return c
}

// keyboard is a terminal's input in raw mode, on its way to the Terminal.
// It hears Ctrl-C, which raw mode delivers as a byte instead of a signal,
// and turns the SS3 key sequences (ESC O, then a letter: F1 to F4, and the
// arrows in some terminals' modes), which the Terminal would take as a key
// and a letter, into the CSI ones (ESC [) that it reads as one key.
type keyboard struct {
	in      io.Reader
	ctrlC   chan os.Signal
	escaped bool // the last byte read was ESC
}

const (
	keyCtrlC  = 3
	keyEscape = 0x1b
)

func (k *keyboard) Read(p []byte) (int, error) {
	n, err := k.in.Read(p)
	for i, b := range p[:n] {
		switch {
		case b == keyCtrlC:
			offer(k.ctrlC, os.Interrupt)
		case b == 'O' && k.escaped:
			p[i] = '['
		}
		k.escaped = b == keyEscape
	}
	return n, err
}
