// Command raft-election shows how Raft elects a leader, to be read next to
// the Raft paper's Figure 2. Each node is a goroutine; nodes exchange
// messages over channels, time out on random election timers, and elect a
// new leader when the old one crashes. A safety checker watches every run.
//
// Run it with `go run .`; `go run . -h` lists the flags, and README.md the
// rest.
//
// # Reading map
//
// The protocol, to read with Figure 2 open:
//
//   - messages.go: the messages, a closed set (RequestVote, AppendEntries,
//     their replies, and PreVote with its reply).
//   - node.go: one server, as Figure 2: its state, one loop per role, the
//     transitions between roles, one handler per message.
//   - refinements.go: PreVote, CheckQuorum and leader stickiness, from
//     Ongaro's dissertation, reached from node.go through one hook each.
//
// The tooling around it, which runs, records and tells the election:
//
//   - cluster.go: the Config, and the Cluster that runs the nodes, carries
//     their messages and injects faults; tests drive its exported API.
//     engine.go is the cluster's one clock and the engine that runs it in
//     lockstep, so that a seed replays; replay.go plays a trace again.
//   - events.go: the recorder, which takes every Event in order and feeds
//     narration.go (the log, and its sentences for each cause), trace.go (JSON
//     Lines), safety.go (the safety checks), summary.go and timeline.go;
//     digest.go keeps floods of lost messages out of the log.
//   - scenarios.go (the stories), breaks.go (-break), interactive.go (the
//     classroom console), experiment.go and chart.go (the paper's Figure
//     16), main.go (the command line).
//   - output.go (queued output, and the exit codes), interrupt.go (Ctrl-C and SIGTERM), wrap.go (fitting every
//     line to the screen's width).
package main
