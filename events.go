// events.go is the run's memory: every state change, vote, message and fault
// becomes an Event, reported by the goroutine that caused it, and one
// recorder turns the events, in the order they happened, into the colored
// log (narration.go), the per-term summary (summary.go), the timeline picture
// (timeline.go), the safety checks (safety.go), the JSON trace (trace.go)
// and the state that Cluster.Status reads.

package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// recorder receives the events of one cluster. Every goroutine of the
// cluster reports to it, so its mutex guards everything in it; events are
// applied one at a time, in the order they were reported.
type recorder struct {
	mu      sync.Mutex
	clock   *clock        // the cluster's: events carry protocol time, however slowly the run goes
	start   time.Duration // the clock's time at Start
	started bool
	halted  bool          // set by Stop: later events are not part of the run
	muted   bool          // the log skips events while set: see mute
	end     time.Duration // when the run was halted
	config  Config        // the cluster's, for the start event
	process int           // in a node's own process (process.go): that node; 0 in a whole cluster
	epoch   time.Time     // in a node's own process: when its times count from (countFrom); zero: its start
	state   clusterState  // the nodes as their events tell them: what Status reads
	counts  messageCounts
	safety  *safetyChecker
	summary *electionSummary
	picture timeline
	seed    uint64
	log     *logPrinter   // nil: no log
	trace   *traceWriter  // nil: no trace
	watches []func(Event) // called with every event, under the lock
	// alarms are called with every violation the safety checker finds,
	// and the event that revealed it, under the lock.
	alarms []func(Event, string)
}

// newRecorder makes the recorder for a cluster of cfg, timed by clock,
// writing its log and trace where cfg says.
func newRecorder(cfg Config, clock *clock) *recorder {
	r := &recorder{
		config:  cfg,
		clock:   clock,
		state:   newClusterState(cfg.Nodes, cfg.DropRate),
		safety:  newSafetyChecker(cfg.Nodes),
		summary: newElectionSummary(),
		seed:    cfg.Seed,
	}
	if cfg.Log != nil {
		r.log = newLogPrinter(cfg.Log, cfg.LogDetail, cfg.LogWidth)
	}
	if cfg.Trace != nil {
		r.trace = newTraceWriter(cfg.Trace, cfg)
	}
	return r
}

// inProcessOf makes the recorder that of node id's own process, before
// the run starts: its start event names the node and the machine's clock,
// and its safety checker knows that it sees that node's events alone.
func (r *recorder) inProcessOf(id int) {
	r.process = id
	r.safety.oneNode = true
}

// countFrom makes the run's times count from epoch, the start of a
// cluster of processes, rather than from this process's start, so that
// the lines of all its processes tell one time. Called before the run
// starts.
func (r *recorder) countFrom(epoch time.Time) {
	r.epoch = epoch
}

// begin marks the start of the run: times are measured from here, and every
// node is alive.
func (r *recorder) begin() {
	r.mu.Lock()
	r.start, r.started = r.clock.now(), true
	if !r.epoch.IsZero() {
		r.start -= time.Since(r.epoch)
	}
	r.mu.Unlock()
	start := Event{Kind: EventStart, Nodes: len(r.state.status), Reason: fmt.Sprintf("seed %d", r.seed)}
	if r.process != 0 {
		start.Node, start.Wall = r.process, time.Now().Add(-r.elapsed())
	}
	r.record(start)
}

// halt ends the run: events reported while the cluster shuts down are
// dropped, so the log and the summary end where the run did.
func (r *recorder) halt() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.end = r.elapsed()
	r.halted = true
	if r.log != nil {
		r.log.finish()
	}
}

// elapsed is how long the run has lasted, or lasted if it has ended, in
// protocol time. The caller holds r.mu.
func (r *recorder) elapsed() time.Duration {
	switch {
	case r.halted:
		return r.end
	case r.started:
		return r.clock.now() - r.start
	}
	return 0
}

// now is how long the run has lasted, in protocol time.
func (r *recorder) now() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.elapsed()
}

// record takes one event: it stamps the time, updates the nodes' state and
// the tallies, and passes the event on to the summary, the picture, the
// safety checker, the trace, the log and any watch, in that order.
func (r *recorder) record(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.halted {
		return
	}
	ev.At = r.elapsed()
	r.take(ev)
}

// relay takes an event that happened elsewhere, at the time it carries: a
// node process's, from its trace, for a cluster of processes watched from
// the browser (processweb.go); or a kill of a node's process, which its
// own trace cannot tell.
func (r *recorder) relay(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.halted {
		return
	}
	if ev.Kind == EventCrash {
		r.stampNodeState(&ev) // the console killed it: the node reported nothing
	}
	r.take(ev)
}

// stampNodeState gives an event that the node did not report itself its
// state as the node last reported it, as every node event carries. The
// caller holds r.mu.
func (r *recorder) stampNodeState(ev *Event) {
	st := r.state.status[ev.Node-1]
	ev.Term, ev.Role, ev.VotedFor = st.Term, st.Role, st.VotedFor
}

// take is record, for an event whose time is set. The caller holds r.mu.
func (r *recorder) take(ev Event) {
	if ev.Kind == EventLate || ev.Kind == EventDrop {
		r.stampNodeState(&ev) // the engine or the network reports it, not the node
	}
	before := r.nodeStatus(ev.Node)
	r.state.apply(ev)
	r.tally(ev)
	r.summary.observe(ev)
	r.picture.observe(ev)
	violations := r.safety.observe(ev)
	if r.trace != nil {
		r.trace.write(ev)
	}
	if r.log != nil && !r.muted {
		r.log.print(ev, before, r.nodeStatus(ev.Node))
		for _, violation := range violations {
			r.log.printViolation(ev, violation)
		}
	}
	for _, watch := range r.watches {
		watch(ev)
	}
	for _, violation := range violations {
		for _, alarm := range r.alarms {
			alarm(ev, violation)
		}
	}
}

// watch calls fn with every event recorded from now on. fn runs under the
// recorder's lock, on the reporting goroutine: it must be quick and must not
// call back into the cluster.
func (r *recorder) watch(fn func(Event)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watches = append(r.watches, fn)
}

// mute keeps the log quiet while fn runs, and only the log: a run that
// replays another's past to fork from it (-web) would otherwise print that
// past again.
func (r *recorder) mute(fn func()) {
	r.mu.Lock()
	r.muted = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.muted = false
		r.mu.Unlock()
	}()
	fn()
}

// watchViolations calls fn with every violation the safety checker finds
// from now on, and the event that revealed it. fn runs as a watch does.
func (r *recorder) watchViolations(fn func(Event, string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alarms = append(r.alarms, fn)
}

// shown is how far into the run a person watching it is, in protocol
// time: paced, the clock runs on between events; after the run, its end.
func (r *recorder) shown() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.halted || !r.started {
		return r.elapsed()
	}
	return r.clock.shown() - r.start
}

// election returns a copy of what the summary knows of term's election.
func (r *recorder) election(term uint64) (termRecord, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.summary.byTerm[term]
	if !ok {
		return termRecord{}, false
	}
	copied := *t
	copied.candidates, copied.votes, copied.votesBy = slices.Clone(t.candidates), maps.Clone(t.votes), maps.Clone(t.votesBy)
	return copied, true
}

// violations returns what the safety checker has found so far.
func (r *recorder) violations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.safety.violations)
}

// exclusive runs fn while no event is being recorded, so that whatever fn
// prints does not run into the log's lines.
func (r *recorder) exclusive(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn()
}

// writeTimeline draws the run so far, width columns wide.
func (r *recorder) writeTimeline(w io.Writer, width int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.picture.write(w, width, r.elapsed())
}

// writeSummary prints the summary of the run so far, width columns wide.
func (r *recorder) writeSummary(w io.Writer, width int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.summary.write(w, width, r.seed, r.elapsed(), r.counts, r.safety.violations)
}

// entries returns a copy of node id's log.
func (r *recorder) entries(id int) []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.state.logs[id-1])
}

// tally counts message events.
func (r *recorder) tally(ev Event) {
	switch ev.Kind {
	case EventSend:
		r.counts.sent++
	case EventRecv:
		if ev.From != 0 { // a client's request is not the network's message
			r.counts.delivered++
		}
	case EventDrop:
		r.counts.dropped++
	}
}

// nodeStatus returns node id's status, or the zero status for id 0.
func (r *recorder) nodeStatus(id int) NodeStatus {
	if id == 0 {
		return NodeStatus{}
	}
	return r.state.status[id-1]
}

// snapshot returns a copy of every node's status, ordered by ID.
func (r *recorder) snapshot() []NodeStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.state.status)
}

// clusterState is a cluster as a run's events tell it: each node's state
// and log, and the network's partition and loss. The recorder keeps one
// for Status; the web view keeps one for the events it no longer holds.
// Whoever keeps it guards it.
type clusterState struct {
	status   []NodeStatus // status[i-1] is node i's
	logs     [][]Entry    // logs[i-1] is node i's log
	groups   [][]int      // the partition's groups; nil: none
	dropRate float64
	// progress[i-1][j-1] is leader i's nextIndex and matchIndex for
	// follower j, as its progress events tell; zeros unless i leads.
	progress [][][2]uint64
}

// newClusterState is a cluster of n nodes before it starts, whose network
// loses messages at dropRate.
func newClusterState(n int, dropRate float64) clusterState {
	s := clusterState{status: make([]NodeStatus, n), logs: make([][]Entry, n), dropRate: dropRate, progress: make([][][2]uint64, n)}
	for i := range s.status {
		s.status[i].ID = i + 1
	}
	return s
}

// apply updates the state with one event.
func (s *clusterState) apply(ev Event) {
	switch ev.Kind {
	case EventStart:
		for i := range s.status {
			s.status[i].Alive = s.status[i].Alive || ev.Node == 0 // a node process's start is told below
		}
	case EventPartition:
		s.groups = ev.Groups
	case EventHeal:
		s.groups = nil
	case EventLoss:
		s.dropRate = ev.DropRate
	}
	if ev.Node == 0 {
		return
	}
	st, log := &s.status[ev.Node-1], &s.logs[ev.Node-1]
	switch ev.Kind {
	case EventRole, EventVote:
		st.Role, st.Term, st.VotedFor = ev.Role, ev.Term, ev.VotedFor
		if ev.Role != Leader {
			s.progress[ev.Node-1] = nil
		}
	case EventProgress:
		if s.progress[ev.Node-1] == nil {
			s.progress[ev.Node-1] = make([][2]uint64, len(s.status))
		}
		if ev.To >= 1 && ev.To <= len(s.status) {
			s.progress[ev.Node-1][ev.To-1] = [2]uint64{ev.Next, ev.Index}
		}
	case EventStart:
		// A node's own process starts (again): its log is what it reads
		// back from disk, which its next events tell (RuleRecovered).
		st.Alive, st.Role, st.CommitIndex = true, Follower, 0
		*log = nil
	case EventCrash:
		st.Alive = false
		s.progress[ev.Node-1] = nil
	case EventRestart:
		st.Alive, st.Role, st.Term, st.VotedFor, st.CommitIndex = true, Follower, ev.Term, ev.VotedFor, 0
	case EventAppend:
		*log = append(*log, Entry{Index: ev.Index, Term: ev.EntryTerm, Command: ev.Command})
	case EventTruncate:
		*log = (*log)[:ev.Index-1]
	case EventCommit:
		st.CommitIndex = ev.Index
	}
	st.LastLogIndex, st.LastLogTerm = 0, 0
	if n := len(*log); n > 0 {
		st.LastLogIndex, st.LastLogTerm = (*log)[n-1].Index, (*log)[n-1].Term
	}
}
