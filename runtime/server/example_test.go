package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/server"
)

// NewChatMessage is the frame a generated package would declare.
type NewChatMessage struct {
	Action  string `json:"action"`
	Payload struct {
		Message string `json:"message"`
		Name    string `json:"name"`
	} `json:"payload"`
}

// Example mounts a chat channel whose members join the room named in the
// path, and broadcasts each message to the rest of the room.
func Example() {
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	chat, err := srv.Channel("/ws/chat/{room}", server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			return c.Join(ctx, "room."+c.Param("room"))
		},
	})
	if err != nil {
		panic(err)
	}
	server.HandleNoReply(chat, "new_chat_message", func(ctx context.Context, c *server.Conn, msg *NewChatMessage) error {
		return c.Broadcast(ctx, "room."+c.Param("room"), msg, server.ExcludeSelf)
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws/chat/lobby"
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		panic(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte(`{"action":"ping","payload":null}`))
	_, pong, _ := ws.Read(ctx)
	fmt.Println(string(pong))
	ws.Write(ctx, websocket.MessageText, []byte(`{"action":"dance"}`))
	_, problem, _ := ws.Read(ctx)
	fmt.Println(string(problem))
	// Output:
	// {"action":"pong","payload":null}
	// {"action":"error","payload":[{"type":"union_tag_invalid","loc":[],"msg":"Input tag 'dance' found using 'action' does not match any of the expected tags: 'new_chat_message', 'ping'"}]}
}

// ExamplePublish sends a server event to a group from code that holds only
// the layer, such as an HTTP handler or a worker.
func ExamplePublish() {
	srv := server.New(server.Options{})
	defer srv.Shutdown(context.Background())
	err := server.Publish(context.Background(), srv.Layer(), "room.lobby",
		map[string]any{"action": "announcement", "payload": "maintenance at noon"})
	fmt.Println(err)
	// Output: <nil>
}
