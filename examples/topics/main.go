// Command topics serves asyncapi.yaml's topics: a hub at /ws/topics where
// clients subscribe to "room:{room_name}" and "discussion:{id}", and the
// room topic on its own route, /ws/topics/room/{room_name}, which
// subscribes on connect. The server is generated (topicsapi, over the
// message types of topicstypes): this file implements its topic
// handlers; topicsclient is the generated client the tests use.
//
//	go run ./examples/topics                 # 127.0.0.1:8001
//	go run ./examples/topics -addr :9001
//	go run ./examples/topics -redis redis://127.0.0.1:6379/0   # processes share topics and their history
package main

import (
	"context"
	"encoding/json"
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

	"github.com/chanxgo/chanx/examples/topics/topicsapi"
	"github.com/chanxgo/chanx/examples/topics/topicstypes"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
	"github.com/chanxgo/chanx/runtime/server"
)

//go:generate go run github.com/chanxgo/chanx/cmd/chanx gen types -s asyncapi.yaml -o topicstypes --shared
//go:generate go run github.com/chanxgo/chanx/cmd/chanx gen server -s asyncapi.yaml -o topicsapi --types-package github.com/chanxgo/chanx/examples/topics/topicstypes
//go:generate go run github.com/chanxgo/chanx/cmd/chanx gen client -s asyncapi.yaml -o topicsclient --types-package github.com/chanxgo/chanx/examples/topics/topicstypes

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "the address to listen on")
	redisURL := flag.String("redis", "", "a redis:// URL: share topics, pushes and history with every process using the same Redis (default: in this process)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *redisURL, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "topics:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. It prints the address it listens on first,
// so a test can start it on port 0.
func run(ctx context.Context, addr, redisURL string, out io.Writer) error {
	var l layer.Layer = layer.NewMemory()
	if redisURL != "" {
		dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		rl, err := redislayer.New(dialCtx, redisURL, redislayer.Options{KeyPrefix: "topics-example"})
		cancel()
		if err != nil {
			return err
		}
		l = rl
	}
	defer l.Close()
	srv, _, err := newServer(l, slog.Default())
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

// newServer mounts the hub with both topics, and the room topic's
// dedicated route (MountRoomTopic declares the class on both routes, so a
// push reaches its subscribers on either). It returns the room topic's
// pusher.
func newServer(l layer.Layer, log *slog.Logger) (*server.Server, *topicsapi.RoomTopic, error) {
	srv := server.New(server.Options{Layer: l, Logger: log})
	// The hub's own handle_ping, validated against the document (the
	// runtime's built-in ping would answer a ping with any payload).
	if _, err := topicsapi.MountTopicHub(srv, hub{}, server.ChannelOptions{}); err != nil {
		return nil, nil, err
	}
	// The room topic keeps its last 1,000 pushes in the layer: each push
	// gets a seq, and a client that resubscribes with the last one it saw
	// is sent what it missed (PROTOCOL.md §2.1).
	rooms, err := topicsapi.MountRoomTopic(srv, room{}, server.ChannelOptions{}, server.TopicOptions{History: &layer.Retention{Count: 1000}})
	if err != nil {
		return nil, nil, err
	}
	if _, err := topicsapi.MountDiscussionTopic(srv, discussion{}, server.ChannelOptions{}, server.TopicOptions{}); err != nil {
		return nil, nil, err
	}
	return srv, rooms, nil
}

// hub answers the hub's ping.
type hub struct {
	topicsapi.UnimplementedTopicHubHandler
}

// HandlePing answers pong with the null payload Python Chanx sends (the
// Unimplemented handler's PongMessage{} leaves it out: Payload is an
// omitempty any, and a raw null is the one non-nil value that encodes as
// null).
func (hub) HandlePing(ctx context.Context, c topicsapi.TopicHubConn, m *topicstypes.PingMessage) (*topicstypes.PongMessage, error) {
	return &topicstypes.PongMessage{Action: "pong", Payload: json.RawMessage("null")}, nil
}

// room serves the room topic: anyone may subscribe except to a room whose
// name starts with "secret-"; room_chat is answered with the room_event
// it becomes.
type room struct {
	topicsapi.UnimplementedRoomTopicHandler
}

func (room) Authorize(ctx context.Context, c *server.Conn, p topicsapi.RoomTopicParams) (bool, error) {
	return !strings.HasPrefix(p.RoomName, "secret-"), nil
}

func (room) HandleRoomChat(ctx context.Context, s topicsapi.RoomTopicSubscription, m *topicstypes.RoomChatMessage) (*topicstypes.RoomEventMessage, error) {
	return &topicstypes.RoomEventMessage{Payload: topicstypes.RoomEventMessagePayload{Body: m.Payload.Body, Author: "anonymous"}}, nil
}

// discussion serves the discussion topic: post_reply is answered with the
// reply_posted that echoes it.
type discussion struct {
	topicsapi.UnimplementedDiscussionTopicHandler
}

func (discussion) HandlePostReply(ctx context.Context, s topicsapi.DiscussionTopicSubscription, m *topicstypes.PostReplyMessage) (*topicstypes.ReplyPostedMessage, error) {
	return &topicstypes.ReplyPostedMessage{Payload: m.Payload}, nil
}
