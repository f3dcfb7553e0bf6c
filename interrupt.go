// interrupt.go is how a run ends early: at Ctrl-C, SIGTERM or SIGHUP (the
// terminal window closed), or when its output fails (output.go). main.go
// watches for either; the scenario's stage (scenarios.go), the console and
// the experiment then stop where they are, and the run ends as a finished
// run would, with its trace complete and its picture and summary printed.

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// interruptOnce returns a channel that receives the first Ctrl-C, SIGTERM
// or SIGHUP. The second is not caught: it ends the program at once, as
// usual. A console on a terminal restores the terminal's mode as it ends.
func interruptOnce() <-chan os.Signal {
	caught, first := make(chan os.Signal, 1), make(chan os.Signal, 1)
	signal.Notify(caught, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		first <- <-caught
		signal.Stop(caught)
	}()
	return first
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
