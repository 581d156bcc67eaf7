package redislayer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/layertest"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

// Two layers on one Redis share every group's history, as two processes
// would.
func TestHistoryConformance(t *testing.T) {
	srv := testredis.Start(t)
	for _, mode := range []struct {
		name string
		opts redislayer.Options
	}{
		{"plain", redislayer.Options{}},
		{"inline", redislayer.Options{InlineDelivery: true}},
		{"sharded", redislayer.Options{Sharded: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			if mode.opts.Sharded {
				requireRedis7(t, srv.URL())
			}
			layertest.RunHistory(t, func(t *testing.T, clock *layertest.Clock) (a, b layertest.HistoryLayer) {
				opts := mode.opts
				opts.KeyPrefix = uniquePrefix()
				opts.HistoryNow = clock.Now
				return newLayer(t, srv.URL(), opts), newLayer(t, srv.URL(), opts)
			})
		})
	}
}

// Without HistoryNow, age is Redis's TIME: a message appended with an age
// of 1 ms is gone once Redis's clock moved on.
func TestHistoryRedisClock(t *testing.T) {
	srv := testredis.Start(t)
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix()})
	ctx := context.Background()
	p1, err := l.Append(ctx, "g", layer.Message{Frame: []byte("1")}, layer.Retention{Age: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, err := l.Since(ctx, "g", layer.Position{Epoch: p1.Epoch})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Since = %d messages, %v; want 1 kept for an hour", len(msgs), err)
	}
	if _, err := l.Append(ctx, "g", layer.Message{Frame: []byte("2")}, layer.Retention{Age: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// Redis's clock is not ours to move: poll until a millisecond passed.
	eventually(t, "seq 1 expires by Redis's clock", 5*time.Second, func() bool {
		_, _, err := l.Since(ctx, "g", layer.Position{Epoch: p1.Epoch})
		var lost *layer.HistoryLostError
		return errors.As(err, &lost)
	})
}

// The history keys start with KeyPrefix and share one hash slot, also for
// group names with braces, a leading '#' or none at all; layers with
// different prefixes have different histories.
func TestHistoryKeys(t *testing.T) {
	srv := testredis.Start(t)
	raw := rawClient(t, srv.URL())
	prefix := uniquePrefix()
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix})
	other := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix()})
	ctx := context.Background()
	groups := []string{"room:1", "", "a{b}c", "}x", "#h", "{", "é ü"}
	for _, g := range groups {
		for i := range 2 {
			if p, err := l.Append(ctx, g, layer.Message{Frame: fmt.Appendf(nil, "%q %d", g, i)}, layer.Retention{}); err != nil || p.Seq != uint64(i+1) {
				t.Fatalf("Append to %q = %+v, %v; want seq %d", g, p, err, i+1)
			}
		}
		_, pos, err := other.Since(ctx, g, layer.Position{})
		if err != nil || pos.Seq != 0 {
			t.Fatalf("another prefix sees %q at %+v, %v; want a history of its own at seq 0", g, pos, err)
		}
	}
	keys, err := raw.Do(ctx, raw.B().Keys().Pattern("*").Build()).AsStrSlice()
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			mine = append(mine, k)
		}
	}
	if len(mine) != 2*len(groups) {
		t.Fatalf("keys under %q: %q, want a stream and a hash per group (%d)", prefix, mine, 2*len(groups))
	}
	for _, k := range mine {
		pair := strings.Replace(k, prefix+"history:", prefix+"historymeta:", 1)
		if pair == k {
			pair = strings.Replace(k, prefix+"historymeta:", prefix+"history:", 1)
		}
		if keySlot(k) != keySlot(pair) {
			t.Errorf("%q (slot %d) and %q (slot %d) are in different hash slots", k, keySlot(k), pair, keySlot(pair))
		}
	}
	for _, g := range groups {
		_, pos, _ := l.Since(ctx, g, layer.Position{})
		msgs, _, err := l.Since(ctx, g, layer.Position{Epoch: pos.Epoch})
		if err != nil || len(msgs) != 2 || string(msgs[1].Frame) != fmt.Sprintf("%q 1", g) {
			t.Errorf("history of %q: %d messages, %v", g, len(msgs), err)
		}
	}
}

// Append's errors follow Publish's: with Redis down nothing is delivered,
// not even here, and the error is not a partial delivery.
func TestHistoryRedisDown(t *testing.T) {
	srv := testredis.Start(t)
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix(), PublishTimeout: 500 * time.Millisecond})
	r := layertest.NewRecorder()
	ctx := context.Background()
	cancel, err := l.Subscribe(ctx, "g", r.Deliver)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	srv.Kill()
	_, err = l.Append(ctx, "g", layer.Message{Frame: []byte("x")}, layer.Retention{})
	var pe *layer.PartialDeliveryError
	if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), `append to "g"`) {
		t.Fatalf("Append with Redis down: %v, want an error naming the group, not a partial delivery", err)
	}
	if _, _, err := l.Since(ctx, "g", layer.Position{}); err == nil {
		t.Fatalf("Since with Redis down succeeded")
	}
	if got := r.Messages(); len(got) != 0 {
		t.Fatalf("a subscriber got %d messages of a failed Append", len(got))
	}
	l.Close()
	if _, err := l.Append(ctx, "g", layer.Message{}, layer.Retention{}); !errors.Is(err, layer.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if _, _, err := l.Since(ctx, "g", layer.Position{}); !errors.Is(err, layer.ErrClosed) {
		t.Errorf("Since after Close: %v, want ErrClosed", err)
	}
}

// A Redis without persistence that restarts has lost every history: the
// group gets a new epoch, an old position is a HistoryLostError, and seqs
// start again at 1.
func TestHistoryRestartWithoutPersistence(t *testing.T) {
	srv := testredis.Start(t)
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix()})
	ctx := context.Background()
	var old layer.Position
	for i := range 5 {
		var err error
		if old, err = l.Append(ctx, "g", layer.Message{Frame: fmt.Appendf(nil, "%d", i)}, layer.Retention{}); err != nil {
			t.Fatal(err)
		}
	}
	srv.Restart()
	var (
		msgs []layer.Message
		pos  layer.Position
		err  error
	)
	eventually(t, "Since answers after the restart", 10*time.Second, func() bool {
		msgs, pos, err = l.Since(ctx, "g", layer.Position{Epoch: old.Epoch, Seq: 3})
		var lost *layer.HistoryLostError
		return errors.As(err, &lost)
	})
	if len(msgs) != 0 || pos.Epoch == old.Epoch || pos.Seq != 0 || pos.Epoch == "" {
		t.Fatalf("after the restart: %d messages at %+v, want none at seq 0 of a new epoch (was %q)", len(msgs), pos, old.Epoch)
	}
	p := appendAfterRestart(t, l, layer.Message{Frame: []byte("new")})
	if p != (layer.Position{Epoch: pos.Epoch, Seq: 1}) {
		t.Fatalf("first Append after the restart = %+v, want {%s 1}", p, pos.Epoch)
	}
}

// An idle layer meets a Redis that restarted only on its next command,
// as the EOF of the connection the old server dropped: Since reads the
// history again on a new one, so a client resubscribing after the restart
// is answered on the first try.
func TestHistorySinceFirstAfterRestart(t *testing.T) {
	srv := testredis.Start(t)
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix()})
	ctx := context.Background()
	old, err := l.Append(ctx, "g", layer.Message{Frame: []byte("1")}, layer.Retention{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Restart() // answers PING again before it returns
	_, pos, err := l.Since(ctx, "g", old)
	var lost *layer.HistoryLostError
	if !errors.As(err, &lost) || pos.Epoch == old.Epoch {
		t.Fatalf("first Since after the restart: %v at %+v, want the history lost (a new epoch)", err, pos)
	}
}

// With appendonly and appendfsync always, the history survives a crash
// (SIGKILL) and restart: same epoch, Since continues, seqs go on.
func TestHistoryRestartAppendOnly(t *testing.T) {
	srv := testredis.StartWith(t, "--appendonly", "yes", "--appendfsync", "always")
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix()})
	ctx := context.Background()
	var last layer.Position
	for i := 1; i <= 5; i++ {
		var err error
		if last, err = l.Append(ctx, "g", layer.Message{Frame: fmt.Appendf(nil, "%d", i)}, layer.Retention{}); err != nil {
			t.Fatal(err)
		}
	}
	srv.Restart() // Kill (SIGKILL), then start on the same port and dir
	var (
		msgs []layer.Message
		pos  layer.Position
		err  error
	)
	eventually(t, "Since answers after the restart", 10*time.Second, func() bool {
		msgs, pos, err = l.Since(ctx, "g", layer.Position{Epoch: last.Epoch, Seq: 2})
		return err == nil
	})
	if pos != last || len(msgs) != 3 || string(msgs[0].Frame) != "3" || msgs[2].Seq != 5 {
		t.Fatalf("after the restart: %d messages at %+v, want seqs 3..5 at %+v", len(msgs), pos, last)
	}
	p := appendAfterRestart(t, l, layer.Message{Frame: []byte("6")})
	if p != (layer.Position{Epoch: last.Epoch, Seq: 6}) {
		t.Fatalf("Append after the restart = %+v, want {%s 6}", p, last.Epoch)
	}
}

// appendAfterRestart appends m to group "g" once Redis answers Append
// again. rueidis redials each of its connections on its own, so Since
// having answered does not mean the connection the script goes over has
// redialled: an Append may first meet the killed server's EOF, which never
// reached the new one (the callers' seq checks prove it).
func appendAfterRestart(t *testing.T, l *redislayer.Layer, m layer.Message) layer.Position {
	t.Helper()
	var p layer.Position
	eventually(t, "Append answers after the restart", 10*time.Second, func() bool {
		var err error
		p, err = l.Append(context.Background(), "g", m, layer.Retention{})
		return err == nil
	})
	return p
}

// keySlot is Redis Cluster's hash slot of key: CRC16 (XMODEM) of its hash
// tag, the part between the first '{' and the next '}' when not empty.
func keySlot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

func TestKeySlot(t *testing.T) {
	// Values from the Redis Cluster specification and CLUSTER KEYSLOT.
	for key, want := range map[string]uint16{"123456789": 12739, "{user1000}.following": 3443, "foo{}{bar}": 8363} {
		if got := keySlot(key); got != want {
			t.Errorf("keySlot(%q) = %d, want %d", key, got, want)
		}
	}
}
