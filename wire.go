// wire.go is the network between nodes that run as processes of their
// own (process.go): TCP, one connection to each peer, carrying each
// message as a frame.
//
// A frame is a 4-byte big-endian length, then an HMAC-SHA256 of the
// payload under the cluster's shared key, then the payload: the envelope
// as JSON, with the message's kind named. A receiver refuses, counts, logs
// and hangs up on a frame that is too long, that the key did not sign,
// that does not read as a message of the protocol from a peer to itself,
// or that holds a message no correct node sends (checkEnvelope): a
// stranger on the network, garbage, or a peer with the key and a bug
// disturbs nothing else. A connection must prove it knows the key within
// proveWithin, and each frame must arrive whole within idleTimeout of the
// last; a stranger's connections are bounded apart from the peers', so
// that they can never keep a peer out.
//
// Sending never blocks the node: each peer has a queue and a goroutine of
// its own, which dials, redials with backoff when the peer is down, and
// gives each write a deadline. A message that finds the queue full, or
// the peer unreachable, is lost, as a network loses packets; Raft's
// retries make up for it.
//
// A client of the key-value store speaks the same frames, signed with the
// same key (remoteclient.go): it sends a ClientRequest from node 0, and
// the node writes its ClientReply back on the same connection. So does the
// -processes console, as the operator, with a TransferLeadership.

package main

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
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
	// mostUnproven bounds the connections a node reads at once that have
	// not yet sent a frame signed with the key: a new one past the bound
	// closes the oldest, so that a stranger who opens many holds none for
	// long, and a peer's, which proves itself with its first frame at
	// once, gets in. A peer's proven connections are bounded apart
	// (mostPerPeer): it needs one, and a reconnecting one briefly two.
	mostUnproven = 4 * mostNodes
	mostPerPeer  = 2
	proveWithin  = time.Second      // from a connection's opening to its first signed frame
	idleTimeout  = 10 * time.Second // from one frame to the end of the next
	// mostClients bounds the clients' connections a node serves at once;
	// a new one past the bound closes the oldest.
	mostClients = 4 * mostNodes
	// mostRequestBytes bounds a client's command: a put of a key and a
	// value, each one word, and its request's number.
	mostRequestBytes = 1024
)

// clientReplyKind names a node's answer to a client in a frame: not a
// message between nodes, so not a RaftMessage.
const clientReplyKind = "ClientReply"

// wireEnvelope is an envelope as a frame's payload carries it.
type wireEnvelope struct {
	From int             `json:"from"`
	To   int             `json:"to"`
	Kind string          `json:"kind"` // messageName of the message
	Msg  json.RawMessage `json:"msg"`
}

// encodeFrame is env as a frame signed with key.
func encodeFrame(key []byte, env Envelope) ([]byte, error) {
	return signedFrame(key, env.From, env.To, messageName(env.Msg), env.Msg)
}

// encodeReply is node from's reply to a client as a frame signed with key.
func encodeReply(key []byte, from int, reply ClientReply) ([]byte, error) {
	return signedFrame(key, from, 0, clientReplyKind, reply)
}

// signedFrame is the frame of a message of kind from one end to the
// other, signed with key.
func signedFrame(key []byte, from, to int, kind string, message any) ([]byte, error) {
	msg, err := json.Marshal(message)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(wireEnvelope{From: from, To: to, Kind: kind, Msg: msg})
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
	payload, err := readSigned(r, key)
	if err != nil {
		return Envelope{}, err
	}
	return decodePayload(payload)
}

// readSigned reads one frame from r and returns its payload, once it has
// checked that key signed it.
func readSigned(r io.Reader, key []byte) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < macBytes || n > macBytes+mostFrameBytes {
		return nil, fmt.Errorf("bytes that are not this program's frames (a frame of %d bytes, outside %d to %d)", n, macBytes, macBytes+mostFrameBytes)
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(r, frame); err != nil {
		return nil, fmt.Errorf("a frame cut short: %w", err)
	}
	mac, payload := frame[:macBytes], frame[macBytes:]
	if !hmac.Equal(mac, sign(key, payload)) {
		return nil, errors.New("a frame not signed with the cluster's key (does every node have the same -key?)")
	}
	return payload, nil
}

// decodePayload reads a signed frame's payload as an envelope of the
// protocol: a message between nodes, or a request from outside the
// cluster, a client's or the operator's. A client's request's Reply is
// left nil, for the wire to give it one.
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
	case "TimeoutNow":
		msg, err = decodeMessage[TimeoutNow](w.Msg)
	case "ClientRequest":
		msg, err = decodeMessage[ClientRequest](w.Msg)
	case "TransferLeadership":
		msg, err = decodeMessage[TransferLeadership](w.Msg)
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

// checkEnvelope refuses an envelope that no correct node of a cluster of
// size nodes, nor any correct client, sends to node self: every ID a
// member, and the sender the one it says it is (node 0 is a client or the
// operator, and sends nothing but their requests); every term and index a log can hold (from 1
// where Raft allows no 0, and far below where adding one would wrap
// around); an AppendEntries' entries the ones just after PrevLogIndex, in
// order, with terms that never go down and never pass the leader's; a
// client's request a put or a get of a client session; and a transfer one
// to a member. A node then never meets,
// from the wire, a message its rules were not written for.
func checkEnvelope(env Envelope, self, size int) error {
	outside := fromOutside[messageName(env.Msg)]
	fromPeer := env.From >= 1 && env.From <= size && env.From != self
	if outside && env.From != 0 || !outside && !fromPeer || env.To != self {
		return fmt.Errorf("a %s from node %d to node %d, on node %d's port of a cluster of %d", messageName(env.Msg), env.From, env.To, self, size)
	}
	var problem string
	switch m := env.Msg.(type) {
	case RequestVote:
		problem = checkCandidate(env.From, m.Term, m.CandidateID, m.LastLogIndex, m.LastLogTerm)
	case PreVote:
		problem = checkCandidate(env.From, m.Term, m.CandidateID, m.LastLogIndex, m.LastLogTerm)
	case RequestVoteResponse:
		problem = checkTerm(m.Term, 1)
	case PreVoteResponse:
		problem = checkTerm(m.Term, 0) // a refusal carries the refuser's term, which may be 0
		if m.Granted && problem == "" {
			problem = checkTerm(m.Term, 1) // a grant, the term asked about
		}
	case AppendEntries:
		problem = checkAppendEntries(env.From, m)
	case AppendEntriesResponse:
		problem = cmp.Or(checkTerm(m.Term, 1), checkIndex(m.MatchIndex), checkIndex(m.ConflictIndex), checkTerm(m.ConflictTerm, 0))
	case TimeoutNow:
		problem = checkTerm(m.Term, 1)
	case ClientRequest:
		problem = checkClientRequest(m)
	case TransferLeadership:
		if m.Target < 1 || m.Target > size {
			problem = fmt.Sprintf("a transfer to node %d, no member of the cluster", m.Target)
		}
	}
	if problem != "" {
		return fmt.Errorf("a %s from node %d that no correct node sends: %s", messageName(env.Msg), env.From, problem)
	}
	return nil
}

// checkClientRequest says what is wrong with a client's request: it must
// be one line, a put of a key to a value or a get of a key (a read only
// that), ending with its session's "#CLIENT.SERIAL" (statemachine.go), so
// that a retry is applied once.
func checkClientRequest(m ClientRequest) string {
	words, id := splitRequest(m.Command)
	_, _, signed := parseRequestID(id)
	put := len(words) == 3 && strings.EqualFold(words[0], putCommand)
	get := len(words) == 2 && strings.EqualFold(words[0], getCommand)
	switch {
	case len(m.Command) > mostRequestBytes:
		return fmt.Sprintf("a command of %d bytes, where %d would do", len(m.Command), mostRequestBytes)
	case strings.ContainsAny(m.Command, "\n\r"):
		return "a command of more than one line"
	case !signed:
		return fmt.Sprintf("%.40q, which ends with no client's #CLIENT.SERIAL", m.Command)
	case !put && !get:
		return fmt.Sprintf("%.40q, which is no put K V or get K", m.Command)
	case m.Read && !get:
		return "a read of a command that is no get"
	}
	return ""
}

// checkTerm says what is wrong with a term that must be at least least.
func checkTerm(term, least uint64) string {
	switch {
	case term < least:
		return fmt.Sprintf("term %d, where a term starts at %d", term, least)
	case term > mostTerm:
		return fmt.Sprintf("term %d, beyond any a run reaches", term)
	}
	return ""
}

// checkIndex says what is wrong with a log index.
func checkIndex(index uint64) string {
	if index > mostIndex {
		return fmt.Sprintf("index %d, beyond any log's", index)
	}
	return ""
}

// checkLastEntry says what is wrong with a log's last entry as (index,
// term) describe it, in a message of term: (0, 0) for an empty log, else
// an entry of a term from 1 up to the message's.
func checkLastEntry(index, logTerm, term uint64) string {
	switch {
	case (index == 0) != (logTerm == 0):
		return fmt.Sprintf("a log entry %d of term %d: only the empty log's has a 0", index, logTerm)
	case logTerm > term:
		return fmt.Sprintf("a log entry of term %d in a message of term %d", logTerm, term)
	}
	return checkIndex(index)
}

// checkCandidate says what is wrong with a RequestVote or PreVote sent by
// node from.
func checkCandidate(from int, term uint64, candidate int, lastLogIndex, lastLogTerm uint64) string {
	if candidate != from {
		return fmt.Sprintf("candidate %d, sent by node %d", candidate, from)
	}
	return cmp.Or(checkTerm(term, 1), checkLastEntry(lastLogIndex, lastLogTerm, term))
}

// checkAppendEntries says what is wrong with an AppendEntries sent by node
// from.
func checkAppendEntries(from int, m AppendEntries) string {
	if m.LeaderID != from {
		return fmt.Sprintf("leader %d, sent by node %d", m.LeaderID, from)
	}
	if problem := cmp.Or(checkTerm(m.Term, 1), checkLastEntry(m.PrevLogIndex, m.PrevLogTerm, m.Term),
		checkIndex(m.LeaderCommit), checkIndex(m.PrevLogIndex+uint64(len(m.Entries)))); problem != "" {
		return problem
	}
	previous := m.PrevLogTerm
	for i, e := range m.Entries {
		switch {
		case e.Index != m.PrevLogIndex+1+uint64(i):
			return fmt.Sprintf("entry %d where entry %d comes", e.Index, m.PrevLogIndex+1+uint64(i))
		case e.Term < max(previous, 1) || e.Term > m.Term:
			return fmt.Sprintf("entry %d of term %d, after term %d in a message of term %d", e.Index, e.Term, previous, m.Term)
		case strings.ContainsAny(e.Command, "\n\r"):
			return fmt.Sprintf("entry %d's command of more than one line", e.Index)
		}
		previous = e.Term
	}
	return ""
}

// wire is one node's side of the network between processes. send is
// called by the node's goroutine; each peer's goroutine owns its
// connection; each accepted connection has a goroutine that reads it.
type wire struct {
	self     int
	size     int // the cluster's nodes
	key      []byte
	listener net.Listener
	queues   map[int]chan Envelope // by peer
	addrs    map[int]string        // by peer
	// mostBackoff is the longest wait between dials of a peer that is
	// down: a heartbeat interval, so that a peer that comes back hears
	// its leader before its election timeout runs out.
	mostBackoff time.Duration
	// deliver hands a message that arrived to the local node; request
	// hands it a client's request, whose Reply the wire reads; transfer,
	// the operator's request that it hand leadership over; lost
	// reports a message that could not be sent; refused reports a frame
	// refused, and from where. Any goroutine of the wire calls them.
	deliver  func(Envelope)
	request  func(ClientRequest)
	transfer func(TransferLeadership)
	lost     func(env Envelope, why string)
	refused  func(from string, why error)

	done        chan struct{} // closed by stop
	mu          sync.Mutex
	accepted    map[net.Conn]*incoming // open incoming connections, to close at stop; guarded by mu
	admitted    uint64                 // connections admitted so far; guarded by mu
	refusedFrom map[string]*refusals   // by host, what refuse has said; guarded by mu
	goroutine   sync.WaitGroup
}

// incoming is what a node knows of a connection it accepted.
type incoming struct {
	order  uint64 // 1 for the first connection admitted, 2 for the next...
	proven bool   // it carried a frame signed with the key
	peer   int    // the sender of that frame: a peer, or 0 for a client or the operator
	closed string // why the node closed it to make room; "" if it did not
}

// listenWire listens at addrs[self], unless given a listener there
// already, for node self of the cluster whose nodes are at addrs, signs
// and checks frames with key, and dials a peer that is down at least every
// mostBackoff.
func listenWire(self int, addrs map[int]string, key []byte, mostBackoff time.Duration, listener net.Listener) (*wire, error) {
	if listener == nil {
		var err error
		if listener, err = net.Listen("tcp", addrs[self]); err != nil {
			return nil, err
		}
	}
	return newWire(self, addrs, key, mostBackoff, listener), nil
}

// newWire is listenWire, with the listener given.
func newWire(self int, addrs map[int]string, key []byte, mostBackoff time.Duration, listener net.Listener) *wire {
	w := &wire{self: self, size: len(addrs), key: key, listener: listener, queues: map[int]chan Envelope{}, addrs: map[int]string{},
		mostBackoff: max(mostBackoff, leastBackoff), done: make(chan struct{}), accepted: map[net.Conn]*incoming{}, refusedFrom: map[string]*refusals{}}
	for id, addr := range addrs {
		if id != self {
			w.queues[id], w.addrs[id] = make(chan Envelope, peerQueue), addr
		}
	}
	return w
}

// start begins sending and accepting. deliver, request, transfer, lost
// and refused must be set.
func (w *wire) start() {
	for id := range w.queues {
		w.goroutine.Go(func() { w.sendTo(id) })
	}
	w.goroutine.Go(w.accept)
}

// send is the local node's transport: it queues env for its peer without
// waiting, or, when the queue is full, reports the message lost.
func (w *wire) send(env Envelope) {
	select {
	case w.queues[env.To] <- env:
	default:
		w.lost(env, fmt.Sprintf("the queue to node %d is full", env.To))
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

// accept takes connections until stop.
func (w *wire) accept() {
	for {
		conn, err := w.listener.Accept()
		if err != nil {
			return // stop closed the listener
		}
		w.admit(conn)
	}
}

// admit starts reading conn on a goroutine of its own. If as many
// connections as mostUnproven have not yet proved they know the key, the
// oldest of them is closed to make room.
func (w *wire) admit(conn net.Conn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if closed(w.done) {
		conn.Close()
		return
	}
	var unproven []net.Conn
	for c, in := range w.accepted {
		if !in.proven {
			unproven = append(unproven, c)
		}
	}
	if len(unproven) >= mostUnproven {
		w.makeRoom(unproven, fmt.Sprintf("closed to make room: %d connections had sent no frame signed with the key", mostUnproven))
	}
	w.admitted++
	w.accepted[conn] = &incoming{order: w.admitted}
	w.goroutine.Go(func() { w.read(conn) })
}

// read delivers each message that arrives on conn, and answers each
// client's request on it, until the sender hangs up, stop closes it, a
// frame is late (the first within proveWithin, each after within
// idleTimeout) or a frame is refused: then it says why and hangs up, since
// nothing after a bad frame can be trusted to start a frame.
func (w *wire) read(conn net.Conn) {
	defer func() {
		w.mu.Lock()
		delete(w.accepted, conn)
		w.mu.Unlock()
		conn.Close()
	}()
	for wait := proveWithin; ; wait = idleTimeout {
		conn.SetReadDeadline(time.Now().Add(wait))
		env, err := readFrame(conn, w.key)
		if err == nil {
			err = checkEnvelope(env, w.self, w.size)
		}
		if err != nil {
			w.readFailed(conn, err, wait == proveWithin)
			return
		}
		w.proven(conn, env.From)
		switch m := env.Msg.(type) {
		case ClientRequest:
			err = w.answer(conn, m)
		case TransferLeadership: // the operator's: taken at once
			w.transfer(m)
			err = w.reply(conn, ClientReply{Accepted: true})
		default:
			w.deliver(env)
		}
		if err != nil {
			return
		}
	}
}

// answer hands a client's request to the node and writes its reply on
// conn. A node that has not answered within idleTimeout (a leader that
// cannot reach a majority may hold a request for as long as it leads) is
// taken to refuse: the client then asks another node, with the same
// serial number, so that a put applied late is still applied once.
func (w *wire) answer(conn net.Conn, request ClientRequest) error {
	replies := make(chan ClientReply, 1) // the node never waits to reply
	request.Reply = replies
	w.request(request)
	timeout := time.NewTimer(idleTimeout)
	defer timeout.Stop()
	var reply ClientReply
	select {
	case reply = <-replies:
	case <-timeout.C:
	case <-w.done:
		return net.ErrClosed
	}
	return w.reply(conn, reply)
}

// reply writes the node's reply to a client, or to the operator, on conn.
func (w *wire) reply(conn net.Conn, reply ClientReply) error {
	frame, err := encodeReply(w.key, w.self, reply)
	if err != nil {
		return err
	}
	conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err = conn.Write(frame)
	return err
}

// readFailed says why reading conn failed with err, when it was not a
// peer hanging up, or going quiet after it proved itself (unproven is
// false), or being replaced by its newer connection.
func (w *wire) readFailed(conn net.Conn, err error, unproven bool) {
	from := conn.RemoteAddr().String()
	switch why := w.closedToMakeRoom(conn); {
	case errors.Is(err, io.EOF), closed(w.done):
	case why != "":
		if unproven {
			w.refuse(from, errors.New("a connection "+why))
		}
	case errors.Is(err, os.ErrDeadlineExceeded) && unproven:
		w.refuse(from, fmt.Errorf("a connection that sent no whole frame signed with the key within %s", proveWithin))
	case errors.Is(err, os.ErrDeadlineExceeded):
		// A peer with nothing to say: it dials again when it has.
	default:
		w.refuse(from, err)
	}
}

// proven notes that conn carried a frame that peer (0: a client) signed
// with the key, and closes the peer's oldest connection if it has more
// than mostPerPeer, or the clients' oldest if they have more than
// mostClients.
func (w *wire) proven(conn net.Conn, peer int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	in := w.accepted[conn]
	in.proven, in.peer = true, peer
	var same []net.Conn
	for c, other := range w.accepted {
		if other.proven && other.peer == peer {
			same = append(same, c)
		}
	}
	switch {
	case peer == 0 && len(same) > mostClients:
		w.makeRoom(same, fmt.Sprintf("closed to make room: %d clients were connected", mostClients))
	case peer != 0 && len(same) > mostPerPeer:
		w.makeRoom(same, fmt.Sprintf("replaced by node %d's newer connection", peer))
	}
}

// makeRoom closes the oldest of conns, saying why; its reader then
// forgets it. The caller holds w.mu.
func (w *wire) makeRoom(conns []net.Conn, why string) {
	oldest := slices.MinFunc(conns, func(a, b net.Conn) int { return cmp.Compare(w.accepted[a].order, w.accepted[b].order) })
	w.accepted[oldest].closed = why
	oldest.Close()
}

// closedToMakeRoom is why the node closed conn to make room, or "".
func (w *wire) closedToMakeRoom(conn net.Conn) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.accepted[conn].closed
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

// refuse reports a refused frame or connection from the address from,
// unless its host was reported a moment ago: then it counts it, for the
// next report.
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
