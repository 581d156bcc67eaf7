package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/server"
)

var errSeats = errors.New("seats: 12 of 12 taken")

// ExampleNewError answers a frame with a code the client can act on and a
// message it can show; the wrapped cause stays in the server's logs.
func ExampleNewError() {
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ch, err := srv.Channel("/ws/rooms", server.ChannelOptions{})
	if err != nil {
		panic(err)
	}
	server.HandleNoReply(ch, "join", func(ctx context.Context, c *server.Conn, _ *struct{}) error {
		return server.WrapError("room_full", "The room is full", errSeats)
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws/rooms", nil)
	if err != nil {
		panic(err)
	}
	defer ws.CloseNow()
	_ = ws.Write(ctx, websocket.MessageText, []byte(`{"action":"join","payload":null}`))
	_, frame, _ := ws.Read(ctx)
	fmt.Println(string(frame))
	// Output: {"action":"error","payload":{"detail":"The room is full","code":"room_full"}}
}
