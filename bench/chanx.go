package main

import (
	"context"
	"io"
	"log/slog"
	"net"

	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
	"github.com/chanxgo/chanx/runtime/server"
)

// benchChat implements the handler chanx generated for the chat example
// (examples/chat/chatapi), as examples/chat/main.go does, so the peer pays
// what a generated chanx server pays: routing, generated decode and
// validation, typed broadcast.
type benchChat struct {
	chatapi.UnimplementedChatHandler
}

func (benchChat) HandlePing(ctx context.Context, c chatapi.ChatConn, _ *chatapi.PingMessage) (*chatapi.PongMessage, error) {
	return &chatapi.PongMessage{}, nil
}

func (benchChat) HandleNewChatMessage(ctx context.Context, c chatapi.ChatConn, m *chatapi.NewChatMessage) error {
	return c.BroadcastNewChatMessage(ctx, "room."+c.Params().Room, m, server.ExcludeSelf)
}

// serveChanx is the generated chat server on the chanx runtime, with the
// in-memory layer, or Redis with -redis.
func serveChanx(addr, redisURL string, ready func(net.Addr)) error {
	var l layer.Layer = layer.NewMemory()
	if redisURL != "" {
		rl, err := redislayer.New(context.Background(), redisURL, redislayer.Options{})
		if err != nil {
			return err
		}
		l = rl
	}
	defer l.Close()
	srv := server.New(server.Options{Layer: l, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	_, err := chatapi.MountChat(srv, benchChat{}, server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			return c.Join(ctx, "room."+chatapi.ChatConn{Conn: c}.Params().Room)
		},
	})
	if err != nil {
		return err
	}
	return listenAndServe(addr, srv, ready)
}
