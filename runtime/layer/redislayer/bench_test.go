package redislayer_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

// benchFrame is the 216-byte JSON frame PERF-NOTES measured with.
var benchFrame = []byte(`{"action":"group_message","payload":{"room":"lobby","text":"` +
	`the quick brown fox jumps over the lazy dog, the quick brown fox jumps over the lazy dog, ` +
	`the quick brown fox jumps over the l","sender":"user-42"}}`)

// echoPath is one way of getting a frame from a publisher to a subscriber
// callback through Redis: publish(i) sends on channel i, and the callback
// wakes the waiter of channel i.
type echoPath struct {
	publish func(ctx context.Context, i int) error
	got     []chan struct{}
}

// bareEcho is the baseline: two rueidis clients (publisher and subscriber
// process), one Receive per channel, nothing else.
func bareEcho(b *testing.B, url string, channels int, sharded bool, flushDelay time.Duration) *echoPath {
	pub, sub := rawClientFlush(b, url, flushDelay), rawClientFlush(b, url, flushDelay)
	p := &echoPath{got: make([]chan struct{}, channels)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	b.Cleanup(func() { cancel(); wg.Wait() })
	for i := range channels {
		ch := make(chan struct{}, 1)
		p.got[i] = ch
		ready := make(chan struct{})
		var once sync.Once
		hook := rueidis.WithOnSubscriptionHook(ctx, func(rueidis.PubSubSubscription) { once.Do(func() { close(ready) }) })
		wg.Go(func() {
			cmd := sub.B().Subscribe().Channel(fmt.Sprintf("bare:%d", i)).Build()
			if sharded {
				cmd = sub.B().Ssubscribe().Channel(fmt.Sprintf("bare:%d", i)).Build()
			}
			_ = sub.Receive(hook, cmd, func(rueidis.PubSubMessage) {
				ch <- struct{}{}
			})
		})
		<-ready
	}
	names := make([]string, channels)
	for i := range names {
		names[i] = fmt.Sprintf("bare:%d", i)
	}
	p.publish = func(ctx context.Context, i int) error {
		if sharded {
			return pub.Do(ctx, pub.B().Spublish().Channel(names[i]).Message(rueidis.BinaryString(benchFrame)).Build()).Error()
		}
		return pub.Do(ctx, pub.B().Publish().Channel(names[i]).Message(rueidis.BinaryString(benchFrame)).Build()).Error()
	}
	return p
}

// layerEcho is the same through two redislayer.Layers.
func layerEcho(b *testing.B, url string, channels int, opts redislayer.Options) *echoPath {
	opts.KeyPrefix = uniquePrefix()
	pub, sub := newLayer(b, url, opts), newLayer(b, url, opts)
	p := &echoPath{got: make([]chan struct{}, channels)}
	names := make([]string, channels)
	for i := range channels {
		ch := make(chan struct{}, 1)
		p.got[i] = ch
		names[i] = fmt.Sprintf("g%d", i)
		if _, err := sub.Subscribe(context.Background(), names[i], func(layer.Message) { ch <- struct{}{} }); err != nil {
			b.Fatal(err)
		}
	}
	p.publish = func(ctx context.Context, i int) error {
		return pub.Publish(ctx, names[i], layer.Message{Kind: layer.Broadcast, Frame: benchFrame, Exclude: "conn-1"})
	}
	return p
}

// measure runs n round trips split across workers, each worker on its
// own channel with one message in flight, and returns the elapsed wall
// and process CPU time.
func measure(b *testing.B, p *echoPath, workers, n int) (wall, cpu time.Duration) {
	ctx := context.Background()
	var wg sync.WaitGroup
	cpu0 := processCPU()
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for range n / workers {
				if err := p.publish(ctx, w); err != nil {
					b.Error(err)
					return
				}
				<-p.got[w]
			}
		})
	}
	wg.Wait()
	return time.Since(start), processCPU() - cpu0
}

// BenchmarkRedisGroupEcho compares a group round trip (publish in one
// process, delivery callback in another) through redislayer against bare
// rueidis PUBLISH → SUBSCRIBE, in one run. The machine is shared, so the
// two alternate in short rounds and load hits both alike; the metrics are
// bare-rt/s, layer-rt/s and their ratio (target ≥ 0.9), and the CPU time
// this process (publisher and subscriber side together) spent per round
// trip on each path, which other load on the machine barely affects.
func BenchmarkRedisGroupEcho(b *testing.B) {
	srv := testredis.Start(b)
	for _, tc := range []struct {
		name    string
		workers int
		opts    redislayer.Options
	}{
		{"workers=1", 1, redislayer.Options{}},
		{"workers=64", 64, redislayer.Options{}},
		{"inline/workers=1", 1, redislayer.Options{InlineDelivery: true}},
		{"inline/workers=64", 64, redislayer.Options{InlineDelivery: true}},
		{"maxflushdelay=20µs/workers=64", 64, redislayer.Options{MaxFlushDelay: 20 * time.Microsecond}},
		{"sharded/workers=1", 1, redislayer.Options{Sharded: true}},
		{"sharded/workers=64", 64, redislayer.Options{Sharded: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			bare := bareEcho(b, srv.URL(), tc.workers, tc.opts.Sharded, tc.opts.MaxFlushDelay)
			lay := layerEcho(b, srv.URL(), tc.workers, tc.opts)
			round := 25 * tc.workers
			measure(b, bare, tc.workers, round) // warm up connections
			measure(b, lay, tc.workers, round)
			var tBare, tLayer, cBare, cLayer time.Duration
			run := func(p *echoPath, t, c *time.Duration) {
				wall, cpu := measure(b, p, tc.workers, round)
				*t += wall
				*c += cpu
			}
			var n int
			b.ResetTimer()
			for i := 0; n < b.N; i++ {
				if i%2 == 0 {
					run(bare, &tBare, &cBare)
					run(lay, &tLayer, &cLayer)
				} else {
					run(lay, &tLayer, &cLayer)
					run(bare, &tBare, &cBare)
				}
				n += round
			}
			bareRate := float64(n) / tBare.Seconds()
			layerRate := float64(n) / tLayer.Seconds()
			b.ReportMetric(bareRate, "bare-rt/s")
			b.ReportMetric(layerRate, "layer-rt/s")
			b.ReportMetric(layerRate/bareRate, "ratio")
			b.ReportMetric(float64(cBare.Microseconds())/float64(n), "bare-cpu-µs/rt")
			b.ReportMetric(float64(cLayer.Microseconds())/float64(n), "layer-cpu-µs/rt")
			b.ReportMetric(0, "ns/op")
		})
	}
}
