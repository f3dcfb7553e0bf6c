// statefile_test.go checks a process's state file: what is saved reads
// back, a file that cannot be trusted is refused with its fault named and
// left as it was, and no bytes at all make the reader fail other than
// with an error.

package main

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleState is a state a node of a 3-node cluster could have saved.
var sampleState = persistentState{currentTerm: 4, votedFor: 2, log: []Entry{
	{Index: 1, Term: 1}, {Index: 2, Term: 1, Command: "put x 1 #c1.1"}, {Index: 3, Term: 3},
}}

func TestStateFileKeepsWhatWasSaved(t *testing.T) {
	dir := t.TempDir()
	f, err := openStateFile(dir, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if f.saved.currentTerm != 0 || f.saved.votedFor != 0 || len(f.saved.log) != 0 {
		t.Fatalf("a node that never saved starts with %+v", f.saved)
	}
	if err := f.save(sampleState); err != nil {
		t.Fatal(err)
	}
	again, err := openStateFile(dir, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := again.saved
	if got.currentTerm != 4 || got.votedFor != 2 || len(got.log) != 3 || got.log[1] != sampleState.log[1] {
		t.Errorf("read back %+v; saved %+v", got, sampleState)
	}
	if leftover, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(leftover) > 0 {
		t.Errorf("saving left %v behind", leftover)
	}
}

// A process killed while it wrote its state leaves a temporary file
// beside the state file; the next process to open the directory removes
// it, and keeps the state file.
func TestStateFileRemovesAKilledWritersLeftovers(t *testing.T) {
	dir := t.TempDir()
	f, _ := openStateFile(dir, 2, 3)
	if err := f.save(sampleState); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, stateFileName+".123456.tmp")
	if err := os.WriteFile(leftover, []byte("half a sta"), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := openStateFile(dir, 2, 3)
	if err != nil || again.saved.currentTerm != sampleState.currentTerm {
		t.Fatalf("opened again: %+v, %v", again, err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("%s is still there (%v)", leftover, err)
	}
}

func TestStateFileRefusesWhatItCannotTrust(t *testing.T) {
	whole := encodeState(2, sampleState)
	header, _, _ := bytes.Cut(whole, []byte("\n"))
	damaged := bytes.Clone(whole)
	damaged[len(damaged)-5] ^= 0x20
	for _, tc := range []struct {
		name, data, want string
		node             int
	}{
		{"empty", "", "not a state file", 2},
		{"another file", "hello\nworld\n", "not a state file", 2},
		{"truncated", string(whole[:len(whole)-7]), "truncated", 2},
		{"the header alone", string(header) + "\n", "truncated", 2},
		{"extra bytes", string(whole) + "x", "after the state", 2},
		{"a flipped bit", string(damaged), "damaged", 2},
		{"another node's", string(whole), "node 2's state, not node 3's", 3},
		{"a vote for a stranger", string(encodeState(2, persistentState{currentTerm: 1, votedFor: 9})), "vote for node 9", 2},
		{"a log with a gap", string(encodeState(2, persistentState{currentTerm: 1, log: []Entry{{Index: 2, Term: 1}}})), "entry 1 says", 2},
		{"a log from the future", string(encodeState(2, persistentState{currentTerm: 1, log: []Entry{{Index: 1, Term: 5}}})), "term 5", 2},
		{"a term past any run", string(encodeState(2, persistentState{currentTerm: 1<<64 - 1})), "beyond any", 2},
		{"junk after the state", sealed(`{"node":2,"term":1,"voted_for":0,"log":[]} junk`), "does not read", 2},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, stateFileName)
		if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := openStateFile(dir, tc.node, 3)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line saying %q", tc.name, err, tc.want)
		}
		if after, _ := os.ReadFile(path); string(after) != tc.data {
			t.Errorf("%s: reading the file changed it", tc.name)
		}
	}
}

// sealed is body with a header that vouches for it, as if saved.
func sealed(body string) string {
	return fmt.Sprintf("%s %d %08x\n%s", stateMagic, len(body), crc32.ChecksumIEEE([]byte(body)), body)
}

// FuzzStateFile feeds the reader any bytes: it must refuse or accept
// without failing otherwise, and what it accepts must be a state that
// writes back to the same bytes.
func FuzzStateFile(f *testing.F) {
	f.Add(encodeState(1, sampleState))
	f.Add(encodeState(3, persistentState{}))
	f.Add([]byte("raft-state v1 99999999999 0\n{}"))
	f.Add([]byte("raft-state v1 2 0\n{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := decodeState(data, 3)
		if err != nil {
			return
		}
		again := encodeState(body.Node, persistentState{currentTerm: body.Term, votedFor: body.VotedFor, log: body.Log})
		if _, err := decodeState(again, 3); err != nil {
			t.Fatalf("accepted %q, whose state writes back as %q, which is refused: %v", data, again, err)
		}
	})
}
