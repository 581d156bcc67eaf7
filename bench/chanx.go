package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"unicode/utf8"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/runtime/wire"
)

// chanxChatMessage is the chat frame with the checks a generated validator
// makes (lengths in runes), so the peer pays what a real chanx server pays.
type chanxChatMessage struct {
	Action  string `json:"action"`
	Payload struct {
		Message string `json:"message"`
		Name    string `json:"name"`
	} `json:"payload"`
}

func (m *chanxChatMessage) Validate() error {
	var problems []wire.Problem
	check := func(field, v string, max int) {
		if n := utf8.RuneCountInString(v); n < 1 || n > max {
			problems = append(problems, wire.Problem{Type: "string_length", Loc: []any{"payload", field}, Msg: "length out of range"})
		}
	}
	check("message", m.Payload.Message, 2000)
	check("name", m.Payload.Name, 100)
	if problems != nil {
		return &wire.ValidationError{Problems: problems}
	}
	return nil
}

// serveChanx is the chat protocol on the chanx runtime: ping is the
// built-in pong, new_chat_message goes to the rest of the room through the
// layer (in-memory, or Redis with -redis).
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
	chat, err := srv.Channel("/ws/chat/{room}", server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			return c.Join(ctx, "room."+c.Param("room"))
		},
	})
	if err != nil {
		return err
	}
	server.HandleNoReply(chat, "new_chat_message", func(ctx context.Context, c *server.Conn, m *chanxChatMessage) error {
		return c.Broadcast(ctx, "room."+c.Param("room"), m, server.ExcludeSelf)
	})
	return listenAndServe(addr, srv, ready)
}
