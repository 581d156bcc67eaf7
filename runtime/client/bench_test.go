package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"
)

// BenchmarkRoundTrip compares, in one run and against the same kind of
// chanx server, a ping/pong round trip through the client runtime (Request:
// a waiter, the receive goroutine, dispatch) with a bare coder/websocket
// client writing and reading the same frames itself.
func BenchmarkRoundTrip(b *testing.B) {
	ping := []byte(`{"action":"ping","payload":null}`)
	b.Run("bare", func(b *testing.B) {
		u := benchServer(b)
		ctx := context.Background()
		conn, _, err := websocket.Dial(ctx, u, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.CloseNow()
		b.ReportAllocs()
		for b.Loop() {
			if err := conn.Write(ctx, websocket.MessageText, ping); err != nil {
				b.Fatal(err)
			}
			if _, _, err := conn.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client", func(b *testing.B) {
		u := benchServer(b)
		ctx := context.Background()
		c, err := client.Dial(ctx, u, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Ping(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchServer serves a chanx server with one channel (ping is built in)
// and returns the channel's URL.
func benchServer(b *testing.B) string {
	b.Helper()
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := srv.Channel("/ws/bench", server.ChannelOptions{}); err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws/bench"
}
