// statefile.go keeps a node's persistent state (Figure 2: currentTerm,
// votedFor and the log) in a file of its data directory, for a node that
// runs as a process of its own (process.go): a process killed at any
// moment and started again finds the state it last answered with.
//
// The file is written whole, durably: to a temporary file, synced, then
// renamed over the old one, and the directory synced, so that a crash
// leaves either the old state or the new one, never a mix. It begins with
// a header that gives the body's length and checksum, so that a truncated
// or damaged file is refused with an error that says so, never taken for
// an empty state.

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// stateFileName is the state file's name in a node's data directory.
const stateFileName = "raft-state"

// stateMagic begins every state file, with the format's version.
const stateMagic = "raft-state v1"

// mostStateBytes bounds a state file's body, so that a damaged header
// cannot make the reader allocate without end.
const mostStateBytes = 1 << 30

// stateBody is the state file's body, as JSON.
type stateBody struct {
	Node     int     `json:"node"` // whose state it is: a file in the wrong directory is refused
	Term     uint64  `json:"term"`
	VotedFor int     `json:"voted_for"`
	Log      []Entry `json:"log"`
}

// stateFile is one node's state file. Only the node's goroutine uses it,
// through save, which the node calls before it sends anything.
type stateFile struct {
	path  string
	node  int
	saved persistentState // what the file holds now
}

// openStateFile reads node id's state in dir, of a cluster of n nodes:
// the empty state if the node has never saved one, an error if the file
// is there and cannot be trusted.
func openStateFile(dir string, id, n int) (*stateFile, error) {
	f := &stateFile{path: filepath.Join(dir, stateFileName), node: id}
	if err := removeStaleTemporaries(f.path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(f.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, err
	}
	body, err := decodeState(data, n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; it was not changed (move it away to start node %d afresh, with no vote and no log)", f.path, err, id)
	}
	if body.Node != id {
		return nil, fmt.Errorf("%s holds node %d's state, not node %d's", f.path, body.Node, id)
	}
	f.saved = persistentState{currentTerm: body.Term, votedFor: body.VotedFor, log: body.Log}
	return f, nil
}

// encodeState is the file's bytes for state s of node id.
func encodeState(id int, s persistentState) []byte {
	log := s.log
	if log == nil {
		log = []Entry{} // "log": [], not null
	}
	body, err := json.Marshal(stateBody{Node: id, Term: s.currentTerm, VotedFor: s.votedFor, Log: log})
	if err != nil {
		panic(err) // plain data
	}
	header := fmt.Sprintf("%s %d %08x\n", stateMagic, len(body), crc32.ChecksumIEEE(body))
	return append([]byte(header), body...)
}

// decodeState reads a state file's bytes, for a cluster of n nodes, and
// says what is wrong with them if they cannot be trusted.
func decodeState(data []byte, n int) (stateBody, error) {
	var body stateBody
	header, rest, found := bytes.Cut(data, []byte("\n"))
	fields := strings.Fields(string(header))
	if !found || len(fields) != 4 || strings.Join(fields[:2], " ") != stateMagic {
		return body, errors.New("not a state file of this program (its first line is not a raft-state header)")
	}
	length, err := strconv.Atoi(fields[2])
	if err != nil || length < 0 || length > mostStateBytes {
		return body, fmt.Errorf("its header gives no length it could have (%q)", fields[2])
	}
	sum, err := strconv.ParseUint(fields[3], 16, 32)
	if err != nil {
		return body, fmt.Errorf("its header gives no checksum (%q)", fields[3])
	}
	switch {
	case len(rest) < length:
		return body, fmt.Errorf("it is truncated: %d bytes of state where its header promises %d", len(rest), length)
	case len(rest) > length:
		return body, fmt.Errorf("it has %d bytes after the state its header describes", len(rest)-length)
	case crc32.ChecksumIEEE(rest) != uint32(sum):
		return body, errors.New("it is damaged: its checksum does not match its contents")
	}
	if err := strictJSON(rest, &body); err != nil {
		return body, fmt.Errorf("its state does not read: %v", err)
	}
	return body, checkState(body, n)
}

// checkState refuses a state that no node could have saved: Figure 2's
// invariants of a log and a vote.
func checkState(b stateBody, n int) error {
	switch {
	case b.Term > mostTerm:
		return fmt.Errorf("it has term %d, beyond any a run reaches", b.Term)
	case b.Node < 1 || b.Node > n:
		return fmt.Errorf("it belongs to node %d, not to a node of a cluster of %d", b.Node, n)
	case b.VotedFor < 0 || b.VotedFor > n:
		return fmt.Errorf("it has a vote for node %d, not a node of a cluster of %d", b.VotedFor, n)
	}
	var previous uint64
	for i, e := range b.Log {
		switch {
		case e.Index != uint64(i+1):
			return fmt.Errorf("its log's entry %d says it is entry %d", i+1, e.Index)
		case e.Term < previous || e.Term > b.Term:
			return fmt.Errorf("its log's entry %d has term %d, after term %d and with currentTerm %d", e.Index, e.Term, previous, b.Term)
		}
		previous = e.Term
	}
	return nil
}

// save makes s durable, if it differs from what the file holds: the node
// calls it before it sends a message, so that every answer it gives is
// one its state on disk stands behind (Figure 2: "updated on stable
// storage before responding to RPCs").
func (f *stateFile) save(s persistentState) error {
	if s.currentTerm == f.saved.currentTerm && s.votedFor == f.saved.votedFor && slices.Equal(s.log, f.saved.log) {
		return nil
	}
	if err := writeDurably(f.path, encodeState(f.node, s)); err != nil {
		return fmt.Errorf("saving node %d's state: %w", f.node, err)
	}
	f.saved = persistentState{currentTerm: s.currentTerm, votedFor: s.votedFor, log: slices.Clone(s.log)}
	return nil
}

// removeStaleTemporaries removes the temporary files writeDurably left
// beside path when its process was killed mid-write. Its caller holds the
// directory's lock, so no other process is writing one now.
func removeStaleTemporaries(path string) error {
	stale, err := filepath.Glob(temporaryPattern(path))
	for _, name := range stale {
		err = errors.Join(err, os.Remove(name))
	}
	return err
}

// temporaryPattern is the name of writeDurably's temporary files for
// path, with * where each has a random part.
func temporaryPattern(path string) string { return path + ".*.tmp" }

// writeDurably replaces the file at path with data, so that after a crash
// at any moment the file holds either its old bytes or data: it writes a
// temporary file beside it, syncs it, renames it over path, and syncs the
// directory, which makes the rename itself durable.
func writeDurably(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(temporaryPattern(path)))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
