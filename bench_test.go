// bench_test.go measures what the machinery costs: the protocol's work for
// one heartbeat round and one election round, one message through the
// network, how many clusters one process keeps healthy in real time, and
// how fast clients' puts commit.
// Run: go test -bench . -benchmem -run '^$' (the scale run takes a minute);
// with -short, the long ones run briefly, so that every benchmark can be
// run for a few iterations to show it still works (CI does:
// go test -short -run XXX -bench . -benchtime 10x).

package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
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
		node := newNode(cfg.forNode(id), persistentState{}, rand.New(rand.NewPCG(1, uint64(id))), clock, sb, rec.record)
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
// other node adopts the term and votes, the candidate becomes leader, and
// its first heartbeats carry its no-op to every follower (so that the next
// round's candidate, whose log is then as up-to-date, can win). Each round
// a different node stands, so each round deposes the last. Every
// roundsPerCluster rounds the cluster starts afresh, off the clock, so
// that the figure is a round's in a young cluster, whatever b.N: each
// round adds an entry that the next new leader's check of Leader
// Completeness reads.
func BenchmarkElectionRound(b *testing.B) {
	const roundsPerCluster = 50
	for _, n := range []int{3, 5, 9} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			var sb *switchboard
			next, rounds := 0, 0
			for b.Loop() {
				if rounds%roundsPerCluster == 0 {
					b.StopTimer()
					sb, next = wiredNodes(n), 0
					b.StartTimer()
				}
				rounds++
				candidate := sb.nodes[next]
				candidate.electionTimedOut()
				sb.drain()
				if candidate.role != Leader {
					b.Fatalf("node %d did not win its election", candidate.id)
				}
				candidate.sendHeartbeats()
				sb.drain()
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
		c.net.send(env)
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
		for _, clusters := range scaleClusters() {
			b.Run(fmt.Sprintf("timing=%s/clusters=%d", timing.name, clusters), func(b *testing.B) {
				for b.Loop() {
					healthy, cpuPerNode := runScale(clusters, timing.timing, scaleRun())
					b.ReportMetric(float64(healthy), "healthy")
					b.ReportMetric(float64(cpuPerNode.Microseconds()), "cpu-µs/node/s")
				}
			})
		}
	}
}

// scaleClusters is how many clusters BenchmarkScale runs at once, in turn:
// with -short, only the fewest.
func scaleClusters() []int {
	if testing.Short() {
		return []int{100}
	}
	return []int{100, 1000, 2000}
}

// scaleRun is how long BenchmarkScale watches its clusters: 10 s, or with
// -short, a quarter of a second, time for a first leader and little more.
func scaleRun() time.Duration {
	if testing.Short() {
		return 250 * time.Millisecond
	}
	return 10 * time.Second
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

// benchCluster starts an unpaced cluster of n nodes whose every message
// takes latency, with the benchmark as the engine's driver, and waits for
// its first leader.
func benchCluster(b *testing.B, n int, latency time.Duration) (*Cluster, *driver, int) {
	cfg := clusterConfig(n, 1)
	cfg.Timing = Unpaced
	cfg.MaxLatency, cfg.leastLatency = latency, latency
	c := runningCluster(b, cfg)
	d := c.clock.drive()
	b.Cleanup(d.release)
	var leader int
	if !d.until(time.Second, nil, func() (ok bool) { leader, _, ok = c.Leader(); return ok }) {
		b.Fatal("no leader")
	}
	return c, d, leader
}

// One client's put after another, through 3 and 5 nodes whose messages
// take 1 ms each way: the time from the request to the client's answer,
// in protocol time and in real time (ns/op). A put needs a round trip to a
// majority, then a poll of the client's wait.
func BenchmarkPutLatency(b *testing.B) {
	for _, n := range []int{3, 5} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			c, _, _ := benchCluster(b, n, time.Millisecond)
			start := c.rec.now()
			puts := 0
			for b.Loop() {
				if err := c.Put("k", fmt.Sprint(puts)); err != nil {
					b.Fatal(err)
				}
				puts++
			}
			b.ReportMetric(float64(c.rec.now()-start)/float64(puts)/float64(time.Millisecond), "protocol-ms/put")
		})
	}
}

// Throughput: each round hands the leader load requests at once, as load
// clients would, and waits until all are committed. With messages taking
// 1 ms, the requests that arrive while an AppendEntries is out go in the
// next one together, so entries per message, and entries committed per
// second of protocol time, grow with the load.
func BenchmarkProposeThroughput(b *testing.B) {
	for _, n := range []int{3, 5} {
		for _, load := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("nodes=%d/load=%d", n, load), func(b *testing.B) {
				c, d, leader := benchCluster(b, n, time.Millisecond)
				var messages, entries atomic.Int64
				c.rec.watch(func(ev Event) {
					if m, ok := ev.Msg.(AppendEntries); ok && ev.Kind == EventSend && len(m.Entries) > 0 {
						messages.Add(1)
						entries.Add(int64(len(m.Entries)))
					}
				})
				start, committed := c.rec.now(), 0
				for b.Loop() {
					c.operate(func() error {
						for i := range load {
							c.handOver(leader, ClientRequest{Command: fmt.Sprintf("put k%d %d", i, i), Reply: make(chan ClientReply, 1)})
						}
						return nil
					})
					target := c.Status()[leader-1].LastLogIndex + uint64(load)
					if !d.until(time.Second, nil, func() bool { return c.Status()[leader-1].CommitIndex >= target }) {
						b.Fatal("the round did not commit")
					}
					committed += load
				}
				elapsed := c.rec.now() - start
				b.ReportMetric(float64(entries.Load())/float64(max(messages.Load(), 1)), "entries/message")
				b.ReportMetric(float64(committed)/elapsed.Seconds(), "entries/protocol-s")
			})
		}
	}
}

// The commit benchmark: closed-loop clients, each putting its own key
// again and again through Cluster.Put and waiting for the answer, on 3
// and 5 nodes with no latency, in each timing mode. An op is one put. It
// reports commits per second of real time, the median and 99th
// percentile of a put's latency as its client saw it, in real time, and
// the process's CPU time per commit. docs/performance.md quotes it:
// go test -run '^$' -bench Commits -benchtime 2000x .
func BenchmarkCommits(b *testing.B) {
	for _, mode := range []struct {
		name   string
		timing Timing
	}{{"realtime", RealTime}, {"paced", Paced}, {"unpaced", Unpaced}} {
		for _, nodes := range []int{3, 5} {
			for _, clients := range []int{1, 16} {
				b.Run(fmt.Sprintf("%s/nodes=%d/clients=%d", mode.name, nodes, clients), func(b *testing.B) {
					cfg := clusterConfig(nodes, 1)
					cfg.Timing = mode.timing
					c := clientsCluster(b, cfg)
					benchClients(b, clients, "commit", func(client int, i int64) error {
						return c.Put(fmt.Sprintf("k%d", client), fmt.Sprint(i))
					})
				})
			}
		}
	}
}

// The read benchmark: closed-loop clients reading one key through
// Cluster.Get on 3 nodes in real time, with no latency, as ReadIndex
// answers them (a round of heartbeats, no log entry) and as log entries
// (-log-reads). An op is one get. docs/performance.md quotes it:
// go test -run '^$' -bench Reads -benchtime 2000x .
func BenchmarkReads(b *testing.B) {
	for _, logReads := range []bool{false, true} {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("log-reads=%t/clients=%d", logReads, clients), func(b *testing.B) {
				cfg := clusterConfig(3, 1)
				cfg.Timing, cfg.LogReads = RealTime, logReads
				c := clientsCluster(b, cfg)
				benchClients(b, clients, "read", func(int, int64) error {
					_, _, err := c.Get("x")
					return err
				})
			})
		}
	}
}

// runningCluster starts a cluster of cfg, which the benchmark's end stops.
func runningCluster(b *testing.B, cfg Config) *Cluster {
	c, err := NewCluster(cfg)
	if err != nil {
		b.Fatal(err)
	}
	c.Start()
	b.Cleanup(c.Stop)
	return c
}

// clientsCluster is runningCluster, once its leader has committed x = 1.
func clientsCluster(b *testing.B, cfg Config) *Cluster {
	c := runningCluster(b, cfg)
	if err := c.Put("x", "1"); err != nil {
		b.Fatal(err)
	}
	return c
}

// benchClients runs b.N ops, from clients closed-loop clients at once
// (op is one, by client, numbered from 1), and reports ops per second of
// real time (named for what, a commit or a read), the median and 99th
// percentile of an op's latency as its client saw it, in real time, and
// the process's CPU time per op.
func benchClients(b *testing.B, clients int, what string, op func(client int, i int64) error) {
	latencies := make([][]time.Duration, clients)
	var next atomic.Int64
	var work sync.WaitGroup
	cpu := cpuSeconds()
	b.ResetTimer()
	start := time.Now()
	for client := range clients {
		work.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				began := time.Now()
				if err := op(client, i); err != nil {
					b.Error(err)
					return
				}
				latencies[client] = append(latencies[client], time.Since(began))
			}
		})
	}
	work.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Sorted(slices.Values(slices.Concat(latencies...)))
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), what+"s/s")
	b.ReportMetric(inMilliseconds(all[len(all)/2]), "p50-ms")
	b.ReportMetric(inMilliseconds(all[len(all)*99/100]), "p99-ms")
	b.ReportMetric((cpuSeconds()-cpu)*1e6/float64(len(all)), "cpu-µs/"+what)
}

// inMilliseconds is d in milliseconds.
func inMilliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
