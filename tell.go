// tell.go is the default mode: it tells the chosen stories (scenarios.go)
// one after another, each with its summary and picture (runs.go).

package main

import (
	"fmt"
	"io"
)

// outputsFailed reports whether either output, once what was written to it
// has reached it, failed: the next story is not told to a broken output.
func outputsFailed(outputs ...io.Writer) bool {
	for _, w := range outputs {
		if async, ok := w.(*asyncWriter); ok && async.settled() != nil {
			return true
		}
	}
	return false
}

// tell plays the chosen scenarios one after another, each on a cluster of
// its own, and prints each one's summary and picture. When stop aborts the
// run, it prints those of the scenario under way and plays no more. It
// returns the exit code: 1 if the safety checker found a violation, else 0.
func tell(cfg Config, chosen []scenario, opts options, stdout io.Writer, stop *runStop) int {
	width := terminalWidth()
	if !opts.quiet {
		writeHanging(stdout, "", fmt.Sprintf("Raft leader election: %d nodes, election timeouts %s, heartbeats every %s, seed %d",
			cfg.Nodes, timeoutsInForce(cfg), cfg.HeartbeatInterval, cfg.Seed), width, nil)
		if !opts.seedGiven {
			writeHanging(stdout, "", fmt.Sprintf("(a random seed; -seed %d draws the same timeouts, delays and losses again)", cfg.Seed), width, nil)
		}
		tellSlowMotion(cfg, stdout, width)
	}
	warnOfBreakage(cfg.Break, stdout, width)
	code := exitSafe
	for i, sc := range chosen {
		fmt.Fprintln(stdout)
		writeHanging(stdout, "", fmt.Sprintf("Scenario %d of %d, %s: %s.", i+1, len(chosen), sc.name, sc.watchFor), width, narrationStyle)
		c, err := sc.play(cfg, stop.abort)
		if err != nil { // parseOptions has validated every scenario's Config
			panic(err)
		}
		if stop.interrupted() {
			fmt.Fprintf(stdout, "\nInterrupted at %s: here is the run until then.\n", formatDuration(c.rec.now()))
		}
		code = max(code, endSession(c, stdout, width))
		if stop.aborted() || i+1 < len(chosen) && outputsFailed(stdout, cfg.Trace) {
			break
		}
	}
	return code
}
