// experiment.go measures elections the way the Raft paper does (§9.3,
// Figure 16): crash the leader of a cluster, time how long the cluster is
// without one, repeat a thousand times per range of election timeouts, and
// compare the distributions. Trials are independent clusters (cluster.go),
// run many at a time; chart.go draws the results.

package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// timeoutRange is a range of election timeouts, [min, max).
type timeoutRange struct{ min, max time.Duration }

func (r timeoutRange) String() string {
	return fmt.Sprintf("%d–%d ms", r.min.Milliseconds(), r.max.Milliseconds())
}

func millis(min, max int) timeoutRange {
	return timeoutRange{time.Duration(min) * time.Millisecond, time.Duration(max) * time.Millisecond}
}

// The ranges of Figure 16: the top graph adds randomness to a 150 ms
// minimum; the bottom graph scales the minimum, keeping max = 2 * min.
var (
	figure16Randomness = []timeoutRange{millis(150, 150), millis(150, 151), millis(150, 155),
		millis(150, 175), millis(150, 200), millis(150, 300)}
	figure16Scale = []timeoutRange{millis(12, 24), millis(25, 50), millis(50, 100),
		millis(100, 200), millis(150, 300)}
)

// experimentLatency is the one-way delay limit that gives the paper's
// "broadcast time of roughly 15ms": a leader that sends to four peers and
// waits for every reply waits for the slowest of four round trips, each the
// sum of two delays drawn from [0, 10.5 ms], and that averages 14.95 ms.
const experimentLatency = 10500 * time.Microsecond

// trialCap is how long a trial waits for a new leader before it gives up.
const trialCap = 10 * time.Second

// figure16Config is the paper's setup for one range: five servers, the
// paper's broadcast time, and heartbeats every half minimum timeout. The
// paper crashes a leader that is already established; so that every trial
// has one, whatever its range, the first election is scripted: node 1's
// first timeout fires well before anyone else's.
func figure16Config(r timeoutRange, seed uint64) Config {
	cfg := DefaultConfig()
	cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax = r.min, r.max
	cfg.HeartbeatInterval = r.min / 2
	cfg.MaxLatency = experimentLatency
	cfg.Seed = seed
	cfg.FirstTimeouts = make([]time.Duration, cfg.Nodes)
	for i := range cfg.FirstTimeouts {
		cfg.FirstTimeouts[i] = r.max + time.Duration(i)*4*experimentLatency
	}
	return cfg
}

// trialResult is what one trial measured.
type trialResult struct {
	downtime  time.Duration // from the crash (or the start) to the new leader
	elections int           // election rounds it took: terms started
	elected   bool          // false: no leader within trialCap
	unsafe    int           // safety violations seen
}

// trialWatch follows one trial's cluster from inside the recorder, where
// events arrive in the order they happened: it knows the current leader,
// announces that leader's heartbeat rounds, and measures from the moment
// it is armed (the start, or the crash) to the first leader of a newer term.
type trialWatch struct {
	rounds  atomic.Int64     // heartbeat rounds the current leader has sent
	elected chan trialResult // the measurement, sent once
	// Used only by watch, under the recorder's lock.
	leader    int
	armed     bool
	since     time.Duration
	sinceTerm uint64
}

// newTrialCluster builds a cluster of cfg and the watch that follows it;
// the first crash arms the measurement. Nobody watches a trial: it runs
// unpaced, as fast as the CPU goes.
func newTrialCluster(cfg Config) (*Cluster, *trialWatch) {
	cfg.Timing = Unpaced
	c, err := NewCluster(cfg)
	if err != nil {
		panic(err) // the experiment's configurations are fixed and valid
	}
	tw := &trialWatch{elected: make(chan trialResult, 1)}
	c.rec.watch(tw.watch)
	return c, tw
}

func (tw *trialWatch) watch(ev Event) {
	switch {
	case ev.Kind == EventCrash && !tw.armed:
		tw.armed, tw.since, tw.sinceTerm = true, ev.At, ev.Term
	case ev.Kind == EventRole && ev.Role == Leader:
		tw.leader = ev.Node
		tw.rounds.Store(0)
		if tw.armed && ev.Term > tw.sinceTerm {
			tw.armed = false
			offer(tw.elected, trialResult{downtime: ev.At - tw.since, elections: int(ev.Term - tw.sinceTerm), elected: true})
		}
	case ev.Kind == EventHeartbeat && ev.Node == tw.leader:
		tw.rounds.Add(1)
	}
}

// failover runs one crash-to-new-leader trial on a cluster of cfg. As in the
// paper, once a leader has led for three heartbeat rounds it is crashed at
// a moment drawn uniformly within its heartbeat interval after a round:
// every follower has just heard from it, so they time out close together,
// which makes split votes likelier. The trial measures from the crash to
// the first leader of a newer term. The trial is the engine's driver: it
// runs in protocol time, as fast as the CPU goes, and its seed replays it.
func failover(cfg Config) trialResult {
	c, tw := newTrialCluster(cfg)
	defer c.Stop()
	c.Start()
	d := c.clock.drive()
	defer d.release()
	if !d.until(trialCap, nil, func() bool { return tw.rounds.Load() >= 3 }) {
		return trialResult{unsafe: len(c.Violations())}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xc4a5))
	d.sleep(time.Duration(rng.Int64N(int64(cfg.HeartbeatInterval))), nil)
	leader, term, ok := c.Leader()
	if !ok {
		return trialResult{unsafe: len(c.Violations())}
	}
	if err := c.Crash(leader); err != nil {
		panic(err) // Leader reports only live nodes, and nothing else crashes them
	}
	return awaitMeasurement(d, c, tw, term)
}

// awaitMeasurement lets the trial's cluster run, d driving, until its
// measurement comes or trialCap passes. A trial that elects nobody
// reports the election rounds it went through since term.
func awaitMeasurement(d *driver, c *Cluster, tw *trialWatch, term uint64) trialResult {
	var result trialResult
	measured := func() bool {
		select {
		case result = <-tw.elected:
			return true
		default:
			return false
		}
	}
	if !d.until(trialCap, nil, measured) {
		result = trialResult{elections: int(highestTerm(c) - term)}
	}
	result.unsafe = len(c.Violations())
	return result
}

// highestTerm is the highest term any node has reached.
func highestTerm(c *Cluster) uint64 {
	var highest uint64
	for _, st := range c.Status() {
		highest = max(highest, st.Term)
	}
	return highest
}

// trialStats summarizes the trials of one setting.
type trialStats struct {
	label      string
	trials     int
	downtimes  []time.Duration // of the trials that elected a leader, sorted
	multiRound int             // trials that needed more than one election
	unsafe     int             // safety violations over all trials
}

func summarize(label string, results []trialResult) trialStats {
	s := trialStats{label: label, trials: len(results)}
	for _, r := range results {
		if r.elected {
			s.downtimes = append(s.downtimes, r.downtime)
		}
		if r.elections > 1 {
			s.multiRound++
		}
		s.unsafe += r.unsafe
	}
	slices.Sort(s.downtimes)
	return s
}

// percentile is the p-th percentile (0..100) of the elected trials'
// downtimes, by the nearest-rank method, or 0 if none elected.
func (s trialStats) percentile(p float64) time.Duration {
	if len(s.downtimes) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(s.downtimes))+0.999999) - 1
	return s.downtimes[min(max(rank, 0), len(s.downtimes)-1)]
}

// noLeader is how many trials elected nobody within the cap.
func (s trialStats) noLeader() int { return s.trials - len(s.downtimes) }

// setting is one configuration to measure: a label, the Config of each
// trial (from its seed), and the trial to run.
type setting struct {
	label  string
	config func(seed uint64) Config
	trial  func(Config) trialResult
}

// runSettings runs n trials of every setting, as many at once as the
// machine has cores (each trial is all CPU: it runs unpaced), settings
// overlapping, and summarizes each setting. Trial i of
// every setting has seed seed+i. As the last trial of a setting ends,
// measured (if not nil) gets the setting's statistics, one call at a time.
// Once abort closes, it starts no more trials, and summarizes those that
// ran.
func runSettings(settings []setting, n int, seed uint64, abort <-chan struct{}, measured func(trialStats)) []trialStats {
	results, started := make([][]trialResult, len(settings)), make([]int, len(settings))
	stats := make([]trialStats, len(settings))
	var mu sync.Mutex // guards unfinished and the calls of measured
	unfinished := slices.Repeat([]int{n}, len(settings))
	finish := func(s int) {
		mu.Lock()
		defer mu.Unlock()
		if unfinished[s]--; unfinished[s] == 0 {
			stats[s] = summarize(settings[s].label, results[s])
			if measured != nil {
				measured(stats[s])
			}
		}
	}
	cores := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for s, set := range settings {
		results[s] = make([]trialResult, n)
		for i := range n {
			if closed(abort) {
				break
			}
			started[s]++
			cfg := set.config(seed + uint64(i))
			cores <- struct{}{}
			wg.Go(func() {
				defer func() { <-cores }()
				results[s][i] = set.trial(cfg)
				finish(s)
			})
		}
	}
	wg.Wait()
	for s, set := range settings {
		if started[s] < n { // cut short: summarize the trials that ran
			stats[s] = summarize(set.label, results[s][:started[s]])
		}
	}
	return stats
}

// experimentPlan is one graph of Figure 16: its ranges, and whether its
// time axis is logarithmic, as the paper's top graph is.
type experimentPlan struct {
	title  string
	ranges []timeoutRange
	logX   bool
}

var figure16 = []experimentPlan{
	{"Figure 16, top: randomness added to a 150 ms minimum timeout", figure16Randomness, true},
	{"Figure 16, bottom: the minimum timeout scaled (max = 2 x min)", figure16Scale, false},
}

// figure16Settings is every range of Figure 16, once each.
func figure16Settings() []setting {
	var settings []setting
	seen := map[timeoutRange]bool{}
	for _, plan := range figure16 {
		for _, r := range plan.ranges {
			if !seen[r] {
				seen[r] = true
				settings = append(settings, setting{r.String(), func(seed uint64) Config { return figure16Config(r, seed) }, failover})
			}
		}
	}
	return settings
}

// quietLimit is the longest the experiment runs without printing a line:
// a range that waits on its slowest trial, up to trialCap, gets a line
// that says the experiment is still at work.
const quietLimit = 3 * time.Second
