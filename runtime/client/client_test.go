package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/wire"
)

// echoed is the frame echoScript answers "echo" with.
type echoed struct {
	Action  string `json:"action"`
	Payload struct {
		Message string `json:"message"`
	} `json:"payload"`
}

// Validate rejects an empty message, like a generated validator would.
func (e *echoed) Validate() error {
	if e.Payload.Message == "" {
		return &wire.ValidationError{Problems: []wire.Problem{{Type: "string_too_short", Loc: []any{"payload", "message"}, Msg: "String should have at least 1 character"}}}
	}
	return nil
}

func mustClose(t *testing.T, c *client.Client) {
	t.Helper()
	if err := c.Close(testCtx(t)); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestHandleDecodesAndValidates(t *testing.T) {
	srv := startServer(t, nil, echoScript)
	ctx := testCtx(t)
	invalid := make(chan error, 4)
	c, err := client.New(srv.url("/ws"), &client.Options{Hooks: client.Hooks{
		OnInvalidMessage: func(_ context.Context, _ []byte, err error) { invalid <- err },
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	client.Handle(c, "echoed", func(_ context.Context, m *echoed) error {
		got <- m.Payload.Message
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)

	if err := c.Send(ctx, "echo", map[string]string{"message": "hello"}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, got); m != "hello" {
		t.Errorf("handler got %q, want hello", m)
	}
	if err := c.Send(ctx, "echo", map[string]string{"message": ""}); err != nil {
		t.Fatal(err)
	}
	err = recv(t, invalid)
	if want := `client: "echoed" frame: invalid message: payload.message: String should have at least 1 character`; err.Error() != want {
		t.Errorf("invalid message error = %q, want %q", err, want)
	}
	if err := c.Send(ctx, "echo", map[string]int{"message": 5}); err != nil {
		t.Fatal(err)
	}
	err = recv(t, invalid)
	if !strings.Contains(err.Error(), "cannot unmarshal number into Go struct field") {
		t.Errorf("decode failure error = %q", err)
	}
}

func TestRequestAndPing(t *testing.T) {
	srv := startServer(t, nil, echoScript)
	ctx := testCtx(t)
	c, err := client.Dial(ctx, srv.url("/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)

	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	f, err := c.Request(ctx, map[string]any{"action": "echo", "payload": map[string]string{"message": "x"}}, "echoed")
	if err != nil {
		t.Fatal(err)
	}
	if f.Action != "echoed" || string(f.Payload()) != `{"message":"x"}` {
		t.Errorf("reply = %s %s", f.Action, f.Payload())
	}
	m, err := client.RequestAs[echoed](ctx, c, json.RawMessage(`{"action":"echo","payload":{"message":"typed"}}`), "echoed")
	if err != nil {
		t.Fatal(err)
	}
	if m.Payload.Message != "typed" {
		t.Errorf("RequestAs message = %q", m.Payload.Message)
	}
	_, err = client.RequestAs[echoed](ctx, c, json.RawMessage(`{"action":"echo","payload":{"message":""}}`), "echoed")
	if want := `client: request: "echoed" reply: invalid message: payload.message: String should have at least 1 character`; err == nil || err.Error() != want {
		t.Errorf("RequestAs invalid reply error = %v, want %q", err, want)
	}

	// Concurrent requests for one action are answered in order.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			msg := fmt.Sprint(i)
			m, err := client.RequestAs[echoed](ctx, c, map[string]any{"action": "echo", "payload": map[string]string{"message": msg}}, "echoed")
			if err != nil {
				t.Error(err)
				return
			}
			if m.Payload.Message == "" {
				t.Error("empty reply")
			}
		})
	}
	wg.Wait()
}

func TestRequestErrors(t *testing.T) {
	srv := startServer(t, nil, echoScript)
	ctx := testCtx(t)
	c, err := client.Dial(ctx, srv.url("/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)

	_, err = c.Request(ctx, frame{Action: "fail"}, "done")
	var se *client.ServerError
	if !errors.As(err, &se) || se.Detail != "Failed to process message for fail" {
		t.Fatalf("Request to a failing handler: err = %v", err)
	}
	if want := `client: request: waiting for "done": client: server error: Failed to process message for fail`; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}

	_, err = c.Request(ctx, frame{Action: "bad"}, "done")
	if !errors.As(err, &se) {
		t.Fatalf("Request with invalid payload: err = %v", err)
	}
	want := []wire.Problem{{Type: "missing", Loc: []any{"payload", "message"}, Msg: "Field required"}}
	if d := cmp.Diff(want, se.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = c.Request(short, frame{Action: "silence"}, "never")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), `client: request: waiting for "never": `) {
		t.Errorf("Request timeout: err = %v", err)
	}
	// The connection survived the abandoned request.
	if err := c.Ping(ctx); err != nil {
		t.Errorf("Ping after timeout: %v", err)
	}
}

func TestRequestFailsWhenConnectionLost(t *testing.T) {
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		_, _, _ = c.Read(ctx)
		c.CloseNow()
	})
	ctx := testCtx(t)
	c, err := client.Dial(ctx, srv.url("/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Request(ctx, frame{Action: "ping"}, "pong")
	if !errors.Is(err, client.ErrConnectionLost) {
		t.Errorf("err = %v, want ErrConnectionLost", err)
	}
	if err := c.Wait(ctx); err == nil || !strings.HasPrefix(err.Error(), "client: connection ended: ") {
		t.Errorf("Wait = %v", err)
	}
	if err := c.Send(ctx, "ping", nil); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Send after the end = %v, want ErrClosed", err)
	}
}

func TestRawInvalidAndErrorFrames(t *testing.T) {
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageText, []byte("hello, not json"))
		_ = c.Write(ctx, websocket.MessageBinary, []byte{0, 1, 2})
		writeJSON(ctx, c, `[1,2]`)
		writeJSON(ctx, c, `{"payload":1}`)
		writeJSON(ctx, c, `{"action":7}`)
		writeJSON(ctx, c, `{"action":"mystery","payload":null}`)
		writeJSON(ctx, c, `{"action":"complete","payload":null}`)
		writeJSON(ctx, c, `{"action":"error","payload":{"detail":"Failed to process message"}}`)
		writeJSON(ctx, c, `{"action":"error","payload":[{"type":"value_error","loc":["payload","items",2],"msg":"bad"}]}`)
		writeJSON(ctx, c, `{"action":"error","payload":{"reason":"unknown_topic","detail":"no such topic"}}`)
		writeJSON(ctx, c, `{"action":"last","payload":null}`)
		_, _, _ = c.Read(ctx)
	})
	ctx := testCtx(t)
	var (
		mu     sync.Mutex
		events []string
	)
	record := func(s string) {
		mu.Lock()
		events = append(events, s)
		mu.Unlock()
	}
	c, err := client.New(srv.url("/ws"), &client.Options{Hooks: client.Hooks{
		OnRawData: func(_ context.Context, typ websocket.MessageType, data []byte) {
			record(fmt.Sprintf("raw %v %q", typ, data))
		},
		OnInvalidMessage: func(_ context.Context, data []byte, err error) {
			record(fmt.Sprintf("invalid %s: %v", data, err))
		},
		OnError: func(_ context.Context, se *client.ServerError) {
			record("error " + se.Error())
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	last := make(chan struct{})
	c.HandleFrame("last", func(context.Context, client.Frame) error {
		close(last)
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	recv(t, last)

	want := []string{
		`raw MessageText "hello, not json"`,
		`raw MessageBinary "\x00\x01\x02"`,
		`invalid [1,2]: wire: frame is not a JSON object`,
		`invalid {"payload":1}: wire: frame has no discriminator`,
		`invalid {"action":7}: wire: discriminator is not a string`,
		`invalid {"action":"mystery","payload":null}: client: no handler for action "mystery"`,
		`error client: server error: Failed to process message`,
		`error client: server error: payload.items[2]: bad`,
		`error client: server error: unknown_topic: no such topic`,
	}
	mu.Lock()
	defer mu.Unlock()
	if d := cmp.Diff(want, events); d != "" {
		t.Errorf("hook calls (-want +got):\n%s", d)
	}
}

func TestHandlerErrorsAndPanics(t *testing.T) {
	srv := startServer(t, nil, echoScript)
	ctx := testCtx(t)
	errs := make(chan string, 2)
	c, err := client.New(srv.url("/ws"), &client.Options{Hooks: client.Hooks{
		OnHandlerError: func(_ context.Context, action string, err error) {
			errs <- action + ": " + err.Error()
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	client.Handle(c, "echoed", func(_ context.Context, m *echoed) error {
		if m.Payload.Message == "panic" {
			panic("boom")
		}
		return errors.New("cannot store message")
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	for _, msg := range []string{"panic", "fail"} {
		if err := c.Send(ctx, "echo", map[string]string{"message": msg}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := recv(t, errs), `echoed: client: handler for "echoed" panicked: boom`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := recv(t, errs), `echoed: cannot store message`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("the client must survive a panicking handler: %v", err)
	}
}

func TestHooksLifecycle(t *testing.T) {
	inits := make(chan string, 1)
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		inits <- string(data)
		writeJSON(ctx, c, `{"action":"welcome","payload":null}`)
		_ = c.Close(4001, "bye now")
	})
	ctx := testCtx(t)
	var (
		mu    sync.Mutex
		calls []string
	)
	record := func(s string) {
		mu.Lock()
		calls = append(calls, s)
		mu.Unlock()
	}
	closed := make(chan client.CloseInfo, 1)
	c, err := client.New(srv.url("/ws/chat/lobby"), &client.Options{
		Header: http.Header{"X-Static": {"1"}},
		Hooks: client.Hooks{
			BeforeConnect: func(_ context.Context, req *client.ConnectRequest) error {
				record(fmt.Sprintf("before attempt=%d reconnect=%v", req.Attempt, req.Reconnect))
				req.Header.Set("Authorization", "Bearer t0ken")
				return nil
			},
			AfterConnect: func(ctx context.Context, c *client.Client) error {
				record("after connect")
				return c.Send(ctx, "init", map[string]string{"token": "t0ken"})
			},
			AfterClose: func(_ context.Context, info client.CloseInfo) {
				record(fmt.Sprintf("after close %d %q byClient=%v reconnecting=%v", info.Code, info.Reason, info.ByClient, info.Reconnecting))
				closed <- info
			},
			OnConnectionError: func(_ context.Context, err error) { record("connection error " + err.Error()) },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.HandleFrame("welcome", func(context.Context, client.Frame) error {
		record("welcome")
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, inits); got != `{"action":"init","payload":{"token":"t0ken"}}` {
		t.Errorf("init frame = %s", got)
	}
	info := recv(t, closed)
	err = c.Wait(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 {
		t.Errorf("Wait = %v, want a CloseError 4001", err)
	}
	if info.Code != 4001 || info.Reason != "bye now" || c.CloseStatus().Code != 4001 {
		t.Errorf("close info = %+v, CloseStatus = %+v", info, c.CloseStatus())
	}
	hs := srv.seenHeaders()
	if len(hs) != 1 || hs[0].Get("Authorization") != "Bearer t0ken" || hs[0].Get("X-Static") != "1" {
		t.Errorf("handshake headers = %v", hs)
	}
	want := []string{
		"before attempt=1 reconnect=false",
		"after connect",
		"welcome",
		`after close 4001 "bye now" byClient=false reconnecting=false`,
	}
	mu.Lock()
	defer mu.Unlock()
	if d := cmp.Diff(want, calls); d != "" {
		t.Errorf("hook order (-want +got):\n%s", d)
	}
}

func TestConnectHookErrors(t *testing.T) {
	srv := startServer(t, nil, echoScript)
	ctx := testCtx(t)

	_, err := client.Dial(ctx, srv.url("/ws"), &client.Options{Hooks: client.Hooks{
		BeforeConnect: func(context.Context, *client.ConnectRequest) error { return errors.New("no token") },
	}})
	if err == nil || err.Error() != "client: before connect: no token" {
		t.Errorf("BeforeConnect failure: %v", err)
	}
	_, err = client.Dial(ctx, srv.url("/ws"), &client.Options{Hooks: client.Hooks{
		AfterConnect: func(context.Context, *client.Client) error { return errors.New("init refused") },
	}})
	if err == nil || err.Error() != "client: after connect: init refused" {
		t.Errorf("AfterConnect failure: %v", err)
	}
}

func TestCloseHandshake(t *testing.T) {
	status := make(chan websocket.StatusCode, 1)
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				status <- websocket.CloseStatus(err)
				return
			}
		}
	})
	ctx := testCtx(t)
	closed := make(chan client.CloseInfo, 1)
	c, err := client.Dial(ctx, srv.url("/ws"), &client.Options{
		Reconnect: &client.Reconnect{MinDelay: time.Millisecond},
		Hooks: client.Hooks{
			AfterClose: func(_ context.Context, info client.CloseInfo) { closed <- info },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, status); got != websocket.StatusNormalClosure {
		t.Errorf("server saw close %v, want 1000", got)
	}
	info := recv(t, closed)
	if !info.ByClient || info.Reconnecting || info.Code != websocket.StatusNormalClosure {
		t.Errorf("close info = %+v", info)
	}
	if err := c.Wait(ctx); err != nil {
		t.Errorf("Wait after Close = %v", err)
	}
	if err := c.Send(ctx, "ping", nil); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Send after Close = %v", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := c.Connect(ctx); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Connect after Close = %v", err)
	}
}

func TestCloseNowWhileHandlerBlocks(t *testing.T) {
	srv := startServer(t, nil, echoScript)
	ctx := testCtx(t)
	c, err := client.New(srv.url("/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{})
	client.Handle(c, "pong", func(ctx context.Context, _ *struct{}) error {
		close(entered)
		<-ctx.Done() // released by CloseNow
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(ctx, "ping", nil); err != nil {
		t.Fatal(err)
	}
	recv(t, entered)
	c.CloseNow()
	if err := c.Wait(ctx); err != nil {
		t.Errorf("Wait after CloseNow = %v", err)
	}
}

func TestRunStopsOnContext(t *testing.T) {
	srv := startServer(t, nil, echoScript)
	c, err := client.New(srv.url("/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	connected := make(chan struct{})
	c2 := c
	go func() {
		for !c2.Connected() {
			time.Sleep(time.Millisecond)
		}
		close(connected)
	}()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	recv(t, connected)
	cancel()
	if err := recv(t, done); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if st := c.CloseStatus(); !st.ByClient {
		t.Errorf("CloseStatus = %+v, want ByClient", st)
	}
}

func TestSendBeforeConnectAndCloseUnconnected(t *testing.T) {
	c, err := client.New("ws://127.0.0.1:1/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if err := c.Send(ctx, "ping", nil); !errors.Is(err, client.ErrNotConnected) {
		t.Errorf("Send before Connect = %v", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Errorf("Close unconnected = %v", err)
	}
	if err := c.Wait(ctx); err != nil {
		t.Errorf("Wait = %v", err)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		url  string
		opts *client.Options
		want string
	}{
		{"ftp://host/x", nil, `client: url "ftp://host/x": scheme must be ws, wss, http or https`},
		{"ws:///x", nil, `client: url "ws:///x" has no host`},
		{"ws://h/x", &client.Options{HTTPClient: &http.Client{Timeout: time.Second}}, "client: Options.HTTPClient.Timeout must be zero; bound Connect with its context"},
	} {
		_, err := client.New(tc.url, tc.opts)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%q) = %v, want %q", tc.url, err, tc.want)
		}
	}
}

func TestDialRejectedWithStatus(t *testing.T) {
	srv := startServer(t, nil, echoScript)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "who are you", http.StatusUnauthorized)
	})
	ctx := testCtx(t)
	var attempts atomic.Int32
	_, err := client.Dial(ctx, srv.url("/ws"), &client.Options{
		// A permanent refusal is not retried even with a policy.
		Reconnect: &client.Reconnect{MinDelay: time.Millisecond},
		Hooks: client.Hooks{BeforeConnect: func(context.Context, *client.ConnectRequest) error {
			attempts.Add(1)
			return nil
		}},
	})
	var de *client.DialError
	if !errors.As(err, &de) || de.StatusCode != http.StatusUnauthorized {
		t.Fatalf("Dial = %v, want a DialError with 401", err)
	}
	if !strings.HasPrefix(err.Error(), "client: dial ws://127.0.0.1:") || !strings.Contains(err.Error(), ": HTTP 401: ") {
		t.Errorf("error text = %q", err)
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

func TestSubprotocolAndReadLimit(t *testing.T) {
	srv := startServer(t, &websocket.AcceptOptions{Subprotocols: []string{"chanx.v1"}}, func(ctx context.Context, c *websocket.Conn) {
		writeJSON(ctx, c, `{"action":"big","payload":"`+strings.Repeat("x", 200)+`"}`)
		_, _, _ = c.Read(ctx)
	})
	ctx := testCtx(t)
	c, err := client.Dial(ctx, srv.url("/ws"), &client.Options{Subprotocols: []string{"chanx.v1"}, ReadLimit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Subprotocol(); got != "chanx.v1" {
		t.Errorf("Subprotocol = %q", got)
	}
	err = c.Wait(ctx)
	if !errors.Is(err, websocket.ErrMessageTooBig) {
		t.Errorf("Wait = %v, want ErrMessageTooBig", err)
	}
	if code := c.CloseStatus().Code; code != websocket.StatusMessageTooBig && code != -1 {
		t.Errorf("close code = %v", code)
	}
}

func TestCamelize(t *testing.T) {
	got := make(chan string, 1)
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		got <- string(data)
		writeJSON(ctx, c, `{"action":"user_info","payload":{"userName":"ann","lastSeenAt":{"unixTime":12345678901234567890}}}`)
		_, _, _ = c.Read(ctx)
	})
	ctx := testCtx(t)
	c, err := client.New(srv.url("/ws"), &client.Options{Camelize: true})
	if err != nil {
		t.Fatal(err)
	}
	type userInfo struct {
		Payload struct {
			UserName   string `json:"user_name"`
			LastSeenAt struct {
				UnixTime json.Number `json:"unix_time"`
			} `json:"last_seen_at"`
		} `json:"payload"`
	}
	infos := make(chan *userInfo, 1)
	client.Handle(c, "user_info", func(_ context.Context, m *userInfo) error {
		infos <- m
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	if err := c.Send(ctx, "get_user", map[string]any{"user_id": 7, "include_last_seen": true}); err != nil {
		t.Fatal(err)
	}
	if s := recv(t, got); s != `{"action":"get_user","payload":{"includeLastSeen":true,"userId":7}}` {
		t.Errorf("sent %s", s)
	}
	m := recv(t, infos)
	if m.Payload.UserName != "ann" || m.Payload.LastSeenAt.UnixTime != "12345678901234567890" {
		t.Errorf("decoded %+v", m.Payload)
	}
}

func TestCustomDiscriminator(t *testing.T) {
	got := make(chan string, 1)
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		got <- string(data)
		writeJSON(ctx, c, `{"type":"hello","payload":1}`)
		_, _, _ = c.Read(ctx)
	})
	ctx := testCtx(t)
	c, err := client.New(srv.url("/ws"), &client.Options{Discriminator: "type"})
	if err != nil {
		t.Fatal(err)
	}
	hello := make(chan client.Frame, 1)
	c.HandleFrame("hello", func(_ context.Context, f client.Frame) error {
		hello <- f
		return nil
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	if err := c.Send(ctx, `say "hi"`, nil); err != nil {
		t.Fatal(err)
	}
	if s := recv(t, got); s != `{"type":"say \"hi\"","payload":null}` {
		t.Errorf("sent %s", s)
	}
	if f := recv(t, hello); string(f.Payload()) != "1" {
		t.Errorf("payload %s", f.Payload())
	}
}

func TestSendFrameAndRawSends(t *testing.T) {
	type msg struct {
		typ  websocket.MessageType
		data string
	}
	got := make(chan msg, 4)
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			got <- msg{typ, string(data)}
		}
	})
	ctx := testCtx(t)
	c, err := client.Dial(ctx, srv.url("/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	if err := c.SendFrame(ctx, struct {
		Action  string `json:"action"`
		Payload []int  `json:"payload"`
	}{"nums", []int{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if err := c.SendText(ctx, []byte("not json")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendBinary(ctx, []byte{9}); err != nil {
		t.Fatal(err)
	}
	if err := c.SendFrame(ctx, func() {}); err == nil || err.Error() != "client: send: encode frame: json: unsupported type: func()" {
		t.Errorf("SendFrame(func) = %v", err)
	}
	want := []msg{
		{websocket.MessageText, `{"action":"nums","payload":[1,2]}`},
		{websocket.MessageText, "not json"},
		{websocket.MessageBinary, "\x09"},
	}
	for _, w := range want {
		if g := recv(t, got); g != w {
			t.Errorf("server got %v %q, want %v %q", g.typ, g.data, w.typ, w.data)
		}
	}
}

func TestWSS(t *testing.T) {
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		echoScript(r.Context(), c)
	}))
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below is expected
	hs.StartTLS()
	defer hs.Close()
	ctx := testCtx(t)
	u, err := client.BuildURL(hs.URL, "/ws/{room}", map[string]string{"room": "secure"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "wss://127.0.0.1:") {
		t.Fatalf("url = %s", u)
	}
	// The test server's certificate is trusted through its own client.
	if _, err := client.Dial(ctx, u, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Dial without trusting the certificate = %v", err)
	}
	c, err := client.Dial(ctx, u, &client.Options{HTTPClient: hs.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
