package server_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/testredis"
)

// pipelineCounter counts pipelined publishes that failed after their
// handler returned.
type pipelineCounter struct {
	publishCounter
	pipelineFailed atomic.Int64
}

func (m *pipelineCounter) PublishFailed(string) { m.pipelineFailed.Add(1) }

// Pipelined broadcasts (the default with the Redis layer) under a
// redis-server killed while they are in flight: before the kill they cross
// to a second server in order; after it every handler still returns at
// once (each fence is answered), the sender's own server's members get
// every message, and each broadcast Redis did not take is reported to the
// sender with the partial_delivery error frame and counted
// (Metrics.PublishFailed, FrameError partial_delivery) — none is lost
// silently.
func TestPipelinedPublishRedisKilled(t *testing.T) {
	waitRueidisIdle(t)
	rs := testredis.Start(t)
	if rs.Borrowed() {
		t.Skip("kills Redis: needs a Redis of its own, " + testredis.EnvURL + " is set")
	}
	prefix := redisPrefix()
	var met pipelineCounter
	_, urlA := serveRedisChat(t, newRedisLayer(t, rs.URL(), prefix), &met)
	_, urlB := serveRedisChat(t, newRedisLayer(t, rs.URL(), prefix), nil)
	a1 := dialRx(t, "a1", urlA+"/ws/chat/pipe")
	a2 := dialRx(t, "a2", urlA+"/ws/chat/pipe")
	b1 := dialRx(t, "b1", urlB+"/ws/chat/pipe")
	a1.ready()
	a2.ready()
	b1.ready()

	// Healthy: a burst of pipelined broadcasts arrives on B in order.
	const burst = 50
	for i := range burst {
		a1.send(chatFrame(fmt.Sprint("before ", i), "a1"))
	}
	for i := range burst {
		b1.expect(chatFrame(fmt.Sprint("before ", i), "a1"))
		a2.expect(chatFrame(fmt.Sprint("before ", i), "a1"))
	}
	// B and a2 having them does not mean A has read Redis's replies:
	// a burst whose replies the kill cuts off fails (Redis may have run
	// it), so the kill waits for every reply.
	for deadline := time.Now().Add(redisWait); met.ok.Load()+met.failed.Load() < burst; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Redis answered %d of the burst's %d publishes within %v", met.ok.Load()+met.failed.Load(), burst, redisWait)
		}
	}
	if n := met.pipelineFailed.Load(); n != 0 {
		t.Fatalf("PublishFailed = %d with Redis up, want 0", n)
	}

	rs.Kill()
	const during = 20
	for i := range during {
		a1.send(chatFrame(fmt.Sprint("during ", i), "a1"))
	}
	fence := `{"action":"echo","payload":"fence"}`
	a1.send(fence)
	// The handlers did not wait for Redis: the fence is answered, and
	// every failure reaches a1 as an error frame, before or after it.
	errorsSeen, fenced := 0, false
	for errorsSeen < during || !fenced {
		f, ok := a1.next(redisWait)
		if !ok {
			t.Fatalf("a1: after %d partial_delivery frames (fence answered: %v), nothing more within %v; want %d and the fence",
				errorsSeen, fenced, redisWait, during)
		}
		switch f {
		case fence:
			fenced = true
		case partialDeliveryFrame:
			errorsSeen++
		default:
			t.Fatalf("a1: got %s, want the partial_delivery frame or the fence", f)
		}
	}
	for i := range during {
		a2.expect(chatFrame(fmt.Sprint("during ", i), "a1"))
	}
	if got := met.pipelineFailed.Load(); got != during {
		t.Errorf("Metrics.PublishFailed = %d, want %d", got, during)
	}
	if got := met.partial.Load(); got != during {
		t.Errorf("FrameError(partial_delivery) = %d, want %d", got, during)
	}
	if got := met.failed.Load(); got != during {
		t.Errorf("LayerPublished(true) = %d, want %d", got, during)
	}
}
