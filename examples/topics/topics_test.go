package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/layer"
)

// dial opens a WebSocket to path on the example server.
func dial(t *testing.T, ctx context.Context, base, path string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// exchange sends frame (when not "") and reads the next frame as JSON.
func exchange(t *testing.T, ctx context.Context, c *websocket.Conn, frame string) map[string]any {
	t.Helper()
	if frame != "" {
		if err := c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatal(err)
		}
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return v
}

func obj(s string) map[string]any {
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	return v
}

// TestTopicsExample drives the example over loopback with the frames of
// PROTOCOL.md's topics, written literally: the hub's own ping, subscribe
// answered with the ref, a refused subscribe (unauthorized), a topic
// request answered stamped with topic and ref, not_subscribed,
// unknown_topic, unsubscribe, and the dedicated route's unprompted
// subscribed.
func TestTopicsExample(t *testing.T) {
	srv, _, err := newServer(layer.NewMemory(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	hub := dial(t, ctx, hs.URL, "/ws/topics")
	steps := []struct{ send, want string }{
		{`{"action": "ping"}`, `{"action": "pong", "payload": null}`},
		{`{"action": "subscribe", "version": 1, "topic": "room:lobby", "ref": "1"}`, `{"action": "subscribed", "payload": null, "version": 1, "topic": "room:lobby", "ref": "1"}`},
		{`{"action": "room_chat", "payload": {"body": "hi"}, "version": 1, "topic": "room:lobby", "ref": "2"}`, `{"action": "room_event", "payload": {"body": "hi", "author": "anonymous"}, "version": 1, "topic": "room:lobby", "ref": "2"}`},
		{`{"action": "subscribe", "version": 1, "topic": "room:secret-x", "ref": "3"}`, `{"action": "error", "payload": {"reason": "unauthorized", "detail": "Not allowed to subscribe to 'room:secret-x'"}, "version": 1, "topic": "room:secret-x", "ref": "3"}`},
		{`{"action": "post_reply", "payload": "yes", "version": 1, "topic": "discussion:5", "ref": "4"}`, `{"action": "error", "payload": {"reason": "not_subscribed", "detail": "Not subscribed to 'discussion:5'"}, "version": 1, "topic": "discussion:5", "ref": "4"}`},
		{`{"action": "subscribe", "version": 1, "topic": "discussion:5", "ref": "5"}`, `{"action": "subscribed", "payload": null, "version": 1, "topic": "discussion:5", "ref": "5"}`},
		{`{"action": "post_reply", "payload": "yes", "version": 1, "topic": "discussion:5", "ref": "6"}`, `{"action": "reply_posted", "payload": "yes", "version": 1, "topic": "discussion:5", "ref": "6"}`},
		{`{"action": "subscribe", "version": 1, "topic": "nope:1", "ref": "7"}`, `{"action": "error", "payload": {"reason": "unknown_topic", "detail": "Unknown topic 'nope:1'"}, "version": 1, "topic": "nope:1", "ref": "7"}`},
		{`{"action": "unsubscribe", "version": 1, "topic": "room:lobby", "ref": "8"}`, `{"action": "unsubscribed", "payload": null, "version": 1, "topic": "room:lobby", "ref": "8"}`},
		{`{"action": "room_chat", "payload": {"body": "hi"}, "version": 1, "topic": "room:lobby", "ref": "9"}`, `{"action": "error", "payload": {"reason": "not_subscribed", "detail": "Not subscribed to 'room:lobby'"}, "version": 1, "topic": "room:lobby", "ref": "9"}`},
	}
	for _, s := range steps {
		if diff := cmp.Diff(obj(s.want), exchange(t, ctx, hub, s.send)); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", s.send, diff)
		}
	}

	room := dial(t, ctx, hs.URL, "/ws/topics/room/lobby")
	for _, s := range []struct{ send, want string }{
		{"", `{"action": "subscribed", "payload": null, "version": 1, "topic": "room:lobby"}`},
		{`{"action": "room_chat", "payload": {"body": "hey"}, "ref": "1"}`, `{"action": "room_event", "payload": {"body": "hey", "author": "anonymous"}, "version": 1, "topic": "room:lobby", "ref": "1"}`},
	} {
		if diff := cmp.Diff(obj(s.want), exchange(t, ctx, room, s.send)); diff != "" {
			t.Errorf("dedicated route, after %q (-want +got):\n%s", s.send, diff)
		}
	}
}

// TestRun: what go run ./examples/topics does, on a free port: it says
// where it listens, serves the hub there and stops when ctx ends.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", "", pw) }()
	buf := make([]byte, 256)
	n, err := pr.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(buf[:n]))
	url, ok := strings.CutPrefix(line, "topics: listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	c, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := exchange(t, dctx, c, `{"action": "subscribe", "version": 1, "topic": "room:lobby", "ref": "1"}`)
	if got["action"] != "subscribed" || got["ref"] != "1" {
		t.Errorf("got %v, want subscribed with ref 1", got)
	}
	c.CloseNow()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
