// interrupt.go is how a run ends early: at Ctrl-C, SIGTERM or SIGHUP (the
// terminal window closed), or when its output fails (output.go); and how
// the process ends at once when a run is slow to end. main.go
// watches for either; the scenario's stage (stage.go), the console and
// the experiment then stop where they are, and the run ends as a finished
// run would, with its trace complete and its picture and summary printed.

package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"
)

// interruptOnce returns a channel that receives the first Ctrl-C, SIGTERM
// or SIGHUP, which ends the run as if it had finished: the trace whole,
// the summary and the picture printed. Whatever that takes, the process
// ends at once at a second signal, and within termGrace of a SIGTERM (a
// service manager's or a teacher's kill), with the terminal as it found
// it and the exit code of a process that signal killed.
func interruptOnce() <-chan os.Signal {
	restoreTerminal := terminalRestorer()
	return catchSignals(func(sig os.Signal, why string) {
		restoreTerminal()
		fmt.Fprintf(os.Stderr, "\nraft: %s\n", why)
		os.Exit(128 + int(sig.(syscall.Signal)))
	})
}

// catchSignals is interruptOnce, with exit called to end the process.
func catchSignals(exit func(sig os.Signal, why string)) <-chan os.Signal {
	caught, first := make(chan os.Signal, 2), make(chan os.Signal, 1)
	signal.Notify(caught, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go escalate(caught, first, exit)
	return first
}

// escalate passes the first signal caught on to first, then waits for a
// second, or for termGrace after a SIGTERM, and calls exit with the signal
// that ends the process and why.
func escalate(caught <-chan os.Signal, first chan<- os.Signal, exit func(sig os.Signal, why string)) {
	sig := <-caught
	first <- sig
	var grace <-chan time.Time
	if sig == syscall.SIGTERM {
		grace = time.After(termGrace)
	}
	select {
	case again := <-caught:
		exit(again, fmt.Sprintf("stopped at once by a second signal (%s)", signalName(again)))
	case <-grace:
		exit(sig, fmt.Sprintf("stopped: the run did not end within %s of SIGTERM", termGrace))
	}
}

// termGrace is how long a run has to end by itself after a SIGTERM.
const termGrace = time.Second

// terminalRestorer returns a function that puts standard input's terminal
// back in the mode it is in now, before any console makes it raw; it does
// nothing when standard input is not a terminal.
func terminalRestorer() func() {
	fd := int(os.Stdin.Fd())
	saved, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	return func() { term.Restore(fd, saved) }
}

// signalName is what a person calls sig.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "Ctrl-C, SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// runStop tells a run to stop early. Its goroutine watches for an
// interrupt or an output's failure, whichever comes first, and closes
// abort; end stops the watch when the run is over.
type runStop struct {
	// abort is closed to stop the run. abortSignal is closed with it, for
	// the console, which waits on a channel of signals.
	abort       chan struct{}
	abortSignal chan os.Signal
	// byInterrupt is set before abort closes when an interrupt caused it.
	byInterrupt bool
	finished    chan struct{} // closed by end
	watched     chan struct{} // closed by the goroutine as it returns
}

// watchRun starts watching interrupt and the channels that say standard
// output or the trace failed; a nil channel is never ready.
func watchRun(interrupt <-chan os.Signal, stdoutFailed, traceFailed <-chan struct{}) *runStop {
	s := &runStop{
		abort:       make(chan struct{}),
		abortSignal: make(chan os.Signal),
		finished:    make(chan struct{}),
		watched:     make(chan struct{}),
	}
	go s.watch(interrupt, stdoutFailed, traceFailed)
	return s
}

func (s *runStop) watch(interrupt <-chan os.Signal, stdoutFailed, traceFailed <-chan struct{}) {
	defer close(s.watched)
	select {
	case <-interrupt:
		s.byInterrupt = true
	case <-stdoutFailed:
	case <-traceFailed:
	case <-s.finished:
		return
	}
	close(s.abortSignal)
	close(s.abort)
}

// aborted reports whether the run has been told to stop.
func (s *runStop) aborted() bool { return closed(s.abort) }

// closed reports whether ch is closed; a nil channel never is. It reads
// an abort channel, which is only ever closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// interrupted reports whether an interrupt stopped the run.
func (s *runStop) interrupted() bool { return s.aborted() && s.byInterrupt }

// end stops the watch and waits for its goroutine to return.
func (s *runStop) end() {
	close(s.finished)
	<-s.watched
}

// errInterrupted ends what an interrupt cut short: a client's wait, a
// console's command, and with it the session.
var errInterrupted = errors.New("interrupted")

// offer sends v if ch has room: a watch must never block the recorder. A
// round nobody has read yet needs no second announcement.
func offer[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}
