// Command chatclient talks in a room of the chat example from a terminal,
// with the client package chanx generated from examples/chat/asyncapi.yaml:
// each line read from stdin is sent as new_chat_message, and what the
// others say is printed.
//
//	go run ./examples/chat/cmd/chatclient -room lobby -name ann
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chanxgo/chanx/examples/chat/chatclient"
	"github.com/chanxgo/chanx/runtime/client"
)

func main() {
	url := flag.String("url", "ws://127.0.0.1:8000", "the chat server (ws://, wss://, http:// or https://)")
	room := flag.String("room", "lobby", "the room to join")
	name := flag.String("name", "", "your name (required)")
	flag.Parse()
	if *name == "" {
		fmt.Fprintln(os.Stderr, "chatclient: -name is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *url, *room, *name, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chatclient:", err)
		os.Exit(1)
	}
}

// run joins room and relays between in/out until in ends or ctx is done.
func run(ctx context.Context, url, room, name string, in io.Reader, out io.Writer) error {
	show := make(chan string, 64)
	h := chatclient.ChatHandlers{
		OnIncoming: func(ctx context.Context, msg chatclient.ChatIncomingMessage) error {
			switch msg := msg.(type) {
			case *chatclient.NewChatMessage:
				show <- fmt.Sprintf("%s: %s", msg.Payload.Name, msg.Payload.Message)
			case *chatclient.PongMessage:
				show <- "(pong)"
			}
			return nil
		},
	}
	c, err := chatclient.NewChatClient(url, chatclient.ChatParams{Room: room}, h, &client.Options{
		Reconnect: &client.Reconnect{MaxAttempts: 5},
		Hooks: client.Hooks{
			OnError: func(ctx context.Context, err *client.ServerError) { show <- "error: " + err.Error() },
			AfterReconnect: func(ctx context.Context, c *client.Client, attempt int) {
				show <- "(reconnected)"
			},
		},
	})
	if err != nil {
		return err
	}
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = c.Connect(dialCtx)
	cancel()
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	fmt.Fprintf(out, "joined %s as %s; type a line to send it, /ping to ping\n", room, name)

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.Done():
			return c.Err()
		case s := <-show:
			fmt.Fprintln(out, s)
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			line = strings.TrimSpace(line)
			switch {
			case line == "":
				continue
			case line == "/ping":
				err = c.SendPing(ctx, &chatclient.PingMessage{})
			default:
				err = c.SendNewChatMessage(ctx, &chatclient.NewChatMessage{Payload: chatclient.ChatPayload{Message: line, Name: name}})
			}
			if err != nil && !errors.Is(err, client.ErrNotConnected) {
				return err
			}
		}
	}
}
