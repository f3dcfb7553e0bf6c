// log.go prints a run as it happens, one line per event: the time since
// Start, the node in its own color with its role and term, and a past-tense
// sentence that names the rule it applied. The recorder (events.go) calls it
// for every event, in order; it prints those worth a reader's attention.
package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fatih/color"
)

// LogDetail says how much of a run the log shows.
type LogDetail int

const (
	// LogElection shows roles, votes and pre-votes, faults, the scenario's
	// narration, and election messages lost.
	LogElection LogDetail = iota
	// LogHeartbeats adds every heartbeat round and every heartbeat lost.
	LogHeartbeats
	// LogMessages adds every message sent, delivered and dropped, and
	// every election timer reset.
	LogMessages
)

// palette holds nine colors that read on dark and light backgrounds alike,
// and none of them is the yellow, green or red that the picture gives a
// candidate, a leader and a crashed node: blues, purples, pinks and teals
// of the terminal's 256 colors. Each node's lines are in its own.
var palette = []*color.Color{
	color256(33), color256(129), color256(37), color256(162), color256(61),
	color256(31), color256(133), color256(25), color256(98),
}

// color256 is color code of the terminal's 256 colors, as foreground.
func color256(code int) *color.Color {
	return color.New(38, 5, color.Attribute(code)) // SGR 38;5;N
}

// The styles of the events that must stand out. Those without a
// background of their own use the terminal's own colors, bold or
// reversed, so they read whatever the background.
var (
	winStyle       = color.New(color.Bold, color.FgBlack, color.BgGreen)
	crashStyle     = color.New(color.Bold, color.FgHiWhite, color.BgRed)
	stepDownStyle  = color.New(color.Bold, color.FgBlack, color.BgYellow)
	restartStyle   = color.New(color.Bold)
	networkStyle   = color.New(color.ReverseVideo)
	narrationStyle = color.New(color.Bold, color.Underline)
	operatorStyle  = color.New(color.Bold)
	violationStyle = color.New(color.Bold, color.FgHiWhite, color.BgRed)
	errorStyle     = color.New(color.FgRed)
)

// logPrinter writes the log, width columns wide. It is used only under the
// recorder's lock. Colors follow fatih/color's switch, color.NoColor, which
// is set when NO_COLOR is set or standard output is not a terminal, and
// cleared by -color.
type logPrinter struct {
	w      io.Writer
	detail LogDetail
	width  int
}

// newLogPrinter makes the printer of a log to w, width columns wide (0:
// 80, the width of output that is not a terminal).
func newLogPrinter(w io.Writer, detail LogDetail, width int) *logPrinter {
	if width <= 0 {
		width = defaultWidth
	}
	return &logPrinter{w: w, detail: detail, width: width}
}

// print writes one event, if it is one the log shows. before and after are
// the node's status on either side of the event. A line starts with the
// time and who acted; its sentence wraps under itself.
func (p *logPrinter) print(ev Event, before, after NodeStatus) {
	sentence, style := p.describe(ev, before)
	if sentence == "" {
		return
	}
	writeHanging(p.w, logTime(ev.At)+who(ev, after)+" ", sentence, p.width, style)
}

// printViolation writes, right under the event that revealed it, a
// violation of a safety property. It cannot be missed, with or without color.
func (p *logPrinter) printViolation(ev Event, violation string) {
	if violation != "" {
		writeHanging(p.w, logTime(ev.At), "!!! SAFETY VIOLATION, "+violation, p.width, violationStyle)
	}
}

// logTime is the log's time column: "  167.2 ms ".
func logTime(at time.Duration) string {
	return fmt.Sprintf("%9s ", formatDuration(at))
}

// whoWidth is the width of the log's who column, "node 2 candidate t12".
const whoWidth = len("node 2 candidate t12")

// who is the column after the time: the node, its role and its term
// ("t3"), in the node's color; or the network, for partitions and heals; or
// the scenario, for its narration; or the operator, for a typed command.
func who(ev Event, st NodeStatus) string {
	label, style := "", palette[0]
	switch {
	case ev.Kind == EventNote:
		label, style = "scenario", narrationStyle
	case ev.Kind == EventOperator:
		label, style = "operator", operatorStyle
	case ev.Node == 0:
		label, style = "network", networkStyle
	default:
		label = fmt.Sprintf("node %d %-9s t%d", ev.Node, st.Role, st.Term)
		style = palette[(ev.Node-1)%len(palette)]
	}
	return style.Sprint(label) + strings.Repeat(" ", max(whoWidth-len(label), 0))
}

// describe turns an event into a sentence and the style that makes it stand
// out (nil: plain). An empty sentence means the log skips the event.
func (p *logPrinter) describe(ev Event, before NodeStatus) (string, *color.Color) {
	switch ev.Kind {
	case EventRole:
		return describeRole(ev, before)
	case EventVote:
		switch {
		case ev.Candidate == ev.Node:
			return "", nil // said by the candidate's own line
		case ev.Granted:
			return fmt.Sprintf("voted for node %d in term %d (%s)", ev.Candidate, ev.Term, ev.Reason), nil
		}
		return fmt.Sprintf("refused to vote for node %d in term %d (%s)", ev.Candidate, ev.Term, ev.Reason), nil
	case EventPreVote:
		switch {
		case ev.Candidate == ev.Node:
			return fmt.Sprintf("asked every peer whether it could win term %d, keeping term %d: %s (PreVote, dissertation §9.6)",
				ev.Term+1, ev.Term, ev.Reason), nil
		case ev.Granted:
			return fmt.Sprintf("granted node %d a pre-vote: %s", ev.Candidate, ev.Reason), nil
		}
		return fmt.Sprintf("refused node %d a pre-vote: %s", ev.Candidate, ev.Reason), nil
	case EventFollow:
		return fmt.Sprintf("follows node %d, leader of term %d: %s", ev.Leader, ev.Term, ev.Reason), nil
	case EventSend, EventRecv, EventTimer:
		if p.detail >= LogMessages {
			return describeVerbose(ev), nil
		}
	case EventHeartbeat:
		if p.detail >= LogHeartbeats {
			return "sent a heartbeat to every peer (§5.2: a leader keeps its authority by heartbeats)", nil
		}
	case EventDrop:
		if p.detail >= LogHeartbeats || !isHeartbeatTraffic(ev.Msg) {
			return fmt.Sprintf("lost its %s to node %d: %s", messageName(ev.Msg), ev.To, ev.Reason), nil
		}
	case EventCrash:
		return "crashed: " + ev.Reason, crashStyle
	case EventRestart:
		return fmt.Sprintf("restarted: %s", ev.Reason), restartStyle
	case EventPartition:
		return "split into " + formatGroups(ev.Groups) + "; no message crosses between groups", networkStyle
	case EventHeal:
		return "healed: every node can reach every other again", networkStyle
	case EventLoss:
		return ev.Reason, networkStyle
	case EventNote:
		return ev.Reason, narrationStyle
	case EventOperator:
		return "> " + ev.Reason, operatorStyle
	}
	return "", nil
}

// describeVerbose tells the events that only -v shows: messages sent and
// received, and timer resets.
func describeVerbose(ev Event) string {
	switch ev.Kind {
	case EventSend:
		return fmt.Sprintf("sent %v to node %d", ev.Msg, ev.To)
	case EventRecv:
		return fmt.Sprintf("received %v from node %d", ev.Msg, ev.From)
	}
	return "reset its election timer " + ev.Reason
}

// describeRole tells a role event by what changed.
func describeRole(ev Event, before NodeStatus) (string, *color.Color) {
	switch {
	case before.Role == ev.Role && before.Term == ev.Term:
		// Nothing changed: this is a node's first event after Start or
		// Restart, telling how it begins.
		return fmt.Sprintf("started as follower in term %d; %s", ev.Term, ev.Reason), nil
	case ev.Role == Leader:
		return fmt.Sprintf("became leader of term %d: %s", ev.Term, ev.Reason), winStyle
	case ev.Role == Candidate && before.Role == Candidate:
		return fmt.Sprintf("stood again, in term %d, and voted for itself: %s", ev.Term, ev.Reason), nil
	case ev.Role == Candidate:
		return fmt.Sprintf("became candidate in term %d and voted for itself: %s", ev.Term, ev.Reason), nil
	case before.Role == Leader:
		return fmt.Sprintf("stepped down to follower in term %d: %s", ev.Term, ev.Reason), stepDownStyle
	case before.Role == Candidate:
		return fmt.Sprintf("gave up standing and became follower in term %d: %s", ev.Term, ev.Reason), nil
	}
	return fmt.Sprintf("moved to term %d as follower: %s", ev.Term, ev.Reason), nil
}

// formatDuration shows a duration in milliseconds to a tenth, as the log and
// the summary do: "163.2 ms".
func formatDuration(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// formatPercent shows a probability as a percentage: "30%".
func formatPercent(p float64) string {
	return fmt.Sprintf("%.0f%%", 100*p)
}

// formatGroups shows partition groups as "{1, 2} | {3, 4, 5}".
func formatGroups(groups [][]int) string {
	sides := make([]string, len(groups))
	for i, g := range groups {
		sides[i] = "{" + joinInts(g, ", ") + "}"
	}
	return strings.Join(sides, " | ")
}

// joinInts writes numbers with a separator between them.
func joinInts(ids []int, sep string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, sep)
}
