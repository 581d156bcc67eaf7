package client_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
)

// RoomEvent is a topic's push as a generated client declares it; the
// envelope keys (version, topic, seq) are removed before decoding, so a
// type that forbids extra members accepts it.
type RoomEvent struct {
	Action  string `json:"action"`
	Payload struct {
		Body string `json:"body"`
	} `json:"payload"`
}

// A generated client wraps these calls per x-topic channel: NewSubscription
// with the topic's name filled from its pattern, HandleTopic per push
// message, Subscribe, Request/RequestTopicAs per topic request, Unsubscribe.
func ExampleSubscription() {
	srv := newTopicServer(nil)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	c, err := client.Dial(ctx, srv.url(), &client.Options{Reconnect: &client.Reconnect{}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(ctx)

	// Register, then add handlers, then subscribe: no push comes before
	// its handler. Recover resumes after a reconnect without gaps.
	sub, err := c.NewSubscription("room:lobby", &client.SubscribeOptions{
		Recover: true,
		OnHistoryLost: func(ctx context.Context, lost client.HistoryLost) {
			fmt.Println("history lost; refetch from", lost.Epoch, lost.Seq)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	got := make(chan string, 1)
	client.HandleTopic(sub, "room_event", func(ctx context.Context, ev *RoomEvent) error {
		got <- ev.Payload.Body
		return nil
	})
	if err := sub.Subscribe(ctx); err != nil {
		fmt.Println(err)
		return
	}

	srv.push("room:lobby", "hello", false)
	fmt.Println("push:", <-got, "at", sub.Position().Seq)

	// A topic request carries a ref; its reply is the frame with that ref.
	reply, err := sub.Request(ctx, map[string]any{"action": "echo", "payload": "hi"}, "echoed")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("reply:", string(reply.Payload()), "ref", reply.Ref)

	// Topic errors are *client.TopicError, matched by reason.
	_, err = c.Subscribe(ctx, "private:secret", nil)
	var te *client.TopicError
	if errors.As(err, &te) {
		fmt.Println(te.Reason, "-", te.Detail, errors.Is(err, client.ErrUnauthorized))
	}

	if err := sub.Unsubscribe(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// push: hello at 1
	// reply: "hi" ref 2
	// unauthorized - Not allowed to subscribe to 'private:secret' true
}
