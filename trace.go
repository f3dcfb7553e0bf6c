// trace.go writes a run's events as JSON Lines, one object per event, so a
// student can take the run apart with their own tools, and reads such a
// trace back to run the safety checker (safety.go) over it. The recorder
// (events.go) writes each event as it happens.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// traceLine is one event as the trace stores it. Fields that do not apply
// to the event are left out of its JSON.
type traceLine struct {
	AtMs      float64   `json:"at_ms"` // milliseconds since the cluster started
	Node      int       `json:"node,omitempty"`
	Term      uint64    `json:"term,omitempty"`
	Event     EventKind `json:"event"`
	Role      string    `json:"role,omitempty"`      // role: the node's new role
	VotedFor  int       `json:"voted_for,omitempty"` // role, vote, restart
	Candidate int       `json:"candidate,omitempty"` // vote
	Granted   *bool     `json:"granted,omitempty"`   // vote
	Leader    int       `json:"leader,omitempty"`    // follow
	From      int       `json:"from,omitempty"`      // send, recv, drop
	To        int       `json:"to,omitempty"`        // send, recv, drop
	Msg       string    `json:"msg,omitempty"`       // send, recv, drop: the message's kind
	Groups    [][]int   `json:"groups,omitempty"`    // partition
	Nodes     int       `json:"nodes,omitempty"`     // start
	Reason    string    `json:"reason,omitempty"`
}

// newTraceLine is ev as the trace stores it.
func newTraceLine(ev Event) traceLine {
	line := traceLine{
		AtMs:      float64(ev.At) / float64(time.Millisecond),
		Node:      ev.Node,
		Term:      ev.Term,
		Event:     ev.Kind,
		Candidate: ev.Candidate,
		Leader:    ev.Leader,
		From:      ev.From,
		To:        ev.To,
		Groups:    ev.Groups,
		Nodes:     ev.Nodes,
		Reason:    ev.Reason,
	}
	switch ev.Kind {
	case EventRole:
		line.Role, line.VotedFor = ev.Role.String(), ev.VotedFor
	case EventVote:
		line.VotedFor, line.Granted = ev.VotedFor, &ev.Granted
	case EventPreVote:
		line.Granted = &ev.Granted
	case EventRestart:
		line.VotedFor = ev.VotedFor
	}
	if ev.Msg != nil {
		line.Msg = messageName(ev.Msg)
	}
	return line
}

// event is the line as an Event, with what the safety checker needs. The
// trace keeps a message's kind, not the message, so Msg stays nil.
func (line traceLine) event() (Event, error) {
	ev := Event{
		At:        time.Duration(line.AtMs * float64(time.Millisecond)),
		Kind:      line.Event,
		Node:      line.Node,
		Term:      line.Term,
		VotedFor:  line.VotedFor,
		Candidate: line.Candidate,
		Granted:   line.Granted != nil && *line.Granted,
		Leader:    line.Leader,
		From:      line.From,
		To:        line.To,
		Groups:    line.Groups,
		Nodes:     line.Nodes,
		Reason:    line.Reason,
	}
	if line.Event == EventRole {
		role, ok := roleNamed(line.Role)
		if !ok {
			return ev, fmt.Errorf("unknown role %q", line.Role)
		}
		ev.Role = role
	}
	return ev, nil
}

// roleNamed is the Role whose String is name.
func roleNamed(name string) (Role, bool) {
	for _, r := range []Role{Follower, Candidate, Leader} {
		if r.String() == name {
			return r, true
		}
	}
	return 0, false
}

// traceWriter writes events as JSON Lines. It is used only under the
// recorder's lock.
type traceWriter struct {
	enc *json.Encoder
	err error // the first write error; later events are not written
}

func newTraceWriter(w io.Writer) *traceWriter {
	return &traceWriter{enc: json.NewEncoder(w)}
}

func (t *traceWriter) write(ev Event) {
	if t.err == nil {
		t.err = t.enc.Encode(newTraceLine(ev))
	}
}

// readTrace parses a JSON Lines trace.
func readTrace(r io.Reader) ([]traceLine, error) {
	var lines []traceLine
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; scanner.Scan(); n++ {
		var line traceLine
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		if line.Event == "" {
			return nil, fmt.Errorf("line %d: no \"event\" field", n)
		}
		lines = append(lines, line)
	}
	return lines, scanner.Err()
}

// traceReport is what the safety checker finds in a trace.
type traceReport struct {
	runs, events int
	violations   []string
}

// checkTrace runs the safety checker over a trace. Each start event begins
// a new cluster, as in a tour, with a checker of its own.
func checkTrace(lines []traceLine) (traceReport, error) {
	var report traceReport
	var checker *safetyChecker
	for i, line := range lines {
		ev, err := line.event()
		if err != nil {
			return report, fmt.Errorf("line %d: %v", i+1, err)
		}
		if ev.Kind == EventStart {
			if ev.Nodes < 1 {
				return report, fmt.Errorf("line %d: a start event without a cluster size", i+1)
			}
			report.runs++
			checker = newSafetyChecker(ev.Nodes)
		}
		if checker == nil {
			return report, fmt.Errorf("line %d: an event before any start event", i+1)
		}
		if v := checker.observe(ev); v != "" {
			report.violations = append(report.violations, fmt.Sprintf("run %d: %s", report.runs, v))
		}
		report.events++
	}
	return report, nil
}
