// stage.go is how a story is told: a scenario, and the stage its script
// plays on, with what every script does (say, pause, wait for a leader,
// cut a node off, put and get). scenarios.go holds the election's
// stories and the list of them all; scenarios_log.go the log's.

package main

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// scenario is one story: what to watch for, the smallest cluster that can
// tell it, how it adjusts the Config, and the script that drives the
// cluster once it has started.
type scenario struct {
	name     string
	watchFor string
	minNodes int
	exact    bool   // it runs on minNodes nodes, no more
	why      string // why it needs minNodes
	adjust   func(*Config)
	script   func(*stage)
	extra    bool // not one of the four classic stories of the tour
}

// fits reports whether the scenario can run on a cluster of n nodes.
func (sc scenario) fits(n int) bool {
	return n == sc.minNodes || n > sc.minNodes && !sc.exact
}

// config returns base as this scenario adjusts it.
func (sc scenario) config(base Config) Config {
	cfg := base
	if sc.adjust != nil {
		sc.adjust(&cfg)
	}
	return cfg
}

// stage is where a scenario plays: its running cluster, the script's turn
// as the engine's driver, how long the script waits, and what ends it
// early. Only the script's goroutine uses it.
//
// The script is the engine's driver: while it looks at the cluster and
// acts, nothing moves, so what it says of the cluster is true when it
// says it, and the same seed plays the same story.
type stage struct {
	c      *Cluster
	driver *driver
	// patience bounds every wait for the cluster to reach a state, so a
	// run always ends even if, say, the network loses every message.
	patience time.Duration
	// hold is how long the script lets the cluster run between steps, long
	// enough for many heartbeats and several election timeouts.
	hold time.Duration
	// abort, when closed, ends the script early: the record of the run
	// stops there, and every later pause and wait returns at once.
	abort <-chan struct{}
	// lesson, on the page with -lesson, holds the run still at each step
	// and question until the class goes on (lesson.go); nil otherwise.
	lesson *lesson
}

// longest is the longest sc can take on a cluster of base, in real time.
func (sc scenario) longest(base Config) time.Duration {
	return scriptBudget(sc.config(base))
}

// scriptBudget is the longest a scenario's script may take on a cluster of
// cfg, in real time when paced. No script waits for more than three
// patiences and pauses for more than four holds in all.
func scriptBudget(cfg Config) time.Duration {
	patience, hold := stageTimes(cfg)
	return time.Duration(float64(3*patience+4*hold) * max(cfg.Slowdown, 1))
}

// play runs sc on a fresh cluster built from cfg, narrating in its log, and
// stops the cluster when the script ends, or soon after abort closes. It
// returns the cluster for its summary.
func (sc scenario) play(cfg Config, abort <-chan struct{}) (*Cluster, error) {
	c, err := NewCluster(sc.config(cfg))
	if err != nil {
		return nil, err
	}
	sc.run(c, abort, nil)
	return c, nil
}

// run starts c, which sc.config built, plays the script on it, as a
// lesson if l is not nil, and stops c when the script ends, or soon after
// abort closes.
func (sc scenario) run(c *Cluster, abort <-chan struct{}, l *lesson) {
	s := &stage{c: c, abort: abort, lesson: l}
	s.patience, s.hold = stageTimes(c.cfg)
	s.driver = c.startAsDriver()
	defer func() { s.driver.release() }() // the driver then, which a lesson's step replaces
	defer c.Stop()                        // by the driver, so at the script's last moment
	sc.script(s)
}

// say narrates a step of the script. The narration is an event, so that it
// takes its place in the log among the nodes' own lines. In a lesson, the
// run stands still there until the class goes on.
func (s *stage) say(format string, args ...any) {
	caption := fmt.Sprintf(format, args...)
	s.c.note(Event{Kind: EventNote, Reason: caption})
	s.stopFor(lessonStep{Caption: caption})
}

// ask puts a question to the class, in a lesson, and returns its
// prediction, one of choices, once it has made it; the run stands still
// meanwhile. Outside a lesson it asks nothing, and returns "".
func (s *stage) ask(question string, choices ...string) string {
	return s.stopFor(lessonStep{Question: question, Choices: choices})
}

// answer tells the class, in a lesson, what happened, truth, one of the
// choices it predicted guess from: whether it guessed right, and why.
// Outside a lesson (guess ""), it tells nothing.
func (s *stage) answer(guess, truth, why string) {
	if guess == "" {
		return
	}
	s.c.note(Event{Kind: EventNote, Reason: fmt.Sprintf("the class predicted %s: %s", guess, why)})
	s.stopFor(lessonStep{Caption: why, Guess: guess, Right: guess == truth})
}

// stopFor holds the run still at step, in a lesson, until the class goes
// on, and returns its prediction if step asks for one. The clock stands
// still meanwhile, and the script lets go of the engine, so that the
// class can step the run, or resume it, by the page's controls.
func (s *stage) stopFor(step lessonStep) string {
	if s.lesson == nil || s.aborted() {
		return ""
	}
	paused := s.c.clock.pause()
	s.driver.release()
	move := s.lesson.await(step, s.abort)
	s.driver = s.c.clock.drive()
	if paused {
		s.c.clock.resume()
	}
	s.aborted()
	return move
}

// aborted reports whether the run was told to stop, and if so ends the
// record of the run there: the rest of the script runs through at once,
// and must not show in the log or the summary.
func (s *stage) aborted() bool {
	if closed(s.abort) {
		s.c.rec.halt()
		return true
	}
	return false
}

// pause lets the cluster run on its own for d of protocol time.
func (s *stage) pause(d time.Duration) {
	s.driver.sleep(d, s.abort)
	s.aborted()
}

// waitFor lets the cluster run until cond holds or patience runs out, and
// reports whether it held.
func (s *stage) waitFor(cond func() bool) bool {
	held := s.driver.until(s.patience, s.abort, cond)
	return !s.aborted() && held
}

// awaitLeader waits for a leader of a term after term, and narrates why
// if none comes.
func (s *stage) awaitLeader(after uint64) (id int, term uint64, ok bool) {
	s.waitFor(func() bool {
		id, term, ok = s.c.Leader()
		return ok && term > after
	})
	if !ok || term <= after {
		since := "no leader"
		if after > 0 {
			since = fmt.Sprintf("no leader after term %d", after)
		}
		s.say("%s within %s: %s. Stopping here.", since, formatDuration(s.patience), s.whyNoLeader())
		return 0, 0, false
	}
	return id, term, true
}

// whyNoLeader names what most likely kept the cluster from electing a
// leader, from what the scenario set up.
func (s *stage) whyNoLeader() string {
	cfg := s.c.cfg
	switch loss := s.c.lossRate(); {
	case cfg.ElectionTimeoutMin == cfg.ElectionTimeoutMax || cfg.Break == BreakFixedTimeout:
		return "every election timeout is the same, so nodes that time out together split the vote, again and again (§5.2)"
	case loss > 0:
		return fmt.Sprintf("the network loses %s of messages, votes included", formatPercent(loss))
	case cfg.MaxLatency >= cfg.ElectionTimeoutMin/2:
		return fmt.Sprintf("messages take up to %s, too long beside election timeouts of %s (§5.6: broadcastTime << electionTimeout)",
			formatDuration(cfg.MaxLatency), formatDuration(cfg.ElectionTimeoutMin))
	}
	return "no candidate gathered votes from a majority in time"
}

// leaderSettled waits for the first leader, lets it lead for a while, and
// returns the leader as it is then, when the script breaks something: the
// script names the leader it acts on, not one it remembers.
func (s *stage) leaderSettled() (id int, term uint64, ok bool) {
	if _, _, ok = s.awaitLeader(0); !ok {
		return 0, 0, false
	}
	s.pause(s.hold / 2)
	return s.awaitLeader(0)
}

// cutOff partitions the cluster into a minority, with the leader, and the
// majority of the rest, and says so.
func (s *stage) cutOff(leader int) (minority, majority []int, ok bool) {
	minority, majority = splitAround(leader, s.c.cfg.Nodes)
	s.say("cutting the leader, node %d, off from the majority: partition %s", leader, formatGroups([][]int{minority, majority}))
	return minority, majority, s.partition(minority, majority)
}

// isolateFollower cuts a follower of leader off from every other node, and
// says so. It returns the follower.
func (s *stage) isolateFollower(leader int) (follower int, ok bool) {
	follower = leader%s.c.cfg.Nodes + 1
	s.say("cutting node %d, a follower, off from every other node", follower)
	return follower, s.partition(allBut(follower, s.c.cfg.Nodes))
}

// partition splits the network into groups, and narrates a failure.
func (s *stage) partition(groups ...[]int) bool {
	if err := s.c.Partition(groups...); err != nil {
		s.say("could not partition: %v", err)
		return false
	}
	return true
}

// nodeStatus is the cluster's current view of node id.
func (s *stage) nodeStatus(id int) NodeStatus { return s.c.Status()[id-1] }

// votesGranted counts the votes node id granted in term, its own included.
func (s *stage) votesGranted(id int, term uint64) int {
	granted := 0
	if t, ok := s.c.rec.election(term); ok {
		granted = t.votesBy[id]
	}
	return granted
}

// splitAround splits nodes 1..n into a minority that holds leader and the
// majority of the rest.
func splitAround(leader, n int) (minority, majority []int) {
	minority = []int{leader}
	for id := 1; id <= n; id++ {
		switch {
		case id == leader:
		case len(minority) < (n-1)/2:
			minority = append(minority, id)
		default:
			majority = append(majority, id)
		}
	}
	slices.Sort(minority)
	return minority, majority
}

// put has the cluster's client set key to value, and narrates a failure.
func (s *stage) put(key, value string) bool {
	if err := s.c.Put(key, value); err != nil {
		s.say("put %s %s failed: %v. Stopping here.", key, value, err)
		return false
	}
	return !s.aborted()
}

// get has the client read key, and says what it read.
func (s *stage) get(key string) string {
	value, ok, err := s.c.Get(key)
	switch {
	case err != nil:
		return fmt.Sprintf("nothing (%v)", err)
	case !ok:
		return "no value"
	}
	return value
}

// readFrom has a client that reaches node id alone read key there, waiting
// for the answer as long as id leads, for at most the stage's hold. It
// returns the answer and whether there was one.
func (s *stage) readFrom(id int, key string) (value string, answered bool) {
	value, answered, err := s.c.readFrom(id, key, s.hold, s.abort)
	if err != nil {
		s.say("could not ask node %d: %v", id, err)
	}
	return value, answered
}

// logsAgree reports whether node id's log is the same as node other's.
func (s *stage) logsAgree(id, other int) bool {
	return slices.Equal(s.c.Entries(id), s.c.Entries(other))
}

// holds reports whether node id's log has an entry of term at index.
func (s *stage) holds(id int, index, term uint64) bool {
	entries := s.c.Entries(id)
	return index >= 1 && index <= uint64(len(entries)) && entries[index-1].Term == term
}

// countEvents counts, from now on, the events for which match holds.
func (s *stage) countEvents(match func(Event) bool) *atomic.Int64 {
	var count atomic.Int64
	s.c.rec.watch(func(ev Event) {
		if match(ev) {
			count.Add(1)
		}
	})
	return &count
}

// firstAt watches, from now on, for the first event for which match
// holds, and returns a way to read when it came (0: not yet), so that a
// narration gives the event's own time, not the moment it looked.
func (s *stage) firstAt(match func(Event) bool) func() time.Duration {
	var at atomic.Int64
	s.c.rec.watch(func(ev Event) {
		if match(ev) {
			at.CompareAndSwap(0, int64(ev.At))
		}
	})
	return func() time.Duration { return time.Duration(at.Load()) }
}
