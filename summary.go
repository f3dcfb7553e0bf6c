// summary.go follows the elections of a run through its events and, at the
// end, tells them term by term: who stood, the votes each candidate got, who
// won, when, how long the election took and how long the cluster had been
// without a leader. A run of terms that nobody won is one row, and a long
// session lists its first and latest terms, so that the summary of a cluster
// that stands for hours stays short, and so does its memory. The recorder
// (events.go) feeds it.

package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// termRecord is what happened in one term's election.
type termRecord struct {
	term       uint64
	candidates []int       // in the order they stood
	votes      map[int]int // granted votes per candidate, its own included
	votesBy    map[int]int // granted votes per voter (more than one is a violation)
	nodes      int         // the cluster's size, which a majority counts
	leader     int         // the first node to win this term; 0: nobody won it
	alsoWon    []int       // other nodes that won it after leader: only a broken rule lets one (Election Safety)
	started    time.Duration
	elected    time.Duration
	// noLeaderFor is how long the cluster had been without a leader when
	// this term's leader was elected; hadNoLeader says it was.
	noLeaderFor time.Duration
	hadNoLeader bool
}

// recentTerms is how many of the latest terms the summary keeps in full:
// votes and wins arrive while a term's election lasts, and scenarios look
// the current one up. Earlier terms are settled into rows; an event of a
// settled term comes too late to count.
const recentTerms = 16

// electionSummary collects the elections of a run. It is used only under
// the recorder's lock.
type electionSummary struct {
	recent     []*termRecord          // the latest terms, in the order they began
	byTerm     map[uint64]*termRecord // indexes recent
	settled    []summaryRow           // the earlier terms, a row each or a row for several
	settledTo  uint64                 // the highest term settled
	leadership leadership
	log        logTally
}

// logTally is what the log committed, as the summary tells it: once a
// client has made a request, the highest index committed and what the
// latest terms' leaders committed.
type logTally struct {
	requests    int
	committedTo uint64
	byTerm      []termCommits // the latest listedCommitTerms terms that committed entries, oldest first
}

// termCommits is how many entries a term's leader committed.
type termCommits struct {
	term    uint64
	entries uint64
}

// listedCommitTerms is how many terms the summary's log line lists.
const listedCommitTerms = 6

// observe counts a client's request and a leader's commit.
func (l *logTally) observe(ev Event) {
	switch {
	case ev.Kind == EventRequest:
		l.requests++
	case ev.Kind == EventCommit && ev.Cause.Rule == RuleStoredOnMajority && ev.Index > l.committedTo:
		if n := len(l.byTerm); n == 0 || l.byTerm[n-1].term != ev.Term {
			l.byTerm = append(l.byTerm, termCommits{term: ev.Term})
			l.byTerm = l.byTerm[max(len(l.byTerm)-listedCommitTerms, 0):]
		}
		l.byTerm[len(l.byTerm)-1].entries += ev.Index - l.committedTo
		l.committedTo = ev.Index
	}
}

// write prints the log's line of the summary, if a client made requests.
func (l *logTally) write(w io.Writer, width int) {
	if l.requests == 0 {
		return
	}
	var terms []string
	for _, t := range l.byTerm {
		terms = append(terms, fmt.Sprintf("%d by the leader of term %d", t.entries, t.term))
	}
	writeHanging(w, "", fmt.Sprintf("Log: %s; entries 1 to %d committed, %s.",
		plural(l.requests, "client request"), l.committedTo, strings.Join(terms, ", ")), width, nil)
}

func newElectionSummary() *electionSummary {
	return &electionSummary{byTerm: map[uint64]*termRecord{}}
}

// observe takes the events that shape an election.
func (s *electionSummary) observe(ev Event) {
	s.log.observe(ev)
	span, ended := s.leadership.observe(ev)
	if !isElectionEvent(ev) {
		return
	}
	t := s.record(ev.Term, ev.At)
	if t == nil {
		return
	}
	switch {
	case ev.Kind == EventRole && ev.Role == Candidate:
		t.candidates = append(t.candidates, ev.Node)
	case ev.Kind == EventVote:
		// A vote is granted only in the candidate's own term, which the
		// voter has just taken as its currentTerm.
		t.votes[ev.Candidate]++
		t.votesBy[ev.Node]++
	case ev.Kind == EventRole && ev.Role == Leader && t.leader == 0:
		t.leader, t.elected = ev.Node, ev.At
		t.noLeaderFor, t.hadNoLeader = span, ended
	case ev.Kind == EventRole && ev.Role == Leader && ev.Node != t.leader && !slices.Contains(t.alsoWon, ev.Node):
		t.alsoWon = append(t.alsoWon, ev.Node)
	}
}

// isElectionEvent reports whether ev is a candidacy, a granted vote or a win.
func isElectionEvent(ev Event) bool {
	return ev.Kind == EventRole && (ev.Role == Candidate || ev.Role == Leader) ||
		ev.Kind == EventVote && ev.Granted
}

// record returns the record of term, creating it as the term's election
// starts at time at, or nil if the term has been settled.
func (s *electionSummary) record(term uint64, at time.Duration) *termRecord {
	if t, ok := s.byTerm[term]; ok {
		return t
	}
	if term <= s.settledTo {
		return nil
	}
	t := &termRecord{term: term, votes: map[int]int{}, votesBy: map[int]int{}, nodes: s.leadership.nodes, started: at}
	s.byTerm[term] = t
	s.recent = append(s.recent, t)
	if len(s.recent) > recentTerms {
		s.settle()
	}
	return t
}

// settle moves the oldest recent term into the rows.
func (s *electionSummary) settle() {
	oldest := s.recent[0]
	s.recent = s.recent[1:]
	delete(s.byTerm, oldest.term)
	s.settledTo = max(s.settledTo, oldest.term)
	s.settled = shortenRows(appendRow(s.settled, oldest), storedRows)
}

// rows is every row of the summary: the settled ones, then the recent
// terms, folded and shortened alike.
func (s *electionSummary) rows() []summaryRow {
	rows := slices.Clone(s.settled)
	for _, t := range s.recent {
		rows = appendRow(rows, t)
	}
	return shortenRows(rows, shownRows)
}

// summaryRow is one row of the summary: one term's election, or a span of
// several terms.
type summaryRow struct {
	election *termRecord // nil: the row is span
	span     termSpan
}

// termSpan sums up several terms: either a run of terms in which nobody
// won, or the middle of a long session, whose terms are not listed. It is
// a value: with returns a new one and leaves the old one alone, so the
// stored rows can be folded further while the summary is printed.
type termSpan struct {
	first, last uint64
	terms, won  int
	splits      int         // terms whose vote was split (splitVote)
	stood       map[int]int // terms in which each node stood
	middle      bool        // the middle of a long session: not a run
}

// with is span s grown by term t.
func (s termSpan) with(t *termRecord) termSpan {
	if s.terms == 0 || t.term < s.first {
		s.first = t.term
	}
	s.last = max(s.last, t.term)
	s.terms++
	if t.leader != 0 {
		s.won++
	}
	if t.splitVote() {
		s.splits++
	}
	s.stood = maps.Clone(s.stood)
	if s.stood == nil {
		s.stood = map[int]int{}
	}
	for _, id := range t.candidates {
		s.stood[id]++
	}
	return s
}

// joined is span s grown by span o.
func (s termSpan) joined(o termSpan) termSpan {
	if s.terms == 0 || o.first < s.first {
		s.first = o.first
	}
	s.last = max(s.last, o.last)
	s.terms, s.won, s.splits = s.terms+o.terms, s.won+o.won, s.splits+o.splits
	s.stood = maps.Clone(s.stood)
	if s.stood == nil {
		s.stood = map[int]int{}
	}
	for id, n := range o.stood {
		s.stood[id] += n
	}
	return s
}

// spanOf is the span of the terms of rows.
func spanOf(rows []summaryRow) termSpan {
	var span termSpan
	for _, row := range rows {
		if row.election != nil {
			span = span.with(row.election)
		} else {
			span = span.joined(row.span)
		}
	}
	return span
}

// isLeaderlessRun reports whether the row is a run of terms nobody won.
func (row summaryRow) isLeaderlessRun() bool {
	return row.election == nil && !row.span.middle
}

// isLeaderlessTerm reports whether the row is one term that nobody won.
func (row summaryRow) isLeaderlessTerm() bool {
	return row.election != nil && row.election.leader == 0
}

// shortestRun is the fewest terms in a row without a winner that the
// summary folds into one row: one or two are a split vote, worth reading
// vote by vote.
const shortestRun = 3

// appendRow adds term t to rows: a term that nobody won joins the run of
// such terms before it, or makes one with the two before it.
func appendRow(rows []summaryRow, t *termRecord) []summaryRow {
	n := len(rows)
	if t.leader == 0 {
		switch {
		case n > 0 && rows[n-1].isLeaderlessRun():
			rows[n-1] = summaryRow{span: rows[n-1].span.with(t)}
			return rows
		case n >= shortestRun-1 && !slices.ContainsFunc(rows[n-shortestRun+1:], func(row summaryRow) bool { return !row.isLeaderlessTerm() }):
			run := spanOf(rows[n-shortestRun+1:]).with(t)
			return append(rows[:n-shortestRun+1], summaryRow{span: run})
		}
	}
	return append(rows, summaryRow{election: t})
}

// A long session's summary lists its first rows and its latest, and sums
// up the middle in one row: shownRows rows at most on the screen, and
// storedRows in memory, which leaves room for the recent terms.
const (
	headRows   = 3
	shownRows  = 24
	storedRows = shownRows - recentTerms
)

// shortenRows folds the middle of rows into one span row, if there are
// more than most, keeping the first headRows and the latest.
func shortenRows(rows []summaryRow, most int) []summaryRow {
	if len(rows) <= most {
		return rows
	}
	tail := most - headRows - 1
	middle := summaryRow{span: spanOf(rows[headRows : len(rows)-tail])}
	middle.span.middle = true
	return slices.Concat(rows[:headRows], []summaryRow{middle}, rows[len(rows)-tail:])
}

// write prints the summary table width columns wide, the time without a
// leader, the message tallies and the safety violations, for a run of seed
// that has lasted end.
func (s *electionSummary) write(w io.Writer, width int, seed uint64, end time.Duration, counts messageCounts, violations []string) {
	fmt.Fprintf(w, "Summary (seed %d), term by term:\n", seed)
	writeSummaryTable(w, s.rows(), width)
	without := s.leadership.without(end)
	fmt.Fprintf(w, "Without a leader: %s of %s (%s).\n", formatDuration(without), formatDuration(end),
		formatPercent(float64(without)/float64(max(end, 1))))
	inFlight := ""
	if left := counts.sent - counts.delivered - counts.dropped; left > 0 {
		inFlight = fmt.Sprintf(", %d still on their way at the end", left)
	}
	writeHanging(w, "", fmt.Sprintf("Messages: %d sent, %d delivered, %d dropped%s.", counts.sent, counts.delivered, counts.dropped, inFlight), width, nil)
	s.log.write(w, width)
	if len(violations) == 0 {
		fmt.Fprintln(w, "Safety violations: none.")
		return
	}
	fmt.Fprintln(w, violationStyle.Sprintf("Safety violations: %d.", len(violations)))
	for _, v := range violations {
		writeItem(w, 2, v, width)
	}
}

// summaryHeader names the summary's columns. The second, the candidates,
// takes the room the others leave, and wraps.
var summaryHeader = []string{"term", "stood (votes)", "won by", "elected at", "took", "no leader for"}

// The summary table's layout: its left margin, and the space between
// columns.
const (
	summaryIndent = 2
	summaryGap    = 2
)

// writeSummaryTable prints one row per term, or per span of terms, width
// columns wide.
func writeSummaryTable(w io.Writer, rows []summaryRow, width int) {
	cells := [][]string{summaryHeader}
	for _, row := range rows {
		if row.election != nil {
			cells = append(cells, row.election.cells())
		}
	}
	widths := make([]int, len(summaryHeader))
	for _, line := range cells {
		for i, cell := range line {
			widths[i] = max(widths[i], columns(cell))
		}
	}
	for _, row := range rows {
		if row.election == nil {
			widths[0] = max(widths[0], columns(row.span.label()))
		}
	}
	others := summaryIndent + summaryGap*(len(widths)-1)
	for i, n := range widths {
		if i != 1 {
			others += n
		}
	}
	widths[1] = min(widths[1], max(width-others, narrowestText))
	writeSummaryLine(w, summaryHeader, widths)
	for _, row := range rows {
		if row.election == nil {
			lead := strings.Repeat(" ", summaryIndent) + pad(row.span.label(), widths[0]+summaryGap)
			writeHanging(w, lead, row.span.sentence(), width, nil)
			continue
		}
		line := row.election.cells()
		for i, stood := range packItems(row.election.standings(), " ", widths[1]) {
			if i > 0 {
				line = make([]string, len(widths))
			}
			line[1] = stood
			writeSummaryLine(w, line, widths)
		}
	}
}

// writeSummaryLine writes one line of cells in columns of widths.
func writeSummaryLine(w io.Writer, cells []string, widths []int) {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", summaryIndent))
	for i, cell := range cells {
		if i < len(cells)-1 {
			cell = pad(cell, widths[i]+summaryGap)
		}
		b.WriteString(cell)
	}
	fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
}

// pad fills s with spaces to n columns.
func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(n-columns(s), 0))
}

// cells is the term's row of the summary, one cell per column of
// summaryHeader; the candidates' cell lists them all, unwrapped.
func (t *termRecord) cells() []string {
	return []string{fmt.Sprint(t.term), strings.Join(t.standings(), " "), t.winner(),
		t.electedAt(), t.duration(), t.leaderless()}
}

// standings lists the candidates with their votes, ready to wrap between
// them: "node 2 (5)", or "nodes 1 (2),", "4 (3)".
func (t *termRecord) standings() []string {
	if len(t.candidates) == 1 {
		return []string{fmt.Sprintf("node %d (%d)", t.candidates[0], t.votes[t.candidates[0]])}
	}
	parts := make([]string, len(t.candidates))
	for i, id := range t.candidates {
		parts[i] = fmt.Sprintf("%d (%d),", id, t.votes[id])
	}
	if len(parts) > 0 {
		parts[0] = "nodes " + parts[0]
		parts[len(parts)-1] = strings.TrimSuffix(parts[len(parts)-1], ",")
	}
	return parts
}

// winner names the term's leader (every one, if a broken rule let more
// than one win it), or says why there was none.
func (t *termRecord) winner() string {
	switch {
	case len(t.alsoWon) > 0:
		ids := []string{fmt.Sprint(t.leader)}
		for _, id := range t.alsoWon {
			ids = append(ids, fmt.Sprint(id))
		}
		return "nodes " + strings.Join(ids, ", ")
	case t.leader != 0:
		return fmt.Sprintf("node %d", t.leader)
	case t.splitVote():
		return "split vote"
	}
	return "nobody"
}

// splitVote reports whether the term's vote was split: several nodes
// stood and, between them, won votes from a majority of the cluster, yet
// none won. Candidates that hold no majority even together, such as nodes
// cut off alone or the survivors of too many crashes, lost for want of
// voters, not to a split.
func (t *termRecord) splitVote() bool {
	granted := 0
	for _, votes := range t.votes {
		granted += votes
	}
	return t.leader == 0 && len(t.candidates) > 1 && isMajority(granted, t.nodes)
}

// electedAt is when the term's leader was elected.
func (t *termRecord) electedAt() string {
	if t.leader == 0 {
		return "-"
	}
	return formatDuration(t.elected)
}

// leaderless is how long the cluster had been without a leader when the
// term's leader was elected.
func (t *termRecord) leaderless() string {
	if !t.hadNoLeader {
		return "-"
	}
	return formatDuration(t.noLeaderFor)
}

// duration is how long the term's election took: from the first candidacy
// to the win.
func (t *termRecord) duration() string {
	if t.leader == 0 {
		return "-"
	}
	return formatDuration(t.elected - t.started)
}

// label is the span's term column: "12-40".
func (s termSpan) label() string {
	return fmt.Sprintf("%d-%d", s.first, s.last)
}

// sentence tells the span in words: for a run, who stood how often; for
// the middle of a session, how many terms it holds.
func (s termSpan) sentence() string {
	if s.middle {
		return fmt.Sprintf("%s not listed one by one, %d of them won", plural(s.terms, "term"), s.won)
	}
	var stood []string
	for i, id := range slices.Sorted(maps.Keys(s.stood)) {
		verb := "" // "node 3 stood 29 times, node 5 twice"
		if i == 0 {
			verb = "stood "
		}
		stood = append(stood, fmt.Sprintf("node %d %s%s", id, verb, times(s.stood[id])))
	}
	told := fmt.Sprintf("nobody won these %d terms: %s", s.terms, strings.Join(stood, ", "))
	if s.splits > 0 {
		told += fmt.Sprintf("; %s", plural(s.splits, "split vote"))
	}
	return told
}

// times says how often: "once", "twice", "5 times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// leadership follows whether the cluster has a leader: its latest leader is
// alive, still believes it leads, and can reach a majority of the cluster
// that is alive. A leader cut off in a minority by a partition, or left
// with too few live followers by crashes, still believes it leads, but it
// could commit nothing, so it does not count.
type leadership struct {
	nodes  int
	leader int    // the latest leader; 0 once it has crashed or stepped down
	side   []int  // side[i-1] is node i's partition group; nil: no partition
	down   []bool // down[i-1]: node i has crashed and not restarted
	has    bool
	lostAt time.Duration // when the cluster last lost its leader
	spent  time.Duration // time without a leader before lostAt
}

// observe follows one event. If the event gave the cluster a leader again,
// it returns how long the cluster had been without one.
func (l *leadership) observe(ev Event) (span time.Duration, ended bool) {
	switch {
	case ev.Kind == EventStart:
		*l = leadership{nodes: ev.Nodes, lostAt: ev.At, down: make([]bool, ev.Nodes)}
	case ev.Kind == EventRole && ev.Role == Leader:
		l.leader = ev.Node
	case ev.Kind == EventRole && ev.Node == l.leader:
		l.leader = 0
	case ev.Kind == EventCrash:
		l.down[ev.Node-1] = true
		if ev.Node == l.leader {
			l.leader = 0
		}
	case ev.Kind == EventRestart:
		l.down[ev.Node-1] = false
	case ev.Kind == EventPartition:
		l.side = sidesOf(ev.Groups, l.nodes)
	case ev.Kind == EventHeal:
		l.side = nil
	}
	has := l.leader != 0 && l.reachesMajority(l.leader)
	switch {
	case has && !l.has:
		span = ev.At - l.lostAt
		l.spent += span
		ended = true
	case !has && l.has:
		l.lostAt = ev.At
	}
	l.has = has
	return span, ended
}

// reachesMajority reports whether node id, itself included, can reach a
// majority of the whole cluster among the nodes that are alive.
func (l *leadership) reachesMajority(id int) bool {
	reach := 0
	for peer := 1; peer <= l.nodes; peer++ {
		if !l.down[peer-1] && (l.side == nil || l.side[peer-1] == l.side[id-1]) {
			reach++
		}
	}
	return isMajority(reach, l.nodes)
}

// without is the total time without a leader in a run that lasted end.
func (l *leadership) without(end time.Duration) time.Duration {
	if l.has {
		return l.spent
	}
	return l.spent + end - l.lostAt
}

// messageCounts tallies what the network carried.
type messageCounts struct {
	sent, delivered, dropped int
}
