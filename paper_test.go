// paper_test.go holds one test per sentence of the paper's Figure 2 and
// §5 that a classic bug breaks, in the manner of etcd-io/raft's
// raft_paper_test.go: each quotes its sentence, drives one node by hand
// (the test plays the network through an outbox that keeps every message,
// so a broadcast is checked to reach every peer), and runs the node in
// every role the sentence applies to, in clusters of odd and even size. A
// majority written >= looks right at 3 and 5, and wrong at 2, 4 and 6.

package main

import (
	"fmt"
	"slices"
	"testing"
)

// everyRole is every role a node can be in.
var everyRole = []Role{Follower, PreCandidate, Candidate, Leader}

// clusterSizes are the sizes the rule tests run in: odd and even.
// withRivals are those with a node 3, for a test that needs two nodes
// besides node 1.
var (
	clusterSizes = []int{2, 3, 4, 5, 6}
	withRivals   = []int{3, 4, 5, 6}
)

// inRole is node 1 of a cluster of size, alone, in role in term 2, with an
// empty outbox: a follower of node 2, leader of term 2; a pre-candidate
// (PreVote on) or a candidate that has just asked for votes; or a leader
// with its no-op of term 2 at index 1.
func inRole(t *testing.T, role Role, size int) (*node, *outbox) {
	t.Helper()
	n, out := newLoneNode(1, size, persistentState{currentTerm: 1})
	switch role {
	case Follower:
		deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2})
	case PreCandidate:
		n.currentTerm, n.preVote = 2, true
		n.electionTimedOut()
	case Candidate:
		n.electionTimedOut()
	case Leader:
		electLoneNode(t, n, 2)
	}
	if n.role != role || n.currentTerm != 2 {
		t.Fatalf("set up a %s in term 2, got a %s in term %d", role, n.role, n.currentTerm)
	}
	out.sent = nil
	return n, out
}

// to lists what the node sent peer, in order.
func (o *outbox) to(peer int) []RaftMessage {
	var sent []RaftMessage
	for _, env := range o.sent {
		if env.To == peer {
			sent = append(sent, env.Msg)
		}
	}
	return sent
}

// checkBroadcast fails the test unless every peer of n, and no other
// node, got exactly one message of kind in what n sent, and returns them
// by peer.
func checkBroadcast(t *testing.T, n *node, out *outbox, kind string) map[int]RaftMessage {
	t.Helper()
	got := map[int]RaftMessage{}
	for _, env := range out.sent {
		if messageName(env.Msg) != kind {
			continue
		}
		if _, twice := got[env.To]; twice || env.To == n.id || env.To < 1 || env.To > n.clusterSize {
			t.Errorf("node %d sent a second %s, or one to node %d, not a peer", n.id, kind, env.To)
		}
		got[env.To] = env.Msg
	}
	for _, peer := range n.peers {
		if got[peer] == nil {
			t.Errorf("node %d of %d sent no %s to node %d", n.id, n.clusterSize, kind, peer)
		}
	}
	return got
}

// forEachRoleAndSize runs check for a node in each of roles, in a cluster
// of each of sizes.
func forEachRoleAndSize(t *testing.T, roles []Role, sizes []int, check func(t *testing.T, role Role, size int)) {
	for _, role := range roles {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s/nodes=%d", role, size), func(t *testing.T) { check(t, role, size) })
		}
	}
}

// Figure 2, rules for all servers: "If RPC request or response contains
// term T > currentTerm: set currentTerm = T, convert to follower (§5.1)."
// §5.1: "If a candidate or leader discovers that its term is out of date,
// it immediately reverts to follower state." Every role, every message
// that carries a term it enters (a PreVote and a granted PreVoteResponse
// ask about a term without entering it: TestPreVoteNeverMovesTerms). The
// new term starts with no vote cast and no leader known.
func TestPaperNewerTermMakesAFollower(t *testing.T) {
	for _, msg := range []RaftMessage{
		RequestVote{Term: 5, CandidateID: 3, LastLogIndex: 1, LastLogTerm: 2},
		RequestVoteResponse{Term: 5},
		AppendEntries{Term: 5, LeaderID: 3},
		AppendEntriesResponse{Term: 5},
		PreVoteResponse{Term: 5, Granted: false},
	} {
		t.Run(messageName(msg), func(t *testing.T) {
			forEachRoleAndSize(t, everyRole, withRivals, func(t *testing.T, role Role, size int) {
				n, _ := inRole(t, role, size)
				deliver(n, 3, msg)
				if n.role != Follower || n.currentTerm != 5 {
					t.Fatalf("a %s of term 2 is a %s of term %d after %v; want a follower of term 5", role, n.role, n.currentTerm, msg)
				}
				wantVote, wantLeader := 0, 0
				switch msg.(type) {
				case RequestVote:
					wantVote = 3 // it had not voted in term 5: it grants node 3's
				case AppendEntries:
					wantLeader = 3
				}
				if n.votedFor != wantVote || n.leaderID != wantLeader {
					t.Errorf("in term 5 the node has a vote for %d and follows %d; want %d and %d", n.votedFor, n.leaderID, wantVote, wantLeader)
				}
			})
		})
	}
}

// Figure 2, RequestVote RPC, receiver rule 1: "Reply false if term <
// currentTerm (§5.1)"; AppendEntries RPC, receiver rule 1, the same. In
// every role, the reply carries the newer term, so that the sender learns
// it is stale, and the receiver changes nothing.
func TestPaperStaleRequestIsRefused(t *testing.T) {
	forEachRoleAndSize(t, everyRole, withRivals, func(t *testing.T, role Role, size int) {
		n, out := inRole(t, role, size)
		before := n.persistentState
		leader := n.leaderID
		deliver(n, 3, RequestVote{Term: 1, CandidateID: 3})
		deliver(n, 3, AppendEntries{Term: 1, LeaderID: 3, Entries: []Entry{{Index: 1, Term: 1}}})
		sent := out.to(3)
		if len(sent) != 2 {
			t.Fatalf("node 3's two stale requests got %v", sent)
		}
		if vote := sent[0].(RequestVoteResponse); vote.VoteGranted || vote.Term != 2 {
			t.Errorf("a stale RequestVote got %v; want a refusal carrying term 2", vote)
		}
		if reply := sent[1].(AppendEntriesResponse); reply.Success || reply.Term != 2 {
			t.Errorf("a stale AppendEntries got %v; want a refusal carrying term 2", reply)
		}
		if n.role != role || n.currentTerm != before.currentTerm || n.votedFor != before.votedFor ||
			!slices.Equal(n.log, before.log) || n.leaderID != leader {
			t.Errorf("stale requests changed the %s: now a %s, term %d, vote %d, log %v, leader %d",
				role, n.role, n.currentTerm, n.votedFor, n.log, n.leaderID)
		}
	})
}

// Figure 2, RequestVote RPC, receiver rule 2: "If votedFor is null or
// candidateId, and candidate's log is at least as up-to-date as
// receiver's log, grant vote (§5.2, §5.4)." §5.2: "Each server will vote
// for at most one candidate in a given term, on a first-come-first-served
// basis." A follower that has not voted grants; a candidate and a leader
// have voted for themselves in their term, and refuse another; a
// pre-candidate has not entered the term it asks about, and grants.
func TestPaperOneVotePerTerm(t *testing.T) {
	forEachRoleAndSize(t, everyRole, withRivals, func(t *testing.T, role Role, size int) {
		n, out := inRole(t, role, size)
		first, second := size-1, size // two rivals, asking in turn
		ask := func(candidate int) bool {
			deliver(n, candidate, RequestVote{Term: 2, CandidateID: candidate, LastLogIndex: 9, LastLogTerm: 2})
			return out.last().(RequestVoteResponse).VoteGranted
		}
		wantFirst := role == Follower || role == PreCandidate
		if got := ask(first); got != wantFirst {
			t.Errorf("a %s of term 2 answered node %d's RequestVote for term 2 with %t; want %t", role, first, got, wantFirst)
		}
		if ask(second) {
			t.Errorf("a %s granted a second vote in term 2, to node %d", role, second)
		}
		if got := ask(first); got != wantFirst {
			t.Errorf("a %s answered node %d's repeated request with %t, its first answer %t", role, first, got, wantFirst)
		}
	})
}

// §5.4.1: "Raft determines which of two logs is more up-to-date by
// comparing the index and term of the last entries in the logs. If the
// logs have last entries with different terms, then the log with the
// later term is more up-to-date. If the logs end with the same term, then
// whichever log is longer is more up-to-date." A vote (and, with PreVote,
// a pre-vote) goes only to a candidate whose log is at least as
// up-to-date as the voter's.
func TestPaperVoteOnlyForAnUpToDateLog(t *testing.T) {
	for _, tc := range []struct {
		voter               []Entry
		lastIndex, lastTerm uint64
		granted             bool
	}{
		{nil, 0, 0, true},          // two empty logs
		{logOf(1), 0, 0, false},    // an empty log against one entry
		{logOf(1), 1, 1, true},     // the same last entry
		{logOf(1), 2, 1, true},     // the same last term, longer
		{logOf(1, 1), 1, 1, false}, // the same last term, shorter
		{logOf(2), 1, 1, false},    // an older last term
		{logOf(2), 2, 1, false},    // an older last term, however long
		{logOf(1, 1), 1, 2, true},  // a later last term, however short
	} {
		for _, preVote := range []bool{false, true} {
			n, out := followerWith(3, 2, tc.voter)
			if preVote {
				deliver(n, 2, PreVote{Term: 3, CandidateID: 2, LastLogIndex: tc.lastIndex, LastLogTerm: tc.lastTerm})
			} else {
				deliver(n, 2, RequestVote{Term: 3, CandidateID: 2, LastLogIndex: tc.lastIndex, LastLogTerm: tc.lastTerm})
			}
			var got bool
			switch reply := out.last().(type) {
			case RequestVoteResponse:
				got = reply.VoteGranted
			case PreVoteResponse:
				got = reply.Granted
			}
			if got != tc.granted {
				t.Errorf("pre-vote %t: the voter's log ends at %d/%d, the candidate's at %d/%d: granted %t, want %t",
					preVote, len(tc.voter), n.termAt(uint64(len(tc.voter))), tc.lastIndex, tc.lastTerm, got, tc.granted)
			}
		}
	}
}

// Figure 2, rules for followers: "If election timeout elapses without
// receiving AppendEntries RPC from current leader or granting vote to
// candidate: convert to candidate." So a heartbeat of the current leader,
// and a vote granted, restart the timeout; a vote refused, a stale
// heartbeat, and a message from anyone else do not, or a node that cannot
// win could keep the cluster from electing anyone.
func TestPaperWhatRestartsTheElectionTimeout(t *testing.T) {
	for _, tc := range []struct {
		name     string
		msg      RaftMessage
		restarts bool
	}{
		{"a heartbeat of the current leader", AppendEntries{Term: 2, LeaderID: 2}, true},
		{"a vote granted", RequestVote{Term: 3, CandidateID: 3, LastLogIndex: 5, LastLogTerm: 2}, true},
		{"a vote refused for a log behind", RequestVote{Term: 3, CandidateID: 3}, false},
		{"a stale heartbeat", AppendEntries{Term: 1, LeaderID: 3}, false},
		{"a stale RequestVote", RequestVote{Term: 1, CandidateID: 3, LastLogIndex: 5, LastLogTerm: 2}, false},
	} {
		for _, size := range withRivals {
			n, _ := inRole(t, Follower, size)
			n.log = logOf(2)
			resets := n.timerResets
			from := 3
			if heartbeat, ok := tc.msg.(AppendEntries); ok {
				from = heartbeat.LeaderID
			}
			deliver(n, from, tc.msg)
			if restarted := n.timerResets > resets; restarted != tc.restarts {
				t.Errorf("nodes=%d: %s restarted the follower's election timeout: %t; want %t", size, tc.name, restarted, tc.restarts)
			}
		}
	}
}

// Figure 2, rules for candidates: "On conversion to candidate, start
// election: increment currentTerm, vote for self, reset election timer,
// send RequestVote RPCs to all other servers"; and "If election timeout
// elapses: start new election". A follower that times out, a candidate
// whose election went nowhere, and a pre-candidate that won its pre-vote
// all do it whole; every peer gets the RequestVote, with the candidate's
// last log entry.
func TestPaperCandidateStartsAnElection(t *testing.T) {
	forEachRoleAndSize(t, []Role{Follower, Candidate, PreCandidate}, clusterSizes, func(t *testing.T, role Role, size int) {
		n, out := inRole(t, role, size)
		n.log = logOf(1, 2)
		resets := n.timerResets
		if role == PreCandidate {
			for voter := 2; n.role == PreCandidate; voter++ {
				deliver(n, voter, PreVoteResponse{Term: 3, Granted: true})
			}
		} else {
			n.electionTimedOut()
		}
		if n.role != Candidate && !(n.role == Leader && size == 1) || n.currentTerm != 3 || n.votedFor != 1 {
			t.Fatalf("a %s that stood is a %s of term %d with a vote for %d; want a candidate of term 3 that voted for itself",
				role, n.role, n.currentTerm, n.votedFor)
		}
		if n.timerResets == resets {
			t.Error("the candidate did not reset its election timer")
		}
		if !n.campaign.granted[1] || len(n.campaign.granted) != 1 {
			t.Errorf("the candidate's campaign counts %v; want its own vote alone", n.campaign.granted)
		}
		for peer, msg := range checkBroadcast(t, n, out, "RequestVote") {
			if rv := msg.(RequestVote); rv != (RequestVote{Term: 3, CandidateID: 1, LastLogIndex: 2, LastLogTerm: 2}) {
				t.Errorf("node %d got %+v; want the candidate's term 3 and its last entry 2/2", peer, rv)
			}
		}
	})
}

// §5.2: "A candidate wins an election if it receives votes from a majority
// of the servers in the full cluster for the same term." With one vote
// fewer than a majority (its own included) it is still a candidate; the
// next vote makes it leader. Two leaders cannot both gather a majority of
// an even cluster: half is not a majority.
func TestPaperMajorityOfTheFullCluster(t *testing.T) {
	for size := 1; size <= 6; size++ {
		majority := size/2 + 1
		n, _ := newLoneNode(1, size, persistentState{})
		n.electionTimedOut()
		for voter := 2; voter < majority+1; voter++ {
			if n.role != Candidate {
				t.Fatalf("nodes=%d: with %d of %d votes the node is %s", size, voter-1, size, n.role)
			}
			deliver(n, voter, RequestVoteResponse{Term: 1, VoteGranted: true})
		}
		if n.role != Leader {
			t.Errorf("nodes=%d: with %d of %d votes the node is %s, not leader", size, majority, size, n.role)
		}
		for count := 0; count <= size; count++ {
			if got, want := isMajority(count, size), 2*count > size; got != want {
				t.Errorf("isMajority(%d, %d) = %t", count, size, got)
			}
		}
	}
}

// §5.2: "While waiting for votes, a candidate may receive an AppendEntries
// RPC from another server claiming to be leader. If the leader's term ...
// is at least as large as the candidate's current term, then the
// candidate recognizes the leader as legitimate and returns to follower
// state." A pre-candidate, too, has its answer. Either way the node
// follows that leader, and takes its entries.
func TestPaperCandidateRecognizesTheLeader(t *testing.T) {
	forEachRoleAndSize(t, []Role{Candidate, PreCandidate}, withRivals, func(t *testing.T, role Role, size int) {
		n, out := inRole(t, role, size)
		deliver(n, 3, AppendEntries{Term: 2, LeaderID: 3, Entries: []Entry{{Index: 1, Term: 2}}})
		if n.role != Follower || n.currentTerm != 2 || n.leaderID != 3 {
			t.Fatalf("the %s is a %s of term %d following %d; want node 3's follower in term 2", role, n.role, n.currentTerm, n.leaderID)
		}
		if reply := out.last().(AppendEntriesResponse); !reply.Success || reply.MatchIndex != 1 {
			t.Errorf("the leader's entries got %v", reply)
		}
	})
}

// A node that leaves a role for a new term has no leader yet: it learns
// the new one from its first heartbeat (§5.2). A node that went on
// believing in the last term's leader would, with PreVote, refuse every
// pre-vote as though that leader lived (dissertation §9.6), and the
// cluster could elect nobody.
func TestPaperANewTermHasNoLeaderYet(t *testing.T) {
	forEachRoleAndSize(t, []Role{Follower, Leader}, withRivals, func(t *testing.T, role Role, size int) {
		n, _ := inRole(t, role, size)
		deliver(n, 3, RequestVoteResponse{Term: 3})
		if n.leaderID != 0 {
			t.Errorf("a %s of term 2, moved to term 3, still follows node %d", role, n.leaderID)
		}
	})
}

// Figure 2, rules for leaders: "Upon election: send initial empty
// AppendEntries RPCs (heartbeat) to each server; repeat during idle
// periods to prevent election timeouts (§5.2)." Every peer gets each
// round, with the leader's commitIndex (§5.3: "including heartbeats").
func TestPaperLeaderHeartbeatsEveryPeer(t *testing.T) {
	for _, size := range clusterSizes {
		n, out := inRole(t, Leader, size)
		for round := range 2 {
			n.sendHeartbeats()
			for peer, msg := range checkBroadcast(t, n, out, "AppendEntries") {
				if ae := msg.(AppendEntries); ae.Term != 2 || ae.LeaderID != 1 || ae.LeaderCommit != n.commitIndex {
					t.Errorf("nodes=%d, round %d: node %d got %+v", size, round, peer, ae)
				}
			}
			out.sent = nil
		}
	}
}

// Figure 2, rules for leaders: "If command received from client: append
// entry to local log, respond after entry applied to state machine
// (§5.3)", and §5.3: the leader "issues AppendEntries RPCs in parallel to
// each of the other servers to replicate the entry": at once, not at the
// next heartbeat. Any other role refuses the client, who asks the leader.
func TestPaperLeaderTakesAClientsCommand(t *testing.T) {
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
func TestPaperSteppingDownAnswersWaitingClients(t *testing.T) {
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
func TestPaperMatchIndexNeverGoesBack(t *testing.T) {
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

// Figure 2, rules for leaders: "If AppendEntries fails because of log
// inconsistency: decrement nextIndex and retry (§5.3)." Never below what
// the follower is known to hold: a late refusal, from before the follower
// was repaired, must not send the leader back over entries it holds.
func TestPaperBackingUpStopsAtMatchIndex(t *testing.T) {
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
func TestPaperCommitNeedsAMajority(t *testing.T) {
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

// Figure 2, AppendEntries RPC, receiver rule 2: "Reply false if log
// doesn't contain an entry at prevLogIndex whose term matches
// prevLogTerm." At the log's end and one past it; with the term and
// without.
func TestPaperConsistencyCheck(t *testing.T) {
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

// Figure 2, AppendEntries RPC, receiver rule 5: "If leaderCommit >
// commitIndex, set commitIndex = min(leaderCommit, index of last new
// entry)." The last new entry is the last the message vouches for, not
// the last of the log: a follower with a stale tail from an older term
// commits only as far as the leader's message matched it.
func TestPaperFollowerCommitsOnlyWhatTheMessageVouchesFor(t *testing.T) {
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
