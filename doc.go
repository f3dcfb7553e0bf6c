// Command raft-election shows how Raft elects a leader and replicates its
// log, to be read next to the Raft paper's Figure 2. Each node is a
// goroutine; nodes exchange messages over channels, time out on random
// election timers, elect a new leader when the old one crashes, and apply
// a client's commands to a key-value store in the same order everywhere.
// A safety checker watches every run for the properties of Figure 3.
//
// Run it with `go run .`; `go run . -h` lists the flags, and README.md the
// rest.
//
// # Reading map
//
// The protocol, to read with Figure 2 open:
//
//   - messages.go: the messages: RequestVote, AppendEntries, their
//     replies, PreVote with its reply, and a client's request.
//   - node.go: one server, as Figure 2: its state, one loop per role, the
//     transitions between roles, one handler per message, and the
//     election's rules.
//   - replication.go: the log's rules: AppendEntries sent and taken, the
//     commit rule, applying in order.
//   - statemachine.go: the key-value store every node applies its log to.
//   - vocabulary.go: what a node reports as it works: the events, and the
//     rules, each with its name and sentence, that decide its steps.
//   - refinements.go: PreVote, CheckQuorum and leader stickiness, from
//     Ongaro's dissertation, reached from node.go through named hooks.
//
// The tooling around it, which runs, records and tells the protocol:
//
//   - cluster.go: the Config, and the Cluster that runs the nodes, carries
//     their messages and injects faults; tests drive its exported API.
//     engine.go is the cluster's one clock and the engine that runs it in
//     lockstep, so that a seed replays; network.go carries the nodes'
//     messages; client.go is its client, Put and
//     Get; replay.go plays a trace again.
//   - events.go: the recorder, which takes every Event in order and feeds
//     narration.go (the log, and its sentences for each cause), trace.go
//     (JSON Lines), safety.go (the safety checks), summary.go and
//     timeline.go; digest.go keeps floods of lost messages out of the log.
//   - scenarios.go and scenarios_log.go (the stories), breaks.go (-break),
//     interactive.go and logview.go (the classroom console), experiment.go
//     and chart.go (the paper's Figure 16), main.go (the command line).
//   - web.go, websession.go, webfeed.go and web/: the page in the browser.
//   - process.go, wire.go, statefile.go and processweb.go: one node per
//     process, over TCP, with its state on disk.
//   - output.go (queued output, and the exit codes), interrupt.go (Ctrl-C
//     and SIGTERM), wrap.go (fitting every line to the screen's width).
//   - config.go: the Config. stage.go: how a story is told. runs.go: the
//     banners and the summary around every run. main.go runs a mode,
//     flags.go reads the flags; tell.go, check.go and figure16.go are the
//     scenarios', -check's and -experiment's modes.
package main
