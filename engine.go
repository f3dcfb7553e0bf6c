// engine.go is the cluster's one clock, and by default the engine that runs
// the cluster in simulated time. Every timer of the nodes, every message in
// flight and every timestamp of the log and the trace comes from it.
//
// In lockstep (the default) the engine hands one event, a timer or a
// delivery, to one node at a time, in the order of its due time and then of
// its creation, waits until that node has finished its step, and only then
// moves time on to the next event. Nothing else decides the order, so the
// same flags and seed tell the same story on any machine at any load. A run
// a person watches is paced: protocol time follows the time package's clock,
// 1:1 or Slowdown times slower, and a machine too busy to keep up delays the
// picture, never the story. A run nobody watches is unpaced and goes as fast
// as the CPU allows. Inside a testing/synctest bubble the time package's
// clock is the bubble's, so a test sleeps and the cluster runs meanwhile.
//
// With RealTime the engine is only a clock: it fires each timer and
// delivery when the wall clock reaches it, the nodes' goroutines run as the
// Go scheduler runs them, and a timer that fires late is reported, so that
// a live leader deposed by a busy machine is explained.
//
// The protocol learns of the engine through its timers (newTimer, Reset,
// Stop), its clock (now), and one hook, finishedStep, which a node calls
// where it waits for its next message or timer. A step the engine handed a
// node that never finishes would stop the run for good; a watchdog turns
// that into an error that names the node and what it was handed.

package main

import (
	"container/heap"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Timing is how a cluster's time relates to the wall clock.
type Timing int

const (
	// Paced runs the cluster in lockstep, with protocol time following the
	// time package's clock (slowed by Config.Slowdown): for a run a person
	// watches, and for tests in a synctest bubble.
	Paced Timing = iota
	// Unpaced runs the cluster in lockstep as fast as the CPU goes. Time
	// moves only while a driver (a scenario's script, a piped console, a
	// replay, an experiment's trial) sleeps, so nothing runs away.
	Unpaced
	// RealTime runs the nodes' goroutines freely on the wall clock, as the
	// machine's scheduler runs them: a seed then no longer replays a run.
	RealTime
)

// stallAfter is how long, in real time, the lockstep engine waits for a
// node to finish a step, with nothing else changing, before it declares
// the run stalled. A step takes microseconds; even a write to a stuck
// terminal gives up sooner (outputPatience).
const stallAfter = 10 * time.Second

// mostEventsAtAnInstant bounds the events that steps set off which the
// lockstep engine fires at one protocol time. A busy instant holds
// hundreds (a broadcast of nine nodes, and the replies to a flood of
// client requests); nodes that answer each other at once, for ever, would
// hold the run at one instant without end, so the engine stops there and
// says so.
const mostEventsAtAnInstant = 200_000

// lateBy is how late, in real time, a timer may fire in RealTime before the
// engine reports it: a healthy machine fires timers well within it.
const lateBy = 5 * time.Millisecond

// Classes of the engine's events. At one due time every protocol event
// (a timer or a delivery) fires before a driver wakes, so that a driver
// always acts on a cluster with nothing left to do at that moment.
const (
	protocolEvent = 0
	driverWake    = 1
)

// clock is the engine. Its methods are safe from any goroutine.
type clock struct {
	timing Timing
	// slowdown is the real time per unit of protocol time, at least 1: a
	// float64's bits, so that a person can change the pace (setSlowdown)
	// while any goroutine reads it.
	slowdown atomic.Uint64
	// late, in RealTime, reports a timer that fired more than lateBy late;
	// the engine calls it with no lock held.
	late func(owner int, name string, by time.Duration)

	mu      sync.Mutex
	changed *sync.Cond    // broadcast at every change that could let someone go on
	kick    chan struct{} // holds one signal for the engine's goroutine after a change
	at      time.Duration // lockstep: the protocol time of the last event or action
	origin  time.Time     // pacing: when protocol time was last anchored to the time package's clock
	base    time.Duration // pacing: the protocol time at origin
	paused  bool
	queue   timerQueue // every timer set and not yet fired or stopped
	created uint64     // timers ever created: each one's tie-break
	busy    int        // lockstep: steps under way, the nodes' and the engine's own
	awake   int        // lockstep: drivers awake; 0 or 1
	// steps holds, for each owner of a step under way (a node's ID, or 0
	// for the engine's own delivery of a message), how many it has and
	// what began the last one: what the watchdog names if one never ends.
	steps    map[int]*stepsUnderWay
	progress uint64 // lockstep: steps begun and ended so far, the watchdog's sign of life
	atNow    int    // lockstep: events fired at protocol time at so far that a step set off
	stall    error  // why the engine stopped itself, stalled or spinning; nil if it has not
	sleeper  int    // drivers' wakes in the queue
	running  bool   // the engine's goroutine was started
	stopped  bool
	halt     chan struct{} // closed by stop
	exited   chan struct{} // closed by the engine's goroutine as it returns
}

// newClock makes a clock at protocol time 0, for timing with slowdown.
func newClock(timing Timing, slowdown float64) *clock {
	k := &clock{timing: timing, origin: time.Now(), steps: map[int]*stepsUnderWay{},
		kick: make(chan struct{}, 1), halt: make(chan struct{}), exited: make(chan struct{})}
	k.slowdown.Store(math.Float64bits(max(slowdown, 1)))
	k.changed = sync.NewCond(&k.mu)
	return k
}

// lockstep reports whether the engine runs one step at a time.
func (k *clock) lockstep() bool { return k.timing != RealTime }

// start starts the engine's goroutine, which stop ends.
func (k *clock) start() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.running && !k.stopped {
		k.running = true
		k.origin = time.Now()
		go k.run()
	}
}

// stop ends the engine: no event fires after it returns, every wait on the
// engine returns, and its goroutine has exited.
func (k *clock) stop() {
	k.mu.Lock()
	k.halted()
	running := k.running
	k.mu.Unlock()
	if running {
		<-k.exited
	}
}

// halted stops the engine, once: no event fires after it, and every wait
// on the engine returns. The caller holds k.mu.
func (k *clock) halted() {
	if !k.stopped {
		k.stopped = true
		close(k.halt)
		k.signal()
	}
}

// signal tells every waiter that something changed. The caller holds k.mu.
func (k *clock) signal() {
	k.changed.Broadcast()
	select {
	case k.kick <- struct{}{}:
	default:
	}
}

// run is the engine's goroutine: it fires each event when its time comes
// and, in lockstep, only once every node has finished its step. While it
// waits on a step, its watchdog looks for a stall.
func (k *clock) run() {
	defer close(k.exited)
	pacer, watchdog := time.NewTimer(0), time.NewTimer(0)
	pacer.Stop()
	watchdog.Stop()
	defer pacer.Stop()
	defer watchdog.Stop()
	for {
		k.mu.Lock()
		if k.stopped {
			k.mu.Unlock()
			return
		}
		wait, ready := k.nextDue()
		var fired func()
		if ready && !k.spun() {
			fired = k.fireNext()
		}
		waitingOnStep, progress := k.lockstep() && k.busy > 0, k.progress
		k.mu.Unlock()
		if fired != nil {
			fired()
			continue
		}
		var paced, stalled <-chan time.Time
		if wait > 0 {
			pacer.Reset(wait)
			paced = pacer.C
		}
		if waitingOnStep {
			watchdog.Reset(stallAfter)
			stalled = watchdog.C
		}
		select {
		case <-k.kick:
		case <-paced:
		case <-stalled:
			k.checkStall(progress)
		}
		pacer.Stop()
		watchdog.Stop()
	}
}

// stepsUnderWay is the steps one owner has under way, for the watchdog.
type stepsUnderWay struct {
	count int
	began string        // what began the last of them: "its election timer", "a RequestVote"
	at    time.Duration // and at what protocol time
}

// checkStall stops the engine as stalled if no step has begun or ended
// since progress, stallAfter ago, while one is under way: its owner is
// waiting for an event that can never come. The run cannot go on; stopping
// lets whoever waits on it end the run and report why (stalled).
func (k *clock) checkStall(progress uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.busy == 0 || k.progress != progress || k.stopped {
		return
	}
	stuck := -1 // the lowest owner stuck, so that the report is the same every time
	for owner, s := range k.steps {
		if s.count > 0 && (stuck < 0 || owner < stuck) {
			stuck = owner
		}
	}
	s := k.steps[stuck]
	k.stall = &stallError{owner: stuck, began: s.began, at: s.at, after: stallAfter}
	k.halted()
}

// stallError says which step never ended.
type stallError struct {
	owner int
	began string
	at    time.Duration
	after time.Duration
}

func (e *stallError) Error() string {
	who := fmt.Sprintf("node %d", e.owner)
	if e.owner == 0 {
		who = "the network"
	}
	return fmt.Sprintf("the engine stalled: %s never finished the step that %s began at %s of protocol time, "+
		"and nothing else happened for %s of real time", who, e.began, formatDuration(e.at), e.after)
}

// spun reports whether the next event would pass mostEventsAtAnInstant at
// the present protocol time, and if so, stops the engine as spinning. The
// caller holds k.mu, with an event in the queue.
func (k *clock) spun() bool {
	if !k.lockstep() || k.queue[0].due > k.at || k.atNow < mostEventsAtAnInstant {
		return false
	}
	k.stall = fmt.Errorf("the engine spun: %d events at %s of protocol time, and time never moved on "+
		"(nodes that answer each other at once, for ever)", k.atNow, formatDuration(k.at))
	k.halted()
	return true
}

// recoverStep, deferred in a node's goroutine, stops the engine when the
// node panics, as a step that never ends does: no step of that node will
// end now, and the panic, with the node and its line, is why the run
// stopped (stalled). So a panic in a node, such as a lab student's, ends
// the run with one line instead of ending the program with a stack.
func (k *clock) recoverStep(owner int) {
	r := recover()
	if r == nil {
		return
	}
	err := fmt.Errorf("node %d panicked: %v, at %s", owner, r, panicSite())
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stall == nil {
		k.stall = err
	}
	k.halted()
}

// panicSite, called in a deferred function while a panic unwinds, names
// the line that panicked and the line that called it.
func panicSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	var where []string
	for more := true; more && len(where) < 2; {
		var frame runtime.Frame
		frame, more = frames.Next()
		if !strings.Contains(frame.File, "/runtime/") && !strings.Contains(frame.File, "/testing/") && frame.Function != "" {
			where = append(where, fmt.Sprintf("%s:%d in %s", filepath.Base(frame.File), frame.Line, frame.Function[strings.LastIndex(frame.Function, ".")+1:]))
		}
	}
	return strings.Join(where, ", called from ")
}

// stalled returns why the engine stopped itself, a step that never ended
// or an instant that never did, or nil if it did not.
func (k *clock) stalled() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stall
}

// nextDue says whether the first event in the queue may fire now, and if
// not, how long in real time to wait before looking again (0: until
// something changes). The caller holds k.mu.
func (k *clock) nextDue() (wait time.Duration, ready bool) {
	if k.lockstep() && (k.busy > 0 || k.awake > 0) || k.paused || len(k.queue) == 0 {
		return 0, false
	}
	if k.timing == Unpaced {
		// Nobody watches: time runs only while a driver waits for it.
		return 0, k.sleeper > 0
	}
	if ahead := k.queue[0].due - k.pacedNow(); ahead > 0 {
		return k.real(ahead), false
	}
	return 0, true
}

// fireNext takes the first event off the queue and fires it. It returns
// what remains to be done without the lock: a delivery, or a report of a
// late timer. The caller holds k.mu.
func (k *clock) fireNext() func() {
	t := heap.Pop(&k.queue).(*clockTimer)
	if k.lockstep() {
		if t.due > k.at {
			k.at, k.atNow = t.due, 0
		}
		if t.chained {
			k.atNow++
		}
	}
	switch {
	case t.wake != nil:
		if k.lockstep() {
			k.sleeper--
			k.awake++ // the driver's turn: the engine waits for it
		}
		close(t.wake)
	case t.fn != nil:
		if !k.lockstep() {
			return t.fn
		}
		k.begin(0, "a delivery") // the engine's own step: the delivery, under way
		return func() {
			t.fn()
			k.finishedStep(0)
		}
	case k.lockstep():
		k.begin(t.owner, "its "+t.name) // the node that owns the timer takes a step
		t.c <- time.Time{}              // never blocks: the node read the last firing in its step
	default:
		select {
		case t.c <- time.Now():
		default: // an earlier firing is still unread; one is enough
		}
		if by := k.real(k.pacedNow() - t.due); by > lateBy && k.late != nil {
			return func() { k.late(t.owner, t.name, k.protocol(by)) }
		}
	}
	return func() {}
}

// finishedStep is the engine's hook in the protocol: node owner calls it
// each time it has finished a step and is about to wait for its next
// message or timer. In lockstep the engine waits for it before it moves
// on; in RealTime it does nothing.
func (k *clock) finishedStep(owner int) {
	if !k.lockstep() {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.busy--
	k.steps[owner].count--
	k.progress++
	k.signal()
}

// wake notes that node owner is about to take a step the engine did not
// fire, which began: a new incarnation starting, or a message put in its
// inbox. The node's finishedStep ends the step.
func (k *clock) wake(owner int, began string) {
	if !k.lockstep() {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.begin(owner, began)
	k.signal()
}

// begin notes a step of owner's under way, which began. The caller holds
// k.mu, in lockstep.
func (k *clock) begin(owner int, began string) {
	s := k.steps[owner]
	if s == nil {
		s = &stepsUnderWay{}
		k.steps[owner] = s
	}
	s.count++
	s.began, s.at = began, k.at
	k.busy++
	k.progress++
}

// settle waits until every node has finished its step, so that what an
// operator does next happens after what it has done so far.
func (k *clock) settle() {
	if !k.lockstep() {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.untilSettled()
}

// untilSettled is settle for a caller that holds k.mu.
func (k *clock) untilSettled() {
	for k.busy > 0 && !k.stopped {
		k.changed.Wait()
	}
}

// catchUp fires, one at a time and each step settled, every protocol event
// due by limit, and brings the engine's time to limit. The caller holds
// k.mu and is the one driver awake, so the engine's goroutine waits.
func (k *clock) catchUp(limit time.Duration) {
	for !k.stopped && !k.paused && len(k.queue) > 0 && k.queue[0].due <= limit && k.queue[0].wake == nil && !k.spun() {
		fired := k.fireNext()
		k.mu.Unlock()
		fired()
		k.mu.Lock()
		k.untilSettled()
	}
	k.at = max(k.at, limit)
}

// act runs an operator's action (a crash, a partition, a narration) at a
// quiet moment of protocol time: after every event due by then has fired
// and every step it caused has finished. A driver acts at the time it woke
// at; anyone else acts at the paced time of the call. When act returns,
// every step the action caused has finished too.
func (k *clock) act(action func()) {
	if !k.lockstep() {
		action()
		return
	}
	k.mu.Lock()
	if k.awake > 0 {
		// The driver awake is the caller: the cluster's operator acts on
		// its own turn, one action after another.
		k.catchUp(k.at)
		k.mu.Unlock()
		action()
		k.settle()
		return
	}
	k.mu.Unlock()
	d := k.drive()
	defer d.release()
	action()
	k.settle()
}

// driver is the turn of an operator that acts on the cluster in protocol
// time: a scenario's script, a console, a replay, an experiment's trial. In
// lockstep, while a driver is awake the engine stands still; it runs only
// while the driver sleeps. One driver is awake at a time, and the cluster's
// methods, called while one is, are taken to be its own.
type driver struct {
	k *clock
}

// drive makes the caller the engine's driver, once the engine is between
// steps and no other driver is awake. Paced, it first catches the cluster
// up with the time package's clock.
func (k *clock) drive() *driver {
	d := &driver{k: k}
	if !k.lockstep() {
		return d
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for (k.busy > 0 || k.awake > 0) && !k.stopped {
		k.changed.Wait()
	}
	k.awake++
	limit := k.at
	if k.timing == Paced && k.running {
		limit = max(limit, k.pacedNow()) // the cluster has run on by itself
	}
	k.catchUp(limit)
	return d
}

// release ends the driver's turn: the engine runs on without it.
func (d *driver) release() {
	k := d.k
	if !k.lockstep() {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.awake--
	k.signal()
}

// sleep lets the cluster run for protocol duration dur while the driver
// waits, and reports whether it did: false if abort closed or the engine
// stopped first. A nil abort never closes. Sleeping for 0 does nothing.
func (d *driver) sleep(dur time.Duration, abort <-chan struct{}) bool {
	k := d.k
	if dur <= 0 {
		return !closed(abort) && !k.isStopped()
	}
	k.mu.Lock()
	t := &clockTimer{k: k, wake: make(chan struct{}), index: -1}
	k.schedule(t, dur, driverWake)
	if k.lockstep() {
		k.sleeper++
		k.awake-- // the engine runs while the driver sleeps
	}
	k.signal()
	k.mu.Unlock()
	select {
	case <-t.wake:
		return true
	case <-abort:
	case <-k.halt:
	}
	// Woken by neither: take the wake back, unless it fired meanwhile.
	k.mu.Lock()
	defer k.mu.Unlock()
	if t.index >= 0 {
		heap.Remove(&k.queue, t.index)
		if k.lockstep() {
			k.sleeper--
			k.awake++
		}
	}
	return false
}

// skip lets the cluster run for protocol duration dur at once, however it
// is paced: every event due by then fires, one step at a time, in the
// order a sleep would fire them, and paced time goes on from there. So a
// new run can catch up with a moment of an old one (a fork, in -web)
// without waiting for it in real time.
func (d *driver) skip(dur time.Duration) {
	k := d.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.lockstep() || dur <= 0 {
		return
	}
	k.catchUp(k.at + dur)
	k.base, k.origin = k.at, time.Now()
}

// pollEvery is how often, in protocol time, until looks at its condition.
const pollEvery = time.Millisecond

// until lets the cluster run, looking at cond every pollEvery of protocol
// time, until cond holds or patience has passed, and reports whether it
// held. Each look comes between the engine's steps, so a condition that
// holds holds still when until returns.
func (d *driver) until(patience time.Duration, abort <-chan struct{}, cond func() bool) bool {
	for waited := time.Duration(0); !cond(); waited += pollEvery {
		if waited >= patience || !d.sleep(pollEvery, abort) {
			return false
		}
	}
	return true
}

// await waits until cond holds or patience, in protocol time, has passed,
// and reports whether cond held: so the cluster's methods can wait for a
// node's reply. The driver awake waits on its own turn, as in act, and
// lets the cluster run meanwhile; so does a caller of an unpaced cluster,
// as a new driver, since nothing else would run it. Otherwise the cluster
// runs by itself, paced or in real time, and the caller sleeps on the time
// package's clock (the bubble's, in a synctest test), so that many callers
// can wait at once. It looks at cond after pollEvery, then at ever longer
// gaps, up to mostPoll: a reply that comes at once is seen at once, and a
// long wait costs few looks. It gives up at once when abort closes (nil:
// never).
func (k *clock) await(patience time.Duration, abort <-chan struct{}, cond func() bool) bool {
	k.mu.Lock()
	mine := k.lockstep() && k.awake > 0
	k.mu.Unlock()
	nap := func(d time.Duration) bool { return k.sleep(d, abort) }
	switch {
	case mine:
		nap = func(d time.Duration) bool { return (&driver{k: k}).sleep(d, abort) }
	case k.timing == Unpaced:
		d := k.drive()
		defer d.release()
		nap = func(dur time.Duration) bool { return d.sleep(dur, abort) }
	}
	gap, waited := pollEvery, time.Duration(0)
	for !cond() {
		step := min(gap, patience-waited)
		if step <= 0 || !nap(step) {
			return false
		}
		waited += step
		gap = min(2*gap, mostPoll)
	}
	return true
}

// sleepsOnTimers reports whether a caller that waits sleeps on the time
// package's clock while the cluster runs by itself, paced or in real
// time, rather than running the engine itself: as await does for any
// caller but the driver awake, unless the cluster is unpaced.
func (k *clock) sleepsOnTimers() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.timing == RealTime || k.timing == Paced && k.awake == 0
}

// sleep waits for protocol duration d on the time package's clock, and
// reports whether it slept it out, with the cluster still running, before
// abort closed.
func (k *clock) sleep(d time.Duration, abort <-chan struct{}) bool {
	timer := time.NewTimer(k.real(d))
	defer timer.Stop()
	select {
	case <-timer.C:
		return !k.isStopped()
	case <-abort:
		return false
	}
}

// mostPoll is the longest gap between await's looks at its condition.
const mostPoll = 16 * time.Millisecond

// isStopped reports whether stop has been called.
func (k *clock) isStopped() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stopped
}

// now is the protocol time since the clock started: in lockstep the time of
// the event or action under way, in RealTime the paced wall clock.
func (k *clock) now() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.current()
}

// current is now for a caller that holds k.mu.
func (k *clock) current() time.Duration {
	if k.lockstep() {
		return k.at
	}
	return k.pacedNow()
}

// pacedNow is the protocol time the time package's clock has reached:
// real time since the anchor divided by the slowdown, standing still while
// paused. The caller holds k.mu.
func (k *clock) pacedNow() time.Duration {
	if k.paused {
		return k.base
	}
	return k.base + k.protocol(time.Since(k.origin))
}

// real is how long protocol duration d lasts in real time.
func (k *clock) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) * k.pace())
}

// protocol is how much protocol time real duration d is.
func (k *clock) protocol(d time.Duration) time.Duration {
	return time.Duration(float64(d) / k.pace())
}

// pace is the real time each unit of protocol time lasts: the slowdown.
func (k *clock) pace() float64 { return math.Float64frombits(k.slowdown.Load()) }

// setSlowdown makes protocol time run s times slower than the time
// package's clock from now on; s below 1 (Config.Slowdown's 0) is 1. Only
// pacing changes: the events and their order stay those the seed decides,
// so a run replays the same at any pace. Protocol time goes on from where
// it is, without a jump.
func (k *clock) setSlowdown(s float64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.paused {
		k.base, k.origin = k.pacedNow(), time.Now()
	}
	k.slowdown.Store(math.Float64bits(max(s, 1)))
	k.signal()
}

// shown is the protocol time a person watching the run has reached: in
// Paced, the time package's clock, slowed, which runs on between events;
// otherwise now.
func (k *clock) shown() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.timing == Paced {
		return max(k.at, k.pacedNow())
	}
	return k.current()
}

// isPaused reports whether protocol time stands still.
func (k *clock) isPaused() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.paused
}

// pause stops protocol time: no event fires until resume. It reports
// whether the clock was running.
func (k *clock) pause() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.paused {
		return false
	}
	k.base = k.current()
	k.paused = true
	k.signal()
	return true
}

// resume starts protocol time again where pause left it. It reports
// whether the clock was paused.
func (k *clock) resume() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.paused {
		return false
	}
	k.origin, k.paused = time.Now(), false
	k.signal()
	return true
}

// clockTimer is one event in the engine's queue: a node's timer, which
// sends on C; a message in flight, which runs fn; or a driver's wake.
type clockTimer struct {
	k     *clock
	C     <-chan time.Time // a node's timer: fires here; nil otherwise
	c     chan time.Time   // C, for the engine to send on
	owner int              // the node whose timer it is, and the timer's
	name  string           // name, for a report that it fired late
	fn    func()           // a message's delivery
	wake  chan struct{}    // a driver's sleep: closed when it is over
	// Guarded by k.mu:
	due   time.Duration // the protocol time it fires at
	class int           // protocolEvent or driverWake: the first tie-break
	// chained is true if a step set the event (a node's, or a delivery):
	// the events an instant may hold only so many of. What an operator
	// does, a client's request among it, comes from outside and is not.
	chained bool
	seq     uint64 // the order it was set in: the second tie-break
	index   int    // its place in the queue; -1 when not queued
}

// newTimer starts node owner's timer, called name, which sends on C once
// protocol duration d has passed.
func (k *clock) newTimer(owner int, name string, d time.Duration) timer {
	c := make(chan time.Time, 1)
	t := &clockTimer{k: k, C: c, c: c, owner: owner, name: name, index: -1}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.schedule(t, d, protocolEvent)
	return t
}

// retime makes node owner's timer called name fire once protocol
// duration d has passed, as if it had been set so: the operator's "timeout
// N" (d 0), "align" and "spread". It reports whether that timer was
// running. The node sees an ordinary firing, so no rule of the protocol
// needs to know the operator exists.
func (k *clock) retime(owner int, name string, d time.Duration) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, t := range k.queue {
		if t.owner == owner && t.name == name && t.c != nil {
			heap.Remove(&k.queue, t.index)
			k.schedule(t, d, protocolEvent)
			return true
		}
	}
	return false
}

// afterFunc runs f once protocol duration d has passed: on the engine's
// goroutine, and in lockstep as a step of its own.
func (k *clock) afterFunc(d time.Duration, f func()) *clockTimer {
	t := &clockTimer{k: k, fn: f, index: -1}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.schedule(t, d, protocolEvent)
	return t
}

// schedule queues t to fire after protocol duration d. The caller holds
// k.mu.
func (k *clock) schedule(t *clockTimer, d time.Duration, class int) {
	k.created++
	t.due, t.class, t.seq = k.current()+d, class, k.created
	t.chained = k.lockstep() && k.busy > 0
	heap.Push(&k.queue, t)
	k.signal()
}

// fired is the channel the timer fires on: C.
func (t *clockTimer) fired() <-chan time.Time { return t.C }

// Reset makes the timer fire once protocol duration d has passed from now.
// As with a Go 1.23 time.Timer, a firing sent on C and not yet received is
// discarded.
func (t *clockTimer) Reset(d time.Duration) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	t.unqueue()
	k.schedule(t, d, protocolEvent)
}

// Stop keeps the timer from firing. It reports whether it did: false if
// the timer had already fired or been stopped.
func (t *clockTimer) Stop() bool {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	return t.unqueue()
}

// unqueue takes the timer off the queue and discards an unread firing. It
// reports whether the timer was queued. The caller holds k.mu.
func (t *clockTimer) unqueue() bool {
	if t.c != nil {
		select {
		case <-t.c:
		default:
		}
	}
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.k.queue, t.index)
	return true
}

// timerQueue is the engine's queue, ordered by due time, then class, then
// the order the timers were set in: a total order that no goroutine's
// timing can change. It implements heap.Interface.
type timerQueue []*clockTimer

func (q timerQueue) Len() int { return len(q) }

func (q timerQueue) Less(i, j int) bool {
	a, b := q[i], q[j]
	if a.due != b.due {
		return a.due < b.due
	}
	if a.class != b.class {
		return a.class < b.class
	}
	return a.seq < b.seq
}

func (q timerQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}

func (q *timerQueue) Push(x any) {
	t := x.(*clockTimer)
	t.index = len(*q)
	*q = append(*q, t)
}

func (q *timerQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*q = old[:len(old)-1]
	return t
}
