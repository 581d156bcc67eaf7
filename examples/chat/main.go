// Command chat is the chat room of the Chanx tutorial, schema first:
// asyncapi.yaml describes channel /ws/chat/{room}; chanx generated the
// server package chatapi (and the client package chatclient, which
// cmd/chatclient uses) from it; this file implements the handler interface
// and serves it.
//
//	go run ./examples/chat                        # 127.0.0.1:8000, rooms in memory
//	go run ./examples/chat -addr :9000
//	go run ./examples/chat -redis redis://127.0.0.1:6379/0   # processes share rooms
//
// Then open http://127.0.0.1:8000/chat/ in two windows, or run
// go run ./examples/chat/cmd/chatclient -room lobby -name ann. The document
// is served at /asyncapi.json, /asyncapi.yaml and /asyncapi/docs.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
	"github.com/chanxgo/chanx/runtime/server"
)

//go:generate go run github.com/chanxgo/chanx/cmd/chanx gen types -s asyncapi.yaml -o chattypes --shared
//go:generate go run github.com/chanxgo/chanx/cmd/chanx gen server -s asyncapi.yaml -o chatapi --types-package github.com/chanxgo/chanx/examples/chat/chattypes
//go:generate go run github.com/chanxgo/chanx/cmd/chanx gen client -s asyncapi.yaml -o chatclient --types-package github.com/chanxgo/chanx/examples/chat/chattypes
//go:generate go test -run TestWebBundle -update .

// web is the chat page: index.html and chat.js, its script (web/page.ts
// and the TypeScript chat client, bundled by esbuild and committed, so
// that serving the page needs no Node; see web_test.go).
//
//go:embed web/index.html web/chat.js
var web embed.FS

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "the address to listen on")
	redisURL := flag.String("redis", "", "a redis:// URL: share rooms with every process using the same Redis (default: rooms live in this process)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *redisURL, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// run serves the chat until ctx ends. It prints the address it listens on
// first, so a test can start it on port 0.
func run(ctx context.Context, addr, redisURL string, out io.Writer) error {
	var l layer.Layer = layer.NewMemory()
	if redisURL != "" {
		dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		rl, err := redislayer.New(dialCtx, redisURL, redislayer.Options{})
		cancel()
		if err != nil {
			return err
		}
		l = rl
	}
	defer l.Close()
	srv, err := newServer(l, slog.Default())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "chat: listening on http://%s/chat/\n", ln.Addr())
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

// newServer mounts the chat channel, the document and the web page.
func newServer(l layer.Layer, log *slog.Logger) (*server.Server, error) {
	srv := server.New(server.Options{Layer: l, Logger: log})
	_, err := chatapi.MountChat(srv, chat{}, server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			return c.Join(ctx, roomGroup(chatapi.ChatConn{Conn: c}))
		},
	})
	if err != nil {
		return nil, err
	}
	if err := chatapi.MountDocs(srv); err != nil {
		return nil, err
	}
	page, err := fs.Sub(web, "web")
	if err != nil {
		return nil, err
	}
	if err := srv.HandleHTTP("GET /chat/", http.StripPrefix("/chat/", http.FileServerFS(page))); err != nil {
		return nil, err
	}
	if err := srv.HandleHTTP("GET /{$}", http.RedirectHandler("/chat/", http.StatusFound)); err != nil {
		return nil, err
	}
	return srv, nil
}

// chat implements the handler interface chanx generated from
// asyncapi.yaml; the embedded Unimplemented handler answers operations a
// newer document adds until they are written here.
type chat struct {
	chatapi.UnimplementedChatHandler
}

// roomGroup is the layer group of a connection's room.
func roomGroup(c chatapi.ChatConn) string { return "chat.room." + c.Params().Room }

// HandlePing answers pong, as the document's handle_ping reply says.
func (chat) HandlePing(ctx context.Context, c chatapi.ChatConn, msg *chatapi.PingMessage) (*chatapi.PongMessage, error) {
	return &chatapi.PongMessage{}, nil
}

// HandleNewChatMessage sends the message to the rest of the room: every
// other member, in every process sharing the layer, but not the sender.
func (chat) HandleNewChatMessage(ctx context.Context, c chatapi.ChatConn, msg *chatapi.NewChatMessage) error {
	return c.BroadcastNewChatMessage(ctx, roomGroup(c), msg, server.ExcludeSelf)
}
