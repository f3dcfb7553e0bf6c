// bench_test.go measures what the machinery costs: the protocol's work for
// one heartbeat round and one election round, one message through the
// network, and how many clusters one process keeps healthy in real time.
// Run: go test -bench . -benchmem -run '^$' (the scale run takes a minute).

package main

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// switchboard is a transport that queues messages and delivers them when
// asked, on the caller's goroutine: nodes driven through it do the
// protocol's work and nothing else, no goroutines, channels or timers.
type switchboard struct {
	nodes        []*node
	queue, spare []Envelope
}

func (s *switchboard) send(env Envelope) { s.queue = append(s.queue, env) }

// drain delivers messages until none is left, replies included.
func (s *switchboard) drain() {
	for len(s.queue) > 0 {
		batch := s.queue
		s.queue = s.spare[:0]
		for _, env := range batch {
			s.nodes[env.To-1].handle(env)
		}
		s.spare = batch
	}
}

// wiredNodes is a cluster of n nodes on a switchboard, reporting to a real
// recorder (with its summary, picture and safety checks, but no log).
func wiredNodes(n int) *switchboard {
	cfg := clusterConfig(n, 1)
	clock := newClock(Unpaced, 1)
	rec := newRecorder(cfg, clock)
	rec.begin()
	sb := &switchboard{}
	for id := 1; id <= n; id++ {
		node := newNode(id, cfg, persistentState{}, rand.New(rand.NewPCG(1, uint64(id))), clock, sb, rec.record)
		node.start()
		sb.nodes = append(sb.nodes, node)
	}
	return sb
}

// One heartbeat round: the leader sends AppendEntries to its N-1
// followers, and each handles it and replies.
func BenchmarkHeartbeatRound(b *testing.B) {
	for _, n := range []int{3, 5, 9} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			sb := wiredNodes(n)
			leader := sb.nodes[0]
			leader.electionTimedOut()
			sb.drain()
			for b.Loop() {
				leader.sendHeartbeats()
				sb.drain()
			}
		})
	}
}

// One election round: a follower times out and stands in a new term, every
// other node adopts the term and votes, and the candidate becomes leader.
// Each round a different node stands, so each round deposes the last.
func BenchmarkElectionRound(b *testing.B) {
	for _, n := range []int{3, 5, 9} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			sb := wiredNodes(n)
			next := 0
			for b.Loop() {
				candidate := sb.nodes[next]
				candidate.electionTimedOut()
				sb.drain()
				if candidate.role != Leader {
					b.Fatalf("node %d did not win its election", candidate.id)
				}
				next = (next + 1) % n
			}
		})
	}
}

// One message through the network of a running cluster: the sender's side
// (partition and loss checks), the delivery goroutine, the receiver's
// inbox, and the receiver's handling and report. The cluster's timers are
// an hour long, so nothing else happens meanwhile.
func BenchmarkNetworkMessage(b *testing.B) {
	cfg := clusterConfig(5, 1)
	cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax, cfg.HeartbeatInterval = time.Hour, time.Hour, time.Minute
	c, err := NewCluster(cfg)
	if err != nil {
		b.Fatal(err)
	}
	delivered := make(chan struct{}, 1)
	c.rec.watch(func(ev Event) {
		if ev.Kind == EventRecv {
			delivered <- struct{}{}
		}
	})
	c.Start()
	defer c.Stop()
	// A reply of term 0 is handled and changes nothing.
	env := Envelope{From: 1, To: 2, Msg: AppendEntriesResponse{Term: 0, Success: true}}
	for b.Loop() {
		c.send(env)
		<-delivered
	}
}

// How many independent 5-node clusters one process keeps healthy on the
// wall clock: a healthy cluster elects its first leader and then holds no
// other election for 10 s, with no fault at all. Paced clusters run on the
// engine, in step with the wall clock; RealTime ones as free goroutines,
// where the machine's delays reach the protocol. Also reports the CPU time
// each node costs per second of running.
func BenchmarkScale(b *testing.B) {
	for _, timing := range []struct {
		name   string
		timing Timing
	}{{"paced", Paced}, {"realtime", RealTime}} {
		for _, clusters := range []int{100, 1000, 2000} {
			b.Run(fmt.Sprintf("timing=%s/clusters=%d", timing.name, clusters), func(b *testing.B) {
				for b.Loop() {
					healthy, cpuPerNode := runScale(clusters, timing.timing, 10*time.Second)
					b.ReportMetric(float64(healthy), "healthy")
					b.ReportMetric(float64(cpuPerNode.Microseconds()), "cpu-µs/node/s")
				}
			})
		}
	}
}

// runScale runs clusters 5-node clusters for d and returns how many held a
// single election throughout, and the process's CPU time per node per
// second.
func runScale(clusters int, timing Timing, d time.Duration) (healthy int, cpuPerNode time.Duration) {
	all := make([]*Cluster, clusters)
	for i := range all {
		cfg := clusterConfig(5, uint64(i+1))
		cfg.Timing = timing
		c, err := NewCluster(cfg)
		if err != nil {
			panic(err)
		}
		all[i] = c
	}
	cpuBefore := cpuSeconds()
	for _, c := range all {
		c.Start()
	}
	time.Sleep(d)
	cpu := cpuSeconds() - cpuBefore
	for _, c := range all {
		c.Stop()
		if highestTerm(c) == 1 && len(c.Violations()) == 0 {
			healthy++
		}
	}
	perNodeSecond := cpu / float64(5*clusters) / d.Seconds()
	return healthy, time.Duration(perNodeSecond * float64(time.Second))
}

// cpuSeconds is the CPU time, user and system, this process has used so
// far, as the kernel counts it (getrusage).
func cpuSeconds() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		panic(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
}
