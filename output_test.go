// output_test.go checks the queues between the program and its outputs
// (output.go): order kept, the log dropped rather than waited for when the
// terminal falls behind, a stuck or failing destination reported, and the
// drain goroutine ended. The queues' clocks are synctest's virtual ones.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// stuckWriter is a destination that takes nothing until released.
type stuckWriter struct {
	release chan struct{}
	mu      sync.Mutex
	got     bytes.Buffer
}

func newStuckWriter() *stuckWriter { return &stuckWriter{release: make(chan struct{})} }

func (s *stuckWriter) Write(p []byte) (int, error) {
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got.Write(p)
}

// stallingWriter is a slow terminal: every write stalls for a while, then
// goes through.
type stallingWriter struct {
	stall time.Duration
	got   bytes.Buffer
}

func (s *stallingWriter) Write(p []byte) (int, error) {
	time.Sleep(s.stall)
	return s.got.Write(p)
}

func (s *stallingWriter) String() string { return s.got.String() }

// failingWriter takes limit bytes, then fails every write.
type failingWriter struct {
	limit int
	got   bytes.Buffer
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.got.Len()+len(p) > f.limit {
		return 0, errors.New("the disk is full")
	}
	return f.got.Write(p)
}

// Whatever is written, lossy or not, reaches the destination in order,
// when it keeps up.
func TestAsyncWriterKeepsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var dest bytes.Buffer
		w := newAsyncWriter("standard output", &dest)
		var want strings.Builder
		for i := range 3 * queuedWrites {
			line := fmt.Sprintf("line %d\n", i)
			want.WriteString(line)
			if i%2 == 0 {
				fmt.Fprint(w, line)
			} else {
				fmt.Fprint(w.lossy(), line)
			}
			if i%100 == 0 {
				synctest.Wait() // let the drain goroutine keep up
			}
		}
		if err := w.Close(); err != nil || dest.String() != want.String() {
			t.Errorf("Close = %v; the destination got %d bytes of %d, in order: %t",
				err, dest.Len(), want.Len(), strings.HasPrefix(want.String(), dest.String()))
		}
	})
}

// When the destination is stuck, the log's lines are dropped without
// waiting, and counted; once it moves again, the next write says how many
// went missing, where they went missing.
func TestAsyncWriterDropsLogLinesAndSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dest := newStuckWriter()
		w := newAsyncWriter("standard output", dest)
		started := time.Now()
		// The drain goroutine takes line 0 and is stuck with it; the
		// queue takes queuedWrites more, and the rest are dropped.
		for i := range 2 * queuedWrites {
			fmt.Fprintf(w.lossy(), "line %d\n", i)
			if i == 0 {
				synctest.Wait()
			}
		}
		if time.Since(started) != 0 {
			t.Errorf("lossy writes to a stuck destination waited %s", time.Since(started))
		}
		dropped := w.dropped.Load()
		close(dest.release)
		fmt.Fprintln(w, "after") // as the picture follows the log
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := dest.got.String()
		notice := fmt.Sprintf("line %d\n(standard output fell behind: %d lines of the log were left out here)\nafter\n",
			2*queuedWrites-dropped-1, dropped)
		if !strings.Contains(got, notice) {
			t.Errorf("the output lacks %q:\n...%s", notice, got[max(len(got)-300, 0):])
		}
	})
}

// A destination that takes nothing fails the writer after outputPatience:
// a write that must not be lost waits that long, no longer, and Close as
// long. The drain goroutine ends once the destination lets go: synctest
// fails the test if any goroutine is left.
func TestAsyncWriterGivesUpOnAStuckDestination(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dest := newStuckWriter()
		w := newAsyncWriter("the trace", dest)
		started := time.Now()
		var err error
		for i := 0; err == nil; i++ {
			_, err = fmt.Fprintf(w, "event %d\n", i)
		}
		if waited := time.Since(started); waited != outputPatience || !strings.Contains(err.Error(), "writing the trace: it accepted nothing for 5s") {
			t.Errorf("a full queue failed after %s with %v; want %s", waited, err, outputPatience)
		}
		select {
		case <-w.Failed():
		default:
			t.Error("Failed is not closed")
		}
		if err := w.Close(); err == nil {
			t.Error("Close reported no error")
		}
		close(dest.release)
	})
}

// A failed write is the writer's error from then on, and nobody waits.
func TestAsyncWriterReportsAWriteError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dest := &failingWriter{limit: 100}
		w := newAsyncWriter("the trace", dest)
		for range 50 {
			fmt.Fprintln(w, "an event of the run")
			synctest.Wait()
		}
		_, err := fmt.Fprintln(w, "one more")
		if err == nil || !strings.Contains(err.Error(), "writing the trace: the disk is full") {
			t.Errorf("a write after the failure returned %v", err)
		}
		if err := w.Close(); err == nil {
			t.Error("Close reported no error")
		}
	})
}

// A slow destination that keeps taking output is not a failure: Close
// waits for it, past outputPatience.
func TestAsyncWriterWaitsForASlowDestination(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dest := &stallingWriter{stall: outputPatience / 2}
		w := newAsyncWriter("standard output", dest)
		for i := range 2000 {
			fmt.Fprintf(w, "line %d of a long summary, long enough to fill a buffer or two\n", i)
		}
		started := time.Now()
		if err := w.Close(); err != nil || time.Since(started) < 2*outputPatience {
			t.Errorf("Close = %v after %s", err, time.Since(started))
		}
		if !strings.HasSuffix(dest.got.String(), "line 1999 of a long summary, long enough to fill a buffer or two\n") {
			t.Error("the last line did not arrive")
		}
	})
}
