// trace.go writes a run's events as JSON Lines, one object per event, so a
// student can take the run apart with their own tools, and reads such a
// trace back to run the safety checker (safety.go) over it. The recorder
// (events.go) writes each event as it happens.

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"
)

// traceLine is one event as the trace stores it. Fields that do not apply
// to the event are left out of its JSON.
type traceLine struct {
	AtMs      float64      `json:"at_ms"` // milliseconds since the cluster started
	Node      int          `json:"node,omitempty"`
	Term      uint64       `json:"term,omitempty"`
	Event     EventKind    `json:"event"`
	Role      string       `json:"role,omitempty"`       // role: the node's new role
	VotedFor  int          `json:"voted_for,omitempty"`  // role, vote, restart
	Candidate int          `json:"candidate,omitempty"`  // vote
	Granted   *bool        `json:"granted,omitempty"`    // vote, prevote; and a response's answer on send, recv, drop
	Leader    int          `json:"leader,omitempty"`     // follow
	From      int          `json:"from,omitempty"`       // send, recv, drop
	To        int          `json:"to,omitempty"`         // send, recv, drop
	Msg       string       `json:"msg,omitempty"`        // send, recv, drop: the message's kind
	Entries   int          `json:"entries,omitempty"`    // send, recv, drop: how many entries an AppendEntries carries (none: a heartbeat)
	Groups    [][]int      `json:"groups,omitempty"`     // partition
	Nodes     int          `json:"nodes,omitempty"`      // start
	Config    *traceConfig `json:"config,omitempty"`     // start: what -replay needs
	Wall      string       `json:"wall,omitempty"`       // start, of a node's process: when, by the machine's clock (RFC 3339)
	DropRate  *float64     `json:"drop_rate,omitempty"`  // loss: the new rate
	LateMs    float64      `json:"late_ms,omitempty"`    // late: by how much
	TimeoutMs float64      `json:"timeout_ms,omitempty"` // role (on starting), timeout, timer: the election timeout drawn or elapsed; retime: set by the operator
	Index     uint64       `json:"index,omitempty"`      // append, truncate, mismatch, commit, apply: the entry's index; progress: the follower's matchIndex
	Next      uint64       `json:"next,omitempty"`       // progress: the leader's nextIndex for the follower
	EntryTerm uint64       `json:"entry_term,omitempty"` // the entry's term (the node's own is "term")
	Command   string       `json:"command,omitempty"`    // append, commit, apply: the entry's command (none for a no-op); request, read
	Read      bool         `json:"read,omitempty"`       // request: a read the leader answers without a log entry
	Reason    string       `json:"reason,omitempty"`
	Cause     string       `json:"cause,omitempty"` // the rule behind a node's step, when the run names it
}

// newTraceLine is ev as the trace stores it.
func newTraceLine(ev Event) traceLine {
	line := traceLine{
		AtMs:      milliseconds(ev.At),
		Node:      ev.Node,
		Term:      ev.Term,
		Event:     ev.Kind,
		Candidate: ev.Candidate,
		Leader:    ev.Leader,
		From:      ev.From,
		To:        ev.To,
		Groups:    ev.Groups,
		Nodes:     ev.Nodes,
		LateMs:    milliseconds(ev.Late),
		TimeoutMs: milliseconds(ev.Cause.Timeout),
		Index:     ev.Index,
		Next:      ev.Next,
		EntryTerm: ev.EntryTerm,
		Command:   ev.Command,
		Read:      ev.Read,
		Reason:    ev.Reason,
		Cause:     ev.Cause.Rule.String(),
	}
	if !ev.Wall.IsZero() {
		line.Wall = ev.Wall.UTC().Format(time.RFC3339Nano)
	}
	if ev.Kind == EventLoss {
		line.DropRate = &ev.DropRate
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
		line.Entries, line.Granted = messageDetail(ev.Msg)
	}
	return line
}

// withConfig is line, the line of ev, with the configuration cfg of the
// cluster on a start event, as the trace records it there.
func (line traceLine) withConfig(ev Event, cfg Config) traceLine {
	if ev.Kind == EventStart {
		line.Config = newTraceConfig(cfg)
	}
	return line
}

// messageDetail is what a trace says of a message besides its kind: how
// many entries an AppendEntries carries, and a response's answer.
func messageDetail(msg RaftMessage) (entries int, answer *bool) {
	switch m := msg.(type) {
	case AppendEntries:
		return len(m.Entries), nil
	case RequestVoteResponse:
		return 0, &m.VoteGranted
	case PreVoteResponse:
		return 0, &m.Granted
	case AppendEntriesResponse:
		return 0, &m.Success
	}
	return 0, nil
}

// event is the line as an Event, with what the safety checker needs. The
// trace keeps a message's kind and what messageDetail tells of it, not
// the message: Msg is a sketch of the message with just those (see
// sketchMessage). The line has passed validate, so its role and message,
// if any, are known.
func (line traceLine) event() Event {
	role, _ := roleNamed(line.Role)
	ev := Event{
		At:        fromMilliseconds(line.AtMs),
		Kind:      line.Event,
		Node:      line.Node,
		Term:      line.Term,
		Role:      role,
		VotedFor:  line.VotedFor,
		Candidate: line.Candidate,
		Granted:   line.Granted != nil && *line.Granted,
		Leader:    line.Leader,
		From:      line.From,
		To:        line.To,
		Groups:    line.Groups,
		Nodes:     line.Nodes,
		Late:      fromMilliseconds(line.LateMs),
		Index:     line.Index,
		Next:      line.Next,
		EntryTerm: line.EntryTerm,
		Command:   line.Command,
		Read:      line.Read,
		Reason:    line.Reason,
	}
	if line.DropRate != nil {
		ev.DropRate = *line.DropRate
	}
	if line.Msg != "" {
		ev.Msg = sketchMessage(line.Msg, line.Entries, line.Granted != nil && *line.Granted)
	}
	ev.Cause = Cause{Rule: rulesByName[line.Cause], Timeout: fromMilliseconds(line.TimeoutMs)}
	return ev
}

// sketchMessage is a message of the kind named with what a trace tells of
// it, as much as the trace of an event carrying it needs again: as many
// entries (empty ones) as an AppendEntries carried, and a response's
// answer.
func sketchMessage(kind string, entries int, granted bool) RaftMessage {
	switch kind {
	case "RequestVote":
		return RequestVote{}
	case "RequestVoteResponse":
		return RequestVoteResponse{VoteGranted: granted}
	case "AppendEntries":
		return AppendEntries{Entries: make([]Entry, entries)}
	case "AppendEntriesResponse":
		return AppendEntriesResponse{Success: granted}
	case "PreVote":
		return PreVote{}
	case "PreVoteResponse":
		return PreVoteResponse{Granted: granted}
	case "TimeoutNow":
		return TimeoutNow{}
	case "TransferLeadership":
		return TransferLeadership{}
	}
	return ClientRequest{}
}

// milliseconds is d as the trace writes times: a number of milliseconds.
// A float64 holds every nanosecond of a run of weeks exactly enough that
// fromMilliseconds gives d back, which -replay needs.
func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// fromMilliseconds is the duration a trace's number of milliseconds
// stands for, to the nearest nanosecond.
func fromMilliseconds(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

// traceConfig is a cluster's Config as a start event records it: every
// field that shapes the run, so that -replay can build the cluster again.
// Durations are written as Go writes them ("150ms"), which reads back
// exactly.
type traceConfig struct {
	Nodes         int      `json:"nodes"`
	TimeoutMin    string   `json:"timeout_min"`
	TimeoutMax    string   `json:"timeout_max"`
	Heartbeat     string   `json:"heartbeat"`
	Latency       string   `json:"latency"`
	DropRate      float64  `json:"drop_rate"`
	Seed          uint64   `json:"seed"`
	FirstTimeouts []string `json:"first_timeouts,omitempty"`
	PreVote       bool     `json:"prevote,omitempty"`
	CheckQuorum   bool     `json:"checkquorum,omitempty"`
	LogReads      bool     `json:"log_reads,omitempty"`
	Break         string   `json:"break,omitempty"`
	Slowdown      float64  `json:"slow,omitempty"`
	LeastLatency  string   `json:"least_latency,omitempty"`       // set by the figure-8 scenario
	PerMessage    int      `json:"entries_per_message,omitempty"` // likewise
	// RealTime: the run had goroutines on the wall clock, and does not
	// replay exactly. Paced or not, a lockstep run is the same story.
	RealTime bool `json:"realtime,omitempty"`
}

// newTraceConfig is cfg as a start event records it.
func newTraceConfig(cfg Config) *traceConfig {
	tc := &traceConfig{
		Nodes:       cfg.Nodes,
		TimeoutMin:  cfg.ElectionTimeoutMin.String(),
		TimeoutMax:  cfg.ElectionTimeoutMax.String(),
		Heartbeat:   cfg.HeartbeatInterval.String(),
		Latency:     cfg.MaxLatency.String(),
		DropRate:    cfg.DropRate,
		Seed:        cfg.Seed,
		PreVote:     cfg.PreVote,
		CheckQuorum: cfg.CheckQuorum,
		LogReads:    cfg.LogReads,
		Break:       string(cfg.Break),
		Slowdown:    cfg.Slowdown,
		PerMessage:  cfg.entriesPerMessage,
		RealTime:    cfg.Timing == RealTime,
	}
	if cfg.leastLatency > 0 {
		tc.LeastLatency = cfg.leastLatency.String()
	}
	for _, d := range cfg.FirstTimeouts {
		tc.FirstTimeouts = append(tc.FirstTimeouts, d.String())
	}
	return tc
}

// config is the Config tc records, with no log or trace, or an error
// naming the field that no run could have written.
func (tc *traceConfig) config() (Config, error) {
	cfg := Config{Nodes: tc.Nodes, DropRate: tc.DropRate, Seed: tc.Seed, PreVote: tc.PreVote,
		CheckQuorum: tc.CheckQuorum, LogReads: tc.LogReads, Break: Breakage(tc.Break), Slowdown: tc.Slowdown, entriesPerMessage: tc.PerMessage}
	var err error
	for _, f := range []struct {
		name string
		text string
		into *time.Duration
	}{{"timeout_min", tc.TimeoutMin, &cfg.ElectionTimeoutMin}, {"timeout_max", tc.TimeoutMax, &cfg.ElectionTimeoutMax},
		{"heartbeat", tc.Heartbeat, &cfg.HeartbeatInterval}, {"latency", tc.Latency, &cfg.MaxLatency}} {
		if *f.into, err = time.ParseDuration(f.text); err != nil {
			return cfg, fmt.Errorf("config's %q is not a duration: %q", f.name, f.text)
		}
	}
	if tc.LeastLatency != "" {
		if cfg.leastLatency, err = time.ParseDuration(tc.LeastLatency); err != nil || cfg.leastLatency < 0 {
			return cfg, fmt.Errorf("config's \"least_latency\" is not a duration: %q", tc.LeastLatency)
		}
	}
	if tc.PerMessage < 0 {
		return cfg, fmt.Errorf("config's \"entries_per_message\" is %d, below 0", tc.PerMessage)
	}
	for _, text := range tc.FirstTimeouts {
		d, err := time.ParseDuration(text)
		if err != nil {
			return cfg, fmt.Errorf("config's \"first_timeouts\" holds %q, not a duration", text)
		}
		cfg.FirstTimeouts = append(cfg.FirstTimeouts, d)
	}
	if tc.RealTime {
		cfg.Timing = RealTime
	}
	return cfg, cfg.validate()
}

// roleNamed is the Role whose String is name. Leader is the last role,
// so the loop meets every role there is.
func roleNamed(name string) (Role, bool) {
	for r := Follower; r <= Leader; r++ {
		if r.String() == name {
			return r, true
		}
	}
	return 0, false
}

// traceWriter writes events as JSON Lines. It is used only under the
// recorder's lock.
type traceWriter struct {
	enc    *json.Encoder
	config Config // the cluster's, which its start line records
	err    error  // the first write error; later events are not written
}

func newTraceWriter(w io.Writer, cfg Config) *traceWriter {
	return &traceWriter{enc: json.NewEncoder(w), config: cfg}
}

func (t *traceWriter) write(ev Event) {
	if t.err == nil {
		t.err = t.enc.Encode(newTraceLine(ev).withConfig(ev, t.config))
	}
}

// maxTraceLine is the longest line the reader accepts, in bytes. The
// longest line a run writes is a narration of a few hundred bytes, so this
// leaves room to spare while keeping what the reader holds small.
const maxTraceLine = 64 * 1024

// traceReader reads a trace one line at a time, in constant memory: it
// holds the current line and nothing before it. One goroutine uses it.
type traceReader struct {
	scanner *bufio.Scanner
	number  int  // of the line last read, counting from 1
	cut     bool // the line last read ends the file with no newline
}

// errCutShort says that a trace's last line stops partway: its run was cut
// short as it wrote it, by a full disk or a killed process.
var errCutShort = errors.New("the trace is cut short")

func newTraceReader(r io.Reader) *traceReader {
	tr := &traceReader{scanner: bufio.NewScanner(r)}
	tr.scanner.Buffer(make([]byte, 4096), maxTraceLine)
	tr.scanner.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		advance, line, err := bufio.ScanLines(data, atEOF)
		tr.cut = atEOF && line != nil && !bytes.HasSuffix(data[:advance], []byte("\n"))
		return advance, line, err
	})
	return tr
}

// next decodes the next line. It returns io.EOF after the last line, and
// names the line in any other error.
func (tr *traceReader) next() (traceLine, error) {
	if !tr.scanner.Scan() {
		err := tr.scanner.Err()
		switch {
		case err == nil:
			return traceLine{}, io.EOF
		case errors.Is(err, bufio.ErrTooLong):
			return traceLine{}, fmt.Errorf("line %d is longer than %d bytes, the most a trace line may hold",
				tr.number+1, maxTraceLine)
		}
		return traceLine{}, fmt.Errorf("after line %d: %v", tr.number, err)
	}
	tr.number++
	text := tr.scanner.Bytes()
	if tr.number == 1 {
		text = bytes.TrimPrefix(text, []byte("\uFEFF")) // a byte-order mark, as some editors save
	}
	line, err := decodeTraceLine(text)
	switch {
	case err != nil && tr.cut && stopsPartway(text):
		return line, fmt.Errorf("%w: line %d stops partway, with no newline (%v)", errCutShort, tr.number, err)
	case err != nil:
		return line, fmt.Errorf("line %d: %v", tr.number, err)
	}
	return line, nil
}

// stopsPartway reports whether text is the start of a JSON value that
// ends too soon, as a line cut off mid-write is.
func stopsPartway(text []byte) bool {
	var value any
	return errors.Is(json.NewDecoder(bytes.NewReader(text)).Decode(&value), io.ErrUnexpectedEOF)
}

// decodeTraceLine reads one line of a trace: a single JSON object whose
// fields are all traceLine's, each of the right type.
func decodeTraceLine(text []byte) (traceLine, error) {
	var line traceLine
	if len(bytes.TrimSpace(text)) == 0 {
		return line, errors.New("empty, where an event should be")
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&line); err != nil {
		return line, describeJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return line, errors.New("more than one JSON value; a trace holds one object a line")
	}
	if line.Event == "" {
		return line, errors.New(`no "event" field`)
	}
	return line, nil
}

// describeJSONError words a decoding error for someone who wrote or edited
// a trace: in JSON's terms, never the Go types behind it.
func describeJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return fmt.Errorf("%q must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type), typeErr.Value)
	case errors.As(err, &typeErr):
		return fmt.Errorf("not an object but %s; a trace holds one object a line", typeErr.Value)
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("not JSON (%s)", strings.TrimPrefix(err.Error(), "json: "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names, in JSON's words, what a value of Go type t must be.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "a whole number"
	case reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool, reflect.Pointer:
		return "true or false"
	case reflect.Slice:
		return "a list of groups of node ids, such as [[1,2],[3,4,5]]"
	}
	return "another kind of value"
}

// eventFields says which fields an event of one kind must carry, beyond
// its time and kind: the checker relies on them.
type eventFields struct {
	node      bool // a node of the cluster; events of the whole cluster name none
	nodes     bool // the cluster's size
	role      bool
	term      bool // of 1 or more: a node votes only in a term a candidate raised it to
	candidate bool // and whether the vote was granted
	leader    bool
	message   bool // from, to and the message's kind
	groups    bool
	entry     bool // a log entry's index
	readAt    bool // a read's index: the last entry applied when it was answered, 0 for none
	request   bool // to: the node a client's request went to
	progress  bool // to: a follower; and its nextIndex, from 1
	transfer  bool // to: the node leadership goes to
	anyNode   bool // the operator's, from no node, or a node's own
}

// traceEvents is every kind of event a trace may hold.
var traceEvents = map[EventKind]eventFields{
	EventStart:     {nodes: true},
	EventRole:      {node: true, role: true},
	EventVote:      {node: true, term: true, candidate: true},
	EventPreVote:   {node: true, candidate: true},
	EventFollow:    {node: true, leader: true},
	EventTimeout:   {node: true},
	EventTimer:     {node: true},
	EventHeartbeat: {node: true},
	EventSend:      {node: true, message: true},
	EventRecv:      {node: true, message: true},
	EventDrop:      {node: true, message: true},
	EventCrash:     {node: true},
	EventRestart:   {node: true},
	EventPartition: {groups: true},
	EventHeal:      {},
	EventLoss:      {},
	EventNote:      {},
	EventOperator:  {},
	EventLate:      {node: true},
	EventStop:      {},
	EventRequest:   {request: true},
	EventExpire:    {node: true},
	EventRetime:    {node: true},
	EventLose:      {message: true},
	EventTransfer:  {transfer: true, anyNode: true},
	EventAppend:    {node: true, entry: true},
	EventTruncate:  {node: true, entry: true},
	EventMismatch:  {node: true, entry: true},
	EventCommit:    {node: true, entry: true},
	EventApply:     {node: true, entry: true},
	EventRead:      {node: true, readAt: true},
	EventProgress:  {node: true, progress: true},
}

// traceMessages names every message a trace may mention.
var traceMessages = map[string]bool{}

func init() {
	for _, m := range []RaftMessage{PreVote{}, PreVoteResponse{}, RequestVote{},
		RequestVoteResponse{}, AppendEntries{}, AppendEntriesResponse{}, TimeoutNow{}, ClientRequest{}, TransferLeadership{}} {
		traceMessages[messageName(m)] = true
	}
}

// longestTraceMs bounds at_ms: a run of a hundred years is not a run, and
// a time beyond it would overflow the checker's durations.
const longestTraceMs = 100 * 365 * 24 * 3600 * 1000.0

// validate checks line as an event of a cluster of nodes nodes that last
// reported an event at previousMs: a known kind, the fields that kind
// needs, node ids of the cluster, and a time that does not go backwards.
func (line traceLine) validate(nodes int, previousMs float64) error {
	needs, known := traceEvents[line.Event]
	if !known {
		return fmt.Errorf("unknown event %q", line.Event)
	}
	switch {
	case !(line.AtMs >= 0 && line.AtMs <= longestTraceMs):
		return fmt.Errorf("at_ms %g is not a time in a run (0 to %g)", line.AtMs, longestTraceMs)
	case line.AtMs < previousMs:
		return fmt.Errorf("at_ms %g goes back in time: the event before was at %g", line.AtMs, previousMs)
	}
	if err := line.validateShape(needs); err != nil {
		return err
	}
	return line.validateIDs(nodes)
}

// validateShape checks that line carries the fields its kind needs, and
// no field whose meaning belongs to another kind.
func (line traceLine) validateShape(needs eventFields) error {
	missing := func(field string) error {
		return fmt.Errorf("a %s event needs a %q field", line.Event, field)
	}
	switch {
	case needs.node && line.Node == 0:
		return missing("node")
	case !needs.node && !needs.anyNode && line.Node != 0 && line.Event != EventStart: // a node process's start names its node
		return fmt.Errorf("a %s event concerns the whole cluster, not node %d", line.Event, line.Node)
	case needs.nodes != (line.Nodes != 0):
		return fmt.Errorf("\"nodes\" belongs on a start event, which needs it, and on no other")
	case line.Wall != "" && (line.Event != EventStart || line.Node == 0):
		return fmt.Errorf("\"wall\" belongs on the start event of a node's process, and on no other")
	case line.Config != nil && line.Event != EventStart:
		return fmt.Errorf("\"config\" belongs on a start event, and on no other")
	case line.Config != nil && line.Config.Nodes != line.Nodes:
		return fmt.Errorf("the config's \"nodes\" is %d, the start event's %d", line.Config.Nodes, line.Nodes)
	case needs.groups != (line.Groups != nil):
		return fmt.Errorf("\"groups\" belongs on a partition event, which needs it, and on no other")
	case needs.role && line.Role == "":
		return missing("role")
	case line.Role != "" && !roleKnown(line.Role):
		return fmt.Errorf("unknown role %q", line.Role)
	case needs.term && line.Term == 0:
		return fmt.Errorf("a %s event needs a \"term\" of 1 or more", line.Event)
	case needs.candidate && line.Candidate == 0:
		return missing("candidate")
	case needs.candidate && line.Granted == nil:
		return missing("granted")
	case needs.leader && line.Leader == 0:
		return missing("leader")
	case needs.message && line.To == 0, needs.message && line.From == 0 && !fromOutside[line.Msg]:
		return missing("from\" and \"to") // only a client or the operator, outside the cluster, is from no node
	case needs.request && line.To == 0, needs.progress && line.To == 0, needs.transfer && line.To == 0:
		return missing("to")
	case needs.progress != (line.Next != 0):
		return fmt.Errorf("\"next\" belongs on a progress event, which needs it, and on no other")
	case needs.entry && line.Index == 0, line.Index != 0 && !needs.entry && !needs.readAt && !needs.progress:
		return fmt.Errorf("\"index\" belongs on the log's events (append, truncate, mismatch, commit, apply), which need it, and on a read and a progress event, and on no other")
	case needs.message && line.Msg == "":
		return missing("msg")
	case line.Msg != "" && !traceMessages[line.Msg]:
		return fmt.Errorf("unknown message %q", line.Msg)
	}
	return nil
}

// roleKnown reports whether name is the name of a role.
func roleKnown(name string) bool {
	_, ok := roleNamed(name)
	return ok
}

// validateIDs checks that every node line names is a node of a cluster of
// nodes nodes, 1 to nodes, and that a partition names each at most once.
func (line traceLine) validateIDs(nodes int) error {
	for _, f := range []struct {
		name string
		id   int
	}{{"node", line.Node}, {"voted_for", line.VotedFor}, {"candidate", line.Candidate},
		{"leader", line.Leader}, {"from", line.From}, {"to", line.To}} {
		if f.id != 0 && (f.id < 1 || f.id > nodes) {
			return fmt.Errorf("%q is %d, not a node of this run's cluster of %d (1 to %d)", f.name, f.id, nodes, nodes)
		}
	}
	named := map[int]bool{}
	for _, group := range line.Groups {
		for _, id := range group {
			if id < 1 || id > nodes || named[id] {
				return fmt.Errorf("\"groups\" names node %d: a partition names each node of the cluster (1 to %d) at most once", id, nodes)
			}
			named[id] = true
		}
	}
	return nil
}

// traceReport is what the safety checker finds in a trace.
type traceReport struct {
	runs, events int
	violations   []string // the first mostViolationsShown found
	unshown      int      // violations found after those
	cutAt        int      // the line that stops partway, in a trace cut short
	merged       bool     // the traces of a cluster's processes, checked as one run
	processes    bool     // each run is an incarnation of a node's process
}

// mostViolationsShown bounds the violations a report keeps, so that
// checking a trace full of them still takes constant memory.
const mostViolationsShown = 50

// add records a violation found in the current run.
func (report *traceReport) add(violation string) {
	if len(report.violations) == mostViolationsShown {
		report.unshown++
		return
	}
	if !report.merged {
		violation = fmt.Sprintf("run %d: %s", report.runs, violation)
	}
	report.violations = append(report.violations, violation)
}

// checkTrace reads a trace from r and runs the safety checker over it,
// one line at a time. Each start event begins a new cluster, as in a tour,
// with a checker of its own; a start event that names a node begins the
// trace of that node's process, whose checker sees that node alone. A line
// that no run could have written is an error that names it; so is a file
// without a start event, empty or not.
func checkTrace(r io.Reader) (traceReport, error) {
	var report traceReport
	var checker *safetyChecker
	var err error
	_, report.cutAt, err = scanTrace(r, func(line traceLine) error {
		if line.Event == EventStart {
			report.runs++
			checker = newSafetyChecker(line.Nodes)
			checker.oneNode = line.Node != 0
			report.processes = report.processes || checker.oneNode
		}
		for _, v := range checker.findings(line.event()) { // not observe: the report keeps them
			report.add(v)
		}
		report.events++
		return nil
	})
	return report, err
}

// scanTrace reads a trace from r and hands fn each line, checked: a known
// event of the run begun by the start event before it. It returns how
// many runs it read, and, for a trace whose last line stops partway, that
// line's number.
func scanTrace(r io.Reader, fn func(traceLine) error) (runs, cutAt int, err error) {
	started := false
	nodes, previousMs := 0, 0.0
	reader := newTraceReader(r)
	for {
		line, err := reader.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errCutShort) && runs > 0 {
			cutAt = reader.number
			break
		}
		if err != nil {
			return runs, 0, err
		}
		if line.Event == EventStart {
			if line.Nodes < 1 || line.Nodes > mostNodes {
				return runs, 0, fmt.Errorf("line %d: a start event needs \"nodes\", the cluster's size, 1 to %d", reader.number, mostNodes)
			}
			runs++
			started, nodes, previousMs = true, line.Nodes, 0
		}
		if !started {
			return runs, 0, fmt.Errorf("line %d: an event before any start event; a trace begins with one", reader.number)
		}
		if err := line.validate(nodes, previousMs); err != nil {
			return runs, 0, fmt.Errorf("line %d: %v", reader.number, err)
		}
		if err := fn(line); err != nil {
			return runs, 0, fmt.Errorf("line %d: %v", reader.number, err)
		}
		previousMs = line.AtMs
	}
	if runs == 0 {
		return runs, 0, errors.New("no events: a trace begins with a start event")
	}
	return runs, cutAt, nil
}

// checkMergedTraces checks the traces of a cluster of processes, one per
// node's process (process.go), as one run: their events, put in the order
// of the machines' clocks by each start event's "wall" time, go through
// one safety checker, which then sees every node's votes and logs. It
// holds every event in memory, and trusts the clocks of the machines to
// agree (on one machine they do).
func checkMergedTraces(paths []string) (traceReport, error) {
	type timed struct {
		at   time.Time
		line traceLine
	}
	var all []timed
	report := traceReport{merged: true}
	nodes := 0
	traceOf := map[int]int{} // each node's trace, by its place in paths
	for i, path := range paths {
		file, err := os.Open(path)
		if err != nil {
			return report, err
		}
		var wall time.Time
		runs, _, err := scanTrace(file, func(line traceLine) error {
			if line.Event == EventStart {
				if nodes != 0 && line.Nodes != nodes {
					return fmt.Errorf("a cluster of %d nodes, where the traces before were of %d", line.Nodes, nodes)
				}
				var err error
				if wall, err = time.Parse(time.RFC3339Nano, line.Wall); err != nil || line.Node == 0 {
					return errors.New("a start event with no \"node\" and \"wall\": traces merge only from node processes (-node)")
				}
				if other, ok := traceOf[line.Node]; ok && other != i {
					return fmt.Errorf("node %d's trace again: %s is one already; merging takes one trace of each node", line.Node, paths[other])
				}
				nodes, traceOf[line.Node] = line.Nodes, i
			}
			all = append(all, timed{wall.Add(fromMilliseconds(line.AtMs)), line})
			return nil
		})
		file.Close()
		if err != nil {
			return report, fmt.Errorf("%s: %w", path, err)
		}
		report.runs += runs
	}
	for id := 1; id <= nodes; id++ {
		if _, ok := traceOf[id]; !ok {
			return report, fmt.Errorf("no trace of node %d: merging takes one trace of each of the cluster's %d nodes", id, nodes)
		}
	}
	slices.SortStableFunc(all, func(a, b timed) int { return a.at.Compare(b.at) })
	checker := newSafetyChecker(nodes)
	for _, e := range all {
		e.line.AtMs = milliseconds(e.at.Sub(all[0].at))
		for _, v := range checker.findings(e.line.event()) {
			report.add(v)
		}
		report.events++
	}
	return report, nil
}
