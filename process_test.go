// process_test.go runs nodes as processes of their own on loopback, as a
// class would: three elect a leader; SIGKILL of the leader's process
// brings a new leader; the killed node, started again, keeps its term,
// vote and log; a stranger writing garbage to a port disturbs nothing;
// and the processes' traces, merged, pass the safety checker.
//
// These tests run on the wall clock, as processes must: they wait for
// what they expect with a generous deadline, and assert nothing about
// how fast it comes. Each process is this test binary, run as the
// program (TestMain).

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// asProgram, in the environment, makes the test binary run as the
// program, so that a test can start node processes without a build.
const asProgram = "RAFT_TEST_AS_PROGRAM"

// programEnv is what the environment of a process of this binary run as
// the program adds: asProgram, and, under -race, no second of sleep as it
// exits (the race detector's default, to let reports finish).
var programEnv = []string{asProgram + "=1", "GORACE=atexit_sleep_ms=0"}

// TestMain runs the program when asProgram asks for it, and else the
// tests, with programEnv in the environment: every process they start
// from the program (-processes' nodes) then runs this binary as the
// program, and tests in parallel share the setting. A test binary that a
// test runs with go test (a lab copy's) is given -test flags, which go
// test always passes, so it runs its tests.
func TestMain(m *testing.M) {
	if os.Getenv(asProgram) != "" && !slices.ContainsFunc(os.Args[1:], isTestFlag) {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, interruptOnce))
	}
	for _, kv := range programEnv {
		name, value, _ := strings.Cut(kv, "=")
		os.Setenv(name, value)
	}
	onlyTheGrader() // in a lab copy (grader_test.go)
	code := m.Run()
	closeBrowser() // browser_test.go's
	printLabScores()
	os.Exit(code)
}

// isTestFlag reports whether arg is one of the flags go test gives a test
// binary.
func isTestFlag(arg string) bool { return strings.HasPrefix(arg, "-test.") }

// processCluster is a cluster of node processes on loopback, for a test.
type processCluster struct {
	t     *testing.T
	dir   string
	peers string
	ports map[int]string
	procs map[int]*exec.Cmd
	typed map[int]io.WriteCloser // each node's terminal, as its process reads it
}

// processKey is the cluster key of a test's processes.
const processKey = "a test's key"

// patience is how long a test waits for what it expects of processes.
const patience = 15 * time.Second

// startProcesses starts n node processes on free ports of loopback.
func startProcesses(t *testing.T, n int) *processCluster {
	t.Helper()
	pc := &processCluster{t: t, dir: t.TempDir(), ports: map[int]string{}, procs: map[int]*exec.Cmd{}, typed: map[int]io.WriteCloser{}}
	var peers []string
	for id := 1; id <= n; id++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pc.ports[id] = l.Addr().String()
		l.Close()
		peers = append(peers, fmt.Sprintf("%d=%s", id, pc.ports[id]))
	}
	pc.peers = strings.Join(peers, ",")
	for id := 1; id <= n; id++ {
		pc.start(id)
	}
	t.Cleanup(func() {
		for _, cmd := range pc.procs {
			cmd.Process.Kill()
			cmd.Wait()
		}
		for _, terminal := range pc.typed {
			terminal.Close()
		}
	})
	return pc
}

// start starts node id's process, again if it ran before.
func (pc *processCluster) start(id int) {
	pc.t.Helper()
	out, err := os.OpenFile(filepath.Join(pc.dir, fmt.Sprintf("out%d.txt", id)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		pc.t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(os.Args[0], "-node", fmt.Sprint(id), "-peers", pc.peers,
		"-data", filepath.Join(pc.dir, fmt.Sprintf("data%d", id)), "-trace", pc.trace(id), "-no-color")
	cmd.Env = append(append(os.Environ(), programEnv...), clusterKeyVariable+"="+processKey)
	cmd.Stdout, cmd.Stderr = out, out
	terminal, typed, err := os.Pipe()
	if err != nil {
		pc.t.Fatal(err)
	}
	cmd.Stdin = terminal
	if err := cmd.Start(); err != nil {
		pc.t.Fatal(err)
	}
	terminal.Close() // the process has its own copy
	if pc.typed[id] != nil {
		pc.typed[id].Close()
	}
	pc.procs[id], pc.typed[id] = cmd, typed
}

// await waits until node id's process has printed want, and reports
// whether it did within patience.
func (pc *processCluster) await(id int, want string) bool {
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out, _ := os.ReadFile(filepath.Join(pc.dir, fmt.Sprintf("out%d.txt", id)))
		if strings.Contains(string(out), want) {
			return true
		}
	}
	return false
}

func (pc *processCluster) trace(id int) string {
	return filepath.Join(pc.dir, fmt.Sprintf("node%d.jsonl", id))
}

// lines is node id's trace so far, every incarnation's.
func (pc *processCluster) lines(id int) []traceLine {
	file, err := os.Open(pc.trace(id))
	if err != nil {
		return nil
	}
	defer file.Close()
	var lines []traceLine
	scanner := bufio.NewScanner(file)
	scanner.Buffer(nil, maxTraceLine)
	for scanner.Scan() {
		var line traceLine
		if json.Unmarshal(scanner.Bytes(), &line) == nil { // a line being written is skipped
			lines = append(lines, line)
		}
	}
	return lines
}

// role is node id's role and term, as its trace last told them.
func (pc *processCluster) role(id int) (role string, term uint64) {
	for _, line := range pc.lines(id) {
		if line.Event == EventRole {
			role, term = line.Role, line.Term
		}
	}
	return role, term
}

// awaitLeader waits for a node among alive that leads a term above after,
// and returns it and its term.
func (pc *processCluster) awaitLeader(alive []int, after uint64) (int, uint64) {
	pc.t.Helper()
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, id := range alive {
			if role, term := pc.role(id); role == "leader" && term > after {
				return id, term
			}
		}
	}
	pc.t.Fatalf("no node of %v came to lead a term after %d within %s", alive, after, patience)
	return 0, 0
}

// stop ends every process with SIGINT, as Ctrl-C does, and checks that
// each exits 0.
func (pc *processCluster) stop() {
	pc.t.Helper()
	for id, cmd := range pc.procs {
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			pc.t.Errorf("node %d's process, interrupted: %v", id, err)
		}
		delete(pc.procs, id)
	}
}

func TestProcessesElectAndOutliveAKill(t *testing.T) {
	t.Parallel() // processes of their own, on the wall clock: other tests run meanwhile
	pc := startProcesses(t, 3)
	leader, term := pc.awaitLeader([]int{1, 2, 3}, 0)
	t.Logf("node %d leads term %d", leader, term)
	// Its no-op committed is on its disk, and on a majority's.
	for deadline := time.Now().Add(patience); !pc.committed(leader) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}

	// kill -9 the leader's process: the others elect a new leader.
	pc.procs[leader].Process.Signal(syscall.SIGKILL)
	pc.procs[leader].Wait()
	delete(pc.procs, leader)
	killed := time.Now()
	var others []int
	for id := 1; id <= 3; id++ {
		if id != leader {
			others = append(others, id)
		}
	}
	next, nextTerm := pc.awaitLeader(others, term)
	t.Logf("node %d leads term %d, %s after the kill", next, nextTerm, time.Since(killed).Round(time.Millisecond))

	// Started again, the killed node has its term, vote and log back.
	saved, err := openStateFile(filepath.Join(pc.dir, fmt.Sprintf("data%d", leader)), leader, 3)
	if err != nil {
		t.Fatal(err)
	}
	if saved.saved.currentTerm < term || saved.saved.votedFor != leader || len(saved.saved.log) == 0 {
		t.Fatalf("node %d, killed as leader of term %d, saved %+v", leader, term, saved.saved)
	}
	pc.start(leader)
	var recovered []traceLine
	var restart traceLine
	// Its trace tells of its start, then of each entry read back.
	for deadline := time.Now().Add(patience); (restart.Event == "" || len(recovered) < len(saved.saved.log)) && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		lines := pc.lines(leader)
		starts := 0
		recovered = recovered[:0]
		for _, line := range lines {
			switch {
			case line.Event == EventStart:
				starts++
			case starts == 2 && line.Event == EventRole && line.Cause == "started":
				restart = line
			case starts == 2 && line.Event == EventAppend && line.Cause == "recovered":
				recovered = append(recovered, line)
			}
		}
	}
	if restart.Term != saved.saved.currentTerm || restart.VotedFor != saved.saved.votedFor || len(recovered) != len(saved.saved.log) {
		t.Errorf("node %d started again in term %d, voted for %d, with %d entries; it saved term %d, a vote for %d, %d entries",
			leader, restart.Term, restart.VotedFor, len(recovered), saved.saved.currentTerm, saved.saved.votedFor, len(saved.saved.log))
	}

	// A stranger writes garbage, then a frame signed with the wrong key,
	// of a higher term, to the leader's port: the leader says it refused
	// (once: it says so at most every few seconds of one host), and leads
	// on in its term, which the forged frame would have ended.
	conn, err := net.Dial("tcp", pc.ports[next])
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	conn.Close()
	forged, _ := encodeFrame([]byte("not the key"), Envelope{From: leader, To: next, Msg: AppendEntries{Term: nextTerm + 5, LeaderID: leader}})
	if conn, err = net.Dial("tcp", pc.ports[next]); err != nil {
		t.Fatal(err)
	}
	conn.Write(forged)
	conn.Close()
	for deadline := time.Now().Add(patience); pc.refusals(next) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if pc.refusals(next) == 0 {
		t.Errorf("node %d did not say that it refused the stranger", next)
	}
	// A peer with the key and a bug, or worse, signs messages no correct
	// node sends: a term no node could add one to, an entry of index 0, a
	// vote for a candidate that is no node. The leader refuses each where
	// it enters, and leads on.
	for _, msg := range []RaftMessage{
		AppendEntries{Term: math.MaxUint64, LeaderID: leader},
		AppendEntries{Term: nextTerm, LeaderID: leader, Entries: []Entry{{Index: 0, Term: nextTerm}}},
		RequestVote{Term: nextTerm + 1, CandidateID: 99},
	} {
		hostile, _ := encodeFrame([]byte(processKey), Envelope{From: leader, To: next, Msg: msg})
		if conn, err = net.Dial("tcp", pc.ports[next]); err != nil {
			t.Fatal(err)
		}
		conn.Write(hostile)
		conn.Close()
	}
	time.Sleep(10 * DefaultConfig().HeartbeatInterval) // each frame read, and refused or taken
	if role, term := pc.role(next); role != "leader" || term != nextTerm {
		t.Errorf("after the stranger and the hostile peer, node %d is %s in term %d, not leader of term %d", next, role, term, nextTerm)
	}

	// Each node's terminal is a client over the wire: a put typed at the
	// restarted node, a follower, reaches the leader, and a get typed at
	// the other node finds it.
	reader := others[0]
	if reader == next {
		reader = others[1]
	}
	fmt.Fprintln(pc.typed[leader], "put x 1")
	if !pc.await(leader, "x = 1: committed and applied; node "+fmt.Sprint(next)) {
		t.Errorf("put x 1, typed at node %d's process, was not applied by the leader, node %d", leader, next)
	}
	fmt.Fprintln(pc.typed[reader], "get x")
	if !pc.await(reader, "\nx = 1\n") {
		t.Errorf("get x, typed at node %d's process, did not read x = 1", reader)
	}

	pc.stop()
	report, err := checkMergedTraces([]string{pc.trace(1), pc.trace(2), pc.trace(3)})
	if err != nil || len(report.violations) > 0 {
		t.Errorf("the merged traces: %v %v", err, report.violations)
	}
	t.Logf("merged traces: %d runs, %d events, no violation", report.runs, report.events)
	// Merging wants each node's trace, once.
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{pc.trace(1), pc.trace(1), pc.trace(2), pc.trace(3)}, "node 1's trace again"},
		{[]string{pc.trace(1), pc.trace(2)}, "no trace of node 3"},
	} {
		if _, err := checkMergedTraces(tc.paths); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("merging %d traces: %v; want an error saying %q", len(tc.paths), err, tc.want)
		}
	}
}

// processesSession is the session docs/processes.md shows: a put, the
// leader that took it killed, and the read that finds it on the
// survivors. TestProcessesConsole runs it, so the docs test does not.
const processesSession = "wait 1s\nput x 1\nkill leader\nwait 2s\nget x\nquit\n"

// TestProcessesConsole starts a local cluster of processes as the README
// does, lists them, kills one, starts it again, puts and gets keys, kills
// the leader, and quits: the console takes each command, the read finds
// the put on the survivors, every process stops, and the merged traces
// pass.
func TestProcessesConsole(t *testing.T) {
	// A process of its own, the test binary run as the program: its
	// sessions wait on the wall clock, and other tests run meanwhile.
	t.Parallel()
	var stdout, stderr strings.Builder
	cmd := exec.Command(os.Args[0], "-processes", "3", "-data", t.TempDir(), "-no-color")
	cmd.Stdin = strings.NewReader("status\nkill 2\nkill 2\nstart 2\nstart 2\nhello\nput Key V\nget key\ntransfer 1\ntransfer 2\n" + processesSession)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String()
	if err != nil {
		t.Fatalf("%v: %s\n%s", err, stderr.String(), out)
	}
	for _, want := range []string{"node 3 at 127.0.0.1:", "killed node 2's process", "node 2's process is not running",
		"node 2's process is running", "the commands are put K V, get K,",
		"\nx = 1\n", "Key = V: committed", "key has no value", "3 traces, merged:", "of node processes", "0 safety violations"} {
		if !strings.Contains(out, want) {
			t.Errorf("the console's output lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`node \d leads term \d+: node \d handed its leadership over`).MatchString(out) {
		t.Errorf("transfer 1 and transfer 2 handed leadership over to neither:\n%s", out)
	}
	put := regexp.MustCompile(`x = 1: committed and applied; node (\d) leads term \d+`).FindStringSubmatch(out)
	if put == nil || !strings.Contains(out, "killed node "+put[1]+"'s process") {
		t.Errorf("kill leader did not kill the leader that took the put:\n%s", out)
	}
}

// committed reports whether node id's trace tells of an entry committed.
func (pc *processCluster) committed(id int) bool {
	return slices.ContainsFunc(pc.lines(id), func(line traceLine) bool { return line.Event == EventCommit })
}

// refusals counts the connections node id's trace says it refused.
func (pc *processCluster) refusals(id int) int {
	n := 0
	for _, line := range pc.lines(id) {
		if line.Event == EventNote && strings.Contains(line.Reason, "refused a connection") {
			n++
		}
	}
	return n
}
