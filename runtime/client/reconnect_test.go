package client_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/client"
)

// fastReconnect keeps reconnect tests quick without making them timing
// sensitive: every wait is a few milliseconds.
func fastReconnect() *client.Reconnect {
	return &client.Reconnect{MinDelay: 2 * time.Millisecond, MaxDelay: 20 * time.Millisecond}
}

func TestReconnectAfterServerDrops(t *testing.T) {
	var conns atomic.Int32
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		if conns.Add(1) == 1 {
			// The first connection dies after its first frame, without a
			// close frame, like a server process being killed.
			_, _, _ = c.Read(ctx)
			c.CloseNow()
			return
		}
		echoScript(ctx, c)
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
	reconnected := make(chan int, 1)
	c, err := client.New(srv.url("/ws"), &client.Options{
		Reconnect: fastReconnect(),
		Hooks: client.Hooks{
			BeforeConnect: func(_ context.Context, req *client.ConnectRequest) error {
				if req.Reconnect {
					record("before reconnect")
				} else {
					record("before connect")
				}
				return nil
			},
			AfterConnect: func(context.Context, *client.Client) error { record("after connect"); return nil },
			AfterClose: func(_ context.Context, info client.CloseInfo) {
				record("after close reconnecting=" + map[bool]string{true: "yes", false: "no"}[info.Reconnecting])
			},
			OnConnectionError: func(_ context.Context, err error) {
				if strings.HasPrefix(err.Error(), "client: connection lost: ") {
					record("connection lost")
				} else {
					record("connection error " + err.Error())
				}
			},
			AfterReconnect: func(_ context.Context, _ *client.Client, attempt int) {
				record("after reconnect")
				reconnected <- attempt
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	if err := c.Send(ctx, "die", nil); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, reconnected); n != 1 {
		t.Errorf("reconnect took %d attempts, want 1", n)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping after reconnect: %v", err)
	}
	mu.Lock()
	got := strings.Join(events, "\n")
	mu.Unlock()
	want := strings.Join([]string{
		"before connect", "after connect",
		"connection lost", "after close reconnecting=yes",
		"before reconnect", "after connect", "after reconnect",
	}, "\n")
	if got != want {
		t.Errorf("hooks:\n%s\nwant:\n%s", got, want)
	}
}

// restartable is a server whose process "dies" (listener and connections
// closed) and starts again on the same address.
type restartable struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	srv  *wsServer
	kill chan struct{}
}

func (r *restartable) start() {
	r.t.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Fatalf("listen %s: %v", r.addr, err)
	}
	kill := make(chan struct{})
	srv := startServerOn(r.t, ln, func(ctx context.Context, c *websocket.Conn) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-kill:
				c.CloseNow()
			case <-ctx.Done():
			}
		}()
		echoScript(ctx, c)
	})
	r.mu.Lock()
	r.srv, r.kill = srv, kill
	r.mu.Unlock()
}

func (r *restartable) stop() {
	r.mu.Lock()
	srv, kill := r.srv, r.kill
	r.mu.Unlock()
	close(kill)
	srv.Close()
}

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestReconnectToRestartedServer(t *testing.T) {
	r := &restartable{t: t, addr: freeAddr(t)}
	r.start()
	ctx := testCtx(t)
	dialFailures := make(chan error, 100)
	reconnected := make(chan int, 1)
	c, err := client.Dial(ctx, "ws://"+r.addr+"/ws", &client.Options{
		Reconnect: fastReconnect(),
		Hooks: client.Hooks{
			OnConnectionError: func(_ context.Context, err error) {
				var de *client.DialError
				if errors.As(err, &de) {
					dialFailures <- err
				}
			},
			AfterReconnect: func(_ context.Context, _ *client.Client, attempt int) { reconnected <- attempt },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	r.stop()
	// The client keeps failing to dial while the server is down...
	for range 3 {
		err := recv(t, dialFailures)
		if !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("dial failure = %v", err)
		}
	}
	if err := c.Send(ctx, "ping", nil); !errors.Is(err, client.ErrNotConnected) {
		t.Errorf("Send while down = %v, want ErrNotConnected", err)
	}
	// ...and comes back when the server does.
	r.start()
	if n := recv(t, reconnected); n < 4 {
		t.Errorf("reconnected after %d attempts, want at least 4", n)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
}

func TestConnectRetriesServerDownAtFirst(t *testing.T) {
	addr := freeAddr(t)
	ctx := testCtx(t)
	failures := make(chan error, 100)
	c, err := client.New("ws://"+addr+"/ws", &client.Options{
		Reconnect: fastReconnect(),
		Hooks: client.Hooks{
			OnConnectionError: func(_ context.Context, err error) { failures <- err },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	connected := make(chan error, 1)
	go func() { connected <- c.Connect(ctx) }()
	recv(t, failures)
	recv(t, failures)
	r := &restartable{t: t, addr: addr}
	r.start()
	if err := recv(t, connected); err != nil {
		t.Fatalf("Connect = %v", err)
	}
	defer mustClose(t, c)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestConnectWithoutPolicyFailsFast(t *testing.T) {
	_, err := client.Dial(testCtx(t), "ws://"+freeAddr(t)+"/ws", nil)
	var de *client.DialError
	if !errors.As(err, &de) || de.StatusCode != 0 || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Dial to a closed port = %v", err)
	}
}

func TestReconnectGivesUp(t *testing.T) {
	t.Run("max attempts", func(t *testing.T) {
		var attempts atomic.Int32
		_, err := client.Dial(testCtx(t), "ws://"+freeAddr(t)+"/ws", &client.Options{
			Reconnect: &client.Reconnect{MinDelay: time.Millisecond, MaxAttempts: 3},
			Hooks: client.Hooks{BeforeConnect: func(context.Context, *client.ConnectRequest) error {
				attempts.Add(1)
				return nil
			}},
		})
		if err == nil || !strings.HasPrefix(err.Error(), "client: gave up after 3 attempts: client: dial ws://") {
			t.Errorf("err = %v", err)
		}
		if n := attempts.Load(); n != 3 {
			t.Errorf("attempts = %d", n)
		}
	})
	t.Run("max elapsed", func(t *testing.T) {
		_, err := client.Dial(testCtx(t), "ws://"+freeAddr(t)+"/ws", &client.Options{
			Reconnect: &client.Reconnect{MinDelay: 10 * time.Millisecond, Jitter: -1, MaxElapsed: 25 * time.Millisecond},
		})
		if err == nil || !strings.HasPrefix(err.Error(), "client: gave up after 25ms: client: dial ws://") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(testCtx(t), 30*time.Millisecond)
		defer cancel()
		_, err := client.Dial(ctx, "ws://"+freeAddr(t)+"/ws", &client.Options{Reconnect: fastReconnect()})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("after a drop", func(t *testing.T) {
		srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) { c.CloseNow() })
		ctx := testCtx(t)
		var conns atomic.Int32
		c, err := client.Dial(ctx, srv.url("/ws"), &client.Options{
			Reconnect: &client.Reconnect{MinDelay: time.Millisecond, MaxAttempts: 2},
			Hooks: client.Hooks{
				BeforeConnect: func(_ context.Context, req *client.ConnectRequest) error {
					if conns.Add(1) > 1 {
						return errors.New("refused by test")
					}
					return nil
				},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Wait(ctx)
		if err == nil || err.Error() != "client: gave up after 2 attempts: client: before connect: refused by test" {
			t.Errorf("Wait = %v", err)
		}
	})
}

func TestNoReconnectAfterPolicyViolation(t *testing.T) {
	var conns atomic.Int32
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		conns.Add(1)
		_ = c.Close(websocket.StatusPolicyViolation, "authentication failed")
	})
	ctx := testCtx(t)
	c, err := client.Dial(ctx, srv.url("/ws"), &client.Options{Reconnect: fastReconnect()})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Wait(ctx)
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Errorf("Wait = %v", err)
	}
	if st := c.CloseStatus(); st.Reason != "authentication failed" || st.Reconnecting {
		t.Errorf("CloseStatus = %+v", st)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("connections = %d, want 1", n)
	}
}

func TestCloseStopsReconnecting(t *testing.T) {
	addr := freeAddr(t)
	r := &restartable{t: t, addr: addr}
	r.start()
	ctx := testCtx(t)
	failures := make(chan error, 100)
	c, err := client.Dial(ctx, "ws://"+addr+"/ws", &client.Options{
		Reconnect: &client.Reconnect{MinDelay: time.Hour},
		Hooks: client.Hooks{
			OnConnectionError: func(_ context.Context, err error) { failures <- err },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.stop()
	recv(t, failures) // the drop; the client now waits an hour to redial
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(ctx); err != nil {
		t.Errorf("Wait = %v", err)
	}
}

// TestHooksNeverOverlap drives every hook and handler through bursts of
// frames, junk and two reconnects while checking that no two ever run at
// the same time; -race sees the same from the memory side.
func TestHooksNeverOverlap(t *testing.T) {
	var conns atomic.Int32
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		n := conns.Add(1)
		for range 20 {
			writeJSON(ctx, c, `{"action":"tick","payload":null}`)
			writeJSON(ctx, c, `not json`)
			writeJSON(ctx, c, `{"action":"error","payload":{"detail":"x"}}`)
			writeJSON(ctx, c, `{"action":"unknown","payload":null}`)
		}
		if n < 3 {
			c.CloseNow()
			return
		}
		writeJSON(ctx, c, `{"action":"done","payload":null}`)
		_, _, _ = c.Read(ctx)
	})
	var inside atomic.Int32
	enter := func() func() {
		if inside.Add(1) != 1 {
			t.Error("two hooks or handlers ran at once")
		}
		return func() { inside.Add(-1) }
	}
	ctx := testCtx(t)
	done := make(chan struct{})
	c, err := client.New(srv.url("/ws"), &client.Options{
		Reconnect: fastReconnect(),
		Hooks: client.Hooks{
			BeforeConnect:     func(context.Context, *client.ConnectRequest) error { defer enter()(); return nil },
			AfterConnect:      func(context.Context, *client.Client) error { defer enter()(); return nil },
			AfterReconnect:    func(context.Context, *client.Client, int) { defer enter()() },
			AfterClose:        func(context.Context, client.CloseInfo) { defer enter()() },
			OnError:           func(context.Context, *client.ServerError) { defer enter()() },
			OnInvalidMessage:  func(context.Context, []byte, error) { defer enter()() },
			OnRawData:         func(context.Context, websocket.MessageType, []byte) { defer enter()() },
			OnConnectionError: func(context.Context, error) { defer enter()() },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.HandleFrame("tick", func(context.Context, client.Frame) error { defer enter()(); return nil })
	c.HandleFrame("done", func(context.Context, client.Frame) error { defer enter()(); close(done); return nil })
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	recv(t, done)
}

func TestKeepaliveDropsDeadConnection(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var conns atomic.Int32
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		if conns.Add(1) == 1 {
			// A server that never reads never answers pings: to the
			// client it looks like a dead network.
			select {
			case <-release:
			case <-ctx.Done():
			}
			return
		}
		echoScript(ctx, c)
	})
	ctx := testCtx(t)
	lost := make(chan error, 1)
	reconnected := make(chan struct{}, 1)
	c, err := client.Dial(ctx, srv.url("/ws"), &client.Options{
		PingInterval: 10 * time.Millisecond,
		PingTimeout:  200 * time.Millisecond, // generous: a loaded CI box must not drop the healthy one
		Reconnect:    fastReconnect(),
		Hooks: client.Hooks{
			OnConnectionError: func(_ context.Context, err error) { lost <- err },
			AfterReconnect:    func(context.Context, *client.Client, int) { reconnected <- struct{}{} },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, c)
	err = recv(t, lost)
	if want := "client: connection lost: client: keepalive: no pong within 200ms: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("connection error = %v, want prefix %q", err, want)
	}
	recv(t, reconnected)
	if err := c.Ping(ctx); err != nil {
		t.Errorf("Ping after reconnect: %v", err)
	}
}
