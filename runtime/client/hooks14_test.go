package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/client"
)

// Issue #14's client points, a test each.

// TestConnectionErrorOnFirstFailedDial: OnConnectionError sees a first
// dial that fails, without any Reconnect policy.
func TestConnectionErrorOnFirstFailedDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var seen []error
	_, err = client.Dial(testCtx(t), "ws://"+addr+"/ws", &client.Options{Hooks: client.Hooks{
		OnConnectionError: func(_ context.Context, err error) { seen = append(seen, err) },
	}})
	var de *client.DialError
	if !errors.As(err, &de) || de.StatusCode != 0 {
		t.Fatalf("Dial = %v, want a DialError without a status", err)
	}
	if len(seen) != 1 || seen[0] != err {
		t.Errorf("OnConnectionError got %v, want the dial error once", seen)
	}
}

// TestConnectionErrorOnRefusalWithBody: a 401 or 403 goes to
// OnConnectionError too (once: it is not retried), and the DialError
// carries the status, the headers and the server's body.
func TestConnectionErrorOnRefusalWithBody(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		srv := startServer(t, nil, echoScript)
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Reason", "feed")
			http.Error(w, "not your feed", status)
		})
		var seen []error
		_, err := client.Dial(testCtx(t), srv.url("/ws"), &client.Options{
			Reconnect: fastReconnect(),
			Hooks: client.Hooks{
				OnConnectionError: func(_ context.Context, err error) { seen = append(seen, err) },
			},
		})
		var de *client.DialError
		if !errors.As(err, &de) || de.StatusCode != status {
			t.Fatalf("Dial = %v, want a DialError with %d", err, status)
		}
		if string(de.Body) != "not your feed\n" || de.Header.Get("X-Reason") != "feed" {
			t.Errorf("%d: body %q, X-Reason %q", status, de.Body, de.Header.Get("X-Reason"))
		}
		if len(seen) != 1 || seen[0] != err {
			t.Errorf("%d: OnConnectionError got %v, want the refusal once", status, seen)
		}
	}
}

// TestCloseWithCode: CloseWith sends its code and reason, and
// CloseStatus reports them.
func TestCloseWithCode(t *testing.T) {
	got := make(chan websocket.CloseError, 1)
	srv := startServer(t, nil, func(ctx context.Context, c *websocket.Conn) {
		_, _, err := c.Read(ctx)
		var ce websocket.CloseError
		errors.As(err, &ce)
		got <- ce
	})
	ctx := testCtx(t)
	c, err := client.Dial(ctx, srv.url("/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWith(ctx, 4001, "going home"); err != nil {
		t.Fatalf("CloseWith: %v", err)
	}
	if ce := recv(t, got); ce.Code != 4001 || ce.Reason != "going home" {
		t.Errorf("server saw %v, want 4001 \"going home\"", ce)
	}
	if info := c.CloseStatus(); info.Code != 4001 || !info.ByClient {
		t.Errorf("CloseStatus = %+v", info)
	}
}

// subscribeScript greets each connection with an unsolicited frame, then
// acknowledges every subscribe; the first connection is dropped after its
// first acknowledgement when dropFirst is set.
func subscribeScript(subscribes *atomic.Int32, dropFirst bool) func(ctx context.Context, c *websocket.Conn) {
	var conns atomic.Int32
	return func(ctx context.Context, c *websocket.Conn) {
		n := conns.Add(1)
		writeJSON(ctx, c, `{"action":"welcome","payload":null}`)
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			if string(data) == `{"action":"subscribe","payload":"feed"}` {
				subscribes.Add(1)
				writeJSON(ctx, c, `{"action":"subscribed","payload":"feed"}`)
				if dropFirst && n == 1 {
					c.CloseNow()
					return
				}
			}
		}
	}
}

// TestRequestFromAfterConnect: AfterConnect may Request and gets its
// reply; a frame that arrived meanwhile reaches its handler after the hook
// returned, not during it.
func TestRequestFromAfterConnect(t *testing.T) {
	var subscribes atomic.Int32
	srv := startServer(t, nil, subscribeScript(&subscribes, false))
	ctx := testCtx(t)
	var hookDone atomic.Bool
	welcomed := make(chan bool, 1)
	c, err := client.New(srv.url("/ws"), &client.Options{Hooks: client.Hooks{
		AfterConnect: func(ctx context.Context, c *client.Client) error {
			defer hookDone.Store(true)
			f, err := c.Request(ctx, map[string]string{"action": "subscribe", "payload": "feed"}, "subscribed")
			if err != nil {
				return err
			}
			if string(f.Data) != `{"action":"subscribed","payload":"feed"}` {
				t.Errorf("reply %s", f.Data)
			}
			return nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c.HandleFrame("welcome", func(context.Context, client.Frame) error {
		welcomed <- hookDone.Load()
		return nil
	})
	c.HandleFrame("subscribed", func(context.Context, client.Frame) error { return nil })
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer mustClose(t, c)
	if !recv(t, welcomed) {
		t.Error("the welcome handler ran while AfterConnect did")
	}
	if n := subscribes.Load(); n != 1 {
		t.Errorf("%d subscribes, want 1", n)
	}
}

// TestResubscribeAfterReconnect: AfterReconnect re-sends the
// subscription with a Request on the new connection.
func TestResubscribeAfterReconnect(t *testing.T) {
	var subscribes atomic.Int32
	srv := startServer(t, nil, subscribeScript(&subscribes, true))
	ctx := testCtx(t)
	subscribe := func(ctx context.Context, c *client.Client) error {
		_, err := c.Request(ctx, map[string]string{"action": "subscribe", "payload": "feed"}, "subscribed")
		return err
	}
	var mu sync.Mutex
	var resubErr error
	resubscribed := make(chan struct{})
	c, err := client.New(srv.url("/ws"), &client.Options{
		Reconnect: fastReconnect(),
		Hooks: client.Hooks{
			AfterConnect: func(ctx context.Context, c *client.Client) error {
				if subscribes.Load() == 0 {
					return subscribe(ctx, c)
				}
				return nil
			},
			AfterReconnect: func(ctx context.Context, c *client.Client, attempt int) {
				mu.Lock()
				resubErr = subscribe(ctx, c)
				mu.Unlock()
				close(resubscribed)
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.HandleFrame("welcome", func(context.Context, client.Frame) error { return nil })
	c.HandleFrame("subscribed", func(context.Context, client.Frame) error { return nil })
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer mustClose(t, c)
	recv(t, resubscribed)
	mu.Lock()
	defer mu.Unlock()
	if resubErr != nil {
		t.Errorf("re-subscribing after the reconnect: %v", resubErr)
	}
	if n := subscribes.Load(); n != 2 {
		t.Errorf("%d subscribes, want 2", n)
	}
}
