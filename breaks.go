// breaks.go lists the safeguards a class can turn off, one at a time, with
// -break RULE, to watch what goes wrong without them. Each break is one
// test at the very place that enforces the rule, marked "-break NAME" in
// node.go, replication.go or cluster.go; none is ever on unless asked for. The safety
// checker (safety.go) or a liveness check catches every one.

package main

import "strings"

// Breakage names one safeguard turned off. The empty Breakage breaks
// nothing.
type Breakage string

const (
	BreakFixedTimeout  Breakage = "fixed-timeout"   // every election timeout is the minimum: no randomness
	BreakVoteTwice     Breakage = "vote-twice"      // grant every vote request, whatever votedFor says
	BreakForgetVote    Breakage = "forget-vote"     // votedFor is not on disk: a restart forgets it
	BreakNoStepdown    Breakage = "no-stepdown"     // a leader ignores newer terms
	BreakCountStale    Breakage = "count-stale"     // a candidate counts votes granted in older terms
	BreakVoteAnyLog    Breakage = "vote-any-log"    // votes ignore whether the candidate's log is up-to-date
	BreakCommitOldTerm Breakage = "commit-old-term" // a leader commits an older term's entry by counting replicas
	BreakStaleRead     Breakage = "stale-read"      // a leader answers a read from its own state without confirming it still leads
)

// breakage describes one break: the safeguard it removes, what goes wrong,
// and a scenario and seed that show it.
type breakage struct {
	name      Breakage
	safeguard string // the rule it breaks, with its section
	failure   string // what a class will see
	scenario  string
	seed      uint64
	caughtBy  string // the check that catches it
}

var breakages = []breakage{
	{BreakFixedTimeout, "election timeouts are random (§5.2)",
		"every node times out at the same moment, all stand, and they split the vote, term after term: no leader is ever elected",
		"crash", 1, "liveness: terms without a leader, one after another, which the summary counts (no safety property breaks, so the run exits 0)"},
	{BreakVoteTwice, "one vote per term, first come, first served (§5.2)",
		"candidates vote for each other as well as for themselves, so a term's votes outnumber its voters, and usually several leaders are elected in it",
		"split-vote", 2, "safety: one vote per term, and then Election Safety"},
	{BreakForgetVote, "votedFor is persistent: it survives a crash (Figure 2)",
		"a voter that crashes and restarts during an election votes a second time in the same term",
		"amnesia", 1, "safety: one vote per term"},
	{BreakNoStepdown, "a newer term makes a leader step down (§5.1)",
		"after the partition heals, the stale leader goes on leading its old term beside the new leader",
		"partition", 1, "liveness: the stale leader never steps down, as the scenario's last line and the summary show (no safety property breaks, so the run exits 0)"},
	{BreakCountStale, "a candidate counts only votes of its current term (Figure 2)",
		"votes granted in an election the candidate gave up elect it in a later term, without a majority there",
		"slow-network", 3, "safety: leader without a majority"},
	{BreakVoteAnyLog, "a vote goes only to a candidate whose log is at least as up-to-date (§5.4.1)",
		"a node that missed committed entries wins an election, and its log overwrites them on the others",
		"stale-log", 1, "safety: Leader Completeness, then State Machine Safety"},
	{BreakCommitOldTerm, "a leader commits only entries of its own term by counting replicas (§5.4.2)",
		"an older term's entry, committed because a majority held it, is overwritten by the next leader, as in the paper's Figure 8",
		"figure-8", 1, "safety: Leader Completeness, then State Machine Safety"},
	{BreakStaleRead, "a leader answers a read only once an entry of its term is committed and a majority confirms it still leads (dissertation §6.4, §8)",
		"a leader cut off in a minority, deposed without knowing it, answers a read with a value the majority has since overwritten",
		"stale-read", 1, "safety: linearizable reads"},
}

// knownBreakage reports whether b is one of the breaks.
func knownBreakage(b Breakage) bool {
	for _, known := range breakages {
		if known.name == b {
			return true
		}
	}
	return false
}

// breakageNames lists what -break accepts.
func breakageNames() string {
	names := make([]string, len(breakages))
	for i, b := range breakages {
		names[i] = string(b.name)
	}
	return strings.Join(names, ", ")
}
