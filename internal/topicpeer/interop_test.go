package topicpeer_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/internal/topicpeer"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

type textPayload struct {
	Text string `json:"text"`
}

type textMessage struct {
	Action  string      `json:"action"`
	Payload textPayload `json:"payload"`
}

// Validate holds the text to the document's 1 to 200 characters, as a
// generated validator would.
func (m *textMessage) Validate() error {
	if n := utf8.RuneCountInString(m.Payload.Text); n < 1 || n > 200 {
		return errors.New("text must have 1 to 200 characters")
	}
	return nil
}

// pingMessage is the hub's declared ping: its payload must be null, as the
// document's PingMessage says (the built-in ping ignores the payload).
type pingMessage struct {
	Action  string          `json:"action"`
	Payload json.RawMessage `json:"payload"`
}

func (m *pingMessage) Validate() error {
	if len(m.Payload) > 0 && string(m.Payload) != "null" {
		return errors.New("payload must be null")
	}
	return nil
}

type pongMessage struct {
	Action  string `json:"action"`
	Payload any    `json:"payload"`
}

type roomEventPayload struct {
	Body   string `json:"body"`
	Author string `json:"author"`
}

type roomEvent struct {
	Action  string           `json:"action"`
	Payload roomEventPayload `json:"payload"`
}

// chanxTopicServer serves asyncapi.yaml with chanx's Go server runtime:
// the hub /ws/topics with RoomTopic (room:{room}: echo, shout pushing
// room_event with the seq its history assigns) and PrivateTopic
// (private:{id}, refused), and RoomTopic on /ws/topics/room/{room}.
func chanxTopicServer(t *testing.T) string {
	t.Helper()
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	hub, err := srv.Channel("/ws/topics", server.ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ded, err := srv.Channel("/ws/topics/room/{room}", server.ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	server.Handle(hub, "ping", func(ctx context.Context, c *server.Conn, m *pingMessage) (*pongMessage, error) {
		return &pongMessage{Action: "pong"}, nil
	})
	keep := &layer.Retention{Count: 100}
	for _, ch := range []struct {
		c         *server.Channel
		dedicated bool
	}{{hub, false}, {ded, true}} {
		room, err := ch.c.Topic(server.TopicOptions{Name: "RoomTopic", Pattern: "room:{room}", Dedicated: ch.dedicated, History: keep})
		if err != nil {
			t.Fatal(err)
		}
		server.HandleTopic(room, "echo", func(ctx context.Context, s *server.Subscription, m *textMessage) (*textMessage, error) {
			return &textMessage{Action: "echo_reply", Payload: m.Payload}, nil
		})
		server.HandleTopicNoReply(room, "shout", func(ctx context.Context, s *server.Subscription, m *textMessage) error {
			_, err := room.Push(ctx, s.Topic(), &roomEvent{Action: "room_event", Payload: roomEventPayload{Body: m.Payload.Text, Author: "anonymous"}})
			return err
		})
	}
	private, err := hub.Topic(server.TopicOptions{
		Name:    "PrivateTopic",
		Pattern: "private:{id}",
		Authorize: func(ctx context.Context, c *server.Conn, params map[string]string) (bool, error) {
			return false, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	server.HandleTopic(private, "read", func(ctx context.Context, s *server.Subscription, m *struct{}) (*struct{}, error) {
		return &struct{}{}, nil
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

// TestChanxServerServesLiteralClient is the first interop test:
// chanx's Go server serves the literal client of client.js, which checks
// every frame of subscribe, topic errors, requests by ref, pushes with
// seq, unsubscribe and the dedicated route as PROTOCOL.md writes them.
func TestChanxServerServesLiteralClient(t *testing.T) {
	base := chanxTopicServer(t)
	out, err := topicpeer.RunClient(t, base)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("client output: %q", out)
	}
}

// TestConformanceAgainstChanxServer runs chanx conformance with the
// document against chanx's own Go server serving it, the same checks the
// Node server passes in conformance's TestTopicPeerPasses.
func TestConformanceAgainstChanxServer(t *testing.T) {
	ctx := context.Background()
	doc, err := spec.Load(ctx, topicpeer.Document(), spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	api, diags := analyze.Build(ctx, doc)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	base := chanxTopicServer(t)
	rep, err := conformance.Check(t.Context(), api, base, conformance.WithSeed(13), conformance.WithTimeout(5*time.Second), conformance.WithQuiet(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatalf("chanx's server failed the topic document:\n%s", b.String())
	}
}
