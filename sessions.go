// sessions.go is the client sessions of §8 and the dissertation's §6.3, as
// the cluster's client (client.go) lends them to its callers: each is a
// name and a serial number, and the state machine (statemachine.go) uses
// the pair to apply each request once, however often it is retried.

package main

import (
	"fmt"
	"sync"
)

// session is one client of the key-value store, as §8 and the
// dissertation's §6.3 describe it: a name of its own, and the serial
// number of its latest request. It sends one request at a time, and
// retries it with the same serial number until it is applied, so the
// state machine can tell a retry from a new request by the number alone.
// Whoever holds the session (sessions.take) is the only one to touch it.
type session struct {
	name   string // "c3": how its requests are signed, and how the log names it
	serial uint64 // its latest request's serial number
	leader int    // the node that last answered it as leader; 0: none yet, or it stopped answering
}

// sign makes command the session's next request: it takes the next serial
// number, and ends the command with "#NAME.SERIAL" (statemachine.go).
func (s *session) sign(command string) string {
	s.serial++
	return fmt.Sprintf("%s #%s.%d", command, s.name, s.serial)
}

// sessions lends a session to each request of the cluster's clients. Two
// callers at once hold two sessions, so their serial numbers never
// interleave; a session given back serves the next caller, so the state
// machine's table of clients grows with the most callers there ever were
// at once, not with the number of requests. Safe from any goroutine.
type sessions struct {
	mu    sync.Mutex
	idle  []*session // given back, the most recent last
	count int        // sessions made so far
}

// take lends the caller a session: the one given back last, or a new one.
func (p *sessions) take() *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		s := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return s
	}
	return p.made()
}

// takeNew lends the caller a session never lent before: a client other
// than every one that came before it.
func (p *sessions) takeNew() *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.made()
}

// made is a new session, named for how many there are. The caller holds
// p.mu.
func (p *sessions) made() *session {
	p.count++
	return &session{name: fmt.Sprintf("c%d", p.count)}
}

// giveBack ends the caller's hold on s.
func (p *sessions) giveBack(s *session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, s)
}
