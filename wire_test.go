// wire_test.go checks the frames that carry messages between node
// processes, and a client's requests to them: every message of the
// protocol crosses and comes back equal, and a frame that is too long,
// unsigned, or not a message of a peer or a client is refused with its
// fault named; no bytes at all make the reader fail otherwise than with an
// error. A client's request is answered on its own connection.

package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var testKey = []byte("the class's key")

// everyPeerMessage is one of each message that crosses the wire.
var everyPeerMessage = []RaftMessage{
	RequestVote{Term: 3, CandidateID: 2, LastLogIndex: 4, LastLogTerm: 2},
	RequestVoteResponse{Term: 3, VoteGranted: true},
	AppendEntries{Term: 3, LeaderID: 2, PrevLogIndex: 1, PrevLogTerm: 1,
		Entries: []Entry{{Index: 2, Term: 3, Command: "put x 1 #c1.1"}}, LeaderCommit: 1},
	AppendEntriesResponse{Term: 3, Success: false, ConflictTerm: 1, ConflictIndex: 1},
	PreVote{Term: 4, CandidateID: 2, LastLogIndex: 2, LastLogTerm: 3},
	PreVoteResponse{Term: 4, Granted: true},
	TimeoutNow{Term: 3},
	RequestVote{Term: 4, CandidateID: 2, LastLogIndex: 4, LastLogTerm: 3, Transfer: true},
}

// clientPut is a client's correct request, as node 0 sends it.
var clientPut = ClientRequest{Command: "put x 1 #k4xq7m.1", Applied: true}

func TestFramesCarryEveryMessage(t *testing.T) {
	var stream bytes.Buffer
	for _, msg := range append(everyPeerMessage, clientPut, TransferLeadership{Target: 3}) {
		frame, err := encodeFrame(testKey, Envelope{From: 2, To: 1, Msg: msg})
		if err != nil {
			t.Fatal(err)
		}
		stream.Write(frame)
	}
	for _, want := range append(everyPeerMessage, clientPut, TransferLeadership{Target: 3}) {
		env, err := readFrame(&stream, testKey)
		if err != nil || env.From != 2 || env.To != 1 || !reflect.DeepEqual(env.Msg, want) {
			t.Errorf("sent %#v, read %#v (%v)", want, env.Msg, err)
		}
	}
	if _, err := readFrame(&stream, testKey); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestFramesRefuseStrangers(t *testing.T) {
	good, _ := encodeFrame(testKey, Envelope{From: 2, To: 1, Msg: RequestVote{Term: 1, CandidateID: 2}})
	signed := func(payload string) []byte {
		frame := binary.BigEndian.AppendUint32(nil, uint32(macBytes+len(payload)))
		return append(append(frame, sign(testKey, []byte(payload))...), payload...)
	}
	tamper := bytes.Clone(good)
	tamper[len(tamper)-3] ^= 1
	for _, tc := range []struct {
		name  string
		frame []byte
		key   []byte
		want  string
	}{
		{"another key", good, []byte("a stranger's key"), "not signed with the cluster's key"},
		{"a changed byte", tamper, testKey, "not signed"},
		{"too long", binary.BigEndian.AppendUint32(nil, macBytes+mostFrameBytes+1), testKey, "a frame of"},
		{"too short for a signature", binary.BigEndian.AppendUint32(nil, 3), testKey, "a frame of"},
		{"cut short", good[:len(good)-4], testKey, "cut short"},
		{"not JSON", signed("hello"), testKey, "not an envelope"},
		{"an unknown kind", signed(`{"from":2,"to":1,"kind":"Shutdown","msg":{}}`), testKey, "no kind"},
		{"a client's reply", signed(`{"from":2,"to":1,"kind":"ClientReply","msg":{"Accepted":true}}`), testKey, "no kind"},
		{"a request with a reply channel", signed(`{"from":0,"to":1,"kind":"ClientRequest","msg":{"Command":"put x 1","Reply":1}}`), testKey, "does not read"},
		{"an unknown field", signed(`{"from":2,"to":1,"kind":"RequestVote","msg":{"Term":1,"Sudo":true}}`), testKey, "does not read"},
		{"two values", signed(`{"from":2,"to":1,"kind":"RequestVote","msg":{"Term":1}}{}`), testKey, "not an envelope"},
	} {
		_, err := readFrame(bytes.NewReader(tc.frame), tc.key)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// FuzzReadFrame feeds the frame reader any bytes, signed with the key or
// not: it must refuse them or read a message, never fail otherwise, and
// what it reads must cross the wire again unchanged.
func FuzzReadFrame(f *testing.F) {
	for _, msg := range everyPeerMessage {
		frame, _ := encodeFrame(testKey, Envelope{From: 1, To: 2, Msg: msg})
		f.Add(frame, false)
		f.Add(frame[4+macBytes:], true)
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, false)
	f.Fuzz(func(t *testing.T, data []byte, signIt bool) {
		if signIt { // a payload, framed and signed: what a peer with the key could send
			frame := binary.BigEndian.AppendUint32(nil, uint32(macBytes+len(data)))
			data = append(append(frame, sign(testKey, data)...), data...)
		}
		env, err := readFrame(bytes.NewReader(data), testKey)
		if err != nil {
			return
		}
		again, err := encodeFrame(testKey, env)
		if err != nil {
			t.Fatalf("read %#v, which does not encode: %v", env, err)
		}
		back, err := readFrame(bytes.NewReader(again), testKey)
		if err != nil || !reflect.DeepEqual(back, env) {
			t.Fatalf("read %#v; encoded again, it reads %#v (%v)", env, back, err)
		}
	})
}

// Each message a hostile peer with the key could sign, that no correct
// node sends, is refused where it enters, with its fault named: a node's
// rules never meet it.
func TestWireRefusesWhatNoCorrectNodeSends(t *testing.T) {
	for _, msg := range everyPeerMessage {
		if err := checkEnvelope(Envelope{From: 2, To: 1, Msg: msg}, 1, 3); err != nil {
			t.Errorf("a correct %v was refused: %v", msg, err)
		}
	}
	entries := func(es ...Entry) AppendEntries {
		return AppendEntries{Term: 3, LeaderID: 2, PrevLogIndex: 4, PrevLogTerm: 2, Entries: es}
	}
	for _, tc := range []struct {
		name     string
		from, to int
		msg      RaftMessage
		want     string
	}{
		{"a term no node can add one to", 2, 1, AppendEntries{Term: math.MaxUint64, LeaderID: 2}, "beyond any a run reaches"},
		{"a RequestVote of term 0", 2, 1, RequestVote{CandidateID: 2}, "term 0"},
		{"candidate 99", 2, 1, RequestVote{Term: 1, CandidateID: 99}, "candidate 99, sent by node 2"},
		{"a sender not in the cluster", 99, 1, RequestVote{Term: 1, CandidateID: 99}, "from node 99"},
		{"a message for another node", 2, 3, RequestVote{Term: 1, CandidateID: 2}, "to node 3"},
		{"a message from itself", 1, 1, RequestVote{Term: 1, CandidateID: 1}, "from node 1 to node 1"},
		{"a leader not the sender", 2, 1, AppendEntries{Term: 1, LeaderID: 3}, "leader 3"},
		{"an entry of index 0", 2, 1, AppendEntries{Term: 1, LeaderID: 2, Entries: []Entry{{Index: 0, Term: 1}}}, "entry 0 where entry 1 comes"},
		{"a gap after PrevLogIndex", 2, 1, entries(Entry{Index: 6, Term: 3}), "entry 6 where entry 5 comes"},
		{"entries out of order", 2, 1, entries(Entry{Index: 5, Term: 3}, Entry{Index: 7, Term: 3}), "entry 7 where entry 6 comes"},
		{"an entry of a later term than the message", 2, 1, entries(Entry{Index: 5, Term: 4}), "of term 4, after term 2"},
		{"terms going down", 2, 1, entries(Entry{Index: 5, Term: 3}, Entry{Index: 6, Term: 2}), "of term 2, after term 3"},
		{"an entry older than PrevLogTerm", 2, 1, entries(Entry{Index: 5, Term: 1}), "of term 1, after term 2"},
		{"an entry of term 0", 2, 1, AppendEntries{Term: 1, LeaderID: 2, Entries: []Entry{{Index: 1, Term: 0}}}, "of term 0"},
		{"a command of two lines", 2, 1, entries(Entry{Index: 5, Term: 3, Command: "put x 1\nput y 2"}), "more than one line"},
		{"PrevLogIndex 0 with a term", 2, 1, AppendEntries{Term: 3, LeaderID: 2, PrevLogTerm: 2}, "only the empty log's has a 0"},
		{"PrevLogTerm past the message's", 2, 1, AppendEntries{Term: 3, LeaderID: 2, PrevLogIndex: 1, PrevLogTerm: 5}, "of term 5 in a message of term 3"},
		{"an index that would wrap", 2, 1, AppendEntries{Term: 3, LeaderID: 2, PrevLogIndex: math.MaxUint64, PrevLogTerm: 1}, "beyond any log's"},
		{"a last log entry of term 0", 2, 1, PreVote{Term: 2, CandidateID: 2, LastLogIndex: 3}, "only the empty log's has a 0"},
		{"a granted pre-vote of term 0", 2, 1, PreVoteResponse{Granted: true}, "term 0"},
		{"a reply of term 0", 2, 1, AppendEntriesResponse{Success: true, MatchIndex: 1}, "term 0"},
		{"a MatchIndex that would wrap", 2, 1, AppendEntriesResponse{Term: 1, Success: true, MatchIndex: math.MaxUint64}, "beyond any log's"},
		{"a peer's client request", 2, 1, clientPut, "a ClientRequest from node 2"},
		{"a peer's transfer", 2, 1, TransferLeadership{Target: 3}, "a TransferLeadership from node 2"},
		{"a transfer to no member", 0, 1, TransferLeadership{Target: 9}, "a transfer to node 9, no member"},
		{"a TimeoutNow of term 0", 2, 1, TimeoutNow{}, "term 0"},
		{"a client's vote", 0, 1, RequestVote{Term: 1, CandidateID: 2}, "a RequestVote from node 0"},
		{"a request with no session", 0, 1, ClientRequest{Command: "put x 1"}, "no client's #CLIENT.SERIAL"},
		{"a request of no command", 0, 1, ClientRequest{Command: "delete x #c1.1"}, "no put K V or get K"},
		{"a request of two lines", 0, 1, ClientRequest{Command: "put x 1\nput y 2 #c1.1"}, "more than one line"},
		{"a read of a put", 0, 1, ClientRequest{Command: "put x 1 #c1.1", Read: true}, "a read of a command that is no get"},
		{"a command too long", 0, 1, ClientRequest{Command: "put x " + strings.Repeat("1", mostRequestBytes) + " #c1.1"}, "bytes, where"},
	} {
		err := checkEnvelope(Envelope{From: tc.from, To: tc.to, Msg: tc.msg}, 1, 3)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// pipeListener is a listener whose connections are in-memory pipes, so
// that a test of the wire's deadlines runs in a synctest bubble.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case conn := <-l.conns:
		return conn, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// dial opens a connection to the listener's node.
func (l *pipeListener) dial() net.Conn {
	node, caller := net.Pipe()
	l.conns <- node
	return caller
}

// wireOnPipes starts node 1's wire of a cluster of 3 on in-memory pipes,
// and stops it when the test ends. Every refusal is reported on refused,
// every delivery on delivered.
func wireOnPipes(t *testing.T) (l *pipeListener, refused chan error, delivered chan Envelope) {
	l, refused, delivered = newPipeListener(), make(chan error, 100), make(chan Envelope, 100)
	addrs := map[int]string{1: "127.0.0.1:7001", 2: "127.0.0.1:7002", 3: "127.0.0.1:7003"}
	w := newWire(1, addrs, testKey, 50*time.Millisecond, l)
	w.deliver = func(env Envelope) { delivered <- env }
	w.request = func(r ClientRequest) { delivered <- Envelope{To: 1, Msg: r} }
	w.transfer = func(m TransferLeadership) { delivered <- Envelope{To: 1, Msg: m} }
	w.lost = func(Envelope, string) {}
	w.refused = func(_ string, why error) { refused <- why }
	w.start()
	t.Cleanup(w.stop)
	return l, refused, delivered
}

// peerFrame is a correct frame from node 2 to node 1.
func peerFrame() []byte {
	frame, _ := encodeFrame(testKey, Envelope{From: 2, To: 1, Msg: RequestVote{Term: 1, CandidateID: 2}})
	return frame
}

// A client's request is handed to the node and answered on the client's
// own connection, which can carry the next; a node that does not answer
// within idleTimeout is taken to refuse. Clients' connections past
// mostClients close the oldest.
func TestWireAnswersClients(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, refused, delivered := wireOnPipes(t)
		frame, _ := encodeFrame(testKey, Envelope{To: 1, Msg: clientPut})
		conn := l.dial()
		defer conn.Close()
		ask := func() (ClientReply, error) {
			if _, err := conn.Write(frame); err != nil {
				return ClientReply{}, err
			}
			payload, err := readSigned(conn, testKey)
			if err != nil {
				return ClientReply{}, err
			}
			return decodeReply(payload, 1)
		}
		go func() { // the node: a follower that knows node 3 leads
			env := <-delivered
			env.Msg.(ClientRequest).Reply <- ClientReply{Leader: 3}
		}()
		if reply, err := ask(); err != nil || reply.Accepted || reply.Leader != 3 {
			t.Errorf("a follower's refusal reached the client as %+v (%v); want a refusal that names node 3", reply, err)
		}
		asked := time.Now()
		reply, err := ask() // the node holds this one and never answers
		if <-delivered; err != nil || reply.Accepted || time.Since(asked) != idleTimeout {
			t.Errorf("after %s, an unanswered request reached the client as %+v (%v); want a refusal after %s", time.Since(asked), reply, err, idleTimeout)
		}
		var clients []net.Conn
		for range mostClients {
			c := l.dial()
			clients = append(clients, c)
			c.Write(frame)
			<-delivered // and never answered
		}
		closedAt := time.Now()
		if _, err := readSigned(conn, testKey); err == nil || time.Since(closedAt) > 0 {
			t.Errorf("the oldest client's connection is still open past %d clients (%v after %s)", mostClients, err, time.Since(closedAt))
		}
		for _, c := range clients {
			c.Close()
		}
		select {
		case why := <-refused:
			t.Errorf("a client was refused: %v", why)
		default:
		}
	})
}

// A connection that says nothing is closed once proveWithin has passed,
// and the refusal says why; so is one that sends a frame's header and then
// a trickle: the whole frame must come within the deadline.
func TestWireClosesSilentAndTricklingConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, refused, _ := wireOnPipes(t)
		opened := time.Now()
		silent := l.dial()
		defer silent.Close()
		if why := <-refused; !strings.Contains(why.Error(), "no whole frame signed with the key within") || time.Since(opened) != proveWithin {
			t.Errorf("after %s: %v; want the silent connection refused after %s", time.Since(opened), why, proveWithin)
		}
		time.Sleep(quietRefusals) // the node says nothing more of this host until then
		trickle := l.dial()
		defer trickle.Close()
		var writer sync.WaitGroup
		defer writer.Wait()
		writer.Go(func() { // a frame's header, then a byte at a time, until the node hangs up
			trickle.Write(binary.BigEndian.AppendUint32(nil, macBytes+mostFrameBytes))
			for range 100 {
				time.Sleep(100 * time.Millisecond)
				if _, err := trickle.Write([]byte{0}); err != nil {
					return
				}
			}
		})
		opened = time.Now()
		if why := <-refused; !strings.Contains(why.Error(), "no whole frame") || time.Since(opened) != proveWithin {
			t.Errorf("after %s: %v; want the trickling connection refused after %s", time.Since(opened), why, proveWithin)
		}
	})
}

// A stranger who opens more connections than the node reads unproven
// keeps no peer out: each new one closes the oldest that has sent no
// signed frame, and a peer's, which signs its first frame at once, gets
// its messages through. A peer that opens a third connection loses its
// oldest.
func TestStrangersCannotKeepAPeerOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, refused, delivered := wireOnPipes(t)
		var strangers []net.Conn
		for range mostUnproven + 3 {
			strangers = append(strangers, l.dial())
		}
		if why := <-refused; !strings.Contains(why.Error(), "closed to make room") { // the first; the node counts the rest
			t.Errorf("a stranger's connection past the bound: %v", why)
		}
		var peer []net.Conn
		for range mostPerPeer + 1 {
			conn := l.dial()
			peer = append(peer, conn)
			if _, err := conn.Write(peerFrame()); err != nil {
				t.Fatalf("a peer's frame, past %d strangers: %v", len(strangers), err)
			}
			if env := <-delivered; env.From != 2 {
				t.Errorf("delivered %+v", env)
			}
		}
		if _, err := peer[0].Write(peerFrame()); err == nil {
			t.Errorf("node 2's oldest of %d connections still takes frames", len(peer))
		}
		if _, err := peer[len(peer)-1].Write(peerFrame()); err != nil {
			t.Errorf("node 2's newest connection: %v", err)
		}
		for _, conn := range append(strangers, peer...) {
			conn.Close()
		}
	})
}

// A peer that has proved itself and then says nothing is let go after
// idleTimeout, without a refusal: it dials again when it has something
// to say.
func TestWireLetsAnIdlePeerGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, refused, delivered := wireOnPipes(t)
		conn := l.dial()
		defer conn.Close()
		conn.Write(peerFrame())
		<-delivered
		time.Sleep(idleTimeout + time.Second)
		if _, err := conn.Write(peerFrame()); err == nil {
			t.Errorf("a peer silent for %s still has its connection", idleTimeout+time.Second)
		}
		select {
		case why := <-refused:
			t.Errorf("an idle peer was refused: %v", why)
		default:
		}
	})
}

// FuzzNodeTakesEveryCheckedMessage hands node 1 of a running cluster any
// message a peer with the key could sign that checkEnvelope lets in, at any
// moment of the run: the node must take it without a panic or a stall, and
// the cluster's trace must read back whole. (A peer with the key can still
// lie, which Raft does not guard against: the checker may find violations.)
func FuzzNodeTakesEveryCheckedMessage(f *testing.F) {
	for _, msg := range everyPeerMessage {
		f.Add(payloadOf(Envelope{From: 2, To: 1, Msg: msg}), uint16(400))
	}
	f.Add(payloadOf(Envelope{From: 2, To: 1, Msg: AppendEntriesResponse{Term: 1, Success: true, MatchIndex: 1000}}), uint16(400))
	f.Add(payloadOf(Envelope{From: 2, To: 1, Msg: AppendEntriesResponse{Term: 1, ConflictIndex: 1000, ConflictTerm: 1}}), uint16(400))
	f.Add(payloadOf(Envelope{From: 3, To: 1, Msg: AppendEntries{Term: 1, LeaderID: 3, PrevLogIndex: 1, PrevLogTerm: 1,
		Entries: []Entry{{Index: 2, Term: 1, Command: "put x forged"}}, LeaderCommit: 2}}), uint16(400))
	f.Add(payloadOf(Envelope{To: 1, Msg: clientPut}), uint16(400))
	f.Add(payloadOf(Envelope{To: 1, Msg: ClientRequest{Command: "get x #k4xq7m.1", Applied: true, Read: true}}), uint16(400))
	f.Fuzz(func(t *testing.T, payload []byte, atMs uint16) {
		env, err := decodePayload(payload)
		if err != nil || checkEnvelope(env, 1, 3) != nil {
			return
		}
		var trace bytes.Buffer
		synctest.Test(t, func(t *testing.T) {
			cfg := clusterConfig(3, 1)
			cfg.Timing, cfg.Trace = Unpaced, &trace
			c, err := NewCluster(cfg)
			if err != nil {
				t.Fatal(err)
			}
			d := c.startAsDriver()
			d.sleep(time.Duration(atMs)*time.Millisecond, nil)
			c.operate(func() error {
				if request, ok := env.Msg.(ClientRequest); ok { // as the wire hands it over
					request.Reply = make(chan ClientReply, 1)
					c.handOver(env.To, request)
					return nil
				}
				c.mu.Lock()
				defer c.mu.Unlock()
				c.inboxes.deliver(env)
				return nil
			})
			d.sleep(time.Second, nil)
			d.release()
			c.Stop()
			if err := c.clock.stalled(); err != nil {
				t.Fatal(err)
			}
		})
		if _, err := checkTrace(&trace); err != nil {
			t.Fatalf("after %v at %d ms, the trace does not read back: %v", env.Msg, atMs, err)
		}
	})
}

// payloadOf is env as a frame's payload.
func payloadOf(env Envelope) []byte {
	frame, _ := encodeFrame(testKey, env)
	return frame[4+macBytes:]
}
