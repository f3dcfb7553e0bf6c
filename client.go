// client.go is the Cluster's client of the key-value store
// (statemachine.go): Put and Get, each on a session it lends its caller
// (sessions.go), and Propose, which hands a command over unsigned. Its requests travel to a node as ClientRequest
// messages (§8) and it waits in protocol time for the reply, so a seed
// replays its story too. It belongs to the world around the protocol (cluster.go).

package main

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// clientPatience is how long, in protocol time, a client request may take
// before the client gives up: long enough for several elections.
func (c *Cluster) clientPatience() time.Duration { return 20 * c.cfg.ElectionTimeoutMax }

// Propose hands command to the node that leads now, which appends it to
// its log, and returns where it went. It does not wait for the command to
// commit: Entries and the trace show what becomes of it. It returns an
// error when no node leads.
func (c *Cluster) Propose(command string) (index, term uint64, err error) {
	if strings.ContainsAny(command, "\n\r") {
		return 0, 0, errors.New("a command is one line")
	}
	leader, replies, err := c.submit(ClientRequest{Command: command}, 0)
	if err != nil {
		return 0, 0, err
	}
	reply := c.awaitReply(replies, c.clientPatience(), nil, c.noLongerNewest(leader))
	if !reply.Accepted {
		return 0, 0, fmt.Errorf("node %d did not take the command: it no longer leads", leader)
	}
	return reply.Index, reply.Term, nil
}

// Put sets key to value through the leader, and returns once the command
// is committed and applied, or with an error after the client's patience
// (a majority down or cut off). Across a leader change it retries with the
// same serial number, so the put is applied once.
func (c *Cluster) Put(key, value string) error { return c.put(key, value, nil) }

// put is Put, which gives up with errInterrupted when abort closes.
func (c *Cluster) put(key, value string, abort <-chan struct{}) error {
	if err := checkWord("key", key); err != nil {
		return err
	}
	if err := checkWord("value", value); err != nil {
		return err
	}
	_, err := c.request(ClientRequest{Command: putCommand + " " + key + " " + value, Applied: true}, abort)
	return err
}

// Get reads key through the leader, which answers without a log entry once
// it has confirmed that it still leads (ReadIndex, reads.go), so the read
// sees every put acknowledged before it began, and a leader cut off from
// the majority cannot answer with stale data (§8). With Config.LogReads
// the read is a command of the log, as a put is.
func (c *Cluster) Get(key string) (value string, ok bool, err error) { return c.get(key, nil) }

// get is Get, which gives up with errInterrupted when abort closes.
func (c *Cluster) get(key string, abort <-chan struct{}) (value string, ok bool, err error) {
	if err := checkWord("key", key); err != nil {
		return "", false, err
	}
	read := ClientRequest{Command: getCommand + " " + key, Applied: true, Read: !c.cfg.LogReads}
	reply, err := c.request(read, abort)
	return reply.Result, reply.Found, err
}

// checkWord refuses a key or value that the command could not carry: it
// must be one word, and not look like a request's serial number.
func checkWord(what, word string) error {
	if word == "" || strings.ContainsFunc(word, func(r rune) bool { return r <= ' ' }) || strings.HasPrefix(word, "#") {
		return fmt.Errorf("a %s is one word, not starting with #", what)
	}
	return nil
}

// errNoLeader is submit's answer when no node leads.
var errNoLeader = errors.New("no node leads right now")

// request sends r, as the next request of a client session of its own, to
// the leader the session knows, or else the one that leads now, and
// retries, with the same serial number, at whichever node leads next,
// until it is answered, the client's patience runs out, or abort closes.
// Between tries it waits a heartbeat interval, time for the news of a new
// leader to spread.
func (c *Cluster) request(r ClientRequest, abort <-chan struct{}) (ClientReply, error) {
	client := c.clients.take()
	defer c.clients.giveBack(client)
	r.Command = client.sign(r.Command)
	deadline := c.clock.now() + c.clientPatience()
	for c.clock.now() < deadline && !closed(abort) {
		leader, replies, err := c.submit(r, client.leader)
		switch {
		case errors.Is(err, errNoLeader):
			c.clock.await(deadline-c.clock.now(), abort, func() bool { _, _, ok := c.Leader(); return ok })
			continue
		case err != nil:
			return ClientReply{}, err
		}
		client.leader = leader
		if reply := c.awaitReply(replies, deadline-c.clock.now(), abort, c.noLongerNewest(leader)); reply.Accepted {
			return reply, nil
		}
		client.leader = 0 // ask whoever leads next
		c.clock.await(min(c.cfg.HeartbeatInterval, deadline-c.clock.now()), abort, func() bool { return false })
	}
	if closed(abort) {
		return ClientReply{}, errInterrupted
	}
	return ClientReply{}, &notAppliedError{patience: c.clientPatience(), read: r.Read}
}

// notAppliedError is a request's end when no leader applied it, or
// answered the read, within the client's patience: the cluster's answer,
// not a mistake of the caller's.
type notAppliedError struct {
	patience time.Duration
	read     bool // a read without a log entry
}

func (e *notAppliedError) Error() string {
	if e.read {
		return fmt.Sprintf("not answered within %s: no leader could confirm with a majority that it still leads", formatDuration(e.patience))
	}
	return fmt.Sprintf("not applied within %s: no leader with a majority kept the command", formatDuration(e.patience))
}

// submit hands r, at a quiet moment, as the operator's actions are, to
// known, if it still leads as far as its own events tell, or else to the
// node that leads the newest term, and returns that node and the channel
// its reply will come on. A real client, too, asks the leader it knows
// until that one stops answering (§8): cut off in a minority, a deposed
// leader may not know it yet.
func (c *Cluster) submit(r ClientRequest, known int) (leader int, replies chan ClientReply, err error) {
	return c.sendRequest(r, func() (int, error) {
		if known != 0 && c.leads(known) {
			return known, nil
		}
		if leader, _, ok := c.Leader(); ok {
			return leader, nil
		}
		return 0, errNoLeader
	})
}

// sendRequest hands r, at a quiet moment, to the node pick chooses then,
// and returns that node and the channel its reply will come on.
func (c *Cluster) sendRequest(r ClientRequest, pick func() (int, error)) (to int, replies chan ClientReply, err error) {
	replies = make(chan ClientReply, 1)
	r.Reply = replies
	err = c.operate(func() error {
		if err := c.checkRunning(); err != nil {
			return err
		}
		if to, err = pick(); err == nil {
			c.handOver(to, r)
		}
		return err
	})
	return to, replies, err
}

// readFrom reads key at node id alone, as a client that can reach no
// other node would (one on a deposed leader's side of a partition, say),
// with a session never lent before: another client than those before it. It waits at most patience, in protocol time,
// while id leads, and reports whether id answered.
func (c *Cluster) readFrom(id int, key string, patience time.Duration, abort <-chan struct{}) (value string, answered bool, err error) {
	if err := checkWord("key", key); err != nil {
		return "", false, err
	}
	client := c.clients.takeNew()
	defer c.clients.giveBack(client)
	read := ClientRequest{Command: client.sign(getCommand + " " + key), Applied: true, Read: !c.cfg.LogReads}
	_, replies, err := c.sendRequest(read, func() (int, error) { return id, nil })
	if err != nil {
		return "", false, err
	}
	reply := c.awaitReply(replies, patience, abort, func() bool { return !c.leads(id) })
	return reply.Result, reply.Accepted, nil
}

// noLongerNewest is a client's reason to stop waiting for node id: it
// crashed, stopped leading, or is not the leader of the newest term any
// more (cut off in a minority, it may never learn it).
func (c *Cluster) noLongerNewest(id int) func() bool {
	return func() bool {
		newest, _, _ := c.Leader()
		return !c.leads(id) || newest != id
	}
}

// awaitReply waits, in protocol time, for a reply on replies, for at most
// patience, or until abort closes or gaveUp says to stop. A refusal, or no
// reply, comes back as a reply that is not Accepted.
func (c *Cluster) awaitReply(replies <-chan ClientReply, patience time.Duration, abort <-chan struct{}, gaveUp func() bool) ClientReply {
	if c.clock.sleepsOnTimers() {
		return c.awakeForReply(replies, patience, abort, gaveUp)
	}
	var reply ClientReply
	c.clock.await(patience, abort, func() bool {
		select {
		case reply = <-replies:
			return true
		default:
			return gaveUp()
		}
	})
	return reply
}

// awakeForReply is awaitReply for a caller that sleeps on the time
// package's clock while the cluster runs by itself: the reply wakes it the
// moment the node sends it, and it looks whether the node still leads
// every mostPoll, for at most patience of protocol time.
func (c *Cluster) awakeForReply(replies <-chan ClientReply, patience time.Duration, abort <-chan struct{}, gaveUp func() bool) ClientReply {
	deadline := time.NewTimer(c.clock.real(patience))
	defer deadline.Stop()
	look := time.NewTicker(c.clock.real(mostPoll))
	defer look.Stop()
	for {
		select {
		case reply := <-replies:
			return reply
		case <-look.C:
			select {
			case reply := <-replies: // a reply that came with the look still counts
				return reply
			default:
			}
			if c.clock.isStopped() || gaveUp() {
				return ClientReply{}
			}
		case <-deadline.C:
			return ClientReply{}
		case <-abort:
			return ClientReply{}
		}
	}
}

// leads reports whether node id is alive and, as its events tell, leads.
func (c *Cluster) leads(id int) bool {
	st := c.rec.snapshot()[id-1]
	return st.Alive && st.Role == Leader
}

// handOver records that the client handed request to node id, and delivers
// it, as a step of the engine's like any message. A node that is down or
// swamped is refused at once. The caller holds c.ops at a quiet moment.
func (c *Cluster) handOver(id int, request ClientRequest) {
	c.rec.record(Event{Kind: EventRequest, To: id, Command: request.Command, Read: request.Read})
	c.clock.afterFunc(0, func() {
		if c.inboxes.deliver(Envelope{To: id, Msg: request}) != "" {
			request.Reply <- ClientReply{} // a refusal: the client tries again
		}
	})
}

// handOverLocal hands the local node of a node process a request that a
// client sent over the wire (wire.go), as handOver hands the cluster's
// own client's.
func (c *Cluster) handOverLocal(request ClientRequest) {
	c.operate(func() error { c.handOver(c.local, request); return nil })
}

// Entries returns node id's log as its events have told it, a copy.
func (c *Cluster) Entries(id int) []Entry {
	if id < 1 || id > c.cfg.Nodes {
		return nil
	}
	return c.rec.entries(id)
}
