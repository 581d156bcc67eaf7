package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/client"
)

// exampleServer stands in for a chanx server: it answers ping with pong and
// greets each connection.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"action":"welcome","payload":{"room":"`+r.PathValue("room")+`","path":"`+r.URL.Path+`"}}`))
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			if strings.Contains(string(data), `"ping"`) {
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"action":"pong","payload":null}`))
			}
		}
	}))
}

// Welcome is the frame the example server sends first, as a generated
// client would declare it.
type Welcome struct {
	Action  string `json:"action"`
	Payload struct {
		Path string `json:"path"`
	} `json:"payload"`
}

func ExampleHandle() {
	srv := exampleServer()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	url, _ := client.BuildURL(srv.URL, "/ws/chat/{room}", map[string]string{"room": "tea time"})
	c, err := client.New(url, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	welcomed := make(chan string, 1)
	client.Handle(c, "welcome", func(ctx context.Context, m *Welcome) error {
		welcomed <- m.Payload.Path
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(ctx)

	fmt.Println("welcome to", <-welcomed)
	fmt.Println("ping:", c.Ping(ctx))
	// Output:
	// welcome to /ws/chat/tea time
	// ping: <nil>
}

func ExampleDial() {
	srv := exampleServer()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	c, err := client.Dial(ctx, srv.URL+"/ws", &client.Options{
		Header:    http.Header{"Authorization": {"Bearer token"}},
		Reconnect: &client.Reconnect{MaxAttempts: 5},
		Hooks: client.Hooks{
			AfterConnect: func(ctx context.Context, c *client.Client) error {
				return c.Send(ctx, "init", map[string]string{"client": "example"})
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	reply, err := c.Request(ctx, map[string]any{"action": "ping", "payload": nil}, "pong")
	fmt.Println(reply.Action, err)
	fmt.Println("close:", c.Close(ctx), c.CloseStatus().Code)
	// Output:
	// pong <nil>
	// close: <nil> StatusNormalClosure
}
