// node.go is one Raft server: its state as the paper's Figure 2 lists it,
// the loop of each role, and the leader-election rules. Each node runs on a
// goroutine of its own (run), which alone reads and writes the node's
// state. It hears the world through its inbox and its timers, speaks
// through its transport, saves through its stable storage, and reports
// every step it takes as an Event with the rule that decided it
// (vocabulary.go) to its observer: what it needs of the world around it is
// declared below, three interfaces and a function type. Read it top to
// bottom: the roles and the state, the loop of each role, the transitions
// between roles, then handle, which takes every message (messages.go), and
// the election's handlers: RequestVote, its reply, and AppendEntries as far
// as the election goes (its term, its leader). The log's rules (a leader's
// replication, the AppendEntries receiver's rules 2 to 5, the replies,
// commitment, applying, a client's request) are in replication.go, read
// next; the dissertation's refinements (PreVote, CheckQuorum, leader
// stickiness) in refinements.go. Each is reached from here through hooks
// named for what they do.

package main

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Role is what a node does in its current term. §5.1: "At any given time
// each server is in one of three states: leader, follower, or candidate."
// With PreVote a fourth comes before candidate: a pre-candidate asks
// whether it could win, without starting an election (refinements.go).
type Role int

const (
	Follower Role = iota
	PreCandidate
	Candidate
	Leader
)

func (r Role) String() string {
	switch r {
	case Follower:
		return "follower"
	case PreCandidate:
		return "precandidate"
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
	currentTerm uint64  // latest term this node has seen; only ever grows
	votedFor    int     // the candidate it voted for in currentTerm; 0: none
	log         []Entry // log[i] has index i+1; appended to and, past commitIndex, truncated
}

// campaign is a bid for leadership under way: an election, or with
// PreVote the pre-vote before it. It belongs to one role in one term, and
// every change of role ends it (changeRole), so that no answer to an old
// campaign can act on a new role.
type campaign struct {
	term    uint64       // the term it is for: currentTerm, or currentTerm+1 for a pre-vote
	granted map[int]bool // who said yes, the node itself included; a set, so a repeat counts once
}

// transport is the node's view of the network: hand a message over and
// forget it. send must never block, so that a node is never stuck behind a
// slow or dead peer.
type transport interface {
	send(Envelope)
}

// stableStorage is where a node that runs as a process of its own keeps
// its persistentState, so that the process's next incarnation finds it
// (statefile.go). In one process there is none: the cluster carries the
// state across a crash itself (Restart).
type stableStorage interface {
	save(persistentState) error
}

// timers is the node's clock, which the world around it keeps (the engine,
// engine.go): how it sets its timers and reads the time, and the one hook
// by which it says that a step is over and it waits for the next message
// or timer. A node takes every time it knows from here, so that the same
// seed tells the same story.
type timers interface {
	newTimer(owner int, name string, d time.Duration) timer
	now() time.Duration
	finishedStep(owner int)
}

// observer is how a node reports what it does: every step becomes an
// Event (vocabulary.go), handed over in the order the node took it. The
// world around the protocol gives each node one (the cluster's recorder,
// events.go); it must be safe from any goroutine.
type observer func(Event)

// timer is one of a node's timers, which fires once its duration has
// passed. Like a Go 1.23 time.Timer, Reset and Stop also discard a firing
// not yet read.
type timer interface {
	fired() <-chan time.Time
	Reset(d time.Duration)
	Stop() bool
}

// nodeConfig is what one node knows of its cluster and its rules: who it
// is, how many nodes there are (crashed ones included), its timeouts, and
// the switches a class may turn. The world around it derives one from its
// own configuration (Config.forNode, config.go).
type nodeConfig struct {
	id, clusterSize        int
	timeoutMin, timeoutMax time.Duration // election timeouts are drawn from [timeoutMin, timeoutMax)
	firstTimeout           time.Duration // replaces the first draw, when set
	heartbeatInterval      time.Duration
	entriesPerMessage      int      // the most entries one AppendEntries carries; 0: mostEntriesPerMessage
	preVote, checkQuorum   bool     // the dissertation's refinements (refinements.go)
	breakage               Breakage // the one safeguard turned off for teaching, if any
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

	// Volatile state on all servers (Figure 2). A crash loses it: a
	// restarted node learns commitIndex again from its leader and applies
	// its log again from the start (replication.go).
	commitIndex uint64        // the highest log entry known to be committed
	lastApplied uint64        // the highest log entry applied to the state machine
	store       keyValueStore // the state machine (statemachine.go)

	// Volatile state that the election rules need besides; a crash loses
	// it too.
	role     Role
	leaderID int       // the leader of currentTerm, once heard from; 0: unknown
	campaign *campaign // the pre-candidate's or candidate's bid; nil in other roles

	// Volatile state on leaders (Figure 2), set up by becomeLeader and
	// dropped by changeRole; nil in other roles.
	nextIndex  map[int]uint64           // per peer: the index of the next entry to send it
	matchIndex map[int]uint64           // per peer: the highest entry known to be on it
	sending    map[int]bool             // per peer: entries sent and not yet answered
	waiting    map[uint64]ClientRequest // by index: clients waiting for their command to apply
	round      uint64                   // the rounds of heartbeats sent in this leadership (reads.go)
	heardRound map[int]uint64           // per peer: the newest round it has answered
	roundSent  map[int]uint64           // per peer: the newest round sent it
	reads      []pendingRead            // reads waiting for the leader to confirm it leads, in the order they came
	transfer   transferState            // a handing over of leadership under way (transfer.go)

	// Timing. The election timeout is redrawn from [timeoutMin, timeoutMax)
	// at every reset; firstTimeout, when set, replaces the first draw.
	timeoutMin, timeoutMax time.Duration
	firstTimeout           time.Duration
	heartbeatInterval      time.Duration
	electionTimeout        time.Duration // the timeout currently running
	electionTimer          timer         // fires when electionTimeout elapses
	timerResets            uint64        // how many times electionTimer was reset: see tookWaitingMessages
	rng                    *rand.Rand    // this node's own generator
	clock                  timers        // the cluster's: protocol time, slowed or paused

	entriesPerMessage uint64 // the most entries one AppendEntries carries

	breakage Breakage // the one safeguard turned off for teaching, if any

	refinements // PreVote and CheckQuorum, when on (refinements.go)

	inbox  <-chan Envelope // never closed; only the network sends on it
	done   <-chan struct{} // closed by the cluster to crash or stop this node
	net    transport
	disk   stableStorage // nil: the cluster keeps the persistent state
	record observer      // hears every event the node reports; safe from any goroutine
	// held is, for a node with stable storage, the events of this step
	// not yet recorded: persist records them once the state they tell of
	// is on disk, so that no trace shows a term, a vote or an entry that
	// a crash can still take back.
	held []Event
}

// newNode builds one incarnation of the node nc describes. It remembers
// disk, draws its timeouts from rng, keeps time by clock, sends through
// net, and reports its events to record.
func newNode(nc nodeConfig, disk persistentState, rng *rand.Rand, clock timers, net transport, record observer) *node {
	return &node{
		id:                nc.id,
		peers:             allBut(nc.id, nc.clusterSize),
		clusterSize:       nc.clusterSize,
		persistentState:   disk,
		timeoutMin:        nc.timeoutMin,
		timeoutMax:        nc.timeoutMax,
		firstTimeout:      nc.firstTimeout,
		heartbeatInterval: nc.heartbeatInterval,
		rng:               rng,
		clock:             clock,
		entriesPerMessage: uint64(cmp.Or(nc.entriesPerMessage, mostEntriesPerMessage)),
		breakage:          nc.breakage,
		refinements:       refinements{preVote: nc.preVote, checkQuorum: nc.checkQuorum},
		net:               net,
		record:            record,
	}
}

// allBut lists nodes 1..n without node id: a node's peers, or, as a
// partition group, everyone but id, which cuts id off from them all.
func allBut(id, n int) []int {
	var others []int
	for peer := 1; peer <= n; peer++ {
		if peer != id {
			others = append(others, peer)
		}
	}
	return others
}

// run is the node's goroutine. It starts the node as a follower and runs
// the loop of whichever role the node is in until the cluster closes done.
func (n *node) run() {
	n.start()
	defer n.electionTimer.Stop()
	for {
		select {
		case <-n.done:
			return
		default:
		}
		switch n.role {
		case Follower:
			n.runFollower()
		case PreCandidate, Candidate:
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
	n.electionTimer = n.clock.newTimer(n.id, electionTimerName, n.electionTimeout)
	n.report(Event{Kind: EventRole, Cause: Cause{Rule: RuleStarted, Timeout: n.electionTimeout}})
	if n.disk != nil {
		// A process that starts again tells what its state file gave
		// back, so that its trace alone shows the log it has.
		for _, e := range n.log {
			n.report(Event{Kind: EventAppend, Index: e.Index, EntryTerm: e.Term, Command: e.Command, Cause: Cause{Rule: RuleRecovered}})
		}
	}
}

// electionTimerName names every node's election timer to the engine, which
// reports it if it fires late and finds it for the operator's "timeout N".
const electionTimerName = "election timer"

// runFollower waits for a leader's heartbeats and answers candidates; when
// its election timeout elapses, it stands for election.
func (n *node) runFollower() { n.runWithElectionTimer(Follower) }

// runCandidate waits for votes (or a pre-candidate for pre-votes). It never
// waits for every reply: votes arrive as messages like any other, and a
// timeout starts a new election, so a dead or slow peer cannot stall it.
func (n *node) runCandidate() { n.runWithElectionTimer(n.role) }

// runWithElectionTimer is the loop that followers and candidates share: both
// react to messages and to their election timer, and differ only in what
// the handlers do with them. It returns when the node crashes or its role
// is no longer role.
func (n *node) runWithElectionTimer(role Role) {
	for n.role == role {
		n.endStep()
		select {
		case env := <-n.inbox:
			n.handle(env)
		case <-n.electionTimer.fired():
			if !n.tookWaitingMessages(role) {
				n.electionTimedOut()
			}
		case <-n.done:
			return
		}
	}
}

// tookWaitingMessages handles the messages that were already in the inbox
// when the election timer fired, and reports whether one of them reset the
// timer or changed the role, which makes the timeout moot. §5.2: a
// follower stands if it "receives no communication over a period of time".
// A message that arrived in time is communication, even when the timer is
// read first: with -realtime, a process the machine stalled wakes with a
// heartbeat and the timeout both ready, and select picks either at random.
// Under the engine the inbox is always empty here: it hands a node one
// event at a time.
func (n *node) tookWaitingMessages(role Role) bool {
	resets := n.timerResets
	for n.role == role && n.timerResets == resets {
		select {
		case env := <-n.inbox:
			n.handle(env)
		default:
			return false
		}
	}
	return true
}

// runLeader sends heartbeats at once and then every heartbeatInterval, and
// handles messages, until the node crashes or steps down. With CheckQuorum
// it also checks, every minimum election timeout, that a majority still
// answers; without it, quorumCheck stays nil, which switches that case off.
func (n *node) runLeader() {
	heartbeat := n.clock.newTimer(n.id, "heartbeat timer", n.heartbeatInterval)
	defer heartbeat.Stop()
	quorumCheck, stopQuorumCheck := n.startQuorumCheck()
	defer stopQuorumCheck()
	n.sendHeartbeats()
	for n.role == Leader {
		n.endStep()
		select {
		case env := <-n.inbox:
			n.handle(env)
		case <-heartbeat.fired():
			n.sendHeartbeats()
			n.countDownTransfer() // transfer.go
			heartbeat.Reset(n.heartbeatInterval)
		case <-quorumCheck:
			n.checkMajorityHeard()
		case <-n.done:
			return
		}
	}
}

// electionTimedOut is Figure 2's rule for followers and candidates: "If
// election timeout elapses without receiving AppendEntries RPC from current
// leader or granting vote to candidate: convert to candidate." A candidate
// whose election went nowhere (a split vote, lost messages) starts another.
// With PreVote, the node first asks whether it could win.
func (n *node) electionTimedOut() {
	n.report(Event{Kind: EventTimeout, Cause: Cause{Rule: RuleTimedOut, Timeout: n.electionTimeout}})
	if n.preVote {
		n.becomePreCandidate()
		return
	}
	n.becomeCandidate(Cause{Rule: RuleTimedOut, Timeout: n.electionTimeout})
}

// changeRole is the one place a node's role changes, and the one place the
// change is reported, with its cause. Whatever belonged to the old role
// goes with it: the campaign's votes, and a leader's tally of who answered
// (CheckQuorum).
func (n *node) changeRole(role Role, cause Cause) {
	if n.role == Leader {
		n.dropLeaderState() // replication.go
	}
	n.role = role
	n.campaign = nil
	n.heardSinceCheck = nil
	n.report(Event{Kind: EventRole, Cause: cause})
}

// becomeFollower makes the node a follower in term, which is never older
// than currentTerm. A newer term starts with no vote cast, and with no
// leader known. A node that was not a follower starts a fresh election
// timeout (RuleNoLongerLeads).
//
//lab:election §5.1: a node that learns of a newer term, or of a leader, reverts to follower
func (n *node) becomeFollower(term uint64, cause Cause) {
	if term > n.currentTerm {
		n.currentTerm = term
		n.votedFor = 0
	}
	n.leaderID = 0 // a follower learns its leader from the leader's heartbeats
	wasFollower := n.role == Follower
	n.changeRole(Follower, cause)
	// A node that gives way starts a fresh election timeout (a leader had
	// none running), so that if the node it deferred to fails, it will
	// stand again.
	if !wasFollower {
		n.resetElectionTimer(Cause{Rule: RuleNoLongerLeads})
	}
}

// becomeCandidate starts an election. §5.2: "To begin an election, a
// follower increments its current term and transitions to candidate state.
// It then votes for itself and issues RequestVote RPCs in parallel to each
// of the other servers." It reports its vote for itself (an EventVote for
// RuleSelfVote): the safety checker counts only the votes it hears of.
//
//lab:election Figure 2, Rules for Servers, Candidates: on conversion to candidate, start election (§5.2)
func (n *node) becomeCandidate(cause Cause) {
	n.mustBe("become a candidate", Follower, PreCandidate, Candidate)
	n.currentTerm++
	n.votedFor = n.id
	n.leaderID = 0
	n.changeRole(Candidate, cause)
	n.campaign = &campaign{term: n.currentTerm, granted: map[int]bool{n.id: true}}
	n.report(Event{Kind: EventVote, Candidate: n.id, Granted: true, Cause: Cause{Rule: RuleSelfVote}})
	n.resetElectionTimer(Cause{Rule: RuleCampaigned})

	lastLogIndex, lastLogTerm := n.lastLogEntry()
	for _, peer := range n.peers {
		n.send(peer, RequestVote{Term: n.currentTerm, CandidateID: n.id,
			LastLogIndex: lastLogIndex, LastLogTerm: lastLogTerm, Transfer: cause.Rule == RuleTimeoutNow})
	}
	// A cluster of one is a majority by itself and needs no replies.
	if n.wonElection() {
		n.becomeLeader()
	}
}

// becomeLeader ends a won election. The first heartbeats go out as soon as
// runLeader starts, to tell every peer there is a leader for this term.
func (n *node) becomeLeader() {
	n.mustBe("become leader", Candidate)
	n.leaderID = n.id
	n.changeRole(Leader, Cause{Rule: RuleWonElection, Count: len(n.campaign.granted), Of: n.clusterSize})
	// A leader does not time out: it keeps its authority by heartbeats.
	n.electionTimer.Stop()
	n.setUpLeaderState() // replication.go: nextIndex, matchIndex, and the no-op of §8
	for _, peer := range n.peers {
		n.tellProgress(peer, [2]uint64{})
	}
}

// mustBe panics unless the node's role is one of roles. Figure 2's state
// machine allows the transition only from those, so only a bug can ask
// for it from another.
func (n *node) mustBe(transition string, roles ...Role) {
	if !slices.Contains(roles, n.role) {
		panic(fmt.Sprintf("node %d: a %s cannot %s", n.id, n.role, transition))
	}
}

// wonElection reports whether the campaign's yeses, votes or with PreVote
// pre-votes, form a majority. §5.2: a candidate wins "if it receives votes
// from a majority of the servers in the full cluster for the same term".
func (n *node) wonElection() bool {
	return isMajority(len(n.campaign.granted), n.clusterSize)
}

// isMajority reports whether count nodes are a majority of a cluster of
// size nodes: more than half of all of them, crashed ones included. Any two
// majorities then share a node, and since that node votes once per term,
// two leaders of one term cannot both be elected (§5.2).
//
//lab:election §5.2: a majority of the servers in the full cluster
func isMajority(count, size int) bool {
	return count*2 > size
}

// sendHeartbeats sends an AppendEntries to every peer. §5.2: "Leaders send
// periodic heartbeats ... to all followers in order to maintain their
// authority." Each carries the entries its peer still lacks, if any, so a
// heartbeat also retries what was lost (replication.go), and each is a new
// round, whose answers confirm the reads that wait (reads.go).
func (n *node) sendHeartbeats() {
	n.round++
	n.report(Event{Kind: EventHeartbeat})
	for _, peer := range n.peers {
		n.sendAppendEntries(peer)
	}
}

// handle applies one incoming message. The term rule comes first, for every
// message, so each handler below sees only messages of currentTerm or older.
func (n *node) handle(env Envelope) {
	n.report(Event{Kind: EventRecv, From: env.From, To: n.id, Msg: env.Msg})
	// Leader stickiness (refinements.go): with CheckQuorum, a node that
	// hears from a live leader ignores a RequestVote or a PreVote of a
	// newer term. Every other message goes on.
	if n.sticksToLeader(env) {
		return
	}
	n.enterNewerTerm(env)
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
		n.noteAnswer(env.From, m) // CheckQuorum's tally (refinements.go)
		told := n.progressOf(env.From)
		n.handleAppendEntriesResponse(env.From, m)
		n.tellProgress(env.From, told) // for the page (replication.go)
		n.noteRound(env.From, m)       // the reads it confirms (reads.go)
		n.continueTransfer(env.From)   // a handing over under way (transfer.go)
	case ClientRequest:
		if !n.refusesClients(m) { // while it hands over (transfer.go)
			n.handleClientRequest(m) // replication.go
		}
	case TransferLeadership:
		n.handleTransfer(m.Target) // transfer.go
	case TimeoutNow:
		n.handleTimeoutNow(env.From, m) // transfer.go
	default:
		panic(fmt.Sprintf("node %d: no handler for a %T", n.id, env.Msg))
	}
}

// enterNewerTerm is the term rule, which every message meets first. §5.1,
// Figure 2 (rules for all servers): "If RPC request or response contains
// term T > currentTerm: set currentTerm = T, convert to follower." A
// PreVote, and a PreVoteResponse that grants one, ask about a term
// without entering it (asksAboutTerm, refinements.go).
//
//lab:election Figure 2, Rules for Servers, All Servers: a newer term makes a follower (§5.1)
func (n *node) enterNewerTerm(env Envelope) {
	term := env.Msg.term()
	if term <= n.currentTerm || asksAboutTerm(env.Msg) {
		return
	}
	if n.role == Leader && n.breaks(BreakNoStepdown) { // -break no-stepdown: a leader ignores the rule
		return
	}
	n.becomeFollower(term, Cause{Rule: RuleNewerTerm, Peer: env.From, Term: term, Msg: env.Msg})
}

// handleRequestVote decides a vote and answers the candidate.
func (n *node) handleRequestVote(from int, m RequestVote) {
	granted, rule := n.decideVote(m)
	if granted {
		n.votedFor = m.CandidateID
	}
	// Figure 2: persistent state is updated before responding. The vote is
	// reported here, before the reply goes out, in that same order.
	n.report(Event{Kind: EventVote, Candidate: m.CandidateID, Granted: granted,
		Cause: Cause{Rule: rule, Peer: m.CandidateID, Term: m.Term, LastLogIndex: m.LastLogIndex, LastLogTerm: m.LastLogTerm}})
	if granted && n.role != Leader {
		// Figure 2: granting a vote restarts the election timeout, so a
		// voter gives the candidate it chose time to win. A leader has no
		// election timeout to restart (it keeps its authority by
		// heartbeats); only -break vote-twice makes one grant a vote.
		n.resetElectionTimer(Cause{Rule: RuleGrantedVote, Peer: m.CandidateID})
	}
	n.send(from, RequestVoteResponse{Term: n.currentTerm, VoteGranted: granted})
}

// decideVote applies Figure 2's RequestVote receiver rules and returns the
// rule that decided. A follower that already knows its term's leader still
// grants a vote it has not cast, as Figure 2 says; etcd-io/raft refuses
// it. Either is safe: that leader's majority already holds one vote of
// every majority the candidate could gather, so it cannot win.
//
//lab:election Figure 2, RequestVote RPC, receiver implementation 1 and 2 (§5.1, §5.2, §5.4.1)
func (n *node) decideVote(m RequestVote) (granted bool, rule *Rule) {
	switch {
	case m.Term < n.currentTerm:
		// Rule 1: "Reply false if term < currentTerm (§5.1)."
		return false, RuleStaleTerm
	case n.votedFor != 0 && n.votedFor != m.CandidateID:
		// Rule 2: vote only "if votedFor is null or candidateId": at most
		// one vote per term, first come, first served (§5.2). -break
		// vote-twice skips it, and two candidates can win one term.
		if n.breaks(BreakVoteTwice) {
			return true, RuleVoteTwice
		}
		return false, RuleAlreadyVoted
	case !n.candidateLogUpToDate(m.LastLogIndex, m.LastLogTerm):
		// Rule 2, second half: "and candidate's log is at least as
		// up-to-date as receiver's log" (§5.4.1). -break vote-any-log
		// skips it, and a leader can lack committed entries.
		if n.breaks(BreakVoteAnyLog) {
			return true, RuleVoteAnyLog
		}
		return false, RuleLogBehind
	case n.votedFor == m.CandidateID:
		// A repeated request (its first reply may have been lost) gets the
		// same answer: this is still the one vote of this term.
		return true, RuleSameVote
	}
	return true, RuleFirstVote
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
//
//lab:election §5.4.1: which of two logs is more up-to-date
func logAtLeastAsUpToDate(index, term, otherIndex, otherTerm uint64) bool {
	if term != otherTerm {
		return term > otherTerm
	}
	return index >= otherIndex
}

// lastLogEntry returns the index and term of the node's last log entry:
// 0 and 0 for an empty log, which any log is as up-to-date as.
func (n *node) lastLogEntry() (index, term uint64) {
	last := uint64(len(n.log))
	return last, n.termAt(last)
}

// handleRequestVoteResponse counts a vote.
//
//lab:election Figure 2, Rules for Servers, Candidates: votes received from a majority of servers, become leader (§5.2)
func (n *node) handleRequestVoteResponse(from int, m RequestVoteResponse) {
	// Only a candidate counts votes, and only votes for its campaign's
	// term: a reply from an older term answers an election it has already
	// given up, and counting it could elect a leader without a majority in
	// this term.
	if n.role != Candidate || !m.VoteGranted {
		return
	}
	if m.Term != n.campaign.term {
		counts := n.breaks(BreakCountStale) // -break count-stale: it counts anyway
		if !counts {
			return
		}
	}
	n.campaign.granted[from] = true
	if n.wonElection() {
		n.becomeLeader()
	}
}

// handleAppendEntries hears the leader of currentTerm: it recognizes the
// leader and restarts the election timeout, then takes the entries by the
// log's rules (replication.go).
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
	case Candidate, PreCandidate:
		// §5.2: "If the leader's term ... is at least as large as the
		// candidate's current term, then the candidate recognizes the
		// leader as legitimate and returns to follower state." A
		// pre-candidate, too, has its answer: there is a leader.
		n.becomeFollower(m.Term, Cause{Rule: RuleLeaderOfTerm, Peer: m.LeaderID, Term: m.Term})
	}
	n.heardFromLeader = n.clock.now()
	if n.leaderID != m.LeaderID {
		// §5.2: the leader's first heartbeat of a term establishes its
		// authority over this node.
		n.leaderID = m.LeaderID
		n.report(Event{Kind: EventFollow, Leader: m.LeaderID})
	}
	// Figure 2: a heartbeat from the current leader restarts the election
	// timeout; this is what keeps followers from standing while it lives.
	n.resetElectionTimer(Cause{Rule: RuleHeartbeat, Peer: m.LeaderID})
	reply := n.acceptEntries(m) // replication.go
	if !reply.Success {
		n.reportRefusal(m, reply)
	}
	reply.Round = m.Round // which of the leader's rounds this node answers (reads.go)
	n.send(from, reply)
}

// resetElectionTimer starts a fresh, freshly drawn election timeout. Like a
// Go 1.23 timer, Reset also discards a timeout that fired but was not yet
// read.
func (n *node) resetElectionTimer(cause Cause) {
	n.electionTimeout = n.randomElectionTimeout()
	n.electionTimer.Reset(n.electionTimeout)
	n.timerResets++
	cause.Timeout = n.electionTimeout
	n.report(Event{Kind: EventTimer, Cause: cause})
}

// randomElectionTimeout draws a timeout uniformly from [timeoutMin,
// timeoutMax) at nanosecond resolution. §5.2: randomized timeouts make it
// likely that one server times out first and wins before any other stands,
// which is what keeps split votes rare. Rounding draws to whole milliseconds
// would make ties, and split votes, far more common.
func (n *node) randomElectionTimeout() time.Duration {
	spread := n.timeoutMax - n.timeoutMin
	if n.breaks(BreakFixedTimeout) { // -break fixed-timeout: no randomness
		spread = 0
	}
	if spread == 0 {
		return n.timeoutMin
	}
	return n.timeoutMin + time.Duration(n.rng.Int64N(int64(spread)))
}

// breaks reports whether b is the safeguard turned off in this run.
func (n *node) breaks(b Breakage) bool { return n.breakage == b }

// endStep ends one step of the node's, before it waits for its next
// message or timer: its state safe on disk, it tells the engine so
// (finishedStep, the engine's hook, engine.go).
func (n *node) endStep() {
	n.persist()
	n.clock.finishedStep(n.id)
}

// report stamps an event with who the node is and its state after the
// change, and hands it to its observer, or, for a node with stable
// storage, holds it until that state is on disk (persist).
func (n *node) report(ev Event) {
	ev.Node, ev.Term, ev.Role, ev.VotedFor = n.id, n.currentTerm, n.role, n.votedFor
	if n.disk != nil {
		n.held = append(n.held, ev)
		return
	}
	n.record(ev)
}

// persist makes the node's persistent state durable, if it has stable
// storage, and then records the events held back until it was. It
// reports whether the state is safe: on disk, or, in one process, kept
// by the cluster across a crash (Restart). A node that cannot make it
// durable records nothing more: it keeps the held events, and returns
// false; its process reports why and stops.
//
//lab:persistence Figure 2, State: persistent state on all servers, updated on stable storage
func (n *node) persist() bool {
	if n.disk == nil {
		return true
	}
	if n.disk.save(n.persistentState) != nil {
		return false
	}
	for _, ev := range n.held {
		n.record(ev)
	}
	n.held = n.held[:0]
	return true
}

// send reports a message and hands it to the network.
//
//lab:persistence Figure 2, State: updated on stable storage before responding to RPCs
func (n *node) send(to int, msg RaftMessage) {
	// Figure 2: persistent state is "updated on stable storage before
	// responding to RPCs", and before any other message goes out: a vote
	// or an entry a crash could take back must not be promised to anyone.
	if !n.persist() {
		return
	}
	n.report(Event{Kind: EventSend, From: n.id, To: to, Msg: msg})
	n.persist() // nothing new to save: records the send before the message goes
	n.net.send(Envelope{From: n.id, To: to, Msg: msg})
}
