// node.go is one Raft server: the election rules of the paper's Figure 2.
// Each node runs on a goroutine of its own (run), which alone reads and
// writes the node's state. It hears the world through its inbox and its
// election timer, speaks through the network (cluster.go), and reports every
// change it makes as an Event (events.go). Read it top to bottom: the state,
// the loop for each role, the transitions between roles, then the handlers
// of the messages (messages.go).
package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Role is what a node does in its current term. §5.1: "At any given time
// each server is in one of three states: leader, follower, or candidate."
type Role int

const (
	Follower Role = iota
	Candidate
	Leader
)

func (r Role) String() string {
	switch r {
	case Follower:
		return "follower"
	case Candidate:
		return "candidate"
	case Leader:
		return "leader"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// persistentState is what Figure 2 keeps on stable storage. It survives a
// crash: Restart hands it to the node's next incarnation, as if read back
// from disk. A node updates it before it answers any message.
type persistentState struct {
	currentTerm uint64 // latest term this node has seen; only ever grows
	votedFor    int    // the candidate it voted for in currentTerm; 0: none
}

// transport is the node's view of the network: hand a message over and
// forget it. send must never block, so that a node is never stuck behind a
// slow or dead peer.
type transport interface {
	send(Envelope)
}

// node is one Raft server. One incarnation of it runs on one goroutine
// (run), which owns every field: nothing else reads or writes them while it
// runs. The cluster creates the node and touches it again only after that
// goroutine has returned, to carry its persistent state into a restart.
type node struct {
	id          int
	peers       []int // the IDs of every other node in the cluster
	clusterSize int   // every node, crashed or not: majorities count all

	// Persistent state on all servers (Figure 2).
	persistentState

	// Volatile state on all servers. A crash loses it.
	role     Role
	leaderID int // the leader of currentTerm, once heard from; 0: unknown
	// Volatile state on candidates: who has granted us a vote in
	// currentTerm, ourselves included. A set, so a repeated reply counts once.
	votesReceived map[int]bool

	// Timing. The election timeout is redrawn from [timeoutMin, timeoutMax)
	// at every reset; firstTimeout, when set, replaces the first draw.
	timeoutMin, timeoutMax time.Duration
	firstTimeout           time.Duration
	heartbeatInterval      time.Duration
	electionTimeout        time.Duration // the timeout currently running
	electionTimer          *time.Timer   // fires when electionTimeout elapses
	rng                    *rand.Rand    // this node's own generator
	pace                   pace          // how slowly the protocol's time runs

	breakage Breakage // the one safeguard turned off for teaching, if any

	// Optional refinements of the election, from Ongaro's dissertation.
	preVote     bool // §9.6: ask for pre-votes before standing
	checkQuorum bool // §6.2 and §4.2.3: leaders need a live majority; followers stick to live leaders
	// Volatile state for the refinements.
	heardFromLeader time.Time    // when the last heartbeat of currentTerm's leader arrived
	preVotes        map[int]bool // during a pre-vote: who would vote for us in currentTerm+1, ourselves included
	heardSinceCheck map[int]bool // on a leader, with checkQuorum: peers that answered since the last check

	inbox  <-chan Envelope // never closed; only the network sends on it
	done   <-chan struct{} // closed by the cluster to crash or stop this node
	net    transport
	record func(Event) // hands an event to the recorder; safe from any goroutine
}

// newNode builds one incarnation of node id for a cluster configured by cfg.
// It remembers disk, draws its timeouts from rng, sends through net, and
// reports its events to record.
func newNode(id int, cfg Config, disk persistentState, rng *rand.Rand, net transport, record func(Event)) *node {
	return &node{
		id:                id,
		peers:             allBut(id, cfg.Nodes),
		clusterSize:       cfg.Nodes,
		persistentState:   disk,
		timeoutMin:        cfg.ElectionTimeoutMin,
		timeoutMax:        cfg.ElectionTimeoutMax,
		heartbeatInterval: cfg.HeartbeatInterval,
		rng:               rng,
		pace:              cfg.pace(),
		breakage:          cfg.Break,
		preVote:           cfg.PreVote,
		checkQuorum:       cfg.CheckQuorum,
		net:               net,
		record:            record,
	}
}

// run is the node's goroutine. It starts the node as a follower and runs
// the loop of whichever role the node is in until the cluster closes done.
func (n *node) run() {
	n.start()
	for {
		select {
		case <-n.done:
			return
		default:
		}
		switch n.role {
		case Follower:
			n.runFollower()
		case Candidate:
			n.runCandidate()
		case Leader:
			n.runLeader()
		}
	}
}

// start sets a new incarnation going: §5.2, "When servers start up, they
// begin as followers."
func (n *node) start() {
	n.role = Follower
	n.electionTimeout = n.firstTimeout
	if n.electionTimeout == 0 {
		n.electionTimeout = n.randomElectionTimeout()
	}
	n.electionTimer = time.NewTimer(n.pace.wall(n.electionTimeout))
	n.report(Event{Kind: EventRole, Reason: fmt.Sprintf(
		"its election timeout is %s", formatDuration(n.electionTimeout))})
}

// runFollower waits for a leader's heartbeats and answers candidates; when
// its election timeout elapses, it stands for election.
func (n *node) runFollower() { n.runWithElectionTimer(Follower) }

// runCandidate waits for votes. It never waits for every reply: votes
// arrive as messages like any other, and a timeout starts a new election,
// so a dead or slow peer cannot stall it.
func (n *node) runCandidate() { n.runWithElectionTimer(Candidate) }

// runWithElectionTimer is the loop that followers and candidates share: both
// react to messages and to their election timer, and differ only in what
// the handlers do with them. It returns when the node crashes or its role
// is no longer role.
func (n *node) runWithElectionTimer(role Role) {
	for n.role == role {
		select {
		case env := <-n.inbox:
			n.handle(env)
		case <-n.electionTimer.C:
			n.electionTimedOut()
		case <-n.done:
			return
		}
	}
}

// runLeader sends heartbeats at once and then every heartbeatInterval, and
// handles messages, until the node crashes or steps down. With CheckQuorum
// it also checks, every minimum election timeout, that a majority still
// answers; without it, quorumCheck stays nil, which switches that case off.
func (n *node) runLeader() {
	heartbeat := time.NewTicker(n.pace.wall(n.heartbeatInterval))
	defer heartbeat.Stop()
	var quorumCheck <-chan time.Time
	if n.checkQuorum {
		ticker := time.NewTicker(n.pace.wall(n.timeoutMin))
		defer ticker.Stop()
		quorumCheck = ticker.C
	}
	n.sendHeartbeats()
	for n.role == Leader {
		select {
		case env := <-n.inbox:
			n.handle(env)
		case <-heartbeat.C:
			n.sendHeartbeats()
		case <-quorumCheck:
			n.checkMajorityHeard()
		case <-n.done:
			return
		}
	}
}

// checkMajorityHeard is CheckQuorum (dissertation §6.2): a leader that has
// not heard from a majority of the cluster within an election timeout steps
// down. Cut off in a minority, it would otherwise go on believing it leads,
// while the majority elects another leader.
func (n *node) checkMajorityHeard() {
	heard := len(n.heardSinceCheck) + 1 // the leader hears itself
	if isMajority(heard, n.clusterSize) {
		n.heardSinceCheck = map[int]bool{}
		return
	}
	n.becomeFollower(n.currentTerm, fmt.Sprintf(
		"heard from only %d of %d nodes in %s, no majority (CheckQuorum, dissertation §6.2)",
		heard, n.clusterSize, formatDuration(n.timeoutMin)))
}

// electionTimedOut is Figure 2's rule for followers and candidates: "If
// election timeout elapses without receiving AppendEntries RPC from current
// leader or granting vote to candidate: convert to candidate." A candidate
// whose election went nowhere (a split vote, lost messages) starts another.
func (n *node) electionTimedOut() {
	n.report(Event{Kind: EventTimeout, Reason: fmt.Sprintf(
		"its election timeout of %s elapsed", formatDuration(n.electionTimeout))})
	if n.preVote {
		n.startPreVote()
		return
	}
	n.becomeCandidate(fmt.Sprintf(
		"heard from no leader and granted no vote for %s, its election timeout (§5.2)",
		formatDuration(n.electionTimeout)))
}

// startPreVote asks every peer whether it would vote for this node in the
// next term, without starting an election: the node keeps its term and its
// role (dissertation §9.6). Only a majority of yeses makes it a candidate,
// so a node that cannot win, such as one cut off from the cluster, never
// raises its term and cannot disrupt a healthy leader when it returns.
func (n *node) startPreVote() {
	n.preVotes = map[int]bool{n.id: true}
	n.report(Event{Kind: EventPreVote, Candidate: n.id, Reason: fmt.Sprintf(
		"heard from no leader for %s, its election timeout", formatDuration(n.electionTimeout))})
	n.resetElectionTimer("it asked for pre-votes (dissertation §9.6)")
	lastLogIndex, lastLogTerm := n.lastLogEntry()
	for _, peer := range n.peers {
		n.send(peer, PreVote{Term: n.currentTerm, NextTerm: n.currentTerm + 1, CandidateID: n.id,
			LastLogIndex: lastLogIndex, LastLogTerm: lastLogTerm})
	}
	if n.wonPreVote() {
		n.becomeCandidate("it is a majority by itself, in a cluster of one (PreVote)")
	}
}

// wonPreVote reports whether a majority of the cluster would vote for this
// node in the next term.
func (n *node) wonPreVote() bool { return isMajority(len(n.preVotes), n.clusterSize) }

// leaderIsLive reports whether this node has heard from a live leader of
// its term within the minimum election timeout, or is that leader: then no
// election is needed, so it answers pre-votes no and, with CheckQuorum,
// ignores RequestVote.
func (n *node) leaderIsLive() bool {
	if n.role == Leader {
		return true
	}
	return n.leaderID != 0 && time.Since(n.heardFromLeader) < n.pace.wall(n.timeoutMin)
}

// becomeFollower makes the node a follower in term, which is never older
// than currentTerm. A newer term starts with no vote cast.
func (n *node) becomeFollower(term uint64, reason string) {
	if term > n.currentTerm {
		n.currentTerm = term
		n.votedFor = 0
	}
	// A candidate or leader that gives way starts a fresh election timeout
	// (a leader has none running), so that if the node it deferred to
	// fails, it will stand again.
	if n.role != Follower {
		n.resetElectionTimer("it stopped being a " + n.role.String())
	}
	n.role = Follower
	n.leaderID = 0
	n.votesReceived, n.preVotes, n.heardSinceCheck = nil, nil, nil
	n.report(Event{Kind: EventRole, Reason: reason})
}

// becomeCandidate starts an election. §5.2: "To begin an election, a
// follower increments its current term and transitions to candidate state.
// It then votes for itself and issues RequestVote RPCs in parallel to each
// of the other servers."
func (n *node) becomeCandidate(reason string) {
	if n.role == Leader {
		panic(fmt.Sprintf("node %d: a leader cannot become a candidate", n.id))
	}
	n.currentTerm++
	n.votedFor = n.id
	n.role = Candidate
	n.leaderID = 0
	n.votesReceived = map[int]bool{n.id: true}
	n.preVotes = nil
	n.report(Event{Kind: EventRole, Reason: reason})
	n.report(Event{Kind: EventVote, Candidate: n.id, Granted: true,
		Reason: "a candidate votes for itself; §5.2"})
	n.resetElectionTimer("it started an election (§5.2)")

	lastLogIndex, lastLogTerm := n.lastLogEntry()
	for _, peer := range n.peers {
		n.send(peer, RequestVote{Term: n.currentTerm, CandidateID: n.id,
			LastLogIndex: lastLogIndex, LastLogTerm: lastLogTerm})
	}
	// A cluster of one is a majority by itself and needs no replies.
	if n.wonElection() {
		n.becomeLeader()
	}
}

// becomeLeader ends a won election. The first heartbeats go out as soon as
// runLeader starts, to tell every peer there is a leader for this term.
func (n *node) becomeLeader() {
	if n.role != Candidate {
		panic(fmt.Sprintf("node %d: only a candidate can become leader, not a %s", n.id, n.role))
	}
	n.role = Leader
	n.leaderID = n.id
	n.heardSinceCheck = map[int]bool{}
	// A leader does not time out: it keeps its authority by heartbeats.
	n.electionTimer.Stop()
	n.report(Event{Kind: EventRole, Reason: fmt.Sprintf(
		"won %d of %d votes, a majority of the cluster (§5.2)", len(n.votesReceived), n.clusterSize)})
}

// wonElection reports whether the votes received form a majority. §5.2: a
// candidate wins "if it receives votes from a majority of the servers in the
// full cluster for the same term".
func (n *node) wonElection() bool {
	return isMajority(len(n.votesReceived), n.clusterSize)
}

// isMajority reports whether count nodes are a majority of a cluster of
// size nodes: more than half of all of them, crashed ones included. Any two
// majorities then share a node, and since that node votes once per term,
// two leaders of one term cannot both be elected (§5.2).
func isMajority(count, size int) bool {
	return count*2 > size
}

// sendHeartbeats sends an empty AppendEntries to every peer. §5.2: "Leaders
// send periodic heartbeats ... to all followers in order to maintain their
// authority."
func (n *node) sendHeartbeats() {
	n.report(Event{Kind: EventHeartbeat})
	for _, peer := range n.peers {
		n.send(peer, AppendEntries{Term: n.currentTerm, LeaderID: n.id})
	}
}

// handle applies one incoming message. The term rule comes first, for every
// message, so each handler below sees only messages of currentTerm or older;
// only leader stickiness, a deliberate refusal to apply it, goes before.
func (n *node) handle(env Envelope) {
	n.report(Event{Kind: EventRecv, From: env.From, To: n.id, Msg: env.Msg})
	if m, ok := env.Msg.(RequestVote); ok && n.checkQuorum && m.Term > n.currentTerm && n.leaderIsLive() {
		// Leader stickiness (dissertation §4.2.3): a node that hears from
		// a live leader ignores a RequestVote, updating neither its term
		// nor its vote, so a node that was cut off cannot depose a leader
		// the rest of the cluster still follows. This is what becomes of a
		// RequestVote that arrives after an election has been decided.
		n.report(Event{Kind: EventVote, Candidate: m.CandidateID, Reason: fmt.Sprintf(
			"ignored its RequestVote for term %d: node %d leads and was heard within the minimum election timeout; leader stickiness, dissertation §4.2.3",
			m.Term, n.leaderID)})
		return
	}
	// §5.1, Figure 2 (rules for all servers): "If RPC request or response
	// contains term T > currentTerm: set currentTerm = T, convert to follower."
	// -break no-stepdown lets a leader ignore it, and keep leading.
	if term := env.Msg.term(); term > n.currentTerm && !(n.role == Leader && n.breaks(BreakNoStepdown)) {
		n.becomeFollower(term, fmt.Sprintf("saw term %d in %s from node %d (§5.1: a newer term always wins)",
			term, messageName(env.Msg), env.From))
	}
	switch m := env.Msg.(type) {
	case PreVote:
		n.handlePreVote(env.From, m)
	case PreVoteResponse:
		n.handlePreVoteResponse(env.From, m)
	case RequestVote:
		n.handleRequestVote(env.From, m)
	case RequestVoteResponse:
		n.handleRequestVoteResponse(env.From, m)
	case AppendEntries:
		n.handleAppendEntries(env.From, m)
	case AppendEntriesResponse:
		// A heartbeat reply carries nothing but the follower's term, and
		// the term rule above has already acted on it; with CheckQuorum,
		// the leader also notes who is still answering.
		if n.role == Leader && n.checkQuorum && m.Term == n.currentTerm {
			n.heardSinceCheck[env.From] = true
		}
	}
}

// handlePreVote answers whether this node would vote for the sender in
// the next term, changing nothing here: not its term, not its vote, not its
// timer (dissertation §9.6).
func (n *node) handlePreVote(from int, m PreVote) {
	granted, reason := true, fmt.Sprintf("it would vote for it in term %d (dissertation §9.6)", m.NextTerm)
	switch {
	case m.NextTerm <= n.currentTerm:
		granted, reason = false, fmt.Sprintf("term %d is not newer than its own, %d (§5.1)", m.NextTerm, n.currentTerm)
	case n.leaderIsLive():
		granted, reason = false, fmt.Sprintf("node %d leads and was heard within the minimum election timeout (§9.6)", n.leaderID)
	case !n.candidateLogUpToDate(m.LastLogIndex, m.LastLogTerm):
		granted, reason = false, "its log is less up-to-date (§5.4.1)"
	}
	n.report(Event{Kind: EventPreVote, Candidate: m.CandidateID, Granted: granted, Reason: reason})
	n.send(from, PreVoteResponse{Term: n.currentTerm, NextTerm: m.NextTerm, Granted: granted})
}

// handlePreVoteResponse counts a pre-vote, if it answers the pre-vote this
// node is asking for now.
func (n *node) handlePreVoteResponse(from int, m PreVoteResponse) {
	if n.preVotes == nil || m.NextTerm != n.currentTerm+1 || !m.Granted {
		return
	}
	n.preVotes[from] = true
	if n.wonPreVote() {
		n.becomeCandidate(fmt.Sprintf("%d of %d nodes would vote for it in term %d (PreVote, dissertation §9.6)",
			len(n.preVotes), n.clusterSize, m.NextTerm))
	}
}

// handleRequestVote decides a vote and answers the candidate.
func (n *node) handleRequestVote(from int, m RequestVote) {
	granted, reason := n.decideVote(m)
	if granted {
		n.votedFor = m.CandidateID
	}
	// Figure 2: persistent state is updated before responding. The vote is
	// reported here, before the reply goes out, in that same order.
	n.report(Event{Kind: EventVote, Candidate: m.CandidateID, Granted: granted, Reason: reason})
	if granted {
		// Figure 2: granting a vote restarts the election timeout, so a
		// voter gives the candidate it chose time to win.
		n.resetElectionTimer(fmt.Sprintf("it granted its vote to node %d (Figure 2)", m.CandidateID))
	}
	n.send(from, RequestVoteResponse{Term: n.currentTerm, VoteGranted: granted})
}

// decideVote applies Figure 2's RequestVote receiver rules and says which
// rule decided.
func (n *node) decideVote(m RequestVote) (granted bool, reason string) {
	switch {
	case m.Term < n.currentTerm:
		// Rule 1: "Reply false if term < currentTerm (§5.1)."
		return false, fmt.Sprintf("its term %d is older than term %d; §5.1: stale requests are refused", m.Term, n.currentTerm)
	case n.votedFor != 0 && n.votedFor != m.CandidateID:
		// Rule 2: vote only "if votedFor is null or candidateId" — at most
		// one vote per term, first come first served (§5.2). -break
		// vote-twice skips it, and two candidates can win one term.
		if n.breaks(BreakVoteTwice) {
			return true, fmt.Sprintf("-break vote-twice: granted though it voted for node %d in term %d",
				n.votedFor, n.currentTerm)
		}
		return false, fmt.Sprintf("already voted for node %d in term %d; §5.2: one vote per term",
			n.votedFor, n.currentTerm)
	case !n.candidateLogUpToDate(m.LastLogIndex, m.LastLogTerm):
		// Rule 2, second half: "and candidate's log is at least as
		// up-to-date as receiver's log" (§5.4.1).
		return false, "its log is less up-to-date; §5.4.1: the election restriction"
	case n.votedFor == m.CandidateID:
		// A repeated request (its first reply may have been lost) gets the
		// same answer: this is still the one vote of this term.
		return true, fmt.Sprintf("had already voted for it in term %d; §5.2: the one vote of a term stands", n.currentTerm)
	}
	return true, fmt.Sprintf("had not voted in term %d; §5.2: one vote per term, first come, first served", n.currentTerm)
}

// candidateLogUpToDate is the election restriction of §5.4.1: a vote (or a
// pre-vote) goes only to a candidate whose log, ending at (index, term), is
// at least as up-to-date as the voter's. It keeps a node that lacks
// committed entries from becoming leader.
func (n *node) candidateLogUpToDate(index, term uint64) bool {
	lastLogIndex, lastLogTerm := n.lastLogEntry()
	return logAtLeastAsUpToDate(index, term, lastLogIndex, lastLogTerm)
}

// logAtLeastAsUpToDate reports whether a log whose last entry is (index,
// term) is at least as up-to-date as one ending at (otherIndex, otherTerm).
// §5.4.1: "If the logs have last entries with different terms, then the log
// with the later term is more up-to-date. If the logs end with the same
// term, then whichever log is longer is more up-to-date."
func logAtLeastAsUpToDate(index, term, otherIndex, otherTerm uint64) bool {
	if term != otherTerm {
		return term > otherTerm
	}
	return index >= otherIndex
}

// lastLogEntry returns the index and term of the node's last log entry. This
// demo replicates no log, so every log is empty: index 0, term 0, and the
// up-to-date check always passes. Log replication (§5.3) would keep entries
// here, and the check above would start to matter.
func (n *node) lastLogEntry() (index, term uint64) {
	return 0, 0
}

// handleRequestVoteResponse counts a vote.
func (n *node) handleRequestVoteResponse(from int, m RequestVoteResponse) {
	// Only a candidate counts votes, and only votes of its current term: a
	// reply from an older term answers an election it has already given up,
	// and counting it could elect a leader without a majority in this term.
	// -break count-stale counts it anyway.
	if n.role != Candidate || !m.VoteGranted || m.Term != n.currentTerm && !n.breaks(BreakCountStale) {
		return
	}
	n.votesReceived[from] = true
	if n.wonElection() {
		n.becomeLeader()
	}
}

// handleAppendEntries accepts a heartbeat from the leader of currentTerm.
func (n *node) handleAppendEntries(from int, m AppendEntries) {
	if m.Term < n.currentTerm {
		// Figure 2, AppendEntries rule 1: "Reply false if term <
		// currentTerm." Our term in the reply makes the stale leader step
		// down when it reads it (§5.1).
		n.send(from, AppendEntriesResponse{Term: n.currentTerm, Success: false})
		return
	}
	switch n.role {
	case Leader:
		// Two leaders in one term would break Election Safety (§5.2);
		// one vote per term and whole-cluster majorities rule it out. A
		// leader does not give way to a peer claiming its own term.
		n.send(from, AppendEntriesResponse{Term: n.currentTerm, Success: false})
		return
	case Candidate:
		// §5.2: "If the leader's term ... is at least as large as the
		// candidate's current term, then the candidate recognizes the
		// leader as legitimate and returns to follower state."
		n.becomeFollower(m.Term, fmt.Sprintf("heard from node %d, leader of term %d (§5.2)", m.LeaderID, m.Term))
	}
	n.heardFromLeader = time.Now()
	if n.leaderID != m.LeaderID {
		// §5.2: the leader's first heartbeat of a term establishes its
		// authority over this node.
		n.leaderID = m.LeaderID
		n.report(Event{Kind: EventFollow, Leader: m.LeaderID,
			Reason: "its first heartbeat arrived (§5.2: heartbeats establish authority)"})
	}
	// Figure 2: a heartbeat from the current leader restarts the election
	// timeout; this is what keeps followers from standing while it lives.
	n.resetElectionTimer(fmt.Sprintf("a heartbeat came from node %d, its leader (Figure 2)", m.LeaderID))
	n.send(from, AppendEntriesResponse{Term: n.currentTerm, Success: true})
}

// resetElectionTimer starts a fresh, freshly drawn election timeout, for
// the reason given. With Go 1.23 timers, Reset also discards a timeout that
// fired but was not yet read.
func (n *node) resetElectionTimer(why string) {
	n.electionTimeout = n.randomElectionTimeout()
	n.electionTimer.Reset(n.pace.wall(n.electionTimeout))
	n.report(Event{Kind: EventTimer, Reason: fmt.Sprintf("to %s: %s", formatDuration(n.electionTimeout), why)})
}

// randomElectionTimeout draws a timeout uniformly from [timeoutMin,
// timeoutMax) at nanosecond resolution. §5.2: randomized timeouts make it
// likely that one server times out first and wins before any other stands,
// which is what keeps split votes rare. Rounding draws to whole milliseconds
// would make ties, and split votes, far more common.
func (n *node) randomElectionTimeout() time.Duration {
	spread := n.timeoutMax - n.timeoutMin
	if spread == 0 || n.breaks(BreakFixedTimeout) { // -break fixed-timeout: no randomness
		return n.timeoutMin
	}
	return n.timeoutMin + time.Duration(n.rng.Int64N(int64(spread)))
}

// breaks reports whether b is the safeguard turned off in this run.
func (n *node) breaks(b Breakage) bool { return n.breakage == b }

// report stamps an event with who the node is and its state after the
// change, and hands it to the recorder.
func (n *node) report(ev Event) {
	ev.Node, ev.Term, ev.Role, ev.VotedFor = n.id, n.currentTerm, n.role, n.votedFor
	n.record(ev)
}

// send reports a message and hands it to the network.
func (n *node) send(to int, msg RaftMessage) {
	env := Envelope{From: n.id, To: to, Msg: msg}
	n.report(Event{Kind: EventSend, From: n.id, To: to, Msg: msg})
	n.net.send(env)
}
