// engine_test.go checks the engine (engine.go): on its own, without a
// cluster, its watchdog, its guard against an instant without end, and
// its reports of late timers; under a cluster, slow motion and pause,
// which move real time and never protocol time.

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

// Slow motion stretches real time, and gives every message a flight time
// a class can see: with Slowdown 10, node 2's scripted 160 ms timeout fires
// after 1.6 s of (virtual) wall time, its RequestVotes and the votes that
// answer them take 25 ms of protocol time each way, so it wins 2.1 s after
// the start; its events still say 160 ms.
func TestSlowMotionKeepsProtocolTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(3, 1)
		cfg.Slowdown = 10
		cfg.FirstTimeouts = []time.Duration{290 * time.Millisecond, 160 * time.Millisecond, 280 * time.Millisecond}
		started := time.Now()
		c, events := startLoggedCluster(t, cfg)
		awaitLeader(t, c, 0, 3*time.Second)
		if wall := time.Since(started); wall < 2100*time.Millisecond || wall > 2110*time.Millisecond {
			t.Errorf("the first leader came after %s of wall time; want 2.1 s, ten times 160 ms and two flights of 25 ms", wall)
		}
		stood := events.matching(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Candidate })
		if len(stood) != 1 || stood[0].Node != 2 || stood[0].At.Round(time.Microsecond) != 160*time.Millisecond {
			t.Errorf("candidacies %v; want node 2's alone, at 160 ms of protocol time", stood)
		}
	})
}

// Pause stops the protocol's time: while paused no timer fires and no
// message arrives, so nothing happens at all, yet Status still answers;
// after Resume every timer fires as late as the pause was long, and the
// protocol's clock shows no gap.
func TestPauseHoldsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(5, 1)
		cfg.MaxLatency = 20 * time.Millisecond // so that messages are in flight when it pauses
		c, events := startLoggedCluster(t, cfg)
		leader, term := awaitLeader(t, c, 0, time.Second)
		if err := c.Pause(); err != nil {
			t.Fatal(err)
		}
		pausedAt, before := c.rec.now(), len(events.matching(func(Event) bool { return true }))
		time.Sleep(10 * time.Second)
		if after := len(events.matching(func(Event) bool { return true })); after != before || c.rec.now() != pausedAt {
			t.Fatalf("during a 10 s pause %d events happened and the protocol clock moved %s; want none and none",
				after-before, c.rec.now()-pausedAt)
		}
		if id, _, ok := c.Leader(); !ok || id != leader {
			t.Fatalf("while paused, Status shows leader %d (%t); want node %d", id, ok, leader)
		}
		if err := c.Pause(); err == nil {
			t.Error("pausing a paused cluster succeeded")
		}
		if err := c.Resume(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if id, now, _ := c.Leader(); id != leader || now != term {
			t.Errorf("after the pause node %d leads term %d; want node %d of term %d still, its heartbeats resumed",
				id, now, leader, term)
		}
		// The engine's clock moves from event to event: 1 s on, it shows
		// the last heartbeat round, at most one interval before.
		if got := c.rec.now(); got > pausedAt+time.Second || got <= pausedAt+time.Second-cfg.HeartbeatInterval {
			t.Errorf("1 s after resuming at %s the protocol clock shows %s", pausedAt, got)
		}
	})
}

// strangeMessage is a message no node has a handler for, as a message a
// student adds and forgets to handle would be.
type strangeMessage struct{}

func (strangeMessage) isRaftMessage() {}
func (strangeMessage) term() uint64   { return 0 }

// A node that panics (here handle's default, on a message it has no
// handler for) stops the engine as a step that never ends does: the run
// ends with one line that names the node, the panic and its line, and the
// program with it, instead of a stack.
func TestANodesPanicStopsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTestCluster(t, clusterConfig(3, 1))
		c.Start()
		defer c.Stop()
		c.operate(func() error {
			c.clock.afterFunc(0, func() { c.inboxes.deliver(Envelope{From: 1, To: 2, Msg: strangeMessage{}}) })
			return nil
		})
		waitFor(t, time.Second, "the engine to stop", func() bool { return c.clock.stalled() != nil })
		err := c.clock.stalled().Error()
		if !strings.HasPrefix(err, "node 2 panicked: node 2: no handler for a main.strangeMessage, at node.go:") ||
			!strings.Contains(err, "in handle") {
			t.Errorf("the engine stopped with %q; want node 2's panic, at handle's line", err)
		}
	})
}
