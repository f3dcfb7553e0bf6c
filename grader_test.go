// grader_test.go is the lab's grader. In a copy that -lab wrote (lab.go),
// go test runs TestLab alone: the part's tests in the order a course
// teaches its rules, each a sentence of the paper, simplest first; then
// the whole program's tests, the random fault schedules and every
// scenario under the safety checker. A test that fails is followed by the
// sentence it checks and a run that shows it; the last line is the
// part's score, which -grade collects (grade.go). In the reference, where
// every part's bodies are in place, TestLab checks the grader's lists.

package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// labTest is one test of the grader, and the scenario in which a class
// can watch what it checks, with the refinements it needs (such as
// "disruptive -prevote"); "processes" is a cluster of node processes,
// where the state on disk is at work.
type labTest struct {
	test     func(*testing.T)
	scenario string
}

// graderTests are each part's tests, in the order the grader runs them.
var graderTests = map[string][]labTest{
	"election": {
		{TestNewerTermMakesAFollower, "partition"},
		{TestStaleRequestIsRefused, "partition"},
		{TestOneVotePerTerm, "split-vote"},
		{TestVoteOnlyForAnUpToDateLog, "stale-log"},
		{TestCandidateStartsAnElection, "election"},
		{TestStaleVoteResponseIsNotCounted, "slow-network"},
		{TestMajorityOfTheFullCluster, "crash"},
		{TestCandidateRecognizesTheLeader, "split-vote"},
		{TestANewTermHasNoLeaderYet, "partition"},
		{TestWhatRestartsTheElectionTimeout, "election"},
		{TestStalledFollowerTakesWaitingHeartbeat, "election"},
		{TestLeaderHeartbeatsEveryPeer, "election"},
		{TestNormalElection, "election"},
		{TestReelectionAfterLeaderCrash, "crash"},
		{TestSplitVote, "split-vote"},
		{TestStaleLeaderStepsDownAfterHeal, "partition"},
		{TestWholeClusterMajorityRequired, "crash"},
		{TestRestartKeepsTermVoteAndLog, "amnesia"},
	},
	"log": {
		{TestConsistencyCheck, "repair"},
		{TestRefusalNamesTheConflict, "repair"},
		{TestAppendEntriesTruncatesConflictsOnly, "figure-8"},
		{TestAppendEntriesAdvancesCommitIndex, "client"},
		{TestFollowerCommitsOnlyWhatTheMessageVouchesFor, "repair"},
		{TestNewLeaderSetsUpReplication, "client"},
		{TestLeaderTakesAClientsCommand, "client"},
		{TestSteppingDownAnswersWaitingClients, "client"},
		{TestMatchIndexNeverGoesBack, "repair"},
		{TestLeaderBacksUpATermAtATime, "repair"},
		{TestBackingUpStopsAtMatchIndex, "repair"},
		{TestCommitNeedsAMajority, "client"},
		{TestCommitIsTheHighestEntryOnAMajority, "client"},
		{TestLeaderCommitsOnlyItsOwnTermByCounting, "figure-8"},
		{TestFigure7FollowersAreRepaired, "repair"},
		{TestPutThenGet, "client"},
		{TestFollowerRejoinsAndCatchesUp, "repair"},
		{TestNoCommitWithoutMajority, "client"},
		{TestConcurrentProposals, "client"},
		{TestPartitionedLeaderEntriesDiscarded, "stale-log"},
		{TestLogSurvivesCrashes, "crash"},
		{TestRetriedPutAppliesOnce, "client"},
	},
	"persistence": {
		{TestVoteIsSavedBeforeTheReply, "processes"},
		{TestCandidacyIsSavedBeforeRequestVote, "processes"},
		{TestEntriesAreSavedBeforeTheReply, "processes"},
		{TestRestartedNodeRemembersItsVote, "processes"},
		{TestNothingGoesOutUnsaved, "processes"},
		{TestVoteReportedBeforeReply, "election"},
		{TestRestartKeepsTermVoteAndLog, "processes"},
		{TestNormalElection, "election"},
		{TestPutThenGet, "client"},
	},
	"refinements": {
		{TestPreVoteComesFirst, "disruptive -prevote"},
		{TestStalePreVoteIsNotCounted, "disruptive -prevote"},
		{TestPreVoteNeverMovesTerms, "disruptive -prevote"},
		{TestHearingLeaderEndsPreVote, "disruptive -prevote"},
		{TestLateAnswersCannotActOnNewRole, "slow-network -prevote"},
		{TestPreVoteRefusedWhileLeaderLive, "disruptive -prevote"},
		{TestLeaderRefusesAPreVote, "disruptive -prevote"},
		{TestRefusedPreVoteTeachesTheTerm, "disruptive -prevote"},
		{TestLeaderStickiness, "disruptive -checkquorum"},
		{TestVoteGrantedDespiteKnownLeader, "disruptive -checkquorum"},
		{TestDisruptiveScenario, "disruptive -prevote -checkquorum"},
		{TestQuorumCountsOnlyAnswersOfTheTerm, "lost-quorum -checkquorum"},
		{TestLostQuorumScenario, "lost-quorum -checkquorum"},
	},
}

// wholeProgram are the tests every part ends with: the whole program at
// work, under the safety checker.
var wholeProgram = []labTest{
	{TestEveryScenarioWithEveryRefinement, "crash"},
	{TestRandomFaultSchedules, "partition"},
	{TestConcurrentClientsAreLinearizable, "client"},
}

// labScore is a part's score in this run of the grader, for TestMain to
// print last.
type labScore struct {
	part            string
	passed, of, all int // passed of the tests run, of all the part has
	firstFailure    string
}

var labScores []labScore

// onlyTheGrader makes a lab copy's go test run TestLab alone, unless -run
// chooses other tests: the copy's other tests need every part written.
// It reports whether it did.
func onlyTheGrader() bool {
	flag.Parse()
	if labPart == "" || flag.Lookup("test.run").Value.String() != "" {
		return false
	}
	flag.Set("test.run", "^TestLab$")
	return true
}

// printLabScores prints each part's score, the line -grade reads.
func printLabScores() {
	for _, s := range labScores {
		if s.of < s.all {
			fmt.Printf("lab %s: %d of the %d tests -run chose pass (the part has %d)\n", s.part, s.passed, s.of, s.all)
		} else {
			fmt.Printf("lab %s: %d of %d tests pass\n", s.part, s.passed, s.of)
		}
		if s.firstFailure != "" {
			fmt.Printf("  start with %s (docs/lab.md)\n", s.firstFailure)
		}
	}
}

func TestLab(t *testing.T) {
	if labPart == "" {
		checkGraderLists(t)
		return
	}
	docs := testDocs(t)
	for _, part := range strings.Split(labPart, ",") {
		t.Run(part, func(t *testing.T) { gradePart(t, part, docs) })
	}
}

// gradePart runs part's tests, then the whole program's, and keeps its
// score. With -failfast it stops at the first failure.
func gradePart(t *testing.T, part string, docs map[string]string) {
	tests := slices.Concat(graderTests[part], wholeProgram)
	score := labScore{part: part, all: len(tests)}
	failFast := flag.Lookup("test.failfast").Value.String() == "true"
	for i, lt := range tests {
		name := testName(lt.test)
		selector := fmt.Sprintf("TestLab/%s/%02d_%s", part, i+1, name)
		hung := time.AfterFunc(labPatience, func() { endHungTest(selector) })
		ran := false // -run may choose some tests alone
		passed := t.Run(fmt.Sprintf("%02d_%s", i+1, name), func(t *testing.T) {
			ran = true
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("%s checks this:\n%s\nWatch it in a run: %s", name, indent(docs[name]), watchCommand(lt.scenario))
				}
			})
			defer failOnPanic(t)
			lt.test(t)
		})
		hung.Stop()
		if !ran {
			continue
		}
		score.of++
		if passed {
			score.passed++
		} else if score.firstFailure == "" {
			score.firstFailure = name
		}
		if !passed && failFast {
			break
		}
	}
	labScores = append(labScores, score)
}

// labPatience is how long, on the wall clock, the grader lets one test
// run: every test takes seconds at most, in simulated time, unless a loop
// in the student's code never ends.
const labPatience = 2 * time.Minute

// endHungTest ends the grader when a test has run for labPatience: it
// says which, prints the scores so far, and exits, rather than wait for
// go test's own timeout and its dump of every goroutine.
func endHungTest(name string) {
	fmt.Printf("lab: %s still runs after %s; a loop in your code that never ends, or a node that waits for ever, is the likely cause "+
		"(go test -v -run %s shows its messages as they come)\n", name, labPatience, name)
	printLabScores()
	os.Exit(1)
}

// watchPatience is how long, on the wall clock, the grader looks for a
// run that shows a failure.
const watchPatience = 20 * time.Second

// watchCommand is the command that shows scenario in a run: on the first
// seed from 1 to 10 on which the safety checker finds a violation, or the
// engine stops the run, if one does, with what stopped it. A search that
// takes longer than watchPatience is left to run out in the background.
func watchCommand(scenario string) string {
	found := make(chan string, 1)
	go func() { found <- firstBrokenRun(scenario) }()
	select {
	case command := <-found:
		return command
	case <-time.After(watchPatience):
		return fmt.Sprintf("go run . -scenario %s -seed 1\n  (its runs in this copy did not end within %s)", scenario, watchPatience)
	}
}

// firstBrokenRun plays scenario on seeds 1 to 10, and returns the command
// of the first run the checker or the engine finds broken, or of seed 1.
func firstBrokenRun(scenario string) string {
	if scenario == "processes" {
		return "go run . -processes 3, then kill 2 and start 2: a node process keeps its state on disk, and starts again from it"
	}
	words := strings.Fields(scenario)
	chosen, _ := pickScenarios(words[0])
	for seed := uint64(1); seed <= 10; seed++ {
		cfg := DefaultConfig()
		cfg.Seed, cfg.Timing = seed, Unpaced
		cfg.PreVote, cfg.CheckQuorum = slices.Contains(words, "-prevote"), slices.Contains(words, "-checkquorum")
		c, err := chosen[0].play(cfg, nil)
		if err != nil {
			break
		}
		if v := c.Violations(); len(v) > 0 {
			return fmt.Sprintf("go run . -scenario %s -seed %d\n  (the checker finds: %s)", scenario, seed, v[0])
		}
		if err := c.clock.stalled(); err != nil {
			return fmt.Sprintf("go run . -scenario %s -seed %d\n  (the run stops: %v)", scenario, seed, err)
		}
	}
	return fmt.Sprintf("go run . -scenario %s -seed 1", scenario)
}

// indent sets text off by two spaces a line.
func indent(text string) string {
	return "  " + strings.ReplaceAll(strings.TrimSpace(text), "\n", "\n  ")
}

// testName is the name of a test function.
func testName(test func(*testing.T)) string {
	full := runtime.FuncForPC(reflect.ValueOf(test).Pointer()).Name()
	return full[strings.LastIndex(full, ".")+1:]
}

// testDocs reads the doc comment of every test in the package's test
// files: what each test checks, in the paper's words.
func testDocs(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	fset := token.NewFileSet()
	for _, path := range paths {
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Doc != nil {
				docs[fn.Name.Name] = fn.Doc.Text()
			}
		}
	}
	return docs
}

// checkGraderLists checks, in the reference, that the grader grades every
// part and nothing else, that each test it runs says what it checks, and
// that each names a scenario there is.
func checkGraderLists(t *testing.T) {
	if !slices.Equal(slices.Sorted(maps.Keys(graderTests)), slices.Sorted(slices.Values(labParts))) {
		t.Errorf("the grader grades %v; the lab's parts are %v", slices.Sorted(maps.Keys(graderTests)), labParts)
	}
	docs := testDocs(t)
	for part, tests := range graderTests {
		for _, lt := range slices.Concat(tests, wholeProgram) {
			name := testName(lt.test)
			if strings.TrimSpace(docs[name]) == "" {
				t.Errorf("%s: %s has no doc comment to say what it checks", part, name)
			}
			if chosen, ok := pickScenarios(strings.Fields(lt.scenario)[0]); lt.scenario != "processes" && (!ok || len(chosen) != 1) {
				t.Errorf("%s: %s names no scenario: %q", part, name, lt.scenario)
			}
		}
	}
}
