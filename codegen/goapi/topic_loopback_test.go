package goapi

import (
	"path/filepath"
	"testing"
)

// addTopicLoopback adds to files the server and client packages of
// testdata/topics.yaml and a test (topicLoopbackTest) that drives one with
// the other over a loopback socket on the memory layer: subscribe with the
// typed subscription, a subscribe its Authorize refuses (unauthorized),
// pushes with their seq, a request answered by ref while a push of the
// reply's type goes out first, unsubscribe, not_subscribed and
// unknown_topic.
func addTopicLoopback(t *testing.T, files map[string][]byte) {
	t.Helper()
	api := load(t, filepath.Join("testdata", "topics.yaml"))
	addSides(t, files, api, "topics.yaml", "loop", "topicsapi", "topicsclient")
	files["loop/topic_test.go"] = []byte(topicLoopbackTest)
}

const topicLoopbackTest = `package loop

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"

	"chanxgen.test/loop/topicsapi"
	"chanxgen.test/loop/topicsclient"
)

// room refuses rooms named "secret-…", greets each subscriber, and
// answers room_chat with a push of the same type to the whole room first,
// then the reply.
type room struct {
	topicsapi.UnimplementedRoomTopicHandler
	push    *topicsapi.RoomTopic
	subs    chan string
	unsubs  chan string
}

func (r *room) Authorize(ctx context.Context, c *server.Conn, p topicsapi.RoomTopicParams) (bool, error) {
	return !strings.HasPrefix(p.RoomName, "secret-"), nil
}

func (r *room) OnSubscribe(ctx context.Context, s topicsapi.RoomTopicSubscription) error {
	r.subs <- s.Topic()
	return s.SendRoomEvent(ctx, &topicsapi.RoomEventMessage{Payload: topicsapi.RoomEventMessagePayload{Body: "welcome to " + s.Params().RoomName, Author: "server"}})
}

func (r *room) OnUnsubscribe(ctx context.Context, s topicsapi.RoomTopicSubscription) {
	r.unsubs <- s.Topic()
}

func (r *room) HandleRoomChat(ctx context.Context, s topicsapi.RoomTopicSubscription, m *topicsapi.RoomChatMessage) (*topicsapi.RoomEventMessage, error) {
	if _, err := r.push.PushRoomEvent(ctx, s.Params(), &topicsapi.RoomEventMessage{Payload: topicsapi.RoomEventMessagePayload{Body: "push:" + m.Payload.Body, Author: "server"}}); err != nil {
		return nil, err
	}
	return &topicsapi.RoomEventMessage{Payload: topicsapi.RoomEventMessagePayload{Body: "reply:" + m.Payload.Body, Author: "you"}}, nil
}

type discussion struct {
	topicsapi.UnimplementedDiscussionTopicHandler
}

func (discussion) HandlePostReply(ctx context.Context, s topicsapi.DiscussionTopicSubscription, m *topicsapi.PostReplyMessage) (*topicsapi.ReplyPostedMessage, error) {
	return &topicsapi.ReplyPostedMessage{Payload: s.Params().ID + ":" + m.Payload}, nil
}

type got struct {
	body string
	seq  int64
}

func TestGeneratedTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := server.New(server.Options{Layer: layer.NewMemory()})
	if _, err := topicsapi.MountTopicHub(srv, topicsapi.UnimplementedTopicHubHandler{}, server.ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	r := &room{subs: make(chan string, 4), unsubs: make(chan string, 4)}
	push, err := topicsapi.MountRoomTopic(srv, r, server.ChannelOptions{}, server.TopicOptions{History: &layer.Retention{Count: 100}})
	if err != nil {
		t.Fatal(err)
	}
	r.push = push
	if len(push.Topics) != 2 {
		t.Fatalf("room topic declared on %d routes, want 2 (hub, dedicated)", len(push.Topics))
	}
	if _, err := topicsapi.MountDiscussionTopic(srv, discussion{}, server.ChannelOptions{}, server.TopicOptions{}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	c, err := topicsclient.NewTopicHubClient("ws"+strings.TrimPrefix(hs.URL, "http"), topicsclient.TopicHubParams{}, topicsclient.TopicHubHandlers{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if pong, err := c.RequestPing(ctx, &topicsclient.PingMessage{}); err != nil || pong == nil {
		t.Fatalf("the hub's own ping: %v %v", pong, err)
	}

	// Subscribe: handlers first, then subscribed, then the welcome.
	lobby := topicsclient.RoomTopicParams{RoomName: "lobby"}
	sub, err := topicsclient.NewRoomTopicSubscription(c.Client, lobby, &client.SubscribeOptions{Recover: true})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan got, 16)
	sub.OnRoomEvent(func(ctx context.Context, m *topicsclient.RoomEventMessage) error {
		events <- got{m.Payload.Body, sub.Position().Seq}
		return nil
	})
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if topic := <-r.subs; topic != "room:lobby" {
		t.Fatalf("OnSubscribe got topic %q", topic)
	}
	next := func() got {
		t.Helper()
		select {
		case g := <-events:
			return g
		case <-ctx.Done():
			t.Fatal("no room_event pushed")
		}
		return got{}
	}
	if g := next(); g.body != "welcome to lobby" {
		t.Fatalf("first push %+v, want the welcome", g)
	}

	// Push with seq: the history numbers the topic's pushes from 1.
	seq, err := push.PushRoomEvent(ctx, topicsapi.RoomTopicParams{RoomName: lobby.RoomName}, &topicsapi.RoomEventMessage{Payload: topicsapi.RoomEventMessagePayload{Body: "news", Author: "server"}})
	if err != nil || seq != 1 {
		t.Fatalf("PushRoomEvent: seq %d, %v; want seq 1", seq, err)
	}
	if g := next(); g != (got{"news", 1}) {
		t.Fatalf("push %+v, want news with seq 1", g)
	}

	// Request/reply by ref: the push of the reply's type goes out first
	// and reaches the handler; the reply is the frame with the ref.
	reply, err := sub.RequestRoomChat(ctx, &topicsclient.RoomChatMessage{Payload: topicsclient.RoomChatMessagePayload{Body: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Payload.Body != "reply:hi" {
		t.Fatalf("reply %q, want reply:hi (not the push)", reply.Payload.Body)
	}
	if g := next(); g != (got{"push:hi", 2}) {
		t.Fatalf("push %+v, want push:hi with seq 2", g)
	}

	// A second topic on the same connection.
	disc, err := topicsclient.SubscribeDiscussionTopic(ctx, c.Client, topicsclient.DiscussionTopicParams{ID: "42"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rp, err := disc.RequestPostReply(ctx, &topicsclient.PostReplyMessage{Payload: "yes"}); err != nil || rp.Payload != "42:yes" {
		t.Fatalf("RequestPostReply: %v %v", rp, err)
	}

	// Authorize refuses: topic error unauthorized, nothing subscribed.
	if _, err := topicsclient.SubscribeRoomTopic(ctx, c.Client, topicsclient.RoomTopicParams{RoomName: "secret-x"}, nil); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("subscribe to a secret room: %v, want unauthorized", err)
	}

	// unknown_topic: no pattern matches.
	if _, err := c.Subscribe(ctx, "nothing:1", nil); !errors.Is(err, client.ErrUnknownTopic) {
		t.Fatalf("subscribe to nothing:1: %v, want unknown_topic", err)
	}

	// Unsubscribe, then a request to the topic is not_subscribed.
	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if topic := <-r.unsubs; topic != "room:lobby" {
		t.Fatalf("OnUnsubscribe got topic %q", topic)
	}
	if _, err := sub.RequestRoomChat(ctx, &topicsclient.RoomChatMessage{Payload: topicsclient.RoomChatMessagePayload{Body: "late"}}); !errors.Is(err, client.ErrNotSubscribed) {
		t.Fatalf("request after unsubscribe: %v, want not_subscribed", err)
	}
}
`
