// messages.go holds the vocabulary of the protocol: a log entry, the four
// messages of the paper's Figure 2 (the RequestVote and AppendEntries RPCs,
// with their replies), the two of the optional PreVote phase (Ongaro's
// dissertation, §9.6), a client's request and its reply (§8), and the
// envelope the network carries them in. Nodes create them (node.go,
// replication.go, refinements.go), and the client its requests (client.go);
// a transport (network.go, wire.go) delivers them.

package main

import "fmt"

// Entry is one entry of a node's log (Figure 2: "each entry contains
// command for state machine, and term when entry was received by leader").
// Index is its position, counting from 1. Command "" is a new leader's
// no-op (§8); other commands are for the key-value store (statemachine.go).
type Entry struct {
	Index, Term uint64
	Command     string
}

// RaftMessage is one of the protocol's messages. The unexported marker
// method means only this package's types can satisfy it; the set is the
// nine types below, and node.handle names each in its type switch, whose
// default panics: a new message is not forgotten there.
type RaftMessage interface {
	isRaftMessage()
	// term is the term the message carries so that the receiver can apply
	// the term rule of §5.1 before anything else: the sender's currentTerm,
	// except in the pre-vote messages, which ask about a term (PreVote).
	term() uint64
}

// RequestVote is sent by a candidate to ask for a peer's vote (§5.2).
type RequestVote struct {
	Term        uint64 // the candidate's term
	CandidateID int    // the candidate asking for the vote
	// LastLogIndex and LastLogTerm describe the candidate's last log entry,
	// for the up-to-date check of §5.4.1 (0 and 0 for an empty log).
	LastLogIndex uint64
	LastLogTerm  uint64
	// Transfer says the candidate stands because its leader handed over
	// to it (TimeoutNow): leader stickiness lets the request through
	// (dissertation §4.2.3), since the leader itself asked for the
	// election.
	Transfer bool
}

// RequestVoteResponse answers a RequestVote.
type RequestVoteResponse struct {
	Term        uint64 // the voter's currentTerm, so a stale candidate learns it
	VoteGranted bool   // true means the voter chose this candidate
}

// AppendEntries is sent by a leader to replicate its log (§5.3). With no
// entries it is a heartbeat: it tells followers the leader is alive and
// keeps them from starting an election (§5.2).
type AppendEntries struct {
	Term         uint64  // the leader's term
	LeaderID     int     // so followers know who leads
	PrevLogIndex uint64  // the index of the entry just before Entries
	PrevLogTerm  uint64  // its term: the follower must hold it to accept (§5.3)
	Entries      []Entry // to store; empty for a heartbeat
	LeaderCommit uint64  // the leader's commitIndex
	// Round is the leader's latest round of heartbeats when it sent this:
	// the reply names it, so the leader knows a follower still took it
	// for leader after a read arrived (ReadIndex, reads.go). The network
	// may reorder messages; the round tells an old reply from a new one.
	Round uint64
}

// AppendEntriesResponse answers an AppendEntries.
type AppendEntriesResponse struct {
	Term uint64 // the follower's currentTerm, so a stale leader learns it
	// Success: the follower held the entry at PrevLogIndex with
	// PrevLogTerm, and now holds every entry sent.
	Success bool
	// MatchIndex, on success, is the last index the follower now shares
	// with the leader: PrevLogIndex + len(Entries). The paper's leader
	// knows it from the call it made; here replies travel as messages of
	// their own, so the reply says it.
	MatchIndex uint64
	// ConflictTerm and ConflictIndex, on a refusal for a log that does not
	// match, let the leader back up over a whole term at once (§5.3's
	// optimization): the term of the follower's entry at PrevLogIndex and
	// the first index it holds of that term, or, if its log is too short,
	// term 0 and the index after its last entry.
	ConflictTerm  uint64
	ConflictIndex uint64
	Round         uint64 // the Round of the AppendEntries it answers
}

// ClientRequest is a client's command for the leader (§8: "clients send all
// of their requests to the leader"). It comes from outside the cluster, as
// Envelope.From 0, and carries no term. Reply is buffered for the one
// reply, so the node never waits on it; over the wire between processes,
// the reply goes back on the connection the request came by (wire.go).
type ClientRequest struct {
	Command string
	// Applied asks for the reply once the command is committed and
	// applied, with its result; otherwise the leader replies once it has
	// put the command in its log.
	Applied bool
	// Read marks a get the leader answers without a log entry, once it
	// has confirmed that it still leads (ReadIndex, dissertation §6.4;
	// reads.go). Without it, a get is a command of the log like a put.
	Read  bool
	Reply chan<- ClientReply `json:"-"`
}

// ClientReply answers a ClientRequest.
type ClientReply struct {
	Accepted bool   // false: this node does not lead, or lost the entry
	Index    uint64 // accepted: where the command is in the leader's log; for a Read, the last entry applied when it answered
	Term     uint64 // and the leader's term then
	Result   string // applied, or read: what the state machine answered
	Found    bool   // a get: the key had a value
	// Leader is, in a refusal, the leader the refusing node last heard
	// from in its term, 0 if none: §8, "the follower rejects the
	// client's request and supplies information about the most recent
	// leader it has heard from".
	Leader int
}

// TimeoutNow is a leader's request that the receiver, a follower whose log
// matches its own, stand for election at once, as though its election
// timeout had elapsed: the last step of handing over leadership
// (dissertation §3.10).
type TimeoutNow struct {
	Term uint64 // the leader's term
}

// TransferLeadership is the operator's request, from outside the cluster
// (Envelope.From 0) as a client's is, that the leader hand its leadership
// over to node Target (dissertation §3.10). It carries no term.
type TransferLeadership struct {
	Target int
}

// PreVote asks whether the sender could win an election for Term, without
// starting one (dissertation §9.6). Term is the term it would stand in, its
// currentTerm + 1: the sender does not enter that term by asking, and a
// receiver does not either by answering.
type PreVote struct {
	Term         uint64 // the term the sender would stand in
	CandidateID  int    // the pre-candidate asking
	LastLogIndex uint64 // as in RequestVote, for the up-to-date check
	LastLogTerm  uint64
}

// PreVoteResponse answers a PreVote. A grant carries the term asked about,
// so that the asker can match it to its pre-vote; a refusal carries the
// responder's currentTerm, so that an asker behind the times learns it.
type PreVoteResponse struct {
	Term    uint64 // granted: the term asked about; refused: the responder's currentTerm
	Granted bool   // true: the responder would vote for the sender in Term
}

func (ClientRequest) isRaftMessage()         {}
func (TimeoutNow) isRaftMessage()            {}
func (TransferLeadership) isRaftMessage()    {}
func (PreVote) isRaftMessage()               {}
func (PreVoteResponse) isRaftMessage()       {}
func (RequestVote) isRaftMessage()           {}
func (RequestVoteResponse) isRaftMessage()   {}
func (AppendEntries) isRaftMessage()         {}
func (AppendEntriesResponse) isRaftMessage() {}

func (m ClientRequest) term() uint64         { return 0 } // a client has no term
func (m TimeoutNow) term() uint64            { return m.Term }
func (m TransferLeadership) term() uint64    { return 0 } // the operator has no term
func (m PreVote) term() uint64               { return m.Term }
func (m PreVoteResponse) term() uint64       { return m.Term }
func (m RequestVote) term() uint64           { return m.Term }
func (m RequestVoteResponse) term() uint64   { return m.Term }
func (m AppendEntries) term() uint64         { return m.Term }
func (m AppendEntriesResponse) term() uint64 { return m.Term }

func (m PreVote) String() string {
	return fmt.Sprintf("PreVote(term %d, candidate %d)", m.Term, m.CandidateID)
}

func (m PreVoteResponse) String() string {
	return fmt.Sprintf("PreVoteResponse(term %d, granted %t)", m.Term, m.Granted)
}

func (m RequestVote) String() string {
	return fmt.Sprintf("RequestVote(term %d, candidate %d)", m.Term, m.CandidateID)
}

func (m RequestVoteResponse) String() string {
	return fmt.Sprintf("RequestVoteResponse(term %d, granted %t)", m.Term, m.VoteGranted)
}

func (m AppendEntries) String() string {
	return fmt.Sprintf("AppendEntries(term %d, leader %d, after %d/%d, %d entries, commit %d, round %d)",
		m.Term, m.LeaderID, m.PrevLogIndex, m.PrevLogTerm, len(m.Entries), m.LeaderCommit, m.Round)
}

func (m AppendEntriesResponse) String() string {
	if m.Success {
		return fmt.Sprintf("AppendEntriesResponse(term %d, success, match %d, round %d)", m.Term, m.MatchIndex, m.Round)
	}
	return fmt.Sprintf("AppendEntriesResponse(term %d, refused, conflict %d/%d, round %d)", m.Term, m.ConflictIndex, m.ConflictTerm, m.Round)
}

func (m ClientRequest) String() string { return fmt.Sprintf("ClientRequest(%q)", m.Command) }

func (m TimeoutNow) String() string { return fmt.Sprintf("TimeoutNow(term %d)", m.Term) }

func (m TransferLeadership) String() string {
	return fmt.Sprintf("TransferLeadership(to node %d)", m.Target)
}

// isHeartbeatTraffic reports whether m is part of a leader's periodic
// AppendEntries rounds rather than of an election: an AppendEntries, with
// entries for a follower that lags or not, or its reply. The log hides
// this traffic unless asked; the log's own lines tell what the entries do.
func isHeartbeatTraffic(m RaftMessage) bool {
	switch m.(type) {
	case AppendEntries, AppendEntriesResponse:
		return true
	}
	return false
}

// Envelope is what the network carries: a message with its sender and
// receiver, both node IDs in 1..Nodes.
type Envelope struct {
	From, To int
	Msg      RaftMessage
}

// messageName is the paper's name for the message's kind, as logs and the
// trace show it.
func messageName(m RaftMessage) string {
	switch m.(type) {
	case PreVote:
		return "PreVote"
	case PreVoteResponse:
		return "PreVoteResponse"
	case RequestVote:
		return "RequestVote"
	case RequestVoteResponse:
		return "RequestVoteResponse"
	case AppendEntries:
		return "AppendEntries"
	case AppendEntriesResponse:
		return "AppendEntriesResponse"
	case ClientRequest:
		return "ClientRequest"
	case TimeoutNow:
		return "TimeoutNow"
	case TransferLeadership:
		return "TransferLeadership"
	}
	return fmt.Sprintf("%T", m)
}

// fromOutside names the messages that come from outside the cluster, from
// no node (Envelope.From 0): a client's request, and the operator's.
var fromOutside = map[string]bool{messageName(ClientRequest{}): true, messageName(TransferLeadership{}): true}

// mostTerm bounds a term read back: no run reaches it, and a term near
// the largest uint64 would wrap around when a node stands.
const mostTerm = 1 << 62

// mostIndex bounds a log index a message may carry: no log reaches it, and
// an index near the largest uint64 would wrap around when a node adds to it.
const mostIndex = 1 << 62
