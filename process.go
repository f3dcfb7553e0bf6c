// process.go runs one node as a process of its own, for a classroom where
// every laptop is a server: `-node ID -peers 1=host:port,... -data DIR`.
// The node is the same code as in the one-process cluster (node.go); only
// its world differs. Its messages cross TCP (wire.go), its clock is the
// wall clock (RealTime: processes share no engine), and its persistent
// state lives in a file (statefile.go), saved before it sends anything,
// so that `kill -9` and a restart find its term, vote and log.
//
// `-processes N` starts N such processes on this machine, to try it
// alone: they listen on ports of 127.0.0.1 and keep their state and
// traces in one directory. Its console crashes (SIGKILL) and restarts
// them, and puts and gets keys as a client over the wire (remoteclient.go).

package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fatih/color"
)

// epochVariable names the environment variable by which -processes gives
// its nodes one time to count from, RFC 3339: the times of all their lines
// then agree, across restarts too.
const epochVariable = "RAFT_CLUSTER_EPOCH"

// listenerVariable names the environment variable by which -processes
// tells a node it inherits its listening socket, open at the address the
// variable gives, as its first extra file (descriptor 3). A port picked
// free and closed again could be taken by any connection before the node
// listens; a socket held open from the moment its port is picked cannot.
const listenerVariable = "RAFT_NODE_LISTENER"

// readyVariable names the environment variable by which -processes gives a
// node the descriptor of a pipe to write one byte to once it is ready: it
// has read its state, opened its trace and listens, and it stops cleanly
// on Ctrl-C, which an instant earlier would have killed it outright.
const readyVariable = "RAFT_NODE_READY"

// nodeProcess is what runs one node as a process: the cluster that holds
// it (the other nodes are names on the wire), its wire and its state file.
type nodeProcess struct {
	c     *Cluster
	wire  *wire
	state *stateFile
	// failed is closed when the state cannot be saved: the node has gone
	// silent, and the process must stop.
	failed chan struct{}
	fail   sync.Once
	stderr io.Writer
	unlock func() // lets another process use the data directory
}

// lockDataDir takes the data directory for this process alone, so that
// two processes never write one node's state: the lock is the kernel's,
// and goes with the process, however it dies.
func lockDataDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("-data: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is in use by another node's process: each node needs a -data directory of its own", dir)
	}
	return f, nil
}

// runNode runs node opts.node until stop aborts or its state cannot be
// saved, and returns the exit code.
func runNode(cfg Config, opts options, stdin io.Reader, out, stderr io.Writer, stop *runStop) int {
	p, err := newNodeProcess(cfg, opts, out, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "raft: "+escapeControl(err.Error()))
		return exitUsage
	}
	p.wire.start()
	p.c.Start()
	sayReady()
	p.serve(stdin, out, stop.abort, newRemoteClient(opts.addrs, []byte(opts.key), stop.abort))
	p.c.Stop()
	p.wire.stop()
	p.unlock()
	if closed(p.failed) {
		return exitOutput
	}
	// No summary: this process saw one node's events, which tell the
	// cluster's story wrongly; the traces merged tell it (-check).
	st := p.c.Status()[opts.node-1]
	story := "with -trace, its trace merged with the others' (-check) would tell the cluster's story"
	if opts.tracePath != "" {
		story = "its trace, merged with the others' (-check), tells the cluster's story"
	}
	writeHanging(out, "", fmt.Sprintf("Node %d stopped, %s in term %d, with %s; %s.",
		opts.node, st.Role, st.Term, plural(int(st.LastLogIndex), "log entry"), story), terminalWidth(), narrationStyle)
	if len(p.c.Violations()) > 0 {
		return exitViolation
	}
	return exitSafe
}

// serve runs the node until abort closes or its state cannot be saved,
// and meanwhile takes put and get from stdin, as a client of the cluster:
// one laptop's put can be read on another's. The end of stdin ends only
// the typing.
func (p *nodeProcess) serve(stdin io.Reader, out io.Writer, abort <-chan struct{}, client *remoteClient) {
	lines, done := make(chan string), make(chan struct{})
	defer close(done)
	go func() {
		defer close(lines)
		sendLines(stdin, lines, func(line string) string { return line }, done)
	}()
	for {
		select {
		case <-abort:
			return
		case <-p.failed:
			return
		case line, ok := <-lines:
			if !ok {
				lines = nil // nothing more to type; the node goes on
				continue
			}
			if words := commandWords(line); len(words) > 0 {
				answer, err := client.run(words)
				if err != nil {
					answer = err.Error()
				}
				p.c.rec.exclusive(func() { writeHanging(out, "", answer, terminalWidth(), narrationStyle) })
			}
		}
	}
}

// newNodeProcess reads the node's state, listens, and builds the cluster
// around the node, ready to start.
func newNodeProcess(cfg Config, opts options, out, stderr io.Writer) (*nodeProcess, error) {
	id := opts.node
	if err := os.MkdirAll(opts.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("-data: %v", err)
	}
	lock, err := lockDataDir(opts.dataDir)
	if err != nil {
		return nil, err
	}
	unlock := func() { lock.Close() }
	state, err := openStateFile(opts.dataDir, id, cfg.Nodes)
	if err != nil {
		unlock()
		return nil, err
	}
	w, err := listenWire(id, opts.addrs, []byte(opts.key), cfg.HeartbeatInterval, inheritedListener(opts.addrs[id]))
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		err = fmt.Errorf("node %d's address %s is in use by another program (is node %d running already?)", id, opts.addrs[id], id)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		err = fmt.Errorf("node %d cannot listen at %s: that is not an address of this machine (is -node %d this laptop's number in -peers?)", id, opts.addrs[id], id)
	case err != nil:
		err = fmt.Errorf("node %d cannot listen at %s: %v", id, opts.addrs[id], err)
	}
	if err != nil {
		unlock()
		return nil, err
	}
	p := &nodeProcess{wire: w, state: state, failed: make(chan struct{}), stderr: stderr, unlock: unlock}
	epoch, _ := time.Parse(time.RFC3339Nano, os.Getenv(epochVariable)) // zero if unset: the process counts from its own start
	c, err := newProcessCluster(cfg, id, w, p, state.saved, epoch)
	if err != nil {
		w.stop()
		unlock()
		return nil, err
	}
	p.c = c
	w.deliver, w.request, w.transfer, w.lost = c.receive, c.handOverLocal, c.transferLocal, c.drop
	w.refused = func(from string, why error) {
		c.note(Event{Kind: EventNote, Reason: fmt.Sprintf("node %d refused a connection from %s: %v", id, from, why)})
	}
	tellNodeProcess(opts, state, out)
	return p, nil
}

// save is the node's stable storage: the state file. Only the node's
// goroutine calls it; a failure stops the process.
func (p *nodeProcess) save(s persistentState) error {
	err := p.state.save(s)
	if err != nil {
		p.fail.Do(func() {
			fmt.Fprintln(p.stderr, "raft: "+escapeControl(err.Error())+": the node stops rather than answer with a state it could lose")
			close(p.failed)
		})
	}
	return err
}

// tellNodeProcess says which node this process is, what it remembers,
// and where it listens, with a warning if that is beyond this machine.
func tellNodeProcess(opts options, state *stateFile, out io.Writer) {
	width := terminalWidth()
	addr := opts.addrs[opts.node]
	if host, _, _ := net.SplitHostPort(addr); !isLoopback(host) {
		writeHanging(out, "", fmt.Sprintf("!!! node %d listens at %s, beyond this machine: only the cluster's key keeps strangers out.", opts.node, addr), width, violationStyle)
	}
	remembers := "nothing yet: a new node"
	if s := state.saved; s.currentTerm > 0 || len(s.log) > 0 {
		remembers = fmt.Sprintf("term %d, a vote for %s, %s", s.currentTerm, voteName(s.votedFor), plural(len(s.log), "log entry"))
	}
	writeHanging(out, "", fmt.Sprintf("Node %d of %d, pid %d, listening at %s. It remembers %s (%s). Type put K V or get K to use the cluster's key-value store; Ctrl-C stops the node; kill -9 crashes it.",
		opts.node, len(opts.addrs), os.Getpid(), addr, remembers, state.path), width, narrationStyle)
}

// voteName names a vote: a node, or none.
func voteName(id int) string {
	if id == 0 {
		return "nobody"
	}
	return fmt.Sprintf("node %d", id)
}

// isLoopback reports whether host, as -peers gives it, is this machine
// alone: localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// localCluster is a cluster of node processes that this process started
// on this machine (-processes), and the console that drives them. Only
// the goroutine of runProcesses uses it; the processes' output reaches
// the terminal through screen, a whole line at a time.
type localCluster struct {
	dir    string         // each node's state and trace
	addrs  map[int]string // by node
	args   []string       // the flags every node takes, beyond its own
	key    string
	epoch  time.Time          // when the cluster started: every node's times count from it
	procs  map[int]*nodeChild // the running ones
	held   map[int]*os.File   // each node's listening socket, from when its port is picked until its process first starts
	ended  chan int           // each process's node, as it exits
	client *remoteClient      // the console's, and the page's, client of the key-value store
	watch  *processWatch      // the cluster as the processes' traces tell it (processweb.go): who leads
	page   *processPage       // with -web: the page; else nil
	screen *sync.Mutex        // held for each line written to out
	out    io.Writer
}

// nodeChild is one node's process, while it runs.
type nodeChild struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once it has exited
	ready  *os.File      // the pipe it says it is ready on (readyVariable); nil once it has
}

// runProcesses starts opts.processes node processes, takes commands until
// quit, Ctrl-C or the end of standard input, stops them, and checks their
// merged traces. It returns the exit code.
func runProcesses(opts options, stdin io.Reader, out, stderr io.Writer, stop *runStop) int {
	lc, err := newLocalCluster(opts, out, stop.abort)
	if err != nil {
		fmt.Fprintln(stderr, "raft: -processes: "+escapeControl(err.Error()))
		return exitUsage
	}
	defer lc.releasePorts() // those of nodes that never started
	width := terminalWidth()
	lc.watch = watchProcesses(opts.cfg, lc.traces())
	defer lc.watch.stop()        // after the page's close: defers run last first
	var commands chan webCommand // from the page, with -web; nil: none
	if opts.web != "" {
		lc.page, err = serveProcessPage(opts, lc.watch, func(text string) { lc.say(text, width) })
		if err != nil {
			fmt.Fprintln(stderr, "raft: -web: "+escapeControl(err.Error()))
			return exitUsage
		}
		defer lc.page.close()
		commands = lc.page.commands
	}
	for id := 1; id <= len(lc.addrs) && err == nil; id++ {
		err = lc.launch(id) // all at once: each takes a moment to start
	}
	for id := 1; id <= len(lc.addrs) && err == nil; id++ {
		err = lc.awaitReady(id)
	}
	if err != nil {
		lc.stopAll()
		fmt.Fprintln(stderr, "raft: -processes: "+escapeControl(err.Error()))
		return exitOutput
	}
	lc.say(fmt.Sprintf("Started %d node processes on this machine, keeping their state and traces in %s. Type kill N to kill -9 node N's process (kill leader: whichever leads), start N to start it again, put K V and get K to use the key-value store, wait D, status, or quit (so do Ctrl-C and Ctrl-D).",
		len(lc.addrs), lc.dir), width)
	lines, done := make(chan string), make(chan struct{})
	defer close(done)
	go func() {
		defer close(lines) // the end of the input is quit
		sendLines(stdin, lines, func(line string) string { return line }, done)
	}()
	lc.serve(lines, commands, stop.abort, width)
	lc.stopAll()
	paths := lc.traces()
	lc.say("Their traces, checked as one run (go run . -check "+strings.Join(paths, " ")+"):", width)
	return checkMergedTraceFiles(paths, out, stderr)
}

// newLocalCluster picks the ports, the directory and the key of a local
// cluster of opts.processes nodes, and makes its client, which gives up
// when abort closes.
func newLocalCluster(opts options, out io.Writer, abort <-chan struct{}) (*localCluster, error) {
	dir := opts.dataDir
	var err error
	if dir == "" {
		dir, err = os.MkdirTemp("", "raft-processes-")
	} else {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return nil, err
	}
	lc := &localCluster{dir: dir, addrs: map[int]string{}, args: opts.nodeArgs, procs: map[int]*nodeChild{}, held: map[int]*os.File{},
		ended: make(chan int, mostNodes), key: rand.Text(), epoch: time.Now(), screen: &sync.Mutex{}, out: out}
	for id := 1; id <= opts.processes; id++ {
		if err := lc.holdPort(id); err != nil {
			lc.releasePorts()
			return nil, err
		}
	}
	lc.client = newRemoteClient(lc.addrs, []byte(lc.key), abort)
	if !color.NoColor && !slices.Contains(lc.args, "-color=true") {
		lc.args = append(lc.args, "-color") // the nodes write to a pipe; this process, to a terminal
	}
	return lc, nil
}

// serve takes the console's commands, and the page's if any, until quit,
// the end of lines, or abort, and says when a process exits by itself
// meanwhile. While a wait runs, the console's next line waits for it; the
// page's commands do not.
func (lc *localCluster) serve(lines <-chan string, page <-chan webCommand, abort <-chan struct{}, width int) {
	var waited <-chan time.Time // while a wait runs: when it ends
	for {
		next := lines
		if waited != nil {
			next = nil
		}
		select {
		case <-waited:
			waited = nil
		case line, ok := <-next:
			if !ok {
				return
			}
			quit, wait := lc.do(commandWords(line), width)
			if quit {
				return
			}
			if wait > 0 {
				waited = time.After(wait)
			}
		case cmd := <-page:
			err := lc.pageCommand(cmd, width)
			if err != nil {
				lc.say(err.Error(), width)
			}
			cmd.reply <- err
		case id := <-lc.ended:
			if child, ok := lc.procs[id]; ok && closed(child.exited) {
				delete(lc.procs, id)
				lc.say(fmt.Sprintf("node %d's process has exited (start %d starts it again)", id, id), width)
			}
		case <-abort:
			return
		}
	}
}

// do runs one console command, and reports whether it was quit, or how
// long to wait before the next.
func (lc *localCluster) do(words []string, width int) (quit bool, wait time.Duration) {
	if len(words) == 0 {
		return false, 0
	}
	id := 0
	if len(words) == 2 {
		id, _ = strconv.Atoi(words[1])
	}
	_, known := lc.addrs[id]
	var err error
	switch {
	case len(words) == 1 && (words[0] == "quit" || words[0] == "q" || words[0] == "exit"):
		return true, 0
	case len(words) == 1 && words[0] == "status":
		lc.status(width)
	case len(words) == 2 && words[0] == "kill" && words[1] == "leader":
		if id, err = lc.leader(); err == nil {
			err = lc.kill(id, width)
		}
	case (words[0] == "kill" || words[0] == "start" || words[0] == "transfer") && !known:
		err = fmt.Errorf("%s needs one node, 1 to %d%s", words[0], len(lc.addrs), map[bool]string{true: ", or leader", false: ""}[words[0] == "kill"])
	case words[0] == "kill":
		err = lc.kill(id, width)
	case words[0] == "start":
		err = lc.start(id)
	case words[0] == "put" || words[0] == "get":
		err = lc.useStore(words, width)
	case words[0] == "transfer" && known:
		err = lc.transfer(id, width)
	case words[0] == "wait" && len(words) == 2:
		wait, err = time.ParseDuration(words[1])
		if err != nil || wait < 0 || wait > longestWait {
			err = fmt.Errorf("wait: %s is not a duration from 0 to %s", quoteTyped(words[1]), longestWait)
		}
	default:
		err = errors.New("the commands are put K V, get K, kill N (or kill leader), start N, transfer N, wait D, status and quit")
	}
	if err != nil {
		lc.say(err.Error(), width)
		return false, 0
	}
	return false, wait
}

// useStore runs a put or a get, as words give it, through the cluster's
// client, and says how it went.
func (lc *localCluster) useStore(words []string, width int) error {
	answer, err := lc.client.run(words)
	if err == nil {
		lc.say(answer, width)
	}
	return err
}

// transfer has the leader hand its leadership over to node target
// (dissertation §3.10), and says who leads once the traces tell it, or
// that target has not taken over within startupPatience.
func (lc *localCluster) transfer(target, width int) error {
	leader, err := lc.leader()
	switch {
	case err != nil:
		return fmt.Errorf("transfer: %v", err)
	case leader == target:
		return fmt.Errorf("transfer: node %d leads already", target)
	case lc.procs[target] == nil:
		return fmt.Errorf("transfer: node %d's process is not running", target)
	}
	if err := lc.client.transfer(leader, target); err != nil {
		return fmt.Errorf("transfer: %v", err)
	}
	for deadline := time.Now().Add(startupPatience); time.Now().Before(deadline); time.Sleep(tracePoll) {
		if id, term, ok := lc.watch.mirror.Leader(); ok && id == target {
			lc.say(fmt.Sprintf("node %d leads term %d: node %d handed its leadership over", id, term, leader), width)
			return nil
		}
	}
	return fmt.Errorf("transfer: node %d did not take over within %s (node %d gives up after an election timeout, and leads on)", target, startupPatience, leader)
}

// leader is the node whose process leads, as the traces tell: the leader
// of the newest term, if its process runs. During an election it waits for
// one, at most startupPatience.
func (lc *localCluster) leader() (int, error) {
	deadline := time.Now().Add(startupPatience)
	for {
		if id, _, ok := lc.watch.mirror.Leader(); ok && lc.procs[id] != nil {
			return id, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("kill leader: no node has led within %s, as the traces tell; kill N names a node", startupPatience)
		}
		time.Sleep(tracePoll)
	}
}

// start starts node id's process, if it is not running, and waits until
// it listens.
func (lc *localCluster) start(id int) error {
	if err := lc.launch(id); err != nil {
		return err
	}
	return lc.awaitReady(id)
}

// launch starts node id's process, if it is not running.
func (lc *localCluster) launch(id int) error {
	if child, running := lc.procs[id]; running {
		return fmt.Errorf("node %d's process is running (pid %d)", id, child.cmd.Process.Pid)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	peers := make([]string, 0, len(lc.addrs))
	for n := 1; n <= len(lc.addrs); n++ {
		peers = append(peers, fmt.Sprintf("%d=%s", n, lc.addrs[n]))
	}
	cmd := exec.Command(self, append([]string{"-node", strconv.Itoa(id), "-peers", strings.Join(peers, ","),
		"-data", filepath.Join(lc.dir, fmt.Sprintf("node-%d", id)), "-trace", lc.trace(id)}, lc.args...)...)
	cmd.Env = append(os.Environ(), clusterKeyVariable+"="+lc.key, epochVariable+"="+lc.epoch.Format(time.RFC3339Nano))
	if socket, held := lc.held[id]; held {
		cmd.ExtraFiles = []*os.File{socket}
		cmd.Env = append(cmd.Env, listenerVariable+"="+lc.addrs[id])
	}
	ready, readyEnd, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, readyEnd)
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", readyVariable, 2+len(cmd.ExtraFiles)))
	lines := &lineWriter{screen: lc.screen, w: lc.out}
	cmd.Stdout, cmd.Stderr = lines, lines
	// Its own process group: Ctrl-C reaches this process alone, which
	// then stops every node and checks their traces.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	readyEnd.Close() // the child has its own copy, or failed to start
	if err != nil {
		ready.Close()
		return err
	}
	if socket, held := lc.held[id]; held { // the child has its own copy now
		socket.Close()
		delete(lc.held, id)
	}
	child := &nodeChild{cmd: cmd, exited: make(chan struct{}), ready: ready}
	lc.procs[id] = child
	go func() {
		cmd.Wait()
		close(child.exited)
		lc.ended <- id
	}()
	return nil
}

// startupPatience bounds how long a node's process may take to be ready.
const startupPatience = 10 * time.Second

// awaitReady waits until node id's process says it is ready
// (readyVariable).
func (lc *localCluster) awaitReady(id int) error {
	child := lc.procs[id]
	defer func() { child.ready.Close(); child.ready = nil }()
	child.ready.SetReadDeadline(time.Now().Add(startupPatience))
	_, err := child.ready.Read(make([]byte, 1))
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("node %d's process is not ready to listen at %s after %s", id, lc.addrs[id], startupPatience)
	case err != nil: // the pipe closed unwritten: the process exited
		<-child.exited
		delete(lc.procs, id)
		return fmt.Errorf("node %d's process exited as it started (its own lines above say why)", id)
	}
	return nil
}

// pageCommand runs a command from the page on the local cluster: crash,
// restart, put and get, at the present. It returns what went wrong.
func (lc *localCluster) pageCommand(cmd webCommand, width int) error {
	words := commandWords(cmd.line)
	var id int
	if len(words) == 2 {
		id, _ = strconv.Atoi(words[1])
	}
	switch {
	case len(words) == 0 || !slices.Contains([]string{"crash", "restart", "put", "get", "transfer"}, words[0]):
		return fmt.Errorf("%s: a cluster of processes takes crash N, restart N, put K V, get K and transfer N; the other commands need the deterministic engine (go run . -web)", printable(cmd.line))
	case cmd.past:
		return fmt.Errorf("%s: a cluster of processes cannot go back in time; press Live, then act", printable(cmd.line))
	case words[0] == "put" || words[0] == "get":
		return lc.useStore(words, width)
	case lc.addrs[id] == "":
		return fmt.Errorf("%s: there is no node %s", words[0], printable(strings.Join(words[1:], " ")))
	case words[0] == "crash":
		return lc.kill(id, width)
	case words[0] == "transfer":
		return lc.transfer(id, width)
	}
	return lc.start(id)
}

// kill kills node id's process with SIGKILL: no goodbye and nothing
// flushed, as a machine that loses its power.
func (lc *localCluster) kill(id, width int) error {
	child, running := lc.procs[id]
	if !running {
		return fmt.Errorf("node %d's process is not running", id)
	}
	child.cmd.Process.Signal(syscall.SIGKILL)
	<-child.exited
	delete(lc.procs, id)
	lc.watch.operated(Event{Kind: EventCrash, Node: id, Reason: "its process was killed with SIGKILL; its state file keeps its term, vote and log"})
	lc.say(fmt.Sprintf("killed node %d's process (pid %d) with SIGKILL", id, child.cmd.Process.Pid), width)
	return nil
}

// status lists the nodes' processes.
func (lc *localCluster) status(width int) {
	for id := 1; id <= len(lc.addrs); id++ {
		state := "not running"
		if child, ok := lc.procs[id]; ok {
			state = fmt.Sprintf("pid %d", child.cmd.Process.Pid)
		}
		lc.say(fmt.Sprintf("node %d at %s: %s", id, lc.addrs[id], state), width)
	}
}

// stopAll stops every running process as Ctrl-C would, and waits for it.
func (lc *localCluster) stopAll() {
	for id, child := range lc.procs {
		child.cmd.Process.Signal(os.Interrupt)
		<-child.exited
		delete(lc.procs, id)
	}
}

func (lc *localCluster) trace(id int) string {
	return filepath.Join(lc.dir, fmt.Sprintf("node-%d.jsonl", id))
}

// traces are the paths of the nodes' traces, in order.
func (lc *localCluster) traces() []string {
	paths := make([]string, len(lc.addrs))
	for id := range paths {
		paths[id] = lc.trace(id + 1)
	}
	return paths
}

// say writes a line of the console's own.
func (lc *localCluster) say(text string, width int) {
	lc.screen.Lock()
	defer lc.screen.Unlock()
	writeHanging(lc.out, "", text, width, narrationStyle)
}

// lineWriter passes one process's output on a whole line at a time, so
// that the lines of several processes never run into each other.
type lineWriter struct {
	screen  *sync.Mutex // shared by every process's writer
	w       io.Writer
	pending []byte // the start of a line not yet ended
}

func (lw *lineWriter) Write(p []byte) (int, error) {
	lw.pending = append(lw.pending, p...)
	end := bytes.LastIndexByte(lw.pending, '\n') + 1
	if end == 0 {
		return len(p), nil
	}
	lw.screen.Lock()
	_, err := lw.w.Write(lw.pending[:end])
	lw.screen.Unlock()
	lw.pending = append(lw.pending[:0], lw.pending[end:]...)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// sayReady tells -processes, if it started this process, that the node
// is ready.
func sayReady() {
	fd, err := strconv.Atoi(os.Getenv(readyVariable))
	if err != nil {
		return
	}
	pipe := os.NewFile(uintptr(fd), "ready")
	pipe.Write([]byte{1})
	pipe.Close()
}

// holdPort picks node id a free port of loopback and holds it open, to
// hand its process.
func (lc *localCluster) holdPort(id int) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close() // the file is a copy of its own
	socket, err := l.(*net.TCPListener).File()
	if err != nil {
		return err
	}
	lc.addrs[id], lc.held[id] = l.Addr().String(), socket
	return nil
}

// releasePorts closes the ports still held for nodes never started.
func (lc *localCluster) releasePorts() {
	for id, socket := range lc.held {
		socket.Close()
		delete(lc.held, id)
	}
}

// inheritedListener is the listening socket -processes handed this
// process for addr, or nil if it handed none.
func inheritedListener(addr string) net.Listener {
	if os.Getenv(listenerVariable) != addr {
		return nil
	}
	file := os.NewFile(3, "listener")
	defer file.Close() // the listener holds a copy of its own
	l, err := net.FileListener(file)
	if err != nil {
		return nil // the node listens at addr by itself
	}
	return l
}
