// messages.go holds the vocabulary of the protocol: the four messages of
// Raft's leader election (the RequestVote and AppendEntries RPCs of the
// paper's Figure 2, with their replies), the two of the optional PreVote
// phase (Ongaro's dissertation, §9.6), and the envelope the network carries
// them in. Nodes (node.go) create them; the network (cluster.go) delivers them.

package main

import "fmt"

// RaftMessage is one of the election messages. The set is closed: the
// unexported marker method means only the types in this file satisfy it, so
// a type switch over them (node.handle) is exhaustive.
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
	// for the up-to-date check of §5.4.1. This demo has no log, so both are
	// 0, but the check is written out so the step to replication is visible.
	LastLogIndex uint64
	LastLogTerm  uint64
}

// RequestVoteResponse answers a RequestVote.
type RequestVoteResponse struct {
	Term        uint64 // the voter's currentTerm, so a stale candidate learns it
	VoteGranted bool   // true means the voter chose this candidate
}

// AppendEntries is sent by a leader. With no entries, as here, it is a
// heartbeat: it tells followers the leader is alive and keeps them from
// starting an election (§5.2).
type AppendEntries struct {
	Term     uint64 // the leader's term
	LeaderID int    // so followers know who leads
}

// AppendEntriesResponse answers an AppendEntries.
type AppendEntriesResponse struct {
	Term uint64 // the follower's currentTerm, so a stale leader learns it
	// Success: the follower took the AppendEntries as from its leader.
	// Figure 2 also refuses one whose log does not match (§5.3); without
	// logs, this project refuses only a leader of an older term.
	Success bool
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

func (PreVote) isRaftMessage()               {}
func (PreVoteResponse) isRaftMessage()       {}
func (RequestVote) isRaftMessage()           {}
func (RequestVoteResponse) isRaftMessage()   {}
func (AppendEntries) isRaftMessage()         {}
func (AppendEntriesResponse) isRaftMessage() {}

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
	return fmt.Sprintf("AppendEntries(term %d, leader %d)", m.Term, m.LeaderID)
}

func (m AppendEntriesResponse) String() string {
	return fmt.Sprintf("AppendEntriesResponse(term %d, success %t)", m.Term, m.Success)
}

// isHeartbeatTraffic reports whether m is part of a leader's heartbeats
// rather than of an election. The log hides this traffic unless asked.
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
	}
	return fmt.Sprintf("%T", m)
}
