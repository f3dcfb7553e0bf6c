// wire_test.go checks the frames that carry messages between node
// processes: every message of the protocol crosses and comes back equal,
// and a frame that is too long, unsigned, or not a message of a peer is
// refused with its fault named; no bytes at all make the reader fail
// otherwise than with an error.

package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
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
	PreVote{Term: 4, CandidateID: 1, LastLogIndex: 2, LastLogTerm: 3},
	PreVoteResponse{Term: 4, Granted: true},
}

func TestFramesCarryEveryMessage(t *testing.T) {
	var stream bytes.Buffer
	for _, msg := range everyPeerMessage {
		frame, err := encodeFrame(testKey, Envelope{From: 2, To: 1, Msg: msg})
		if err != nil {
			t.Fatal(err)
		}
		stream.Write(frame)
	}
	for _, want := range everyPeerMessage {
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
		{"a client's request", signed(`{"from":2,"to":1,"kind":"ClientRequest","msg":{"Command":"put x 1"}}`), testKey, "no kind"},
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

// TestWireBoundsItsConnections opens more idle connections to a node than
// it reads at once: the one past the bound is refused and closed, and a
// peer's message still arrives.
func TestWireBoundsItsConnections(t *testing.T) {
	addrs := map[int]string{1: "127.0.0.1:0", 2: "127.0.0.1:0"}
	w, err := listenWire(1, addrs, testKey, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	refused, delivered := make(chan error, 1), make(chan Envelope, 1)
	w.deliver = func(env Envelope) { delivered <- env }
	w.lost = func(Envelope, string) {}
	w.refused = func(_ string, why error) {
		select {
		case refused <- why: // the first refusal is the test's; the others, none
		default:
		}
	}
	w.start()
	defer w.stop()
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range mostAccepted + 1 {
		conn, err := net.Dial("tcp", w.listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, conn)
	}
	if why := <-refused; !strings.Contains(why.Error(), "past the") {
		t.Errorf("refused: %v", why)
	}
	idle[0].Close() // room again, for a peer, once the node has seen it close
	frame, _ := encodeFrame(testKey, Envelope{From: 2, To: 1, Msg: RequestVote{Term: 1, CandidateID: 2}})
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); {
		peer, err := net.Dial("tcp", w.listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		peer.Write(frame)
		select {
		case env := <-delivered:
			peer.Close()
			if env.From != 2 {
				t.Errorf("delivered %+v", env)
			}
			return
		case <-time.After(50 * time.Millisecond): // refused: the node has not yet seen the close
			peer.Close()
		}
	}
	t.Errorf("a peer's message never arrived after an idle connection closed")
}
