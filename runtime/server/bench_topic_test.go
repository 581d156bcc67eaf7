package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// joinMsg asks the bench hub to join a plain group.
type joinMsg struct {
	Action  string `json:"action"`
	Payload string `json:"payload"`
}

// BenchmarkTopicPush measures topic pushes beside plain group broadcasts
// of the same shape: topics topics (or groups), subs subscribers each,
// spread over conns WebSocket connections of this process (each
// connection subscribes to topics*subs/conns of them), pushes from 4
// goroutines to the topics in turn. It reports pushes/s, frames
// delivered/s and the p99 latency from push to a client's read. The
// default shape is small (1,000 topics × 10 over 100 connections);
// CHANX_BENCH_TOPICS=full runs issue 13's 10,000 topics × 100 over 1,000
// connections (a million subscriptions; about 1 GB).
func BenchmarkTopicPush(b *testing.B) {
	shape := struct{ topics, subs, conns int }{1000, 10, 100}
	if os.Getenv("CHANX_BENCH_TOPICS") == "full" {
		shape.topics, shape.subs, shape.conns = 10000, 100, 1000
	}
	for _, rate := range []int{0, 1000} {
		for _, kind := range []string{"topic", "group"} {
			mode := "flood"
			if rate > 0 {
				mode = fmt.Sprintf("rate=%d", rate)
			}
			b.Run(fmt.Sprintf("%s/%s/topics=%d/subs=%d/conns=%d", kind, mode, shape.topics, shape.subs, shape.conns), func(b *testing.B) {
				benchTopicPush(b, kind == "topic", shape.topics, shape.subs, shape.conns, rate)
			})
		}
	}
}

// benchTopicPush pushes b.N times: as fast as the pushers can (rate 0;
// the latency is then the queueing of a saturated server), or paced at
// rate pushes/s in total, where the latency is the server's at that load.
func benchTopicPush(b *testing.B, topics bool, nTopics, subs, conns, rate int) {
	srv := New(Options{Logger: quietLogger(), PingInterval: -1, SendQueue: 1 << 14, InboundQueue: 1 << 14})
	ch, err := srv.Channel("/ws/bench", ChannelOptions{})
	if err != nil {
		b.Fatal(err)
	}
	t, err := ch.Topic(TopicOptions{Name: "BenchTopic", Pattern: "t:{id}"})
	if err != nil {
		b.Fatal(err)
	}
	Handle(ch, "join", func(ctx context.Context, c *Conn, m *joinMsg) (*joinMsg, error) {
		return m, c.Join(ctx, m.Payload)
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	// Subscriber k of topic i is connection (i*subs+k) % conns.
	perConn := make([][]int, conns)
	for i := range nTopics {
		for k := range subs {
			c := (i*subs + k) % conns
			perConn[c] = append(perConn[c], i)
		}
	}
	var (
		received  atomic.Int64
		latMu     sync.Mutex
		latencies []int64
		measuring atomic.Bool
		wg        sync.WaitGroup
	)
	ctx := context.Background()
	clients := make([]*websocket.Conn, conns)
	for ci := range conns {
		ws, _, err := websocket.Dial(ctx, wsURL(hs, "/ws/bench"), nil)
		if err != nil {
			b.Fatal(err)
		}
		ws.SetReadLimit(-1)
		clients[ci] = ws
		defer ws.CloseNow()
		// Subscribe (or join) pipelined, then read the answers.
		for _, i := range perConn[ci] {
			var f string
			if topics {
				f = fmt.Sprintf(`{"action":"subscribe","topic":"t:%d","ref":"%d"}`, i, i)
			} else {
				f = fmt.Sprintf(`{"action":"join","payload":"g.%d"}`, i)
			}
			if err := ws.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
				b.Fatal(err)
			}
		}
		for range perConn[ci] {
			if _, _, err := ws.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []int64
			for {
				_, p, err := ws.Read(ctx)
				if err != nil {
					break
				}
				now := time.Now().UnixNano()
				if i := bytes.Index(p, []byte(`"payload":`)); i >= 0 {
					j := i + len(`"payload":`)
					k := j
					for k < len(p) && p[k] >= '0' && p[k] <= '9' {
						k++
					}
					if sent, err := strconv.ParseInt(string(p[j:k]), 10, 64); err == nil && measuring.Load() {
						local = append(local, now-sent)
					}
				}
				received.Add(1)
			}
			latMu.Lock()
			latencies = append(latencies, local...)
			latMu.Unlock()
		}()
	}

	const pushers = 4
	measuring.Store(true)
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var pwg sync.WaitGroup
	for range pushers {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			var frame []byte
			for {
				n := next.Add(1) - 1
				if n >= int64(b.N) {
					return
				}
				if rate > 0 {
					// Pacing, not synchronisation: push n is due at n/rate.
					if d := time.Until(start.Add(time.Duration(n) * time.Second / time.Duration(rate))); d > 0 {
						time.Sleep(d)
					}
				}
				i := int(n) % nTopics
				frame = fmt.Appendf(frame[:0], `{"action":"tick","payload":%d}`, time.Now().UnixNano())
				var err error
				if topics {
					_, err = t.Push(ctx, "t:"+strconv.Itoa(i), bytes.Clone(frame))
				} else {
					err = srv.Publish(ctx, "g."+strconv.Itoa(i), bytes.Clone(frame))
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	pwg.Wait()
	want := int64(b.N) * int64(subs)
	deadline := time.Now().Add(time.Minute)
	for received.Load() < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	got := received.Load()
	for _, ws := range clients {
		ws.CloseNow()
	}
	wg.Wait()
	if got < want {
		b.Logf("%d of %d frames delivered (the rest dropped by full send queues)", got, want)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pushes/s")
	b.ReportMetric(float64(got)/elapsed.Seconds(), "frames/s")
	if len(latencies) > 0 {
		slices.Sort(latencies)
		b.ReportMetric(float64(latencies[len(latencies)*99/100])/1e6, "p99-ms")
		b.ReportMetric(float64(latencies[len(latencies)/2])/1e6, "p50-ms")
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkTopicSubscribeParallel subscribes and unsubscribes in parallel
// goroutines, each on topics of its own, through the process's topic
// registry (each group keeps one other member, so the layer is not
// subscribed each time and only the registry is measured): with -cpu
// 1,2,4 on an otherwise idle machine it shows whether subscriptions to
// different topics wait for one another.
func BenchmarkTopicSubscribeParallel(b *testing.B) {
	srv := New(Options{Logger: quietLogger()})
	defer srv.Shutdown(context.Background())
	var id atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		base := id.Add(1) * 1_000_000
		for i := range int64(64) {
			if err := srv.joinTopic(context.Background(), &Subscription{group: "BenchTopic.t-" + strconv.FormatInt(base+i, 10)}); err != nil {
				b.Error(err)
				return
			}
		}
		n := int64(0)
		for pb.Next() {
			s := &Subscription{group: "BenchTopic.t-" + strconv.FormatInt(base+n%64, 10)}
			if err := srv.joinTopic(context.Background(), s); err != nil {
				b.Error(err)
				return
			}
			srv.leaveTopic(s)
			n++
		}
	})
}
