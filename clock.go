// clock.go is the cluster's one clock. Every timer of the nodes and the
// network, and every timestamp of the log, comes from it, so that the
// whole cluster can run in slow motion for a class to follow, and be
// paused and resumed without any node noticing. It runs on the time
// package, so in tests testing/synctest's virtual clock drives it.

package main

import (
	"sync"
	"time"
)

// clock keeps the protocol's time: how far the run has advanced in the
// protocol's own durations, which is real time divided by the slowdown,
// and stands still while paused. Its methods are safe from any goroutine.
type clock struct {
	slowdown float64 // real time per unit of protocol time, at least 1

	mu     sync.Mutex
	origin time.Time     // when protocol time was last anchored to real time
	base   time.Duration // the protocol time at origin
	paused bool
	timers map[*clockTimer]bool // every timer not yet stopped, to hold while paused
}

// newClock starts a clock at protocol time 0.
func newClock(slowdown float64) *clock {
	return &clock{slowdown: max(slowdown, 1), origin: time.Now(), timers: map[*clockTimer]bool{}}
}

// now is the protocol time since the clock started.
func (k *clock) now() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.protocolNow()
}

// protocolNow is now for a caller that holds k.mu.
func (k *clock) protocolNow() time.Duration {
	if k.paused {
		return k.base
	}
	return k.base + time.Duration(float64(time.Since(k.origin))/k.slowdown)
}

// real is how long protocol duration d lasts in real time.
func (k *clock) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) * k.slowdown)
}

// protocol is how much protocol time real duration d is.
func (k *clock) protocol(d time.Duration) time.Duration {
	return time.Duration(float64(d) / k.slowdown)
}

// isPaused reports whether protocol time stands still.
func (k *clock) isPaused() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.paused
}

// pause stops protocol time: no timer fires until resume. It reports
// whether the clock was running.
func (k *clock) pause() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.paused {
		return false
	}
	k.base, k.paused = k.protocolNow(), true
	for t := range k.timers {
		t.hold(k.base)
	}
	return true
}

// resume starts protocol time again where pause left it, and every held
// timer with the time it had left. It reports whether the clock was paused.
func (k *clock) resume() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.paused {
		return false
	}
	k.origin, k.paused = time.Now(), false
	for t := range k.timers {
		if t.held {
			t.held = false
			t.timer.Reset(k.real(t.due - k.base))
		}
	}
	return true
}

// clockTimer is a timer in protocol time, which the clock holds while
// paused. One made by newTimer delivers on C, exactly like a time.Timer;
// one made by afterFunc runs a function instead.
type clockTimer struct {
	k     *clock
	C     <-chan time.Time // newTimer's; nil for afterFunc
	timer *time.Timer
	fn    bool // made by afterFunc
	// Guarded by k.mu:
	due  time.Duration // the protocol time it fires at
	held bool          // stopped by pause before it fired; resume restarts it
}

// newTimer starts a timer that sends on C once protocol duration d has
// passed.
func (k *clock) newTimer(d time.Duration) *clockTimer {
	k.mu.Lock()
	defer k.mu.Unlock()
	t := &clockTimer{k: k, timer: time.NewTimer(k.real(d))}
	t.C = t.timer.C
	k.register(t, d)
	return t
}

// afterFunc runs f on a goroutine of its own once protocol duration d has
// passed, unless the timer is stopped first.
func (k *clock) afterFunc(d time.Duration, f func()) *clockTimer {
	k.mu.Lock()
	defer k.mu.Unlock()
	t := &clockTimer{k: k, fn: true}
	t.timer = time.AfterFunc(k.real(d), func() {
		k.mu.Lock()
		delete(k.timers, t) // it has fired: there is nothing left to hold
		k.mu.Unlock()
		f()
	})
	k.register(t, d)
	return t
}

// register notes a timer just started for protocol duration d, and holds
// it at once if the clock is paused. The caller holds k.mu, so the timer
// cannot fire before it is held.
func (k *clock) register(t *clockTimer, d time.Duration) {
	t.due, k.timers[t] = k.protocolNow()+d, true
	if k.paused {
		t.hold(k.base)
	}
}

// Reset makes the timer fire once protocol duration d has passed from now.
// As with a Go 1.23 time.Timer, a value sent on C and not yet received is
// discarded.
func (t *clockTimer) Reset(d time.Duration) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	t.due, k.timers[t] = k.protocolNow()+d, true
	if k.paused {
		t.timer.Stop()
		t.held = true
		return
	}
	t.held = false
	t.timer.Reset(k.real(d))
}

// Stop keeps the timer from firing, and forgets it. It reports whether it
// did keep it from firing: false if the timer had already fired or been
// stopped.
func (t *clockTimer) Stop() bool {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.timers, t)
	wasHeld := t.held
	t.held = false
	return t.timer.Stop() || wasHeld
}

// hold stops the timer for a pause, unless it has fired already. A
// channel timer that is due has fired, or is firing, and its value waits
// on C; stopping it would discard that value. The caller holds k.mu.
func (t *clockTimer) hold(now time.Duration) {
	switch {
	case t.fn:
		t.held = t.timer.Stop()
	case t.due > now:
		t.timer.Stop()
		t.held = true
	}
}
