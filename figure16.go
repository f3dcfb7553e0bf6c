// figure16.go is the -experiment mode: the Raft paper's Figure 16, its
// trials run (experiment.go), a line of progress as each range is
// measured, then each graph's table and chart (chart.go).

package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressReport prints a line as each range is measured, and one every
// quietLimit while no range is. Its methods may be called from any
// goroutine.
type progressReport struct {
	w       io.Writer
	ranges  int
	started time.Time
	mu      sync.Mutex // guards the fields below, and the writes to w
	done    int
	last    time.Time // when the latest line was printed
}

// measured reports a range whose last trial has ended.
func (p *progressReport) measured(s trialStats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.say("measured %s: median %s ms", s.label, shortDuration(s.percentile(50)))
}

// keepAlive prints a line whenever quietLimit passes without one, until
// stop is closed; then it closes stopped.
func (p *progressReport) keepAlive(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.mu.Lock()
			if time.Since(p.last) >= quietLimit {
				p.say("still measuring")
			}
			p.mu.Unlock()
		case <-stop:
			return
		}
	}
}

// say prints a progress line: what happened, how many ranges are done and
// how long the experiment has taken. The caller holds p.mu.
func (p *progressReport) say(what string, args ...any) {
	p.last = time.Now()
	fmt.Fprintf(p.w, "  %s (%d of %d ranges, %s)\n", fmt.Sprintf(what, args...), p.done, p.ranges,
		p.last.Sub(p.started).Round(100*time.Millisecond))
}

// runFigure16 runs trials failovers for every range of Figure 16, or as
// many as it can before abort closes, and prints each graph's table and
// chart, width columns wide, with a line of progress as each range is
// measured. It returns the statistics by range label.
func runFigure16(w io.Writer, trials int, seed uint64, width int, abort <-chan struct{}) map[string]trialStats {
	settings := figure16Settings()
	progress := &progressReport{w: w, ranges: len(settings), started: time.Now(), last: time.Now()}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go progress.keepAlive(stop, stopped)
	measured := map[string]trialStats{}
	for _, s := range runSettings(settings, trials, seed, abort, progress.measured) {
		measured[s.label] = s
	}
	close(stop)
	<-stopped
	for _, plan := range figure16 {
		var all []trialStats
		for _, r := range plan.ranges {
			all = append(all, measured[r.String()])
		}
		fmt.Fprintf(w, "\n%s\n\n", narrationStyle.Sprint(plan.title))
		writeStatsTable(w, all, "the crash")
		fmt.Fprintln(w)
		writeCDF(w, all, plan.logX, width)
	}
	return measured
}

// experiment runs the Figure 16 experiment and prints its tables and
// charts; stopped early, it prints those of the trials that finished. It
// returns the exit code: 1 if any trial broke a safety property.
func experiment(opts options, stdout io.Writer, stop *runStop) int {
	fmt.Fprintf(stdout, `The Raft paper's leader-election experiment (§9.3, Figure 16), seed %d.
Each trial: 5 nodes, messages delayed up to %s each way (a broadcast to all
takes about 15 ms, as in the paper), heartbeats every half minimum timeout.
Once the leader has led for three heartbeat rounds, it crashes at a random
moment within its heartbeat interval, right after a round; the trial times
how long the cluster is without a leader. %d trials per range, many at once,
each in simulated time: the seed replays the figures on any machine.
`, opts.cfg.Seed, experimentLatency, opts.trials)
	started := time.Now()
	unsafe := 0
	for _, s := range runFigure16(stdout, opts.trials, opts.cfg.Seed, terminalWidth(), stop.abort) {
		unsafe += s.unsafe
	}
	if stop.interrupted() {
		fmt.Fprintln(stdout, "\nInterrupted: the figures count only the trials that had finished.")
	}
	fmt.Fprintln(stdout)
	writeHanging(stdout, "", fmt.Sprintf("The experiment took %s.", time.Since(started).Round(100*time.Millisecond)), terminalWidth(), nil)
	fmt.Fprintf(stdout, "Safety violations in all trials: %d.\n", unsafe)
	if unsafe > 0 {
		return exitViolation
	}
	return exitSafe
}
