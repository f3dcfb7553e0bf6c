// interactive_test.go drives the classroom console as a class would: one
// command at a time, asserting each one's effect on the cluster, then
// whole sessions read from a script, in virtual time.

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// loggedConfig is clusterConfig with the log kept in a buffer.
func loggedConfig(nodes int, seed uint64) (Config, *bytes.Buffer) {
	out := &bytes.Buffer{}
	cfg := clusterConfig(nodes, seed)
	cfg.Log = out
	return cfg, out
}

// printed returns what has been written to out so far, read under the
// recorder's lock, which every writer to out holds.
func printed(c *Cluster, out *bytes.Buffer) string {
	var text string
	c.rec.exclusive(func() { text = out.String() })
	return text
}

// A classroom session, command by command: each does what it says to the
// cluster, and everything typed appears in the log as an operator event.
func TestConsoleCommands(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, out := loggedConfig(5, 3)
		c, events := startLoggedCluster(t, cfg)
		k := &console{c: c, out: out, width: 80}
		typed := 0
		do := func(line string) {
			t.Helper()
			typed++
			if k.execute(line) {
				t.Fatalf("%q asked to quit", line)
			}
		}

		do("wait 1s")
		old, term, ok := c.Leader()
		if !ok {
			t.Fatal("no leader after wait 1s")
		}
		do("crash leader")
		if c.Status()[old-1].Alive {
			t.Fatalf("crash leader left node %d alive", old)
		}
		do("wait 1s")
		leader, newTerm, _ := c.Leader()
		if leader == old || newTerm <= term {
			t.Fatalf("after the crash, node %d leads term %d", leader, newTerm)
		}
		do("restart " + strconv.Itoa(old))
		do("wait 500ms")
		if st := c.Status()[old-1]; !st.Alive || st.Role != Follower || st.Term != newTerm {
			t.Fatalf("restarted node %d is %+v; want a live follower in term %d", old, st, newTerm)
		}
		follower := leader%5 + 1
		do("timeout " + strconv.Itoa(follower))
		if stood := events.matching(func(ev Event) bool { return ev.Kind == EventTimeout && ev.Node == follower }); len(stood) == 0 {
			t.Errorf("timeout %d: node %d's election timer did not run out", follower, follower)
		}
		do("wait 1s")
		do("partition 1,2 3,4,5")
		if got := c.reachable(1); !slices.Equal(got, []int{2}) {
			t.Errorf("after partition 1,2 3,4,5, node 1 reaches %v", got)
		}
		do("heal")
		if got := c.reachable(1); len(got) != 4 {
			t.Errorf("after heal, node 1 reaches %v", got)
		}
		do("drop 0.25")
		if losses := events.matching(func(ev Event) bool { return ev.Kind == EventLoss }); len(losses) != 1 {
			t.Errorf("drop 0.25 changed the loss %d times", len(losses))
		}
		for _, cmd := range []string{"status", "timeline", "help"} {
			before := len(printed(c, out))
			do(cmd)
			if len(printed(c, out)) == before {
				t.Errorf("%s printed nothing", cmd)
			}
		}
		if !k.execute("quit") {
			t.Error("quit did not ask to quit")
		}
		typed++
		if got := len(events.matching(func(ev Event) bool { return ev.Kind == EventOperator })); got != typed {
			t.Errorf("%d commands typed, %d recorded as operator events", typed, got)
		}
		for kind, want := range map[EventKind]int{EventCrash: 1, EventRestart: 1, EventExpire: 1, EventPartition: 1, EventHeal: 1} {
			if got := len(events.matching(func(ev Event) bool { return ev.Kind == kind })); got != want {
				t.Errorf("the session has %d %s events; want %d", got, kind, want)
			}
		}
		for _, want := range []string{"node  role", "Timeline", "crash N"} {
			if !strings.Contains(printed(c, out), want) {
				t.Errorf("the session's output lacks %q", want)
			}
		}
	})
}

// onConsole runs check in a bubble, on a console at a running cluster of
// nodes, whose log and console lines go to a buffer.
func onConsole(t *testing.T, nodes int, seed uint64, check func(t *testing.T, k *console)) {
	synctest.Test(t, func(t *testing.T) {
		cfg, out := loggedConfig(nodes, seed)
		c := startCluster(t, cfg)
		check(t, &console{c: c, out: out, width: 80})
	})
}

// answer types line at the console and returns whether it asked to quit,
// and what the console said to the operator: not the log, whose lines
// start with the time or, wrapped, with spaces. Wrapped messages are
// joined again.
func answer(k *console, line string) (quit bool, said string) {
	out := k.out.(*bytes.Buffer)
	before := len(printed(k.c, out))
	quit = k.execute(line)
	var told []string
	for _, l := range strings.Split(printed(k.c, out)[before:], "\n") {
		if l != "" && !strings.ContainsAny(l[:1], " 0123456789") {
			told = append(told, l)
		}
	}
	return quit, strings.Join(told, " ")
}

// Nothing typed can crash the program: each mistake gets one message
// naming the problem, and the cluster keeps running.
func TestConsoleMistakes(t *testing.T) {
	onConsole(t, 3, 1, func(t *testing.T, k *console) {
		k.execute("crash 2")
		for _, tc := range []struct{ line, says string }{
			{"bogus", "unknown command"},
			{"crash", "name one node"},
			{"crash 1 2", "name one node"},
			{"crash 9", "there is no node 9"},
			{"crash two", `"two" is not a node number`},
			{"crash +1", `"+1" is not a node number`},
			{"crash 2", "already crashed"},
			{"restart 1", "only a crashed node can restart"},
			{"restart", "name one node"},
			{"partition", "name the groups"},
			{"partition 1,x", `"x" is not a node number`},
			{"partition 1,,2", `"" is not a node number`},
			{"partition 1,2 2,3", "more than one group"},
			{"heal extra", "nothing goes after it"},
			{"status now", "nothing goes after it"},
			{"quit now", "nothing goes after it"},
			{"drop 1.5", "at least 0 and below 1"},
			{"drop", "one probability"},
			{"wait forever", "not a duration"},
			{"wait 2h", "not a duration"},
			{"bogus\x1b[31m", `bogus\x1b[31m: unknown command`},
		} {
			quit, said := answer(k, tc.line)
			if quit {
				t.Fatalf("%q asked to quit", tc.line)
			}
			if strings.Count(said, "type help") != 1 || !strings.Contains(said, tc.says) {
				t.Errorf("%q: said %q; want one message with %q", tc.line, said, tc.says)
			}
		}
		k.execute("wait 1s")
		if _, _, ok := k.c.Leader(); !ok {
			t.Error("after the mistakes, the cluster has no leader")
		}
	})
}

// A teacher types as people do: commands and node words in any case, and
// exit or q to quit.
func TestConsoleIgnoresCase(t *testing.T) {
	onConsole(t, 5, 2, func(t *testing.T, k *console) {
		k.execute("WAIT 1S")
		leader, _, ok := k.c.Leader()
		if !ok {
			t.Fatal("no leader after WAIT 1S")
		}
		k.execute("Crash Leader")
		if k.c.Status()[leader-1].Alive {
			t.Errorf("Crash Leader left node %d alive", leader)
		}
		if _, said := answer(k, "Status"); !strings.Contains(said, "can reach") {
			t.Error("Status printed no table")
		}
		for _, quit := range []string{"quit", "EXIT", "exit", "Q"} {
			if !k.execute(quit) {
				t.Errorf("%q did not quit", quit)
			}
		}
	})
}

// A key and a value are the client's data: the console keeps them as
// typed, whatever the case of the command, and the trace holds them so.
func TestConsoleKeepsKeysAndValuesAsTyped(t *testing.T) {
	onConsole(t, 3, 1, func(t *testing.T, k *console) {
		k.execute("wait 1s")
		k.execute("PUT Key HelloWorld")
		k.execute("Put key lower")
		if _, said := answer(k, "GET Key"); !strings.Contains(said, "Key = HelloWorld") {
			t.Errorf("GET Key said %q; want Key = HelloWorld", said)
		}
		if _, said := answer(k, "get key"); !strings.Contains(said, "key = lower") {
			t.Errorf("get key said %q; want key = lower", said)
		}
		leader, _, _ := k.c.Leader()
		var commands []string
		for _, e := range k.c.Entries(leader) {
			commands = append(commands, e.Command)
		}
		if log := strings.Join(commands, "|"); !strings.Contains(log, "put Key HelloWorld #") {
			t.Errorf("the leader's log holds %s; want the put as typed", log)
		}
	})
}

// A partition that leaves nodes with nobody to talk to says so, in one
// line: "partition 1,2" is easily taken for two halves.
func TestConsoleNamesLoneNodes(t *testing.T) {
	onConsole(t, 5, 2, func(t *testing.T, k *console) {
		for _, tc := range []struct{ line, says string }{
			{"partition 1,2", "nodes 3, 4 and 5 are each cut off alone"},
			{"partition 1,2,3,4 5", "node 5 is cut off alone"},
			{"partition 1,2 3,4 5", "node 5 is cut off alone"},
			{"partition 1 2 3 4 5", "nodes 1, 2, 3, 4 and 5 are each cut off alone"},
			{"partition 1,2 3,4,5", ""},
		} {
			if _, said := answer(k, tc.line); said != tc.says {
				t.Errorf("%q: said %q; want %q", tc.line, said, tc.says)
			}
		}
	})
}

// pause freezes the cluster for as long as the class likes: nothing
// happens and the clock stands still, while status and timeline answer.
// step lets it run a moment and freezes it again; resume lets it run on,
// with the same leader, since no timer ran out during the pause.
func TestConsolePauseAndStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, out := loggedConfig(5, 4)
		c, events := startLoggedCluster(t, cfg)
		k := &console{c: c, out: out, width: 80}
		everything := func(Event) bool { return true }
		k.execute("wait 1s")
		leader, term, ok := c.Leader()
		if !ok {
			t.Fatal("no leader after wait 1s")
		}

		if _, said := answer(k, "pause"); !strings.Contains(said, "paused at 1000.0 ms") {
			t.Errorf("pause said %q", said)
		}
		happened, at := len(events.matching(everything)), c.clock.now()
		time.Sleep(10 * time.Second)
		for _, cmd := range []string{"status", "timeline"} {
			if _, said := answer(k, cmd); said == "" {
				t.Errorf("paused, %s printed nothing", cmd)
			}
		}
		if _, said := answer(k, "status"); !strings.Contains(said, "(paused at 1000.0 ms") {
			t.Errorf("paused, status did not say so: %q", said)
		}
		if after := len(events.matching(everything)); after != happened+3 || c.clock.now() != at {
			t.Errorf("in 10 s of pause %d events happened and the clock moved %s; want only the 3 commands",
				after-happened, c.clock.now()-at)
		}
		for _, tc := range []struct{ line, says string }{
			{"wait 1s", "the cluster is paused"},
			{"pause", "already paused"},
		} {
			if _, said := answer(k, tc.line); !strings.Contains(said, tc.says) {
				t.Errorf("paused, %q said %q; want %q", tc.line, said, tc.says)
			}
		}

		heartbeats := func() int {
			return len(events.matching(func(ev Event) bool { return ev.Kind == EventHeartbeat }))
		}
		before := heartbeats()
		if _, said := answer(k, "step 120ms"); !strings.Contains(said, "paused again at 1120.0 ms") {
			t.Errorf("step 120ms said %q", said)
		}
		if stepped := heartbeats() - before; stepped < 2 || stepped > 3 {
			t.Errorf("in a step of 120 ms the leader sent %d rounds of heartbeats; want 2 or 3, one each %s",
				stepped, cfg.HeartbeatInterval)
		}
		if !c.clock.isPaused() {
			t.Error("after step the cluster runs")
		}

		k.execute("resume")
		for _, tc := range []struct{ line, says string }{
			{"resume", "not paused"},
			{"step 10ms", "pause first"},
		} {
			if _, said := answer(k, tc.line); !strings.Contains(said, tc.says) {
				t.Errorf("running, %q said %q; want %q", tc.line, said, tc.says)
			}
		}
		k.execute("wait 1s")
		if now, nowTerm, _ := c.Leader(); now != leader || nowTerm != term {
			t.Errorf("after the pause node %d leads term %d; want node %d of term %d still", now, nowTerm, leader, term)
		}
	})
}

// In slow motion, wait and step count the cluster's time, and no wait
// lasts over a minute of real time.
func TestConsoleWaitsInProtocolTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, out := loggedConfig(3, 1)
		cfg.Slowdown = 10
		c := startCluster(t, cfg)
		k := &console{c: c, out: out, width: 80}
		started := time.Now()
		k.execute("wait 500ms")
		if real := time.Since(started); real != 5*time.Second {
			t.Errorf("wait 500ms at -slow 10 took %s of real time; want 5s", real)
		}
		if _, said := answer(k, "wait 7s"); !strings.Contains(said, "from 0 to 6s") {
			t.Errorf("wait 7s at -slow 10 said %q; want the bound, a minute slowed ten times", said)
		}
	})
}

// interactiveSession runs go run . -interactive on a script in a bubble,
// with any more flags, and returns the exit code and what it printed.
func interactiveSession(t *testing.T, script string, flags ...string) (int, string) {
	var stdout, stderr bytes.Buffer
	code := 0
	args := append([]string{"-interactive", "-seed", "3", "-no-color"}, flags...)
	synctest.Test(t, func(t *testing.T) {
		code = run(args, strings.NewReader(script), &stdout, &stderr, noInterrupts)
	})
	return code, stdout.String() + stderr.String()
}

// noInterrupts stands for a terminal where nobody presses Ctrl-C.
func noInterrupts() <-chan os.Signal { return nil }

// The classroom script of the README, piped in: crash the leader, watch
// the re-election, partition, heal, quit. It ends with the picture and the
// summary; lines after quit are not read. Without quit, the end of the
// input (Ctrl-D) ends the session the same way.
func TestInteractiveScript(t *testing.T) {
	script := "wait 1s\ncrash leader\nwait 1s\nstatus\npartition 1,2 3,4,5\nwait 1s\nheal\nwait 500ms\n"
	for _, ending := range []string{"quit\nstatus\ncrash 1\n", ""} {
		path := filepath.Join(t.TempDir(), "session.jsonl")
		code, out := interactiveSession(t, script+ending, "-trace", path)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		file, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		story := []func(traceLine) bool{
			typedLine("crash leader"), isEvent(EventCrash),
			func(l traceLine) bool { return l.Event == EventRole && l.Role == Leader.String() && l.Term >= 2 },
			typedLine("status"), typedLine("partition 1,2 3,4,5"), isEvent(EventPartition),
			typedLine("heal"), isEvent(EventHeal),
		}
		lines := readTraceLines(t, file)
		for _, l := range lines {
			if len(story) > 0 && story[0](l) {
				story = story[1:]
			}
		}
		if len(story) > 0 {
			t.Errorf("ending %q: the trace tells %d of the script's 8 steps in order", ending, 8-len(story))
		}
		if typed := slices.IndexFunc(lines, typedLine("status")); slices.ContainsFunc(lines[typed+1:], typedLine("status")) {
			t.Errorf("ending %q: a command after quit was run", ending)
		}
		last := 0
		for _, want := range []string{"Summary", "Safety violations: none.", "Timeline"} {
			at := strings.Index(out[last:], want)
			if at < 0 {
				t.Fatalf("ending %q: the session's ending lacks %q after byte %d:\n%s", ending, want, last, out)
			}
			last += at + len(want)
		}
	}
}

// Hostile lines (thousands of control characters, or of characters JSON
// escapes six bytes long) are echoed and recorded abridged, so the trace of
// the session passes -check; a bad node number is quoted and escaped once.
func TestHostileLinesLeaveACheckableTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hostile.jsonl")
	script := strings.Repeat("\x01", 14000) + "\n" + strings.Repeat("<", 60000) + "\ncrash \x1b[1m2\nquit\n"
	code, out := interactiveSession(t, script, "-trace", path)
	if code != 0 || !strings.Contains(out, `crash: "\x1b[1m2" is not a node number`) {
		t.Errorf("exit %d; want 0 and the node number escaped once:\n%.2000s", code, out)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-check", path}, nil, &stdout, &stderr, nil); code != 0 {
		t.Errorf("-check of the session's trace: exit %d: %s", code, stderr.String())
	}
}

// typedLine matches the trace line of a command typed at the console.
func typedLine(command string) func(traceLine) bool {
	return func(l traceLine) bool { return l.Event == EventOperator && l.Reason == command }
}

// isEvent matches a trace line of an event of kind.
func isEvent(kind EventKind) func(traceLine) bool {
	return func(l traceLine) bool { return l.Event == kind }
}

// A line too long to read (over 64 KiB) gets one line of error, and the
// lesson goes on with the next.
func TestConsoleRefusesAnOverlongLine(t *testing.T) {
	script := "wait 1s\n" + strings.Repeat("crash 1 ", 10000) + "\nstatus\nquit\n"
	code, out := interactiveSession(t, script)
	if code != 0 || strings.Count(out, "over 64 KiB") != 1 || !strings.Contains(out, "> status") || !strings.Contains(out, "Summary") {
		t.Errorf("exit %d; want one error for the long line and the session going on:\n%s", code, out)
	}
}

// Ctrl-C ends a session at once, even in the middle of a wait, and still
// prints the picture and the summary.
func TestInterruptEndsTheSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, out := loggedConfig(3, 1)
		interrupt := make(chan os.Signal, 1)
		go func() {
			time.Sleep(time.Second)
			interrupt <- os.Interrupt
		}()
		started := time.Now()
		code := interactive(cfg, strings.NewReader("wait 1m\nstatus\n"), out, 80, interrupt)
		if elapsed := time.Since(started); code != 0 || elapsed != time.Second {
			t.Errorf("exit %d after %s; Ctrl-C at 1 s should end the session then", code, elapsed)
		}
		if strings.Contains(out.String(), "> status") || !strings.Contains(out.String(), "Summary") {
			t.Errorf("after Ctrl-C the session ran on, or printed no summary:\n%s", out.String())
		}
	})
}

// screen is a terminal for tests: keys come from a pipe, and what the
// Terminal draws goes to a buffer, which only the Terminal writes, under
// its lock.
type screen struct {
	keys  *io.PipeReader
	drawn bytes.Buffer
}

func (s *screen) Read(p []byte) (int, error)  { return s.keys.Read(p) }
func (s *screen) Write(p []byte) (int, error) { return s.drawn.Write(p) }

// onScreen runs a console session on a test terminal, typing each of keys
// a second apart, and returns the stopped cluster, what was drawn and the
// trace. The last keys must end the session.
func onScreen(t *testing.T, keys ...string) (*Cluster, string, string) {
	var c *Cluster
	var drawn string
	var trace bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		keyboard, typing := io.Pipe()
		s := &screen{keys: keyboard}
		go func() {
			for _, k := range keys {
				time.Sleep(time.Second)
				typing.Write([]byte(k))
			}
		}()
		cfg := clusterConfig(3, 1)
		cfg.Trace = &trace
		c = consoleOnScreen(cfg, s, 80, 24, nil)
		keyboard.Close()
		drawn = s.drawn.String()
	})
	return c, drawn, trace.String()
}

// On a terminal, the Terminal reads the keys: the Up arrow recalls the
// last command, the arrows move the cursor, and no escape sequence, known
// or not, is taken as text: F1 (ESC O P) does not type a P.
func TestConsoleOnATerminalReadsKeys(t *testing.T) {
	c, drawn, trace := onScreen(t,
		"Status\r",
		"\x1b[A\r",                    // Up, Enter: status again
		"\x1bOPhelp\r",                // F1, then help
		"crash\x1b[D\x1b[C 1\r",       // Left, Right, then the rest
		"\x1b[1;5C\x1b[15~timeline\r", // Ctrl-Right and F5, then timeline
		"quit\r")
	for _, tc := range []struct {
		command string
		times   int
	}{{"status", 2}, {"help", 1}, {"crash 1", 1}, {"timeline", 1}, {"quit", 1}} {
		ran := regexp.MustCompile(`"event":"operator","reason":"` + tc.command + `"`)
		if got := len(ran.FindAllString(trace, -1)); got != tc.times {
			t.Errorf("%q ran %d times; want %d", tc.command, got, tc.times)
		}
	}
	// The terminal echoed each command as it was typed: the log does not
	// print it a second time, which would cost a line of a 24-line screen.
	if strings.Contains(drawn, "operator") {
		t.Error("the log repeated a typed command under the terminal's echo of it")
	}
	if strings.Contains(drawn, "unknown command") {
		t.Errorf("a key's escape sequence was taken as a command:\n%s", drawn)
	}
	if c.Status()[0].Alive {
		t.Error("crash 1, typed with arrow keys, left node 1 alive")
	}
	if !strings.Contains(drawn, prompt) {
		t.Error("no prompt was drawn")
	}
}

// In raw mode Ctrl-C is a key, not a signal: it ends the session at once,
// even in the middle of a wait, and the Terminal is left without a prompt.
func TestCtrlCEndsASessionOnATerminal(t *testing.T) {
	var elapsed time.Duration
	synctest.Test(t, func(t *testing.T) {
		started := time.Now()
		keyboard, typing := io.Pipe()
		go func() {
			typing.Write([]byte("wait 1m\r"))
			time.Sleep(time.Second)
			typing.Write([]byte{keyCtrlC})
		}()
		consoleOnScreen(clusterConfig(3, 1), &screen{keys: keyboard}, 80, 24, nil)
		elapsed = time.Since(started)
		keyboard.Close()
	})
	if elapsed != time.Second {
		t.Errorf("the session ended %s after Ctrl-C was pressed at 1 s", elapsed)
	}
}

// hostileLines seed FuzzConsole: mistakes, escape sequences, numbers out
// of range, and commands that freeze or wait.
var hostileLines = []string{
	"bogus", "crash", "crash 1 2", "crash 9", "crash -1", "crash +1", "crash 99999999999999999999",
	"restart 1", "partition", "partition 1,,2", "partition 1,2 2,3", "partition ,", "heal extra",
	"drop NaN", "drop -0", "drop 1e-300", "wait -1s", "wait 1m", "wait 61s", "step 10ms", "pause\nstep 5ms\nresume",
	"pause\nwait 1s", "\x1b[31mcrash\x1b[0m 1", "crash\x00 1", "STATUS", "ＣＲＡＳＨ 1", "q",
}

// Nothing typed at the console, one line or many, crashes the program or
// leaves a goroutine behind: each line is answered and logged, and the
// cluster stops cleanly afterwards.
func FuzzConsole(f *testing.F) {
	for _, line := range hostileLines {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, script string) {
		synctest.Test(t, func(t *testing.T) {
			cfg, out := loggedConfig(3, 1)
			c, events := startLoggedCluster(t, cfg)
			k := &console{c: c, out: out, width: 80}
			typed := 0
			for _, line := range strings.Split(script, "\n") {
				if strings.TrimSpace(line) != "" {
					typed++
				}
				if k.execute(line) {
					break
				}
			}
			if logged := len(events.matching(func(ev Event) bool { return ev.Kind == EventOperator })); logged != typed {
				t.Errorf("%d lines typed, %d logged", typed, logged)
			}
		})
	})
}

// lose drops a message on its way, as a click on the page does: the
// candidate's RequestVote to node 3 never arrives, so node 3 casts no vote
// in that term, and the trace tells the operator's action and the drop.
// A second lose finds no such message on its way, and says so.
func TestLoseDropsAMessageOnItsWay(t *testing.T) {
	tracePath := filepath.Join(t.TempDir(), "run.jsonl")
	code, out := interactiveSession(t, "wait 1s\ncrash leader\nwait 40ms\ntimeout 2\nlose 2 3 requestvote\nlose 2 3 RequestVote\nwait 500ms\nquit\n",
		"-latency", "20ms", "-trace", tracePath)
	if code != exitSafe || !strings.Contains(out, "lose: no RequestVote is on its way from node 2 to node 3") {
		t.Fatalf("exit %d; want the second lose refused:\n%s", code, out)
	}
	file, err := os.Open(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	lines := readTraceLines(t, file)
	var term uint64
	var lost, dropped bool
	voters := map[int]bool{}
	for _, line := range lines {
		switch {
		case line.Event == EventRole && line.Node == 2 && line.Role == "candidate" && term == 0:
			term = line.Term
		case line.Event == EventLose:
			lost = line.From == 2 && line.To == 3 && line.Msg == "RequestVote"
		case line.Event == EventDrop && lost && !dropped:
			dropped = line.To == 3 && line.Reason == "the operator dropped it on its way"
		case line.Event == EventVote && line.Candidate == 2 && line.Term == term:
			voters[line.Node] = true
		}
	}
	if !lost || !dropped || voters[3] || len(voters) < 2 {
		t.Errorf("lost %v, dropped %v, voters in term %d %v; want the RequestVote to node 3 dropped, and node 3 alone not voting", lost, dropped, term, voters)
	}
}
