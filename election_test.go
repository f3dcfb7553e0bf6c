// election_test.go checks leader election against the paper, §5.1 and
// §5.2 with the vote's log check of §5.4.1, in the manner of etcd-io/raft's
// raft_paper_test.go: one test per sentence, quoted above it, that drives
// one node by hand in every role the sentence applies to, in clusters of
// odd and even size (harness_test.go). A majority written >= looks right
// at 3 and 5, and wrong at 2, 4 and 6. Then the same rules at work in
// whole clusters: the four classic stories (a normal election, a
// re-election after a crash, a split vote, a stale leader after a heal),
// and a majority of the whole cluster.

package main

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// Figure 2, rules for all servers: "If RPC request or response contains
// term T > currentTerm: set currentTerm = T, convert to follower (§5.1)."
// §5.1: "If a candidate or leader discovers that its term is out of date,
// it immediately reverts to follower state." Every role, every message
// that carries a term it enters (a PreVote and a granted PreVoteResponse
// ask about a term without entering it: TestPreVoteNeverMovesTerms). The
// new term starts with no vote cast and no leader known, and a node that
// was not a follower starts an election timeout, to stand again if no
// leader comes.
func TestNewerTermMakesAFollower(t *testing.T) {
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
				resets := n.timerResets
				deliver(n, 3, msg)
				if role != Follower && n.timerResets == resets {
					t.Errorf("a %s that stepped down started no election timeout: if no leader comes, it never stands again", role)
				}
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
func TestStaleRequestIsRefused(t *testing.T) {
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
func TestOneVotePerTerm(t *testing.T) {
	forEachRoleAndSize(t, everyRole, withRivals, func(t *testing.T, role Role, size int) {
		n, out := inRole(t, role, size)
		first, second := size-1, size // two rivals, asking in turn
		ask := func(candidate int) bool {
			deliver(n, candidate, RequestVote{Term: 2, CandidateID: candidate, LastLogIndex: 9, LastLogTerm: 2})
			return lastSent[RequestVoteResponse](t, out).VoteGranted
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
func TestVoteOnlyForAnUpToDateLog(t *testing.T) {
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
func TestWhatRestartsTheElectionTimeout(t *testing.T) {
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

// A follower whose process was stalled wakes with its leader's heartbeat
// waiting and its election timer fired: it takes the heartbeat and does not
// stand (§5.2: it had communication). Before, select chose at random, and
// half these followers stood against a live leader.
func TestStalledFollowerTakesWaitingHeartbeat(t *testing.T) {
	for i := range 20 {
		synctest.Test(t, func(t *testing.T) {
			n, _ := newLoneNode(1, 3, persistentState{})
			engine := n.clock.(*clock)
			engine.start()
			defer engine.stop()
			inbox, done := make(chan Envelope, 1), make(chan struct{})
			n.inbox, n.done = inbox, done
			time.Sleep(n.electionTimeout) // the timer fires; the node's goroutine is not running yet
			inbox <- Envelope{From: 2, To: 1, Msg: AppendEntries{Term: 1, LeaderID: 2}}
			stopped := make(chan struct{})
			go func() { n.runWithElectionTimer(Follower); close(stopped) }()
			synctest.Wait()
			close(done)
			<-stopped
			if n.role != Follower || n.currentTerm != 1 || n.leaderID != 2 {
				t.Fatalf("try %d: the follower is a %s in term %d, following %d; want node 2's follower in term 1",
					i, n.role, n.currentTerm, n.leaderID)
			}
		})
	}
}

// Figure 2, rules for candidates: "On conversion to candidate, start
// election: increment currentTerm, vote for self, reset election timer,
// send RequestVote RPCs to all other servers"; and "If election timeout
// elapses: start new election". A follower that times out, a candidate
// whose election went nowhere, and a pre-candidate that won its pre-vote
// all do it whole; every peer gets the RequestVote, with the candidate's
// last log entry.
func TestCandidateStartsAnElection(t *testing.T) {
	forEachRoleAndSize(t, []Role{Follower, Candidate, PreCandidate}, clusterSizes, func(t *testing.T, role Role, size int) {
		n, out := inRole(t, role, size)
		n.log = logOf(1, 2)
		resets := n.timerResets
		if role == PreCandidate {
			for voter := 2; voter <= size && n.role == PreCandidate; voter++ {
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

// §5.2: a candidate wins with votes from a majority "for the same term". A grant from
// an older term answers an election the candidate has given up; counting it
// could make a leader that no majority chose in its own term.
func TestStaleVoteResponseIsNotCounted(t *testing.T) {
	n, _ := newLoneNode(1, 5, persistentState{})
	n.electionTimedOut() // stands in term 1; nobody answers
	n.electionTimedOut() // stands again, in term 2
	if n.role != Candidate || n.currentTerm != 2 {
		t.Fatalf("node 1 timed out twice and is a %s of term %d; want a candidate of term 2", n.role, n.currentTerm)
	}
	deliver(n, 2, RequestVoteResponse{Term: 1, VoteGranted: true})
	deliver(n, 3, RequestVoteResponse{Term: 1, VoteGranted: true})
	if n.role != Candidate {
		t.Fatalf("after two grants from term 1, node 1 is %s in term 2; they must not count", n.role)
	}
	if len(n.campaign.granted) != 1 {
		t.Fatalf("after two grants from term 1, node 1 counts %d votes in term 2; they must not count", len(n.campaign.granted))
	}
	deliver(n, 2, RequestVoteResponse{Term: 2, VoteGranted: true})
	deliver(n, 3, RequestVoteResponse{Term: 2, VoteGranted: true})
	if n.role != Leader {
		t.Fatalf("with 3 of 5 votes in term 2, node 1 is %s, not leader", n.role)
	}
}

// §5.2: "A candidate wins an election if it receives votes from a majority
// of the servers in the full cluster for the same term." With one vote
// fewer than a majority (its own included) it is still a candidate; the
// next vote makes it leader. Two leaders cannot both gather a majority of
// an even cluster: half is not a majority.
func TestMajorityOfTheFullCluster(t *testing.T) {
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
func TestCandidateRecognizesTheLeader(t *testing.T) {
	forEachRoleAndSize(t, []Role{Candidate, PreCandidate}, withRivals, func(t *testing.T, role Role, size int) {
		n, out := inRole(t, role, size)
		deliver(n, 3, AppendEntries{Term: 2, LeaderID: 3, Entries: []Entry{{Index: 1, Term: 2}}})
		if n.role != Follower || n.currentTerm != 2 || n.leaderID != 3 {
			t.Fatalf("the %s is a %s of term %d following %d; want node 3's follower in term 2", role, n.role, n.currentTerm, n.leaderID)
		}
		if reply := lastSent[AppendEntriesResponse](t, out); !reply.Success || reply.MatchIndex != 1 {
			t.Errorf("the leader's entries got %v", reply)
		}
	})
}

// A node that leaves a role for a new term has no leader yet: it learns
// the new one from its first heartbeat (§5.2). A node that went on
// believing in the last term's leader would, with PreVote, refuse every
// pre-vote as though that leader lived (dissertation §9.6), and the
// cluster could elect nobody.
func TestANewTermHasNoLeaderYet(t *testing.T) {
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
func TestLeaderHeartbeatsEveryPeer(t *testing.T) {
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

// (a) Normal election. §5.2: from a cold start, the first node to time out
// asks for votes and, with no latency, gets them all before any other node
// times out. It becomes the one leader, within the longest timeout (300 ms);
// its first heartbeats make every other node its follower, and the next
// ones keep them from standing, so the term holds.
func TestNormalElection(t *testing.T) {
	forEachCluster(t, []int{2, 3, 4, 5, 6}, 8, func(t *testing.T, cfg Config) {
		c, events := startLoggedCluster(t, cfg)
		leader, term := awaitLeader(t, c, 0, 500*time.Millisecond)
		synctest.Wait() // the first heartbeats have arrived
		followers := events.matching(func(ev Event) bool {
			return ev.Kind == EventFollow && ev.Leader == leader && ev.Term == term
		})
		if len(followers) != cfg.Nodes-1 {
			t.Errorf("%d of %d nodes recognized node %d as leader of term %d", len(followers), cfg.Nodes-1, leader, term)
		}

		time.Sleep(2 * time.Second)
		if got := liveLeaders(c); len(got) != 1 || got[0].ID != leader || got[0].Term != term {
			t.Fatalf("two seconds after node %d won term %d, the leaders are %+v", leader, term, got)
		}
		for _, st := range c.Status() {
			if st.Term != term {
				t.Errorf("node %d is in term %d; with a healthy leader every node stays in term %d", st.ID, st.Term, term)
			}
		}
	})
}

// (b) Re-election. §5.2: when the leader crashes, its heartbeats stop, a
// survivor times out and, since the survivors are a majority of the whole
// cluster, wins a higher term. The old leader restarts as a follower and
// takes the newer term from the first heartbeat it hears (§5.1), without
// disturbing the new leader.
func TestReelectionAfterLeaderCrash(t *testing.T) {
	forEachCluster(t, []int{3, 4, 5, 6}, 10, func(t *testing.T, cfg Config) {
		c := startCluster(t, cfg)
		old, term := awaitLeader(t, c, 0, 500*time.Millisecond)
		time.Sleep(time.Second)

		if err := c.Crash(old); err != nil {
			t.Fatal(err)
		}
		leader, newTerm := awaitLeader(t, c, term, time.Second)
		if leader == old {
			t.Fatalf("crashed node %d still leads", old)
		}

		if err := c.Restart(old); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cfg.HeartbeatInterval+time.Millisecond, "the old leader taking the new term", func() bool {
			st := c.Status()[old-1]
			return st.Alive && st.Role == Follower && st.Term == newTerm
		})
		time.Sleep(time.Second)
		if id, term, _ := c.Leader(); id != leader || term != newTerm {
			t.Fatalf("after node %d rejoined, the leader is node %d of term %d, not node %d of term %d",
				old, id, term, leader, newTerm)
		}
	})
}

// (c) Split vote. §5.2: if several followers become candidates at once,
// each votes for itself and "votes could be split so that no candidate
// obtains a majority"; the term ends without a leader. Equal scripted first
// timeouts, plus latency that holds every RequestVote back until all timers
// have fired, make every node stand in term 1. Randomized timeouts then let
// one node stand first and win a later term.
func TestSplitVote(t *testing.T) {
	forEachCluster(t, []int{2, 3, 4, 5, 6}, 8, func(t *testing.T, cfg Config) {
		splitVoteConfig(&cfg)
		c, events := startLoggedCluster(t, cfg)
		_, term := awaitLeader(t, c, 1, 3*time.Second)

		stood := events.matching(func(ev Event) bool {
			return ev.Kind == EventRole && ev.Role == Candidate && ev.Term == 1
		})
		if len(stood) != cfg.Nodes {
			t.Errorf("%d of %d nodes stood in term 1; the scripted timeouts make all of them stand", len(stood), cfg.Nodes)
		}
		for _, ev := range stood {
			if ev.At != cfg.ElectionTimeoutMin {
				t.Errorf("node %d stood at %s, not at its scripted first timeout %s", ev.Node, ev.At, cfg.ElectionTimeoutMin)
			}
		}
		if won := events.matching(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Leader && ev.Term == 1 }); len(won) > 0 {
			t.Errorf("node %d won term 1, but every node kept its vote for itself", won[0].Node)
		}
		if term < 2 {
			t.Errorf("the leader is of term %d; term 1 had no winner", term)
		}
	})
}

// (d) Stale leader. §5.1 and §5.2: a leader cut off in a minority cannot
// win the heartbeats' replies it needs, but nothing tells it so; it goes on
// believing it leads its old term. The majority elects a new leader in a
// higher term. When the partition heals, the first message between the two
// carries the higher term, and the old leader steps down.
func TestStaleLeaderStepsDownAfterHeal(t *testing.T) {
	forEachCluster(t, []int{3, 4, 5, 6}, 10, func(t *testing.T, cfg Config) {
		c, events := startLoggedCluster(t, cfg)
		old, term := awaitLeader(t, c, 0, 500*time.Millisecond)

		minority, majority := splitAround(old, cfg.Nodes)
		if err := c.Partition(minority, majority); err != nil {
			t.Fatal(err)
		}
		leader, newTerm := awaitLeader(t, c, term, 2*time.Second)
		if !slices.Contains(majority, leader) {
			t.Fatalf("node %d of the minority %v won term %d", leader, minority, newTerm)
		}
		time.Sleep(500 * time.Millisecond)
		if st := c.Status()[old-1]; st.Role != Leader || st.Term != term {
			t.Fatalf("node %d is %s in term %d; cut off, it still believes it leads term %d", old, st.Role, st.Term, term)
		}
		partitionedAt := events.matching(func(ev Event) bool { return ev.Kind == EventPartition })[0].At
		heartbeatsAcross := func(kind EventKind) int {
			return len(events.matching(func(ev Event) bool {
				_, heartbeat := ev.Msg.(AppendEntries)
				return heartbeat && ev.Kind == kind && ev.At > partitionedAt &&
					ev.From == old && slices.Contains(majority, ev.To)
			}))
		}
		if sent, delivered := heartbeatsAcross(EventSend), heartbeatsAcross(EventRecv); sent == 0 || delivered != 0 {
			t.Fatalf("the stale leader sent %d heartbeats to the majority and %d arrived; it keeps sending, none arrive",
				sent, delivered)
		}

		if err := c.Heal(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cfg.HeartbeatInterval+time.Millisecond, "the stale leader stepping down", func() bool {
			st := c.Status()[old-1]
			return st.Role == Follower && st.Term == newTerm
		})
		if got := liveLeaders(c); len(got) != 1 || got[0].ID != leader {
			t.Fatalf("after the heal the leaders are %+v; only node %d of term %d should lead", got, leader, newTerm)
		}
	})
}

// §5.2: a candidate needs votes from a majority of the whole cluster, not of
// the nodes that are up. With 3 of 5 nodes down, the 2 survivors stand
// again and again, in ever higher terms, and never win; once a third node
// returns, they are a majority and elect a leader.
func TestWholeClusterMajorityRequired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := clusterConfig(5, 1)
		c := startCluster(t, cfg)
		leader, _ := awaitLeader(t, c, 0, 500*time.Millisecond)
		down := []int{leader, leader%5 + 1, (leader+1)%5 + 1}
		for _, id := range down {
			if err := c.Crash(id); err != nil {
				t.Fatal(err)
			}
		}
		termAtCrash := c.Status()[down[2]%5].Term

		time.Sleep(5 * time.Second)
		if got := liveLeaders(c); len(got) != 0 {
			t.Fatalf("with 2 of 5 nodes up, %+v leads", got)
		}
		if st := c.Status()[down[2]%5]; st.Term < termAtCrash+3 {
			t.Errorf("a survivor reached only term %d from %d in 5 s; it should keep standing", st.Term, termAtCrash)
		}

		if err := c.Restart(down[0]); err != nil {
			t.Fatal(err)
		}
		awaitLeader(t, c, termAtCrash, 2*time.Second)
	})
}
