// transfer.go is leadership transfer, the dissertation's §3.10: a leader
// hands its leadership over to another server, so that it can be taken
// down for maintenance with no election timeout to wait out, or so that a
// better placed server leads. The dissertation's steps:
//
//  1. "The prior leader stops accepting new client requests."
//  2. "The prior leader fully updates the target server's log to match its
//     own, using the normal log replication mechanism."
//  3. "The prior leader sends a TimeoutNow request to the target server.
//     This request has the same effect as the target server's election
//     timer firing: the target server starts a new election (incrementing
//     its term and becoming a candidate)."
//
// The target's log is then at least as up to date as any other's, and its
// term is the newest, so it wins; the prior leader steps down on its first
// message (§5.1). If the target has not caught up within an election
// timeout, the leader gives the transfer up and takes client requests
// again, as §3.10 has it. The operator asks for a transfer with a
// TransferLeadership message (Cluster.Transfer).

package main

import "slices"

// transferState is what a leader keeps of a transfer under way: the node
// it hands over to, and the heartbeat rounds left before it gives up. Only
// the node's goroutine touches it; changeRole drops it with the rest of the
// leader's state.
type transferState struct {
	target int // 0: no transfer under way
	rounds int // heartbeat rounds left: an election timeout's worth, at the start
}

// handleTransfer begins handing leadership over to target, as the
// operator asks. Only a leader hands over; a node that does not lead, or a
// target that is itself or no peer, leaves nothing to do.
func (n *node) handleTransfer(target int) {
	if n.role != Leader || !slices.Contains(n.peers, target) {
		return
	}
	// §3.10, step 1: "The prior leader stops accepting new client
	// requests" (refusesClients), for an election timeout at most.
	n.transfer = transferState{target: target, rounds: int(n.timeoutMax/n.heartbeatInterval) + 1}
	n.report(Event{Kind: EventTransfer, To: target, Cause: Cause{Rule: RuleTransferBegun, Peer: target}})
	n.continueTransfer(target)
}

// continueTransfer takes the transfer a step on, after the target has
// answered an AppendEntries: §3.10, step 2, "fully updates the target
// server's log to match its own, using the normal log replication
// mechanism", then step 3, once its matchIndex is the leader's last entry,
// sends it TimeoutNow, and again at each answer until the target takes
// over, so that a TimeoutNow the network loses is sent again.
func (n *node) continueTransfer(peer int) {
	if n.role != Leader || n.transfer.target != peer {
		return
	}
	last, _ := n.lastLogEntry()
	if n.matchIndex[peer] < last {
		if !n.sending[peer] {
			n.sendAppendEntries(peer)
		}
		return
	}
	n.send(peer, TimeoutNow{Term: n.currentTerm})
}

// countDownTransfer gives the transfer up once an election timeout has
// passed without the target taking over: §3.10, "if the transfer does not
// complete within [an election timeout], the prior leader aborts the
// transfer and resumes accepting client requests". It runs at each
// heartbeat round.
func (n *node) countDownTransfer() {
	if n.transfer.target == 0 {
		return
	}
	if n.transfer.rounds--; n.transfer.rounds > 0 {
		return
	}
	target := n.transfer.target
	n.transfer = transferState{}
	n.report(Event{Kind: EventTransfer, To: target, Cause: Cause{Rule: RuleTransferAborted, Peer: target, Timeout: n.timeoutMax}})
}

// refusesClients reports whether the leader refuses client requests, as it
// does while it hands over (§3.10, step 1), and refuses m if so: the
// client asks again, and finds the new leader.
func (n *node) refusesClients(m ClientRequest) bool {
	if n.transfer.target == 0 {
		return false
	}
	m.Reply <- ClientReply{Leader: n.transfer.target}
	return true
}

// handleTimeoutNow is the target's side: §3.10, step 3, "the same effect
// as the target server's election timer firing". It stands at once,
// without a pre-vote (its leader asked for the election, so no healthy
// leader is disrupted), and its RequestVotes say so, for leader
// stickiness to let them through (RequestVote.Transfer). A TimeoutNow of an
// older term, or to a node that does not follow, is stale, and ignored.
func (n *node) handleTimeoutNow(from int, m TimeoutNow) {
	if n.role != Follower || m.Term != n.currentTerm || from != n.leaderID {
		return
	}
	n.becomeCandidate(Cause{Rule: RuleTimeoutNow, Peer: from})
}
