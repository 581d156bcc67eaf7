package server_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"
)

// partialLayer is a layer.Memory whose Publish delivers in this process
// and then fails as the Redis layer does when Redis is unreachable.
type partialLayer struct{ *layer.Memory }

func (l partialLayer) Publish(ctx context.Context, group string, m layer.Message) error {
	if err := l.Memory.Publish(ctx, group, m); err != nil {
		return err
	}
	return fmt.Errorf("fakelayer: %w", &layer.PartialDeliveryError{Group: group, Err: errors.New("connection refused")})
}

// A handler's broadcast that reached only this server's members is
// answered with the partial_delivery frame however the handler returned
// the error, unless it chose a coded error of its own; the frame is
// counted under its own FrameError reason.
func TestPartialDeliveryFrame(t *testing.T) {
	mem := layer.NewMemory()
	defer mem.Close()
	var count publishCounter
	srv := server.New(server.Options{Layer: partialLayer{mem}, Logger: slog.New(slog.DiscardHandler), Metrics: &count})
	ch, err := srv.Channel("/ws/chat/{room}", server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error { return c.Join(ctx, "room") },
	})
	if err != nil {
		t.Fatal(err)
	}
	broadcast := func(ctx context.Context, c *server.Conn, m *redisChatMessage) error {
		return c.Broadcast(ctx, "room", m, server.ExcludeSelf)
	}
	server.HandleNoReply(ch, "new_chat_message", broadcast)
	server.HandleNoReply(ch, "wrapped", func(ctx context.Context, c *server.Conn, m *redisChatMessage) error {
		return fmt.Errorf("saving the message: %w", broadcast(ctx, c, m))
	})
	server.HandleNoReply(ch, "own_code", func(ctx context.Context, c *server.Conn, m *redisChatMessage) error {
		return server.WrapError("try_later", "Try again later", broadcast(ctx, c, m))
	})
	server.HandleNoReply(ch, "event", func(ctx context.Context, c *server.Conn, m *redisChatMessage) error {
		return srv.Publish(ctx, "room", m)
	})
	server.Handle(ch, "whoami", func(ctx context.Context, c *server.Conn, _ *redisWhoami) (*redisWhoamiReply, error) {
		return &redisWhoamiReply{Action: "whoami", Payload: c.ID()}, nil
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(context.Background())
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws/chat/lobby"
	sender, member := dialRx(t, "sender", url), dialRx(t, "member", url)
	sender.ready()
	member.ready()

	for _, tc := range []struct{ action, want string }{
		{"new_chat_message", partialDeliveryFrame},
		{"wrapped", partialDeliveryFrame},
		{"event", partialDeliveryFrame},
		{"own_code", `{"action":"error","payload":{"detail":"Try again later","code":"try_later"}}`},
	} {
		frame := strings.Replace(chatFrame("hi", "s"), "new_chat_message", tc.action, 1)
		sender.send(frame)
		member.expect(frame) // the local member got it
		if tc.action == "event" {
			sender.expect(frame) // a server event has no exclude
		}
		sender.expect(tc.want)
	}
	if got := count.partial.Load(); got != 3 {
		t.Errorf("FrameError(partial_delivery) counted %d times, want 3", got)
	}
}
