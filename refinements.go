// refinements.go holds the election's refinements from Ongaro's
// dissertation (https://github.com/ongardie/dissertation), which
// production Raft libraries such as etcd-io/raft add to Figure 2: PreVote
// (dissertation §9.6), CheckQuorum (§6.2) and leader stickiness (§4.2.3).
// Each is off unless Config asks for it, and node.go reaches them through
// hooks named for what they do: becomePreCandidate from electionTimedOut;
// sticksToLeader, asksAboutTerm, handlePreVote and handlePreVoteResponse
// from handle; noteAnswer for a heartbeat's reply; the quorum check from
// runLeader. Their state (refinements, below) is the node's, and node.go
// keeps it where a transition touches it.

package main

import "time"

// refinements is a node's switches for the refinements and the volatile
// state they keep. Like the rest of the node, its goroutine owns it.
type refinements struct {
	preVote     bool // §9.6: ask for pre-votes before standing
	checkQuorum bool // §6.2 and §4.2.3: leaders need a live majority; followers stick to live leaders

	heardFromLeader time.Duration // protocol time of the last heartbeat from currentTerm's leader
	quorumTimer     timer         // a leader's, with checkQuorum: the next quorum check
	heardSinceCheck map[int]bool  // a leader's, with checkQuorum: peers that answered since the last check
}

// becomePreCandidate starts a pre-vote: the node asks every peer whether it
// would vote for it in the next term, without entering that term, so that
// a node that cannot win, such as one cut off from the cluster, never
// raises its term and cannot disrupt a healthy leader when it returns
// (dissertation §9.6). Only a majority of yeses makes it a candidate. A
// candidate whose election timed out asks again the same way. Its own yes
// is counted in the campaign, and told by no event: a pre-vote changes
// nothing that must be remembered; the role change is told by changeRole
// (RuleTimedOut, with the election timeout).
//
//lab:refinements dissertation §9.6: ask for pre-votes before standing
func (n *node) becomePreCandidate() {
	n.mustBe("become a pre-candidate", Follower, PreCandidate, Candidate)
	n.leaderID = 0
	n.changeRole(PreCandidate, Cause{Rule: RuleTimedOut, Timeout: n.electionTimeout})
	n.campaign = &campaign{term: n.currentTerm + 1, granted: map[int]bool{n.id: true}}
	n.resetElectionTimer(Cause{Rule: RuleCampaigned})
	lastLogIndex, lastLogTerm := n.lastLogEntry()
	for _, peer := range n.peers {
		n.send(peer, PreVote{Term: n.campaign.term, CandidateID: n.id,
			LastLogIndex: lastLogIndex, LastLogTerm: lastLogTerm})
	}
	if n.wonElection() { // a cluster of one needs nobody's answer
		n.becomeCandidate(n.preVoteWon())
	}
}

// preVoteWon is the cause of a won pre-vote: who would vote, of how many.
func (n *node) preVoteWon() Cause {
	return Cause{Rule: RuleWonPreVote, Count: len(n.campaign.granted), Of: n.clusterSize, Term: n.campaign.term}
}

// asksAboutTerm reports whether msg carries a term without making its
// receiver enter it, an exception to the term rule of §5.1. A PreVote
// carries the term its sender would stand in; a granted PreVoteResponse
// echoes it. Entering either term would be the disruption PreVote exists
// to prevent. A refused PreVoteResponse carries the refuser's own term,
// and that one the asker does take.
//
//lab:refinements dissertation §9.6: a PreVote asks about a term without entering it
func asksAboutTerm(msg RaftMessage) bool {
	switch m := msg.(type) {
	case PreVote:
		return true
	case PreVoteResponse:
		return m.Granted
	}
	return false
}

// handlePreVote answers whether this node would vote for the sender in the
// term it asks about, changing nothing here: not its term, not its vote,
// not its timer (dissertation §9.6).
func (n *node) handlePreVote(from int, m PreVote) {
	granted, rule := n.decidePreVote(m)
	n.report(Event{Kind: EventPreVote, Candidate: m.CandidateID, Granted: granted, Leader: n.leaderID,
		Cause: Cause{Rule: rule, Peer: m.CandidateID, Term: m.Term, LastLogIndex: m.LastLogIndex, LastLogTerm: m.LastLogTerm}})
	reply := PreVoteResponse{Term: m.Term, Granted: true}
	if !granted {
		reply = PreVoteResponse{Term: n.currentTerm, Granted: false}
	}
	n.send(from, reply)
}

// decidePreVote decides a pre-vote and returns the rule that decided. The
// node would vote, as for a RequestVote, unless the term is stale or its
// vote in that term is taken, and, as §9.6 adds, unless it has heard from
// a live leader within the minimum election timeout.
//
//lab:refinements dissertation §9.6: would this node vote for the sender?
func (n *node) decidePreVote(m PreVote) (granted bool, rule *Rule) {
	switch {
	case m.Term < n.currentTerm:
		return false, RuleStaleTerm
	case m.Term == n.currentTerm && n.votedFor != 0 && n.votedFor != m.CandidateID:
		return false, RuleAlreadyVoted
	case n.leaderIsLive():
		return false, RuleLeaderIsLive
	case !n.candidateLogUpToDate(m.LastLogIndex, m.LastLogTerm):
		return false, RuleLogBehind
	}
	return true, RuleWouldVote
}

// handlePreVoteResponse counts a pre-vote for the pre-vote under way. A
// refusal needs nothing more: one from a newer term has already made this
// node a follower (the term rule), and any other leaves it waiting for
// its timer.
//
//lab:refinements dissertation §9.6: a majority of pre-votes makes a candidate
func (n *node) handlePreVoteResponse(from int, m PreVoteResponse) {
	if n.role != PreCandidate || !m.Granted || m.Term != n.campaign.term {
		return
	}
	n.campaign.granted[from] = true
	if n.wonElection() { // a majority would vote for it in the term it asks about
		n.becomeCandidate(n.preVoteWon())
	}
}

// leaderIsLive reports whether this node has heard from a live leader of
// its term within the minimum election timeout, or is that leader: then no
// election is needed.
//
//lab:refinements dissertation §9.6 and §4.2.3: a leader heard within the minimum election timeout
func (n *node) leaderIsLive() bool {
	if n.role == Leader {
		return true
	}
	return n.leaderID != 0 && n.clock.now()-n.heardFromLeader < n.timeoutMin
}

// sticksToLeader is leader stickiness (dissertation §4.2.3), part of
// CheckQuorum: a node that has heard from a live leader within the minimum
// election timeout ignores a RequestVote or PreVote for a newer term. It
// updates neither its term nor its vote and sends no reply, so a node that
// was cut off cannot depose a leader the rest of the cluster still follows.
// It reports whether it ignored env.
func (n *node) sticksToLeader(env Envelope) bool {
	if !n.checkQuorum || env.Msg.term() <= n.currentTerm || !n.leaderIsLive() {
		return false
	}
	// §4.2.3: a RequestVote that follows a leadership transfer is not
	// disregarded: the leader itself asked for the election (transfer.go).
	if m, ok := env.Msg.(RequestVote); ok && m.Transfer {
		return false
	}
	var kind EventKind
	var candidate int
	switch m := env.Msg.(type) {
	case RequestVote:
		kind, candidate = EventVote, m.CandidateID
	case PreVote:
		kind, candidate = EventPreVote, m.CandidateID
	default:
		return false
	}
	n.report(Event{Kind: kind, Candidate: candidate, Leader: n.leaderID,
		Cause: Cause{Rule: RuleLeaderSticky, Peer: candidate, Term: env.Msg.term(), Msg: env.Msg}})
	return true
}

// startQuorumCheck arms a new leader's first quorum check, one minimum
// election timeout away, and returns the channel it fires on and a way to
// stop it. Without CheckQuorum the channel is nil, which switches off its
// case in runLeader's select.
func (n *node) startQuorumCheck() (<-chan time.Time, func()) {
	if !n.checkQuorum {
		return nil, func() {}
	}
	n.quorumTimer = n.clock.newTimer(n.id, "quorum check", n.timeoutMin)
	return n.quorumTimer.fired(), func() { n.quorumTimer.Stop() }
}

// noteAnswer is CheckQuorum's tally: a leader notes each peer that answers
// a heartbeat of its term.
//
//lab:refinements dissertation §6.2: a leader notes each peer that answers it
func (n *node) noteAnswer(from int, m AppendEntriesResponse) {
	if n.role != Leader || !n.checkQuorum || m.Term != n.currentTerm {
		return
	}
	if n.heardSinceCheck == nil {
		n.heardSinceCheck = map[int]bool{}
	}
	n.heardSinceCheck[from] = true
}

// checkMajorityHeard is CheckQuorum (dissertation §6.2): a leader that has
// not heard from a majority of the cluster within an election timeout steps
// down. Cut off in a minority, it would otherwise go on believing it leads,
// while the majority elects another leader.
//
//lab:refinements dissertation §6.2: CheckQuorum, a leader without a live majority steps down
func (n *node) checkMajorityHeard() {
	heard := len(n.heardSinceCheck) + 1 // the leader hears itself
	if !isMajority(heard, n.clusterSize) {
		n.becomeFollower(n.currentTerm, Cause{Rule: RuleLostQuorum, Count: heard, Of: n.clusterSize, Timeout: n.timeoutMin})
		return
	}
	n.heardSinceCheck = nil
	n.quorumTimer.Reset(n.timeoutMin)
}
