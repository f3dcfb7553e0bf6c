// replication.go is the log's half of the paper's Figure 2: how a leader
// replicates its log with AppendEntries, how a follower checks and takes
// the entries (the receiver's rules 2 to 5; rule 1, the term, is
// handleAppendEntries' in node.go), when an entry is committed, and how
// committed entries are applied to the state machine (statemachine.go).
// Read it after node.go, which reaches it through becomeLeader,
// changeRole, sendHeartbeats and the handlers; the state it works on is
// declared there, under Figure 2's headings, and belongs to the node's
// goroutine.

package main

import (
	"maps"
	"slices"
)

// mostEntriesPerMessage bounds the entries one AppendEntries carries, so
// that a follower far behind is brought up to date in steps of a bounded
// size instead of in one message as long as the log.
const mostEntriesPerMessage = 64

// setUpLeaderState is Figure 2's "Volatile state on leaders (reinitialized
// after election)": nextIndex starts just after the leader's last entry,
// optimistic that every follower holds the leader's log, and matchIndex at
// 0, knowing nothing yet. Then, §8: "each leader [commits] a blank no-op
// entry into the log at the start of its term", so that the entries of
// earlier terms commit with it without waiting for a client.
func (n *node) setUpLeaderState() {
	last, _ := n.lastLogEntry()
	n.nextIndex, n.matchIndex = map[int]uint64{}, map[int]uint64{}
	n.sending, n.waiting = map[int]bool{}, map[uint64]ClientRequest{}
	n.round, n.heardRound, n.roundSent, n.reads = 0, map[int]uint64{}, map[int]uint64{}, nil
	for _, peer := range n.peers {
		n.nextIndex[peer] = last + 1
		n.heardRound[peer] = 0 // round 0 is no round: answered by all
	}
	n.appendEntry("", Cause{Rule: RuleNoOp})
	n.commitByMajority()
}

// dropLeaderState ends a leadership: the clients still waiting are told
// that this node no longer leads. Their commands may yet commit under the
// next leader; a client that retries does not apply one twice
// (statemachine.go). Their reads it refuses too, unanswered: the client
// asks the next leader, which confirms its own leadership (reads.go).
func (n *node) dropLeaderState() {
	for _, index := range slices.Sorted(maps.Keys(n.waiting)) {
		n.waiting[index].Reply <- ClientReply{}
	}
	for _, read := range n.reads {
		read.request.Reply <- ClientReply{}
	}
	n.nextIndex, n.matchIndex, n.sending, n.waiting = nil, nil, nil, nil
	n.heardRound, n.roundSent, n.reads = nil, nil, nil
	n.transfer = transferState{}
}

// handleClientRequest takes a client's command. Only the leader takes one
// (§8); any other node refuses, naming the leader it knows, and the
// client asks that one, or the leader it finds next. Figure 2, rules for
// leaders: "If command received from client: append entry to local log,
// respond after entry applied to state machine (§5.3)."
func (n *node) handleClientRequest(m ClientRequest) {
	if n.role != Leader {
		m.Reply <- ClientReply{Leader: n.leaderID}
		return
	}
	if m.Read {
		n.handleRead(m) // without a log entry (reads.go)
		return
	}
	entry := n.appendEntry(m.Command, Cause{Rule: RuleClientCommand})
	if m.Applied {
		n.waiting[entry.Index] = m
	} else {
		m.Reply <- ClientReply{Accepted: true, Index: entry.Index, Term: entry.Term}
	}
	n.commitByMajority() // a cluster of one commits at once
	for _, peer := range n.peers {
		if !n.sending[peer] {
			n.sendAppendEntries(peer)
		}
	}
}

// appendEntry is how a leader's log grows: Leader Append-Only (Figure 3),
// "a leader never overwrites or deletes entries in its log; it only
// appends new entries", each of its own term.
func (n *node) appendEntry(command string, cause Cause) Entry {
	last, _ := n.lastLogEntry()
	entry := Entry{Index: last + 1, Term: n.currentTerm, Command: command}
	n.log = append(n.log, entry)
	n.report(Event{Kind: EventAppend, Index: entry.Index, EntryTerm: entry.Term, Command: command, Cause: cause})
	return entry
}

// sendAppendEntries sends peer the entries from its nextIndex on, with the
// entry just before them for the consistency check. With nothing to send it
// is a heartbeat. The entries are a copy: the message outlives this step,
// and the log's array may be written again once the node follows.
func (n *node) sendAppendEntries(peer int) {
	prev := n.nextIndex[peer] - 1
	entries := slices.Clone(n.log[prev:min(uint64(len(n.log)), prev+n.entriesPerMessage)])
	n.sending[peer] = len(entries) > 0
	n.roundSent[peer] = n.round
	n.send(peer, AppendEntries{Term: n.currentTerm, LeaderID: n.id, PrevLogIndex: prev,
		PrevLogTerm: n.termAt(prev), Entries: entries, LeaderCommit: n.commitIndex, Round: n.round})
}

// termAt is the term of the entry at index, or 0 for index 0, the empty
// start of every log. The caller knows the entry is there.
func (n *node) termAt(index uint64) uint64 {
	if index == 0 {
		return 0
	}
	return n.log[index-1].Term
}

// acceptEntries applies Figure 2's AppendEntries receiver rules 2 to 5 to
// a message from the leader of currentTerm (rule 1, a stale term, is
// handleAppendEntries'), and returns the reply. A refusal names the
// conflict (ConflictIndex, and ConflictTerm if the terms differ), so that
// the leader can back up past it at once. The log changes through
// truncateFrom (for RuleConflict, with the new entry's term) and
// takeEntry; the commit through advanceCommitIndex (RuleLeaderCommit).
//
//lab:log Figure 2, AppendEntries RPC, receiver implementation 2 to 5 (§5.3)
func (n *node) acceptEntries(m AppendEntries) AppendEntriesResponse {
	reply := AppendEntriesResponse{Term: n.currentTerm}
	last, _ := n.lastLogEntry()
	// Rule 2: "Reply false if log doesn't contain an entry at prevLogIndex
	// whose term matches prevLogTerm (§5.3)." The consistency check: by
	// induction, a follower that accepts holds the leader's log up to
	// there (Log Matching).
	switch {
	case m.PrevLogIndex > last:
		reply.ConflictIndex = last + 1
		return reply
	case n.termAt(m.PrevLogIndex) != m.PrevLogTerm:
		reply.ConflictTerm = n.termAt(m.PrevLogIndex)
		reply.ConflictIndex = n.firstIndexOfTerm(m.PrevLogIndex)
		return reply
	}
	for _, entry := range m.Entries {
		if entry.Index <= uint64(len(n.log)) {
			if n.termAt(entry.Index) == entry.Term {
				continue // already held: a repeated or reordered message
			}
			// Rule 3: "If an existing entry conflicts with a new one (same
			// index but different terms), delete the existing entry and
			// all that follow it (§5.3)."
			n.truncateFrom(entry.Index, Cause{Rule: RuleConflict, Peer: m.LeaderID, Term: entry.Term})
		}
		// Rule 4: "Append any new entries not already in the log."
		n.takeEntry(entry, m.LeaderID)
	}
	// Rule 5: "If leaderCommit > commitIndex, set commitIndex =
	// min(leaderCommit, index of last new entry)." Only as far as this
	// message vouches for: past it, this log may still differ.
	lastNew := m.PrevLogIndex + uint64(len(m.Entries))
	if commit := min(m.LeaderCommit, lastNew); commit > n.commitIndex {
		n.advanceCommitIndex(commit, Cause{Rule: RuleLeaderCommit, Peer: m.LeaderID})
	}
	reply.Success, reply.MatchIndex = true, lastNew
	return reply
}

// reportRefusal tells why acceptEntries refused m: the entry before
// m's entries is missing here, or holds another term.
func (n *node) reportRefusal(m AppendEntries, reply AppendEntriesResponse) {
	cause := Cause{Rule: RuleMissingEntry, Peer: m.LeaderID}
	if reply.ConflictTerm != 0 {
		cause = Cause{Rule: RuleTermMismatch, Peer: m.LeaderID, Term: reply.ConflictTerm}
	}
	n.report(Event{Kind: EventMismatch, Index: m.PrevLogIndex, EntryTerm: m.PrevLogTerm, Cause: cause})
}

// takeEntry appends an entry from leader to a follower's log.
func (n *node) takeEntry(entry Entry, leader int) {
	n.log = append(n.log, entry)
	n.report(Event{Kind: EventAppend, Index: entry.Index, EntryTerm: entry.Term, Command: entry.Command,
		Cause: Cause{Rule: RuleFromLeader, Peer: leader}})
}

// firstIndexOfTerm is the first index of the run of entries that ends at
// index with the same term: the hint of §5.3's optimization, so that the
// leader skips every entry of that term at once.
//
//lab:log §5.3: the follower names the first index of the conflicting term
func (n *node) firstIndexOfTerm(index uint64) uint64 {
	term := n.termAt(index)
	for index > 1 && n.termAt(index-1) == term {
		index--
	}
	return index
}

// truncateFrom deletes the entry at index and every entry after it. Only a
// follower does, on a conflict with its leader. In a correct run no
// committed entry is ever deleted: every leader holds them all (Leader
// Completeness), so none conflicts; the safety checker watches for it.
func (n *node) truncateFrom(index uint64, cause Cause) {
	n.log = n.log[:index-1]
	n.report(Event{Kind: EventTruncate, Index: index, Cause: cause})
}

// handleAppendEntriesResponse is the leader's side of replication. A reply
// from an older term answers a request this leader did not make as leader
// of currentTerm, and is ignored. Any other reply ends the peer's message
// in flight (sending). An acceptance moves matchIndex, never back, and
// nextIndex after it, may commit, and sends at once what the peer still
// lacks; a refusal that names a conflict backs nextIndex up (backUpTo),
// never below matchIndex+1, and retries at once.
//
//lab:log Figure 2, Rules for Servers, Leaders: on success update nextIndex and matchIndex, on a conflict decrement nextIndex and retry (§5.3)
func (n *node) handleAppendEntriesResponse(from int, m AppendEntriesResponse) {
	if n.role != Leader || m.Term != n.currentTerm {
		return
	}
	n.sending[from] = false
	last, _ := n.lastLogEntry()
	if m.Success {
		if m.MatchIndex > last {
			return // vouches for entries this leader never sent: no correct follower's reply
		}
		// Figure 2: "If successful: update nextIndex and matchIndex for
		// follower (§5.3)." Replies can arrive out of order; matchIndex
		// never goes back.
		n.matchIndex[from] = max(n.matchIndex[from], m.MatchIndex)
		n.nextIndex[from] = n.matchIndex[from] + 1
		n.commitByMajority()
		if n.nextIndex[from] <= last {
			n.sendAppendEntries(from) // what the client added meanwhile, in one message
		}
		return
	}
	// Figure 2: "If AppendEntries fails because of log inconsistency:
	// decrement nextIndex and retry (§5.3)", by a whole term at a time,
	// never below what the follower is known to hold, and never up. A
	// refusal that names no conflict is not about the log: only a second
	// leader of this term refuses so (handleAppendEntries; -break
	// vote-twice), and no retry would change its mind.
	if m.ConflictIndex == 0 {
		return
	}
	n.nextIndex[from] = min(max(n.backUpTo(m), n.matchIndex[from]+1), n.nextIndex[from])
	n.sendAppendEntries(from)
}

// progressOf is a leader's nextIndex and matchIndex for peer; zeros in
// another role.
func (n *node) progressOf(peer int) [2]uint64 {
	return [2]uint64{n.nextIndex[peer], n.matchIndex[peer]}
}

// tellProgress reports a leader's nextIndex and matchIndex for peer, if
// they are no longer told, what they were: a progress event, which the
// page draws as the leader's view of each follower. It reports; it
// decides nothing.
func (n *node) tellProgress(peer int, told [2]uint64) {
	if now := n.progressOf(peer); n.role == Leader && now != told {
		n.report(Event{Kind: EventProgress, To: peer, Next: now[0], Index: now[1]})
	}
}

// backUpTo is where the leader resumes after a refusal, with §5.3's
// optimization: past every entry of the follower's conflicting term, or,
// if the leader holds that term too, just after its own last entry of it;
// to the follower's end if its log was too short.
//
//lab:log §5.3: where the leader resumes after a refusal, a term at a time
func (n *node) backUpTo(m AppendEntriesResponse) uint64 {
	if m.ConflictTerm != 0 {
		for index := uint64(len(n.log)); index > 0; index-- {
			if n.termAt(index) == m.ConflictTerm {
				return index + 1
			}
		}
	}
	return max(m.ConflictIndex, 1)
}

// commitByMajority is the leader's commit rule. Figure 2, rules for
// leaders: "If there exists an N such that N > commitIndex, a majority of
// matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N
// (§5.3, §5.4)." The cause it commits for is RuleStoredOnMajority, with
// how many nodes hold the entry, of how many.
//
//lab:log Figure 2, Rules for Servers, Leaders: the commit rule (§5.3, §5.4.2)
func (n *node) commitByMajority() {
	for index := uint64(len(n.log)); index > n.commitIndex; index-- {
		// §5.4.2: "Raft never commits log entries from previous terms by
		// counting replicas": an older term's entry on a majority can
		// still be overwritten (Figure 8). It commits with the first entry
		// of this term above it. Terms never decrease along a log, so every
		// entry below is older too.
		if n.termAt(index) != n.currentTerm {
			counts := n.breaks(BreakCommitOldTerm) // -break commit-old-term: it counts them anyway
			if !counts {
				return
			}
		}
		if stored := n.replicas(index); isMajority(stored, n.clusterSize) {
			n.advanceCommitIndex(index, Cause{Rule: RuleStoredOnMajority, Count: stored, Of: n.clusterSize})
			return
		}
	}
}

// replicas counts the nodes known to hold the entry at index: the leader
// and every peer whose matchIndex has reached it.
//
//lab:log §5.3: how many servers hold an entry
func (n *node) replicas(index uint64) int {
	count := 1
	for _, match := range n.matchIndex {
		if match >= index {
			count++
		}
	}
	return count
}

// advanceCommitIndex raises commitIndex to index, for cause, then applies
// what it committed, and, on a leader, answers the reads that waited for
// its own term's first commit (reads.go).
func (n *node) advanceCommitIndex(index uint64, cause Cause) {
	n.commitIndex = index
	n.report(Event{Kind: EventCommit, Index: index, EntryTerm: n.termAt(index), Command: n.log[index-1].Command, Cause: cause})
	n.applyCommitted()
	n.serveReads()
}

// applyCommitted applies the entries committed since the last apply.
// Figure 2, rules for all servers: "If commitIndex > lastApplied:
// increment lastApplied, apply log[lastApplied] to state machine (§5.3)",
// in log order, so every node's state machine goes through the same
// states.
//
//lab:log Figure 2, Rules for Servers, All Servers: apply committed entries, in order (§5.3)
func (n *node) applyCommitted() {
	for n.lastApplied < n.commitIndex {
		n.lastApplied++
		n.apply(n.log[n.lastApplied-1])
	}
}

// apply applies one committed entry to the state machine, and answers the
// client that waits for it, if any.
func (n *node) apply(entry Entry) {
	result, found := n.store.apply(entry.Command)
	n.report(Event{Kind: EventApply, Index: entry.Index, EntryTerm: entry.Term, Command: entry.Command, Reason: result})
	if request, ok := n.waiting[entry.Index]; ok {
		delete(n.waiting, entry.Index)
		request.Reply <- ClientReply{Accepted: true, Index: entry.Index, Term: entry.Term, Result: result, Found: found}
	}
}
