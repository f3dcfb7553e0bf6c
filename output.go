// output.go carries what the program writes, the log and the trace above
// all, to standard output and the trace file without ever making a node
// wait on them: every write goes into a bounded queue that a goroutine of
// its own drains. It also names the exit codes, among them the one for
// output that could not be written. main.go sets it up around each run.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// The exit codes of run. Each means one thing, so that a script can tell
// a broken protocol from a broken pipe.
const (
	exitSafe      = 0 // a safe run, a safe trace, or -h
	exitViolation = 1 // the safety checker found a violation
	exitUsage     = 2 // flags it cannot use, or a trace it cannot read
	exitOutput    = 3 // the trace or standard output could not be written
	exitInternal  = 4 // a bug: a panic, recovered and reported in one line
)

// queuedWrites is how many writes an asyncWriter holds before its policy
// for a full queue applies: a few seconds of the busiest log, a moment of
// the busiest trace.
const queuedWrites = 4096

// outputPatience is how long a write that must not be lost waits for room
// in a full queue, and how long Close waits for the destination to take
// anything more, before the output counts as failed.
const outputPatience = 5 * time.Second

// settlePatience is how long settled waits for a destination to take
// anything at all: longer than outputPatience, since one pass to a slow
// destination can take a few of its writes.
const settlePatience = 4 * outputPatience

// asyncWriter passes whatever is written to it on to its destination, in
// order, through a bounded queue drained by one goroutine, so that a slow
// or stuck destination holds up the drain goroutine alone. Its policy when
// the queue is full: Write waits up to outputPatience for room and then
// fails; the lossy view drops the write and counts it, and the next write
// that finds room first says how many were dropped. After the first error
// every write fails at once. Write and the lossy view are safe from any
// goroutine; Close is called once, after the last write.
type asyncWriter struct {
	name  string        // what the destination is, for errors: "standard output"
	dest  io.Writer     // written only by the drain goroutine
	queue chan []byte   // copies of the writes waiting for the destination
	done  chan struct{} // closed by Close: write out what is queued and stop
	ended chan struct{} // closed by the drain goroutine as it returns

	failOnce sync.Once
	failed   chan struct{} // closed at the first error, after err is set
	err      error

	dropped atomic.Int64 // lossy writes dropped and not yet reported
	queued  atomic.Int64 // chunks queued
	written atomic.Int64 // chunks passed on to the destination: Close tells slow from stuck by it
}

// newAsyncWriter starts the drain goroutine for dest, which name describes.
func newAsyncWriter(name string, dest io.Writer) *asyncWriter {
	w := &asyncWriter{
		name:   name,
		dest:   dest,
		queue:  make(chan []byte, queuedWrites),
		done:   make(chan struct{}),
		ended:  make(chan struct{}),
		failed: make(chan struct{}),
	}
	go w.drain()
	return w
}

// Write queues a copy of p, waiting up to outputPatience for room.
func (w *asyncWriter) Write(p []byte) (int, error) { return w.write(p, false) }

// lossy is w for output that may be dropped rather than wait: the log,
// which the nodes write as they go.
func (w *asyncWriter) lossy() io.Writer { return lossyWriter{w} }

// lossyWriter is the view of an asyncWriter that drops a write when the
// queue is full.
type lossyWriter struct{ w *asyncWriter }

func (l lossyWriter) Write(p []byte) (int, error) { return l.w.write(p, true) }

// errQueueFull says a lossy write found no room.
var errQueueFull = errors.New("the queue is full")

// write queues a copy of p: a lossy write drops it if the queue is full,
// any other waits for room. Writes dropped earlier are reported first, so
// the report stands where they would have.
func (w *asyncWriter) write(p []byte, lossy bool) (int, error) {
	if err := w.Err(); err != nil {
		return 0, err
	}
	if dropped := w.dropped.Swap(0); dropped > 0 {
		report := fmt.Appendf(nil, "(%s fell behind: %d lines of the log were left out here)\n", w.name, dropped)
		if w.put(report, lossy) != nil {
			w.dropped.Add(dropped)
		}
	}
	switch err := w.put(bytes.Clone(p), lossy); {
	case errors.Is(err, errQueueFull):
		w.dropped.Add(1)
	case err != nil:
		return 0, err
	}
	return len(p), nil
}

// put queues chunk. If the queue is full, a lossy put returns errQueueFull
// at once; any other waits up to outputPatience, then fails the writer.
func (w *asyncWriter) put(chunk []byte, lossy bool) error {
	select {
	case w.queue <- chunk:
		w.queued.Add(1)
		return nil
	default:
	}
	if lossy {
		return errQueueFull
	}
	timer := time.NewTimer(outputPatience)
	defer timer.Stop()
	select {
	case w.queue <- chunk:
		w.queued.Add(1)
		return nil
	case <-w.failed:
		return w.Err()
	case <-timer.C:
		return w.fail(fmt.Errorf("it accepted nothing for %s", outputPatience))
	}
}

// drain is the writer's goroutine: it writes the queue out, through a
// buffer that it flushes whenever the queue runs empty, until Close.
func (w *asyncWriter) drain() {
	defer close(w.ended)
	buffered := bufio.NewWriter(w.dest)
	for {
		select {
		case chunk := <-w.queue:
			w.pass(buffered, chunk)
		case <-w.done:
			// The buffer is flushed whenever the queue is empty, so
			// emptying the queue flushes it one last time.
			for len(w.queue) > 0 {
				w.pass(buffered, <-w.queue)
			}
			return
		}
	}
}

// pass writes chunk to buffered, and flushes it if nothing else waits.
// After an error it only empties the queue, so that no writer waits.
func (w *asyncWriter) pass(buffered *bufio.Writer, chunk []byte) {
	if w.Err() != nil {
		return
	}
	_, err := buffered.Write(chunk)
	if err == nil && len(w.queue) == 0 {
		err = buffered.Flush()
	}
	if err != nil {
		w.fail(err)
	}
	w.written.Add(1)
}

// fail records err as the writer's error, unless it already has one, and
// returns the writer's error.
func (w *asyncWriter) fail(err error) error {
	w.failOnce.Do(func() {
		w.err = fmt.Errorf("writing %s: %w", w.name, err)
		close(w.failed)
	})
	return w.Err()
}

// Err is the writer's first error, or nil.
func (w *asyncWriter) Err() error {
	select {
	case <-w.failed:
		return w.err
	default:
		return nil
	}
}

// settled waits until every write queued so far has reached the
// destination, or failed, and returns the writer's first error: a point
// between two runs at which a failed output is known, whatever the
// machine's speed. A destination that takes nothing for settlePatience
// fails the writer. A nil writer has nothing to wait for.
func (w *asyncWriter) settled() error {
	if w == nil {
		return nil
	}
	target := w.queued.Load()
	taken, since := w.written.Load(), time.Now()
	for w.written.Load() < target && w.Err() == nil {
		if now := w.written.Load(); now != taken {
			taken, since = now, time.Now()
		}
		if time.Since(since) > settlePatience {
			return w.fail(fmt.Errorf("it accepted nothing for %s", settlePatience))
		}
		time.Sleep(time.Millisecond)
	}
	return w.Err()
}

// Failed is closed when the writer fails: the run should stop. A nil
// writer, for an output the run does not have, never fails.
func (w *asyncWriter) Failed() <-chan struct{} {
	if w == nil {
		return nil
	}
	return w.failed
}

// Close writes out what is queued and ends the drain goroutine. A slow
// destination gets all the time it needs; one that takes nothing for
// outputPatience is given up on, and the drain goroutine then ends when
// the destination's Write returns. Close returns the writer's first error.
func (w *asyncWriter) Close() error {
	close(w.done)
	check := time.NewTicker(outputPatience)
	defer check.Stop()
	for taken := w.written.Load(); ; {
		select {
		case <-w.ended:
			return w.Err()
		case <-check.C:
			if w.written.Load() == taken {
				return w.fail(fmt.Errorf("it accepted nothing for %s", outputPatience))
			}
			taken = w.written.Load()
		}
	}
}

// abridge cuts s to its first most characters, saying how much it left
// out, so that a line typed or given of any length is echoed in a line or
// two.
func abridge(s string, most int) string {
	kept := 0
	for i := range s {
		if kept == most {
			return s[:i] + fmt.Sprintf("… (%d more bytes)", len(s)-i)
		}
		kept++
	}
	return s
}

// escapeControl returns s with every character that is not printable
// written as a Go escape, such as \x1b or \u202e, so that text from a
// file cannot move the cursor, change colors or reorder a terminal's line.
// Bytes that are not UTF-8 are escaped too.
func escapeControl(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], string(utf8.RuneError)):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strconv.IsGraphic(r):
			b.WriteRune(r)
		default:
			quoted := strconv.QuoteRune(r)
			b.WriteString(quoted[1 : len(quoted)-1])
		}
	}
	return b.String()
}

// internalError is the line that reports a bug: what went wrong, and a
// request to report it.
func internalError(what any) string {
	return fmt.Sprintf("raft: internal error (%v); this is a bug: please report it with the command you ran", what)
}
