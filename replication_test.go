// replication_test.go checks the log's rules against the paper, Figure 2
// with §5.3, §5.4.2 and §8, in the manner of etcd-io/raft's
// raft_paper_test.go: one test per sentence, quoted above it, that drives
// one node by hand (harness_test.go), in every role and cluster size the
// sentence applies to. First the AppendEntries receiver's rules, then the
// leader's, then Figure 7's followers repaired. Whole clusters with clients
// are in client_test.go.

package main

import (
	"fmt"
	"slices"
	"testing"
)

// Figure 2, AppendEntries RPC, receiver rule 2: "Reply false if log
// doesn't contain an entry at prevLogIndex whose term matches
// prevLogTerm." At the log's end and one past it; with the term and
// without.
func TestConsistencyCheck(t *testing.T) {
	for _, tc := range []struct {
		prevIndex, prevTerm uint64
		accepted            bool
	}{
		{0, 0, true}, {2, 2, true}, {3, 2, false}, {2, 1, false}, {1, 1, true}, {1, 2, false},
	} {
		n, out := followerWith(3, 2, logOf(1, 2))
		deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2, PrevLogIndex: tc.prevIndex, PrevLogTerm: tc.prevTerm})
		if got := appendReply(t, out).Success; got != tc.accepted {
			t.Errorf("a log of 1/1 2/2 answered an AppendEntries after %d/%d with %t; want %t", tc.prevIndex, tc.prevTerm, got, tc.accepted)
		}
	}
}

// Receiver rule 2: "Reply false if log doesn't contain an entry at
// prevLogIndex whose term matches prevLogTerm (§5.3)", with the hint of
// §5.3's optimization: the conflicting term and its first index, or the
// end of a log too short.
func TestRefusalNamesTheConflict(t *testing.T) {
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

// Figure 2, AppendEntries RPC, receiver rule 5: "If leaderCommit >
// commitIndex, set commitIndex = min(leaderCommit, index of last new
// entry)." The last new entry is the last the message vouches for, not
// the last of the log: a follower with a stale tail from an older term
// commits only as far as the leader's message matched it.
func TestFollowerCommitsOnlyWhatTheMessageVouchesFor(t *testing.T) {
	for _, role := range []Role{Follower, Candidate} {
		n, out := newLoneNode(1, 3, persistentState{currentTerm: 1, log: logOf(1, 1, 1, 1, 1)})
		if role == Candidate {
			n.electionTimedOut()
		}
		deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2, PrevLogIndex: 1, PrevLogTerm: 1, LeaderCommit: 5})
		if reply := appendReply(t, out); !reply.Success || reply.MatchIndex != 1 {
			t.Fatalf("the %s answered %v", role, reply)
		}
		if n.commitIndex != 1 || n.lastApplied != 1 {
			t.Errorf("a %s with a stale tail of 4 entries committed up to %d and applied %d on a heartbeat that matched entry 1 alone",
				role, n.commitIndex, n.lastApplied)
		}
		deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2, PrevLogIndex: 1, PrevLogTerm: 1,
			Entries: []Entry{{Index: 2, Term: 2}}, LeaderCommit: 5})
		if n.commitIndex != 2 || len(n.log) != 2 {
			t.Errorf("after the leader's entry 2, commitIndex %d and a log of %d; want 2 and 2", n.commitIndex, len(n.log))
		}
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

// Figure 2, rules for leaders: "If command received from client: append
// entry to local log, respond after entry applied to state machine
// (§5.3)", and §5.3: the leader "issues AppendEntries RPCs in parallel to
// each of the other servers to replicate the entry": at once, not at the
// next heartbeat. Any other role refuses the client, who asks the leader.
func TestLeaderTakesAClientsCommand(t *testing.T) {
	forEachRoleAndSize(t, everyRole, clusterSizes, func(t *testing.T, role Role, size int) {
		n, out := inRole(t, role, size)
		replies := make(chan ClientReply, 1)
		deliver(n, 0, ClientRequest{Command: "put x 1", Applied: true, Reply: replies})
		if role != Leader {
			if reply := <-replies; reply.Accepted || len(n.log) != 0 {
				t.Errorf("a %s took a client's command: %+v", role, reply)
			}
			return
		}
		if last := n.log[len(n.log)-1]; last != (Entry{Index: 2, Term: 2, Command: "put x 1"}) {
			t.Fatalf("the leader's log ends with %v", last)
		}
		for peer, msg := range checkBroadcast(t, n, out, "AppendEntries") {
			if ae := msg.(AppendEntries); !slices.Contains(ae.Entries, n.log[1]) {
				t.Errorf("node %d got %+v, without the command", peer, ae)
			}
		}
		select {
		case reply := <-replies:
			if size > 1 {
				t.Errorf("the client got %+v before its command was committed", reply)
			}
		default:
		}
	})
}

// Figure 2: the leader responds "after entry applied to state machine". A
// leader that steps down before then answers its waiting clients that it
// no longer leads, so that each asks the next leader; it never leaves one
// waiting.
func TestSteppingDownAnswersWaitingClients(t *testing.T) {
	for _, size := range clusterSizes {
		n, _ := inRole(t, Leader, size)
		replies := make(chan ClientReply, 1)
		deliver(n, 0, ClientRequest{Command: "put x 1", Applied: true, Reply: replies})
		deliver(n, 2, AppendEntries{Term: 3, LeaderID: 2})
		select {
		case reply := <-replies:
			if reply.Accepted {
				t.Errorf("nodes=%d: a deposed leader told its client %+v", size, reply)
			}
		default:
			t.Errorf("nodes=%d: a deposed leader left its client waiting", size)
		}
	}
}

// leaderWithCommands is inRole's leader of term 2, which has taken count
// clients' commands after its no-op: its log holds count+1 entries.
func leaderWithCommands(t *testing.T, size, count int) (*node, *outbox) {
	t.Helper()
	n, out := inRole(t, Leader, size)
	for i := range count {
		deliver(n, 0, ClientRequest{Command: fmt.Sprintf("put k %d", i), Reply: make(chan ClientReply, 1)})
	}
	return n, out
}

// Figure 2, rules for leaders: "If successful: update nextIndex and
// matchIndex for follower (§5.3)." Replies can come out of order: a late
// reply for fewer entries must not take matchIndex back, or an entry
// counted on a majority could be counted again on fewer.
func TestMatchIndexNeverGoesBack(t *testing.T) {
	for _, size := range clusterSizes {
		n, _ := leaderWithCommands(t, size, 4)
		deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 5})
		deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 3})
		if n.matchIndex[2] != 5 || n.nextIndex[2] != 6 {
			t.Errorf("nodes=%d: after replies for 5 then 3 entries, matchIndex %d and nextIndex %d; want 5 and 6",
				size, n.matchIndex[2], n.nextIndex[2])
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
	if retry := lastSent[AppendEntries](t, out); retry.PrevLogIndex != 51 {
		t.Errorf("after a refusal naming term 2, which the leader holds up to 51, it sent %v; want entries after 51", retry)
	}
}

// Figure 2, rules for leaders: "If AppendEntries fails because of log
// inconsistency: decrement nextIndex and retry (§5.3)." Never below what
// the follower is known to hold: a late refusal, from before the follower
// was repaired, must not send the leader back over entries it holds.
func TestBackingUpStopsAtMatchIndex(t *testing.T) {
	for _, size := range clusterSizes {
		n, out := leaderWithCommands(t, size, 4)
		deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 4})
		out.sent = nil
		deliver(n, 2, AppendEntriesResponse{Term: 2, ConflictIndex: 1})
		if n.nextIndex[2] != 5 {
			t.Errorf("nodes=%d: after a late refusal, nextIndex is %d; node 2 holds 4 entries, so at least 5", size, n.nextIndex[2])
		}
		if retry := out.to(2); len(retry) != 1 || retry[0].(AppendEntries).PrevLogIndex < 4 {
			t.Errorf("nodes=%d: the leader retried with %v", size, retry)
		}
	}
}

// Figure 2, rules for leaders: "If there exists an N such that N >
// commitIndex, a majority of matchIndex[i] ≥ N, and log[N].term ==
// currentTerm: set commitIndex = N." Half of an even cluster is not a
// majority: an entry on half the nodes, the leader's own copy included,
// is not committed; on one more, it is.
func TestCommitNeedsAMajority(t *testing.T) {
	for _, size := range clusterSizes {
		n, _ := inRole(t, Leader, size)
		deliver(n, 0, ClientRequest{Command: "put x 1", Reply: make(chan ClientReply, 1)})
		majority := size/2 + 1
		for peer := 2; peer < majority; peer++ {
			deliver(n, peer, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2})
		}
		if n.commitIndex >= 2 {
			t.Errorf("nodes=%d: entry 2, on %d of %d nodes, is committed", size, majority-1, size)
		}
		deliver(n, majority, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2})
		if n.commitIndex != 2 {
			t.Errorf("nodes=%d: entry 2, on %d of %d nodes, is not committed (commitIndex %d)", size, majority, size, n.commitIndex)
		}
	}
}

// Rules for leaders: "If there exists an N such that N > commitIndex, a
// majority of matchIndex[i] ≥ N ...": the largest such N, whether or not
// the entries after it are on a majority yet.
func TestCommitIsTheHighestEntryOnAMajority(t *testing.T) {
	n, _ := inRole(t, Leader, 5) // the no-op is entry 1
	for _, command := range []string{"put x 1", "put y 2"} {
		deliver(n, 0, ClientRequest{Command: command, Reply: make(chan ClientReply, 1)})
	}
	deliver(n, 2, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 3})
	deliver(n, 3, AppendEntriesResponse{Term: 2, Success: true, MatchIndex: 2})
	if n.commitIndex != 2 {
		t.Errorf("entries 1 and 2 on 3 of 5 nodes, entry 3 on 2: commitIndex %d; want 2", n.commitIndex)
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
			deliver(follower, 1, lastSent[AppendEntries](t, toFollower))
			deliver(leader, 2, lastSent[AppendEntriesResponse](t, toLeader))
		}
		if !slices.Equal(follower.log, leader.log) {
			t.Errorf("follower %s ends with %v; the leader's log is %v", name, follower.log, leader.log)
		}
	}
}
