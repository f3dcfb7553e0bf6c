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
// The files stand in five layers; each uses only names of its own layer
// and of those below it (layering_test.go checks, and docs/design.md draws
// the picture).
//
// 1. The protocol, to read with Figure 2 open. These eight files name
// nothing outside them: a node is handed its timers, its transport, its
// stable storage and an observer, as node.go declares.
//
//   - messages.go: the messages: RequestVote, AppendEntries, their
//     replies, PreVote with its reply, and a client's request.
//   - node.go: one server, as Figure 2: its state, one loop per role, the
//     transitions between roles, the handling of every message, and the
//     election's rules.
//   - replication.go: the log's rules: AppendEntries sent and taken, the
//     commit rule, applying in order.
//   - reads.go: how a leader answers a read without a log entry, once a
//     majority confirms it still leads (ReadIndex).
//   - transfer.go: how a leader hands its leadership over to another node
//     (TimeoutNow, Ongaro's dissertation §3.10).
//   - refinements.go: PreVote, CheckQuorum and leader stickiness, from
//     Ongaro's dissertation, reached from node.go through named hooks.
//   - statemachine.go: the key-value store every node applies its log to.
//   - vocabulary.go: what a node reports as it works: the events, and the
//     rules, each declared once with its name and its sentence.
//   - breaks.go: the rules a class may break (-break), each tested at the
//     line that enforces it.
//
// 2. The engine beside it, which implements what the node needs.
//
//   - engine.go: the one clock, and the engine that runs the nodes one
//     step at a time in an order the seed fixes.
//   - network.go: the simulated network, and the inboxes it delivers to.
//   - wire.go and statefile.go: TCP and a state file, the transport and
//     the storage of a node process.
//   - config.go: the Config, and each node's share of it.
//   - output.go (queued output, and the exit codes), wrap.go (fitting
//     every line to the screen's width), interrupt.go (Ctrl-C and
//     SIGTERM): helpers that every layer above uses.
//
// 3. The recorder, events.go, which takes every event in order and feeds
// the outputs: narration.go (the log) with digest.go (floods of lost
// messages kept out of it), trace.go (JSON Lines), safety.go (Figure 3's
// checks), summary.go and timeline.go; logview.go draws the nodes' logs
// for the console.
//
// 4. The cluster that tests drive, which puts them together: cluster.go
// starts, stops, crashes and restarts nodes and cuts the network;
// client.go, with sessions.go, is its client: Put and Get.
//
// 5. The front ends, a file per mode: main.go runs a mode, flags.go reads
// the flags; tell.go tells the stories of scenarios.go and
// scenarios_log.go through stage.go; interactive.go is the console;
// web.go, websession.go, webfeed.go and web/ are the page, and lesson.go
// tells a story there as a lesson; process.go and
// processweb.go run one node per process, and remoteclient.go is their
// client over the wire; replay.go plays a trace again;
// check.go is -check; figure16.go, experiment.go and chart.go are
// -experiment; lab.go writes a student's copy (-lab) and grade.go grades
// copies (-grade, -lab-diff). runs.go says what the modes that show a run
// say around it.
package main
