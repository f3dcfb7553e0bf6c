// scenarios_log.go holds the log chapter's stories: a client's puts and
// gets across a leader change, a stale log refused a vote (§5.4.1), a
// divergent log repaired (Figure 7), and the paper's Figure 8, where an
// older term's entry on a majority is still not committed (§5.4.2). Like
// the election's stories (scenarios.go), each script drives the cluster
// through its stage (stage.go) and narrates what holds when it speaks.

package main

import (
	"fmt"
	"slices"
	"time"
)

var logScenarios = []scenario{
	{
		name:     "client",
		watchFor: "a client puts and gets through the leader; cut off in a minority, the leader takes a put it cannot commit, and the client tries again at the majority's new leader, which applies it once",
		minNodes: 3,
		why:      "a majority must remain without the leader",
		script:   playClient,
		extra:    true,
	},
	{
		name:     "stale-read",
		watchFor: "a leader cut off in a minority is deposed without knowing it; a client beside it asks it to read a key the majority has since changed: may it answer from its own state? (try it with -break stale-read)",
		minNodes: 3,
		why:      "a majority must remain without the leader",
		script:   playStaleRead,
		extra:    true,
	},
	{
		name:     "stale-log",
		watchFor: "a node cut off while entries commit comes back with a higher term and stands, and the voters refuse it: their logs are more up-to-date (§5.4.1)",
		minNodes: 3,
		why:      "entries must commit without the cut-off node",
		script:   playStaleLog,
		extra:    true,
	},
	{
		name:     "repair",
		watchFor: "a leader cut off in a minority takes commands it cannot commit; at the heal the new leader's entries conflict with them, and they are deleted and replaced (Figure 7)",
		minNodes: 3,
		why:      "a majority must remain without the leader",
		script:   playRepair,
		extra:    true,
	},
	{
		name:     "figure-8",
		watchFor: "the paper's Figure 8: an entry of an older term reaches a majority, is not committed (§5.4.2), and is overwritten by a leader that never had it",
		minNodes: 5,
		exact:    true,
		why:      "the figure has five servers: fewer cannot tell it, and more would elect a leader of their own",
		adjust:   figure8Config,
		script:   playFigure8,
		extra:    true,
	},
}

func playClient(s *stage) {
	leader, _, ok := s.leaderSettled()
	if !ok {
		return
	}
	s.say("the client puts x = 1 through node %d, the leader: it answers once a majority stores the entry and it has applied it", leader)
	if !s.put("x", "1") {
		return
	}
	s.say("committed and applied; get x, %s, reads %s", howReadsWork(s.c.cfg), s.get("x"))
	requests := s.countEvents(func(ev Event) bool { return ev.Kind == EventRequest })
	guess := s.ask(fmt.Sprintf("node %d, the leader, is about to be cut off in a minority, and the client will ask it to put x = 2: will node %d commit the entry?", leader, leader), "yes", "no")
	now, term, ok := cutOffAndPut(s, leader)
	if !ok {
		return
	}
	s.answer(guess, "no", fmt.Sprintf("no: an entry commits once a majority stores it (§5.3), and node %d, cut off, reached no majority; node %d, elected by the majority, committed it", leader, now))
	if requests.Load() > 1 {
		s.say("the client asked node %d first, which took the put into its log but, without a majority, could not commit it; when node %d won term %d the client asked again with the same serial number, and node %d committed it",
			leader, now, term, now)
	} else {
		s.say("node %d, leader of term %d, committed the put", now, term)
	}
	s.say("healing the partition")
	s.c.Heal()
	if s.waitFor(func() bool { return s.logsAgree(leader, now) }) {
		s.say("node %d's log is node %d's now: its uncommitted copy of the put is gone (§5.3), and get x reads %s, applied once",
			leader, now, s.get("x"))
	}
	s.pause(s.hold / 2)
}

func playStaleRead(s *stage) {
	old, _, ok := s.leaderSettled()
	if !ok {
		return
	}
	s.say("the client puts x = 1 through node %d, the leader", old)
	if !s.put("x", "1") {
		return
	}
	now, term, ok := cutOffAndPut(s, old)
	if !ok {
		return
	}
	s.say("node %d, leader of term %d, committed x = 2, and the client was told so. A second client, which can reach node %d alone, asks it to read x: node %d still believes it leads term %d",
		now, term, old, old, s.nodeStatus(old).Term)
	guess := s.ask(fmt.Sprintf("will node %d, deposed without knowing it, answer the read?", old), "yes", "no")
	value, answered := s.readFrom(old, "x")
	if answered {
		s.answer(guess, "yes", fmt.Sprintf("yes: node %d answered from its own state, without asking a majority whether it still leads", old))
	} else {
		s.answer(guess, "no", fmt.Sprintf("no: node %d could not confirm with a majority that it still leads, so it gave no answer rather than a stale one", old))
	}
	switch {
	case answered && value == "2":
		s.say("node %d answered x = 2", old)
	case answered:
		s.say("node %d answered x = %s, from its own state: the client was told x = 2 before this read began, so no single copy of the store gives both answers (§8: reads must be linearizable)", old, value)
	case s.c.cfg.LogReads:
		s.say("node %d did not answer: with -log-reads the get is an entry of its log, which it cannot commit without a majority", old)
	default:
		s.say("node %d did not answer: no majority answers the heartbeats it sent after the read came, so it cannot confirm that it still leads (ReadIndex, §6.4), and a stale answer is no answer", old)
	}
	s.say("healing the partition")
	s.c.Heal()
	if s.waitFor(func() bool { return s.nodeStatus(old).Role != Leader }) {
		s.say("node %d heard term %d and stepped down: it had been deposed all along", old, term)
	}
	s.pause(s.hold / 2)
}

// cutOffAndPut cuts leader off in a minority and has the client put x = 2:
// the cut-off leader takes it and cannot commit it, and the client asks
// again at the majority's new leader, which does. It returns that leader
// and its term.
func cutOffAndPut(s *stage, leader int) (now int, term uint64, ok bool) {
	if _, _, ok := s.cutOff(leader); !ok {
		return 0, 0, false
	}
	if !s.put("x", "2") {
		return 0, 0, false
	}
	return s.awaitLeader(0)
}

// howReadsWork says how a leader answers a get in a cluster of cfg.
func howReadsWork(cfg Config) string {
	if cfg.LogReads {
		return "itself an entry of the log with -log-reads, so that it sees every put before it"
	}
	return "which the leader answers without a log entry once a majority has answered a heartbeat sent after the read came (§6.4)"
}

func playStaleLog(s *stage) {
	leader, _, ok := s.leaderSettled()
	if !ok {
		return
	}
	stale, ok := s.isolateFollower(leader)
	if !ok {
		return
	}
	if !s.put("a", "1") || !s.put("b", "2") {
		return
	}
	s.pause(s.hold)
	st := s.nodeStatus(stale)
	var committed uint64
	for _, other := range s.c.Status() {
		committed = max(committed, other.CommitIndex)
	}
	s.say("entries up to %d are committed without node %d, whose log ends at %s; it is in term %d. Healing the partition.",
		committed, stale, logEnd(st.LastLogIndex, st.LastLogTerm), st.Term)
	refused := s.countEvents(func(ev Event) bool {
		return (ev.Kind == EventVote || ev.Kind == EventPreVote) && ev.Candidate == stale && ev.Cause.Rule == RuleLogBehind
	})
	guess := s.ask(fmt.Sprintf("node %d comes back with a higher term and stands: will it win?", stale), "yes", "no")
	s.c.Heal()
	s.pause(s.hold)
	winner, term, ok := s.awaitLeader(0)
	if ok && winner == stale {
		s.answer(guess, "yes", fmt.Sprintf("yes: node %d won, with a log that lacks committed entries", stale))
	} else if ok {
		s.answer(guess, "no", fmt.Sprintf("no: a voter refuses a candidate whose log is less up to date than its own (§5.4.1), and node %d's lacks committed entries", stale))
	}
	switch {
	case !ok:
	case winner == stale:
		s.say("node %d won term %d with a log that lacks committed entries: its voters did not check its log (§5.4.1)", stale, term)
	case refused.Load() > 0:
		s.say("node %d asked for votes with its stale log and drew %s for it (§5.4.1); node %d, whose log holds every committed entry, leads term %d",
			stale, plural(int(refused.Load()), "refusal"), winner, term)
	default:
		s.say("node %d never asked for votes with its stale log; node %d leads term %d", stale, winner, term)
	}
	if ok && winner != stale && s.waitFor(func() bool { return s.logsAgree(stale, winner) }) {
		s.say("node %d's log now matches node %d's", stale, winner)
	}
	s.pause(s.hold / 2)
}

func playRepair(s *stage) {
	old, term, ok := s.leaderSettled()
	if !ok {
		return
	}
	minority, _, ok := s.cutOff(old)
	if !ok {
		return
	}
	for _, command := range []string{"put a 1", "put b 2"} {
		if _, _, err := s.c.Propose(command); err != nil {
			s.say("node %d did not take %q: %v", old, command, err)
		}
	}
	st := s.nodeStatus(old)
	s.say("node %d took two commands, proposed with no client session, that it cannot commit: its log ends at %s, on %s only",
		old, logEnd(st.LastLogIndex, st.LastLogTerm), nameNodes(minority))
	s.say("the client puts c = 3: node %d takes it too, as entry %d, and cannot commit it either; the client asks again once the majority has a leader",
		old, st.LastLogIndex+1)
	if !s.put("c", "3") {
		return
	}
	now, newTerm, ok := s.awaitLeader(0)
	if !ok {
		return
	}
	s.say("the majority elected node %d in term %d, which committed put c 3 at its own index", now, newTerm)
	deleted := s.countEvents(func(ev Event) bool { return ev.Kind == EventTruncate && slices.Contains(minority, ev.Node) })
	guess := s.ask(fmt.Sprintf("when the partition heals, will the entries that node %d could not commit stay in its log?", old), "yes", "no")
	s.say("healing the partition")
	s.c.Heal()
	if s.waitFor(func() bool { return s.logsAgree(old, now) }) && deleted.Load() > 0 {
		s.say("the entries of term %d that no majority stored conflicted with node %d's: they were deleted from %s and replaced by node %d's (Figure 7, §5.3)",
			term, now, nameNodes(minority), now)
		s.answer(guess, "no", "no: they conflicted with the new leader's log, which every follower's is made to match (§5.3)")
	}
	s.pause(s.hold / 2)
}

// figure8Latency is every message's flight in the figure-8 scenario: fixed,
// so that the script can act between one message and the next.
const figure8Latency = 5 * time.Millisecond

// figure8Config sends one entry per AppendEntries, as the figure's
// leaders do, over a network whose every message takes the same time.
func figure8Config(cfg *Config) {
	cfg.MaxLatency, cfg.leastLatency = figure8Latency, figure8Latency
	cfg.entriesPerMessage = 1
}

// playFigure8 plays the paper's Figure 8 with the nodes it finds: A leads
// and puts an entry on B alone (a); A crashes and E wins a term on the
// rest, its own entry on it alone (b); E crashes and A or B wins and
// sends the old entry on, to a majority (c); it crashes before its own
// term's entry follows, and E wins again and overwrites the old entry (d).
func playFigure8(s *stage) {
	a, _, ok := s.leaderSettled()
	if !ok {
		return
	}
	n := s.c.cfg.Nodes
	b := a%n + 1
	rest := allBut(a, n)
	rest = slices.DeleteFunc(rest, func(id int) bool { return id == b })
	s.say("(a) cutting nodes %d and %d off from the rest; node %d, the leader, takes a put", a, b, a)
	if !s.partition([]int{a, b}, rest) {
		return
	}
	index, oldTerm, err := s.c.Propose("put x 1")
	if err != nil || !s.waitFor(func() bool { return s.holds(b, index, oldTerm) }) {
		s.say("node %d did not replicate the put to node %d. Stopping here.", a, b)
		return
	}
	s.say("entry %d of term %d is on nodes %d and %d only. (b) Crashing node %d", index, oldTerm, a, b, a)
	s.c.Crash(a)
	e, eTerm, ok := s.awaitLeader(oldTerm)
	if !ok {
		return
	}
	others := slices.DeleteFunc(slices.Clone(rest), func(id int) bool { return id == e })
	if !s.partition([]int{a, b}, others, []int{e}) {
		return
	}
	s.say("node %d leads term %d and appended its own entry %d; cut off at once, it keeps it to itself. Crashing node %d", e, eTerm, index, e)
	s.c.Crash(e)
	s.pause(2 * figure8Latency) // its entry, on its way to the others, is lost with the link
	s.say("(c) restarting node %d and healing: node %d or %d, whose logs hold entry %d of term %d, can win", a, a, b, index, oldTerm)
	s.c.Restart(a)
	s.c.Heal()
	leader, term, ok := s.awaitLeader(eTerm)
	if !ok {
		return
	}
	if !s.waitFor(func() bool {
		return !slices.ContainsFunc(others, func(id int) bool { return !s.holds(id, index, oldTerm) })
	}) {
		return
	}
	s.pause(figure8Latency) // the replies reach the leader, and its next entry is on its way
	holders := []int{a, b}
	holders = append(holders, others...)
	guess := s.ask(fmt.Sprintf("entry %d of term %d is on a majority now: has node %d, leader of term %d, committed it?", index, oldTerm, leader, term), "yes", "no")
	st := s.nodeStatus(leader)
	if st.CommitIndex >= index {
		s.answer(guess, "yes", fmt.Sprintf("yes: node %d counted the copies of an older term's entry, which §5.4.2 forbids (the checker will say what follows)", leader))
	} else {
		s.answer(guess, "no", "no: a leader commits an entry of an older term only with one of its own term (§5.4.2)")
	}
	if st.CommitIndex >= index {
		s.say("node %d, leader of term %d, committed entry %d of term %d once a majority held it, though it is of an older term; it is on %d of %d nodes now",
			leader, term, index, oldTerm, len(holders), n)
	} else {
		s.say("node %d, leader of term %d, knows entry %d of term %d is on %d of %d nodes, and does not commit it: it is not of its own term (§5.4.2)",
			leader, term, index, oldTerm, len(holders), n)
	}
	s.say("(d) crashing nodes %d and %d before the leader's own entry %d reaches the others, and restarting node %d", a, b, index+1, e)
	if !s.partition([]int{a, b}, append(slices.Clone(others), e)) {
		return
	}
	s.c.Crash(a)
	s.c.Crash(b)
	s.pause(2 * figure8Latency) // what was on its way to the others is lost with the link
	s.c.Heal()
	s.c.Restart(e)
	winner, winTerm, ok := s.awaitLeader(term)
	if !ok {
		return
	}
	if !s.waitFor(func() bool {
		return !slices.ContainsFunc(others, func(id int) bool { return !s.logsAgree(id, winner) })
	}) {
		return
	}
	s.say("node %d won term %d: its log ends in term %d, more up-to-date than the others', which end in term %d; its entry %d replaced theirs",
		winner, winTerm, eTerm, oldTerm, index)
	if st.CommitIndex >= index {
		s.say("entry %d of term %d had been committed, and now it is gone: the safety checker reports it", index, oldTerm)
	} else {
		s.say("entry %d of term %d had never been committed, so no committed entry was lost. Had node %d committed an entry of its own term first, entry %d would have been committed with it, and node %d could not have won (§5.4.2)",
			index, oldTerm, leader, index, e)
	}
	s.pause(s.hold / 2)
}
