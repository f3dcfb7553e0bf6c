// web_test.go tests the -web server and session without a browser, in a
// synctest bubble: requests go straight to the server's handler, and the
// session's clusters run paced on the bubble's clock. browser_test.go
// drives the page itself.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// testSession is a session behind a server, in a bubble.
type testSession struct {
	server  *webServer
	session *webSession
	out     *lockedBuffer
	code    int
	served  chan struct{}
	abort   chan struct{}
}

// lockedBuffer is a buffer the session writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testHost is the name the test's requests give the server.
const testHost = "localhost:8080"

// startSession starts a session of cfg, which must be called in a bubble,
// and ends it when the test does.
func startSession(t *testing.T, cfg Config, opts webOptions) *testSession {
	t.Helper()
	commands := make(chan webCommand)
	out := &lockedBuffer{}
	cfg.Timing, cfg.Log, cfg.LogWidth = Paced, out, 80
	ts := &testSession{out: out, served: make(chan struct{}), abort: make(chan struct{})}
	ts.server = newWebServer(&webListener{hosts: map[string]bool{testHost: true}}, commands)
	ts.session = newWebSession(cfg, opts, ts.server.feed, out, 80)
	go func() {
		defer close(ts.served)
		ts.code = ts.session.serve(commands, ts.abort)
		close(ts.server.quit)
	}()
	t.Cleanup(ts.stop)
	return ts
}

// stop ends the session, once.
func (ts *testSession) stop() {
	if !closed(ts.abort) {
		close(ts.abort)
	}
	<-ts.served
}

// post sends the server a command as the page does, with the headers a
// browser gives it, and returns the status and the answer.
func (ts *testSession) post(body string) (int, string) {
	req := httptest.NewRequest("POST", "http://"+testHost+"/command", strings.NewReader(body))
	req.Header.Set("Origin", "http://"+testHost)
	req.Header.Set("Content-Type", "application/json")
	status, answer := ts.serve(req)
	if status == http.StatusOK && strings.Contains(answer, `"ok":false`) {
		return refusedCommand, answer
	}
	return status, answer
}

// refusedCommand is what post reports for a command the cluster refused:
// the request went through (200), and the answer says no, and why.
const refusedCommand = -1

func (ts *testSession) serve(req *http.Request) (int, string) {
	rec := httptest.NewRecorder()
	ts.server.Handler().ServeHTTP(rec, req)
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

// showsLive reports whether the run the feed shows goes on.
func (ts *testSession) showsLive() bool {
	f := ts.server.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.live
}

// lines returns the trace lines of the run the feed shows, and its number.
func (ts *testSession) lines() (run int, lines []string) {
	f := ts.server.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.events {
		lines = append(lines, string(e.line))
	}
	return f.run.number, lines
}

func TestPageCommandsAreCheckedBeforeTheyAct(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := startSession(t, DefaultConfig(), webOptions{})
		time.Sleep(time.Second)
		_, before := ts.lines()
		for _, tc := range []struct {
			name   string
			edit   func(*http.Request)
			body   string
			status int
		}{
			{"another site's page", func(r *http.Request) { r.Header.Set("Origin", "http://evil.example") }, `{"command":"crash 1"}`, http.StatusForbidden},
			{"no Origin", func(r *http.Request) { r.Header.Del("Origin") }, `{"command":"crash 1"}`, http.StatusForbidden},
			{"a rebound name", func(r *http.Request) {
				r.Host = "evil.example:8080"
				r.Header.Set("Origin", "http://evil.example:8080")
			}, `{"command":"crash 1"}`, http.StatusMisdirectedRequest},
			{"a form", func(r *http.Request) { r.Header.Set("Content-Type", "application/x-www-form-urlencoded") }, `command=crash+1`, http.StatusUnsupportedMediaType},
			{"not JSON", nil, `crash 1`, http.StatusBadRequest},
			{"an unknown field", nil, `{"command":"crash 1","now":true}`, http.StatusBadRequest},
			{"two commands", nil, `{"command":"heal"}{"command":"crash 1"}`, http.StatusBadRequest},
			{"a command the page never sends", nil, `{"command":"quit"}`, http.StatusBadRequest},
			{"an empty command", nil, `{"command":"  "}`, http.StatusBadRequest},
			{"a moment before the run", nil, `{"command":"crash 1","at_ms":-5}`, http.StatusBadRequest},
			{"a body too long", nil, `{"command":"put x ` + strings.Repeat("y", mostCommandBytes) + `"}`, http.StatusBadRequest},
		} {
			req := httptest.NewRequest("POST", "http://"+testHost+"/command", strings.NewReader(tc.body))
			req.Header.Set("Origin", "http://"+testHost)
			req.Header.Set("Content-Type", "application/json")
			if tc.edit != nil {
				tc.edit(req)
			}
			status, answer := ts.serve(req)
			var reply struct{ Error string }
			if status != tc.status || json.Unmarshal([]byte(answer), &reply) != nil || reply.Error == "" || strings.Contains(reply.Error, "\n") {
				t.Errorf("%s: %d %s; want %d and a one-line reason", tc.name, status, answer, tc.status)
			}
		}
		status, answer := ts.serve(httptest.NewRequest("GET", "http://"+testHost+"/command", nil))
		if status/100 != 4 {
			t.Errorf("GET /command: %d %s; want a 4xx", status, answer)
		}
		_, after := ts.lines()
		for _, line := range after[len(before):] {
			if strings.Contains(line, `"operator"`) || strings.Contains(line, `"crash"`) {
				t.Errorf("a refused request acted: %s", line)
			}
		}
	})
}

func TestPageCommandActsAsTyped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := startSession(t, DefaultConfig(), webOptions{})
		time.Sleep(time.Second)
		if status, answer := ts.post(`{"command":"crash 2"}`); status != http.StatusOK {
			t.Fatalf("crash 2: %d %s", status, answer)
		}
		if status, answer := ts.post(`{"command":"crash 2"}`); status != refusedCommand || !strings.Contains(answer, "already crashed") {
			t.Errorf("crash 2 again: %d %s; want a refusal: already crashed", status, answer)
		}
		_, lines := ts.lines()
		trace := strings.Join(lines, "\n")
		for _, want := range []string{`"event":"operator","reason":"crash 2"`, `"node":2,`, `"event":"crash"`} {
			if !strings.Contains(trace, want) {
				t.Errorf("the run's events lack %s", want)
			}
		}
		if log := ts.out.String(); !strings.Contains(log, "node 2") || !strings.Contains(log, "already crashed") {
			t.Errorf("the terminal's log does not show the page's commands:\n%s", log)
		}
	})
}

// The page's put keeps a key and a value as typed, as the console's does.
func TestPageKeepsKeysAndValuesAsTyped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := startSession(t, DefaultConfig(), webOptions{})
		time.Sleep(time.Second)
		if status, answer := ts.post(`{"command":"PUT Key HelloWorld"}`); status != http.StatusOK {
			t.Fatalf("PUT Key HelloWorld: %d %s", status, answer)
		}
		_, lines := ts.lines()
		trace := strings.Join(lines, "\n")
		if !regexp.MustCompile(`"event":"apply".*"command":"put Key HelloWorld #`).MatchString(trace) {
			t.Errorf("the run's events do not apply the put as typed:\n%s", trace)
		}
	})
}

// TestAWaitingPutBlocksNothing checks that a put the cluster cannot yet
// commit leaves the class free to act: the restart that gives back the
// majority is taken while the put waits, and the put then succeeds.
func TestAWaitingPutBlocksNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := startSession(t, DefaultConfig(), webOptions{})
		time.Sleep(time.Second)
		for _, id := range []string{"1", "2", "3"} {
			if status, answer := ts.post(`{"command":"crash ` + id + `"}`); status != http.StatusOK {
				t.Fatalf("crash %s: %d %s", id, status, answer)
			}
		}
		put := make(chan int, 1)
		go func() {
			status, _ := ts.post(`{"command":"put x 1"}`)
			put <- status
		}()
		time.Sleep(time.Second) // of the bubble's time: the put waits on
		select {
		case status := <-put:
			t.Fatalf("with 2 of 5 nodes up, the put answered %d", status)
		default:
		}
		if status, answer := ts.post(`{"command":"restart 1"}`); status != http.StatusOK {
			t.Fatalf("restart 1, while the put waits: %d %s", status, answer)
		}
		if status := <-put; status != http.StatusOK {
			t.Errorf("with the majority back, the put answered %d", status)
		}
	})
}

// TestActingInThePastForks checks that a command at a past moment starts a
// new run whose past is the old run's, line for line, then takes the
// command; and that a command refused there changes nothing.
func TestActingInThePastForks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.Seed = 11
		ts := startSession(t, cfg, webOptions{})
		time.Sleep(3 * time.Second)
		if status, answer := ts.post(`{"command":"crash 1"}`); status != http.StatusOK {
			t.Fatalf("crash 1: %d %s", status, answer)
		}
		time.Sleep(2 * time.Second)
		_, old := ts.lines()
		const at = 1500.0 // ms, before the crash
		// A command refused at that moment makes no fork.
		if status, answer := ts.post(fmt.Sprintf(`{"command":"restart 1","at_ms":%g}`, at)); status != refusedCommand {
			t.Errorf("restart 1, running, at %g ms: %d %s; want a refusal", at, status, answer)
		}
		if run, _ := ts.lines(); run != 1 {
			t.Fatalf("a refused command forked the run: the feed shows run %d", run)
		}
		if status, answer := ts.post(fmt.Sprintf(`{"command":"crash 3","at_ms":%g}`, at)); status != http.StatusOK {
			t.Fatalf("crash 3 at %g ms: %d %s", at, status, answer)
		}
		run, forked := ts.lines()
		if run != 2 {
			t.Fatalf("the feed shows run %d, not the fork, run 2", run)
		}
		var past []string
		for _, line := range old {
			if lineAt(t, line) <= at {
				past = append(past, line)
			}
		}
		if len(forked) <= len(past) || strings.Join(forked[:len(past)], "\n") != strings.Join(past, "\n") {
			t.Fatalf("the fork's first %d events differ from the old run's up to %g ms", len(past), at)
		}
		if next := forked[len(past)]; !strings.Contains(next, `"reason":"crash 3"`) || lineAt(t, next) != at {
			t.Errorf("after the past, the fork's next event is %s, not the command at %g ms", next, at)
		}
		if slices.ContainsFunc(forked, func(line string) bool {
			return strings.Contains(line, `"node":1,`) && strings.Contains(line, `"event":"crash"`)
		}) {
			t.Errorf("the fork, from before the crash, has the old run's crash")
		}
	})
}

// lineAt is the at_ms of a trace line.
func lineAt(t *testing.T, line string) float64 {
	var l traceLine
	if err := json.Unmarshal([]byte(line), &l); err != nil {
		t.Fatal(err)
	}
	return l.AtMs
}

func TestNewRunTakesTheSeedGiven(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := startSession(t, DefaultConfig(), webOptions{})
		time.Sleep(time.Second)
		for _, bad := range []string{"run x", "run 1 2", "run -3"} {
			if status, answer := ts.post(fmt.Sprintf(`{"command":%q}`, bad)); status != refusedCommand {
				t.Errorf("%s: %d %s; want a refusal", bad, status, answer)
			}
		}
		if status, answer := ts.post(`{"command":"run 42"}`); status != http.StatusOK {
			t.Fatalf("run 42: %d %s", status, answer)
		}
		time.Sleep(time.Second)
		run, lines := ts.lines()
		if run != 2 || !strings.Contains(lines[0], `"seed":42`) {
			t.Errorf("after run 42 the feed shows run %d beginning %s", run, lines[0])
		}
	})
}

// TestReplayOnThePageIsTheTrace checks that -web -replay shows the recorded
// run: the events the page is sent are the trace's lines.
func TestReplayOnThePageIsTheTrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "run.jsonl")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-scenario", "crash", "-seed", "5", "-quiet", "-trace", path}, nil, &stdout, &stderr, nil); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		recorded, err := readRecordedRuns(path)
		if err != nil {
			t.Fatal(err)
		}
		ts := startSession(t, DefaultConfig(), webOptions{recorded: recorded})
		synctest.Wait() // the recorded run has begun
		for ts.showsLive() {
			time.Sleep(time.Second)
		}
		_, lines := ts.lines()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(lines, "\n")+"\n", string(data); got != want {
			t.Errorf("the page was sent %d events; the trace has %d lines, and they differ", len(lines), strings.Count(want, "\n"))
		}
	})
}

func TestStreamStartsWithTheRunAndFollowsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := startSession(t, DefaultConfig(), webOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequest("GET", "http://"+testHost+"/events", nil).WithContext(ctx)
		rec := httptest.NewRecorder()
		streamed := make(chan struct{})
		go func() {
			defer close(streamed)
			ts.server.Handler().ServeHTTP(rec, req)
		}()
		time.Sleep(2 * time.Second)
		cancel()
		<-streamed
		body := rec.Body.String()
		if ct := rec.Header().Get("Content-Type"); ct != "text/event-stream" {
			t.Errorf("Content-Type %q", ct)
		}
		// The run's header and base state come first; the rest follows.
		for i, name := range []string{"run", "snapshot", "events", "safety", "clock"} {
			at := strings.Index(body, "event: "+name+"\n")
			if at < 0 || i < 2 && at >= strings.Index(body, "event: events\n") {
				t.Fatalf("the stream's %s comes at byte %d:\n%.600s", name, at, body)
			}
		}
		if !strings.Contains(body, `"role":"leader"`) {
			t.Errorf("in 2 s the stream told of no leader")
		}
	})
}

// The feed holds at most mostFeedEvents, folding the oldest into its base
// state; a page that joins gets the state of a moment ago first, with the
// newest of each log, then the base state, whole, and what came after it.
func TestFeedForgetsItsOldestEvents(t *testing.T) {
	t.Parallel() // a run of its own, in memory: it can share the machine
	c := mustCluster(DefaultConfig())
	feed := newWebFeed()
	r := &shownRun{number: 1, c: c}
	feed.follow(r, "a test")
	feed.add(r, Event{Kind: EventStart, Nodes: 5})
	for i := 1; i <= mostFeedEvents*5/4; i++ {
		feed.add(r, Event{At: time.Duration(i) * 100 * time.Microsecond, Kind: EventAppend, Node: 1, Index: uint64(i), EntryTerm: 1})
	}
	if n := len(feed.events); n > mostFeedEvents {
		t.Errorf("the feed holds %d events, over %d", n, mostFeedEvents)
	}
	var cursor feedCursor
	first := streamed(t, feed.update(&cursor))
	start := cursor.history // the event the page's first events begin with: append start
	if log := first.snapshot.Nodes[0].Log; len(log) != newestEntries || log[len(log)-1].Index != uint64(start-1) || !first.more {
		t.Fatalf("a new page's snapshot holds %d of node 1's entries, the last %+v; want the newest %d, up to entry %d, and its history to follow",
			len(log), log[len(log)-1], newestEntries, start-1)
	}
	history := streamed(t, feed.update(&cursor)).history
	if len(history.Snapshot.Nodes) == 0 {
		t.Fatal("the page's next update holds no history")
	}
	if got, want := len(history.Snapshot.Nodes[0].Log), feed.first-1; got != want || !history.Snapshot.Nodes[0].Alive || len(history.Events) != start-feed.first {
		t.Errorf("the history's snapshot holds %d of node 1's entries, alive %v, and %d events; the feed forgot %d appends and holds %d before the page's first",
			got, history.Snapshot.Nodes[0].Alive, len(history.Events), want, start-feed.first)
	}
}

// A page that joins a long run is sent little before it can draw: the
// state of a moment ago and the events since, however long the run. The
// rest, which its time slider goes back over, follows: at least 90 s of
// the run, at any pace, since the feed holds feedReach of protocol time.
func TestANewTabGetsTheRunCheaply(t *testing.T) {
	t.Parallel() // a run of its own, in memory: it can share the machine
	synctest.Test(t, func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.Timing = Unpaced
		c := mustCluster(cfg)
		feed := newWebFeed()
		feed.follow(&shownRun{number: 1, c: c}, "a long run")
		d := c.startAsDriver()
		d.sleep(150*time.Second, nil)
		d.release()
		defer c.Stop()
		var cursor feedCursor
		first := streamed(t, feed.update(&cursor))
		history := streamed(t, feed.update(&cursor))
		present := milliseconds(c.rec.now())
		reach := present - history.history.Snapshot.AtMs
		t.Logf("after %.0f s, a new page is sent %.1f kB to draw the last %.0f ms, then %.0f kB of history reaching %.1f s back (%d events)",
			present/1000, float64(first.bytes)/1000, present-first.snapshot.AtMs, float64(history.bytes)/1000, reach/1000, len(history.history.Events))
		if first.bytes > 100_000 || reach < 90_000 {
			t.Errorf("a new page was sent %d bytes before it could draw, and reaches %.1f s back; want under 100 kB, and at least 90 s", first.bytes, reach/1000)
		}
	})
}

// streamedUpdate is one update of the feed, as a page reads it.
type streamedUpdate struct {
	bytes    int
	more     bool
	snapshot webSnapshot
	history  struct {
		Snapshot webSnapshot      `json:"snapshot"`
		Events   []map[string]any `json:"events"`
	}
}

// streamed reads u's messages.
func streamed(t *testing.T, u *feedUpdate) streamedUpdate {
	t.Helper()
	s := streamedUpdate{bytes: u.messages.Len(), more: u.more}
	for _, block := range strings.Split(u.messages.String(), "\n\n") {
		var err error
		if data, ok := strings.CutPrefix(block, "event: snapshot\ndata: "); ok {
			err = json.Unmarshal([]byte(data), &s.snapshot)
		}
		if data, ok := strings.CutPrefix(block, "event: history\ndata: "); ok {
			err = json.Unmarshal([]byte(data), &s.history)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestWebFlags(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-web", ":" + port}, "is in use by another program"},
		{[]string{"-web="}, "needs an address"},
		{[]string{"-web", "nowhere"}, "is not an address"},
		{[]string{"-web", "example.com:80"}, "is not an IP address"},
		{[]string{"-web", "-interactive"}, "-interactive does not go with -web"},
		{[]string{"-web", "-replay", "/nonexistent.jsonl"}, "-replay /nonexistent.jsonl"},
		{[]string{"-lesson", "-scenario", "crash"}, "-lesson goes with -web"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, strings.NewReader(""), &stdout, &stderr, nil)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if code != exitUsage || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
			t.Errorf("%q: exit %d, %q; want exit 2 and one line with %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	if got := strings.Join(joinWebAddress([]string{"-web", ":9000", "-seed", "3", "-web"}), " "); got != "-web=:9000 -seed 3 -web" {
		t.Errorf("joinWebAddress: %s", got)
	}
}

func TestListeningBeyondLoopbackWarns(t *testing.T) {
	l, err := listenWeb("0.0.0.0:0")
	if err != nil {
		t.Skip("cannot listen on every interface here:", err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	if l.warning == "" {
		t.Error("no warning for listening beyond loopback")
	}
	for host, ok := range map[string]bool{"localhost:" + port: true, "192.168.1.5:" + port: true,
		"evil.example:" + port: false, "192.168.1.5:1": false} {
		if l.names(host) != ok {
			t.Errorf("names(%s) = %v", host, !ok)
		}
	}
	loop, err := listenWeb(":0")
	if err != nil {
		t.Fatal(err)
	}
	defer loop.Close()
	if loop.warning != "" || !loop.Addr().(*net.TCPAddr).IP.IsLoopback() {
		t.Errorf(":0 listens at %s, warning %q; want loopback, no warning", loop.Addr(), loop.warning)
	}
}
