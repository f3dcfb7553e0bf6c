// websession.go runs the clusters that the web page (web.go) shows, one run
// after another. The first run is what the flags ask for: the console's
// free mode, where the cluster changes only on the class's commands; a
// scenario, which tells its story; or, with -replay, a recorded run. The
// class starts the next ones: "run" begins again with a new seed, and an
// action taken at a past moment of the run forks it: a new cluster replays
// the run up to that moment, at once, then takes the action. Because the
// engine (engine.go) decides everything from the seed and the operator's
// actions, the new run's past is the old run's, event for event.
//
// One goroutine, the session's, owns the runs and executes every command,
// from the page or the terminal, through the console (interactive.go), so
// what the class does from the page is logged and traced as if typed.

package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// webCommand is one command line for the session, from the page or the
// terminal, and where its outcome goes.
type webCommand struct {
	line string
	// past says that the page showed a moment before the run's present,
	// at: the command acts there, on a fork of the run.
	past  bool
	at    time.Duration
	reply chan error // buffered; nil for a line typed at the terminal
}

// pageCommands are the commands the page's buttons send. Commands that
// print (status, log, help) or end the session belong to the terminal.
var pageCommands = map[string]bool{
	"crash": true, "restart": true, "timeout": true, "put": true, "get": true, "partition": true, "heal": true,
	"drop": true, "pause": true, "step": true, "resume": true, "slow": true, "run": true, "align": true, "spread": true, "lose": true,
	"continue": true, "predict": true, "transfer": true,
}

// clusterCommands are the commands that change the cluster. On a story or
// at a past moment they fork the run; the others (pause, slow, status...)
// act on the run as it is.
var clusterCommands = map[string]bool{
	"crash": true, "restart": true, "timeout": true, "put": true, "get": true,
	"partition": true, "heal": true, "drop": true, "align": true, "spread": true, "lose": true, "transfer": true,
}

// waitingCommands are the commands that wait for the cluster to answer (a
// put waits until its entry is committed and applied). Each runs on a
// goroutine of its own, so that the class can act meanwhile: restart the
// nodes a put waits for, say.
var waitingCommands = map[string]bool{"put": true, "get": true}

// errInBackground says that a command goes on on a goroutine of its own,
// which answers it.
var errInBackground = errors.New("answered when done")

// webSession is the class's session: the current run and how to begin the
// next. Only the session's goroutine (serve) uses it.
type webSession struct {
	base     Config        // every run's configuration: flags, log, trace, pace
	scenario *scenario     // the story the runs tell; nil: free mode
	stories  []scenario    // the stories to tell after it, in turn (the tour)
	lesson   *lesson       // -lesson: the stories told as a lesson; nil otherwise
	recorded []recordedRun // -replay: the runs still to play, in order
	feed     *webFeed      // what the pages watching see
	out      io.Writer     // the terminal
	width    int
	run      *webRun // the current run
	runs     int     // how many runs have begun
	code     int     // exitViolation once any run has had a violation
}

// webRun is one run the page shows: a cluster, its console, and, while a
// story plays on it, the goroutine that tells it.
type webRun struct {
	shownRun
	console *console
	abort   chan struct{} // closed as the run ends: ends the story, and the console's waits
	told    chan struct{} // closed by the story's goroutine when the cluster has stopped; nil if none
	mu      sync.Mutex
	actions []Event        // the operator's actions so far, which a fork replays; guarded by mu
	waiting sync.WaitGroup // the waiting commands under way (inBackground)
}

// webOptions is what -web needs besides the run's Config.
type webOptions struct {
	addr     string
	stories  []scenario    // -scenario: the stories the runs tell, in turn
	lesson   bool          // -lesson: the stories are told as a lesson
	recorded []recordedRun // -replay: the runs to play
}

// newWebSession is the session of runs of cfg that opts asks for, shown
// by feed, with its log on out, width columns wide.
func newWebSession(cfg Config, opts webOptions, feed *webFeed, out io.Writer, width int) *webSession {
	w := &webSession{base: cfg, stories: opts.stories, recorded: opts.recorded, feed: feed, out: out, width: width}
	if opts.lesson {
		w.lesson = newLesson(feed.showLesson)
	}
	return w
}

// keep notes the operator's actions as the run records them. It is a
// watch on the run's recorder.
func (r *webRun) keep(ev Event) {
	if isOperatorAction(ev) {
		r.mu.Lock()
		r.actions = append(r.actions, ev)
		r.mu.Unlock()
	}
}

// recording is the run as -replay would read it from its trace, up to
// moment at: what a fork plays again.
func (r *webRun) recording(at time.Duration) recordedRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := recordedRun{cfg: r.c.cfg, end: at}
	for _, ev := range r.actions {
		if ev.At > at {
			break
		}
		run.actions = append(run.actions, ev)
	}
	return run
}

// serve runs the session: the first run, then each command as it comes,
// until quit from the terminal or abort. It returns the exit code: 1 if
// any run had a safety violation.
func (w *webSession) serve(commands <-chan webCommand, abort <-chan struct{}) int {
	w.next()
	defer w.finish()
	for {
		select {
		case cmd := <-commands:
			err := w.do(cmd)
			if errors.Is(err, errInBackground) {
				continue
			}
			if cmd.reply != nil {
				cmd.reply <- err
			}
			w.feed.poke() // a pause or a change of pace shows on the page at once
			if errors.Is(err, errQuit) || errors.Is(err, errInterrupted) {
				return w.code
			}
		case <-w.run.told:
			w.run.told = nil // the story is over: the page keeps showing its end
			w.feed.ended()
			switch {
			case len(w.recorded) > 0, len(w.stories) > 0:
				w.next()
			case w.lesson != nil:
				w.lesson.end(lessonTold)
			}
		case <-abort:
			return w.code
		}
	}
}

// do executes one command. "run" begins a new run; a command that changes
// the cluster acts on the current run at its present, or on a fork of it
// at the moment the page showed. A run that tells a story is not the
// class's to change: acting on it forks it too, at the moment shown or the
// present. A fork is made only for a command that succeeds on it, so that
// a refused command changes nothing.
func (w *webSession) do(cmd webCommand) error {
	words := commandWords(cmd.line)
	if len(words) == 0 {
		return nil
	}
	switch words[0] {
	case "run":
		return w.newRun(words[1:])
	case "continue", "predict":
		if w.lesson == nil || w.run.told == nil {
			return errors.New("no lesson is under way (go run . -web -lesson plays one)")
		}
		return w.lesson.move(strings.Join(words[1:], " "))
	}
	now := w.run.c.rec.now()
	if clusterCommands[words[0]] && (cmd.past && cmd.at < now || !w.run.free) {
		at := now
		if cmd.past {
			at = min(cmd.at, now)
		}
		if err := w.tryFork(at, cmd.line); err != nil {
			return err
		}
		w.fork(at, cmd.line)
	}
	if waitingCommands[words[0]] {
		w.run.inBackground(cmd)
		return errInBackground
	}
	err := w.run.console.do(cmd.line)
	if err != nil && !errors.Is(err, errQuit) {
		w.run.console.fail(err)
	}
	return err
}

// inBackground runs a waiting command on a goroutine of its own, through a
// console of its own: the engine gives it and the session's console turns
// as drivers, one at a time. It answers the command when done, or when
// the run ends first.
func (r *webRun) inBackground(cmd webCommand) {
	k := &console{c: r.c, out: r.console.out, width: r.console.width, abort: r.abort}
	r.waiting.Go(func() {
		err := k.do(cmd.line)
		if errors.Is(err, errInterrupted) {
			err = fmt.Errorf("%s: the run ended before the cluster answered", printable(cmd.line))
		}
		if err != nil {
			k.fail(err)
		}
		if cmd.reply != nil {
			cmd.reply <- err
		}
	})
}

// next begins the session's next run of its own: the next recorded run
// with -replay, the next story of the tour, or the first run the flags ask
// for.
func (w *webSession) next() {
	if len(w.recorded) > 0 {
		recorded := w.recorded[0]
		w.recorded = w.recorded[1:]
		cfg := recorded.cfg
		cfg.Log, cfg.LogDetail, cfg.LogWidth, cfg.Trace, cfg.Timing = w.base.Log, w.base.LogDetail, w.base.LogWidth, w.base.Trace, Paced
		w.begin(mustCluster(cfg), fmt.Sprintf("a recorded run, %s", plural(len(recorded.actions), "action")), recorded.playOn)
		return
	}
	if len(w.stories) > 0 {
		w.scenario = &w.stories[0]
		w.stories = w.stories[1:]
	}
	w.start(w.base)
}

// start begins a run of cfg as the flags ask: the scenario, or free mode.
func (w *webSession) start(cfg Config) {
	if sc := w.scenario; sc != nil {
		w.begin(mustCluster(sc.config(cfg)), fmt.Sprintf("scenario %s: %s", sc.name, sc.watchFor), func(c *Cluster, abort <-chan struct{}) {
			sc.run(c, abort, w.lesson)
		})
		if w.lesson != nil {
			w.lesson.begin(sc.name)
		}
		return
	}
	w.begin(mustCluster(cfg), "free mode, changed only by the class's commands", nil)
	w.run.c.Start()
}

// newRun begins a run with the seed args name, or a random one.
func (w *webSession) newRun(args []string) error {
	cfg := w.base
	switch len(args) {
	case 0:
		cfg.Seed = rand.Uint64N(largestRandomSeed + 1)
	case 1:
		seed, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("run: %s is not a seed (a whole number)", quoteTyped(args[0]))
		}
		cfg.Seed = seed
	default:
		return errors.New("run: give at most one seed, such as run 42")
	}
	w.start(cfg)
	return nil
}

// tryFork plays the current run again up to moment at, unseen, on a
// cluster of its own that runs as fast as it can, and returns what the
// command line does there: the engine decides every event, so the fork
// will do the same.
func (w *webSession) tryFork(at time.Duration, line string) error {
	cfg := w.run.c.cfg
	cfg.Timing, cfg.Log, cfg.Trace = Unpaced, nil, nil
	c := mustCluster(cfg)
	defer c.Stop()
	w.run.recording(at).startAt(c, at)
	trial := &console{c: c, out: io.Discard, width: w.width, abort: w.run.abort}
	return trial.do(line)
}

// fork ends the current run and begins, in its place, a free run that is
// the same run up to moment at, about to take the command line.
func (w *webSession) fork(at time.Duration, line string) {
	old := w.run
	paused := old.c.clock.isPaused()
	recorded := old.recording(at)
	cfg := old.c.cfg
	cfg.Timing = Paced
	c := mustCluster(cfg)
	w.begin(c, fmt.Sprintf("run %d again up to %s, then: %s", old.number, formatDuration(at), printable(line)), nil)
	if w.lesson != nil && old.told != nil {
		w.lesson.end(lessonChanged)
	}
	c.rec.mute(func() { recorded.startAt(c, at) })
	if paused {
		c.Pause()
	}
}

// begin makes c, not yet started, the current run, after ending the one
// before. A story, if any, plays on c on a goroutine of its own: it starts
// c, and stops it when it ends.
func (w *webSession) begin(c *Cluster, what string, story func(*Cluster, <-chan struct{})) {
	pace := w.base.Slowdown
	if w.run != nil {
		pace = w.run.c.clock.pace()
	}
	w.end()
	c.clock.setSlowdown(pace) // the class's last choice of pace holds for every run
	w.runs++
	r := &webRun{shownRun: shownRun{number: w.runs, c: c, free: story == nil}, abort: make(chan struct{})}
	r.console = &console{c: c, out: w.out, width: w.width, abort: r.abort}
	c.rec.watch(r.keep)
	w.feed.follow(&r.shownRun, what)
	w.run = r
	writeHanging(w.out, "", fmt.Sprintf("Run %d, seed %d: %s.", r.number, c.cfg.Seed, what), w.width, narrationStyle)
	if story != nil {
		r.told = make(chan struct{})
		go func() {
			defer close(r.told)
			story(c, r.abort)
		}()
	}
}

// end stops the current run, if any, and notes whether it was safe.
func (w *webSession) end() {
	r := w.run
	if r == nil {
		return
	}
	close(r.abort)
	if r.told != nil {
		<-r.told
	}
	r.waiting.Wait()
	r.c.Stop()
	if len(r.c.Violations()) > 0 {
		w.code = exitViolation
	}
}

// finish ends the session: it stops the current run and prints its
// summary and picture on the terminal.
func (w *webSession) finish() {
	w.end()
	w.feed.ended()
	w.code = max(w.code, endSession(w.run.c, w.out, w.width))
}

// mustCluster builds a cluster of cfg, which the flags' checks or the
// trace's reading have validated.
func mustCluster(cfg Config) *Cluster {
	c, err := NewCluster(cfg)
	if err != nil {
		panic(err)
	}
	return c
}
