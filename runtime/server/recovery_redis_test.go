package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

// recoveryServer is one server process of TestRecoveryRedis: /ws/feed
// serves FeedTopic (feed:{id}, keeping every push) and ShortTopic
// (short:{id}, keeping 10) over the Redis layer at url.
func recoveryServer(t *testing.T, url, prefix string, total int) (*httptest.Server, *Topic, *Topic) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	l, err := redislayer.New(ctx, url, redislayer.Options{KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler), PublishTimeout: time.Second})
	if err != nil {
		t.Fatalf("redislayer.New: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	srv := New(Options{Layer: l, Logger: quietLogger(), SendQueue: 4 * total})
	ch, err := srv.Channel("/ws/feed", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := ch.Topic(TopicOptions{Name: "FeedTopic", Pattern: "feed:{id}", History: &layer.Retention{Count: total}})
	if err != nil {
		t.Fatal(err)
	}
	short, err := ch.Topic(TopicOptions{Name: "ShortTopic", Pattern: "short:{id}", History: &layer.Retention{Count: 10}})
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, srv), feed, short
}

// Issue 13's recovery test: a client receiving 10,000 seq'd pushes over
// the Redis layer is disconnected at 20 random points (seeded) and once
// while Redis itself restarts (appendonly, appendfsync always); each time
// it reconnects — to either of two servers on the Redis — and resumes from
// the last seq it saw. In the end it has every seq exactly once, in order.
// A position older than the history gets history_lost.
//
// The client is written here from PROTOCOL.md's frames (subscribe with
// recover, epoch and seq), not with the Go client. A push whose seq skips
// ahead (Redis pub/sub's loss window while a server resubscribes after the
// restart) makes it reconnect and resume, as PROTOCOL.md §2.1 tells
// clients to; a seq it already has is a failure.
func TestRecoveryRedis(t *testing.T) {
	const total = 10000
	rs := testredis.StartWith(t, "--appendonly", "yes", "--appendfsync", "always")
	prefix := fmt.Sprintf("chanxtest:recovery:%d:", time.Now().UnixNano())
	hsA, feed, short := recoveryServer(t, rs.URL(), prefix, total)
	hsB, _, _ := recoveryServer(t, rs.URL(), prefix, total)
	servers := []*httptest.Server{hsA, hsB}

	rng := rand.New(rand.NewPCG(13, 2026))
	points := rng.Perm(total - 1)[:21] // seqs after which the client drops
	cuts := make(map[uint64]bool)
	for _, p := range points[:20] {
		cuts[uint64(p+1)] = true
	}
	restartAt := uint64(points[20] + 1)

	var epoch string
	var last uint64
	reconnects, gaps := 0, 0
	// connect subscribes with recover from the position, retrying while
	// the server cannot read the history (Redis restarting).
	connect := func() *client {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			c := dial(t, servers[rng.IntN(len(servers))], "/ws/feed")
			payload := `{"recover":true}`
			if epoch != "" {
				payload = fmt.Sprintf(`{"recover":true,"epoch":%q,"seq":%d}`, epoch, last)
			}
			c.send(fmt.Sprintf(`{"action":"subscribe","topic":"feed:1","ref":"r","payload":%s}`, payload))
			f := readTopicFrame(t, c)
			if f.Action == "subscribed" {
				var p subscribedPayload
				if err := json.Unmarshal(f.Payload, &p); err != nil {
					t.Fatalf("subscribed payload %s: %v", f.Payload, err)
				}
				if epoch != "" && (!p.Recovered || p.Epoch != epoch) {
					t.Fatalf("resuming from {%s %d}: subscribed %+v, want recovered in the same epoch", epoch, last, p)
				}
				epoch = p.Epoch
				return c
			}
			c.ws.CloseNow()
			if time.Now().After(deadline) {
				t.Fatalf("subscribe from {%s %d} answered %+v until %v", epoch, last, f, deadline)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c := connect()

	// The pusher stays at most lead pushes ahead of the client, so every
	// drop and the Redis restart happen while pushes go on.
	const lead = 200
	var clientLast atomic.Uint64
	pushed := make(chan error, 1)
	go func() {
		for i := 1; i <= total; i++ {
			deadline := time.Now().Add(30 * time.Second)
			for uint64(i) > clientLast.Load()+lead && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			for {
				_, err := feed.Push(context.Background(), "feed:1", fmt.Appendf(nil, `{"action":"item","payload":%d}`, i))
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					pushed <- fmt.Errorf("push %d: %w", i, err)
					return
				}
				time.Sleep(10 * time.Millisecond) // Redis is restarting
			}
		}
		pushed <- nil
	}()

	got := make([]uint64, 0, total)
	payloads := make([]int, 0, total)
	for last < total {
		f := readTopicFrame(t, c)
		if f.Action != "item" || f.Seq == nil || f.Topic != "feed:1" {
			t.Fatalf("after seq %d: frame %+v", last, f)
		}
		switch s := *f.Seq; {
		case s <= last:
			t.Fatalf("seq %d again after %d", s, last)
		case s > last+1:
			gaps++
			t.Logf("seq %d after %d (a gap in live delivery): resuming", s, last)
			c.ws.CloseNow()
			reconnects++
			c = connect()
			continue
		}
		var n int
		if err := json.Unmarshal(f.Payload, &n); err != nil {
			t.Fatalf("seq %d: payload %s", *f.Seq, f.Payload)
		}
		last = *f.Seq
		got = append(got, last)
		clientLast.Store(last)
		payloads = append(payloads, n)
		switch {
		case cuts[last]:
			c.ws.CloseNow()
			reconnects++
			c = connect()
		case last == restartAt:
			c.ws.CloseNow()
			rs.Restart() // SIGKILL, then the same port and data directory
			reconnects++
			c = connect()
		}
	}
	if err := <-pushed; err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if s != uint64(i+1) {
			t.Fatalf("received seq %d at %d, want every seq 1..%d once in order", s, i, total)
		}
	}
	// A Push that Redis ran but did not confirm before it was killed is
	// pushed again under the next seq: the frames repeat, the seqs do not.
	if !slices.IsSorted(payloads) {
		t.Fatalf("payloads out of order")
	}
	t.Logf("%d seqs in order, %d reconnects (%d after gaps), restart after seq %d", len(got), reconnects, gaps, restartAt)
	if reconnects < 21 {
		t.Fatalf("%d reconnects, want at least 21", reconnects)
	}

	// A gap older than the history: history_lost.
	for i := 1; i <= 30; i++ {
		if _, err := short.Push(context.Background(), "short:1", fmt.Appendf(nil, `{"action":"item","payload":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	d := dial(t, hsB, "/ws/feed")
	d.send(`{"action":"subscribe","topic":"short:1","ref":"r","payload":{"recover":true}}`)
	f := readTopicFrame(t, d)
	var p subscribedPayload
	if err := json.Unmarshal(f.Payload, &p); err != nil || f.Action != "subscribed" || p.Seq != 30 {
		t.Fatalf("subscribe to short:1 answered %+v", f)
	}
	p = subscribeRecover(t, d, "short:1", p.Epoch, 5)
	if p.Recovered || p.Seq != 30 {
		t.Fatalf("resuming short:1 from seq 5 of 30 with 10 kept: subscribed %+v, want not recovered", p)
	}
	expectFrame(t, d, fmt.Sprintf(`{"action":"history_lost","payload":{"epoch":%q,"seq":30,"earliest":21,"fromEpoch":%q,"fromSeq":5},"version":1,"topic":"short:1"}`, p.Epoch, p.Epoch))
}
