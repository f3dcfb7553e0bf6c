// mutants_test.go is the project's mutation check: a list of small bugs,
// the classic ones of students who write Raft, each planted in a copy of
// the package one at a time; go test must fail on every one. A bug in a
// function the lab hands students (lab.go) is planted in that part's lab
// copy, with the reference's bodies in place, and the lab's grader must
// catch it; docs/lab.md lists those bugs, part by part. A bug that gets
// through is a rule no test checks: write the test, then keep the bug in
// the list. CI runs it (go test -run Mutants -mutants); it takes a few
// minutes, one build and test run per bug.

package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var checkMutants = flag.Bool("mutants", false, "plant each bug of mutants_test.go in a copy of the package, and require go test to fail")

// mutant is one small bug: in file, the text from (found exactly once)
// becomes to.
type mutant struct {
	bug      string // what a student got wrong
	file     string
	from, to string
}

var mutants = []mutant{
	// The election (§5.1, §5.2).
	{"a majority counted with >=, which an even cluster splits", "node.go",
		"return count*2 > size", "return count*2 >= size"},
	{"a newer term in a reply does not make the node a follower", "node.go",
		"\tif term <= n.currentTerm || asksAboutTerm(env.Msg) {",
		"\tif term <= n.currentTerm || asksAboutTerm(env.Msg) || slices.Contains([]string{\"RequestVoteResponse\", \"AppendEntriesResponse\"}, messageName(env.Msg)) {"},
	{"a newer term keeps the old term's vote", "node.go",
		"\t\tn.currentTerm = term\n\t\tn.votedFor = 0\n", "\t\tn.currentTerm = term\n"},
	{"a node that steps down keeps the old leader", "node.go",
		"\tn.leaderID = 0 // a follower learns its leader from the leader's heartbeats\n", ""},
	{"a candidate does not vote for itself", "node.go",
		"\tn.changeRole(Candidate, cause)\n\tn.campaign = &campaign{term: n.currentTerm, granted: map[int]bool{n.id: true}}",
		"\tn.changeRole(Candidate, cause)\n\tn.campaign = &campaign{term: n.currentTerm, granted: map[int]bool{}}"},
	{"a candidate asks all but one peer for its vote", "node.go",
		"\tlastLogIndex, lastLogTerm := n.lastLogEntry()\n\tfor _, peer := range n.peers {\n\t\tn.send(peer, RequestVote{",
		"\tlastLogIndex, lastLogTerm := n.lastLogEntry()\n\tfor _, peer := range n.peers[1:] {\n\t\tn.send(peer, RequestVote{"},
	{"a candidate does not restart its election timer", "node.go",
		"\tn.resetElectionTimer(Cause{Rule: RuleCampaigned})\n\n\tlastLogIndex", "\n\tlastLogIndex"},
	{"a candidate counts votes from an older term", "node.go",
		"\tif m.Term != n.campaign.term {\n\t\tcounts := n.breaks(BreakCountStale)",
		"\tif false {\n\t\tcounts := n.breaks(BreakCountStale)"},
	{"a second vote in one term", "node.go",
		"\tcase n.votedFor != 0 && n.votedFor != m.CandidateID:", "\tcase false:"},
	{"granting a vote does not restart the timer", "node.go",
		"\t\tn.resetElectionTimer(Cause{Rule: RuleGrantedVote, Peer: m.CandidateID})\n", ""},
	{"refusing a vote restarts the timer", "node.go",
		"\tif granted && n.role != Leader {", "\tif n.role != Leader {"},
	{"a stale RequestVote is answered as a current one", "node.go",
		"\tcase m.Term < n.currentTerm:\n\t\t// Rule 1: \"Reply false if term < currentTerm (§5.1).\"\n\t\treturn false, RuleStaleTerm",
		"\tcase m.Term < n.currentTerm && false:\n\t\treturn false, RuleStaleTerm"},
	{"the up-to-date check compares lengths only", "node.go",
		"\tif term != otherTerm {\n\t\treturn term > otherTerm\n\t}", ""},
	{"a longer log of an older last term counts as up-to-date", "node.go",
		"\tif term != otherTerm {\n\t\treturn term > otherTerm", "\tif term > otherTerm {\n\t\treturn term > otherTerm"},
	{"a heartbeat does not restart a follower's timer", "node.go",
		"\tn.resetElectionTimer(Cause{Rule: RuleHeartbeat, Peer: m.LeaderID})\n", ""},
	{"a candidate ignores a leader of its own term", "node.go",
		"\tcase Candidate, PreCandidate:\n\t\t// §5.2:", "\tcase PreCandidate:\n\t\t// §5.2:"},
	{"a stale AppendEntries is taken", "node.go",
		"\tif m.Term < n.currentTerm {\n\t\t// Figure 2, AppendEntries rule 1", "\tif false {\n\t\t// Figure 2, AppendEntries rule 1"},
	{"a leader sends no heartbeat to one peer", "node.go",
		"\tn.report(Event{Kind: EventHeartbeat})\n\tfor _, peer := range n.peers {",
		"\tn.report(Event{Kind: EventHeartbeat})\n\tfor _, peer := range n.peers[1:] {"},
	{"the state is saved after the message is sent", "node.go",
		"\tif !n.persist() {\n\t\treturn\n\t}\n\tn.report(Event{Kind: EventSend, From: n.id, To: to, Msg: msg})\n\tn.persist() // nothing new to save: records the send before the message goes\n\tn.net.send(Envelope{From: n.id, To: to, Msg: msg})",
		"\tn.report(Event{Kind: EventSend, From: n.id, To: to, Msg: msg})\n\tn.net.send(Envelope{From: n.id, To: to, Msg: msg})\n\tn.persist()"},

	{"a message goes out though its state could not be saved", "node.go",
		"\tif !n.persist() {\n\t\treturn\n\t}\n\tn.report(Event{Kind: EventSend", "\tn.persist()\n\tn.report(Event{Kind: EventSend"},
	{"the vote is not saved, and a restart forgets it", "node.go",
		"\tif n.disk.save(n.persistentState) != nil {", "\tif n.disk.save(persistentState{currentTerm: n.currentTerm, log: n.log}) != nil {"},
	{"events are told before the state they show is saved", "node.go",
		"\tif n.disk.save(n.persistentState) != nil {\n\t\treturn false\n\t}\n\tfor _, ev := range n.held {\n\t\tn.record(ev)\n\t}",
		"\tfor _, ev := range n.held {\n\t\tn.record(ev)\n\t}\n\tif n.disk.save(n.persistentState) != nil {\n\t\treturn false\n\t}"},

	// The log (§5.3, §5.4).
	{"rule 5 takes the log's length for the last new entry", "replication.go",
		"\tlastNew := m.PrevLogIndex + uint64(len(m.Entries))\n", "\tlastNew := uint64(len(n.log))\n"},
	{"rule 5 takes leaderCommit whole", "replication.go",
		"if commit := min(m.LeaderCommit, lastNew); commit > n.commitIndex {",
		"if commit := min(m.LeaderCommit, uint64(len(n.log))); commit > n.commitIndex {"},
	{"the consistency check is off by one", "replication.go",
		"\tcase m.PrevLogIndex > last:", "\tcase m.PrevLogIndex > last+1:"},
	{"the consistency check ignores the term", "replication.go",
		"\tcase n.termAt(m.PrevLogIndex) != m.PrevLogTerm:", "\tcase false:"},
	{"an entry already held is deleted and appended again, with all after it", "replication.go",
		"\t\t\tif n.termAt(entry.Index) == entry.Term {\n\t\t\t\tcontinue // already held: a repeated or reordered message\n\t\t\t}\n", ""},
	{"matchIndex goes back on a late reply", "replication.go",
		"n.matchIndex[from] = max(n.matchIndex[from], m.MatchIndex)", "n.matchIndex[from] = m.MatchIndex"},
	{"backing up has no floor at matchIndex+1", "replication.go",
		"n.nextIndex[from] = min(max(n.backUpTo(m), n.matchIndex[from]+1), n.nextIndex[from])",
		"n.nextIndex[from] = min(n.backUpTo(m), n.nextIndex[from])"},
	{"backing up by one entry lands on the conflicting term's last entry", "replication.go",
		"\t\t\tif n.termAt(index) == m.ConflictTerm {\n\t\t\t\treturn index + 1",
		"\t\t\tif n.termAt(index) == m.ConflictTerm {\n\t\t\t\treturn index"},
	{"a leader commits an older term's entry by counting replicas", "replication.go",
		"\t\tif n.termAt(index) != n.currentTerm {\n\t\t\tcounts := n.breaks(BreakCommitOldTerm)",
		"\t\tif false {\n\t\t\tcounts := n.breaks(BreakCommitOldTerm)"},
	{"a leader counts itself twice", "replication.go",
		"\tcount := 1\n\tfor _, match := range n.matchIndex {", "\tcount := 2\n\tfor _, match := range n.matchIndex {"},
	{"a client's entry waits for the next heartbeat", "replication.go",
		"\tfor _, peer := range n.peers {\n\t\tif !n.sending[peer] {\n\t\t\tn.sendAppendEntries(peer)\n\t\t}\n\t}", ""},
	{"clients still waiting when their leader steps down are never answered", "replication.go",
		"\t\tn.waiting[index].Reply <- ClientReply{}\n", "\t\t_ = index\n"},
	{"a new leader appends no no-op", "replication.go",
		"\tn.appendEntry(\"\", Cause{Rule: RuleNoOp})\n", ""},
	{"entries are applied past commitIndex", "replication.go",
		"\tfor n.lastApplied < n.commitIndex {", "\tfor n.lastApplied < uint64(len(n.log)) {"},

	// Reads without a log entry (§8, dissertation §6.4).
	{"a leader answers a read before its own term's no-op is committed", "reads.go",
		"\tif n.termAt(n.commitIndex) == n.currentTerm { // condition 1", "\tif true { // condition 1"},
	{"any reply confirms a read, whatever round it answers", "reads.go",
		"\tn.heardRound[from] = max(n.heardRound[from], m.Round)", "\tn.heardRound[from] = n.round + 1"},
	{"a leader counts itself twice when it confirms a read", "reads.go",
		"\tcount := 1\n\tfor _, heard := range n.heardRound {", "\tcount := 2\n\tfor _, heard := range n.heardRound {"},
	{"a read waits for the next heartbeat to start its round", "reads.go",
		"\tif len(n.reads) > 0 && n.reads[0].round > n.round && n.roundConfirmed(n.round) {\n\t\tn.startRound()\n\t}\n", ""},
	{"a read starts a round while another is in flight", "reads.go",
		"n.reads[0].round > n.round && n.roundConfirmed(n.round) {", "n.reads[0].round > n.round {"},
	{"a read's round goes to a follower still answering the last one", "reads.go",
		"\t\tif n.heardRound[peer] >= n.roundSent[peer] {\n\t\t\tsentTo = append(sentTo, peer)", "\t\tif true {\n\t\t\tsentTo = append(sentTo, peer)"},
	{"a follower does not name the round it answers", "node.go",
		"\treply.Round = m.Round // which of the leader's rounds this node answers (reads.go)\n", ""},
	{"reads still waiting when their leader steps down are never answered", "replication.go",
		"\t\tread.request.Reply <- ClientReply{}\n", "\t\t_ = read\n"},

	// The client (§8).
	{"every client signs as one session", "sessions.go",
		`return &session{name: fmt.Sprintf("c%d", p.count)}`, `return &session{name: fmt.Sprintf("c%d", 1)}`},
	{"a retried put is applied again", "statemachine.go",
		"\tif serial <= s.applied[client] {", "\tif serial < s.applied[client] {"},

	// The refinements (dissertation §9.6, §6.2, §4.2.3).
	{"a pre-vote enters the term it asks about", "refinements.go",
		"\tcase PreVote:\n\t\treturn true\n", "\tcase PreVote:\n\t\treturn false\n"},
	{"a refused pre-vote's newer term is not taken", "refinements.go",
		"\tcase PreVoteResponse:\n\t\treturn m.Granted\n", "\tcase PreVoteResponse:\n\t\treturn m.Granted || true\n"},
	{"a leader is not a live leader to itself", "refinements.go",
		"\tif n.role == Leader {\n\t\treturn true\n\t}\n\treturn n.leaderID != 0", "\treturn n.leaderID != 0"},
	{"a leader that lost its majority stays leader", "refinements.go",
		"\theard := len(n.heardSinceCheck) + 1 // the leader hears itself", "\theard := n.clusterSize"},

	// Leadership transfer (dissertation §3.10).
	{"a leader handing over still takes client commands", "transfer.go",
		"\tif n.transfer.target == 0 {\n\t\treturn false\n\t}", "\tif true {\n\t\treturn false\n\t}"},
	{"a leader sends TimeoutNow to a target that lacks entries", "transfer.go",
		"\tif n.matchIndex[peer] < last {", "\tif n.matchIndex[peer] < last && false {"},
	{"a transfer is never given up", "transfer.go",
		"\tif n.transfer.rounds--; n.transfer.rounds > 0 {", "\tif true {"},
	{"a node takes TimeoutNow from a node that does not lead it", "transfer.go",
		"m.Term != n.currentTerm || from != n.leaderID {", "m.Term != n.currentTerm {"},
	{"stickiness refuses a transfer's RequestVote", "refinements.go",
		"\tif m, ok := env.Msg.(RequestVote); ok && m.Transfer {", "\tif m, ok := env.Msg.(RequestVote); ok && m.Transfer && false {"},
}

// Every mutant still finds its text, once, in its file, so that the
// mutation check plants every bug it lists. Unlike the check itself, this
// runs with every go test, and fails as soon as the code moves under a
// mutant.
func TestMutantsStillApply(t *testing.T) {
	for _, m := range mutants {
		m.pristine(t)
	}
}

// pristine reads m's file, and fails the test unless it holds m's text
// exactly once.
func (m mutant) pristine(t *testing.T) []byte {
	t.Helper()
	text, err := os.ReadFile(m.file)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(text, []byte(m.from)); n != 1 {
		t.Fatalf("%q: %s holds its text %d times, not once: the code changed, so change the mutant", m.bug, m.file, n)
	}
	return text
}

// TestMutantsAreCaught plants each mutant in a copy of the package, and
// requires go test -short to fail on it, with the build sound. Each is a
// subtest named for its bug, so that -run can pick some; they run
// GOMAXPROCS at a time.
func TestMutantsAreCaught(t *testing.T) {
	if !*checkMutants {
		t.Skip("go test -run Mutants -mutants plants each bug (CI does)")
	}
	funcs, err := findLabFuncs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutants {
		pristine := m.pristine(t)
		part := m.labPart(funcs)
		t.Run(m.bug, func(t *testing.T) {
			t.Parallel()
			dir := copyPackage(t)
			if part != "" {
				dir = writeTestLab(t, part, true)
			}
			caughtBy, took, err := runMutant(dir, m, pristine, part)
			switch {
			case err != nil:
				t.Error(err)
			case caughtBy == "":
				t.Errorf("it got through (%s): no test failed", m.file)
			default:
				t.Logf("caught by %s in %s", caughtBy, took.Round(100*time.Millisecond))
			}
		})
	}
}

// labPart is the part of the lab whose function m plants its bug in, or
// "" if none does.
func (m mutant) labPart(funcs []labFunc) string {
	for _, f := range funcs {
		if f.file == m.file && strings.Contains(f.body, m.from) {
			return f.part
		}
	}
	return ""
}

// Every bug planted in a function of the lab is in docs/lab.md's list of
// classic bugs, where a teacher reads which test catches it.
func TestLabBugsAreDocumented(t *testing.T) {
	funcs, err := findLabFuncs(".")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("docs/lab.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutants {
		if part := m.labPart(funcs); part != "" && !bytes.Contains(doc, []byte(m.bug)) {
			t.Errorf("docs/lab.md does not list the %s bug %q", part, m.bug)
		}
	}
}

// copyPackage copies the package, every file but git's, to a directory of
// the test's.
func copyPackage(t *testing.T) string {
	dir := t.TempDir()
	for path, text := range readTree(t, ".") {
		target := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ruleTestFiles hold the tests of the protocol's rules, which catch most
// bugs within seconds: each mutant meets them first, the lone-node tests
// before those of whole clusters, and the rest of the suite only if it
// gets through them all.
var ruleTestFiles = [][]string{
	{"election_test.go", "replication_test.go", "reads_test.go", "persistence_test.go", "refinements_test.go", "transfer_test.go"},
	{"cluster_test.go", "client_test.go", "linearizability_test.go", "breaks_test.go", "faults_test.go"},
}

// onTheWallClock matches the tests the mutation check leaves out: those
// of the browser and of node processes, which wait on the wall clock, and
// check the page and the wire rather than the rules.
const onTheWallClock = "^(TestPage.*|TestProcesses.*)$"

// mutantPatience is how long go test may take on one mutant: a bug that
// makes it run on without end is caught too, by this timeout.
const mutantPatience = time.Minute

// failedTest finds the first test go test reports failed.
var failedTest = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// failedGraderTest finds the first of the lab grader's tests that failed.
var failedGraderTest = regexp.MustCompile(`(?m)^\s*--- FAIL: TestLab/\w+/\d+_(\w+)`)

// runMutant plants m in the copy at dir, whose m.file was pristine, and
// runs the tests there. In a lab copy of part, they are the lab's grader;
// else the rule tests with go test -short, then, while none has failed,
// the rest of the suite. It returns the first test that failed ("" if
// none did), or an error if the mutant did not build.
func runMutant(dir string, m mutant, pristine []byte, part string) (caughtBy string, took time.Duration, err error) {
	path := filepath.Join(dir, m.file)
	if err := os.WriteFile(path, bytes.Replace(pristine, []byte(m.from), []byte(m.to), 1), 0o644); err != nil {
		return "", 0, err
	}
	defer os.WriteFile(path, pristine, 0o644)
	started := time.Now()
	selections := [][]string{{}} // a lab copy's go test runs the grader
	if part == "" {
		selections, err = suiteInSteps()
		if err != nil {
			return "", 0, err
		}
	}
	for _, selection := range selections {
		cmd := exec.Command("go", append([]string{"test", "-count=1", "-failfast", "-timeout=" + mutantPatience.String()},
			append(selection, ".")...)...)
		cmd.Dir = dir
		out, runErr := cmd.CombinedOutput()
		switch {
		case bytes.Contains(out, []byte("[build failed]")), bytes.Contains(out, []byte("[setup failed]")):
			return "", time.Since(started), fmt.Errorf("the mutant does not build:\n%s", out)
		case runErr == nil:
			continue
		}
		if found := failedGraderTest.FindSubmatch(out); found != nil {
			return string(found[1]), time.Since(started), nil
		}
		if found := failedTest.FindSubmatch(out); found != nil {
			return string(found[1]), time.Since(started), nil
		}
		return strings.TrimSpace(string(lastLines(out, 3))), time.Since(started), nil
	}
	return "", time.Since(started), nil
}

// suiteInSteps is the whole suite, rule tests first, as go test's -short
// and -run or -skip flags.
func suiteInSteps() ([][]string, error) {
	var selections [][]string
	tested := onTheWallClock
	for _, files := range ruleTestFiles {
		rules, err := testsIn(files)
		if err != nil {
			return nil, err
		}
		selections = append(selections, []string{"-short", "-run", rules})
		tested += "|" + rules
	}
	return append(selections, []string{"-short", "-skip", tested}), nil
}

// testsIn is a -run pattern that selects exactly the tests of files.
func testsIn(files []string) (string, error) {
	declared := regexp.MustCompile(`(?m)^func (Test\w+)\(t \*testing\.T\)`)
	var names []string
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		for _, m := range declared.FindAllSubmatch(text, -1) {
			names = append(names, string(m[1]))
		}
	}
	return "^(" + strings.Join(names, "|") + ")$", nil
}

// lastLines is the last n lines of out.
func lastLines(out []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	return bytes.Join(lines[max(0, len(lines)-n):], []byte("\n"))
}
