package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"
)

// RoomPost is a topic message a generated package would declare.
type RoomPost struct {
	Action  string `json:"action"`
	Payload string `json:"payload"`
}

// ExampleChannel_Topic serves Python Chanx-style topics on a hub: a client
// subscribes to room:lobby, posts to it by ref, and receives a push with
// the seq the topic's history gave it.
func ExampleChannel_Topic() {
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hub, err := srv.Channel("/ws/topics", server.ChannelOptions{})
	if err != nil {
		panic(err)
	}
	room, err := hub.Topic(server.TopicOptions{
		Name:    "RoomTopic",
		Pattern: "room:{id}",
		Authorize: func(ctx context.Context, c *server.Conn, params map[string]string) (bool, error) {
			return params["id"] != "private", nil
		},
		History: &layer.Retention{Count: 100},
	})
	if err != nil {
		panic(err)
	}
	server.HandleTopic(room, "post", func(ctx context.Context, s *server.Subscription, m *RoomPost) (*RoomPost, error) {
		return &RoomPost{Action: "posted", Payload: s.Param("id") + ": " + m.Payload}, nil
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws/topics", nil)
	if err != nil {
		panic(err)
	}
	defer ws.CloseNow()
	roundTrip := func(frame string) {
		ws.Write(ctx, websocket.MessageText, []byte(frame))
		_, b, _ := ws.Read(ctx)
		fmt.Println(string(b))
	}
	roundTrip(`{"action":"subscribe","topic":"room:lobby","ref":"1"}`)
	roundTrip(`{"action":"post","payload":"hello","topic":"room:lobby","ref":"2"}`)
	roundTrip(`{"action":"subscribe","topic":"room:private","ref":"3"}`)
	if _, err := room.Push(ctx, "room:lobby", []byte(`{"action":"room_event","payload":"news"}`)); err != nil {
		panic(err)
	}
	_, push, _ := ws.Read(ctx)
	fmt.Println(string(push))
	// Output:
	// {"action":"subscribed","payload":null,"version":1,"topic":"room:lobby","ref":"1"}
	// {"action":"posted","payload":"lobby: hello","version":1,"topic":"room:lobby","ref":"2"}
	// {"action":"error","payload":{"reason":"unauthorized","detail":"Not allowed to subscribe to 'room:private'"},"version":1,"topic":"room:private","ref":"3"}
	// {"action":"room_event","payload":"news","version":1,"topic":"room:lobby","seq":1}
}
