// persistence_test.go checks Figure 2's persistent state on a node that
// keeps it on stable storage, as a node process does: it is saved before
// any message goes out, and no event tells of a term, a vote or an entry
// before the save that holds it, so that neither a peer nor a trace ever
// learns of something a crash can take back.

package main

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// recordingDisk is stable storage that remembers what was saved, and
// keeps, in order, each save, each event the node recorded and each
// message it sent, with what was on disk at that moment.
type recordingDisk struct {
	saved persistentState
	steps []diskStep
}

// diskStep is one thing a node did, and what its disk held then.
type diskStep struct {
	what  string // "save", "event" or "send"
	ev    Event  // the event recorded, or sent
	saved persistentState
}

func (d *recordingDisk) save(s persistentState) error {
	d.saved = persistentState{currentTerm: s.currentTerm, votedFor: s.votedFor, log: slices.Clone(s.log)}
	d.steps = append(d.steps, diskStep{what: "save", saved: d.saved})
	return nil
}

// newDiskNode is a lone node, as newLoneNode makes it, that keeps its
// persistent state on a recordingDisk, which also sees every event it
// records and every message it hands the network.
func newDiskNode(id, size int) (*node, *recordingDisk, *outbox) {
	n, out := newLoneNode(id, size, persistentState{})
	d := &recordingDisk{}
	n.disk = d
	n.record = func(ev Event) { d.steps = append(d.steps, diskStep{what: "event", ev: ev, saved: d.saved}) }
	n.net = sentThrough{d, out}
	return n, d, out
}

// sentThrough is a transport that notes each message on a recordingDisk
// before it reaches the outbox.
type sentThrough struct {
	d   *recordingDisk
	out *outbox
}

func (s sentThrough) send(env Envelope) {
	ev := Event{Kind: EventSend, Node: env.From, From: env.From, To: env.To, Msg: env.Msg}
	s.d.steps = append(s.d.steps, diskStep{what: "send", ev: ev, saved: s.d.saved})
	s.out.send(env)
}

// checkNothingAheadOfDisk fails the test if the node recorded an event or
// sent a message that shows a term, a vote or a log entry its disk did
// not yet hold.
func checkNothingAheadOfDisk(t *testing.T, d *recordingDisk) {
	t.Helper()
	for i, step := range d.steps {
		ev, saved := step.ev, step.saved
		var ahead string
		if step.what == "send" {
			ev.Term = ev.Msg.term() // what the message tells its receiver
		}
		switch {
		case step.what == "save", asksAboutTerm(ev.Msg):
			continue
		case ev.Term > saved.currentTerm:
			ahead = fmt.Sprintf("term %d, with term %d on disk", ev.Term, saved.currentTerm)
		case ev.VotedFor != 0 && ev.Term == saved.currentTerm && ev.VotedFor != saved.votedFor:
			ahead = fmt.Sprintf("a vote for node %d, with a vote for node %d on disk", ev.VotedFor, saved.votedFor)
		case ev.Kind == EventAppend && (ev.Index > uint64(len(saved.log)) || saved.log[ev.Index-1].Term != ev.EntryTerm):
			ahead = fmt.Sprintf("entry %d of term %d, with %d entries on disk", ev.Index, ev.EntryTerm, len(saved.log))
		}
		if ahead != "" {
			what := fmt.Sprintf("the %s event", ev.Kind)
			if step.what == "send" {
				what = fmt.Sprintf("sending %v", ev.Msg)
			}
			t.Errorf("step %d, %s, showed %s", i, what, ahead)
		}
	}
}

// sentAfterSave reports whether the node sent anything, and whether every
// message went out after a save.
func sentAfterSave(d *recordingDisk) (sent, afterSave bool) {
	saved := false
	for _, step := range d.steps {
		switch step.what {
		case "save":
			saved = true
		case "send":
			if !saved {
				return true, false
			}
			sent = true
		}
	}
	return sent, true
}

// Figure 2: persistent state is "updated on stable storage before
// responding to RPCs". A follower that grants a vote saves the vote, and
// its new term, before its reply leaves, and tells no trace of either
// before they are on disk.
func TestVoteIsSavedBeforeTheReply(t *testing.T) {
	for _, size := range []int{3, 4} {
		n, d, out := newDiskNode(1, size)
		n.endStep()
		deliver(n, 2, RequestVote{Term: 3, CandidateID: 2})
		n.endStep()
		switch sent, afterSave := sentAfterSave(d); {
		case !sent:
			t.Fatalf("cluster of %d: the node sent no answer to the RequestVote", size)
		case !afterSave:
			t.Fatalf("cluster of %d: the vote went out before it was saved", size)
		case !voteGranted(t, out):
			t.Fatalf("cluster of %d: the node refused the vote it should grant", size)
		}
		if d.saved.currentTerm != 3 || d.saved.votedFor != 2 {
			t.Errorf("cluster of %d: the disk holds term %d and a vote for %d; want term 3 and node 2", size, d.saved.currentTerm, d.saved.votedFor)
		}
		checkNothingAheadOfDisk(t, d)
	}
}

// Figure 2 again, for a candidate: its new term and its vote for itself
// are on disk before its RequestVotes go out.
func TestCandidacyIsSavedBeforeRequestVote(t *testing.T) {
	for _, size := range []int{3, 4} {
		n, d, _ := newDiskNode(1, size)
		n.endStep()
		n.electionTimedOut()
		n.endStep()
		if sent, ok := sentAfterSave(d); !sent || !ok {
			t.Fatalf("cluster of %d: a RequestVote went out before the candidacy was saved", size)
		}
		checkNothingAheadOfDisk(t, d)
	}
}

// Figure 2 for the log: a follower saves the entries it takes before it
// tells the leader it holds them, and no trace shows an entry before it
// is on disk.
func TestEntriesAreSavedBeforeTheReply(t *testing.T) {
	n, d, out := newDiskNode(1, 3)
	n.endStep()
	deliver(n, 2, AppendEntries{Term: 2, LeaderID: 2, Entries: []Entry{{Index: 1, Term: 2}, {Index: 2, Term: 2, Command: "put x 1"}}})
	n.endStep()
	if reply := lastSent[AppendEntriesResponse](t, out); !reply.Success || reply.MatchIndex != 2 {
		t.Fatalf("the follower answered %v", reply)
	}
	if sent, ok := sentAfterSave(d); !sent || !ok || len(d.saved.log) != 2 {
		t.Fatalf("the reply went out before the entries were saved (log on disk: %v)", d.saved.log)
	}
	checkNothingAheadOfDisk(t, d)
}

// Figure 2: persistent state "survives a crash": a node restarted from disk
// refuses a second vote in the term it had already voted in.
func TestRestartedNodeRemembersItsVote(t *testing.T) {
	n, out := newLoneNode(1, 5, persistentState{currentTerm: 4, votedFor: 2})
	deliver(n, 3, RequestVote{Term: 4, CandidateID: 3})
	if voteGranted(t, out) {
		t.Fatal("a node restarted with a vote for node 2 in term 4 voted again, for node 3, in term 4")
	}
}

// Figure 2: a server responds to an RPC only after updating its persistent
// state, so the recorder must hear of every vote before its reply goes out.
func TestVoteReportedBeforeReply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, events := startLoggedCluster(t, clusterConfig(5, 1))
		awaitLeader(t, c, 0, 500*time.Millisecond)
		c.Stop()

		decided := map[[3]uint64]bool{} // voter, candidate, term
		replies := 0
		for _, ev := range events.matching(func(Event) bool { return true }) {
			switch {
			case ev.Kind == EventVote:
				decided[[3]uint64{uint64(ev.Node), uint64(ev.Candidate), ev.Term}] = true
			case ev.Kind == EventSend:
				if reply, ok := ev.Msg.(RequestVoteResponse); ok {
					replies++
					if !decided[[3]uint64{uint64(ev.From), uint64(ev.To), reply.Term}] {
						t.Errorf("node %d replied to node %d in term %d before reporting its vote", ev.From, ev.To, reply.Term)
					}
				}
			}
		}
		if replies == 0 {
			t.Fatal("no vote was replied to")
		}
	})
}

// brokenDisk is stable storage on which every save fails.
type brokenDisk struct{}

func (brokenDisk) save(persistentState) error { return errors.New("the disk is full") }

// Figure 2 again: a node whose state cannot reach stable storage must not
// respond at all. Its vote, unsaved, could be given again after a crash;
// and no trace may tell of a vote the disk does not hold.
func TestNothingGoesOutUnsaved(t *testing.T) {
	n, out := newLoneNode(1, 3, persistentState{})
	n.disk = brokenDisk{}
	var told []Event
	n.record = func(ev Event) { told = append(told, ev) }
	deliver(n, 2, RequestVote{Term: 3, CandidateID: 2})
	n.endStep()
	if len(out.sent) > 0 || len(told) > 0 {
		t.Errorf("with a disk that takes no save, the node sent %v and told %d events; want nothing", out.sent, len(told))
	}
}
