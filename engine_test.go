// engine_test.go checks the engine (engine.go) on its own, without a
// cluster: its watchdog, and its guard against an instant without end.

package main

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// A step the engine handed a node and the node never finishes would stop
// a lockstep run for good: the watchdog stops the engine instead, and its
// error names the node and what began the step. Every wait on the engine
// then returns.
func TestWatchdogNamesAStalledStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newClock(Unpaced, 1)
		k.start()
		defer k.stop()
		k.newTimer(2, "heartbeat timer", time.Millisecond) // an event the stall holds back
		k.wake(3, "a RequestVote")                         // a step node 3 never finishes
		started := time.Now()
		d := k.drive() // waits for the step, until the watchdog gives up on it
		defer d.release()
		if waited := time.Since(started); waited != stallAfter {
			t.Errorf("the watchdog gave up after %s; want %s", waited, stallAfter)
		}
		var stall *stallError
		if err := k.stalled(); !errors.As(err, &stall) || stall.owner != 3 || !strings.Contains(err.Error(), "node 3 never finished the step that a RequestVote began") {
			t.Fatalf("stalled() = %v; want node 3's RequestVote named", err)
		}
		if d.sleep(time.Second, nil) {
			t.Error("a driver slept on a stalled engine")
		}
	})
}

// A step that ends, however late, is no stall: the watchdog watches for
// steps that never end, and the run goes on.
func TestWatchdogWaitsForASlowStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newClock(Unpaced, 1)
		k.start()
		defer k.stop()
		k.wake(1, "its start")
		go func() {
			time.Sleep(stallAfter / 2)
			k.finishedStep(1)
		}()
		d := k.drive()
		defer d.release()
		if !d.sleep(time.Second, nil) || k.stalled() != nil {
			t.Errorf("a step that ended after %s stalled the engine: %v", stallAfter/2, k.stalled())
		}
	})
}

// Events that set off each other at once, for ever, would hold a run at
// one instant without end: the engine stops after mostEventsAtAnInstant of
// them, and says so.
func TestEngineStopsAnInstantWithoutEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newClock(Unpaced, 1)
		k.start()
		defer k.stop()
		var echo func()
		echo = func() { k.afterFunc(0, echo) }
		k.afterFunc(time.Millisecond, echo)
		d := k.drive()
		defer d.release()
		if d.sleep(time.Second, nil) {
			t.Fatal("a second passed while events answered each other at one instant")
		}
		if err := k.stalled(); err == nil || !strings.Contains(err.Error(), "spun") || !strings.Contains(err.Error(), "at 1.0 ms") {
			t.Errorf("stalled() = %v; want the spin at 1 ms named", err)
		}
	})
}
