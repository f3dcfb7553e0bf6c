// scenarios.go holds the stories the demo tells of a leader election: the
// four classic ones (a normal election, a re-election after the leader
// crashes, a split vote, a stale leader cut off by a partition), and four
// that show what the refinements and the rules are for (a disruptive
// node, a leader that lost its quorum, a node that must remember its vote,
// a network slower than a timeout). Each is a script that drives a running
// Cluster through its stage (stage.go) and narrates what the reader should
// notice. -scenario picks them (pickScenarios), tell.go tells them, and the
// tests run them too.

package main

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// scenarios is every story: the election's, then the log's
// (scenarios_log.go).
var scenarios = slices.Concat(electionScenarios, logScenarios)

var electionScenarios = []scenario{
	{
		name:     "election",
		watchFor: "every node starts as a follower; the first election timeout to fire makes a candidate, which collects votes and becomes leader",
		minNodes: 1,
		script:   playElection,
	},
	{
		name:     "crash",
		watchFor: "the leader crashes; the survivors time out, elect a new leader in a higher term, and the old leader rejoins as a follower",
		minNodes: 3,
		why:      "a majority must survive the crash",
		script:   playCrash,
	},
	{
		name:     "split-vote",
		watchFor: "every node times out at the same moment and votes for itself, so nobody wins term 1; random timeouts break the tie",
		minNodes: 2,
		why:      "one node alone always wins its own vote",
		adjust:   splitVoteConfig,
		script:   playSplitVote,
	},
	{
		name:     "partition",
		watchFor: "the leader is cut off in a minority; the majority elects a new leader, and the old one steps down when the partition heals",
		minNodes: 3,
		why:      "a majority must remain on the other side of the partition",
		script:   playPartition,
	},
	{
		name:     "disruptive",
		watchFor: "a follower cut off from every other node stands again and again, its term climbing; when it comes back, does its term depose the healthy leader? (try it with and without -prevote)",
		minNodes: 3,
		why:      "the leader needs a majority without the cut-off node",
		script:   playDisruptive,
		extra:    true,
	},
	{
		name:     "lost-quorum",
		watchFor: "the leader is cut off from every other node: does it go on believing it leads? (try it with and without -checkquorum)",
		minNodes: 3,
		why:      "the others must be a majority",
		script:   playLostQuorum,
		extra:    true,
	},
	{
		name:     "amnesia",
		watchFor: "every node stands at once; node 1 crashes and restarts while the others' requests are on their way, and must remember that it voted for itself",
		minNodes: 3,
		why:      "the restarted node needs candidates besides itself",
		adjust:   splitVoteConfig,
		script:   playAmnesia,
		extra:    true,
	},
	{
		name:     "transfer",
		watchFor: "the leader is to be taken down for maintenance: first it hands its leadership over, and the node it names wins the next term at once, with no election timeout to wait out",
		minNodes: 3,
		why:      "a majority must remain once the old leader is down",
		script:   playTransfer,
		extra:    true,
	},
	{
		name:     "slow-network",
		watchFor: "messages take up to 250 ms, longer than a timeout: candidates give up before their votes come back, and stand again",
		minNodes: 3,
		why:      "a slow election needs voters",
		adjust:   slowNetworkConfig,
		script:   playSlowNetwork,
		extra:    true,
	},
}

// scenarioNames lists what -scenario accepts.
func scenarioNames() []string {
	names := []string{}
	for _, sc := range scenarios {
		names = append(names, sc.name)
	}
	return append(names, "tour")
}

// pickScenarios returns the scenario named name, or the four classic ones
// in order for "tour".
func pickScenarios(name string) ([]scenario, bool) {
	if name == "tour" {
		var tour []scenario
		for _, sc := range scenarios {
			if !sc.extra {
				tour = append(tour, sc)
			}
		}
		return tour, true
	}
	for _, sc := range scenarios {
		if sc.name == name {
			return []scenario{sc}, true
		}
	}
	return nil, false
}

func playElection(s *stage) {
	guess := s.ask("every node starts as a follower, with an election timeout drawn at random (each arc is the time it has left): which node will lead term 1?",
		nodeChoices(s.c.cfg.Nodes)...)
	id, term, ok := s.awaitLeader(0)
	if !ok {
		return
	}
	s.answer(guess, nodeName(id), fmt.Sprintf("node %d leads term %d: its timer ran out first, so it stood first, and a majority granted it their votes before any other timer ran out (§5.2)", id, term))
	if s.c.cfg.Nodes == 1 {
		s.say("node %d leads term %d: in a cluster of one, its own vote is a majority", id, term)
	} else {
		s.say("node %d leads term %d; its heartbeats reset every follower's timer, so nobody else stands", id, term)
	}
	s.pause(s.hold)
}

func playCrash(s *stage) {
	if _, _, ok := s.awaitLeader(0); !ok {
		return
	}
	s.pause(s.hold)
	old, term, ok := s.awaitLeader(0)
	if !ok {
		return
	}
	guess := s.ask(fmt.Sprintf("node %d, the leader of term %d, is about to crash: which node will lead next?", old, term),
		nodeChoices(s.c.cfg.Nodes, old)...)
	s.say("crashing node %d, the leader of term %d: its done channel closes and its goroutine exits", old, term)
	crashedAt := s.c.rec.now()
	elected := s.firstAt(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Leader && ev.Term > term })
	if err := s.c.Crash(old); err != nil {
		s.say("could not crash node %d: %v", old, err)
		return
	}
	id, newTerm, ok := s.awaitLeader(term)
	if !ok {
		return
	}
	s.say("node %d leads term %d, %s after the crash: the survivors are a majority of the whole cluster",
		id, newTerm, formatDuration(elected()-crashedAt))
	s.answer(guess, nodeName(id), fmt.Sprintf("node %d: of the survivors, its election timer ran out first after the last heartbeat (§5.2)", id))
	s.pause(s.hold / 2)
	s.say("restarting node %d: it returns as a follower, with only the term, vote and log it kept", old)
	if err := s.c.Restart(old); err != nil {
		s.say("could not restart node %d: %v", old, err)
		return
	}
	if s.waitFor(func() bool { return s.nodeStatus(old).Term >= newTerm }) {
		s.say("node %d rejoined as a follower in term %d: the first message it got carried a newer term (§5.1)",
			old, s.nodeStatus(old).Term)
	}
	s.pause(s.hold / 2)
}

// splitVoteConfig gives every node the same first timeout and the network
// some latency, so every node stands in term 1 before any RequestVote
// arrives.
func splitVoteConfig(cfg *Config) {
	cfg.FirstTimeouts = make([]time.Duration, cfg.Nodes)
	for i := range cfg.FirstTimeouts {
		cfg.FirstTimeouts[i] = cfg.ElectionTimeoutMin
	}
	if cfg.MaxLatency == 0 {
		cfg.MaxLatency = 10 * time.Millisecond
	}
}

func playSplitVote(s *stage) {
	guess := s.ask("every node's first election timeout is the same this time: will a node win term 1?", "yes", "no")
	id, term, ok := s.awaitLeader(0)
	if !ok {
		return
	}
	first, _ := s.c.rec.election(1)
	if first.leader == 0 {
		s.answer(guess, "no", "no: every node stood in term 1 at once and voted for itself, so no one had a majority (§5.2)")
	} else {
		s.answer(guess, "yes", fmt.Sprintf("yes: node %d's RequestVotes came first, and won it a majority", first.leader))
	}
	switch {
	case first.leader != 0 && len(first.candidates) == 1:
		s.say("this time node %d's RequestVotes arrived before any other timer fired, and it won term 1 alone; try another -seed or more -latency",
			first.leader)
		return
	case first.leader != 0 && votedTwice(first):
		s.say("term 1: %s stood, and yet node %d won: voters voted more than once in term 1, which §5.2 forbids (the safety checker reports what followed)",
			nameNodes(first.candidates), first.leader)
		return
	case first.leader != 0:
		s.say("term 1: %s stood, but node %d's RequestVotes reached a majority before their timers fired, and it won",
			nameNodes(first.candidates), first.leader)
		return
	}
	s.say("term 1: %d nodes stood at once and each kept its one vote for itself, so nobody reached a majority",
		len(first.candidates))
	won, _ := s.c.rec.election(term)
	if len(won.candidates) == 1 {
		s.say("their next timeouts were random, and in term %d node %d's fired before anyone else's: it stood alone and won", term, id)
	} else {
		s.say("their next timeouts were random; in term %d, %s stood, and node %d's requests reached a majority first",
			term, nameNodes(won.candidates), id)
	}
	s.pause(s.hold / 2)
}

// playTransfer hands leadership over to a follower (dissertation §3.10)
// before taking the old leader down, and compares the time without a
// leader with an election timeout.
func playTransfer(s *stage) {
	old, term, ok := s.leaderSettled()
	if !ok || !s.put("x", "1") {
		return
	}
	target := old%s.c.cfg.Nodes + 1
	guess := s.ask(fmt.Sprintf("node %d, the leader, will hand its leadership over to node %d before it goes down for maintenance: will the cluster be without a leader for an election timeout (%s at least)?",
		old, target, formatDuration(s.c.cfg.ElectionTimeoutMin)), "yes", "no")
	s.say("node %d is to be taken down for maintenance: first it hands its leadership over to node %d (transfer %d)", old, target, target)
	asked := s.c.rec.now()
	elected := s.firstAt(func(ev Event) bool { return ev.Kind == EventRole && ev.Role == Leader && ev.Term > term })
	if err := s.c.Transfer(target); err != nil {
		s.say("could not hand over: %v", err)
		return
	}
	id, newTerm, ok := s.awaitLeader(term)
	if !ok {
		return
	}
	took := elected() - asked
	s.say("node %d leads term %d, %s after the leader was asked: it caught up, got TimeoutNow, stood at once and won", id, newTerm, formatDuration(took))
	if st := s.nodeStatus(old); st.Role == Follower {
		s.say("node %d stepped down: it saw term %d (§5.1)", old, st.Term)
	} else {
		s.say("node %d has not heard of term %d yet: it still believes it leads term %d, and takes no client command while it hands over", old, newTerm, term)
	}
	s.answer(guess, "no", fmt.Sprintf("no: node %d led %s after the request, where a crash costs an election timeout at least (%s), because TimeoutNow made it stand at once",
		id, formatDuration(took), formatDuration(s.c.cfg.ElectionTimeoutMin)))
	s.say("taking node %d down for maintenance: it crashes, and node %d leads on", old, id)
	if err := s.c.Crash(old); err != nil {
		s.say("could not take node %d down: %v", old, err)
		return
	}
	if s.put("y", "2") {
		s.say("the client's put y = 2 committed under node %d; node %d's maintenance cost no election", id, old)
	}
	s.pause(s.hold / 2)
}

// nodeChoices names the nodes of a cluster of n, but for those left out,
// as a lesson's choices.
func nodeChoices(n int, except ...int) []string {
	var choices []string
	for id := 1; id <= n; id++ {
		if !slices.Contains(except, id) {
			choices = append(choices, nodeName(id))
		}
	}
	return choices
}

// nodeName is node id, as a lesson's choice names it.
func nodeName(id int) string { return fmt.Sprintf("node %d", id) }

// votedTwice reports whether any node granted more than one vote in the
// term t records.
func votedTwice(t termRecord) bool {
	for _, votes := range t.votesBy {
		if votes > 1 {
			return true
		}
	}
	return false
}

func playPartition(s *stage) {
	old, term, ok := s.leaderSettled()
	if !ok {
		return
	}
	_, majority, ok := s.cutOff(old)
	if !ok {
		return
	}
	guess := s.ask(fmt.Sprintf("node %d, the leader, is cut off in a minority: when the partition heals, will it still lead?", old), "yes", "no")
	// The script is the engine's driver: nothing moves until it waits,
	// so the watch sees every heartbeat the partition drops.
	var lostHeartbeats atomic.Int64
	s.c.rec.watch(func(ev Event) {
		if ev.Kind == EventDrop && ev.From == old && slices.Contains(majority, ev.To) {
			if _, ok := ev.Msg.(AppendEntries); ok {
				lostHeartbeats.Add(1)
			}
		}
	})
	id, newTerm, ok := s.awaitLeader(term)
	if !ok {
		return
	}
	s.say("the majority elected node %d in term %d, while node %d still believes it leads term %d", id, newTerm, old, term)
	s.pause(s.hold / 2)
	s.say("node %d sent %d AppendEntries (its heartbeats, one per node of the majority each round) to the majority since the partition; the partition dropped every one",
		old, lostHeartbeats.Load())
	s.say("healing the partition")
	s.c.Heal()
	if s.waitFor(func() bool { return s.nodeStatus(old).Role == Follower }) {
		s.say("node %d stepped down to follower in term %d: it saw the newer term (§5.1)", old, s.nodeStatus(old).Term)
		s.answer(guess, "no", fmt.Sprintf("no: the first message from the majority carried term %d, newer than its own, and a leader that sees a newer term steps down (§5.1)", newTerm))
	} else {
		s.say("node %d never stepped down: it still leads term %d beside node %d of term %d, though it heard the newer term",
			old, term, id, newTerm)
	}
	s.pause(s.hold / 2)
}

// playDisruptive cuts a follower off from everyone, lets its timer fire
// again and again, and brings it back. Without PreVote each timeout raises
// its term, and on its return that term makes the healthy leader step down
// (§5.1): a needless election. With PreVote it cannot win a pre-vote while
// cut off, so its term stays, and its return changes nothing (§9.6).
func playDisruptive(s *stage) {
	leader, _, ok := s.leaderSettled()
	if !ok {
		return
	}
	victim, ok := s.isolateFollower(leader)
	if !ok {
		return
	}
	s.pause(2 * s.hold)
	leader, term, ok := s.awaitLeader(0)
	if !ok {
		return
	}
	s.say("node %d is in term %d; the cluster's leader, node %d, is in term %d. Healing the partition.",
		victim, s.nodeStatus(victim).Term, leader, term)
	s.c.Heal()
	s.pause(s.hold)
	if now, nowTerm, _ := s.c.Leader(); now == leader && nowTerm == term {
		s.say("node %d still leads term %d: the returning node disturbed nothing", leader, term)
	} else {
		s.say("the cluster went from node %d in term %d to node %d in term %d: a needless election, forced by node %d's inflated term",
			leader, term, now, nowTerm, victim)
	}
}

// playLostQuorum cuts the leader off from every other node. Without
// CheckQuorum nothing tells it that it lost its majority; with it, the
// leader steps down within an election timeout (dissertation §6.2).
func playLostQuorum(s *stage) {
	leader, term, ok := s.leaderSettled()
	if !ok {
		return
	}
	s.say("cutting the leader, node %d, off from every other node", leader)
	cutAt := s.c.rec.now()
	steppedDown := s.firstAt(func(ev Event) bool { return ev.Kind == EventRole && ev.Node == leader && ev.Role != Leader })
	if !s.partition(allBut(leader, s.c.cfg.Nodes)) {
		return
	}
	if s.waitFor(func() bool { return s.nodeStatus(leader).Role != Leader }) {
		s.say("node %d stepped down %s after it was cut off: it could not hear a majority (CheckQuorum)",
			leader, formatDuration(steppedDown()-cutAt))
	} else {
		s.say("node %d still believes it leads term %d, %s after it lost its majority",
			leader, term, formatDuration(s.c.rec.now()-cutAt))
	}
	s.pause(s.hold / 2)
}

// playAmnesia crashes and restarts node 1 right after every node has
// stood in term 1, while the others' RequestVotes are still on their way
// to it. Remembering its vote for itself (Figure 2), it refuses them all.
func playAmnesia(s *stage) {
	if !s.waitFor(func() bool { return s.nodeStatus(1).Role == Candidate }) {
		s.say("node 1 never stood; stopping here")
		return
	}
	s.say("crashing and restarting node 1, while the other candidates' RequestVotes are still on their way to it")
	if err := errors.Join(s.c.Crash(1), s.c.Restart(1)); err != nil {
		s.say("could not crash and restart node 1: %v", err)
		return
	}
	if _, term, ok := s.awaitLeader(0); ok {
		s.say("term %d has a leader; node 1 granted %s in term 1", term, plural(s.votesGranted(1, 1), "vote"))
	}
	s.pause(s.hold / 2)
}

// slowNetworkConfig makes every message take up to 250 ms, longer than an
// election timeout, breaking Raft's timing requirement (§5.6,
// broadcastTime << electionTimeout).
func slowNetworkConfig(cfg *Config) {
	cfg.MaxLatency = max(cfg.MaxLatency, 250*time.Millisecond)
}

func playSlowNetwork(s *stage) {
	if _, term, ok := s.awaitLeader(0); ok {
		s.say("a leader at last, in term %d, after %s that failed (§5.6: broadcastTime << electionTimeout)",
			term, plural(int(term-1), "election"))
	}
	s.pause(s.hold / 2)
}
