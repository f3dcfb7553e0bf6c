// remoteclient.go is a client of the key-value store of a cluster of node
// processes (process.go): the -processes console's put and get, and those
// typed at a -node process. It speaks the nodes' own frames, signed with
// the cluster's key (wire.go), and behaves as §8 asks of a client: it sends
// every request to the leader it knows, or to any node, follows a
// refusal's hint to the leader, and retries a request with the same serial
// number until it is answered, so that a put is applied once.

package main

import (
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"time"
)

// Patience of a remote client.
const (
	remotePatience = 10 * time.Second      // for one request, over every try
	remotePause    = 50 * time.Millisecond // after a refusal, before the next try
)

// remoteClient is one client session (sessions.go) of a cluster of
// processes, over TCP. Its owner's goroutine is the only one to use it.
type remoteClient struct {
	addrs   map[int]string // every node's, by ID
	key     []byte
	session session         // named at random: many clients, on many machines, share the cluster
	leader  int             // the node that answered last, or that a refusal named; 0: none yet
	abort   <-chan struct{} // closed to give up at once (Ctrl-C)
}

// newRemoteClient is a client of the cluster whose nodes are at addrs,
// which gives up any request when abort closes.
func newRemoteClient(addrs map[int]string, key []byte, abort <-chan struct{}) *remoteClient {
	return &remoteClient{addrs: addrs, key: key, session: session{name: strings.ToLower(rand.Text()[:6])}, abort: abort}
}

// put sets key to value, and returns the reply once the put is committed
// and applied, and which node answered.
func (rc *remoteClient) put(key, value string) (ClientReply, int, error) {
	if err := checkWord("key", key); err != nil {
		return ClientReply{}, 0, err
	}
	if err := checkWord("value", value); err != nil {
		return ClientReply{}, 0, err
	}
	return rc.request(ClientRequest{Command: putCommand + " " + key + " " + value, Applied: true})
}

// get reads key without a log entry, once a leader has confirmed that it
// still leads (ReadIndex, reads.go).
func (rc *remoteClient) get(key string) (ClientReply, int, error) {
	if err := checkWord("key", key); err != nil {
		return ClientReply{}, 0, err
	}
	return rc.request(ClientRequest{Command: getCommand + " " + key, Applied: true, Read: true})
}

// run runs a put or a get typed as words, and returns what to say of it:
// what the cluster's console says (interactive.go).
func (rc *remoteClient) run(words []string) (string, error) {
	switch {
	case words[0] == putCommand && len(words) == 3:
		reply, leader, err := rc.put(words[1], words[2])
		if err != nil {
			return "", fmt.Errorf("put: %w", err)
		}
		return putAnswer(words[1], words[2], leader, reply.Term), nil
	case words[0] == getCommand && len(words) == 2:
		reply, _, err := rc.get(words[1])
		if err != nil {
			return "", fmt.Errorf("get: %w", err)
		}
		return getAnswer(words[1], reply.Result, reply.Found), nil
	}
	return "", fmt.Errorf("%s: the client takes put K V, such as put x 1, and get K, such as get x", printable(words[0]))
}

// request sends r, as the session's next request, to the leader the client
// knows, else to each node in turn, until one accepts it, remotePatience
// runs out, or abort closes. It returns the reply and the node that gave
// it.
func (rc *remoteClient) request(r ClientRequest) (ClientReply, int, error) {
	r.Command = rc.session.sign(r.Command)
	deadline := time.Now().Add(remotePatience)
	next := max(rc.leader, 1)
	var last error // why the last try failed, when it was not a refusal
	for time.Now().Before(deadline) {
		reply, err := rc.ask(next, r, deadline)
		if err == nil && reply.Accepted {
			rc.leader = next
			return reply, next, nil
		}
		last = err
		if _, known := rc.addrs[reply.Leader]; err == nil && known && reply.Leader != next {
			next = reply.Leader // §8: the follower names the leader it knows
		} else {
			next = next%len(rc.addrs) + 1
		}
		rc.leader = 0
		select {
		case <-time.After(remotePause):
		case <-rc.abort:
			return ClientReply{}, 0, errInterrupted
		}
	}
	if last != nil {
		return ClientReply{}, 0, fmt.Errorf("no leader answered within %s (the last try: %v)", formatDuration(remotePatience), last)
	}
	return ClientReply{}, 0, fmt.Errorf("no leader answered within %s: no node with a majority took it", formatDuration(remotePatience))
}

// transfer asks node leader to hand its leadership over to node target
// (dissertation §3.10), as the operator: the node takes the request at
// once, and ignores it if it does not lead.
func (rc *remoteClient) transfer(leader, target int) error {
	_, err := rc.ask(leader, TransferLeadership{Target: target}, time.Now().Add(remotePatience))
	return err
}

// ask sends msg, a client's request or the operator's, to node id, on a
// connection of its own, and waits for the node's reply until deadline.
func (rc *remoteClient) ask(id int, msg RaftMessage, deadline time.Time) (ClientReply, error) {
	frame, err := encodeFrame(rc.key, Envelope{From: 0, To: id, Msg: msg})
	if err != nil {
		return ClientReply{}, err
	}
	conn, err := net.DialTimeout("tcp", rc.addrs[id], dialTimeout)
	if err != nil {
		return ClientReply{}, err
	}
	defer conn.Close()
	asked := make(chan struct{})
	defer close(asked)
	go func() { // Ctrl-C ends the wait for the reply
		select {
		case <-rc.abort:
			conn.Close()
		case <-asked:
		}
	}()
	conn.SetDeadline(deadline)
	if _, err := conn.Write(frame); err != nil {
		return ClientReply{}, err
	}
	payload, err := readSigned(conn, rc.key)
	if err != nil {
		return ClientReply{}, fmt.Errorf("node %d: %v", id, err)
	}
	return decodeReply(payload, id)
}

// decodeReply reads a signed frame's payload as node id's reply to a
// client.
func decodeReply(payload []byte, id int) (ClientReply, error) {
	var w wireEnvelope
	var reply ClientReply
	if err := strictJSON(payload, &w); err != nil {
		return reply, err
	}
	if w.Kind != clientReplyKind || w.From != id || w.To != 0 {
		return reply, fmt.Errorf("node %d answered with no reply to a client", id)
	}
	return reply, strictJSON(w.Msg, &reply)
}
