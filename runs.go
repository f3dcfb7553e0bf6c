// runs.go is what every front end tells of a run around the log: the
// banners before it (slow motion, a broken rule) and, once the cluster has
// stopped, its summary and picture and the exit code they make. The
// scenarios (tell.go), the console (interactive.go), the page
// (websession.go) and a replay (replay.go) share it.

package main

import (
	"fmt"
	"io"
	"time"
)

// timeoutsInForce says which election timeouts a run draws: the configured
// range, or its minimum alone when -break fixed-timeout removes the
// randomness.
func timeoutsInForce(cfg Config) string {
	if cfg.Break == BreakFixedTimeout || cfg.ElectionTimeoutMin == cfg.ElectionTimeoutMax {
		return fmt.Sprintf("all %s", cfg.ElectionTimeoutMin)
	}
	return fmt.Sprintf("%s to %s", cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax)
}

// tellSlowMotion says, in slow motion, how slow, and that messages then
// take time even on a network without latency, so that each vote visibly
// follows its request.
func tellSlowMotion(cfg Config, w io.Writer, width int) {
	if cfg.Slowdown <= 1 {
		return
	}
	least, _ := cfg.latencyRange()
	writeHanging(w, "", fmt.Sprintf("Slow motion: every duration lasts %g times longer, and every message travels for at least %s (%s of real time); the log shows the protocol's time.",
		cfg.Slowdown, least, time.Duration(float64(least)*cfg.Slowdown)), width, nil)
}

// warnOfBreakage prints a banner when a safeguard is off, saying which
// rule is broken and what to expect.
func warnOfBreakage(name Breakage, w io.Writer, width int) {
	for _, b := range breakages {
		if b.name == name {
			writeHanging(w, "", fmt.Sprintf("!!! -break %s turns off a safeguard: %s.", b.name, b.safeguard), width, violationStyle)
			writeHanging(w, "", fmt.Sprintf("!!! Expect: %s. Caught by %s.", b.failure, b.caughtBy), width, violationStyle)
			writeHanging(w, "", fmt.Sprintf("(shown best by: go run . -scenario %s -seed %d -break %s)", b.scenario, b.seed, b.name), width, nil)
		}
	}
}

// endSession prints the summary of a run's stopped cluster (a session's,
// a scenario's, a replay's), then its picture, last, so that it stays on
// the screen. It returns the exit code: 4 if the engine stalled, which is
// a bug and says so last; 1 if the safety checker found a violation.
func endSession(c *Cluster, out io.Writer, width int) int {
	fmt.Fprintln(out)
	c.rec.writeSummary(out, width)
	fmt.Fprintln(out)
	c.rec.writeTimeline(out, width)
	switch {
	case c.clock.stalled() != nil:
		writeHanging(out, "", internalError(c.clock.stalled()), width, nil)
		return exitInternal
	case len(c.Violations()) > 0:
		return exitViolation
	}
	return exitSafe
}
