// reads.go is how a leader answers a read without writing to its log: the
// dissertation's ReadIndex (§6.4), which the paper's §8 sketches. A leader
// may not simply answer from its own state machine: cut off from the
// majority, it may have been deposed without knowing it, while a newer
// leader commits writes it has never seen. So it answers a read only once
//
//  1. an entry of its own term is committed (its no-op, §8): before that it
//     may not yet know which entries its predecessors committed;
//  2. a majority of the cluster has answered a round of its heartbeats sent
//     after the read arrived, so no newer leader had been elected when it
//     did (a majority that still took this node for leader shares no voter
//     with a majority that elected another);
//  3. its state machine has applied every entry committed when the read
//     arrived. Here applying is part of committing (advanceCommitIndex), so
//     a leader's state machine is always at its commitIndex.
//
// Reads that arrive together wait for one round (§6.4: the heartbeats
// "can be batched"): a new round starts only once a majority has answered
// the last one, periodic heartbeats included. And a follower still
// answering an older round gets the new one when it answers, not before,
// so that a leader serving reads as fast as its quickest follower answers
// does not bury a slower one in heartbeats. Read after replication.go, whose AppendEntries carry the
// rounds; the state is declared in node.go and belongs to its goroutine.

package main

// pendingRead is a read a leader has taken and not yet answered.
type pendingRead struct {
	request ClientRequest
	// round is the first round of heartbeats sent after the read arrived:
	// a majority must answer it, or a later one, for the read's step 2.
	round uint64
}

// handleRead takes a client's read, as the leader of currentTerm, and
// answers it as soon as the three conditions above hold, perhaps at once.
func (n *node) handleRead(m ClientRequest) {
	if n.breaks(BreakStaleRead) { // -break stale-read: answer from its own state, whatever it knows
		n.answerRead(m, Cause{Rule: RuleStaleRead})
		return
	}
	n.reads = append(n.reads, pendingRead{request: m, round: n.round + 1})
	n.serveReads()
}

// noteRound takes the round a follower's reply answers: that follower
// took this node for leader of currentTerm when the round went out, and a
// refusal of the entries says so as much as a success. Any read it
// confirms is answered.
func (n *node) noteRound(from int, m AppendEntriesResponse) {
	if n.role != Leader || m.Term != n.currentTerm {
		return
	}
	n.heardRound[from] = max(n.heardRound[from], m.Round)
	if n.heardRound[from] >= n.roundSent[from] && n.roundSent[from] < n.round {
		n.sendAppendEntries(from) // the round it missed while it answered an older one
	}
	n.serveReads()
}

// serveReads answers, in the order they came, the reads that the
// conditions above allow, and starts the round that the next read waits
// for, if it is not sent yet and no round is in flight.
func (n *node) serveReads() {
	if n.role != Leader {
		return
	}
	if n.termAt(n.commitIndex) == n.currentTerm { // condition 1: this leader's own no-op is committed
		served := 0
		for _, read := range n.reads {
			heard := n.heardSince(read.round)
			if !isMajority(heard, n.clusterSize) {
				break // condition 2: reads that came later wait for this round or a later one
			}
			n.answerRead(read.request, Cause{Rule: RuleLeadershipConfirmed, Count: heard, Of: n.clusterSize})
			served++
		}
		n.reads = n.reads[served:]
	}
	if len(n.reads) > 0 && n.reads[0].round > n.round && n.roundConfirmed(n.round) {
		n.startRound()
	}
}

// startRound sends a new round of heartbeats, for the reads that wait, to
// every peer that has answered every round sent it, and reports how many
// it went to.
func (n *node) startRound() {
	n.round++
	var sentTo []int
	for _, peer := range n.peers {
		if n.heardRound[peer] >= n.roundSent[peer] {
			sentTo = append(sentTo, peer)
		}
	}
	n.report(Event{Kind: EventHeartbeat, Cause: Cause{Rule: RuleReadRound, Count: len(sentTo), Of: len(n.peers)}})
	for _, peer := range sentTo {
		n.sendAppendEntries(peer)
	}
}

// roundConfirmed reports whether a majority of the cluster has answered
// round, or a later one.
func (n *node) roundConfirmed(round uint64) bool {
	return isMajority(n.heardSince(round), n.clusterSize)
}

// heardSince counts the nodes that have answered round or a later one:
// the leader, which sent it, and every peer whose reply named it.
func (n *node) heardSince(round uint64) int {
	count := 1
	for _, heard := range n.heardRound {
		if heard >= round {
			count++
		}
	}
	return count
}

// answerRead answers a read from the state machine as it is, and reports
// it with the index the state stands at.
func (n *node) answerRead(m ClientRequest, cause Cause) {
	result, found := n.store.query(m.Command)
	n.report(Event{Kind: EventRead, Index: n.lastApplied, EntryTerm: n.termAt(n.lastApplied), Command: m.Command, Reason: result, Cause: cause})
	m.Reply <- ClientReply{Accepted: true, Index: n.lastApplied, Term: n.currentTerm, Result: result, Found: found}
}
