package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/examples/topics/topicsapi"
	"github.com/chanxgo/chanx/examples/topics/topicsclient"
	"github.com/chanxgo/chanx/examples/topics/topicstypes"
	"github.com/chanxgo/chanx/internal/examplegen"
	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

func loadAPI(t *testing.T) *ir.API { return examplegen.LoadAPI(t) }

// TestGeneratedPackagesAreCurrent regenerates topicstypes, topicsapi and
// topicsclient as the //go:generate lines in main.go do and fails when the
// committed files differ: run go generate ./examples/topics after changing
// the document or chanx's generator.
func TestGeneratedPackagesAreCurrent(t *testing.T) {
	examplegen.CheckCurrent(t, loadAPI(t), examplegen.Packages{
		Example: "github.com/chanxgo/chanx/examples/topics",
		Types:   "topicstypes", Server: "topicsapi", Client: "topicsclient",
	})
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serve serves the example on l and returns its ws:// base URL and the
// room topic's pusher.
func serve(t *testing.T, l layer.Layer) (string, *topicsapi.RoomTopic) {
	t.Helper()
	srv, rooms, err := newServer(l, quiet())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http"), rooms
}

// hubClient connects the generated hub client to base.
func hubClient(t *testing.T, ctx context.Context, base string) *topicsclient.TopicHubClient {
	t.Helper()
	c, err := topicsclient.NewTopicHubClient(base, topicsclient.TopicHubParams{}, topicsclient.TopicHubHandlers{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

type event struct {
	body string
	seq  int64
}

// roomEvents subscribes to room on c, recording each room_event pushed
// with the subscription's position once it arrived.
func roomEvents(t *testing.T, ctx context.Context, c *client.Client, room string) (*topicsclient.RoomTopicSubscription, func() event) {
	t.Helper()
	sub, err := topicsclient.NewRoomTopicSubscription(c, topicsclient.RoomTopicParams{RoomName: room}, &client.SubscribeOptions{Recover: true})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan event, 64)
	sub.OnRoomEvent(func(ctx context.Context, m *topicstypes.RoomEventMessage) error {
		events <- event{m.Payload.Body, sub.Position().Seq}
		return nil
	})
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	return sub, func() event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-ctx.Done():
			t.Fatal("no room_event pushed")
		}
		return event{}
	}
}

func push(t *testing.T, ctx context.Context, rooms *topicsapi.RoomTopic, room, body string) uint64 {
	t.Helper()
	seq, err := rooms.PushRoomEvent(ctx, topicsapi.RoomTopicParams{RoomName: room}, &topicstypes.RoomEventMessage{Payload: topicstypes.RoomEventMessagePayload{Body: body, Author: "server"}})
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// TestGeneratedClient drives the example with the generated client on the
// memory layer: subscribe, a refused subscribe (unauthorized), pushes with
// their seq, a request answered by ref while a push of the reply's type
// reaches the push handler, unsubscribe, not_subscribed, unknown_topic.
func TestGeneratedClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base, rooms := serve(t, layer.NewMemory())
	c := hubClient(t, ctx, base)
	exerciseTopics(t, ctx, c.Client, rooms, rooms)
	exerciseDedicated(t, ctx, base, rooms)
}

// TestGeneratedClientRedis is TestGeneratedClient with two servers on one
// Redis: the client is on one, the pushes come from the other's pusher.
func TestGeneratedClientRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("runs redis-server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rs := testredis.Start(t)
	var bases []string
	var pushers []*topicsapi.RoomTopic
	for range 2 {
		l, err := redislayer.New(ctx, rs.URL(), redislayer.Options{KeyPrefix: "topics-example", Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		base, rooms := serve(t, l)
		bases, pushers = append(bases, base), append(pushers, rooms)
	}
	c := hubClient(t, ctx, bases[0])
	exerciseTopics(t, ctx, c.Client, pushers[0], pushers[1])
	exerciseDedicated(t, ctx, bases[1], pushers[0])
}

// exerciseDedicated connects the generated dedicated-route client of the
// room topic to base: pushed through rooms (on that server or another on
// the layer), the room_event reaches its handler; a request is answered by
// ref.
func exerciseDedicated(t *testing.T, ctx context.Context, base string, rooms *topicsapi.RoomTopic) {
	t.Helper()
	c, sub, err := topicsclient.NewRoomTopicDedicated(base, topicsclient.RoomTopicParams{RoomName: "side"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan string, 4)
	sub.OnRoomEvent(func(ctx context.Context, m *topicstypes.RoomEventMessage) error {
		events <- m.Payload.Body
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	push(t, ctx, rooms, "side", "on the side")
	select {
	case b := <-events:
		if b != "on the side" {
			t.Fatalf("dedicated route got %q", b)
		}
	case <-ctx.Done():
		t.Fatal("the dedicated route got no push")
	}
	reply, err := sub.RequestRoomChat(ctx, &topicstypes.RoomChatMessage{Payload: topicstypes.RoomChatMessagePayload{Body: "hey"}})
	if err != nil || reply.Payload.Body != "hey" {
		t.Fatalf("dedicated request: %v %v", reply, err)
	}
}

// exerciseTopics runs the topic steps on c; pushes go through other, the
// pusher of the server c is connected to or of another one on the layer.
func exerciseTopics(t *testing.T, ctx context.Context, c *client.Client, own, other *topicsapi.RoomTopic) {
	sub, next := roomEvents(t, ctx, c, "lobby")
	for i, body := range []string{"one", "two"} {
		seq := push(t, ctx, other, "lobby", body)
		if seq != uint64(i+1) {
			t.Fatalf("push %q got seq %d, want %d", body, seq, i+1)
		}
		if e := next(); e != (event{body, int64(seq)}) {
			t.Fatalf("pushed %q seq %d, got %+v", body, seq, e)
		}
	}

	// The reply is the frame with the request's ref, not the push of the
	// same type pushed just before; the push reaches the handler.
	seq := push(t, ctx, own, "lobby", "interleaved")
	reply, err := sub.RequestRoomChat(ctx, &topicstypes.RoomChatMessage{Payload: topicstypes.RoomChatMessagePayload{Body: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Payload.Body != "hi" || reply.Payload.Author != "anonymous" {
		t.Fatalf("reply %+v, want the echo of hi", reply.Payload)
	}
	if e := next(); e != (event{"interleaved", int64(seq)}) {
		t.Fatalf("got %+v, want the interleaved push with seq %d", e, seq)
	}

	disc, err := topicsclient.SubscribeDiscussionTopic(ctx, c, topicsclient.DiscussionTopicParams{ID: "5"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rp, err := disc.RequestPostReply(ctx, &topicstypes.PostReplyMessage{Payload: "yes"}); err != nil || rp.Payload != "yes" {
		t.Fatalf("RequestPostReply: %v %v", rp, err)
	}

	if _, err := topicsclient.SubscribeRoomTopic(ctx, c, topicsclient.RoomTopicParams{RoomName: "secret-x"}, nil); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("subscribe to a secret room: %v, want unauthorized", err)
	}
	if _, err := c.Subscribe(ctx, "nope:1", nil); !errors.Is(err, client.ErrUnknownTopic) {
		t.Fatalf("subscribe to nope:1: %v, want unknown_topic", err)
	}
	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.RequestRoomChat(ctx, &topicstypes.RoomChatMessage{Payload: topicstypes.RoomChatMessagePayload{Body: "late"}}); !errors.Is(err, client.ErrNotSubscribed) {
		t.Fatalf("request after unsubscribe: %v, want not_subscribed", err)
	}
}

// TestConformance runs chanx conformance, topic checks included, against
// the example.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the conformance suite")
	}
	base, _ := serve(t, layer.NewMemory())
	rep, err := conformance.Check(t.Context(), loadAPI(t), strings.Replace(base, "ws://", "http://", 1), conformance.WithSeed(13), conformance.WithTimeout(5*time.Second), conformance.WithQuiet(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatalf("the example failed conformance:\n%s", b.String())
	}
}
