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

// In real time, a timer late by a few milliseconds is not news: the
// cluster reports one only when it is late enough to matter (half the
// margin between a heartbeat and the shortest election timeout), and of
// each node at most once a second, counting the others.
func TestLateTimersAreReportedWhenTheyMatter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(3, 1)
		cfg.Timing = RealTime
		c, events := startLoggedCluster(t, cfg)
		matters := (cfg.ElectionTimeoutMin - cfg.HeartbeatInterval) / 2
		lates := func() []Event { return events.matching(func(ev Event) bool { return ev.Kind == EventLate }) }
		c.reportLate(1, "heartbeat timer", matters-time.Millisecond)
		if got := lates(); len(got) != 0 {
			t.Fatalf("a timer %s late, under the %s that matters, was reported: %v", matters-time.Millisecond, matters, got)
		}
		for range 3 {
			c.reportLate(1, "heartbeat timer", matters)
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(lateQuiet)
		c.reportLate(1, "heartbeat timer", 2*matters)
		got := lates()
		if len(got) != 2 || got[0].Cause.Count != 0 || got[1].Cause.Count != 2 || got[1].Late != 2*matters {
			t.Errorf("four late timers in 1.3 s were reported as %+v; want the first, then the last with 2 more counted", got)
		}
	})
}
