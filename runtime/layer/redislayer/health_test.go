package redislayer_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/layertest"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

// healthLog collects OnHealthChange calls.
type healthLog chan bool

func (h healthLog) record(healthy bool) {
	select {
	case h <- healthy:
	default:
	}
}

func (h healthLog) await(t *testing.T, want bool) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case got := <-h:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("OnHealthChange(%v) not called within 15 s", want)
		}
	}
}

// Redis hung (SIGSTOP: its connections stay open, nothing is answered): a
// Publish whose context has no deadline returns after PublishTimeout
// instead of waiting for Redis, saying this process's subscribers got the
// message; the layer reports itself unhealthy until Redis answers again.
func TestPublishToHungRedisIsBounded(t *testing.T) {
	srv := testredis.Start(t)
	if srv.Borrowed() {
		t.Skip("pauses Redis: needs a Redis of its own, " + testredis.EnvURL + " is set")
	}
	health := make(healthLog, 16)
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix(), PublishTimeout: 200 * time.Millisecond, OnHealthChange: health.record})
	health.await(t, true)
	ctx := context.Background()
	r := layertest.NewRecorder()
	if _, err := l.Subscribe(ctx, "room", r.Deliver); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	defer srv.Resume() // before the cleanups, which talk to Redis
	returned := make(chan error, 1)
	go func() { returned <- l.Publish(ctx, "room", layer.Message{Frame: []byte(`"hung"`)}) }()
	var err error
	select {
	case err = <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish to a hung Redis did not return: PublishTimeout does not bound it")
	}
	var pe *layer.PartialDeliveryError
	if !errors.As(err, &pe) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Redis did not answer within PublishTimeout (200ms)") {
		t.Fatalf("Publish to a hung Redis = %v, want a partial delivery saying Redis did not answer within PublishTimeout", err)
	}
	if got := r.Await(t, 1); string(got[0].Frame) != `"hung"` {
		t.Fatalf("local subscriber got %s", got[0].Frame)
	}
	health.await(t, false)
	if l.Healthy() {
		t.Fatal("Healthy() right after a publish timed out")
	}
	srv.Resume()
	health.await(t, true)
	if err := l.Publish(ctx, "room", layer.Message{Frame: []byte(`"back"`)}); err != nil {
		t.Fatalf("Publish after Resume: %v", err)
	}
}

// After Redis restarts, the layer reports itself healthy only once every
// subscription it had is confirmed again, so a message from another
// process published after that reaches it.
func TestHealthyOnlyOnceResubscribed(t *testing.T) {
	srv := testredis.Start(t)
	if srv.Borrowed() {
		t.Skip("kills Redis: needs a Redis of its own, " + testredis.EnvURL + " is set")
	}
	prefix := uniquePrefix()
	health := make(healthLog, 16)
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix, OnHealthChange: health.record})
	other := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix})
	health.await(t, true)
	ctx := context.Background()
	r := layertest.NewRecorder()
	for _, g := range []string{"a", "b", "c"} {
		if _, err := l.Subscribe(ctx, g, r.Deliver); err != nil {
			t.Fatal(err)
		}
	}
	if s := l.Stats(); !s.Healthy || s.Confirmations != 3 {
		t.Fatalf("Stats before the outage: %+v, want healthy with 3 confirmations", s)
	}
	srv.Kill()
	health.await(t, false)
	if s := l.Stats(); s.Healthy || s.Unhealthy != 1 {
		t.Fatalf("Stats with Redis down: %+v, want unhealthy once", s)
	}
	eventually(t, "every subscription counted as lost", 5*time.Second, func() bool { return l.Stats().LostSubscriptions == 3 })
	srv.Restart()
	health.await(t, true)
	if s := l.Stats(); s.LostSubscriptions != 0 || s.Confirmations != 6 {
		t.Fatalf("Stats when healthy again: %+v, want no lost subscription and 6 confirmations", s)
	}
	// Healthy means subscribed: once the other layer's own connection is
	// back (its first PUBLISH after the restart may find the dead one),
	// a message it publishes arrives in every group, on the first try.
	eventually(t, "the other layer reconnected", 10*time.Second, func() bool {
		return other.Publish(ctx, "warm-up", layer.Message{Frame: []byte(`0`)}) == nil
	})
	for _, g := range []string{"a", "b", "c"} {
		if err := other.Publish(ctx, g, layer.Message{Frame: []byte(`"` + g + `"`)}); err != nil {
			t.Fatalf("Publish to %s after the restart: %v", g, err)
		}
	}
	r.Await(t, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l.Healthy() {
		t.Error("Healthy() after Close")
	}
}
