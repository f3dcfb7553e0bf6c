// replication_test.go holds one test per rule of the log in the paper's
// Figure 2, in the manner of etcd-io/raft's raft_paper_test.go: each drives
// one node by hand (the test plays the network, through the outbox) and
// quotes the sentence it checks. Whole clusters are in client_test.go.

package main

import (
	"slices"
	"testing"
)

// logOf builds a log from the terms of its entries, indexes from 1.
func logOf(terms ...uint64) []Entry {
	log := make([]Entry, len(terms))
	for i, term := range terms {
		log[i] = Entry{Index: uint64(i + 1), Term: term, Command: "put k " + string(rune('a'+i))}
	}
	return log
}

// followerWith is node 1 of a cluster of size, a follower in term with log.
func followerWith(size int, term uint64, log []Entry) (*node, *outbox) {
	return newLoneNode(1, size, persistentState{currentTerm: term, log: slices.Clone(log)})
}

// appendReply is the last reply a lone node sent.
func appendReply(t *testing.T, out *outbox) AppendEntriesResponse {
	t.Helper()
	reply, ok := out.last().(AppendEntriesResponse)
	if !ok {
		t.Fatalf("the node's last message is %v, not an AppendEntriesResponse", out.last())
	}
	return reply
}

// Receiver rule 1: "Reply false if term < currentTerm (§5.1)."
func TestAppendEntriesRefusesStaleTerm(t *testing.T) {
	n, out := followerWith(3, 3, logOf(1, 2))
	deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2, PrevLogIndex: 2, PrevLogTerm: 2, Entries: logOf(1, 2, 2)[2:]})
	if reply := appendReply(t, out); reply.Success || reply.Term != 3 || len(n.log) != 2 {
		t.Errorf("a stale leader's entries: reply %+v, log of %d; want a refusal in term 3 and the log unchanged", reply, len(n.log))
	}
}

// Receiver rule 2: "Reply false if log doesn't contain an entry at
// prevLogIndex whose term matches prevLogTerm (§5.3)", with the hint of
// §5.3's optimization: the conflicting term and its first index, or the
// end of a log too short.
func TestAppendEntriesConsistencyCheck(t *testing.T) {
	for _, tc := range []struct {
		name                string
		log                 []Entry
		prevIndex, prevTerm uint64
		conflictTerm        uint64
		conflictIndex       uint64
	}{
		{"missing entry", logOf(1, 1), 4, 2, 0, 3},
		{"term mismatch", logOf(1, 2, 2, 2), 4, 3, 2, 2},
	} {
		n, out := followerWith(3, 3, tc.log)
		deliver(n, 2, AppendEntries{Term: 3, LeaderID: 2, PrevLogIndex: tc.prevIndex, PrevLogTerm: tc.prevTerm,
			Entries: []Entry{{Index: tc.prevIndex + 1, Term: 3}}})
		reply := appendReply(t, out)
		if reply.Success || reply.ConflictTerm != tc.conflictTerm || reply.ConflictIndex != tc.conflictIndex {
			t.Errorf("%s: reply %+v; want a refusal with conflict term %d, index %d", tc.name, reply, tc.conflictTerm, tc.conflictIndex)
		}
		if !slices.Equal(n.log, tc.log) {
			t.Errorf("%s: a refused AppendEntries changed the log to %v", tc.name, n.log)
		}
	}
}

// Receiver rules 3 and 4: "If an existing entry conflicts with a new one
// (same index but different terms), delete the existing entry and all
// that follow it (§5.3)"; "Append any new entries not already in the log."
// An entry already held is kept, and nothing after the entries sent is
// deleted when nothing conflicts (a late, shorter message).
func TestAppendEntriesTruncatesConflictsOnly(t *testing.T) {
	n, out := followerWith(3, 3, logOf(1, 1, 2, 2))
	leaderLog := logOf(1, 1, 3)
	deliver(n, 2, AppendEntries{Term: 3, LeaderID: 2, PrevLogIndex: 1, PrevLogTerm: 1, Entries: leaderLog[1:]})
	if reply := appendReply(t, out); !reply.Success || reply.MatchIndex != 3 || !slices.Equal(n.log, leaderLog) {
		t.Fatalf("reply %+v, log %v; want success, match 3, and the leader's log", reply, n.log)
	}
	deliver(n, 2, AppendEntries{Term: 3, LeaderID: 2, PrevLogIndex: 0, PrevLogTerm: 0, Entries: leaderLog[:1]})
	if !slices.Equal(n.log, leaderLog) {
		t.Errorf("a late message with the first entry only cut the log to %v", n.log)
	}
}

// Receiver rule 5: "If leaderCommit > commitIndex, set commitIndex =
// min(leaderCommit, index of last new entry)", and Figure 2's rule for all
// servers: entries up to commitIndex are applied, in order.
func TestAppendEntriesAdvancesCommitIndex(t *testing.T) {
	n, _ := followerWith(3, 2, nil)
	leaderLog := []Entry{{Index: 1, Term: 1, Command: "put x 1"}, {Index: 2, Term: 2, Command: "put x 2"}, {Index: 3, Term: 2}}
	deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2, Entries: leaderLog[:2], LeaderCommit: 3})
	if n.commitIndex != 2 || n.lastApplied != 2 {
		t.Fatalf("commitIndex %d, lastApplied %d; want 2, the last new entry, not the leader's 3", n.commitIndex, n.lastApplied)
	}
	if value, _ := n.store.apply("get x"); value != "2" {
		t.Errorf("after applying both puts x = %q; want 2", value)
	}
}

// Rules for leaders: nextIndex starts after the leader's last entry and
// matchIndex at 0 (Figure 2, "reinitialized after election"), and the new
// leader appends a no-op of its term (§8).
func TestNewLeaderSetsUpReplication(t *testing.T) {
	n, _ := newLoneNode(1, 3, persistentState{currentTerm: 1, log: logOf(1, 1)})
	electLoneNode(t, n, 2)
	if want := []Entry{{Index: 3, Term: 2}}; !slices.Equal(n.log[2:], want) {
		t.Errorf("the new leader's log ends %v; want its no-op, %v", n.log[2:], want)
	}
	for _, peer := range n.peers {
		if n.nextIndex[peer] != 3 || n.matchIndex[peer] != 0 {
			t.Errorf("peer %d: nextIndex %d, matchIndex %d; want 3 and 0", peer, n.nextIndex[peer], n.matchIndex[peer])
		}
	}
}

// Rules for leaders: "If AppendEntries fails because of log inconsistency:
// decrement nextIndex and retry (§5.3)", over a whole term at a time: over
// 50 conflicting entries of one term, one retry.
func TestLeaderBacksUpATermAtATime(t *testing.T) {
	terms := []uint64{1}
	for range 50 {
		terms = append(terms, 2)
	}
	n, out := newLoneNode(1, 3, persistentState{currentTerm: 3, log: logOf(terms...)})
	electLoneNode(t, n, 4)
	deliver(n, 2, AppendEntriesResponse{Term: 4, ConflictTerm: 3, ConflictIndex: 2})
	retry, ok := out.last().(AppendEntries)
	if !ok || retry.PrevLogIndex != 1 || retry.PrevLogTerm != 1 {
		t.Errorf("after a refusal naming term 3 from index 2, the leader sent %v; want entries after entry 1", out.last())
	}
	deliver(n, 3, AppendEntriesResponse{Term: 4, ConflictTerm: 2, ConflictIndex: 2})
	if retry := out.last().(AppendEntries); retry.PrevLogIndex != 51 {
		t.Errorf("after a refusal naming term 2, which the leader holds up to 51, it sent %v; want entries after 51", retry)
	}
}

// Rules for leaders: "If there exists an N such that N > commitIndex, a
// majority of matchIndex[i] ≥ N, and log[N].term == currentTerm: set
// commitIndex = N (§5.3, §5.4)." An older term's entry on a majority is
// not committed (Figure 8); it commits with the current term's entry.
func TestLeaderCommitsOnlyItsOwnTermByCounting(t *testing.T) {
	n, _ := newLoneNode(1, 5, persistentState{currentTerm: 1, log: logOf(1, 1)})
	electLoneNode(t, n, 3) // log: entries 1 and 2 of term 1, then the no-op, entry 3 of term 3
	deliver(n, 2, AppendEntriesResponse{Term: 3, Success: true, MatchIndex: 2})
	deliver(n, 3, AppendEntriesResponse{Term: 3, Success: true, MatchIndex: 2})
	if n.commitIndex != 0 {
		t.Fatalf("entry 2 of term 1 on 3 of 5 nodes was committed (commitIndex %d)", n.commitIndex)
	}
	deliver(n, 2, AppendEntriesResponse{Term: 3, Success: true, MatchIndex: 3})
	deliver(n, 3, AppendEntriesResponse{Term: 3, Success: true, MatchIndex: 3})
	if n.commitIndex != 3 || n.lastApplied != 3 {
		t.Errorf("with its own entry on 3 of 5 nodes: commitIndex %d, lastApplied %d; want 3 and 3", n.commitIndex, n.lastApplied)
	}
}

// Figure 7's followers (a) to (f), each brought to the leader's log by the
// leader's AppendEntries alone: missing entries, extra entries of older
// terms, and both. The leader of term 8 holds entries of terms 1 1 1 4 4 5
// 5 6 6 6.
func TestFigure7FollowersAreRepaired(t *testing.T) {
	leaderTerms := []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}
	for name, terms := range map[string][]uint64{
		"(a)": {1, 1, 1, 4, 4, 5, 5, 6, 6},
		"(b)": {1, 1, 1, 4},
		"(c)": {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},
		"(d)": {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},
		"(e)": {1, 1, 1, 4, 4, 4, 4},
		"(f)": {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},
	} {
		leader, toFollower := newLoneNode(1, 3, persistentState{currentTerm: 7, log: logOf(leaderTerms...)})
		electLoneNode(t, leader, 8)
		follower, toLeader := newLoneNode(2, 3, persistentState{currentTerm: 7, log: logOf(terms...)})
		for range 20 {
			leader.sendAppendEntries(2)
			deliver(follower, 1, toFollower.last())
			deliver(leader, 2, toLeader.last())
		}
		if !slices.Equal(follower.log, leader.log) {
			t.Errorf("follower %s ends with %v; the leader's log is %v", name, follower.log, leader.log)
		}
	}
}
