// network.go is how a message reaches a node. The simulated network between
// the nodes of a cluster that runs in one process is each node's
// transport (node.go): send carries a message across the operator's
// partitions, loses it at the drop rate, and hands it to the engine
// (engine.go), which, once the latency the seed drew has passed, puts it
// in its receiver's inbox. Node processes have the wire instead
// (wire.go), behind the same transport, and deliver into the same inboxes.

package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// network is the simulated network of one cluster. Its methods are safe
// from any goroutine.
type network struct {
	clock       *clock
	inboxes     *inboxes               // where a message goes once it arrives
	drop        func(Envelope, string) // reports a message the network did not deliver, and why
	least, most time.Duration          // every message's latency is drawn from [least, most]
	// links[i-1] draws the latency and loss of the messages node i sends.
	// Only node i's goroutine uses it, so the draws follow that node's
	// own sends in order, and a seed replays them.
	links []*rand.Rand

	mu       sync.Mutex
	side     []int   // side[i-1] is node i's group; nil: no partition
	dropRate float64 // the probability, in [0,1), that a message is lost
	// flying are the messages on their way, in the order sent, each with
	// the timer of its arrival: what the operator can drop (takeBack).
	flying []flyingMessage
	sent   uint64 // the messages handed to the engine so far
}

// flyingMessage is a message on its way: the how-manieth handed to the
// engine, and the timer of its arrival.
type flyingMessage struct {
	env     Envelope
	number  uint64
	arrival *clockTimer
}

// newNetwork is the network of a cluster of cfg, which delivers into
// inboxes and reports what it loses to drop, with its time kept by clock.
func newNetwork(cfg Config, clock *clock, inboxes *inboxes, drop func(Envelope, string)) *network {
	net := &network{clock: clock, inboxes: inboxes, drop: drop, dropRate: cfg.DropRate}
	net.least, net.most = cfg.latencyRange()
	for id := 1; id <= cfg.Nodes; id++ {
		net.links = append(net.links, rand.New(rand.NewPCG(cfg.Seed, uint64(100+id))))
	}
	return net
}

// send is the node's transport. It runs on the sender's goroutine and
// never blocks: a message is dropped at once, or handed to the engine,
// which delivers it once its latency has passed (with none, as the next
// step after the sender's).
func (net *network) send(env Envelope) {
	link := net.links[env.From-1]
	net.mu.Lock()
	defer net.mu.Unlock()
	switch {
	case !net.linked(env.From, env.To):
		net.drop(env, "the partition cut the link")
	case net.dropRate > 0 && link.Float64() < net.dropRate:
		net.drop(env, "the network lost it")
	default:
		var delay time.Duration
		if net.most > 0 {
			delay = net.least + time.Duration(link.Int64N(int64(net.most-net.least)+1))
		}
		net.sent++
		number := net.sent
		arrival := net.clock.afterFunc(delay, func() { net.arrive(env, number) }) // which waits for net.mu: after the append
		net.flying = append(net.flying, flyingMessage{env, number, arrival})
	}
}

// arrive delivers env, once its latency has passed. A partition made while
// the message was on its way cuts it too, as a real network loses the
// packets in flight.
func (net *network) arrive(env Envelope, number uint64) {
	net.mu.Lock()
	net.flying = slices.DeleteFunc(net.flying, func(f flyingMessage) bool { return f.number == number })
	net.mu.Unlock()
	why := "the partition cut the link"
	if net.connects(env.From, env.To) {
		why = net.inboxes.deliver(env)
	}
	if why != "" {
		net.drop(env, why)
	}
}

// takeBack stops the oldest message on its way from node from to node to
// of the kind named, which will never arrive, and returns it, if there is
// one: the operator drops it (Cluster.Lose).
func (net *network) takeBack(from, to int, kind string) (Envelope, bool) {
	net.mu.Lock()
	defer net.mu.Unlock()
	i := slices.IndexFunc(net.flying, func(f flyingMessage) bool {
		return f.env.From == from && f.env.To == to && messageName(f.env.Msg) == kind
	})
	if i < 0 {
		return Envelope{}, false
	}
	f := net.flying[i]
	net.flying = slices.Delete(net.flying, i, i+1)
	f.arrival.Stop()
	return f.env, true
}

// linked reports whether nodes a and b are on one side of any partition.
// The caller holds net.mu.
func (net *network) linked(a, b int) bool {
	return net.side == nil || net.side[a-1] == net.side[b-1]
}

// connects is linked, for a caller that does not hold net.mu.
func (net *network) connects(a, b int) bool {
	net.mu.Lock()
	defer net.mu.Unlock()
	return net.linked(a, b)
}

// cut splits the network into groups; every node is in one (Partition).
func (net *network) cut(groups [][]int) {
	net.mu.Lock()
	defer net.mu.Unlock()
	net.side = sidesOf(groups, len(net.links))
}

// heal makes the network whole again, and reports whether it was cut.
func (net *network) heal() (wasCut bool) {
	net.mu.Lock()
	defer net.mu.Unlock()
	wasCut = net.side != nil
	net.side = nil
	return wasCut
}

// setLoss makes the network lose messages with probability p.
func (net *network) setLoss(p float64) {
	net.mu.Lock()
	defer net.mu.Unlock()
	net.dropRate = p
}

// loss is the probability that the network loses a message now.
func (net *network) loss() float64 {
	net.mu.Lock()
	defer net.mu.Unlock()
	return net.dropRate
}

// inboxSize is how many messages can wait in a node's inbox. A message that
// finds it full is dropped, as a congested network drops packets, so that an
// overloaded process loses messages instead of piling them up without end.
// A healthy node never comes close.
const inboxSize = 64

// inboxes are the inboxes of the nodes that run in this process, as the
// networks reach them: a node's is open while an incarnation of it runs.
// The cluster opens it as it launches an incarnation and shuts it as it
// crashes one; a network delivers into it. Its methods are safe from any
// goroutine.
type inboxes struct {
	clock *clock
	mu    sync.Mutex
	open  []chan Envelope // open[i-1] is node i's inbox while it runs; nil while it is down
}

// newInboxes is the inboxes of a cluster of n nodes, every one down.
func newInboxes(n int, clock *clock) *inboxes {
	return &inboxes{clock: clock, open: make([]chan Envelope, n)}
}

// openAt makes inbox node id's, which the networks deliver into from now.
func (in *inboxes) openAt(id int, inbox chan Envelope) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.open[id-1] = inbox
}

// shut stops every delivery to node id, and reports whether its inbox was
// open: once it returns, nothing more goes into the inbox.
func (in *inboxes) shut(id int) (wasOpen bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	wasOpen = in.open[id-1] != nil
	in.open[id-1] = nil
	return wasOpen
}

// isOpen reports whether node id runs: its inbox takes messages.
func (in *inboxes) isOpen(id int) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.open[id-1] != nil
}

// deliver puts env in its receiver's inbox, if the receiver runs and the
// inbox has room, and otherwise says why not, for the caller to report. It
// looks the receiver up on arrival, so a message reaches whatever
// incarnation runs then. It holds in.mu meanwhile, so no crash can come
// between the check and the delivery, and no other sender can fill the
// inbox: the send never blocks, on a crashed node's channels or anyone's.
// (In lockstep the inbox holds one message at most.)
func (in *inboxes) deliver(env Envelope) (undelivered string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	inbox := in.open[env.To-1]
	switch {
	case inbox == nil:
		return fmt.Sprintf("node %d is down", env.To)
	case len(inbox) == cap(inbox):
		return fmt.Sprintf("node %d's inbox was full", env.To)
	}
	in.clock.wake(env.To, "a "+messageName(env.Msg)) // the receiver takes a step, and reports the message as it does
	inbox <- env
	return ""
}
