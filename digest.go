// digest.go keeps floods out of the log (narration.go). A candidate cut off from
// its peers loses a RequestVote to each of them: those losses share one
// line. A node cut off from every peer stands again and again, each time
// alone: after two such campaigns in a row, the log stops scrolling them
// and later says in one line how many more there were.

package main

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/fatih/color"
)

// logEntry is one line of the log before it is laid out: the event, the
// node's status after it (for the left-hand column), and the sentence.
type logEntry struct {
	ev       Event
	st       NodeStatus
	sentence string // "": the log does not show the event
	style    *color.Color
}

// loneCampaignsShown is how many lone campaigns in a row of one node the
// log shows before it summarizes the rest; loneCampaignsSummary is how many
// it gathers into one summary line at most, so a long lesson still shows
// that the node keeps trying.
const (
	loneCampaignsShown   = 2
	loneCampaignsSummary = 20
)

// logDigest sits between the recorder's events and the printed log. It is
// used only under the recorder's lock.
type logDigest struct {
	nodes int
	lost  *lostMessages      // losses of one broadcast, still being gathered
	alone map[int]*loneStint // each node's lone campaigns in a row
	quiet bool               // false: show everything (-v)
}

// lostMessages is one broadcast's lost messages: one message kind of one
// term, from one node, lost for one reason, to several peers.
type lostMessages struct {
	entry logEntry // the first loss
	to    []int
}

// loneStint is a node's campaigns in a row that every peer missed.
type loneStint struct {
	campaigns int      // in a row, shown or not
	held      logEntry // the latest campaign's line, until its losses are known
	holding   bool
	hidden    int    // campaigns not shown since the last summary
	firstTerm uint64 // of the hidden campaigns: the terms they asked for
	lastTerm  uint64
	preVote   bool // the latest hidden campaign asked for pre-votes, not votes
}

func newLogDigest(quiet bool) *logDigest {
	return &logDigest{alone: map[int]*loneStint{}, quiet: quiet}
}

// pass takes the entry of the next event and returns the entries to print
// now, in order. A gathered loss waits for the rest of its broadcast: until
// a line is printed, or its sender does something else.
func (d *logDigest) pass(e logEntry) []logEntry {
	if e.ev.Kind == EventStart {
		d.nodes = e.ev.Nodes
	}
	var out []logEntry
	if l := d.lost; l != nil && !d.joins(e) &&
		(e.sentence != "" || e.ev.Node == l.entry.ev.From && e.ev.Kind != EventSend) {
		out = d.flushLost()
	}
	if e.sentence == "" {
		return out
	}
	if e.ev.Kind == EventDrop {
		if d.lost == nil {
			d.lost = &lostMessages{entry: e}
		}
		d.lost.to = append(d.lost.to, e.ev.To)
		return out
	}
	if e.ev.Node == 0 { // the network changed, or someone spoke: lone stints may end
		for _, id := range slices.Sorted(maps.Keys(d.alone)) {
			out = append(out, d.endStint(id, e.ev.At)...)
		}
	}
	if stint := d.alone[e.ev.Node]; stint != nil {
		switch {
		case d.quiet && isCampaign(e) && stint.campaigns >= loneCampaignsShown:
			stint.held, stint.holding = e, true // shown only if someone hears it
			return out
		case !isCampaign(e):
			out = append(out, d.endStint(e.ev.Node, e.ev.At)...)
		}
	}
	return append(out, e)
}

// joins reports whether e is one more loss of the broadcast being gathered.
func (d *logDigest) joins(e logEntry) bool {
	a, b := d.lost.entry.ev, e.ev
	return b.Kind == EventDrop && e.sentence != "" && a.From == b.From &&
		messageName(a.Msg) == messageName(b.Msg) && a.Msg.term() == b.Msg.term() &&
		a.Reason == b.Reason && !slices.Contains(d.lost.to, b.To)
}

// flushLost prints the gathered losses as one line, unless they end a lone
// campaign that the log is summarizing.
func (d *logDigest) flushLost() []logEntry {
	l := d.lost
	d.lost = nil
	slices.Sort(l.to)
	line := l.entry
	line.sentence = fmt.Sprintf("lost its %s to %s: %s", messageName(l.entry.ev.Msg), nameNodes(l.to), l.entry.ev.Reason)
	sender := l.entry.ev.From
	if !isElectionRequest(l.entry.ev.Msg) {
		return []logEntry{line}
	}
	stint := d.alone[sender]
	if len(l.to) < d.nodes-1 { // someone heard it: not alone
		out := d.endStint(sender, line.ev.At)
		if stint != nil && stint.holding {
			out = append(out, stint.held)
		}
		return append(out, line)
	}
	if stint == nil {
		stint = &loneStint{}
		d.alone[sender] = stint
	}
	stint.campaigns++
	if !stint.holding {
		return []logEntry{line}
	}
	stint.holding = false
	stint.hidden++
	if stint.hidden == 1 {
		stint.firstTerm = l.entry.ev.Msg.term()
	}
	stint.lastTerm = l.entry.ev.Msg.term()
	_, stint.preVote = l.entry.ev.Msg.(PreVote)
	if stint.hidden == loneCampaignsSummary {
		return []logEntry{summarizeStint(stint, line.ev.At)}
	}
	return nil
}

// endStint ends node id's lone campaigns at time at, with a line for those
// not shown.
func (d *logDigest) endStint(id int, at time.Duration) []logEntry {
	stint := d.alone[id]
	delete(d.alone, id)
	if stint == nil || stint.hidden == 0 {
		return nil
	}
	return []logEntry{summarizeStint(stint, at)}
}

// summarizeStint is the line, at time at, for a stint's campaigns not shown,
// which it then counts afresh.
func summarizeStint(stint *loneStint, at time.Duration) logEntry {
	like := stint.held
	like.ev.At = at
	terms := fmt.Sprintf("term %d", stint.firstTerm)
	if stint.lastTerm != stint.firstTerm {
		terms = fmt.Sprintf("terms %d to %d", stint.firstTerm, stint.lastTerm)
	}
	more := "times"
	if stint.hidden == 1 {
		more = "time"
	}
	campaigned := "stood alone %d more %s, in %s"
	if stint.preVote { // a pre-candidate stands in no term: it asks about one
		campaigned = "asked alone for pre-votes %d more %s, for %s"
	}
	like.sentence = fmt.Sprintf(campaigned+", every request lost (not shown one by one)", stint.hidden, more, terms)
	like.style = nil
	stint.hidden = 0
	return like
}

// finish returns what is still held back, at the end of the run.
func (d *logDigest) finish() []logEntry {
	var out []logEntry
	if d.lost != nil {
		out = d.flushLost()
	}
	for _, id := range slices.Sorted(maps.Keys(d.alone)) {
		out = append(out, d.endStint(id, stintEnd(d.alone[id]))...)
	}
	return out
}

// stintEnd is when a stint's last campaign not shown began.
func stintEnd(stint *loneStint) time.Duration { return stint.held.ev.At }

// isCampaign reports whether e is a node standing for election, or asking
// for pre-votes, because its own timeout elapsed.
func isCampaign(e logEntry) bool {
	return e.ev.Kind == EventRole && e.ev.Cause.Rule == RuleTimedOut
}

// isElectionRequest reports whether m asks for a vote or a pre-vote.
func isElectionRequest(m RaftMessage) bool {
	switch m.(type) {
	case RequestVote, PreVote:
		return true
	}
	return false
}

// nameNodes names nodes in words: "node 3", "nodes 1 and 2", "nodes 3, 4
// and 5".
func nameNodes(ids []int) string {
	if len(ids) == 1 {
		return fmt.Sprintf("node %d", ids[0])
	}
	return "nodes " + joinAnd(numerals(ids))
}
