// replay.go plays recorded runs again: go run . -replay TRACE. A trace's
// start event holds the cluster's configuration and seed, and the trace
// holds every action of the operator (a scenario's narration and faults,
// the commands typed at a console) with its protocol time. The engine
// (engine.go) then decides everything else the same way again, so a
// lockstep run replays exactly: its trace, written again, is the same,
// byte for byte. A teacher can replay a live session after class.

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// recordedRun is one run of a trace, as much of it as a replay needs.
type recordedRun struct {
	cfg     Config
	actions []Event       // the operator's, in order
	end     time.Duration // when the run stopped (its last event, if no stop)
}

// operatorKinds are the events that record an operator's action: what a
// replay does again. Every other event the cluster's engine and nodes
// produce again by themselves.
var operatorKinds = map[EventKind]bool{
	EventCrash: true, EventRestart: true, EventPartition: true, EventHeal: true,
	EventLoss: true, EventNote: true, EventOperator: true, EventRequest: true, EventExpire: true, EventRetime: true, EventLose: true,
	EventTransfer: true,
}

// isOperatorAction reports whether ev records an operator's action. A
// transfer event is the operator's request only from no node; a leader's
// own tell what it did of it.
func isOperatorAction(ev Event) bool {
	return operatorKinds[ev.Kind] && !(ev.Kind == EventTransfer && ev.Node != 0)
}

// readRecordedRuns reads every run of the trace at path.
func readRecordedRuns(path string) ([]recordedRun, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	var runs []recordedRun
	reader := newTraceReader(file)
	for {
		line, err := reader.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if line.Event == EventStart {
			if line.Config == nil {
				return nil, fmt.Errorf("line %d: the start event has no \"config\" to replay", reader.number)
			}
			cfg, err := line.Config.config()
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", reader.number, err)
			}
			runs = append(runs, recordedRun{cfg: cfg})
			continue
		}
		if len(runs) == 0 {
			return nil, fmt.Errorf("line %d: an event before any start event; a trace begins with one", reader.number)
		}
		run := &runs[len(runs)-1]
		ev := line.event()
		run.end = max(run.end, ev.At)
		if isOperatorAction(ev) {
			run.actions = append(run.actions, ev)
		}
	}
	if len(runs) == 0 {
		return nil, errors.New("no events: a trace begins with a start event")
	}
	return runs, nil
}

// replay plays again every run of the trace at path, with the log, trace
// and engine of base, and prints each run's summary and picture. A run
// recorded in RealTime plays in lockstep: its story depended on the
// machine, and this one will differ. It returns the exit code, as tell
// does, or exitUsage for a trace it cannot replay.
func replay(path string, base Config, out, stderr io.Writer, stop *runStop) int {
	runs, err := readRecordedRuns(path)
	if err != nil {
		fmt.Fprintln(stderr, escapeControl(fmt.Sprintf("raft: -replay %s: %v", path, err)))
		return exitUsage
	}
	width, code := terminalWidth(), exitSafe
	for i, recorded := range runs {
		cfg := recorded.cfg
		cfg.Log, cfg.LogDetail, cfg.LogWidth, cfg.Trace = base.Log, base.LogDetail, base.LogWidth, base.Trace
		cfg.Timing = base.Timing
		fmt.Fprintln(out)
		writeHanging(out, "", fmt.Sprintf("Replaying run %d of %d from %s: %d nodes, seed %d, %s.",
			i+1, len(runs), path, cfg.Nodes, cfg.Seed, plural(len(recorded.actions), "action")), width, narrationStyle)
		code = max(code, endSession(recorded.play(cfg, stop.abort), out, width))
		if stop.aborted() {
			break
		}
	}
	return code
}

// play runs the recorded run on a new cluster of cfg, and returns the
// stopped cluster.
func (r recordedRun) play(cfg Config, abort <-chan struct{}) *Cluster {
	c, err := NewCluster(cfg)
	if err != nil {
		panic(err) // readRecordedRuns validated the Config
	}
	r.playOn(c, abort)
	return c
}

// playOn starts c and is its engine's driver: it does each action at its
// time, lets the cluster run until the run's end, and stops c.
func (r recordedRun) playOn(c *Cluster, abort <-chan struct{}) {
	d := c.startAsDriver()
	defer d.release()
	defer c.Stop() // by the driver, so at the run's recorded end
	for _, ev := range r.actions {
		if !d.sleep(ev.At-c.rec.now(), abort) {
			return
		}
		redo(c, ev)
	}
	d.sleep(r.end-c.rec.now(), abort)
}

// startAt starts c and brings it to the moment at of the recorded run at
// once: it does each action up to then at its time, as play would, without
// waiting for the time to pass. c then runs on from there, paced as it is.
func (r recordedRun) startAt(c *Cluster, at time.Duration) {
	d := c.startAsDriver()
	defer d.release()
	for _, ev := range r.actions {
		if ev.At > at {
			break
		}
		d.skip(ev.At - c.rec.now())
		redo(c, ev)
	}
	d.skip(at - c.rec.now())
}

// redo does again the action that ev records. An action that fails now
// failed then too, and its failure was no event: it is left out.
func redo(c *Cluster, ev Event) {
	switch ev.Kind {
	case EventCrash:
		c.Crash(ev.Node)
	case EventRestart:
		c.Restart(ev.Node)
	case EventPartition:
		c.Partition(ev.Groups...)
	case EventHeal:
		c.Heal()
	case EventLoss:
		c.SetDropRate(ev.DropRate)
	case EventExpire:
		c.Timeout(ev.Node)
	case EventRetime:
		c.SetTimer(ev.Node, ev.Cause.Timeout)
	case EventLose:
		c.Lose(ev.From, ev.To, messageName(ev.Msg))
	case EventTransfer:
		c.Transfer(ev.To)
	case EventNote, EventOperator:
		c.note(Event{Kind: ev.Kind, Reason: ev.Reason})
	case EventRequest:
		// The node's reply went to the client of the recorded run; what
		// the client did next is in the trace as actions of its own.
		c.operate(func() error {
			c.handOver(ev.To, ClientRequest{Command: ev.Command, Read: ev.Read, Reply: make(chan ClientReply, 1)})
			return nil
		})
	}
}
