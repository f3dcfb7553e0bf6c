// narration.go prints a run as it happens, one line per event: the time since
// Start, the node in its own color with its role and term, and a past-tense
// sentence that names the rule it applied. The recorder (events.go) calls it
// for every event, in order; it prints those worth a reader's attention.

package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"
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
	digest *logDigest // keeps floods of lost messages and lone campaigns short
	// echoed: the commands typed are on the screen already, where the
	// terminal echoed them, so the log does not print them again.
	echoed bool
	// forced: the nodes whose election timer the operator made run out
	// (expire), until the role change it brings is told, so that the log
	// does not claim they heard from no leader.
	forced map[int]bool
}

// hideOperator keeps the operator's commands out of the log, for a console
// on a terminal, which echoes them as they are typed. Called before the
// run starts; a nil printer (no log) has nothing to hide.
func (p *logPrinter) hideOperator() {
	if p != nil {
		p.echoed = true
	}
}

// newLogPrinter makes the printer of a log to w, width columns wide (0:
// 80, the width of output that is not a terminal).
func newLogPrinter(w io.Writer, detail LogDetail, width int) *logPrinter {
	if width <= 0 {
		width = defaultWidth
	}
	return &logPrinter{w: w, detail: detail, width: width, digest: newLogDigest(detail < LogMessages), forced: map[int]bool{}}
}

// print writes one event, if it is one the log shows. before and after are
// the node's status on either side of the event.
func (p *logPrinter) print(ev Event, before, after NodeStatus) {
	sentence, style := p.describe(ev, before)
	p.write(p.digest.pass(logEntry{ev: ev, st: after, sentence: sentence, style: style}))
}

// finish writes what the digest still holds, at the end of the run.
func (p *logPrinter) finish() { p.write(p.digest.finish()) }

// write prints entries: each starts with the time and who acted, and its
// sentence wraps under itself.
func (p *logPrinter) write(entries []logEntry) {
	for _, e := range entries {
		writeHanging(p.w, logTime(e.ev.At)+who(e.ev, e.st)+" ", e.sentence, p.width, e.style)
	}
}

// printViolation writes, right under the event that revealed it, a
// violation of a safety property. It cannot be missed, with or without color.
func (p *logPrinter) printViolation(ev Event, violation string) {
	writeHanging(p.w, logTime(ev.At), "!!! SAFETY VIOLATION, "+violation, p.width, violationStyle)
}

// logTime is the log's time column: "  167.2 ms ".
func logTime(at time.Duration) string {
	return fmt.Sprintf("%9s ", formatDuration(at))
}

// roleWidth is the width of the longest role's name, "precandidate".
var roleWidth = len(PreCandidate.String())

// whoWidth is the width of the log's who column: "node 2 precandidate t12".
var whoWidth = len("node 2 ") + roleWidth + len(" t12")

// who is the column after the time: the node, its role and its term
// ("t3"), in the node's color; or the network, for partitions and heals; or
// the scenario, for its narration; or the operator, for a typed command
// and what it asks of the cluster (a transfer, a message dropped).
func who(ev Event, st NodeStatus) string {
	var label string
	var style *color.Color
	switch {
	case ev.Kind == EventNote:
		label, style = "scenario", narrationStyle
	case ev.Kind == EventOperator, ev.Node == 0 && (ev.Kind == EventTransfer || ev.Kind == EventLose):
		label, style = "operator", operatorStyle
	case ev.Kind == EventRequest:
		label, style = "client", operatorStyle
	case ev.Node == 0:
		label, style = "network", networkStyle
	default:
		label = fmt.Sprintf("node %d %-*s t%d", ev.Node, roleWidth, st.Role, st.Term)
		style = palette[(ev.Node-1)%len(palette)]
	}
	return style.Sprint(label) + strings.Repeat(" ", max(whoWidth-len(label), 0))
}

// describe turns an event into a sentence and the style that makes it stand
// out (nil: plain). An empty sentence means the log skips the event.
func (p *logPrinter) describe(ev Event, before NodeStatus) (string, *color.Color) {
	switch ev.Kind {
	case EventRole:
		what, style := roleChange(ev, before)
		reason := ev.Cause.Rule.sentence(ev)
		if ev.Cause.Rule == RuleTimedOut && p.forced[ev.Node] {
			delete(p.forced, ev.Node)
			reason = "the operator made its election timeout elapse, so it stands as one that heard from no leader would (§5.2)"
		}
		return what + ": " + reason, style
	case EventVote, EventPreVote:
		return describeBallot(ev), nil
	case EventFollow:
		return fmt.Sprintf("follows node %d, leader of term %d: its first heartbeat of the term arrived (§5.2)",
			ev.Leader, ev.Term), nil
	case EventSend, EventRecv, EventTimer, EventTimeout:
		if p.detail >= LogMessages {
			return describeVerbose(ev), nil
		}
	case EventHeartbeat:
		switch {
		case p.detail < LogHeartbeats:
		case ev.Cause.Rule == RuleReadRound:
			return ev.Cause.Rule.sentence(ev), nil
		default:
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
	case EventExpire:
		p.forced[ev.Node] = true
		return "its election timeout was made to elapse now, by the operator's timeout command", operatorStyle
	case EventRetime:
		return ev.Reason + " (align or spread)", operatorStyle
	case EventTransfer:
		if ev.Node == 0 {
			return fmt.Sprintf("asks node %d, the leader, to hand its leadership over to node %d (dissertation §3.10)", ev.From, ev.To), operatorStyle
		}
		return ev.Cause.Rule.sentence(ev), operatorStyle
	case EventLose:
		return fmt.Sprintf("drops node %d's %s to node %d on its way", ev.From, messageName(ev.Msg), ev.To), operatorStyle
	case EventPartition:
		return "split into " + formatGroups(ev.Groups) + "; no message crosses between groups", networkStyle
	case EventHeal:
		return "healed: every node can reach every other again", networkStyle
	case EventLoss:
		return ev.Reason, networkStyle
	case EventNote:
		return ev.Reason, narrationStyle
	case EventOperator:
		if !p.echoed {
			return "> " + ev.Reason, operatorStyle
		}
	case EventRequest:
		if ev.Read {
			return fmt.Sprintf("asked node %d to answer %s without a log entry; only a leader does (§8)", ev.To, strconv.Quote(escapeControl(ev.Command))), nil
		}
		return fmt.Sprintf("asked node %d to apply %s; only a leader takes it (§8)", ev.To, strconv.Quote(escapeControl(ev.Command))), nil
	case EventAppend, EventTruncate, EventMismatch, EventCommit, EventApply:
		return p.describeLog(ev, before)
	case EventRead:
		return describeRead(ev)
	case EventLate:
		since := ""
		if ev.Cause.Count > 0 {
			since = fmt.Sprintf(" (and %s since it last said so)", plural(ev.Cause.Count, "late timer"))
		}
		return fmt.Sprintf("its %s fired %s late%s: the machine did not run this program in time, and its peers may take it for dead",
			ev.Reason, formatDuration(ev.Late), since), stepDownStyle
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
		return fmt.Sprintf("received %v from %s", ev.Msg, senderName(ev.From))
	case EventTimeout:
		return "its election timeout elapsed: " + ev.Cause.Rule.sentence(ev)
	}
	return fmt.Sprintf("reset its election timer to %s: %s", formatDuration(ev.Cause.Timeout), ev.Cause.Rule.sentence(ev))
}

// senderName names who sent a message: a node, or, from outside the
// cluster (From 0), the client.
func senderName(from int) string {
	if from == 0 {
		return "the client"
	}
	return fmt.Sprintf("node %d", from)
}

// roleChange tells what a role event changed, and the style it stands out
// in.
func roleChange(ev Event, before NodeStatus) (string, *color.Color) {
	var what string
	var style *color.Color
	switch {
	case ev.Cause.Rule == RuleStarted:
		what = fmt.Sprintf("started as follower in term %d", ev.Term)
	case ev.Role == Leader:
		what, style = fmt.Sprintf("became leader of term %d", ev.Term), winStyle
	case ev.Role == Candidate && before.Role == Candidate:
		what = fmt.Sprintf("stood again, in term %d, and voted for itself", ev.Term)
	case ev.Role == Candidate:
		what = fmt.Sprintf("became candidate in term %d and voted for itself", ev.Term)
	case ev.Role == PreCandidate && before.Role == PreCandidate:
		what = fmt.Sprintf("asked again for pre-votes for term %d, staying in term %d", ev.Term+1, ev.Term)
	case ev.Role == PreCandidate:
		what = fmt.Sprintf("became pre-candidate in term %d, asking whether it could win term %d", ev.Term, ev.Term+1)
	case before.Role == Leader:
		what, style = fmt.Sprintf("stepped down to follower in term %d", ev.Term), stepDownStyle
	case before.Role == Candidate || before.Role == PreCandidate:
		what = fmt.Sprintf("gave up standing and became follower in term %d", ev.Term)
	default:
		what = fmt.Sprintf("moved to term %d as follower", ev.Term)
	}
	return what, style
}

// describeBallot tells a vote or pre-vote decision. A candidate's vote for
// itself goes unsaid: its candidacy's line says it.
func describeBallot(ev Event) string {
	request, decided := "RequestVote", "voted for"
	if ev.Kind == EventPreVote {
		request, decided = "PreVote", "would vote for"
	}
	switch {
	case ev.Candidate == ev.Node:
		return ""
	case ev.Cause.Rule == RuleLeaderSticky:
		return fmt.Sprintf("ignored node %d's %s for term %d: %s", ev.Candidate, request, ev.Cause.Term, ev.Cause.Rule.sentence(ev))
	case ev.Granted:
		return fmt.Sprintf("%s node %d in term %d: %s", decided, ev.Candidate, ev.Cause.Term, ev.Cause.Rule.sentence(ev))
	}
	return fmt.Sprintf("refused node %d's %s for term %d: %s", ev.Candidate, request, ev.Cause.Term, ev.Cause.Rule.sentence(ev))
}

// describeRead tells a leader's answer to a read, and why it could give it.
func describeRead(ev Event) (string, *color.Color) {
	answer := "nothing: the key has no value"
	if ev.Reason != "" {
		answer = strconv.Quote(escapeControl(ev.Reason))
	}
	style := (*color.Color)(nil)
	if ev.Cause.Rule == RuleStaleRead {
		style = stepDownStyle
	}
	return fmt.Sprintf("answered %s with %s, from its state machine as of entry %d: %s",
		strconv.Quote(escapeControl(ev.Command)), answer, ev.Index, ev.Cause.Rule.sentence(ev)), style
}

// describeEntry names the entry an event is about, with its command.
func describeEntry(ev Event) string {
	return fmt.Sprintf("entry %d of term %d (%s)", ev.Index, ev.EntryTerm, describeCommand(ev.Command))
}

// describeLog tells the log's events, as much of them as the detail asks
// for: by default a leader taking a client's command, a commit that takes
// in a client's command or entries of an earlier term, and every repair
// (a refusal, a deletion); with -heartbeats also every no-op and every
// leader's commit; with -v every append, commit and apply on every node.
func (p *logPrinter) describeLog(ev Event, before NodeStatus) (string, *color.Color) {
	byLeader := ev.Cause.Rule == RuleNoOp || ev.Cause.Rule == RuleClientCommand || ev.Cause.Rule == RuleStoredOnMajority
	shown := p.detail >= LogMessages ||
		p.detail >= LogHeartbeats && byLeader ||
		ev.Cause.Rule == RuleClientCommand ||
		ev.Cause.Rule == RuleStoredOnMajority && (ev.Command != "" || ev.Index > before.CommitIndex+1) ||
		ev.Kind == EventTruncate || ev.Kind == EventMismatch
	if !shown {
		return "", nil
	}
	switch ev.Kind {
	case EventAppend:
		return fmt.Sprintf("appended %s: %s", describeEntry(ev), ev.Cause.Rule.sentence(ev)), nil
	case EventTruncate:
		return fmt.Sprintf("deleted its entries from %d on: %s", ev.Index, ev.Cause.Rule.sentence(ev)), stepDownStyle
	case EventMismatch:
		return fmt.Sprintf("refused entries after entry %d of term %d: %s", ev.Index, ev.EntryTerm, ev.Cause.Rule.sentence(ev)), nil
	case EventCommit:
		return fmt.Sprintf("committed every entry up to %s: %s", describeEntry(ev), ev.Cause.Rule.sentence(ev)), nil
	case EventApply:
		text := fmt.Sprintf("applied %s to its state machine", describeEntry(ev))
		if ev.Reason != "" {
			text += ", which answered " + strconv.Quote(escapeControl(ev.Reason))
		}
		return text, nil
	}
	return "", nil
}
