// Command topics serves asyncapi.yaml's topics: a hub at /ws/topics where
// clients subscribe to "room:{room_name}" and "discussion:{id}", and the
// room topic on its own route, /ws/topics/room/{room_name}, which
// subscribes on connect. The message types are generated (topicstypes);
// the topics are declared by hand on runtime/server, since the Go target
// does not generate topics yet (issue 13).
//
//	go run ./examples/topics                 # 127.0.0.1:8001
//	go run ./examples/topics -addr :9001
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chanxgo/chanx/examples/topics/topicstypes"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"
)

//go:generate go run github.com/chanxgo/chanx/cmd/chanx gen types -s asyncapi.yaml -o topicstypes --shared

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "the address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "topics:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. It prints the address it listens on first,
// so a test can start it on port 0.
func run(ctx context.Context, addr string, out io.Writer) error {
	srv, err := newServer(layer.NewMemory(), slog.Default())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "topics: listening on ws://%s/ws/topics\n", ln.Addr())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newServer mounts the hub with both topics, and the room
// topic's dedicated route. The room topic is one class on both routes
// (one Name), so a push reaches its subscribers on either.
func newServer(l layer.Layer, log *slog.Logger) (*server.Server, error) {
	srv := server.New(server.Options{Layer: l, Logger: log})
	hub, err := srv.Channel("/ws/topics", server.ChannelOptions{})
	if err != nil {
		return nil, err
	}
	// The document's handle_ping is the runtime's built-in ping, answered
	// with pong on every channel.
	if _, err := roomTopic(hub, false); err != nil {
		return nil, err
	}
	disc, err := hub.Topic(server.TopicOptions{Name: "DiscussionTopic", Pattern: "discussion:{id}"})
	if err != nil {
		return nil, err
	}
	server.HandleTopic(disc, "post_reply", func(ctx context.Context, s *server.Subscription, m *topicstypes.PostReplyMessage) (*topicstypes.ReplyPostedMessage, error) {
		return &topicstypes.ReplyPostedMessage{Payload: m.Payload}, nil
	})
	room, err := srv.Channel("/ws/topics/room/{room_name}", server.ChannelOptions{})
	if err != nil {
		return nil, err
	}
	if _, err := roomTopic(room, true); err != nil {
		return nil, err
	}
	return srv, nil
}

// roomTopic declares the room topic on ch: anyone may subscribe except
// to a room whose name starts with "secret-"; room_chat is answered with
// the room_event it becomes.
func roomTopic(ch *server.Channel, dedicated bool) (*server.Topic, error) {
	t, err := ch.Topic(server.TopicOptions{
		Name:      "RoomTopic",
		Pattern:   "room:{room_name}",
		Dedicated: dedicated,
		Authorize: func(ctx context.Context, c *server.Conn, params map[string]string) (bool, error) {
			return !strings.HasPrefix(params["room_name"], "secret-"), nil
		},
	})
	if err != nil {
		return nil, err
	}
	server.HandleTopic(t, "room_chat", func(ctx context.Context, s *server.Subscription, m *topicstypes.RoomChatMessage) (*topicstypes.RoomEventMessage, error) {
		ev := &topicstypes.RoomEventMessage{Payload: topicstypes.RoomEventMessagePayload{Body: m.Payload.Body, Author: "anonymous"}}
		return ev, nil
	})
	return t, nil
}
