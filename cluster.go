// cluster.go is the world the nodes live in: the Cluster, which builds
// them, their engine (engine.go), their network (network.go) and their
// recorder (events.go), starts and stops them, and injects faults
// (crashes, restarts, partitions, loss) on command.
// Tests and classroom exercises drive the cluster through the exported API
// below; what happens inside is reported as Events (vocabulary.go) to the
// cluster's recorder (events.go).

package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Cluster is a set of nodes and the network between them. Its methods are
// safe to call from any goroutine.
type Cluster struct {
	cfg      Config
	clock    *clock // the engine: the protocol's time, for every node, message and event
	rec      *recorder
	machines []*machine // machine for node i at index i-1; the slice never changes

	// ops makes the operator's actions (Start, Stop, Crash, Restart,
	// Partition, Heal) happen one at a time. Each also runs through the
	// engine's act, at a quiet moment of protocol time.
	ops     sync.Mutex
	started bool
	stopped bool

	clients sessions // the client sessions that Put and Get lend their callers (sessions.go)

	// inboxes is where the network delivers: each node's inbox, while an
	// incarnation of it runs.
	inboxes *inboxes

	mu       sync.Mutex    // guards lateness
	lateness []lateReports // lateness[i-1]: what reportLate has said of node i

	goroutines sync.WaitGroup // every node's goroutine

	// net is the simulated network between the nodes, every node's
	// transport; nil in a node process (newProcessCluster), which runs
	// one node alone, local, whose transport is the wire to the others'
	// processes. local is 0 when every node runs here.
	net   *network
	local int
}

// machine is the cluster's hold on one node ID across crashes and
// restarts: the node's current incarnation and the channels that reach it.
// Only the operator's actions (c.ops) touch it.
type machine struct {
	node   *node         // the current incarnation; its goroutine owns it while it runs
	inbox  chan Envelope // buffered, never closed; only the networks send on it (network.go)
	done   chan struct{} // closed exactly once, by Crash or Stop, to end the incarnation
	exited chan struct{} // closed by the incarnation's goroutine as it returns
}

// NewCluster builds a cluster of cfg.Nodes followers, not yet running, on
// a simulated network. A Config it cannot use returns a *ConfigError
// naming the field.
func NewCluster(cfg Config) (*Cluster, error) {
	c, err := newCluster(cfg)
	if err != nil {
		return nil, err
	}
	c.net = newNetwork(cfg, c.clock, c.inboxes, c.drop)
	c.addNodes(func(int) transport { return c.net }, nil, nil)
	return c, nil
}

// newProcessCluster builds the cluster of a node process (process.go): of
// a cluster of cfg.Nodes, it runs node id alone, on the wall clock, from
// the persistent state saved, which it keeps in disk. Its transport is
// net, the wire to the other nodes' processes, which hands what arrives
// to receive; its times count from epoch (zero: its own start).
func newProcessCluster(cfg Config, id int, net transport, disk stableStorage, saved persistentState, epoch time.Time) (*Cluster, error) {
	cfg.Timing = RealTime
	c, err := newCluster(cfg)
	if err != nil {
		return nil, err
	}
	c.local = id
	c.rec.inProcessOf(id)
	if !epoch.IsZero() {
		c.rec.countFrom(epoch)
	}
	c.addNodes(func(int) transport { return net }, disk, &saved)
	return c, nil
}

// newCluster is what every cluster of cfg has: its engine and recorder.
func newCluster(cfg Config) (*Cluster, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	clock := newClock(cfg.Timing, cfg.Slowdown)
	c := &Cluster{
		cfg:      cfg,
		clock:    clock,
		rec:      newRecorder(cfg, clock),
		inboxes:  newInboxes(cfg.Nodes, clock),
		lateness: make([]lateReports, cfg.Nodes),
	}
	clock.late = c.reportLate
	return c, nil
}

// addNodes builds the cluster's nodes, each sending through the transport
// via gives it; the node that runs here in a node process keeps its state
// in disk, starting from saved.
func (c *Cluster) addNodes(via func(id int) transport, disk stableStorage, saved *persistentState) {
	for id := 1; id <= c.cfg.Nodes; id++ {
		// Each node draws its timeouts from a stream of its own (and its
		// messages' latency and loss from another, network.go), so that
		// one node's draws never depend on another's timing.
		timeouts := rand.New(rand.NewPCG(c.cfg.Seed, uint64(id)))
		n := newNode(c.cfg.forNode(id), persistentState{}, timeouts, c.clock, via(id), c.rec.record)
		if id == c.local {
			n.persistentState = persistentState{currentTerm: saved.currentTerm, votedFor: saved.votedFor, log: slices.Clone(saved.log)}
			n.disk = disk
		}
		c.machines = append(c.machines, &machine{node: n})
	}
}

// Start starts the engine and every node, one after another. Calling it
// again, or after Stop, does nothing.
func (c *Cluster) Start() {
	c.ops.Lock()
	defer c.ops.Unlock()
	if c.started || c.stopped {
		return
	}
	c.started = true
	c.clock.start()
	c.clock.act(func() {
		c.rec.begin()
		for _, m := range c.machines {
			if c.local == 0 || m.node.id == c.local {
				c.launch(m, m.node)
			}
		}
	})
}

// startAsDriver starts the cluster with the caller as its engine's driver
// (engine.go), at protocol time 0: what the caller does then happens at
// the same protocol times however long the machine took to get there.
func (c *Cluster) startAsDriver() *driver {
	d := c.clock.drive() // before the engine runs, so at time 0
	c.Start()
	return d
}

// launch starts incarnation n of m's node on a goroutine of its own, with
// fresh channels, and waits until it has finished its first step (it
// starts as a follower, and reports so), so that nodes start in order.
func (c *Cluster) launch(m *machine, n *node) {
	defer c.clock.settle()
	m.node = n
	m.inbox = make(chan Envelope, inboxSize)
	m.done = make(chan struct{})
	m.exited = make(chan struct{})
	n.inbox, n.done = m.inbox, m.done
	c.inboxes.openAt(n.id, m.inbox)
	exited := m.exited
	c.clock.wake(m.node.id, "its start") // its first step: starting up
	c.goroutines.Go(func() {
		defer close(exited)
		defer c.clock.recoverStep(n.id)
		n.run()
	})
}

// Stop records the end of the run, stops the engine (every message in
// flight is abandoned), crashes every node, and returns when every
// goroutine of the cluster has exited. It may be called more than once,
// and before Start.
func (c *Cluster) Stop() {
	c.ops.Lock()
	defer c.ops.Unlock()
	if !c.stopped {
		c.stopped = true
		if c.started {
			c.clock.act(func() { c.rec.record(Event{Kind: EventStop}) })
		}
		c.rec.halt()
		c.clock.stop()
		for _, m := range c.machines {
			if c.inboxes.shut(m.node.id) {
				close(m.done)
			}
		}
	}
	c.goroutines.Wait()
}

// Crash stops node id as if its machine lost power: its goroutine exits and
// messages to it are dropped. Its persistent state (currentTerm, votedFor)
// is kept for Restart; everything else it knew is lost.
func (c *Cluster) Crash(id int) error {
	return c.operate(func() error { return c.crash(id) })
}

// crash is Crash, for a caller that holds c.ops at a quiet moment.
func (c *Cluster) crash(id int) error {
	m, err := c.runningMachine(id)
	if err != nil {
		return err
	}
	if !c.inboxes.shut(id) {
		return fmt.Errorf("node %d is already crashed", id)
	}
	close(m.done)

	// Once its goroutine has returned, the node has reported its last event
	// and its state is ours to read.
	<-m.exited
	n := m.node
	c.rec.record(Event{Kind: EventCrash, Node: id, Term: n.currentTerm, Role: n.role, VotedFor: n.votedFor,
		Reason: "its done channel was closed and its goroutine exited; its term, vote and log survive, as on disk"})
	// What was waiting in its inbox is lost with it. The inbox is shut:
	// nothing more goes in.
	for len(m.inbox) > 0 {
		c.drop(<-m.inbox, fmt.Sprintf("node %d crashed before reading it", id))
	}
	return nil
}

// Restart brings crashed node id back as a new incarnation: a follower with
// the persistent state it had when it crashed and nothing else (Figure 2).
func (c *Cluster) Restart(id int) error {
	return c.operate(func() error { return c.restart(id) })
}

// restart is Restart, for a caller that holds c.ops at a quiet moment.
func (c *Cluster) restart(id int) error {
	m, err := c.runningMachine(id)
	if err != nil {
		return err
	}
	if c.inboxes.isOpen(id) {
		return fmt.Errorf("node %d is running; only a crashed node can restart", id)
	}
	old := m.node
	disk := old.persistentState
	if c.cfg.Break == BreakForgetVote {
		// -break forget-vote: votedFor never reached the disk, so the
		// restarted node has forgotten whom it voted for in this term.
		disk.votedFor = 0
	}
	vote := "no vote"
	if disk.votedFor != 0 {
		vote = fmt.Sprintf("its vote for node %d", disk.votedFor)
	}
	c.rec.record(Event{Kind: EventRestart, Node: id, Term: disk.currentTerm, VotedFor: disk.votedFor,
		Reason: fmt.Sprintf("it kept term %d, %s and its log of %s from before the crash (Figure 2: persistent state)",
			disk.currentTerm, vote, plural(len(disk.log), "entry"))})
	nc := c.cfg.forNode(id)
	nc.firstTimeout = 0 // Config.FirstTimeouts scripts the first timeout after Start only
	next := newNode(nc, disk, old.rng, c.clock, old.net, c.rec.record)
	next.disk = old.disk
	c.launch(m, next)
	return nil
}

// Timeout makes node id's election timeout elapse now, as if its timer
// had run out: a class's "what if this node stood now?". Only a running
// follower or candidate has an election timer; a leader keeps its
// authority by heartbeats instead.
func (c *Cluster) Timeout(id int) error {
	return c.retime(id, Event{Kind: EventExpire, Reason: "the operator made its election timer run out now"})
}

// SetTimer makes node id's election timer run out once protocol duration
// d has passed, as though it had drawn d: the console's align and spread
// stage a split vote, or its end, with it (RaftScope's keys A and T).
func (c *Cluster) SetTimer(id int, d time.Duration) error {
	if d <= 0 || d > c.cfg.ElectionTimeoutMax {
		return fmt.Errorf("an election timer runs out within %s, not %s", formatDuration(c.cfg.ElectionTimeoutMax), formatDuration(d))
	}
	return c.retime(id, Event{Kind: EventRetime, Cause: Cause{Timeout: d},
		Reason: fmt.Sprintf("the operator set its election timer to run out in %s", formatDuration(d))})
}

// retime records ev, the operator's change to node id's election timer,
// and makes the timer run out after ev.Cause.Timeout, unless the node is
// down or leads.
func (c *Cluster) retime(id int, ev Event) error {
	return c.operate(func() error {
		if _, err := c.runningMachine(id); err != nil {
			return err
		}
		st := c.rec.snapshot()[id-1]
		switch {
		case !st.Alive:
			return fmt.Errorf("node %d is down", id)
		case st.Role == Leader:
			return fmt.Errorf("node %d leads, and a leader has no election timer: it keeps its authority by heartbeats", id)
		}
		ev.Node, ev.Term, ev.Role, ev.VotedFor = id, st.Term, st.Role, st.VotedFor
		c.rec.record(ev)
		if !c.clock.retime(id, electionTimerName, ev.Cause.Timeout) {
			return fmt.Errorf("node %d has no election timer running", id)
		}
		return nil
	})
}

// operate runs one of the operator's actions: one at a time (c.ops), and
// at a quiet moment of protocol time (the engine's act), so that a seed
// and the same actions at the same times replay the same run.
func (c *Cluster) operate(action func() error) error {
	c.ops.Lock()
	defer c.ops.Unlock()
	var err error
	c.clock.act(func() { err = action() })
	return err
}

// note records an event of the operator's (a scenario's narration, a
// command typed at the console) at a quiet moment, as operate does.
func (c *Cluster) note(ev Event) {
	c.clock.act(func() { c.rec.record(ev) })
}

// runningMachine returns node id's machine, or an error if id is unknown
// or the cluster is not running. The caller holds c.ops.
func (c *Cluster) runningMachine(id int) (*machine, error) {
	if err := c.checkRunning(); err != nil {
		return nil, err
	}
	if err := c.checkID(id); err != nil {
		return nil, err
	}
	return c.machines[id-1], nil
}

// checkRunning reports whether the cluster is running: started, and not
// yet stopped. Every operator action but Start and Stop needs it. The
// caller holds c.ops.
func (c *Cluster) checkRunning() error {
	switch {
	case !c.started:
		return fmt.Errorf("the cluster has not started")
	case c.stopped:
		return fmt.Errorf("the cluster has stopped")
	}
	return nil
}

// checkSimulated is checkRunning, for a fault of the network's: only the
// simulated network can be cut or made to lose messages. The caller holds
// c.ops.
func (c *Cluster) checkSimulated() error {
	if err := c.checkRunning(); err != nil {
		return err
	}
	if c.net == nil {
		return errors.New("the network between node processes is the machines' own: the program cannot cut it")
	}
	return nil
}

// checkID reports whether id names a node of this cluster.
func (c *Cluster) checkID(id int) error {
	if id < 1 || id > c.cfg.Nodes {
		return fmt.Errorf("there is no node %d; nodes are 1 to %d", id, c.cfg.Nodes)
	}
	return nil
}

// Partition splits the network: nodes in different groups cannot reach each
// other, and a node named in no group is cut off from every other node.
// It replaces any earlier partition. Naming a node twice, or a node that
// does not exist, is an error.
func (c *Cluster) Partition(groups ...[]int) error {
	return c.operate(func() error { return c.partition(groups) })
}

// partition is Partition, for a caller that holds c.ops at a quiet moment.
func (c *Cluster) partition(groups [][]int) error {
	if err := c.checkSimulated(); err != nil {
		return err
	}
	named := map[int]bool{}
	for _, group := range groups {
		for _, id := range group {
			if err := c.checkID(id); err != nil {
				return err
			}
			if named[id] {
				return fmt.Errorf("node %d is named in more than one group", id)
			}
			named[id] = true
		}
	}
	sides := slices.Clone(groups)
	for id := 1; id <= c.cfg.Nodes; id++ {
		if !named[id] {
			sides = append(sides, []int{id})
		}
	}
	c.net.cut(sides)
	c.rec.record(Event{Kind: EventPartition, Groups: sides})
	return nil
}

// Heal ends a partition: every node can reach every other again. Healing a
// whole network changes nothing.
func (c *Cluster) Heal() error {
	return c.operate(func() error {
		if err := c.checkSimulated(); err != nil {
			return err
		}
		if c.net.heal() {
			c.rec.record(Event{Kind: EventHeal})
		}
		return nil
	})
}

// Pause stops the protocol's time: no timer fires, no message arrives and
// nothing is logged until Resume, while Status and the picture still
// answer. It is an error unless the cluster is running and not paused.
func (c *Cluster) Pause() error { return c.turnClock(c.clock.pause, "the cluster is already paused") }

// Resume starts the protocol's time again where Pause stopped it.
func (c *Cluster) Resume() error { return c.turnClock(c.clock.resume, "the cluster is not paused") }

// turnClock pauses or resumes a running cluster's clock with turn, which
// reports whether it changed anything; when it did not, the error says
// unchanged.
func (c *Cluster) turnClock(turn func() bool, unchanged string) error {
	return c.operate(func() error {
		if err := c.checkRunning(); err != nil {
			return err
		}
		if !turn() {
			return errors.New(unchanged)
		}
		return nil
	})
}

// mostSlowdown is the slowest pace a run takes: 100 times slower than
// real time, a 150 ms timeout lasting 15 s.
const mostSlowdown = 100

// setSlowdown makes every duration of a paced run last factor times
// longer from now on. What happens does not change, only how fast a
// person sees it: the messages' flight times were fixed when the run was
// built (Config.Slowdown).
func (c *Cluster) setSlowdown(factor float64) error {
	if c.cfg.Timing != Paced {
		return errors.New("only a run paced to the clock changes pace; this one is not paced")
	}
	return c.operate(func() error {
		if err := c.checkRunning(); err != nil {
			return err
		}
		c.clock.setSlowdown(factor)
		return nil
	})
}

// SetDropRate changes the probability, in [0,1), that the network loses a
// message. It is an error unless the cluster is running.
func (c *Cluster) SetDropRate(p float64) error {
	return c.operate(func() error {
		if err := c.checkSimulated(); err != nil {
			return err
		}
		if !(p >= 0 && p < 1) {
			return fmt.Errorf("a drop rate must be at least 0 and below 1, not %g", p)
		}
		c.net.setLoss(p)
		c.rec.record(Event{Kind: EventLoss, DropRate: p, Reason: fmt.Sprintf("now loses %s of messages", formatPercent(p))})
		return nil
	})
}

// Transfer asks the leader to hand its leadership over to node target
// (dissertation §3.10, transfer.go), with a TransferLeadership message,
// and returns once the leader has it: Leader tells when target leads. It
// is an error if no node leads, target leads already, or it is down.
func (c *Cluster) Transfer(target int) error {
	return c.operate(func() error {
		if _, err := c.runningMachine(target); err != nil {
			return err
		}
		leader, _, ok := c.Leader()
		switch {
		case !ok:
			return errors.New("no node leads right now, so none can hand over")
		case leader == target:
			return fmt.Errorf("node %d leads already", target)
		case !c.rec.snapshot()[target-1].Alive:
			return fmt.Errorf("node %d is down", target)
		}
		c.rec.record(Event{Kind: EventTransfer, From: leader, To: target})
		request := Envelope{To: leader, Msg: TransferLeadership{Target: target}}
		c.clock.afterFunc(0, func() { c.receive(request) })
		return nil
	})
}

// transferLocal hands the local node of a node process the operator's
// request that it hand its leadership over, which came over the wire, as
// Transfer hands it in one process. A node that does not lead ignores it.
func (c *Cluster) transferLocal(m TransferLeadership) {
	c.operate(func() error {
		c.rec.record(Event{Kind: EventTransfer, From: c.local, To: m.Target})
		c.receive(Envelope{To: c.local, Msg: m})
		return nil
	})
}

// Lose drops the oldest message of the kind named (RequestVote,
// AppendEntries...) on its way from node from to node to: the page's
// click on a message in flight. It is an error if there is none.
func (c *Cluster) Lose(from, to int, kind string) error {
	return c.operate(func() error {
		if err := c.checkSimulated(); err != nil {
			return err
		}
		env, ok := c.net.takeBack(from, to, kind)
		if !ok {
			return fmt.Errorf("no %s is on its way from node %d to node %d", kind, from, to)
		}
		c.rec.record(Event{Kind: EventLose, From: from, To: to, Msg: env.Msg}) // the operator's act, not the node's
		c.drop(env, "the operator dropped it on its way")
		return nil
	})
}

// lossRate is the probability that the network loses a message now; 0
// between node processes, whose network is real.
func (c *Cluster) lossRate() float64 {
	if c.net == nil {
		return 0
	}
	return c.net.loss()
}

// reachable lists the live nodes that node id can send to now: those on
// its side of any partition, itself excluded; none if it is down.
func (c *Cluster) reachable(id int) []int {
	var reach []int
	if !c.inboxes.isOpen(id) {
		return nil
	}
	for peer := 1; peer <= c.cfg.Nodes; peer++ {
		if peer != id && c.inboxes.isOpen(peer) && (c.net == nil || c.net.connects(id, peer)) {
			reach = append(reach, peer)
		}
	}
	return reach
}

// Status returns every node's state, ordered by ID.
func (c *Cluster) Status() []NodeStatus {
	return c.rec.snapshot()
}

// Leader returns the leader of the highest term among live nodes. A leader
// cut off by a partition can still believe it leads an older term; it is
// not the one returned while a newer leader exists.
func (c *Cluster) Leader() (id int, term uint64, ok bool) {
	for _, st := range c.Status() {
		if st.Alive && st.Role == Leader && (!ok || st.Term > term) {
			id, term, ok = st.ID, st.Term, true
		}
	}
	return id, term, ok
}

// Violations lists every breach of a safety property seen so far: two
// leaders in one term, a second vote in one term, a term that went
// backwards, a leader elected without a majority, and the log's properties
// of the paper's Figure 3 (safety.go). A correct run has none.
func (c *Cluster) Violations() []string {
	return c.rec.violations()
}

// reportLate is the engine's report, in RealTime, of node owner's timer
// that fired late by protocol duration by: the machine did not run this
// process in time. It is recorded only when it could matter, when it is
// late by at least half the margin between a heartbeat and the shortest
// election timeout (a leader's heartbeat later than the whole margin can
// depose it while it lives), and then at most once per lateQuiet of each
// node, with a count of those left unsaid: a busy machine's many small
// delays do not bury the run's story.
func (c *Cluster) reportLate(owner int, name string, by time.Duration) {
	if by < (c.cfg.ElectionTimeoutMin-c.cfg.HeartbeatInterval)/2 {
		return
	}
	c.mu.Lock()
	now, quiet := c.clock.now(), &c.lateness[owner-1]
	if quiet.said && now-quiet.at < lateQuiet {
		quiet.unsaid++
		c.mu.Unlock()
		return
	}
	unsaid := quiet.unsaid
	*quiet = lateReports{said: true, at: now}
	c.mu.Unlock()
	c.rec.record(Event{Kind: EventLate, Node: owner, Late: by, Reason: name, Cause: Cause{Count: unsaid}})
}

// lateQuiet is how long, in protocol time, a node's late timers go
// unreported after one is: they are counted, and the next report says how
// many.
const lateQuiet = time.Second

// lateReports is what reportLate has said of one node's late timers.
type lateReports struct {
	said   bool          // it has reported one
	at     time.Duration // when it last did
	unsaid int           // late timers that mattered since, not reported
}

// receive hands the local node a message that came over the wire.
func (c *Cluster) receive(env Envelope) {
	if why := c.inboxes.deliver(env); why != "" {
		c.drop(env, why)
	}
}

// drop reports a message the network did not deliver.
func (c *Cluster) drop(env Envelope, reason string) {
	c.rec.record(Event{Kind: EventDrop, Node: env.From, From: env.From, To: env.To, Msg: env.Msg, Reason: reason})
}
