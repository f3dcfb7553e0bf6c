// wire.go is the network between nodes that run as processes of their
// own (process.go): TCP, one connection to each peer, carrying each
// message as a frame.
//
// A frame is a 4-byte big-endian length, then an HMAC-SHA256 of the
// payload under the cluster's shared key, then the payload: the envelope
// as JSON, with the message's kind named. A receiver refuses, logs and
// hangs up on a frame that is too long, that the key did not sign, or that
// does not read as a message of the protocol from a peer to itself; a
// stranger on the network, or garbage, disturbs nothing else.
//
// Sending never blocks the node: each peer has a queue and a goroutine of
// its own, which dials, redials with backoff when the peer is down, and
// gives each write a deadline. A message that finds the queue full, or
// the peer unreachable, is lost, as a network loses packets; Raft's
// retries make up for it.

package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Limits of the wire.
const (
	mostFrameBytes = 1 << 20 // a frame's payload: far more than a full AppendEntries
	macBytes       = sha256.Size
	peerQueue      = 64                     // messages waiting for one peer's connection
	dialTimeout    = 500 * time.Millisecond // one attempt to reach a peer
	writeTimeout   = time.Second            // one frame to a slow peer
	leastBackoff   = 10 * time.Millisecond  // after a failed dial, before the next
	// mostAccepted bounds the connections a node reads at once: its peers
	// need one each, and a reconnecting one briefly two; a stranger who
	// opens more is refused rather than given a goroutine each.
	mostAccepted = 4 * mostNodes
)

// wireEnvelope is an envelope as a frame's payload carries it.
type wireEnvelope struct {
	From int             `json:"from"`
	To   int             `json:"to"`
	Kind string          `json:"kind"` // messageName of the message
	Msg  json.RawMessage `json:"msg"`
}

// encodeFrame is env as a frame signed with key.
func encodeFrame(key []byte, env Envelope) ([]byte, error) {
	msg, err := json.Marshal(env.Msg)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(wireEnvelope{From: env.From, To: env.To, Kind: messageName(env.Msg), Msg: msg})
	if err != nil {
		return nil, err
	}
	frame := binary.BigEndian.AppendUint32(nil, uint32(macBytes+len(payload)))
	frame = append(frame, sign(key, payload)...)
	return append(frame, payload...), nil
}

// sign is the HMAC-SHA256 of payload under key.
func sign(key, payload []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write(payload)
	return mac.Sum(nil)
}

// readFrame reads one frame from r and returns its envelope, or says why
// the frame is refused. io.EOF means the sender hung up between frames.
func readFrame(r io.Reader, key []byte) (Envelope, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return Envelope{}, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < macBytes || n > macBytes+mostFrameBytes {
		return Envelope{}, fmt.Errorf("bytes that are not this program's frames (a frame of %d bytes, outside %d to %d)", n, macBytes, macBytes+mostFrameBytes)
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(r, frame); err != nil {
		return Envelope{}, fmt.Errorf("a frame cut short: %w", err)
	}
	mac, payload := frame[:macBytes], frame[macBytes:]
	if !hmac.Equal(mac, sign(key, payload)) {
		return Envelope{}, errors.New("a frame not signed with the cluster's key (does every node have the same -key?)")
	}
	return decodePayload(payload)
}

// decodePayload reads a signed frame's payload as an envelope of the
// protocol. A client's request, whose reply is a channel, never crosses
// the wire.
func decodePayload(payload []byte) (Envelope, error) {
	var w wireEnvelope
	if err := strictJSON(payload, &w); err != nil {
		return Envelope{}, fmt.Errorf("a frame that is not an envelope: %v", err)
	}
	var msg RaftMessage
	var err error
	switch w.Kind {
	case "RequestVote":
		msg, err = decodeMessage[RequestVote](w.Msg)
	case "RequestVoteResponse":
		msg, err = decodeMessage[RequestVoteResponse](w.Msg)
	case "AppendEntries":
		msg, err = decodeMessage[AppendEntries](w.Msg)
	case "AppendEntriesResponse":
		msg, err = decodeMessage[AppendEntriesResponse](w.Msg)
	case "PreVote":
		msg, err = decodeMessage[PreVote](w.Msg)
	case "PreVoteResponse":
		msg, err = decodeMessage[PreVoteResponse](w.Msg)
	default:
		return Envelope{}, fmt.Errorf("a frame with a message of no kind the nodes exchange (%.40q)", w.Kind)
	}
	if err != nil {
		return Envelope{}, fmt.Errorf("a %s that does not read: %v", w.Kind, err)
	}
	return Envelope{From: w.From, To: w.To, Msg: msg}, nil
}

// decodeMessage reads one message of type M.
func decodeMessage[M RaftMessage](data []byte) (RaftMessage, error) {
	var m M
	err := strictJSON(data, &m)
	return m, err
}

// strictJSON reads data, one JSON value with no field v lacks, into v.
func strictJSON(data []byte, v any) error {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(v); err != nil {
		return err
	}
	if decoder.More() {
		return errors.New("more than one value")
	}
	return nil
}

// wire is one node's side of the network between processes. send is
// called by the node's goroutine; each peer's goroutine owns its
// connection; each accepted connection has a goroutine that reads it.
type wire struct {
	self     int
	key      []byte
	listener net.Listener
	queues   map[int]chan Envelope // by peer
	addrs    map[int]string        // by peer
	// mostBackoff is the longest wait between dials of a peer that is
	// down: a heartbeat interval, so that a peer that comes back hears
	// its leader before its election timeout runs out.
	mostBackoff time.Duration
	// deliver hands a message that arrived to the local node; lost
	// reports a message that could not be sent; refused reports a frame
	// refused, and from where. Any goroutine of the wire calls them.
	deliver func(Envelope)
	lost    func(env Envelope, why string)
	refused func(from string, why error)

	done        chan struct{} // closed by stop
	mu          sync.Mutex
	accepted    map[net.Conn]bool    // open incoming connections, to close at stop; guarded by mu
	refusedFrom map[string]*refusals // by host, what refuse has said; guarded by mu
	goroutine   sync.WaitGroup
}

// listenWire listens at addrs[self] for node self of the cluster whose
// nodes are at addrs, signs and checks frames with key, and dials a peer
// that is down at least every mostBackoff.
func listenWire(self int, addrs map[int]string, key []byte, mostBackoff time.Duration) (*wire, error) {
	listener, err := net.Listen("tcp", addrs[self])
	if err != nil {
		return nil, err
	}
	w := &wire{self: self, key: key, listener: listener, queues: map[int]chan Envelope{}, addrs: map[int]string{},
		mostBackoff: max(mostBackoff, leastBackoff), done: make(chan struct{}), accepted: map[net.Conn]bool{}, refusedFrom: map[string]*refusals{}}
	for id, addr := range addrs {
		if id != self {
			w.queues[id], w.addrs[id] = make(chan Envelope, peerQueue), addr
		}
	}
	return w, nil
}

// start begins sending and accepting. deliver, lost and refused must be
// set.
func (w *wire) start() {
	for id := range w.queues {
		w.goroutine.Go(func() { w.sendTo(id) })
	}
	w.goroutine.Go(w.accept)
}

// send queues env for its peer without waiting, and reports whether there
// was room.
func (w *wire) send(env Envelope) bool {
	select {
	case w.queues[env.To] <- env:
		return true
	default:
		return false
	}
}

// sendTo is peer id's goroutine: it writes each queued message to the
// peer's connection, dialing it when there is none and the backoff after
// the last failure has passed.
func (w *wire) sendTo(id int) {
	var conn net.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	backoff, retry := leastBackoff, time.Time{}
	for {
		var env Envelope
		select {
		case env = <-w.queues[id]:
		case <-w.done:
			return
		}
		if conn == nil && time.Now().Before(retry) {
			w.lost(env, fmt.Sprintf("node %d did not answer at %s; the next try comes after %s", id, w.addrs[id], formatDuration(time.Until(retry))))
			continue
		}
		if conn == nil {
			var err error
			if conn, err = net.DialTimeout("tcp", w.addrs[id], dialTimeout); err != nil {
				conn, retry, backoff = nil, time.Now().Add(backoff), min(2*backoff, w.mostBackoff)
				w.lost(env, fmt.Sprintf("node %d cannot be reached: %v", id, err))
				continue
			}
			backoff = leastBackoff
		}
		if err := w.write(conn, env); err != nil {
			conn.Close()
			conn, retry = nil, time.Now().Add(leastBackoff)
			w.lost(env, fmt.Sprintf("the connection to node %d failed: %v", id, err))
		}
	}
}

// write sends env as one frame on conn, within writeTimeout.
func (w *wire) write(conn net.Conn, env Envelope) error {
	frame, err := encodeFrame(w.key, env)
	if err != nil {
		return err
	}
	conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err = conn.Write(frame)
	return err
}

// accept takes connections until stop, each read by a goroutine of its
// own.
func (w *wire) accept() {
	for {
		conn, err := w.listener.Accept()
		if err != nil {
			return // stop closed the listener
		}
		w.mu.Lock()
		if closed(w.done) {
			w.mu.Unlock()
			conn.Close()
			return
		}
		full := len(w.accepted) >= mostAccepted
		if !full {
			w.accepted[conn] = true
		}
		w.mu.Unlock()
		if full {
			w.refuse(conn.RemoteAddr().String(), fmt.Errorf("a connection past the %d it reads at once", mostAccepted))
			conn.Close()
			continue
		}
		w.goroutine.Go(func() { w.read(conn) })
	}
}

// read delivers each message that arrives on conn, until the sender hangs
// up, stop closes it, or a frame is refused: then it says why and hangs
// up, since nothing after a bad frame can be trusted to start a frame.
func (w *wire) read(conn net.Conn) {
	defer func() {
		w.mu.Lock()
		delete(w.accepted, conn)
		w.mu.Unlock()
		conn.Close()
	}()
	for {
		env, err := readFrame(conn, w.key)
		if err == nil {
			err = w.fromPeer(env)
		}
		switch {
		case errors.Is(err, io.EOF), closed(w.done):
			return
		case err != nil:
			w.refuse(conn.RemoteAddr().String(), err)
			return
		}
		w.deliver(env)
	}
}

// fromPeer checks that a signed envelope is from another node of the
// cluster, to this one.
func (w *wire) fromPeer(env Envelope) error {
	if _, ok := w.queues[env.From]; !ok || env.To != w.self {
		return fmt.Errorf("a message from node %d to node %d, on node %d's port", env.From, env.To, w.self)
	}
	return nil
}

// refusals is what a node has refused of one host since it last said so.
type refusals struct {
	said  time.Time // when it last said so
	since int       // how many it refused since, unsaid
}

// quietRefusals is how often a node says it refused a host: the first
// time, then at most once in this long, with how many came between, so
// that a stranger, or a peer with another key, who tries again and again
// does not flood the log.
const quietRefusals = 5 * time.Second

// mostRefusedHosts bounds the hosts refuse remembers.
const mostRefusedHosts = 1024

// refuse reports a refused connection from the address from, unless its
// host was reported a moment ago.
func (w *wire) refuse(from string, why error) {
	host, _, _ := net.SplitHostPort(from)
	w.mu.Lock()
	r := w.refusedFrom[host]
	if r == nil {
		if len(w.refusedFrom) >= mostRefusedHosts {
			clear(w.refusedFrom)
		}
		r = &refusals{}
		w.refusedFrom[host] = r
	}
	if time.Since(r.said) < quietRefusals {
		r.since++
		w.mu.Unlock()
		return
	}
	unsaid := r.since
	r.said, r.since = time.Now(), 0
	w.mu.Unlock()
	if unsaid > 0 {
		why = fmt.Errorf("%w; and %d more from %s since it last said so", why, unsaid, host)
	}
	w.refused(from, why)
}

// stop closes every connection and waits for the wire's goroutines.
func (w *wire) stop() {
	w.mu.Lock()
	if !closed(w.done) {
		close(w.done)
		w.listener.Close()
		for conn := range w.accepted {
			conn.Close()
		}
	}
	w.mu.Unlock()
	w.goroutine.Wait()
}
