// narration_test.go checks what the scenarios say against what happened:
// every claim a narration makes about the cluster (who leads, in which
// term, whom the script cuts off or crashes) must hold in the run's own
// events at the moment it is said. The engine makes that possible: a
// script looks and speaks between steps, while nothing moves.

package main

import (
	"flag"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
)

// narrationSeeds is the suite's share of seeds; -narration.seeds 50 checks
// more on demand.
var narrationSeeds = flag.Int("narration.seeds", 20, "seeds per scenario and cluster size in TestNarrationTellsTheTruth")

// leaderClaims are the sentences in which a scenario says that a node
// leads: the first group is the node, the second, when there is one, the
// term it leads.
var leaderClaims = []*regexp.Regexp{
	regexp.MustCompile(`^node (\d+) leads term (\d+)`),
	regexp.MustCompile(`^crashing node (\d+), the leader of term (\d+)`),
	regexp.MustCompile(`^cutting the leader, node (\d+),`),
	regexp.MustCompile(`the cluster's leader, node (\d+), is in term (\d+)`),
	regexp.MustCompile(`^the majority elected node (\d+) in term (\d+)`),
	regexp.MustCompile(`^node (\d+) still leads term (\d+)`),
}

// claimedLeader is the node and term (0: any) that a narration says
// leads, if it says so.
func claimedLeader(note string) (id int, term uint64, ok bool) {
	for _, claim := range leaderClaims {
		if m := claim.FindStringSubmatch(note); m != nil {
			id, _ = strconv.Atoi(m[1])
			if len(m) > 2 {
				t, _ := strconv.Atoi(m[2])
				term = uint64(t)
			}
			return id, term, true
		}
	}
	return 0, 0, false
}

// Every scenario, over many seeds on 3 and 5 nodes: when a narration says
// a node leads (a term), that node is alive and leads (that term) in the
// run's events up to that moment; and when the partition scenario cuts
// the leader off, the node it names is the one in the minority.
func TestNarrationTellsTheTruth(t *testing.T) {
	var checked atomic.Int64
	t.Run("scenarios", func(t *testing.T) {
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				for _, nodes := range []int{3, 5} {
					for seed := uint64(1); seed <= uint64(shortOr(*narrationSeeds, 3)) && sc.fits(nodes); seed++ {
						_, events := playScenario(t, sc.name, seed, func(cfg *Config) {
							cfg.Nodes, cfg.Timing = nodes, Unpaced
						})
						checked.Add(int64(checkNarration(t, sc.name, nodes, seed, events.matching(func(Event) bool { return true }))))
					}
				}
			})
		}
	})
	if checked.Load() == 0 {
		t.Fatal("no narration claimed a leader: the patterns no longer match the scripts")
	}
	t.Logf("%d claims about the leader checked against the events", checked.Load())
}

// checkNarration follows a run's events, keeping each node's status as
// the recorder does, and checks each narration's claim about the leader
// against it. It returns how many claims it checked.
func checkNarration(t *testing.T, name string, nodes int, seed uint64, events []Event) int {
	t.Helper()
	status := make([]NodeStatus, nodes+1) // by id
	checked := 0
	for _, ev := range events {
		switch ev.Kind {
		case EventStart:
			for id := range status {
				status[id].Alive = true
			}
		case EventRole, EventVote:
			status[ev.Node].Role, status[ev.Node].Term = ev.Role, ev.Term
		case EventCrash:
			status[ev.Node].Alive = false
		case EventRestart:
			status[ev.Node].Alive, status[ev.Node].Role, status[ev.Node].Term = true, Follower, ev.Term
		case EventNote:
			id, term, ok := claimedLeader(ev.Reason)
			if !ok {
				continue
			}
			checked++
			st := status[id]
			if !st.Alive || st.Role != Leader || term != 0 && st.Term != term {
				t.Errorf("%s, %d nodes, seed %d, at %s: said %q, but node %d was %s in term %d (alive: %t)",
					name, nodes, seed, formatDuration(ev.At), ev.Reason, id, st.Role, st.Term, st.Alive)
			}
		}
	}
	return checked
}
