package topicpeer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/topicpeer"
	"github.com/chanxgo/chanx/runtime/client"
)

// TestChanxClientAgainstLiteralServer is the second interop test:
// chanx's Go client against server.js, which implements the topic frames
// literally and owes nothing to chanx. The client subscribes, is refused
// and told of unknown topics, requests with a ref and gets the reply by
// it, receives pushes with seq, and unsubscribes; a request on a topic it
// is not subscribed to gets not_subscribed.
func TestChanxClientAgainstLiteralServer(t *testing.T) {
	base := topicpeer.StartServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, base+"/ws/topics", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()

	_, err = c.Subscribe(ctx, "private:secret", nil)
	var te *client.TopicError
	if !errors.Is(err, client.ErrUnauthorized) || !errors.As(err, &te) || te.Detail != "Not allowed to subscribe to 'private:secret'" || te.Topic != "private:secret" {
		t.Fatalf("subscribe to private:secret: %v, want the unauthorized topic error with its detail", err)
	}
	_, err = c.Subscribe(ctx, "nowhere:1", nil)
	if !errors.Is(err, client.ErrUnknownTopic) || !errors.As(err, &te) || te.Detail != "Unknown topic 'nowhere:1'" {
		t.Fatalf("subscribe to nowhere:1: %v, want the unknown_topic topic error with its detail", err)
	}

	sub, err := c.NewSubscription("room:lobby", nil)
	if err != nil {
		t.Fatal(err)
	}
	pushes := make(chan client.Frame, 8)
	sub.HandleFrame("room_event", func(ctx context.Context, f client.Frame) error {
		pushes <- f
		return nil
	})
	if err := sub.Subscribe(ctx); err != nil {
		t.Fatalf("subscribe to room:lobby: %v", err)
	}

	reply, err := client.RequestTopicAs[textMessage](ctx, sub, textMessage{Action: "echo", Payload: textPayload{Text: "hello"}}, "echo_reply")
	if err != nil {
		t.Fatalf("echo request: %v", err)
	}
	if reply.Action != "echo_reply" || reply.Payload.Text != "hello" {
		t.Fatalf("echo reply %+v, want echo_reply hello", reply)
	}

	for i, text := range []string{"one", "two"} {
		if err := sub.Send(ctx, "shout", textPayload{Text: text}); err != nil {
			t.Fatal(err)
		}
		var f client.Frame
		select {
		case f = <-pushes:
		case <-ctx.Done():
			t.Fatalf("no room_event push after shout %q", text)
		}
		var ev roomEvent
		if err := f.Decode(&ev); err != nil {
			t.Fatal(err)
		}
		if f.Topic != "room:lobby" || !f.HasSeq || f.Seq != int64(i+1) || f.Ref != "" || ev.Payload.Body != text || ev.Payload.Author != "anonymous" {
			t.Fatalf("push %d: %+v (%s), want room_event %q on room:lobby with seq %d and no ref", i, f, f.Data, text, i+1)
		}
	}

	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	other, err := c.NewSubscription("room:elsewhere", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Request(ctx, textMessage{Action: "echo", Payload: textPayload{Text: "x"}}, "echo_reply")
	if !errors.Is(err, client.ErrNotSubscribed) || !errors.As(err, &te) || te.Detail != "Not subscribed to 'room:elsewhere'" {
		t.Fatalf("request on room:elsewhere unsubscribed: %v, want the not_subscribed topic error", err)
	}
	// The hub's own messages still work beside the topics: a ping
	// without topic is answered pong, without envelope keys.
	pong, err := c.Request(ctx, map[string]any{"action": "ping", "payload": nil}, "pong")
	if err != nil || pong.Topic != "" || pong.Ref != "" {
		t.Fatalf("ping on the hub: %+v, %v; want pong without topic or ref", pong, err)
	}
}
