package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// slowLines is a slog.Handler counting the "closing slow client" lines.
type slowLines struct{ n atomic.Int64 }

func (h *slowLines) Enabled(context.Context, slog.Level) bool { return true }
func (h *slowLines) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "chanx: closing slow client" {
		h.n.Add(1)
	}
	return nil
}
func (h *slowLines) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *slowLines) WithGroup(string) slog.Handler      { return h }

// TestSlowClientClosedOnce is issue #19's "counted and logged twice": a
// client that stops reading while its own handler streams to it (Send
// waits, its timer fires) and broadcasts to its group pile up (the
// never-wait path, whose clock fires too) is closed as a slow client by
// whichever path gets there first, and counted and logged once. 200 runs,
// each on a server of its own. Each run also ends although the client
// neither reads nor closes: the writer stuck on the full socket is ended
// by closing the socket after CloseTimeout, not by coder/websocket's own
// 5 s close-frame timeout (the teardown hang an earlier fix met).
func TestSlowClientClosedOnce(t *testing.T) {
	const runs = 200
	workers := 4
	var wg sync.WaitGroup
	var failed atomic.Bool
	next := make(chan int)
	go func() {
		defer close(next)
		for i := 0; i < runs && !failed.Load(); i++ {
			next <- i
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if msg := slowRun(); msg != "" {
					failed.Store(true)
					t.Errorf("run %d: %s", i, msg)
				}
			}
		}()
	}
	wg.Wait()
}

// slowRun is one run of TestSlowClientClosedOnce; it returns what went
// wrong, "" for nothing.
func slowRun() string {
	const closeTimeout = 20 * time_ms
	met := newCounters()
	lines := &slowLines{}
	srv := New(Options{
		Logger: slog.New(lines), Metrics: met, PingInterval: -1,
		SendQueue: 4, SlowClientTimeout: 5 * time_ms, CloseTimeout: closeTimeout,
	})
	ended := make(chan struct{})
	ch, _ := srv.Channel("/ws", ChannelOptions{
		OnConnect:    func(ctx context.Context, c *Conn) error { return c.Join(ctx, "g") },
		OnDisconnect: func(context.Context, *Conn) { close(ended) },
	})
	frame := []byte(`{"action":"token","payload":"` + strings.Repeat("t", 4096) + `"}`)
	HandleNoReply(ch, "flood", func(ctx context.Context, c *Conn, m *job) error {
		go func() {
			for ctx.Err() == nil {
				_ = c.Broadcast(context.Background(), "g", frame)
			}
		}()
		for c.Send(ctx, frame) == nil {
		}
		return nil
	})
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = smallBuffers{hs.Listener}
	hs.Start()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	}()
	// Dialled and written here, not with the helpers: this runs off the
	// test's goroutine, where t.Fatal must not be called.
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(16 << 10)
		}
		return c, err
	}}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL(hs, "/ws"), &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		return "dial: " + err.Error()
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"action":"flood","payload":{"id":"a"}}`)); err != nil {
		return "send: " + err.Error()
	}
	// The client neither reads nor closes: the server must end the
	// connection by itself. The bound is far above CloseTimeout and far
	// below coder/websocket's 5 s, which an unbroken stuck Write waits for.
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		return "the connection to a client that does not read did not end"
	}
	if n := met.get("slow"); n != 1 {
		return fmt.Sprintf("slow client counted %d times, want 1", n)
	}
	if n := lines.n.Load(); n != 1 {
		return fmt.Sprintf("slow client logged %d times, want 1", n)
	}
	return ""
}
