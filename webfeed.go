// webfeed.go is what every page watching the session (web.go) is sent: the
// current run's description, its events as the trace writes them, the
// safety checker's verdict, and the run's clock. The page holds no Raft
// logic: it rebuilds each node's state from these events, as the recorder
// (events.go) does, and draws it.
//
// Memory stays bounded however long a session runs: the feed folds the
// events older than feedReach, or past mostFeedEvents the oldest half,
// into a snapshot of the cluster's state. A page that joins is sent the
// state of a moment ago and the events since, which it draws at once,
// then the rest the feed holds, for its time slider to go back over.

package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// How far back a page can go.
const (
	// feedReach is how much of the run's protocol time the feed holds, at
	// least: it folds what is older once it holds a tenth more.
	feedReach = 100 * time.Second
	// mostFeedEvents bounds the events the feed holds, and so its memory:
	// a quiet five-node cluster makes about 420 events a second, so only
	// a run busier than 1,200 a second reaches less than feedReach back.
	mostFeedEvents = 120_000
	// newestEntries is how much of each log the first snapshot a page is
	// sent holds: what the page shows, with room to spare.
	newestEntries = 64
)

// webFeed is the current run as the pages see it. The session's goroutine
// changes the run; the run's recorder adds events under its own lock; each
// page's stream reads. mu guards everything; it is taken after the
// recorder's lock, never before.
type webFeed struct {
	mu         sync.Mutex
	changed    chan struct{} // closed, and replaced, at every change: wakes every stream
	run        *shownRun     // the run shown
	header     []byte        // the run's description, as JSON
	live       bool          // the run goes on; false once it has stopped
	first      int           // how many of the run's events came before events[0]
	base       clusterState  // the cluster after those first events
	baseAt     time.Duration // when the last of them happened
	events     []feedEvent
	violations []feedViolation
	lesson     []byte // the lesson's step, as JSON; nil: no lesson
	lessonSeq  int    // how many steps it has shown
}

// feedEvent is one event of the run, and its line of the trace.
type feedEvent struct {
	ev   Event
	line []byte
}

// feedViolation is one violation the safety checker found, and when.
type feedViolation struct {
	AtMs float64 `json:"at_ms"`
	Text string  `json:"text"`
}

func newWebFeed() *webFeed {
	return &webFeed{changed: make(chan struct{})}
}

// runHeader is how the page learns of a new run: what it is, and the
// times it needs to draw it.
type runHeader struct {
	Run       int     `json:"run"`
	What      string  `json:"what"`
	Seed      uint64  `json:"seed"`
	Nodes     int     `json:"nodes"`
	Free      bool    `json:"free"`       // the class drives it; else a story plays
	Engine    bool    `json:"engine"`     // the deterministic engine runs it: it can pause, fork, and take every command; false for a cluster of processes
	FlightMs  float64 `json:"flight_ms"`  // how far behind the run the page shows it, when every message's fate is known: the longest flight, and how late events come
	TimeoutMs float64 `json:"timeout_ms"` // the longest election timeout, for the timers' arcs
}

// shownRun is a run as the pages see it: its cluster, which the feed
// watches, and what the page is told of it.
type shownRun struct {
	number int
	c      *Cluster
	free   bool          // the class drives it; false: a scenario or a recording plays on it
	late   time.Duration // how late its events come to the feed: 0, but for a cluster of processes
}

// follow makes r the run the pages show, from its start event on.
func (f *webFeed) follow(r *shownRun, what string) {
	_, flight := r.c.cfg.latencyRange()
	header, _ := json.Marshal(runHeader{Run: r.number, What: what, Seed: r.c.cfg.Seed, Nodes: r.c.cfg.Nodes,
		Free: r.free, Engine: r.c.cfg.Timing != RealTime, FlightMs: milliseconds(flight + r.late),
		TimeoutMs: milliseconds(r.c.cfg.ElectionTimeoutMax)})
	f.mu.Lock()
	f.run, f.header, f.live = r, header, true
	f.first, f.base, f.baseAt, f.events, f.violations = 0, newClusterState(r.c.cfg.Nodes, r.c.cfg.DropRate), 0, nil, nil
	f.broadcast()
	f.mu.Unlock()
	r.c.rec.watch(func(ev Event) { f.add(r, ev) })
	r.c.rec.watchViolations(func(ev Event, violation string) { f.alarm(r, ev, violation) })
}

// add takes one event of run r, under r's recorder's lock.
func (f *webFeed) add(r *shownRun, ev Event) {
	line, err := json.Marshal(newTraceLine(ev).withConfig(ev, r.c.cfg))
	if err != nil {
		panic(err) // a traceLine is plain data
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.run != r {
		return
	}
	f.events = append(f.events, feedEvent{ev, line})
	switch {
	case len(f.events) > mostFeedEvents:
		f.forget(len(f.events) / 2)
	case f.events[0].ev.At < ev.At-feedReach-feedReach/10:
		f.forget(f.since(ev.At - feedReach))
	}
	f.broadcast()
}

// since is the position among the held events of the first one at t or
// later. The caller holds f.mu.
func (f *webFeed) since(t time.Duration) int {
	i, _ := slices.BinarySearchFunc(f.events, t, func(e feedEvent, t time.Duration) int { return cmp.Compare(e.ev.At, t) })
	return i
}

// forget folds the n oldest events into the base state. The caller holds
// f.mu.
func (f *webFeed) forget(n int) {
	for _, e := range f.events[:n] {
		f.base.apply(e.ev)
	}
	f.baseAt = f.events[n-1].ev.At
	f.first += n
	f.events = slices.Clone(f.events[n:]) // a new array, so the old one's memory goes
}

// alarm takes a violation found in run r, as add takes an event.
func (f *webFeed) alarm(r *shownRun, ev Event, violation string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.run == r {
		f.violations = append(f.violations, feedViolation{milliseconds(ev.At), violation})
		f.broadcast()
	}
}

// showLesson shows every page the lesson's step.
func (f *webFeed) showLesson(step lessonStep) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lesson = mustJSON(step)
	f.lessonSeq++
	f.broadcast()
}

// ended notes that the run shown has stopped: its clock stands still.
func (f *webFeed) ended() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.live = false
	f.broadcast()
}

// poke wakes every stream, to send the clock: after a command, which may
// have paused the run or changed its pace.
func (f *webFeed) poke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.broadcast()
}

// broadcast wakes every stream. The caller holds f.mu.
func (f *webFeed) broadcast() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// feedCursor is how far one page has been sent the feed.
type feedCursor struct {
	run        *shownRun
	next       int // the run's events sent so far
	violations int // violations sent so far
	lesson     int // the lesson's steps sent so far
	// history is where the page's first events began, until it is sent
	// what the feed holds before them; 0 once it has been.
	history int
}

// feedUpdate is what a page has not yet been sent, and how to wait for
// more.
type feedUpdate struct {
	messages bytes.Buffer // Server-Sent Events, ready to write
	run      *shownRun    // the run shown, for its clock
	live     bool
	changed  <-chan struct{} // closes at the next change
	more     bool            // more is ready to send at once: the page's history
}

// update is everything the page at cursor has not been sent, and moves
// the cursor on. A page behind the events the feed still holds, or on
// another run, starts again from the run's header and the state of a
// moment ago (recentReach), which it can draw at once; its next update is
// the feed's history before that moment.
func (f *webFeed) update(cursor *feedCursor) *feedUpdate {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := &feedUpdate{run: f.run, live: f.live, changed: f.changed}
	switch {
	case cursor.run != f.run || cursor.next < f.first:
		start := f.first
		if n := len(f.events); n > 0 {
			start += f.since(f.events[n-1].ev.At - f.recentReach())
		}
		writeEvent(&u.messages, "run", f.header)
		writeEvent(&u.messages, "snapshot", f.snapshotAt(start, newestEntries))
		*cursor = feedCursor{run: f.run, next: start, violations: -1, history: start}
		u.more = start > f.first
	case cursor.history > f.first:
		writeEvent(&u.messages, "history", f.history(cursor.history))
		cursor.history = 0
	default:
		cursor.history = 0 // the feed has forgotten what came before the page's first events
	}
	if pending := f.events[cursor.next-f.first:]; len(pending) > 0 {
		lines := make([][]byte, len(pending))
		for i, e := range pending {
			lines[i] = e.line
		}
		writeEvent(&u.messages, "events", append(append([]byte("["), bytes.Join(lines, []byte(","))...), ']'))
		cursor.next += len(pending)
	}
	if f.lesson != nil && cursor.lesson != f.lessonSeq {
		writeEvent(&u.messages, "lesson", f.lesson)
		cursor.lesson = f.lessonSeq
	}
	if len(f.violations) != cursor.violations {
		safety, _ := json.Marshal(append([]feedViolation{}, f.violations...))
		writeEvent(&u.messages, "safety", safety)
		cursor.violations = len(f.violations)
	}
	return u
}

// webSnapshot is the cluster's state before the events the feed holds.
type webSnapshot struct {
	AtMs     float64   `json:"at_ms"`
	Nodes    []webNode `json:"nodes"`
	Groups   [][]int   `json:"groups"`
	DropRate float64   `json:"drop_rate"`
}

// webNode is one node's state in a snapshot.
type webNode struct {
	ID       int        `json:"id"`
	Role     string     `json:"role"`
	Term     uint64     `json:"term"`
	VotedFor int        `json:"voted_for"`
	Alive    bool       `json:"alive"`
	Commit   uint64     `json:"commit"`
	Log      []webEntry `json:"log"`
	// Progress is a leader's view of each follower, by its ID.
	Progress []webProgress `json:"progress,omitempty"`
}

// webProgress is a leader's nextIndex and matchIndex for one follower.
type webProgress struct {
	To    int    `json:"to"`
	Next  uint64 `json:"next"`
	Match uint64 `json:"match"`
}

// webEntry is one entry of a node's log in a snapshot.
type webEntry struct {
	Index   uint64 `json:"index"`
	Term    uint64 `json:"term"`
	Command string `json:"command,omitempty"`
}

// recentReach is how much of the run a page that joins is sent first: two
// election timeouts, time for every node's timer to be set again, and a
// message's flight. The caller holds f.mu.
func (f *webFeed) recentReach() time.Duration {
	_, flight := f.run.c.cfg.latencyRange()
	return 2*f.run.c.cfg.ElectionTimeoutMax + flight
}

// snapshotAt is, as JSON, the state before the run's event number at
// (counted from the run's first), with each log's newest entries, at most
// entries of them (0: all). The caller holds f.mu.
func (f *webFeed) snapshotAt(at, entries int) []byte {
	state, when := f.base.clone(), f.baseAt
	for _, e := range f.events[:at-f.first] {
		state.apply(e.ev)
		when = e.ev.At
	}
	s := webSnapshot{AtMs: milliseconds(when), Groups: state.groups, DropRate: state.dropRate}
	for i, st := range state.status {
		node := webNode{ID: st.ID, Role: st.Role.String(), Term: st.Term, VotedFor: st.VotedFor,
			Alive: st.Alive, Commit: st.CommitIndex, Log: []webEntry{}}
		log := state.logs[i]
		if entries > 0 && len(log) > entries {
			log = log[len(log)-entries:]
		}
		for _, e := range log {
			node.Log = append(node.Log, webEntry(e))
		}
		for j, p := range state.progress[i] {
			if p[0] != 0 {
				node.Progress = append(node.Progress, webProgress{To: j + 1, Next: p[0], Match: p[1]})
			}
		}
		s.Nodes = append(s.Nodes, node)
	}
	return mustJSON(s)
}

// history is what the feed holds before the run's event number at: its
// base state, whole, and the events from there to at, as JSON. The
// caller holds f.mu.
func (f *webFeed) history(at int) []byte {
	lines := make([][]byte, at-f.first)
	for i, e := range f.events[:at-f.first] {
		lines[i] = e.line
	}
	var b bytes.Buffer
	b.WriteString(`{"snapshot":`)
	b.Write(f.snapshotAt(f.first, 0))
	b.WriteString(`,"events":[`)
	b.Write(bytes.Join(lines, []byte(",")))
	b.WriteString(`]}`)
	return b.Bytes()
}

// clone is a copy of s that shares nothing with it.
func (s clusterState) clone() clusterState {
	c := s
	c.status = slices.Clone(s.status)
	c.logs = make([][]Entry, len(s.logs))
	for i, log := range s.logs {
		c.logs[i] = slices.Clone(log)
	}
	c.progress = make([][][2]uint64, len(s.progress))
	for i, p := range s.progress {
		c.progress[i] = slices.Clone(p)
	}
	return c
}

// webClock is the run's clock as a page is told it: the protocol time
// reached, and how fast it moves.
type webClock struct {
	AtMs   float64 `json:"at_ms"`
	Slow   float64 `json:"slow"`   // real time per unit of protocol time
	Paused bool    `json:"paused"` // protocol time stands still
	Live   bool    `json:"live"`   // the run goes on; false once it has ended
}

// clockOf is run's clock now. It reads the run's recorder, so the caller
// must not hold f.mu.
func clockOf(run *shownRun, live bool) webClock {
	return webClock{AtMs: milliseconds(run.c.rec.shown()), Slow: run.c.clock.pace(),
		Paused: run.c.clock.isPaused(), Live: live}
}

// writeEvent writes one Server-Sent Event named name with data, which is
// one line of JSON.
func writeEvent(w io.Writer, name string, data []byte) {
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
}

// mustJSON is v, plain data, as JSON.
func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}
