package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/client"
)

// pushLog collects the bodies and seqs of a subscription's room_event
// pushes, and signals each.
type pushLog struct {
	mu   sync.Mutex
	seqs []int64
	body []string
	got  chan int64
}

func newPushLog() *pushLog { return &pushLog{got: make(chan int64, 4096)} }

func (l *pushLog) handle(sub *client.Subscription) {
	sub.HandleFrame("room_event", func(ctx context.Context, f client.Frame) error {
		var ev RoomEvent
		if err := json.Unmarshal(f.Data, &ev); err != nil {
			return err
		}
		l.mu.Lock()
		l.seqs = append(l.seqs, f.Seq)
		l.body = append(l.body, ev.Payload.Body)
		l.mu.Unlock()
		l.got <- f.Seq
		return nil
	})
}

// waitFor waits until the push with seq arrived.
func (l *pushLog) waitFor(t *testing.T, seq int64) {
	t.Helper()
	for {
		if got := recv(t, l.got); got >= seq {
			return
		}
	}
}

func (l *pushLog) snapshot() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seqs)
}

func seqRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func dialTopics(t *testing.T, s *topicServer, opts *client.Options) *client.Client {
	t.Helper()
	if opts == nil {
		opts = &client.Options{}
	}
	c, err := client.New(s.url(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// TestTopicReplyMatchedByRef is the regression test for issue 13's
// "welcome frame of the reply's type": the server sends a frame named like
// the reply (a welcome after subscribed) and a push of that name right
// before the reply; the Request gets the frame carrying its ref, and the
// other two reach the topic's handler.
func TestTopicReplyMatchedByRef(t *testing.T) {
	s := startTopicServer(t, func(s *topicServer) { s.welcome = true })
	c := dialTopics(t, s, nil)
	ctx := testCtx(t)
	sub, err := c.NewSubscription("room:lobby", nil)
	if err != nil {
		t.Fatal(err)
	}
	pushed := make(chan string, 4)
	sub.HandleFrame("echoed", func(ctx context.Context, f client.Frame) error {
		pushed <- string(f.Payload())
		return nil
	})
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	reply, err := sub.Request(ctx, map[string]any{"action": "echo", "payload": "interleave"}, "echoed")
	if err != nil {
		t.Fatal(err)
	}
	if reply.Ref != "2" || string(reply.Payload()) != `"interleave"` || reply.Topic != "room:lobby" {
		t.Fatalf("reply = ref %q payload %s topic %q, want ref 2, the request's payload", reply.Ref, reply.Payload(), reply.Topic)
	}
	if strings.Contains(string(reply.Data), `"ref"`) || strings.Contains(string(reply.Data), `"topic"`) {
		t.Errorf("reply Data keeps envelope keys: %s", reply.Data)
	}
	if got := []string{recv(t, pushed), recv(t, pushed)}; !slices.Equal(got, []string{`"welcome"`, `"pushed"`}) {
		t.Errorf("topic handler got %q, want the welcome and the push", got)
	}
	// The complete marker that follows the reply carries the ref too; it
	// is a built-in, so nothing counts it as dropped.
	if _, err := sub.Request(ctx, map[string]any{"action": "echo", "payload": 1}, "echoed"); err != nil {
		t.Fatal(err)
	}
	if n := c.DroppedTopicFrames(); n != 0 {
		t.Errorf("DroppedTopicFrames = %d, want 0", n)
	}
}

// TestTopicFramesOnTheWire pins what the client sends: Chanx's generated
// client's frames, refs counting per connection from "1".
func TestTopicFramesOnTheWire(t *testing.T) {
	s := startTopicServer(t, nil)
	c := dialTopics(t, s, nil)
	ctx := testCtx(t)
	sub, err := c.Subscribe(ctx, "room:lobby", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Send(ctx, "typing", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Request(ctx, map[string]any{"action": "echo", "payload": "hi"}, "echoed"); err != nil {
		t.Fatal(err)
	}
	rec, err := c.Subscribe(ctx, "room:kept", &client.SubscribeOptions{Recover: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = rec
	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	// Frames outside topics carry no ref (PROTOCOL.md §4.3).
	if _, err := c.Request(ctx, map[string]any{"action": "echo", "payload": 7}, "echoed"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"action":"subscribe","payload":null,"version":1,"topic":"room:lobby","ref":"1"}`,
		`{"action":"typing","payload":null,"version":1,"topic":"room:lobby"}`,
		`{"action":"echo","payload":"hi","version":1,"topic":"room:lobby","ref":"2"}`,
		`{"action":"subscribe","payload":{"recover":true},"version":1,"topic":"room:kept","ref":"3"}`,
		`{"action":"unsubscribe","payload":null,"version":1,"topic":"room:lobby","ref":"4"}`,
		`{"action":"echo","payload":7}`,
	}
	if diff := cmp.Diff(want, s.frames()); diff != "" {
		t.Errorf("frames sent (-want +got):\n%s", diff)
	}
}

// TestTopicErrors: the three topic error frames come back as
// *client.TopicError with the reason and the server's detail.
func TestTopicErrors(t *testing.T) {
	s := startTopicServer(t, nil)
	c := dialTopics(t, s, nil)
	ctx := testCtx(t)
	check := func(err error, sentinel error, reason, detail string) {
		t.Helper()
		var te *client.TopicError
		if !errors.As(err, &te) {
			t.Fatalf("err = %v, want a *client.TopicError", err)
		}
		if te.Reason != reason || te.Detail != detail || !errors.Is(err, sentinel) {
			t.Errorf("TopicError = %q %q (Is %v: %v), want %q %q", te.Reason, te.Detail, sentinel, errors.Is(err, sentinel), reason, detail)
		}
		var se *client.ServerError
		if !errors.As(err, &se) || se.Reason != reason {
			t.Errorf("the ServerError inside = %+v", se)
		}
	}
	_, err := c.Subscribe(ctx, "nope", nil)
	check(err, client.ErrUnknownTopic, "unknown_topic", "Unknown topic 'nope'")
	_, err = c.Subscribe(ctx, "private:secret", nil)
	check(err, client.ErrUnauthorized, "unauthorized", "Not allowed to subscribe to 'private:secret'")

	// A failed c.Subscribe leaves nothing registered: the topic can be
	// tried again.
	sub, err := c.NewSubscription("private:secret", nil)
	if err != nil {
		t.Fatalf("NewSubscription after a refused Subscribe: %v", err)
	}
	// Requests on a topic the connection is not subscribed to.
	_, err = sub.Request(ctx, map[string]any{"action": "echo", "payload": 1}, "echoed")
	check(err, client.ErrNotSubscribed, "not_subscribed", "Not subscribed to 'private:secret'")
	if _, err := c.NewSubscription("private:secret", nil); !errors.Is(err, client.ErrSubscribed) {
		t.Errorf("second NewSubscription = %v, want ErrSubscribed", err)
	}
	// A channel Request waiting meanwhile is not failed by topic errors.
	if f, err := c.Request(ctx, map[string]any{"action": "echo", "payload": 7}, "echoed"); err != nil || string(f.Payload()) != "7" {
		t.Errorf("channel Request = %s, %v", f.Data, err)
	}
}

// TestTopicUnsubscribe: unsubscribed answers it, the subscription leaves
// the registry and later pushes to the topic are dropped and counted.
func TestTopicUnsubscribe(t *testing.T) {
	s := startTopicServer(t, nil)
	c := dialTopics(t, s, nil)
	ctx := testCtx(t)
	log := newPushLog()
	sub, err := c.NewSubscription("room:a", nil)
	if err != nil {
		t.Fatal(err)
	}
	log.handle(sub)
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	s.push("room:a", "one", false)
	log.waitFor(t, 1)
	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	// The server still pushes to this connection (as if unsubscribe
	// crossed the push): the frame is dropped.
	s.mu.Lock()
	for conn := range s.conns {
		s.write(ctx, conn, pushFrame("room:a", "late", 2))
	}
	s.mu.Unlock()
	// A channel request's reply comes after the late push: it was read.
	if _, err := c.Request(ctx, map[string]any{"action": "echo", "payload": 1}, "echoed"); err != nil {
		t.Fatal(err)
	}
	if n := c.DroppedTopicFrames(); n != 1 {
		t.Errorf("DroppedTopicFrames = %d, want 1", n)
	}
	if got := log.snapshot(); !slices.Equal(got, []int64{1}) {
		t.Errorf("pushes = %v, want [1]", got)
	}
	// Unsubscribed topics are free again.
	if _, err := c.Subscribe(ctx, "room:a", nil); err != nil {
		t.Errorf("subscribe again: %v", err)
	}
}

// TestTopicPushRouting: pushes go to the subscription of their topic,
// frames without topic to the client's own handlers, typed handlers get
// the frame without envelope keys, OnPush takes what no handler does.
func TestTopicPushRouting(t *testing.T) {
	s := startTopicServer(t, nil)
	c, err := client.New(s.url(), nil)
	if err != nil {
		t.Fatal(err)
	}
	own := make(chan string, 1)
	client.Handle(c, "echoed", func(ctx context.Context, m *struct {
		Payload string `json:"payload"`
	}) error {
		own <- m.Payload
		return nil
	})
	ctx := testCtx(t)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)

	a, err := c.NewSubscription("room:a", nil)
	if err != nil {
		t.Fatal(err)
	}
	gotA := make(chan string, 4)
	client.HandleTopic(a, "room_event", func(ctx context.Context, ev *strictRoomEvent) error {
		gotA <- ev.Payload.Body
		return nil
	})
	if err := a.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	gotB := make(chan client.Frame, 4)
	if _, err := c.Subscribe(ctx, "plain:b", &client.SubscribeOptions{OnPush: func(ctx context.Context, f client.Frame) error {
		gotB <- f
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	s.push("plain:b", "to b", false)
	s.push("room:a", "to a", false)
	s.push("room:zzz", "to nobody", false)
	if got := recv(t, gotA); got != "to a" {
		t.Errorf("room:a got %q", got)
	}
	f := recv(t, gotB)
	if f.Topic != "plain:b" || f.Seq != 1 || !f.HasSeq || f.Action != "room_event" || strings.Contains(string(f.Data), "topic") {
		t.Errorf("plain:b got %+v (%s)", f, f.Data)
	}
	if err := c.Send(ctx, "echo", "own"); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, own); got != "own" {
		t.Errorf("own handler got %q", got)
	}
}

// strictRoomEvent forbids extra members, as a generated type with
// additionalProperties: false does.
type strictRoomEvent struct {
	Action  string `json:"action"`
	Payload struct {
		Body string `json:"body"`
	} `json:"payload"`
}

func (e *strictRoomEvent) UnmarshalJSON(b []byte) error {
	type plain strictRoomEvent
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	return d.Decode((*plain)(e))
}

// TestTopicRefFallback: a server that does not echo refs (against
// PROTOCOL.md) still answers topic requests, matched by topic and name.
func TestTopicRefFallback(t *testing.T) {
	s := startTopicServer(t, func(s *topicServer) { s.noRefs = true })
	c := dialTopics(t, s, nil)
	ctx := testCtx(t)
	sub, err := c.Subscribe(ctx, "room:a", nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sub.Request(ctx, map[string]any{"action": "echo", "payload": "x"}, "echoed")
	if err != nil || string(f.Payload()) != `"x"` {
		t.Fatalf("Request = %s, %v", f.Data, err)
	}
	_, err = c.Subscribe(ctx, "private:x", nil)
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("subscribe private = %v, want ErrUnauthorized", err)
	}
}

// TestTopicStreamByRef: the frames carrying a stream's ref are its
// partials, until the final one.
func TestTopicStreamByRef(t *testing.T) {
	s := startTopicServer(t, func(s *topicServer) { s.welcome = true })
	c := dialTopics(t, s, nil)
	ctx := testCtx(t)
	sub, err := c.Subscribe(ctx, "room:a", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The test server answers echo with echoed then complete, both with
	// the ref: echoed is a partial, complete the final one.
	st, err := sub.RequestStream(ctx, map[string]any{"action": "echo", "payload": "interleave"}, []string{"echoed"}, "complete")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		f, final, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f.Action+" "+string(f.Payload()))
		if final {
			break
		}
	}
	if want := []string{`echoed "interleave"`, "complete null"}; !slices.Equal(got, want) {
		t.Errorf("stream = %q, want %q", got, want)
	}
}

// TestTopicResubscribeWithRecovery: a recovering subscription that loses
// its connection is subscribed again after the reconnect with its
// position; the pushes sent while it was away are replayed, then live
// ones follow, every seq once and in order. Subscriptions resubscribe in
// the order they were made, unsubscribed ones not at all, and refs count
// from "1" on the new connection.
func TestTopicResubscribeWithRecovery(t *testing.T) {
	s := startTopicServer(t, nil)
	c := dialTopics(t, s, &client.Options{Reconnect: &client.Reconnect{MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
	ctx := testCtx(t)
	<-s.conned
	log := newPushLog()
	sub, err := c.NewSubscription("room:r", &client.SubscribeOptions{Recover: true})
	if err != nil {
		t.Fatal(err)
	}
	log.handle(sub)
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	gone, err := c.Subscribe(ctx, "plain:gone", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Subscribe(ctx, "plain:second", nil); err != nil {
		t.Fatal(err)
	}
	if err := gone.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		recv(t, s.subsSeen)
	}
	for i := range 5 {
		s.push("room:r", fmt.Sprint("live ", i), false)
	}
	log.waitFor(t, 5)
	if p := sub.Position(); p != (client.Position{Epoch: "e1", Seq: 5}) {
		t.Fatalf("Position = %+v, want e1/5", p)
	}

	for round := range 3 {
		s.dropAll()
		base := int64(5 + round*10)
		for i := range 5 { // while the client is away (or about to notice)
			s.push("room:r", fmt.Sprint("missed ", round, i), false)
		}
		recv(t, s.conned)
		first := recv(t, s.subsSeen)
		want := fmt.Sprintf(`{"action":"subscribe","payload":{"epoch":"e1","recover":true,"seq":%d},"version":1,"topic":"room:r","ref":"1"}`, base)
		if first != want {
			t.Fatalf("resubscribe = %s, want %s", first, want)
		}
		if second := recv(t, s.subsSeen); second != `{"action":"subscribe","payload":null,"version":1,"topic":"plain:second","ref":"2"}` {
			t.Fatalf("second resubscribe = %s", second)
		}
		for i := range 5 {
			s.push("room:r", fmt.Sprint("live ", round, i), false)
		}
		log.waitFor(t, base+10)
	}
	if got, want := log.snapshot(), seqRange(1, 35); !slices.Equal(got, want) {
		t.Errorf("seqs = %v, want %v", got, want)
	}
	if n := sub.Duplicates(); n != 0 {
		t.Logf("duplicates dropped: %d", n)
	}
}

// TestTopicSeqGapResubscribes: a push whose seq skips one (lost in
// transit) is not delivered; the subscription resubscribes with its
// position, the server replays from there, and every seq arrives once,
// in order.
func TestTopicSeqGapResubscribes(t *testing.T) {
	s := startTopicServer(t, nil)
	c := dialTopics(t, s, nil)
	ctx := testCtx(t)
	log := newPushLog()
	sub, err := c.NewSubscription("room:g", &client.SubscribeOptions{Recover: true})
	if err != nil {
		t.Fatal(err)
	}
	log.handle(sub)
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, s.subsSeen)
	s.push("room:g", "1", false)
	s.push("room:g", "2", false)
	s.push("room:g", "3", true) // lost
	s.push("room:g", "4", false)
	if got := recv(t, s.subsSeen); got != `{"action":"subscribe","payload":{"epoch":"e1","recover":true,"seq":2},"version":1,"topic":"room:g","ref":"2"}` {
		t.Fatalf("resubscribe after the gap = %s", got)
	}
	log.waitFor(t, 4)
	s.push("room:g", "5", false)
	log.waitFor(t, 5)
	if got := log.snapshot(); !slices.Equal(got, seqRange(1, 5)) {
		t.Errorf("seqs = %v, want 1..5", got)
	}
	// Push 4 came live before the replay, as a gap: dropped, not
	// delivered, so the replay's 4 is no duplicate.
	if n := sub.Duplicates(); n != 0 {
		t.Errorf("Duplicates = %d", n)
	}
}

// TestTopicHistoryLost: a position the history no longer holds (trimmed,
// or another epoch) gets subscribed with recovered false and the
// history_lost frame, which reaches OnHistoryLost; live pushes follow
// from the new position.
func TestTopicHistoryLost(t *testing.T) {
	for _, tc := range []struct {
		name     string
		camelize bool
		lose     func(s *topicServer)
		want     client.HistoryLost
	}{
		{"trimmed", false, func(s *topicServer) {
			for range 5 {
				s.push("room:h", "away", true)
			}
			s.trim("room:h", 8)
		}, client.HistoryLost{Epoch: "e1", Seq: 8, Earliest: 8, FromEpoch: "e1", FromSeq: 3}},
		// A client with Camelize reads fromEpoch as from_epoch.
		{"trimmed camelized", true, func(s *topicServer) {
			for range 5 {
				s.push("room:h", "away", true)
			}
			s.trim("room:h", 8)
		}, client.HistoryLost{Epoch: "e1", Seq: 8, Earliest: 8, FromEpoch: "e1", FromSeq: 3}},
		{"new epoch", false, func(s *topicServer) {
			s.newEpoch()
			s.push("room:h", "new", true)
		}, client.HistoryLost{Epoch: "e2", Seq: 1, Earliest: 1, FromEpoch: "e1", FromSeq: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startTopicServer(t, nil)
			c := dialTopics(t, s, &client.Options{Camelize: tc.camelize, Reconnect: &client.Reconnect{MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
			ctx := testCtx(t)
			<-s.conned
			lost := make(chan client.HistoryLost, 1)
			log := newPushLog()
			sub, err := c.NewSubscription("room:h", &client.SubscribeOptions{Recover: true, OnHistoryLost: func(ctx context.Context, l client.HistoryLost) {
				lost <- l
			}})
			if err != nil {
				t.Fatal(err)
			}
			log.handle(sub)
			if err := sub.Subscribe(ctx); err != nil {
				t.Fatal(err)
			}
			recv(t, s.subsSeen)
			for range 3 {
				s.push("room:h", "before", false)
			}
			log.waitFor(t, 3)
			// The history is lost before the connection drops: a
			// reconnect quicker than the loss would recover instead.
			// The lost pushes reach no one while the client is on.
			tc.lose(s)
			s.dropAll()
			recv(t, s.conned)
			recv(t, s.subsSeen)
			if got := recv(t, lost); got != tc.want {
				t.Errorf("history_lost = %+v, want %+v", got, tc.want)
			}
			next := s.push("room:h", "after", false)
			log.waitFor(t, next)
			if got, want := log.snapshot(), []int64{1, 2, 3, next}; !slices.Equal(got, want) {
				t.Errorf("seqs = %v, want %v", got, want)
			}
			if p := sub.Position(); p != (client.Position{Epoch: tc.want.Epoch, Seq: next}) {
				t.Errorf("Position = %+v", p)
			}
		})
	}
}

// TestTopicRecoveryUnderDrops: pushes flow without pause while the
// connection is dropped again and again, at points set by how far the
// client got; after each reconnect the subscription resumes, and in the
// end it has every seq exactly once, in order.
func TestTopicRecoveryUnderDrops(t *testing.T) {
	const total, drops = 3000, 12
	s := startTopicServer(t, nil)
	c := dialTopics(t, s, &client.Options{Reconnect: &client.Reconnect{MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}})
	ctx := testCtx(t)
	log := newPushLog()
	sub, err := c.NewSubscription("room:stress", &client.SubscribeOptions{Recover: true})
	if err != nil {
		t.Fatal(err)
	}
	log.handle(sub)
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, s.subsSeen)
	for i := 1; i <= total; i++ {
		s.push("room:stress", fmt.Sprint(i), false)
		if i%(total/(drops+1)) == 0 && i/(total/(drops+1)) <= drops {
			// Drop the connection wherever the client is, once it
			// has resubscribed after the previous drop.
			s.dropAll()
			recv(t, s.subsSeen)
		}
	}
	log.waitFor(t, total)
	if got := log.snapshot(); !slices.Equal(got, seqRange(1, total)) {
		t.Errorf("got %d pushes, want 1..%d once each in order (first difference at %d)", len(got), total, firstDiff(got, seqRange(1, total)))
	}
	if n := len(s.subsSeen); n != 0 {
		t.Errorf("%d subscribes more than one per connection", n)
	}
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestTopicResubscribeRefused: a resubscribe after a reconnect that the
// server now refuses reaches SubscribeOptions.OnError as a *TopicError;
// the other subscriptions are resubscribed all the same.
func TestTopicResubscribeRefused(t *testing.T) {
	s := startTopicServer(t, nil)
	c := dialTopics(t, s, &client.Options{Reconnect: &client.Reconnect{MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
	ctx := testCtx(t)
	refused := make(chan error, 1)
	if _, err := c.Subscribe(ctx, "room:banned", &client.SubscribeOptions{OnError: func(ctx context.Context, err error) { refused <- err }}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Subscribe(ctx, "room:fine", nil); err != nil {
		t.Fatal(err)
	}
	recv(t, s.subsSeen)
	recv(t, s.subsSeen)
	s.mu.Lock()
	s.deny = "room:banned"
	s.mu.Unlock()
	s.dropAll()
	err := recv(t, refused)
	if !errors.Is(err, client.ErrUnauthorized) || !strings.Contains(err.Error(), `topic "room:banned": resubscribe`) {
		t.Errorf("OnError got %v, want the unauthorized topic error", err)
	}
	recv(t, s.subsSeen)
	if got := recv(t, s.subsSeen); !strings.Contains(got, `"topic":"room:fine","ref":"2"`) {
		t.Errorf("second resubscribe = %s", got)
	}
}

// TestTopicSeqBackResubscribes: a push whose seq goes back (the topic's
// history began a new epoch) makes the subscription resubscribe with its
// position; the server answers history_lost, and pushes continue from
// the new position.
func TestTopicSeqBackResubscribes(t *testing.T) {
	s := startTopicServer(t, nil)
	c := dialTopics(t, s, nil)
	ctx := testCtx(t)
	lost := make(chan client.HistoryLost, 1)
	log := newPushLog()
	sub, err := c.NewSubscription("room:b", &client.SubscribeOptions{Recover: true, OnHistoryLost: func(ctx context.Context, l client.HistoryLost) { lost <- l }})
	if err != nil {
		t.Fatal(err)
	}
	log.handle(sub)
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, s.subsSeen)
	for range 3 {
		s.push("room:b", "old", false)
	}
	log.waitFor(t, 3)
	s.newEpoch()
	s.push("room:b", "new 1", false) // seq 1 of epoch e2, to the live subscription
	if got := recv(t, s.subsSeen); got != `{"action":"subscribe","payload":{"epoch":"e1","recover":true,"seq":3},"version":1,"topic":"room:b","ref":"2"}` {
		t.Fatalf("resubscribe = %s", got)
	}
	if got, want := recv(t, lost), (client.HistoryLost{Epoch: "e2", Seq: 1, Earliest: 1, FromEpoch: "e1", FromSeq: 3}); got != want {
		t.Errorf("history_lost = %+v, want %+v", got, want)
	}
	s.push("room:b", "new 2", false)
	log.waitFor(t, 2)
	if got := log.snapshot(); !slices.Equal(got, []int64{1, 2, 3, 2}) {
		t.Errorf("seqs = %v, want 1 2 3 (e1) then 2 (e2)", got)
	}
}
