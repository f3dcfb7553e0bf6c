// processweb.go lets the browser view (web.go) watch a cluster of node
// processes started by -processes (process.go): `go run . -processes 3
// -web`. The nodes run elsewhere, so the page cannot be fed by their
// recorder; it is fed by a mirror instead: a Cluster that runs no node,
// whose recorder takes the events the processes write to their traces, in
// the order of the machine's clock. The page then shows the cluster as
// for any run, and the mirror's safety checker sees every node's events
// together, as -check does with the traces merged.
//
// The page's crash and restart buttons kill a node's process with SIGKILL
// and start it again (pageCommand, in process.go); the other commands, and
// acting in the past, belong to the deterministic engine and are refused.

package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"
)

// Timing of the watch.
const (
	tracePoll = 50 * time.Millisecond // how often the traces are read again
	// traceHoldback is how long an event waits for the other processes'
	// events of the same moment, whose traces may be read a poll later,
	// so that the mirror takes them all in order.
	traceHoldback = 3 * tracePoll
)

// processWatch follows the traces of a local cluster's processes and
// relays their events to the mirror. Its goroutine reads the traces; the
// console's adds the operator's actions; mu guards what both touch.
type processWatch struct {
	mirror *Cluster
	since  time.Time // the mirror's start: event times count from it
	files  []*followedTrace

	mu      sync.Mutex
	pending []Event // read and not yet relayed, by time

	done     chan struct{} // closed by stop
	finished chan struct{} // closed as the goroutine returns
}

// followedTrace is one process's trace file, as far as it has been read.
type followedTrace struct {
	path string
	read int64     // bytes of whole lines taken so far
	wall time.Time // the start of the run its last start event began
}

// watchProcesses makes the mirror of a cluster of n nodes of cfg and
// starts following the traces at paths.
func watchProcesses(cfg Config, paths []string) *processWatch {
	cfg.Timing, cfg.Slowdown, cfg.Log, cfg.Trace = RealTime, 1, nil, nil // the processes run on the wall clock
	w := &processWatch{mirror: mustCluster(cfg), since: time.Now(), done: make(chan struct{}), finished: make(chan struct{})}
	for _, path := range paths {
		w.files = append(w.files, &followedTrace{path: path})
	}
	w.mirror.rec.begin()
	go w.follow()
	return w
}

// follow is the watch's goroutine: it reads the traces every tracePoll and
// relays what has waited long enough, until stop.
func (w *processWatch) follow() {
	defer close(w.finished)
	ticker := time.NewTicker(tracePoll)
	defer ticker.Stop()
	for {
		for _, f := range w.files {
			w.add(f.newEvents(w.since, w.mirror.cfg.Nodes)...)
		}
		w.relay(w.mirror.rec.now() - traceHoldback)
		select {
		case <-ticker.C:
		case <-w.done:
			w.relay(w.mirror.rec.now()) // what is left, in order
			return
		}
	}
}

// add puts events among those waiting, in order of time.
func (w *processWatch) add(events ...Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ev := range events {
		i, _ := slices.BinarySearchFunc(w.pending, ev.At, func(e Event, at time.Duration) int {
			return cmp.Compare(e.At, at)
		})
		for i < len(w.pending) && w.pending[i].At == ev.At {
			i++ // after those of the same time: a trace's own order stands
		}
		w.pending = slices.Insert(w.pending, i, ev)
	}
}

// relay hands the mirror every waiting event up to time until.
func (w *processWatch) relay(until time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for n < len(w.pending) && w.pending[n].At <= until {
		w.mirror.rec.relay(w.pending[n])
		n++
	}
	w.pending = slices.Delete(w.pending, 0, n)
}

// operated relays an action of the console's on node id's process (a kill,
// a start) as an event of the mirror's, now.
func (w *processWatch) operated(ev Event) {
	ev.At = w.mirror.rec.now()
	w.add(ev)
}

// stop relays what is left and ends the watch.
func (w *processWatch) stop() {
	close(w.done)
	<-w.finished
	w.mirror.Stop()
}

// newEvents reads the lines added to the trace since the last read, and
// returns their events, timed from since: a start line's wall time is
// when the events of its run, the process's, count from. A line that does
// not read as an event of a cluster of n nodes is skipped, and so is the
// start of a line still being written.
func (f *followedTrace) newEvents(since time.Time, n int) []Event {
	file, err := os.Open(f.path)
	if err != nil {
		return nil // not yet written
	}
	defer file.Close()
	if info, err := file.Stat(); err == nil && info.Size() < f.read {
		f.read = info.Size() // a restart dropped a line cut short: read on from there
	}
	data, err := io.ReadAll(io.NewSectionReader(file, f.read, 1<<30))
	if err != nil {
		return nil
	}
	whole := bytes.LastIndexByte(data, '\n') + 1
	f.read += int64(whole)
	var events []Event
	for text := range bytes.Lines(data[:whole]) {
		line, err := decodeTraceLine(bytes.TrimSuffix(text, []byte("\n")))
		if err != nil || line.validate(n, 0) != nil {
			continue
		}
		if line.Event == EventStart {
			f.wall, _ = time.Parse(time.RFC3339Nano, line.Wall)
		}
		ev := line.event()
		ev.At = max(f.wall.Add(ev.At).Sub(since), 0)
		events = append(events, ev)
	}
	return events
}

// processPage is the browser view of a local cluster of processes, fed by
// the watch of their traces, and the commands its buttons send.
type processPage struct {
	commands chan webCommand // for the console's goroutine to run (process.go)
	server   *webServer
	stop     func() // stops serving
}

// serveProcessPage serves the browser view of the cluster of processes that
// watch follows, at opts.web, until close; say tells the terminal.
func serveProcessPage(opts options, watch *processWatch, say func(string)) (*processPage, error) {
	listener, err := listenWeb(opts.web)
	if err != nil {
		return nil, err
	}
	if listener.warning != "" {
		say("!!! " + listener.warning)
	}
	page := &processPage{commands: make(chan webCommand)}
	page.server = newWebServer(listener, page.commands)
	run := &shownRun{number: 1, c: watch.mirror, free: true, late: traceHoldback + tracePoll}
	page.server.feed.follow(run, fmt.Sprintf("%d node processes on this machine: crash kills one with SIGKILL, restart starts it again, put and get ask the leader", len(watch.files)))
	page.stop = page.server.start()
	say(fmt.Sprintf("The page is at %s: it shows the processes' cluster as their traces tell it.", listener.url))
	return page, nil
}

// close stops serving the page. The watch goes on until its owner stops
// it.
func (p *processPage) close() {
	p.server.feed.ended()
	p.stop()
}
