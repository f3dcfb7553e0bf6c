// interactive_test.go drives the classroom console as a class would: one
// command at a time, asserting each one's effect on the cluster, then
// whole sessions read from a script, in virtual time.
package main

import (
	"bytes"
	"os"
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
		c, events := startCluster(t, cfg)
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
		for _, want := range []string{"> crash leader", "crashed:", "> partition 1,2 3,4,5", "split into",
			"node  role", "Timeline", "crash N"} {
			if !strings.Contains(printed(c, out), want) {
				t.Errorf("the session's output lacks %q", want)
			}
		}
	})
}

// Nothing typed can crash the program: each mistake gets one line naming
// the problem, and the cluster keeps running.
func TestConsoleMistakes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, out := loggedConfig(3, 1)
		c, _ := startCluster(t, cfg)
		k := &console{c: c, out: out, width: 80}
		k.execute("crash 2")
		for _, tc := range []struct{ line, says string }{
			{"bogus", "unknown command"},
			{"crash", "name one node"},
			{"crash 9", "there is no node 9"},
			{"crash two", `"two" is not a node number`},
			{"crash 2", "already crashed"},
			{"restart 1", "only a crashed node can restart"},
			{"partition", "name the groups"},
			{"partition 1,x", `"x" is not a node number`},
			{"partition 1,2 2,3", "more than one group"},
			{"drop 1.5", "at least 0 and below 1"},
			{"drop", "one probability"},
			{"wait forever", "not a duration"},
			{"wait 2h", "not a duration"},
		} {
			before := len(printed(c, out))
			if k.execute(tc.line) {
				t.Fatalf("%q asked to quit", tc.line)
			}
			var said []string
			for _, line := range strings.Split(printed(c, out)[before:], "\n") {
				if strings.Contains(line, "type help") {
					said = append(said, line)
				}
			}
			if len(said) != 1 || !strings.Contains(said[0], tc.says) {
				t.Errorf("%q: said %q; want one line with %q", tc.line, said, tc.says)
			}
		}
		k.execute("wait 1s")
		if _, _, ok := c.Leader(); !ok {
			t.Error("after the mistakes, the cluster has no leader")
		}
	})
}

// interactiveSession runs go run . -interactive on a script in a bubble
// and returns the exit code and what it printed.
func interactiveSession(t *testing.T, script string) (int, string) {
	var stdout, stderr bytes.Buffer
	code := 0
	synctest.Test(t, func(t *testing.T) {
		code = run([]string{"-interactive", "-seed", "3", "-no-color"}, strings.NewReader(script), &stdout, &stderr, noInterrupts)
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
		code, out := interactiveSession(t, script+ending)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		last := 0
		for _, want := range []string{"> crash leader", "crashed:", "became leader of term 2", "> status",
			"> partition 1,2 3,4,5", "> heal", "Summary", "Safety violations: none.", "Timeline"} {
			at := strings.Index(out[last:], want)
			if at < 0 {
				t.Fatalf("ending %q: the session lacks %q after byte %d:\n%s", ending, want, last, out)
			}
			last += at + len(want)
		}
		if strings.Count(out, "> status") != 1 {
			t.Errorf("ending %q: a command after quit was run", ending)
		}
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
