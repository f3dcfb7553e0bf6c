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
	leader, replies, err := c.submit(command, false)
	if err != nil {
		return 0, 0, err
	}
	reply := c.awaitReply(leader, replies, c.clientPatience(), nil)
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
	_, err := c.request(putCommand+" "+key+" "+value, abort)
	return err
}

// Get reads key through the leader. The read is a log entry like a put:
// the leader answers once the entry is committed and applied, so the read
// sees every put acknowledged before it began, and a leader cut off from
// the majority cannot answer with stale data (§8). A read index (§6.4 of
// the dissertation) would spare the log a write, at the cost of a second
// mechanism; the log entry is the one mechanism the reader already knows.
func (c *Cluster) Get(key string) (value string, ok bool, err error) { return c.get(key, nil) }

// get is Get, which gives up with errInterrupted when abort closes.
func (c *Cluster) get(key string, abort <-chan struct{}) (value string, ok bool, err error) {
	if err := checkWord("key", key); err != nil {
		return "", false, err
	}
	reply, err := c.request(getCommand+" "+key, abort)
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

// request sends command, as the next request of a client session of its
// own, to the leader, and retries, with the same serial number, at
// whichever node leads next, until the command is applied, the client's
// patience runs out, or abort closes. Between tries it waits a heartbeat
// interval, time for the news of a new leader to spread.
func (c *Cluster) request(command string, abort <-chan struct{}) (ClientReply, error) {
	client := c.clients.take()
	defer c.clients.giveBack(client)
	client.serial++
	command = fmt.Sprintf("%s #%s.%d", command, client.name, client.serial)
	deadline := c.clock.now() + c.clientPatience()
	for c.clock.now() < deadline && !closed(abort) {
		leader, replies, err := c.submit(command, true)
		switch {
		case errors.Is(err, errNoLeader):
			c.clock.await(deadline-c.clock.now(), abort, func() bool { _, _, ok := c.Leader(); return ok })
			continue
		case err != nil:
			return ClientReply{}, err
		}
		if reply := c.awaitReply(leader, replies, deadline-c.clock.now(), abort); reply.Accepted {
			return reply, nil
		}
		c.clock.await(min(c.cfg.HeartbeatInterval, deadline-c.clock.now()), abort, func() bool { return false })
	}
	if closed(abort) {
		return ClientReply{}, errInterrupted
	}
	return ClientReply{}, &notAppliedError{patience: c.clientPatience()}
}

// notAppliedError is a request's end when no leader applied it within the
// client's patience: the cluster's answer, not a mistake of the caller's.
type notAppliedError struct{ patience time.Duration }

func (e *notAppliedError) Error() string {
	return fmt.Sprintf("not applied within %s: no leader with a majority kept the command", formatDuration(e.patience))
}

// submit hands a request for command to the node that leads now, at a
// quiet moment, as the operator's actions are, and returns that node and
// the channel its reply will come on.
func (c *Cluster) submit(command string, applied bool) (leader int, replies chan ClientReply, err error) {
	replies = make(chan ClientReply, 1)
	err = c.operate(func() error {
		if err := c.checkRunning(); err != nil {
			return err
		}
		var ok bool
		if leader, _, ok = c.Leader(); !ok {
			return errNoLeader
		}
		c.handOver(leader, ClientRequest{Command: command, Applied: applied, Reply: replies})
		return nil
	})
	return leader, replies, err
}

// awaitReply waits, in protocol time, for the reply of node id on replies,
// for at most patience, or until abort closes, or id crashes, stops
// leading, or is not the leader of the newest term any more (cut off in a
// minority, it may never learn it). A refusal, or no reply, comes back as
// a reply that is not Accepted.
func (c *Cluster) awaitReply(id int, replies <-chan ClientReply, patience time.Duration, abort <-chan struct{}) ClientReply {
	gaveUp := func() bool {
		newest, _, _ := c.Leader()
		return !c.leads(id) || newest != id
	}
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
	c.rec.record(Event{Kind: EventRequest, To: id, Command: request.Command})
	c.clock.afterFunc(0, func() {
		if c.inboxes.deliver(Envelope{To: id, Msg: request}) != "" {
			request.Reply <- ClientReply{} // a refusal: the client tries again
		}
	})
}

// Entries returns node id's log as its events have told it, a copy.
func (c *Cluster) Entries(id int) []Entry {
	if id < 1 || id > c.cfg.Nodes {
		return nil
	}
	return c.rec.entries(id)
}
