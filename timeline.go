// timeline.go draws a whole run as one picture at its end: a row per node,
// time from left to right, a block for each stretch the node spent as
// follower, candidate, leader or crashed, then a row marking where the
// term changed, a row marking the faults, and a time axis. The recorder
// (events.go) feeds it every event. However long the run, it keeps a
// bounded amount of detail: far more than a screen has columns.

package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/fatih/color"
)

// phase is what a node was doing during a stretch of the run. When one
// column of the picture spans several phases, the highest is drawn: a
// crash, a win and a candidacy are what a reader looks for.
type phase int

const (
	phaseFollower phase = iota
	phasePreCandidate
	phaseCandidate
	phaseLeader
	phaseCrashed
)

// phaseOf is the phase of a node in role r.
func phaseOf(r Role) phase {
	switch r {
	case PreCandidate:
		return phasePreCandidate
	case Candidate:
		return phaseCandidate
	case Leader:
		return phaseLeader
	}
	return phaseFollower
}

// phaseLooks is how each phase is drawn: a distinct character, so the
// picture reads without color, and a distinct color.
var phaseLooks = []struct {
	symbol string
	style  *color.Color
	name   string
}{
	phaseFollower:     {"─", color.New(color.Faint), "follower"},
	phasePreCandidate: {"░", color.New(color.FgYellow, color.Faint), "precandidate"},
	phaseCandidate:    {"▒", color.New(color.FgYellow), "candidate"},
	phaseLeader:       {"█", color.New(color.FgGreen), "leader"},
	phaseCrashed:      {"×", color.New(color.FgRed, color.Bold), "crashed"},
}

// stretch is a node entering a phase at a time; it lasts until the node's
// next stretch, or the end of the run.
type stretch struct {
	from  time.Duration
	phase phase
}

// mark is something to point at on the time axis.
type mark struct {
	at     time.Duration
	symbol string
	text   string
}

// timeline collects what the picture shows. It is used only under the
// recorder's lock.
type timeline struct {
	rows    [][]stretch // rows[i-1]: node i's stretches, in time order
	terms   []mark      // where the highest term in the cluster grew
	commits []mark      // where a leader committed a client's command, thinned like terms
	faults  []mark      // the operator's faults: thinned like terms, but for the latest, which are listed
	seen    int         // how many faults the run had, thinned ones included
	highest uint64
}

// timelineDetail is how many stretches a row, and how many term or fault
// marks the picture, keeps before it coarsens them: many times the columns of any
// screen, so that coarsening changes the picture by a column at most,
// while a cluster that stands for hours uses no more memory than a short
// run.
const timelineDetail = 4096

// observe takes the events the picture shows.
func (tl *timeline) observe(ev Event) {
	switch ev.Kind {
	case EventStart:
		*tl = timeline{rows: make([][]stretch, ev.Nodes)}
		for i := range tl.rows {
			tl.rows[i] = []stretch{{ev.At, phaseFollower}}
		}
	case EventRole:
		tl.enter(ev.Node, ev.At, phaseOf(ev.Role))
		if ev.Term > tl.highest {
			tl.highest = ev.Term
			tl.terms = append(tl.terms, mark{at: ev.At, text: fmt.Sprint(ev.Term)})
			if len(tl.terms) > timelineDetail {
				tl.terms = thinMarks(tl.terms, coarseColumn(ev.At))
			}
		}
	case EventCommit:
		if ev.Cause.Rule == RuleStoredOnMajority && ev.Command != "" {
			tl.commits = append(tl.commits, mark{at: ev.At, symbol: "c"})
			if len(tl.commits) > timelineDetail {
				tl.commits = thinMarks(tl.commits, coarseColumn(ev.At))
			}
		}
	case EventCrash:
		tl.enter(ev.Node, ev.At, phaseCrashed)
		tl.fault(ev.At, "X", fmt.Sprintf("node %d crashed", ev.Node))
	case EventRestart:
		tl.enter(ev.Node, ev.At, phaseFollower)
		tl.fault(ev.At, "R", fmt.Sprintf("node %d restarted", ev.Node))
	case EventPartition:
		tl.fault(ev.At, "P", "partition "+formatGroups(ev.Groups))
	case EventHeal:
		tl.fault(ev.At, "H", "healed")
	case EventExpire:
		tl.fault(ev.At, "T", fmt.Sprintf("node %d timed out by hand", ev.Node))
	case EventLoss:
		tl.fault(ev.At, "L", "loss "+ev.Reason)
	}
}

// enter starts a new stretch for node id, unless it is in phase p already.
func (tl *timeline) enter(id int, at time.Duration, p phase) {
	row := tl.rows[id-1]
	if row[len(row)-1].phase != p {
		row = append(row, stretch{at, p})
		if len(row) > timelineDetail {
			row = coarsenRow(row, coarseColumn(at))
		}
		tl.rows[id-1] = row
	}
}

// coarseColumn is the span of time that coarsening a run of length at
// gathers into one: a quarter of the detail's worth of columns, so that
// coarsening halves a row at least and happens rarely.
func coarseColumn(at time.Duration) time.Duration {
	return max(at/(timelineDetail/4), 1)
}

// coarsenRow draws row in columns of width column: within each, the
// stretch that starts it takes the highest phase of the column's
// stretches, as drawRow would draw it, and the column's last phase
// follows, where it differs. The picture keeps its shape; a row keeps
// two stretches a column at most.
func coarsenRow(row []stretch, column time.Duration) []stretch {
	var coarse []stretch
	add := func(s stretch) {
		if len(coarse) == 0 || coarse[len(coarse)-1].phase != s.phase {
			coarse = append(coarse, s)
		}
	}
	for i := 0; i < len(row); {
		j := i + 1
		highest := row[i].phase
		for j < len(row) && row[j].from/column == row[i].from/column {
			highest = max(highest, row[j].phase)
			j++
		}
		add(stretch{row[i].from, highest})
		add(row[j-1])
		i = j
	}
	return coarse
}

// thinMarks keeps the first mark of each column of width column, the one
// whose label placeMarks would show.
func thinMarks(marks []mark, column time.Duration) []mark {
	var kept []mark
	for _, m := range marks {
		if len(kept) == 0 || kept[len(kept)-1].at/column != m.at/column {
			kept = append(kept, m)
		}
	}
	return kept
}

// fault marks a fault on the faults row. Past timelineDetail marks, it
// thins all but the latest listedFaults, which the picture lists in full.
func (tl *timeline) fault(at time.Duration, symbol, text string) {
	tl.seen++
	tl.faults = append(tl.faults, mark{at: at, symbol: symbol, text: text})
	if len(tl.faults) > timelineDetail {
		latest := len(tl.faults) - listedFaults
		tl.faults = append(thinMarks(tl.faults[:latest], coarseColumn(at)), tl.faults[latest:]...)
	}
}

// timelineLabel is the width of the left-hand labels, "node 1  ".
const timelineLabel = 8

// listedFaults is how many faults the picture explains below it, the
// latest: after a long session, the picture stays on the screen.
const listedFaults = 8

// write draws the picture width columns wide for a run that lasted end.
func (tl *timeline) write(w io.Writer, width int, end time.Duration) {
	if len(tl.rows) == 0 || end <= 0 {
		return
	}
	cols := max(width-timelineLabel-1, 20)
	perCol := (end + time.Duration(cols) - 1) / time.Duration(cols)
	tl.writeLegend(w, width, perCol)
	for i, row := range tl.rows {
		fmt.Fprintf(w, "%-*s%s\n", timelineLabel, fmt.Sprintf("node %d", i+1), drawRow(row, cols, perCol, end))
	}
	column := func(t time.Duration) int { return int(t / perCol) }
	fmt.Fprintf(w, "%-*s%s\n", timelineLabel, "term", placeMarks(tl.terms, cols, column, labelsOf))
	if len(tl.commits) > 0 {
		fmt.Fprintf(w, "%-*s%s\n", timelineLabel, "commits", placeMarks(tl.commits, cols, column, symbolsOf))
	}
	if len(tl.faults) > 0 {
		fmt.Fprintf(w, "%-*s%s\n", timelineLabel, "faults", placeMarks(tl.faults, cols, column, symbolsOf))
	}
	fmt.Fprintf(w, "%-*s%s\n", timelineLabel, "ms", timeAxis(cols, perCol))
	tl.writeFaults(w, width)
}

// writeLegend writes the picture's title and what its symbols mean: on one
// line if they fit, else the symbols on lines of their own, under the
// picture.
func (tl *timeline) writeLegend(w io.Writer, width int, perCol time.Duration) {
	title := fmt.Sprintf("Timeline, one column = %s:", formatDuration(perCol))
	var legend []string
	for p, look := range phaseLooks {
		if phase(p) != phasePreCandidate || tl.shows(phasePreCandidate) {
			legend = append(legend, look.style.Sprint(look.symbol)+" "+look.name)
		}
	}
	if line := title + "  " + strings.Join(legend, "  "); columns(line) <= width {
		fmt.Fprintln(w, line)
		return
	}
	fmt.Fprintln(w, title)
	for _, line := range packItems(legend, "  ", width-timelineLabel) {
		fmt.Fprintln(w, strings.Repeat(" ", timelineLabel)+line)
	}
}

// writeFaults explains the latest faults of the faults row.
func (tl *timeline) writeFaults(w io.Writer, width int) {
	margin := strings.Repeat(" ", timelineLabel)
	listed := tl.faults[max(len(tl.faults)-listedFaults, 0):]
	if earlier := tl.seen - len(listed); earlier > 0 {
		writeHanging(w, margin, fmt.Sprintf("(%s before these; the log tells them all)", plural(earlier, "fault")), width, nil)
	}
	for _, f := range listed {
		writeHanging(w, margin+fmt.Sprintf("%s at %s: ", f.symbol, formatDuration(f.at)), f.text, width, nil)
	}
}

// shows reports whether some node went through phase p: the legend names
// a pre-candidate only in a run with PreVote.
func (tl *timeline) shows(p phase) bool {
	for _, row := range tl.rows {
		for _, s := range row {
			if s.phase == p {
				return true
			}
		}
	}
	return false
}

// drawRow draws one node's stretches, one character a column.
func drawRow(row []stretch, cols int, perCol, end time.Duration) string {
	var b strings.Builder
	run, runPhase := 0, phase(-1)
	flush := func() {
		if run > 0 {
			look := phaseLooks[runPhase]
			b.WriteString(look.style.Sprint(strings.Repeat(look.symbol, run)))
		}
	}
	next := 0 // the first stretch that has not ended before this column
	for c := range cols {
		from, to := time.Duration(c)*perCol, time.Duration(c+1)*perCol
		if from >= end {
			break
		}
		for next+1 < len(row) && row[next+1].from <= from {
			next++
		}
		p := row[next].phase
		for j := next + 1; j < len(row) && row[j].from < to; j++ {
			p = max(p, row[j].phase)
		}
		if p != runPhase {
			flush()
			run, runPhase = 0, p
		}
		run++
	}
	flush()
	return b.String()
}

func labelsOf(m mark) string  { return m.text }
func symbolsOf(m mark) string { return m.symbol }

// placeMarks writes each mark's text (as show gives it) at the column
// of its time, within cols columns, where there is room; where there is
// not, a "·" says something happened.
func placeMarks(marks []mark, cols int, column func(time.Duration) int, show func(mark) string) string {
	line := []rune(strings.Repeat(" ", cols))
	for _, m := range marks {
		c := column(m.at)
		text := []rune(show(m))
		switch {
		case c+len(text) <= len(line) && isBlank(line[c:c+len(text)]) && (c == 0 || line[c-1] == ' '):
			copy(line[c:], text)
		case c < len(line) && line[c] == ' ':
			line[c] = '·'
		}
	}
	return strings.TrimRight(string(line), " ")
}

func isBlank(runes []rune) bool {
	return strings.TrimSpace(string(runes)) == ""
}

// timeAxis labels round times, far enough apart that labels never touch.
func timeAxis(cols int, perCol time.Duration) string {
	step := axisStep(perCol)
	var marks []mark
	for t := time.Duration(0); t/perCol < time.Duration(cols); t += step {
		marks = append(marks, mark{at: t, text: fmt.Sprint(t.Milliseconds())})
	}
	return axisLabels(marks, cols, func(t time.Duration) int { return int(t / perCol) })
}

// axisLabels places the labels of a time axis, cols columns long, leaving
// out any that would run past its end: an axis has nothing to point at
// there.
func axisLabels(marks []mark, cols int, column func(time.Duration) int) string {
	fit := slices.DeleteFunc(marks, func(m mark) bool { return column(m.at)+len([]rune(m.text)) > cols })
	return placeMarks(fit, cols, column, labelsOf)
}

// axisStep is the smallest of 1, 2, 5, 10, 20, 50, ... milliseconds that
// puts labels at least ten columns apart.
func axisStep(perCol time.Duration) time.Duration {
	for decade := time.Millisecond; ; decade *= 10 {
		for _, m := range []time.Duration{1, 2, 5} {
			if m*decade >= 10*perCol {
				return m * decade
			}
		}
	}
}

// formatGroups shows partition groups as "{1, 2} | {3, 4, 5}".
func formatGroups(groups [][]int) string {
	sides := make([]string, len(groups))
	for i, g := range groups {
		sides[i] = "{" + joinInts(g, ", ") + "}"
	}
	return strings.Join(sides, " | ")
}
