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
// traces in one directory. Its console crashes (SIGKILL) and restarts them.

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

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
	case opts.node > len(addrs):
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
}

// runNode runs node opts.node until stop aborts or its state cannot be
// saved, and returns the exit code.
func runNode(cfg Config, opts options, out, stderr io.Writer, stop *runStop) int {
	p, err := newNodeProcess(cfg, opts, out, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "raft: "+escapeControl(err.Error()))
		return exitUsage
	}
	p.wire.start()
	p.c.Start()
	select {
	case <-stop.abort:
	case <-p.failed:
	}
	p.c.Stop()
	p.wire.stop()
	code := endSession(p.c, out, terminalWidth())
	if closed(p.failed) {
		return exitOutput
	}
	return code
}

// newNodeProcess reads the node's state, listens, and builds the cluster
// around the node, ready to start.
func newNodeProcess(cfg Config, opts options, out, stderr io.Writer) (*nodeProcess, error) {
	id := opts.node
	if err := os.MkdirAll(opts.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("-data: %v", err)
	}
	state, err := openStateFile(opts.dataDir, id, cfg.Nodes)
	if err != nil {
		return nil, err
	}
	w, err := listenWire(id, opts.addrs, []byte(opts.key))
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("node %d's address %s is in use by another program (is node %d running already?)", id, opts.addrs[id], id)
	}
	if err != nil {
		return nil, fmt.Errorf("node %d cannot listen at %s: %v", id, opts.addrs[id], err)
	}
	cfg.Timing = RealTime
	c, err := NewCluster(cfg)
	if err != nil {
		w.stop()
		return nil, err
	}
	p := &nodeProcess{c: c, wire: w, state: state, failed: make(chan struct{}), stderr: stderr}
	c.local, c.wire = id, w
	c.rec.inProcessOf(id)
	n := c.machines[id-1].node
	n.persistentState = persistentState{currentTerm: state.saved.currentTerm, votedFor: state.saved.votedFor, log: slices.Clone(state.saved.log)}
	n.disk = p
	w.deliver, w.lost = c.receive, c.drop
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
	writeHanging(out, "", fmt.Sprintf("Node %d of %d, pid %d, listening at %s. It remembers %s (%s). Ctrl-C stops it; kill -9 crashes it.",
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
