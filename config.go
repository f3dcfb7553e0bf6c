// config.go is how a cluster is set up: the Config that tests, exercises
// and the flags fill in (Start from DefaultConfig), what it may hold, what
// each node takes of it (forNode, for node.go), and the NodeStatus the
// cluster reports. The cluster and every tool read it; of the world it
// knows only the engine's Timing (engine.go).

package main

import (
	"fmt"
	"io"
	"time"
)

// Config describes a cluster and its network. Start from DefaultConfig.
type Config struct {
	Nodes              int           // how many nodes, 1..9
	ElectionTimeoutMin time.Duration // election timeouts are drawn from [Min, Max)
	ElectionTimeoutMax time.Duration // the range's end; equal to Min, every timeout is Min
	HeartbeatInterval  time.Duration // how often a leader sends heartbeats; < ElectionTimeoutMin
	MaxLatency         time.Duration // each message is delayed uniformly in [0, MaxLatency]
	DropRate           float64       // probability in [0,1) that a message is lost
	Seed               uint64        // all randomness derives from it: same seed, same run
	// FirstTimeouts, when set, holds one duration per node (node i at
	// index i-1) that replaces that node's first election timeout after
	// Start. Every later timeout is random. It scripts a split vote.
	FirstTimeouts []time.Duration
	Log           io.Writer // the colored human log; nil: none
	LogDetail     LogDetail // what the log shows beyond the election itself
	LogWidth      int       // the columns the log's lines fit in; 0: 80
	Trace         io.Writer // every event as JSON Lines (trace.go); nil: none
	// PreVote makes a node ask whether it could win before it stands, so
	// that a node which cannot win never raises its term (dissertation
	// §9.6). CheckQuorum makes a leader that loses its majority step down,
	// and a node that hears a live leader ignore RequestVote (§6.2, §4.2.3).
	PreVote, CheckQuorum bool
	// LogReads makes Get a command of the log, as a put is, instead of a
	// read the leader answers once it has confirmed it leads (ReadIndex,
	// reads.go): the simpler way, slower by a write to a majority, kept
	// to compare the two.
	LogReads bool
	// Break turns off one safeguard of the protocol, to show what goes
	// wrong without it (breaks.go); empty: none. Never on by default.
	Break Breakage
	// Slowdown stretches the run in real time, so a class can follow it:
	// with K, every timeout, heartbeat, latency and pause lasts K times
	// longer, while the log and trace still show the protocol's own times,
	// and every message takes at least slowMotionFlight. 0 or 1: real time.
	Slowdown float64
	// Timing chooses the engine (engine.go): Paced lockstep (the zero
	// value), Unpaced lockstep, or RealTime goroutines on the wall clock.
	Timing Timing

	// For a scenario that must time its steps between messages (figure-8):
	// every message takes at least leastLatency, and an AppendEntries
	// carries at most entriesPerMessage entries (0: mostEntriesPerMessage).
	leastLatency      time.Duration
	entriesPerMessage int
}

// slowMotionFlight is the least time a message travels in slow motion.
// With no latency a message arrives the instant it is sent, and ten times
// nothing is still nothing: a whole election would flash by at once. In
// slow motion each message takes at least this much protocol time, so
// that a class sees every vote come back after its request.
const slowMotionFlight = 25 * time.Millisecond

// forNode is what node id of a cluster of cfg knows of it (node.go).
func (cfg Config) forNode(id int) nodeConfig {
	nc := nodeConfig{id: id, clusterSize: cfg.Nodes,
		timeoutMin: cfg.ElectionTimeoutMin, timeoutMax: cfg.ElectionTimeoutMax, heartbeatInterval: cfg.HeartbeatInterval,
		entriesPerMessage: cfg.entriesPerMessage, preVote: cfg.PreVote, checkQuorum: cfg.CheckQuorum, breakage: cfg.Break}
	if cfg.FirstTimeouts != nil {
		nc.firstTimeout = cfg.FirstTimeouts[id-1]
	}
	return nc
}

// slowMotion reports whether cfg runs slower than real time.
func (cfg Config) slowMotion() bool { return cfg.Slowdown > 1 }

// latencyRange is the range a message's one-way delay is drawn from:
// [0, MaxLatency], and in slow motion never below slowMotionFlight.
func (cfg Config) latencyRange() (least, most time.Duration) {
	if cfg.slowMotion() {
		return slowMotionFlight, max(cfg.MaxLatency, slowMotionFlight)
	}
	return min(cfg.leastLatency, cfg.MaxLatency), cfg.MaxLatency
}

// DefaultConfig is the classic exercise: five nodes, election timeouts of
// 150–300 ms as the paper suggests (§9.3), heartbeats every 50 ms, a perfect
// network, and seed 1.
func DefaultConfig() Config {
	return Config{
		Nodes:              5,
		ElectionTimeoutMin: 150 * time.Millisecond,
		ElectionTimeoutMax: 300 * time.Millisecond,
		HeartbeatInterval:  50 * time.Millisecond,
		Seed:               1,
	}
}

// ConfigError reports a Config field that NewCluster cannot use.
type ConfigError struct {
	Field   string // the Config field's name, such as "Nodes"
	Problem string // what is wrong with its value
}

func (e *ConfigError) Error() string { return "Config." + e.Field + " " + e.Problem }

// mostNodes is the largest cluster: nine nodes fit a ring, a log's
// columns and a terminal's lines.
const mostNodes = 9

// validate reports the first field of cfg that cannot run a cluster.
func (cfg Config) validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...)}
	}
	switch {
	case cfg.Nodes < 1 || cfg.Nodes > mostNodes:
		return bad("Nodes", "must be between 1 and %d, not %d", mostNodes, cfg.Nodes)
	case cfg.ElectionTimeoutMin <= 0:
		return bad("ElectionTimeoutMin", "must be positive, not %s", cfg.ElectionTimeoutMin)
	case cfg.ElectionTimeoutMax < cfg.ElectionTimeoutMin:
		return bad("ElectionTimeoutMax", "must be at least ElectionTimeoutMin (%s), not %s",
			cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax)
	case cfg.HeartbeatInterval <= 0:
		return bad("HeartbeatInterval", "must be positive, not %s", cfg.HeartbeatInterval)
	case cfg.HeartbeatInterval >= cfg.ElectionTimeoutMin:
		// Followers would time out between heartbeats of a healthy leader.
		return bad("HeartbeatInterval", "must be shorter than ElectionTimeoutMin (%s), not %s",
			cfg.ElectionTimeoutMin, cfg.HeartbeatInterval)
	case cfg.MaxLatency < 0:
		return bad("MaxLatency", "must not be negative, not %s", cfg.MaxLatency)
	case !(cfg.DropRate >= 0 && cfg.DropRate < 1): // also catches NaN
		return bad("DropRate", "must be at least 0 and below 1, not %g", cfg.DropRate)
	case cfg.Break != "" && !knownBreakage(cfg.Break):
		return bad("Break", "must be one of %s, not %q", breakageNames(), cfg.Break)
	case !(cfg.Slowdown == 0 || cfg.Slowdown >= 1 && cfg.Slowdown <= 100):
		return bad("Slowdown", "must be 0 (real time) or between 1 and 100, not %g", cfg.Slowdown)
	case cfg.Timing < Paced || cfg.Timing > RealTime:
		return bad("Timing", "must be Paced, Unpaced or RealTime, not %d", int(cfg.Timing))
	case cfg.FirstTimeouts != nil && len(cfg.FirstTimeouts) != cfg.Nodes:
		return bad("FirstTimeouts", "must hold one timeout per node (%d), not %d",
			cfg.Nodes, len(cfg.FirstTimeouts))
	}
	for i, d := range cfg.FirstTimeouts {
		if d <= 0 {
			return bad("FirstTimeouts", "must be positive, not %s for node %d", d, i+1)
		}
	}
	return nil
}

// NodeStatus is one node's state as the cluster last heard it reported.
type NodeStatus struct {
	ID           int
	Role         Role
	Term         uint64
	VotedFor     int // 0: none in this term
	Alive        bool
	LastLogIndex uint64 // the node's last log entry: 0 and 0 for an empty log
	LastLogTerm  uint64
	CommitIndex  uint64 // the highest entry it knows committed; 0 after a restart, until it learns again
}

// LogDetail says how much of a run the log shows.
type LogDetail int

const (
	// LogElection shows roles, votes and pre-votes, faults, the scenario's
	// narration, election messages lost, and the log's client commands,
	// commits and repairs (describeLog).
	LogElection LogDetail = iota
	// LogHeartbeats adds every heartbeat round and every heartbeat lost,
	// and every leader's no-op and commit.
	LogHeartbeats
	// LogMessages adds every message sent, delivered and dropped, every
	// election timer reset, and every node's appends, commits and applies.
	LogMessages
)

// stageTimes are the patience and the hold of a stage for cfg.
func stageTimes(cfg Config) (patience, hold time.Duration) {
	_, latency := cfg.latencyRange()
	return 10 * (cfg.ElectionTimeoutMax + latency), 4 * cfg.ElectionTimeoutMax
}
