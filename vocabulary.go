// vocabulary.go is the protocol's vocabulary for telling what it does: the
// kinds of Event a node reports, the rules that decide its steps (each with
// its name in the trace and its sentence in the log, declared together),
// and the Cause that carries a rule and the facts it weighed. node.go,
// replication.go and refinements.go report through an observer; the
// recorder and its outputs (events.go and the files it feeds) listen.
// Nothing here knows of them.

package main

import (
	"fmt"
	"strings"
	"time"
)

// EventKind names what an Event records. The names are those of the trace.
type EventKind string

const (
	EventStart     EventKind = "start"     // the cluster started; Nodes says its size
	EventRole      EventKind = "role"      // a node took a role, or a new term as follower
	EventVote      EventKind = "vote"      // a node decided a vote
	EventPreVote   EventKind = "prevote"   // a node asked for pre-votes, or decided one
	EventFollow    EventKind = "follow"    // a follower heard from its term's leader
	EventTimeout   EventKind = "timeout"   // a node's election timeout elapsed
	EventTimer     EventKind = "timer"     // a node reset its election timer
	EventHeartbeat EventKind = "heartbeat" // a leader sent a round of heartbeats
	EventSend      EventKind = "send"      // a node handed a message to the network
	EventRecv      EventKind = "recv"      // a node took a message from its inbox
	EventDrop      EventKind = "drop"      // the network lost a message
	EventCrash     EventKind = "crash"     // a node crashed
	EventRestart   EventKind = "restart"   // a crashed node restarted
	EventPartition EventKind = "partition" // the network split into groups
	EventHeal      EventKind = "heal"      // the network became whole again
	EventLoss      EventKind = "loss"      // the network's drop rate changed
	EventNote      EventKind = "note"      // the scenario narrated a step
	EventOperator  EventKind = "operator"  // a command typed in -interactive
	EventRequest   EventKind = "request"   // the client handed node To a request with Command
	EventExpire    EventKind = "expire"    // the operator made a node's election timer run out now
	EventRetime    EventKind = "retime"    // the operator set a node's election timer to run out after its timeout_ms
	EventLose      EventKind = "lose"      // the operator dropped a message on its way from From to To
	EventLate      EventKind = "late"      // -realtime: a node's timer fired late
	EventStop      EventKind = "stop"      // the run ended
	// The log's events: Index, EntryTerm and Command describe the entry.
	EventAppend   EventKind = "append"   // a node added an entry to its log
	EventTruncate EventKind = "truncate" // a follower deleted its entries from Index on
	EventMismatch EventKind = "mismatch" // a follower refused entries: it lacks the entry before them
	EventCommit   EventKind = "commit"   // a node's commitIndex rose to Index
	EventApply    EventKind = "apply"    // a node applied the entry at Index to its state machine
	EventRead     EventKind = "read"     // a leader answered the read Command from its state machine, at Index, without a log entry
	// EventTransfer is a handing over of leadership to node To
	// (transfer.go): the operator's request (node 0), or a leader's
	// beginning or giving up one (its Cause).
	EventTransfer EventKind = "transfer"
	// EventProgress tells a leader's view of follower To: its matchIndex
	// (Index) and nextIndex (Next), each time either changes.
	EventProgress EventKind = "progress"
)

// Event is one thing that happened in a run. Which fields mean something
// depends on Kind; the rest are zero.
type Event struct {
	At   time.Duration // since Cluster.Start
	Kind EventKind
	// Node is the node the event happened to (for a drop, the sender);
	// 0 for start, partition, heal, loss, note and operator, which
	// concern the cluster, except a node process's start, which names it.
	Node int
	// Nodes is the cluster's size, on a start event. (The trace's start
	// line adds the cluster's configuration, which with the operator's
	// events is what a replay needs.)
	Nodes int
	// Wall, on the start event of a node's process (process.go), is when
	// it started by the machine's clock: traces of several processes
	// merge by it.
	Wall time.Time
	// Term, Role and VotedFor are the node's state just after the event.
	Term     uint64
	Role     Role
	VotedFor int
	// Candidate and Granted describe a vote decision.
	Candidate int
	Granted   bool
	// Leader is the leader a follower began to follow.
	Leader int
	// From, To and Msg describe a message event.
	From, To int
	Msg      RaftMessage
	// Groups lists the sides of a partition.
	Groups [][]int
	// DropRate is the network's new drop rate, on a loss event.
	DropRate float64
	// Late is how late a timer fired, in protocol time, on a late event.
	Late time.Duration
	// Read marks a request event for a read the leader answers without a
	// log entry (ClientRequest.Read).
	Read bool
	// Index, EntryTerm and Command describe a log entry: the one appended,
	// committed up to, or applied; the first one truncated; or, on a
	// mismatch, the leader's entry the follower does not hold.
	Index     uint64
	EntryTerm uint64
	Command   string
	// Next is a leader's nextIndex for follower To, on a progress event.
	Next uint64
	// Cause is the rule that decided a node's step, with what it weighed;
	// the log (narration.go) tells it as a sentence. Zero for events that are not
	// a node's decision.
	Cause Cause
	// Reason is text for the events the cluster reports: why the network
	// lost a message, what a crash or restart kept; for a note, the
	// narration, for an operator event, the command, and for an apply,
	// what the state machine answered.
	Reason string
}

// Rule is one rule of the protocol that can decide a node's step: a role
// change, a vote or a pre-vote, a timer reset, a change to its log. A node
// reports it in an event's Cause; the trace writes its name, and the log
// tells it as a sentence that cites the paper. Each rule is declared once,
// below, with its name and its sentence together.
type Rule struct {
	name string             // as the trace writes it: "timed-out"
	tell func(Event) string // the sentence the log tells it in, from the event that reports it
}

// rulesByName is every rule, by the name the trace gives it.
var rulesByName = map[string]*Rule{}

// newRule declares the rule the trace calls name, which the log tells as
// tell says.
func newRule(name string, tell func(Event) string) *Rule {
	r := &Rule{name: name, tell: tell}
	rulesByName[name] = r
	return r
}

// String is the rule's name in the trace; "" for no rule.
func (r *Rule) String() string {
	if r == nil {
		return ""
	}
	return r.name
}

// sentence is why ev happened, as the log tells it: the rule's sentence.
func (r *Rule) sentence(ev Event) string {
	if r == nil {
		return "no rule"
	}
	return r.tell(ev)
}

// The rules that change a node's role.
var (
	// §5.2: servers start as followers.
	RuleStarted = newRule("started", func(ev Event) string {
		return fmt.Sprintf("its election timeout is %s (§5.2: servers start as followers)", formatDuration(ev.Cause.Timeout))
	})
	// Figure 2: no leader heard and no vote granted for a timeout.
	RuleTimedOut = newRule("timed-out", func(ev Event) string {
		return fmt.Sprintf("heard from no leader and granted no vote for %s, its election timeout (§5.2)",
			formatDuration(ev.Cause.Timeout))
	})
	// §5.1: a message carried a newer term.
	RuleNewerTerm = newRule("newer-term", func(ev Event) string {
		return fmt.Sprintf("saw term %d in %s from node %d (§5.1: a newer term always wins)",
			ev.Cause.Term, withArticle(messageName(ev.Cause.Msg)), ev.Cause.Peer)
	})
	// §5.2: a leader of the node's term or newer was heard.
	RuleLeaderOfTerm = newRule("leader-of-term", func(ev Event) string {
		return fmt.Sprintf("heard from node %d, leader of term %d (§5.2)", ev.Cause.Peer, ev.Cause.Term)
	})
	// §5.2: votes from a majority of the whole cluster.
	RuleWonElection = newRule("won-election", func(ev Event) string {
		return fmt.Sprintf("won %s of %d, a majority of the whole cluster (§5.2)", plural(ev.Cause.Count, "vote"), ev.Cause.Of)
	})
	// Dissertation §9.6: a majority would vote for it.
	RuleWonPreVote = newRule("won-prevote", func(ev Event) string {
		return fmt.Sprintf("%d of %d nodes would vote for it in term %d (PreVote, dissertation §9.6)",
			ev.Cause.Count, ev.Cause.Of, ev.Cause.Term)
	})
	// Dissertation §6.2: a leader heard no majority in a timeout.
	RuleLostQuorum = newRule("lost-quorum", func(ev Event) string {
		return fmt.Sprintf("heard from only %d of %d nodes in %s, no majority (CheckQuorum, dissertation §6.2)",
			ev.Cause.Count, ev.Cause.Of, formatDuration(ev.Cause.Timeout))
	})
	// Dissertation §3.10: the leader handed over with TimeoutNow.
	RuleTimeoutNow = newRule("timeout-now", func(ev Event) string {
		return fmt.Sprintf("node %d, its leader, sent it TimeoutNow to hand leadership over: it stands at once, as if its timeout had elapsed (dissertation §3.10)", ev.Cause.Peer)
	})
	// A leader or candidate became follower: its timer starts again.
	RuleNoLongerLeads = newRule("no-longer-leads", func(Event) string {
		return "it gave up leading or standing, so it must time out again if no leader is heard (§5.2)"
	})
)

// The rules that decide a vote or a pre-vote.
var (
	// §5.2: a candidate votes for itself.
	RuleSelfVote = newRule("self-vote", func(Event) string { return "a candidate votes for itself (§5.2)" })
	// §5.1: a request for an older term is refused.
	RuleStaleTerm = newRule("stale-term", func(ev Event) string {
		return fmt.Sprintf("term %d is older than its own, %d (§5.1: stale requests are refused)", ev.Cause.Term, ev.Term)
	})
	// §5.2: one vote per term.
	RuleAlreadyVoted = newRule("already-voted", func(ev Event) string {
		return fmt.Sprintf("it already voted for node %d in term %d (§5.2: one vote per term)", ev.VotedFor, ev.Term)
	})
	// -break vote-twice: a second vote in one term.
	RuleVoteTwice = newRule("break-vote-twice", func(Event) string {
		return "-break vote-twice: a second vote in one term, which §5.2 forbids"
	})
	// §5.4.1: the candidate's log is less up-to-date.
	RuleLogBehind = newRule("log-behind", func(ev Event) string {
		return fmt.Sprintf("node %d's log ends at %s, less up-to-date than its own (§5.4.1: the election restriction)",
			ev.Cause.Peer, logEnd(ev.Cause.LastLogIndex, ev.Cause.LastLogTerm))
	})
	// -break vote-any-log: a vote despite a less up-to-date log.
	RuleVoteAnyLog = newRule("break-vote-any-log", func(ev Event) string {
		return fmt.Sprintf("-break vote-any-log: node %d's log ends at %s, less up-to-date than its own, which §5.4.1 refuses",
			ev.Cause.Peer, logEnd(ev.Cause.LastLogIndex, ev.Cause.LastLogTerm))
	})
	// §5.2: a repeated request gets the term's one vote again.
	RuleSameVote = newRule("same-vote", func(ev Event) string {
		return fmt.Sprintf("it had already voted for node %d in term %d; the term's one vote stands (§5.2)",
			ev.Cause.Peer, ev.Term)
	})
	// §5.2: first come, first served.
	RuleFirstVote = newRule("first-vote", func(ev Event) string {
		return fmt.Sprintf("it had not voted in term %d (§5.2: one vote per term, first come, first served)", ev.Cause.Term)
	})
	// Dissertation §9.6: no pre-vote while a leader is heard.
	RuleLeaderIsLive = newRule("leader-is-live", func(ev Event) string {
		return heardLeader(ev) + " (PreVote, dissertation §9.6)"
	})
	// Dissertation §9.6: a pre-vote granted.
	RuleWouldVote = newRule("would-vote", func(Event) string {
		return "it has heard no live leader, and the request passes a vote's checks (PreVote, dissertation §9.6)"
	})
	// Dissertation §4.2.3: a request ignored while a leader is heard.
	RuleLeaderSticky = newRule("leader-sticky", func(ev Event) string {
		return heardLeader(ev) + ", so it sends no reply (leader stickiness, dissertation §4.2.3)"
	})
)

// The rules that restart an election timer.
var (
	// Figure 2: granting a vote restarts the timeout.
	RuleGrantedVote = newRule("granted-vote", func(ev Event) string {
		return fmt.Sprintf("it granted its vote to node %d (Figure 2)", ev.Cause.Peer)
	})
	// Figure 2: the leader's heartbeat restarts the timeout.
	RuleHeartbeat = newRule("heartbeat", func(ev Event) string {
		return fmt.Sprintf("a heartbeat came from node %d, its leader (Figure 2)", ev.Cause.Peer)
	})
	// A new election or pre-vote gets a fresh timeout.
	RuleCampaigned = newRule("campaigned", func(ev Event) string {
		if ev.Role == PreCandidate {
			return "it asked for pre-votes (dissertation §9.6)"
		}
		return "it started an election (§5.2)"
	})
)

// The rules of the log (replication.go).
var (
	// §8: a new leader appends a no-op of its term.
	RuleNoOp = newRule("no-op", func(Event) string {
		return "a new leader's no-op, which commits the entries of earlier terms with it (§8)"
	})
	// Figure 2: a leader appends a client's command.
	RuleClientCommand = newRule("client-command", func(Event) string {
		return "a client's command, which the leader puts in its own log first (Figure 2)"
	})
	// Figure 2, AppendEntries rule 4: new entries appended.
	RuleFromLeader = newRule("from-leader", func(ev Event) string {
		return fmt.Sprintf("node %d's AppendEntries carried it (Figure 2, AppendEntries rule 4)", ev.Cause.Peer)
	})
	// Figure 2: an entry read back from stable storage as a node's process starts.
	RuleRecovered = newRule("recovered", func(Event) string {
		return "its state file kept it while the process was down (Figure 2: the log is persistent state)"
	})
	// Rule 3: an entry conflicting with the leader's is deleted, with all after it.
	RuleConflict = newRule("conflict", func(ev Event) string {
		return fmt.Sprintf("node %d, the leader, holds an entry of term %d there (Figure 2, AppendEntries rule 3: the leader's log wins)",
			ev.Cause.Peer, ev.Cause.Term)
	})
	// Rule 2: no entry at prevLogIndex.
	RuleMissingEntry = newRule("missing-entry", func(ev Event) string {
		return fmt.Sprintf("node %d sent entries after one it lacks (§5.3: the consistency check); the leader backs up", ev.Cause.Peer)
	})
	// Rule 2: the entry at prevLogIndex has another term.
	RuleTermMismatch = newRule("term-mismatch", func(ev Event) string {
		return fmt.Sprintf("its own entry there is of term %d (§5.3: the consistency check); node %d backs up past that term",
			ev.Cause.Term, ev.Cause.Peer)
	})
	// §5.3, §5.4.2: an entry of the leader's term is on a majority.
	RuleStoredOnMajority = newRule("stored-on-majority", func(ev Event) string {
		if ev.EntryTerm != ev.Term {
			return fmt.Sprintf("-break commit-old-term: stored on %d of %d nodes, though of an older term, which §5.4.2 forbids counting",
				ev.Cause.Count, ev.Cause.Of)
		}
		return fmt.Sprintf("stored on %d of %d nodes, and of the leader's own term (§5.3, §5.4.2)", ev.Cause.Count, ev.Cause.Of)
	})
	// Rule 5: the leader's commitIndex, as far as the entries sent.
	RuleLeaderCommit = newRule("leader-commit", func(ev Event) string {
		return fmt.Sprintf("node %d, its leader, had committed it (Figure 2, AppendEntries rule 5)", ev.Cause.Peer)
	})
)

// The rules of a handing over of leadership (transfer.go).
var (
	// Dissertation §3.10, steps 1 and 2.
	RuleTransferBegun = newRule("transfer-begun", func(ev Event) string {
		return fmt.Sprintf("hands its leadership over to node %d: it takes no client command meanwhile, brings node %d's log up to its own, then sends it TimeoutNow (dissertation §3.10)",
			ev.Cause.Peer, ev.Cause.Peer)
	})
	// Dissertation §3.10: no new leader within an election timeout.
	RuleTransferAborted = newRule("transfer-aborted", func(ev Event) string {
		return fmt.Sprintf("gave up handing over to node %d, which did not take over within %s, an election timeout: it takes client commands again (dissertation §3.10)",
			ev.Cause.Peer, formatDuration(ev.Cause.Timeout))
	})
)

// The rules that let a leader answer a read (reads.go).
var (
	// Dissertation §6.4: ReadIndex.
	RuleLeadershipConfirmed = newRule("leadership-confirmed", func(ev Event) string {
		return fmt.Sprintf("%d of %d nodes answered a heartbeat sent after the read came, so no newer leader had been elected when it came, and an entry of its own term is committed (ReadIndex, dissertation §6.4)",
			ev.Cause.Count, ev.Cause.Of)
	})
	// Dissertation §6.4: a round of heartbeats for the reads that wait.
	RuleReadRound = newRule("read-round", func(ev Event) string {
		if ev.Cause.Count == ev.Cause.Of {
			return "started a round of heartbeats for the reads that wait, sent to every peer (ReadIndex, dissertation §6.4)"
		}
		return fmt.Sprintf("started a round of heartbeats for the reads that wait, sent to %d of its %s; the others get it once they answer an older round (ReadIndex, dissertation §6.4)",
			ev.Cause.Count, plural(ev.Cause.Of, "peer"))
	})
	// -break stale-read: a read answered without confirming leadership.
	RuleStaleRead = newRule("break-stale-read", func(Event) string {
		return "-break stale-read: it answers from its own state without asking a majority whether it still leads, which §6.4 forbids"
	})
)

// Cause is why a node did what an event records: the rule, and the facts it
// weighed. Which fields mean something depends on Rule; the rest are zero.
type Cause struct {
	Rule  *Rule
	Peer  int         // the node whose message or request decided it
	Term  uint64      // the term the rule weighed: a newer term seen, a term asked about
	Msg   RaftMessage // RuleNewerTerm: the message that carried the term
	Count int         // votes, pre-votes or answers counted
	Of    int         // the cluster's size, for a majority
	// LastLogIndex and LastLogTerm are a candidate's last log entry, for
	// RuleLogBehind and RuleVoteAnyLog.
	LastLogIndex, LastLogTerm uint64
	Timeout                   time.Duration // the election timeout that elapsed, or was drawn
}

// The words the rules' sentences are told in, which the log (narration.go)
// and the summary use too.

// logEnd names the last entry of a log: "entry 4 of term 2", or "an
// empty log" for index 0.
func logEnd(index, term uint64) string {
	if index == 0 {
		return "nothing (an empty log)"
	}
	return fmt.Sprintf("entry %d of term %d", index, term)
}

// heardLeader says which live leader a node knows of: itself, or the one
// whose heartbeat it heard.
func heardLeader(ev Event) string {
	if ev.Leader == ev.Node {
		return fmt.Sprintf("it leads term %d itself", ev.Term)
	}
	return fmt.Sprintf("it heard its leader, node %d, within the minimum election timeout", ev.Leader)
}

// withArticle puts "a" or "an" before a message's name.
func withArticle(name string) string {
	if strings.HasPrefix(name, "A") {
		return "an " + name
	}
	return "a " + name
}

// plural counts things in words: "1 vote", "3 votes".
func plural(n int, thing string) string {
	switch {
	case n == 1:
		return "1 " + thing
	case strings.HasSuffix(thing, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(thing, "y"))
	}
	return fmt.Sprintf("%d %ss", n, thing)
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

// sidesOf maps each node of a cluster of n to its group: sidesOf(groups,
// n)[i-1] is the number, from 1, of node i's group; 0 if it is in none.
func sidesOf(groups [][]int, n int) []int {
	side := make([]int, n)
	for g, group := range groups {
		for _, id := range group {
			side[id-1] = g + 1
		}
	}
	return side
}

// joinAnd lists words as a sentence does: "3, 4 and 5".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	last := len(words) - 1
	return strings.Join(words[:last], ", ") + " and " + words[last]
}

// joinInts writes numbers with a separator between them.
func joinInts(ids []int, sep string) string {
	return strings.Join(numerals(ids), sep)
}

// numerals writes each number in digits.
func numerals(ids []int) []string {
	words := make([]string, len(ids))
	for i, id := range ids {
		words[i] = fmt.Sprint(id)
	}
	return words
}
