package layer_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/layertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newMemory(t *testing.T) layer.Layer {
	l := layer.NewMemory()
	t.Cleanup(func() { l.Close() })
	return l
}

func TestMemoryConformance(t *testing.T) {
	layertest.Run(t, newMemory)
}

func TestMemorySynchronousConformance(t *testing.T) {
	layertest.Run(t, func(t *testing.T) layer.Layer {
		l := layer.NewMemoryWithOptions(layer.MemoryOptions{Synchronous: true})
		t.Cleanup(func() { l.Close() })
		return l
	})
}

// In synchronous mode Publish returns after every subscriber ran.
func TestMemorySynchronousDeliversBeforeReturning(t *testing.T) {
	l := layer.NewMemoryWithOptions(layer.MemoryOptions{Synchronous: true})
	defer l.Close()
	var got []string
	for i := range 2 {
		if _, err := l.Subscribe(context.Background(), "g", func(m layer.Message) {
			got = append(got, fmt.Sprintf("%d:%s", i, m.Frame))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Publish(context.Background(), "g", layer.Message{Frame: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"0:x", "1:x"}; !slices.Equal(got, want) {
		t.Fatalf("delivered %q before Publish returned, want %q", got, want)
	}
}

// An inline subscription is delivered before Publish returns, next to a
// queued one on the same group that is stuck.
func TestMemorySubscribeInline(t *testing.T) {
	l := layer.NewMemoryWithOptions(layer.MemoryOptions{QueueLimit: 1})
	defer l.Close()
	ctx := context.Background()
	stuck := make(chan struct{})
	defer close(stuck)
	if _, err := l.Subscribe(ctx, "g", func(layer.Message) { <-stuck }); err != nil {
		t.Fatal(err)
	}
	var got []string
	if _, err := layer.SubscribeInline(ctx, l, "g", func(m layer.Message) { got = append(got, string(m.Frame)) }); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a", "b", "c"} {
		if err := l.Publish(ctx, "g", layer.Message{Frame: []byte(f)}); err != nil {
			t.Fatal(err)
		}
		if got[len(got)-1] != f {
			t.Fatalf("after publishing %q the inline subscriber had %q", f, got)
		}
	}
	if st := l.Stats(); st.Dropped == 0 {
		t.Fatalf("the stuck queued subscriber dropped nothing (Stats %+v); the inline one must not share its queue", st)
	}
}

// A subscriber that never returns must not block Publish or the other
// subscribers; its overflow is dropped and counted.
func TestMemorySlowSubscriberDoesNotBlockPublish(t *testing.T) {
	const limit = 16
	l := layer.NewMemoryWithOptions(layer.MemoryOptions{QueueLimit: limit})
	defer l.Close()
	ctx := context.Background()

	release := make(chan struct{})
	defer close(release) // runs before l.Close, which waits for deliver
	stuck := make(chan struct{}, 1)
	if _, err := l.Subscribe(ctx, "room", func(layer.Message) {
		select {
		case stuck <- struct{}{}:
		default:
		}
		<-release
	}); err != nil {
		t.Fatal(err)
	}
	fast := layertest.NewRecorder()
	if _, err := l.Subscribe(ctx, "room", fast.Deliver); err != nil {
		t.Fatal(err)
	}

	// Publish in batches smaller than the queue, letting the fast
	// subscriber catch up between them, so only the stuck one overflows.
	const batches, batch = 50, limit / 2
	for i := range batches {
		for range batch {
			if err := l.Publish(ctx, "room", layer.Message{Frame: []byte(`{}`)}); err != nil {
				t.Fatalf("publish: %v", err)
			}
		}
		fast.Await(t, (i+1)*batch)
	}
	<-stuck
	// The stuck subscriber's drainer holds the batch it took (at most
	// limit messages, one of them in deliver) and at most limit more are
	// queued; the rest were dropped.
	total := uint64(batches * batch)
	if got, lo, hi := l.Stats().Dropped, total-2*limit, total-limit; got < lo || got > hi {
		t.Errorf("Dropped = %d, want between %d and %d", got, lo, hi)
	}
}

func TestMemoryPublishCopiesFrame(t *testing.T) {
	l := newMemory(t)
	r := layertest.NewRecorder()
	if _, err := l.Subscribe(context.Background(), "g", r.Deliver); err != nil {
		t.Fatal(err)
	}
	buf := []byte(`"original"`)
	if err := l.Publish(context.Background(), "g", layer.Message{Frame: buf}); err != nil {
		t.Fatal(err)
	}
	copy(buf, `"modified"`)
	if got := r.Await(t, 1); string(got[0].Frame) != `"original"` {
		t.Fatalf("frame = %s, want \"original\" (Publish must copy the caller's buffer)", got[0].Frame)
	}
}

func TestMemoryShareFrames(t *testing.T) {
	l := layer.NewMemoryWithOptions(layer.MemoryOptions{ShareFrames: true, Synchronous: true})
	defer l.Close()
	var got []byte
	if _, err := l.Subscribe(context.Background(), "g", func(m layer.Message) { got = m.Frame }); err != nil {
		t.Fatal(err)
	}
	buf := []byte("shared")
	if err := l.Publish(context.Background(), "g", layer.Message{Frame: buf}); err != nil {
		t.Fatal(err)
	}
	if &got[0] != &buf[0] {
		t.Fatal("ShareFrames: subscriber got a copy, want the publisher's slice")
	}
}

// Close waits for a deliver call in flight, so no goroutine of the layer
// outlives it.
func TestMemoryCloseWaitsForDelivery(t *testing.T) {
	l := layer.NewMemory()
	entered, release := make(chan struct{}), make(chan struct{})
	var finished sync.WaitGroup
	finished.Add(1)
	if _, err := l.Subscribe(context.Background(), "g", func(layer.Message) {
		close(entered)
		<-release
		finished.Done()
	}); err != nil {
		t.Fatal(err)
	}
	if err := l.Publish(context.Background(), "g", layer.Message{}); err != nil {
		t.Fatal(err)
	}
	<-entered
	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while deliver was still running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-closed
	finished.Wait()
}

func TestMemoryCancelFromInsideDeliver(t *testing.T) {
	l := layer.NewMemory()
	defer l.Close()
	var cancel func()
	calls := make(chan struct{}, 10)
	var mu sync.Mutex
	mu.Lock()
	c, err := l.Subscribe(context.Background(), "g", func(layer.Message) {
		mu.Lock()
		defer mu.Unlock()
		cancel()
		calls <- struct{}{}
	})
	if err != nil {
		t.Fatal(err)
	}
	cancel = c
	mu.Unlock()
	for range 3 {
		if err := l.Publish(context.Background(), "g", layer.Message{}); err != nil {
			t.Fatal(err)
		}
	}
	<-calls
	if n := l.Subscribers("g"); n != 0 {
		t.Fatalf("Subscribers = %d after cancel, want 0", n)
	}
}

func TestMemoryRace(t *testing.T) {
	l := newMemory(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 200 {
				cancel, err := l.Subscribe(ctx, "g", func(layer.Message) {})
				if err != nil {
					t.Error(err)
					return
				}
				cancel()
			}
		})
		wg.Go(func() {
			for range 200 {
				if err := l.Publish(ctx, "g", layer.Message{Frame: []byte{byte(i)}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkMemoryPublishDeliver is one publish → deliver round trip in
// process, queued (a goroutine hop) and synchronous.
func BenchmarkMemoryPublishDeliver(b *testing.B) {
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("synchronous=%v", sync), func(b *testing.B) {
			l := layer.NewMemoryWithOptions(layer.MemoryOptions{Synchronous: sync})
			defer l.Close()
			got := make(chan struct{}, 1)
			if _, err := l.Subscribe(context.Background(), "g", func(layer.Message) { got <- struct{}{} }); err != nil {
				b.Fatal(err)
			}
			frame := []byte(`{"action":"message","payload":{"text":"hello"}}`)
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Publish(context.Background(), "g", layer.Message{Frame: frame}); err != nil {
					b.Fatal(err)
				}
				<-got
			}
		})
	}
}
