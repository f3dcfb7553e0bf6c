// network.go is the simulated network between the nodes of a cluster that
// runs in one process. It is each node's transport (node.go): send carries
// a message across the operator's partitions, loses it at the drop rate,
// and hands it to the engine (engine.go), which delivers it into its
// receiver's inbox once the latency the seed drew has passed. Node
// processes have the wire instead (wire.go), behind the same transport.

package main

import (
	"math/rand/v2"
	"sync"
	"time"
)

// network is the simulated network of one cluster. Its methods are safe
// from any goroutine.
type network struct {
	clock       *clock
	inboxes     inboxes       // where a message goes once it arrives, and where a lost one is reported
	least, most time.Duration // every message's latency is drawn from [least, most]
	// links[i-1] draws the latency and loss of the messages node i sends.
	// Only node i's goroutine uses it, so the draws follow that node's
	// own sends in order, and a seed replays them.
	links []*rand.Rand

	mu       sync.Mutex
	side     []int   // side[i-1] is node i's group; nil: no partition
	dropRate float64 // the probability, in [0,1), that a message is lost
}

// inboxes is where the network hands what it carries: the cluster's nodes
// (cluster.go).
type inboxes interface {
	// deliver puts env in its receiver's inbox, or says why it cannot.
	deliver(env Envelope) (undelivered string)
	// drop reports a message the network did not deliver, and why.
	drop(env Envelope, reason string)
}

// newNetwork is the network of a cluster of cfg, which delivers into
// inboxes, with its time kept by clock.
func newNetwork(cfg Config, clock *clock, inboxes inboxes) *network {
	net := &network{clock: clock, inboxes: inboxes, dropRate: cfg.DropRate}
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
		net.inboxes.drop(env, "the partition cut the link")
	case net.dropRate > 0 && link.Float64() < net.dropRate:
		net.inboxes.drop(env, "the network lost it")
	default:
		var delay time.Duration
		if net.most > 0 {
			delay = net.least + time.Duration(link.Int64N(int64(net.most-net.least)+1))
		}
		net.clock.afterFunc(delay, func() { net.arrive(env) })
	}
}

// arrive delivers env, once its latency has passed. A partition made while
// the message was on its way cuts it too, as a real network loses the
// packets in flight.
func (net *network) arrive(env Envelope) {
	why := "the partition cut the link"
	if net.connects(env.From, env.To) {
		why = net.inboxes.deliver(env)
	}
	if why != "" {
		net.inboxes.drop(env, why)
	}
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
