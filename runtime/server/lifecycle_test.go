package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if kind := os.Getenv(childEnv); kind != "" {
		runChildServer(kind)
		return
	}
	goleak.VerifyTestMain(m)
}

// smallBuffers shrinks the kernel send buffer of accepted connections, so
// a client that never reads fills it after a few frames instead of
// megabytes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(32 << 10)
	}
	return c, err
}

// TestSlowClientDoesNotDelayOthers sends 1,000 broadcasts to a room where
// one member never reads: the others get every frame, the stuck member's
// queue never grows past SendQueue, and it is closed and counted.
func TestSlowClientDoesNotDelayOthers(t *testing.T) {
	const (
		queue     = 64
		total     = 1000
		wave      = 50
		readers   = 3
		frameSize = 4 << 10
	)
	met := newCounters()
	srv := New(Options{SendQueue: queue, SlowClientTimeout: 200 * time_ms, CloseTimeout: 100 * time_ms, Metrics: met, Logger: quietLogger()})
	ch, _ := srv.Channel("/ws/room", ChannelOptions{OnConnect: func(ctx context.Context, c *Conn) error {
		return c.Join(ctx, "room")
	}})
	_ = ch
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = smallBuffers{hs.Listener}
	hs.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})

	slow := dialSmallBuffer(t, hs, "/ws/room") // never reads
	var got [readers]atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait) // cleanups run last-in first-out: after the closes below
	for i := range readers {
		c := dial(t, hs, "/ws/room")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := c.tryRead(); err != nil {
					return
				}
				got[i].Add(1)
			}
		}()
		t.Cleanup(func() { c.ws.CloseNow() })
	}
	eventually(t, "members", func() bool { return memberCount(srv, "room") == readers+1 })
	var slowConn *Conn
	srv.mu.RLock()
	for _, c := range srv.conns {
		if slowConn == nil || c.id < slowConn.id {
			slowConn = c // the first connection opened is the slow one
		}
	}
	srv.mu.RUnlock()

	frame := []byte(`{"action":"news","payload":"` + strings.Repeat("n", frameSize) + `"}`)
	for sent := 0; sent < total; {
		for range wave {
			if err := srv.Publish(context.Background(), "room", frame); err != nil {
				t.Fatal(err)
			}
			sent++
		}
		eventually(t, "readers caught up", func() bool {
			for i := range got {
				if got[i].Load() != int64(sent) {
					return false
				}
			}
			return true
		})
	}
	eventually(t, "slow client closed", func() bool { return met.get("slow") == 1 })
	slowConn.qmu.Lock()
	peak := slowConn.peak
	slowConn.qmu.Unlock()
	if peak > queue {
		t.Errorf("slow client's queue reached %d frames, bound is %d", peak, queue)
	}
	if met.get("dropped") == 0 {
		t.Error("no frame was counted as dropped for the slow client")
	}
	_ = slow
}

// dialSmallBuffer dials with a small kernel receive buffer, so a client
// that never reads stops accepting data after a few frames.
func dialSmallBuffer(t testing.TB, hs *httptest.Server, path string) *client {
	t.Helper()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(16 << 10)
		}
		return c, err
	}}
	t.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL(hs, path), &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &client{t: t, ws: ws}
}

func TestShutdownClosesWithGoingAway(t *testing.T) {
	srv, hs := newChat(t, Options{})
	var cs []*client
	for range 5 {
		cs = append(cs, dial(t, hs, "/ws/chat/s"))
	}
	eventually(t, "members", func() bool { return memberCount(srv, "room.s") == 5 })
	// Clients read all the time, so they answer the close handshake.
	codes := make(chan websocket.StatusCode, len(cs))
	for _, c := range cs {
		go func() { codes <- c.expectClose() }()
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for range cs {
		if code := <-codes; code != websocket.StatusGoingAway {
			t.Errorf("closed with %v, want 1001", code)
		}
	}
	_, resp, err := websocket.Dial(ctx, wsURL(hs, "/ws/chat/s"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after shutdown: %v, want HTTP 503", err)
	}
}

func TestShutdownBoundedByContext(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	srv := New(Options{Logger: quietLogger()})
	ch, _ := srv.Channel("/ws/block", ChannelOptions{})
	HandleNoReply(ch, "block", func(ctx context.Context, c *Conn, m *echoReply) error {
		close(entered)
		<-release // ignores ctx on purpose
		return nil
	})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/block")
	c.send(`{"action":"block","payload":""}`)
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time_ms)
	defer cancel()
	err := srv.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "server: shutdown: context deadline exceeded" {
		t.Errorf("Shutdown with a stuck handler = %v", err)
	}
	close(release)
}

func TestKeepaliveDropsSilentPeer(t *testing.T) {
	met := newCounters()
	_, hs := newChat(t, Options{PingInterval: 20 * time_ms, PingTimeout: 40 * time_ms, Metrics: met})
	live := dial(t, hs, "/ws/chat/k")
	frames := make(chan string, 16)
	go func() { // reading is what answers the server's pings
		defer close(frames)
		for {
			f, err := live.tryRead()
			if err != nil {
				return
			}
			frames <- f
		}
	}()
	_ = dial(t, hs, "/ws/chat/k") // never reads, so never answers a ping
	eventually(t, "silent peer dropped", func() bool { return met.get("closed") >= 1 })
	for range 5 {
		live.send(`{"action":"ping"}`)
		if got := <-frames; action(t, got) != "pong" {
			t.Fatalf("live connection: %s", got)
		}
		sleep(30 * time_ms)
	}
	if n := met.get("closed"); n != 1 {
		t.Errorf("%d connections closed, want only the silent one", n)
	}
	live.ws.CloseNow()
	for range frames {
	}
}

// TestConnectDisconnectCycles opens and closes 10,000 connections, half
// with a close handshake, a tenth exchanging a frame, and checks that no
// goroutine outlives them.
func TestConnectDisconnectCycles(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cycles := cyclesN
	met := newCounters()
	srv, hs := newChatUnmanaged(t, Options{Metrics: met})
	const workers = 4
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(cycles) {
					return
				}
				if err := cycle(hs, int(i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	eventually(t, "all closed", func() bool { return met.get("closed") == cycles })
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	hs.Close()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

func cycle(hs *httptest.Server, i int) error {
	// Generous: under -race on a loaded machine one cycle can stall.
	ctx, cancel := context.WithTimeout(context.Background(), 6*testTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL(hs, "/ws/chat/cycle"), nil)
	if err != nil {
		return err
	}
	if i%10 == 0 {
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
			return err
		}
		if _, _, err := ws.Read(ctx); err != nil {
			return err
		}
	}
	if i%2 == 0 {
		return ws.Close(websocket.StatusNormalClosure, "")
	}
	return ws.CloseNow()
}

// newChatUnmanaged is newChat without the cleanup, for tests that shut the
// server down themselves.
func newChatUnmanaged(t testing.TB, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	opts.Logger = quietLogger()
	srv := New(opts)
	ch, err := srv.Channel("/ws/chat/{room}", ChannelOptions{OnConnect: func(ctx context.Context, c *Conn) error {
		return c.Join(ctx, "room."+c.Param("room"))
	}})
	if err != nil {
		t.Fatal(err)
	}
	_ = ch
	return srv, httptest.NewServer(srv)
}

var cyclesN = 10000

// ServeHTTP returns once the connection is upgraded (the connection is
// served on a goroutine of its own, so net/http's goroutine and stack do
// not stay with an idle connection): a middleware around the server sees
// it return while the connection keeps working, and canceling the
// request's context, as net/http does then, ends nothing. Shutdown still
// waits for the connection.
func TestServeHTTPReturnsAfterUpgrade(t *testing.T) {
	srv, _ := newChat(t, Options{})
	returned := make(chan struct{}, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		returned <- struct{}{}
	}))
	defer hs.Close()
	c := dial(t, hs, "/ws/chat/ret")
	select {
	case <-returned:
	case <-time.After(testTimeout):
		t.Fatal("ServeHTTP did not return after the upgrade")
	}
	for i := range 3 {
		want := fmt.Sprintf(`{"action":"echo","payload":"%d"}`, i)
		if got := c.roundTrip(want); got != want {
			t.Fatalf("after ServeHTTP returned: %s, want %s", got, want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	if code := c.expectClose(); code != websocket.StatusGoingAway {
		t.Fatalf("closed with %v, want going away", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
