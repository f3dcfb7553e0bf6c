// linearizability_test.go runs many clients at once against a cluster
// while its leader crashes and the network splits, records every put and
// get each client made (what it asked, what it was told, when it called
// and when it returned), and checks the history with porcupine, the
// linearizability checker of MIT 6.5840 and etcd's robustness tests: the
// store must behave as one copy that each operation changed or read at a
// single instant between its call and its return (§8). Every put a client
// saw acknowledged must also read back at the end: §5.4's promise that a
// committed entry is never lost.

package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anishathalye/porcupine"
)

// kvInput is one client operation: a put of value at key, or a get of key.
type kvInput struct {
	put        bool
	key, value string
}

// kvOutput is what a get was told: the value, and whether the key had one.
type kvOutput struct {
	value string
	found bool
}

// kvState is one key's value in the sequential model; found is false
// before any put.
type kvState = kvOutput

// kvModel is the specification porcupine checks a history against: one
// map, which a put changes and a get reads, checked one key at a time.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			key := op.Input.(kvInput).key
			if _, ok := byKey[key]; !ok {
				keys = append(keys, key)
			}
			byKey[key] = append(byKey[key], op)
		}
		var parts [][]porcupine.Operation
		for _, key := range keys {
			parts = append(parts, byKey[key])
		}
		return parts
	},
	Init: func() any { return kvState{} },
	Step: func(state, input, output any) (bool, any) {
		in, now := input.(kvInput), state.(kvState)
		if in.put {
			return true, kvState{value: in.value, found: true}
		}
		return output.(kvOutput) == now, now
	},
	DescribeOperation: func(input, output any) string {
		in := input.(kvInput)
		if in.put {
			return fmt.Sprintf("put %s %s", in.key, in.value)
		}
		out := output.(kvOutput)
		return fmt.Sprintf("get %s -> %q, %t", in.key, out.value, out.found)
	},
}

// history records client operations from many goroutines, each call and
// return at the cluster's protocol time. In lockstep that is the time of
// the last event, and nothing changes between events, so it is as exact
// as a clock can be.
type history struct {
	mu  sync.Mutex
	ops []porcupine.Operation
	// acknowledged holds, for each key only one client writes, the value
	// of its last acknowledged put.
	acknowledged map[string]string
}

func newHistory() *history { return &history{acknowledged: map[string]string{}} }

// unknownReturn is the return time of an operation whose outcome the
// client never learned (it gave up): it may take effect at any time after
// its call, or never.
const unknownReturn = math.MaxInt64

// put runs one put for client and records it.
func (h *history) put(c *Cluster, client int, key, value string, own bool) {
	call := int64(c.clock.now())
	err := c.Put(key, value)
	ret := int64(c.clock.now())
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		ret = unknownReturn
	} else if own {
		h.acknowledged[key] = value
	}
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: kvInput{put: true, key: key, value: value},
		Call: call, Output: kvOutput{}, Return: ret})
}

// get runs one get for client and records it, if it was answered (a get
// that was not constrains nothing), and returns what Get returned.
func (h *history) get(c *Cluster, client int, key string) (value string, found bool, err error) {
	call := int64(c.clock.now())
	value, found, err = c.Get(key)
	ret := int64(c.clock.now())
	if err == nil {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: kvInput{key: key},
			Call: call, Output: kvOutput{value: value, found: found}, Return: ret})
	}
	return value, found, err
}

// check fails the test unless porcupine finds the history linearizable,
// and returns how many operations were answered and how many given up.
func (h *history) check(t *testing.T) (answered, unknown int) {
	t.Helper()
	for _, op := range h.ops {
		if op.Return == unknownReturn {
			unknown++
		}
	}
	result, info := porcupine.CheckOperationsVerbose(kvModel, h.ops, 10*time.Second)
	if result != porcupine.Ok {
		t.Errorf("the history is not linearizable (%s):\n%s", result, describeFailure(info))
	}
	return len(h.ops) - unknown, unknown
}

// sharedKeys is how many keys every client both writes and reads, so that
// their operations contend; each client also has keys of its own.
const sharedKeys = 3

// thinkTime is the most a client waits between two operations, so that
// the clients' work spans the faults.
const thinkTime = 100 * time.Millisecond

// runClient is one client's work: opsPerClient operations, each a put of a
// key of its own, a put of a shared key, or a get of a shared key, with a
// pause of up to thinkTime before each.
func (h *history) runClient(c *Cluster, client, opsPerClient int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, uint64(client)))
	for i := range opsPerClient {
		time.Sleep(time.Duration(rng.Int64N(int64(thinkTime))))
		shared := fmt.Sprintf("s%d", rng.IntN(sharedKeys))
		switch rng.IntN(3) {
		case 0:
			h.put(c, client, fmt.Sprintf("own%d-%d", client, i), fmt.Sprint(i), true)
		case 1:
			h.put(c, client, shared, fmt.Sprintf("%d.%d", client, i), false)
		default:
			h.get(c, client, shared)
		}
	}
}

// Sixteen clients at once, through a leader's crash and restart and then a
// partition that cuts the new leader off with a minority and heals, in
// clusters of 3 and 5, paced and in real time: every acknowledged put reads
// back, and the whole history is linearizable (§8). Each client is a
// session of its own, with serial numbers of its own (dissertation §6.3):
// with one session shared by all, a put from one client can be taken for a
// retry of another's and skipped, though acknowledged.
func TestConcurrentClientsAreLinearizable(t *testing.T) {
	for _, timing := range []Timing{Paced, RealTime} {
		for _, nodes := range []int{3, 5} {
			name := fmt.Sprintf("%s/nodes=%d", map[Timing]string{Paced: "paced", RealTime: "realtime"}[timing], nodes)
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					cfg := clusterConfig(nodes, uint64(nodes))
					cfg.Timing = timing
					cfg.MaxLatency = 5 * time.Millisecond
					checkConcurrentClients(t, cfg, 16, 20)
				})
			})
		}
	}
}

// checkConcurrentClients runs clients clients of opsPerClient operations
// each on a cluster of cfg while faults strike, then checks the history.
func checkConcurrentClients(t *testing.T, cfg Config, clients, opsPerClient int) {
	c := startCluster(t, cfg)
	leader, term := awaitLeader(t, c, 0, time.Second)
	h := newHistory()
	var work sync.WaitGroup
	// A test that fails half way stops the cluster, which ends every
	// client's wait, and lets the clients finish before its bubble ends.
	t.Cleanup(func() {
		c.Stop()
		work.Wait()
	})
	for client := range clients {
		work.Go(func() { h.runClient(c, client, opsPerClient, cfg.Seed) })
	}

	// The faults: the leader crashes, and returns once another leads; then
	// the new leader is cut off with a minority, and the network heals.
	time.Sleep(100 * time.Millisecond)
	if err := c.Crash(leader); err != nil {
		t.Fatal(err)
	}
	next, term := awaitLeader(t, c, term, 2*time.Second)
	if err := c.Restart(leader); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	minority, majority := splitAround(next, cfg.Nodes)
	if err := c.Partition(minority, majority); err != nil {
		t.Fatal(err)
	}
	awaitLeader(t, c, term, 2*time.Second)
	time.Sleep(200 * time.Millisecond)
	if err := c.Heal(); err != nil {
		t.Fatal(err)
	}
	faultsEnd := c.rec.now()
	work.Wait()
	if finished := c.rec.now(); finished <= faultsEnd {
		t.Fatalf("the clients finished at %s, before the faults ended at %s", finished, faultsEnd)
	}

	lost := 0
	for key, want := range h.acknowledged {
		if value, ok, err := h.get(c, clients, key); err != nil || !ok || value != want {
			t.Errorf("the put %s = %s was acknowledged; get %s now gives %q, %t, %v", key, want, key, value, ok, err)
			lost++
		}
	}
	answered, unknown := h.check(t)
	t.Logf("%d clients: %d operations answered and %d puts given up; %d acknowledged puts of their own keys, %d lost",
		clients, answered, unknown, len(h.acknowledged), lost)
}

// describeFailure lists the longest prefix porcupine could linearize, per
// key, so a failure shows where the history stopped making sense.
func describeFailure(info porcupine.LinearizationInfo) string {
	var b strings.Builder
	for _, part := range info.PartialLinearizationsOperations() {
		for _, prefix := range part {
			for _, op := range prefix {
				fmt.Fprintf(&b, "  %s\n", kvModel.DescribeOperation(op.Input, op.Output))
			}
			b.WriteString("  --\n")
		}
	}
	return b.String()
}
