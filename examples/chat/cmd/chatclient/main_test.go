package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/runtime/server"
)

// room echoes every message to the whole room, sender included, so one
// terminal client sees its own line come back.
type room struct {
	chatapi.UnimplementedChatHandler
}

func (room) HandlePing(context.Context, chatapi.ChatConn, *chatapi.PingMessage) (*chatapi.PongMessage, error) {
	return &chatapi.PongMessage{}, nil
}

func (room) HandleNewChatMessage(ctx context.Context, c chatapi.ChatConn, msg *chatapi.NewChatMessage) error {
	return c.BroadcastNewChatMessage(ctx, "room."+c.Params().Room, msg)
}

// syncBuffer is an io.Writer the test reads while run writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTerminalClient(t *testing.T) {
	srv := server.New(server.Options{})
	if _, err := chatapi.MountChat(srv, room{}, server.ChannelOptions{OnConnect: func(ctx context.Context, c *server.Conn) error {
		return c.Join(ctx, "room."+c.Param("room"))
	}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	in, typing := io.Pipe()
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ts.URL, "lobby", "ann", in, &out) }()
	defer func() {
		cancel()
		typing.Close()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	waitFor := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), want); {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the output:\n%s", want, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("joined lobby as ann")
	io.WriteString(typing, "hello there\n/ping\n\n")
	waitFor("ann: hello there")
	waitFor("(pong)")
	io.WriteString(typing, strings.Repeat("x", 2001)+"\n")
	// The server's validation error, naming the field and the limit.
	waitFor("error: client: server error: payload.message: String should have at most 2000 characters")
}
