package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/runtime/wire"
)

// These tests drive the client against the chanx server itself, so the two
// halves of the protocol are checked against each other, not only against
// scripted servers.

type chatMessage struct {
	Action  string `json:"action"`
	Payload struct {
		Message string `json:"message"`
		Name    string `json:"name"`
	} `json:"payload"`
}

func (m *chatMessage) Validate() error {
	if m.Payload.Message == "" {
		return &wire.ValidationError{Problems: []wire.Problem{{Type: "string_too_short", Loc: []any{"payload", "message"}, Msg: "String should have at least 1 character"}}}
	}
	return nil
}

type userInfo struct {
	Action  string `json:"action"`
	Payload struct {
		UserName string `json:"user_name"`
	} `json:"payload"`
}

func chanxServer(t *testing.T, opts server.Options) *httptest.Server {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(opts)
	ch, err := srv.Channel("/ws/chat/{room}", server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error { return c.Join(ctx, c.Param("room")) },
	})
	if err != nil {
		t.Fatal(err)
	}
	server.HandleNoReply(ch, "new_chat_message", func(ctx context.Context, c *server.Conn, m *chatMessage) error {
		return c.Broadcast(ctx, c.Param("room"), m, server.ExcludeSelf)
	})
	server.Handle(ch, "who_am_i", func(ctx context.Context, c *server.Conn, _ *struct{}) (*userInfo, error) {
		u := &userInfo{Action: "user_info"}
		u.Payload.UserName = c.Param("room") + "-user"
		return u, nil
	})
	server.HandleNoReply(ch, "explode", func(context.Context, *server.Conn, *struct{}) error {
		return errors.New("kaboom")
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	return hs
}

func chatURL(t *testing.T, hs *httptest.Server, room string) string {
	t.Helper()
	u, err := client.BuildURL(hs.URL, "/ws/chat/{room}", map[string]string{"room": room})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAgainstChanxServer(t *testing.T) {
	hs := chanxServer(t, server.Options{Completions: true})
	ctx := testCtx(t)

	received := make(chan *chatMessage, 1)
	bob, err := client.New(chatURL(t, hs, "tea room"), nil)
	if err != nil {
		t.Fatal(err)
	}
	client.Handle(bob, "new_chat_message", func(_ context.Context, m *chatMessage) error {
		received <- m
		return nil
	})
	if err := bob.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, bob)
	// The server joins the room before it reads the first frame: once bob
	// has a pong, he is in.
	if err := bob.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	errs := make(chan *client.ServerError, 4)
	alice, err := client.Dial(ctx, chatURL(t, hs, "tea room"), &client.Options{Hooks: client.Hooks{
		OnError:          func(_ context.Context, se *client.ServerError) { errs <- se },
		OnInvalidMessage: func(_ context.Context, f []byte, err error) { t.Errorf("invalid message %s: %v", f, err) },
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, alice)

	// Completions are built-ins the client drops quietly.
	if err := alice.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// Requests get typed replies; the room came through the escaped path.
	u, err := client.RequestAs[userInfo](ctx, alice, wire.Frame{Action: "who_am_i", Payload: []byte("{}")}, "user_info")
	if err != nil {
		t.Fatal(err)
	}
	if u.Payload.UserName != "tea room-user" {
		t.Errorf("user_name = %q", u.Payload.UserName)
	}

	m := &chatMessage{Action: "new_chat_message"}
	m.Payload.Message, m.Payload.Name = "hello", "alice"
	if err := alice.SendFrame(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, received); got.Payload.Message != "hello" || got.Payload.Name != "alice" {
		t.Errorf("bob got %+v", got.Payload)
	}

	// The server's error frames decode into ServerError, in both shapes.
	if err := alice.Send(ctx, "new_chat_message", map[string]string{"message": "", "name": "a"}); err != nil {
		t.Fatal(err)
	}
	se := recv(t, errs)
	want := []wire.Problem{{Type: "string_too_short", Loc: []any{"payload", "message"}, Msg: "String should have at least 1 character"}}
	if d := cmp.Diff(want, se.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if err := alice.Send(ctx, "explode", nil); err != nil {
		t.Fatal(err)
	}
	if se := recv(t, errs); se.Detail != "Failed to process message for explode" {
		t.Errorf("handler error detail = %q", se.Detail)
	}
	if err := alice.SendText(ctx, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if se := recv(t, errs); len(se.Problems) != 1 || se.Problems[0].Type != wire.ProblemJSONInvalid {
		t.Errorf("non-JSON answer = %v", se)
	}
	_, err = alice.Request(ctx, wire.Frame{Action: "no_such_action", Payload: []byte("null")}, "never")
	if !errors.As(err, &se) || len(se.Problems) != 1 || !strings.Contains(se.Error(), "no_such_action") {
		t.Errorf("unknown action answer = %v", err)
	}
	recv(t, errs) // OnError saw it too
}

func TestCamelizeAgainstChanxServer(t *testing.T) {
	hs := chanxServer(t, server.Options{Camelize: true})
	ctx := testCtx(t)
	c, err := client.Dial(ctx, chatURL(t, hs, "r"), &client.Options{Camelize: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	u, err := client.RequestAs[userInfo](ctx, c, wire.Frame{Action: "who_am_i", Payload: []byte("{}")}, "user_info")
	if err != nil {
		t.Fatal(err)
	}
	if u.Payload.UserName != "r-user" {
		t.Errorf("user_name = %q", u.Payload.UserName)
	}
	// Without Camelize the same reply arrives with camelCase keys.
	plain, err := client.Dial(ctx, chatURL(t, hs, "r"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, plain)
	f, err := plain.Request(ctx, wire.Frame{Action: "who_am_i", Payload: []byte("{}")}, "user_info")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Payload()); got != `{"userName":"r-user"}` {
		t.Errorf("raw payload = %s", got)
	}
}

func TestInBandAuthFailureIsNotRetried(t *testing.T) {
	hs := chanxServer(t, server.Options{
		AuthMode: server.AuthInBand,
		Authenticate: func(r *http.Request) (any, error) {
			return nil, &server.AuthError{StatusCode: http.StatusForbidden, Detail: "bad token"}
		},
	})
	ctx := testCtx(t)
	type authentication struct {
		Payload struct {
			StatusCode int `json:"status_code"`
			Data       struct {
				Detail string `json:"detail"`
			} `json:"data"`
		} `json:"payload"`
	}
	auth := make(chan *authentication, 1)
	c, err := client.New(chatURL(t, hs, "r"), &client.Options{Reconnect: fastReconnect()})
	if err != nil {
		t.Fatal(err)
	}
	client.Handle(c, wire.ActionAuthentication, func(_ context.Context, a *authentication) error {
		auth <- a
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	a := recv(t, auth)
	if a.Payload.StatusCode != http.StatusForbidden || a.Payload.Data.Detail != "bad token" {
		t.Errorf("authentication frame = %+v", a.Payload)
	}
	err = c.Wait(ctx)
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Errorf("Wait = %v, want close 1008", err)
	}
	if st := c.CloseStatus(); st.Reconnecting {
		t.Errorf("a refused authentication must not be retried: %+v", st)
	}
}

func TestRejectedHandshakeAgainstChanxServer(t *testing.T) {
	hs := chanxServer(t, server.Options{
		Authenticate: func(r *http.Request) (any, error) {
			return nil, &server.AuthError{StatusCode: http.StatusUnauthorized, Detail: "no"}
		},
	})
	_, err := client.Dial(testCtx(t), chatURL(t, hs, "r"), &client.Options{Reconnect: fastReconnect()})
	var de *client.DialError
	if !errors.As(err, &de) || de.StatusCode != http.StatusUnauthorized {
		t.Errorf("Dial = %v, want HTTP 401", err)
	}
}

// TestConnectCloseCycles opens and closes many clients at once, with the
// optional goroutines (keepalive, reconnect policy) on, half of them
// closing gracefully and half at once; goleak in TestMain then proves
// every goroutine of every client ended.
func TestConnectCloseCycles(t *testing.T) {
	hs := chanxServer(t, server.Options{})
	ctx := testCtx(t)
	u := chatURL(t, hs, "cycles")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 75 {
				c, err := client.Dial(ctx, u, &client.Options{
					PingInterval: time.Millisecond,
					PingTimeout:  time.Second,
					Reconnect:    fastReconnect(),
				})
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if err := c.Ping(ctx); err != nil {
						t.Error(err)
					}
				}
				if (w+i)%2 == 0 {
					err = c.Close(ctx)
				} else {
					c.CloseNow()
					err = c.Wait(ctx)
				}
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// TestReconnectAcrossServerRestart restarts a chanx server on the same
// address: the client sees 1001 (going away), redials until the new
// process serves, and AfterConnect sends its init frame again.
func TestReconnectAcrossServerRestart(t *testing.T) {
	addr := freeAddr(t)
	inits := make(chan string, 4)
	start := func() (*server.Server, *httptest.Server) {
		srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		ch, err := srv.Channel("/ws/{room}", server.ChannelOptions{})
		if err != nil {
			t.Fatal(err)
		}
		server.HandleNoReply(ch, "init", func(_ context.Context, c *server.Conn, m *struct {
			Payload string `json:"payload"`
		}) error {
			inits <- m.Payload
			return nil
		})
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewUnstartedServer(srv)
		hs.Listener.Close()
		hs.Listener = ln
		hs.Start()
		return srv, hs
	}
	stop := func(srv *server.Server, hs *httptest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		hs.Close()
	}

	srv, hs := start()
	ctx := testCtx(t)
	closes := make(chan client.CloseInfo, 4)
	reconnected := make(chan struct{}, 1)
	c, err := client.Dial(ctx, "ws://"+addr+"/ws/r", &client.Options{
		Reconnect: fastReconnect(),
		Hooks: client.Hooks{
			AfterConnect: func(ctx context.Context, c *client.Client) error {
				return c.Send(ctx, "init", "hello")
			},
			AfterClose:     func(_ context.Context, info client.CloseInfo) { closes <- info },
			AfterReconnect: func(context.Context, *client.Client, int) { reconnected <- struct{}{} },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	if got := recv(t, inits); got != "hello" {
		t.Errorf("init = %q", got)
	}

	stop(srv, hs)
	info := recv(t, closes)
	if info.Code != websocket.StatusGoingAway || !info.Reconnecting {
		t.Errorf("close info = %+v", info)
	}
	srv, hs = start()
	defer stop(srv, hs)
	recv(t, reconnected)
	if got := recv(t, inits); got != "hello" {
		t.Errorf("init after reconnect = %q", got)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("Ping on the new server: %v", err)
	}
}
