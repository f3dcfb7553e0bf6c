// statemachine.go is what the log is for: the state machine every node
// applies its committed entries to, in log order, a small key-value store.
// It is part of the protocol: node.go and replication.go use it, and it
// uses nothing but the standard library. The client that puts and gets
// through the leader is the Cluster's (client.go).

package main

import (
	"strconv"
	"strings"
)

// keyValueStore is the state machine of one node: the values of the keys
// put so far, and for each client session the last request it applied, so
// that a command retried after a leader change is applied once (§8: "the
// state machine tracks the latest serial number processed for each
// client"). Its node's goroutine owns it; a crash loses it, and a
// restarted node builds it again by applying its log from the start.
type keyValueStore struct {
	values  map[string]string
	applied map[string]uint64 // client -> the highest serial number applied
}

// A command is "put KEY VALUE" or "get KEY", followed by the request's
// "#CLIENT.SERIAL" when a client sends it. The verb is matched whatever
// its case; the key and the value are kept exactly as typed. Any other
// command, the no-op included, changes nothing.
const (
	putCommand = "put"
	getCommand = "get"
)

// apply carries out one committed command and returns its result: the
// value read by a get, and whether the key had one.
func (s *keyValueStore) apply(command string) (result string, found bool) {
	words, id := splitRequest(command)
	retried := false
	if client, serial, ok := parseRequestID(id); ok {
		retried = s.seen(client, serial)
	}
	switch {
	case len(words) == 3 && strings.EqualFold(words[0], putCommand):
		if retried {
			break // §8: applied once already; a retry changes nothing
		}
		if s.values == nil {
			s.values = map[string]string{}
		}
		s.values[words[1]] = words[2]
	case len(words) == 2 && strings.EqualFold(words[0], getCommand):
		result, found = s.values[words[1]]
	}
	return result, found
}

// query answers a get without applying anything, from the store as it is
// now: how a leader serves a read once it knows its state is fresh enough
// (ReadIndex, reads.go). Any other command answers nothing.
func (s *keyValueStore) query(command string) (result string, found bool) {
	if words, _ := splitRequest(command); len(words) == 2 && strings.EqualFold(words[0], getCommand) {
		result, found = s.values[words[1]]
	}
	return result, found
}

// splitRequest splits a command into its words and its request's
// "#CLIENT.SERIAL", if it ends with one.
func splitRequest(command string) (words []string, requestID string) {
	words = strings.Fields(command)
	if n := len(words); n > 0 && strings.HasPrefix(words[n-1], "#") {
		return words[:n-1], words[n-1]
	}
	return words, ""
}

// seen notes a client's request and reports whether it was applied
// before. A client session sends one request at a time, and a new one only
// once the last was applied or given up, so a serial number no higher than
// the last one applied is a retry, or a request its client gave up on.
func (s *keyValueStore) seen(client string, serial uint64) bool {
	if s.applied == nil {
		s.applied = map[string]uint64{}
	}
	if serial <= s.applied[client] {
		return true
	}
	s.applied[client] = serial
	return false
}

// parseRequestID reads "#CLIENT.SERIAL".
func parseRequestID(word string) (client string, serial uint64, ok bool) {
	client, number, found := strings.Cut(strings.TrimPrefix(word, "#"), ".")
	serial, err := strconv.ParseUint(number, 10, 64)
	return client, serial, found && err == nil
}
