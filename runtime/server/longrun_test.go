package server

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// These tests are issue #14's: handlers that run long or stream, while the
// connection keeps reading.

// job is a request naming itself, for the long-running tests.
type job struct {
	Action  string `json:"action"`
	Payload struct {
		ID string `json:"id"`
	} `json:"payload"`
}

// caught records what a handler saw when its context ended.
type caught struct {
	mu    sync.Mutex
	cause error
	at    time.Time
	done  chan struct{}
	start chan struct{}
}

func newCaught() *caught { return &caught{done: make(chan struct{}), start: make(chan struct{})} }

// wait is a handler body: it signals that it runs, then waits for ctx or
// for d, and records ctx's cause.
func (k *caught) wait(ctx context.Context, d time.Duration) error {
	close(k.start)
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	k.mu.Lock()
	k.cause, k.at = context.Cause(ctx), time.Now()
	k.mu.Unlock()
	close(k.done)
	return ctx.Err()
}

func (k *caught) result(t *testing.T) (error, time.Time) {
	t.Helper()
	select {
	case <-k.done:
	case <-time.After(testTimeout):
		t.Fatal("handler still running")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.cause, k.at
}

func (k *caught) started(t *testing.T) {
	t.Helper()
	select {
	case <-k.start:
	case <-time.After(testTimeout):
		t.Fatal("handler did not start")
	}
}

// longServer serves "slow" (a handler running d) and "quick" (an instant
// reply, concurrent when asked) on /ws with fast keepalive.
func longServer(t *testing.T, d time.Duration, concurrentQuick bool) (*httptest.Server, *counters) {
	t.Helper()
	met := newCounters()
	srv := New(Options{Logger: quietLogger(), PingInterval: 100 * time_ms, PingTimeout: 50 * time_ms, Metrics: met})
	ch, _ := srv.Channel("/ws", ChannelOptions{})
	Handle(ch, "slow", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(d):
		}
		return &echoReply{Action: "slow_done", Payload: m.Payload.ID}, nil
	})
	var opts []HandleOption
	if concurrentQuick {
		opts = append(opts, Concurrent())
	}
	Handle(ch, "quick", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		return &echoReply{Action: "quick_done", Payload: m.Payload.ID}, nil
	}, opts...)
	return startServer(t, srv), met
}

// reading reads c on a goroutine of its own from now on, as a client that
// answers pings all the time does, and returns what arrives; the channel
// closes when the connection ends.
func reading(c *client) <-chan string {
	frames := make(chan string, 16)
	go func() {
		defer close(frames)
		for {
			f, err := c.tryRead()
			if err != nil {
				return
			}
			frames <- f
		}
	}()
	return frames
}

// next returns the next frame reading delivered.
func next(t *testing.T, frames <-chan string) string {
	t.Helper()
	select {
	case f, ok := <-frames:
		if !ok {
			t.Fatal("connection ended")
		}
		return f
	case <-time.After(testTimeout):
		t.Fatal("no frame")
	}
	return ""
}

// TestLongHandlerKeepsConnection: with a 100 ms keepalive and a 50 ms
// pong timeout, a handler running 5 s keeps its connection, and a frame
// sent meanwhile is answered after it, in order.
func TestLongHandlerKeepsConnection(t *testing.T) {
	t.Parallel()
	hs, met := longServer(t, 5*time.Second, false)
	c := dial(t, hs, "/ws")
	frames := reading(c)
	start := time.Now()
	c.send(`{"action":"slow","payload":{"id":"a"}}`)
	time.Sleep(200 * time_ms) // the slow handler runs
	c.send(`{"action":"quick","payload":{"id":"b"}}`)
	if got := next(t, frames); got != `{"action":"slow_done","payload":"a"}` {
		t.Fatalf("first answer %s", got)
	}
	if d := time.Since(start); d < 5*time.Second {
		t.Errorf("slow answer after %v", d)
	}
	if got := next(t, frames); got != `{"action":"quick_done","payload":"b"}` {
		t.Fatalf("second answer %s", got)
	}
	c.send(`{"action":"ping"}`)
	if got := next(t, frames); action(t, got) != "pong" {
		t.Errorf("after the long handler: %s", got)
	}
	if n := met.get("closed"); n != 0 {
		t.Errorf("%d connections closed during the test", n)
	}
	c.ws.Close(websocket.StatusNormalClosure, "")
	for range frames {
	}
}

// TestConcurrentHandlerOvertakes is the opt-in: a Concurrent route's
// frame is answered while the long handler before it still runs.
func TestConcurrentHandlerOvertakes(t *testing.T) {
	t.Parallel()
	hs, met := longServer(t, 5*time.Second, true)
	c := dial(t, hs, "/ws")
	frames := reading(c)
	start := time.Now()
	c.send(`{"action":"slow","payload":{"id":"a"}}`)
	time.Sleep(200 * time_ms)
	c.send(`{"action":"quick","payload":{"id":"b"}}`)
	if got := next(t, frames); got != `{"action":"quick_done","payload":"b"}` {
		t.Fatalf("first answer %s", got)
	}
	if d := time.Since(start); d >= 5*time.Second {
		t.Errorf("the concurrent answer waited %v for the slow one", d)
	}
	if got := next(t, frames); got != `{"action":"slow_done","payload":"a"}` {
		t.Fatalf("second answer %s", got)
	}
	if d := time.Since(start); d < 5*time.Second {
		t.Errorf("slow answer after %v", d)
	}
	if n := met.get("closed"); n != 0 {
		t.Errorf("%d connections closed during the test", n)
	}
	c.ws.Close(websocket.StatusNormalClosure, "")
	for range frames {
	}
}

// waitServer serves "wait": a handler that runs until its context ends
// (or 30 s) and records why.
func waitServer(t *testing.T, opts Options) (*Server, *httptest.Server, *caught) {
	t.Helper()
	opts.Logger = quietLogger()
	srv := New(opts)
	ch, _ := srv.Channel("/ws", ChannelOptions{})
	k := newCaught()
	HandleNoReply(ch, "wait", func(ctx context.Context, c *Conn, m *job) error {
		return k.wait(ctx, 30*time.Second)
	})
	return srv, startServer(t, srv), k
}

// TestClientCloseCancelsHandler: a client closing mid-handler cancels the
// handler's context within 100 ms, with ErrClientClosed and the client's
// close code as the cause. No timer lies on that path (the close frame is
// read while the handler runs and cancels it at once), so a slower cancel
// is the scheduler of a loaded machine: the bound must hold in one of
// three tries; the cause in every one.
func TestClientCloseCancelsHandler(t *testing.T) {
	var took []time.Duration
	for range 3 {
		_, hs, k := waitServer(t, Options{})
		c := dial(t, hs, "/ws")
		c.send(`{"action":"wait","payload":{"id":"a"}}`)
		k.started(t)
		closed := time.Now()
		go c.ws.Close(4000, "stop") // the handshake's end does not matter here
		cause, at := k.result(t)
		if !errors.Is(cause, ErrClientClosed) || websocket.CloseStatus(cause) != 4000 {
			t.Fatalf("cause %v, want ErrClientClosed with 4000", cause)
		}
		d := at.Sub(closed)
		if d <= 100*time_ms {
			return
		}
		took = append(took, d)
	}
	t.Errorf("handler cancelled %v after the client closed, want within 100ms", took)
}

// TestShutdownCancelsHandlers: Shutdown cancels a running handler with
// ErrShutdown and still closes the connection with 1001.
func TestShutdownCancelsHandlers(t *testing.T) {
	srv, hs, k := waitServer(t, Options{})
	c := dial(t, hs, "/ws")
	c.send(`{"action":"wait","payload":{"id":"a"}}`)
	k.started(t)
	code := make(chan websocket.StatusCode, 1)
	go func() { code <- c.expectClose() }()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	cause, _ := k.result(t)
	if !errors.Is(cause, ErrShutdown) || websocket.CloseStatus(cause) != websocket.StatusGoingAway {
		t.Errorf("cause %v, want ErrShutdown with 1001", cause)
	}
	if got := <-code; got != websocket.StatusGoingAway {
		t.Errorf("closed with %v, want 1001", got)
	}
}

// TestKeepaliveFailureCancelsHandler: a client that stops answering pings
// while its handler runs has it cancelled with ErrKeepaliveTimeout.
func TestKeepaliveFailureCancelsHandler(t *testing.T) {
	_, hs, k := waitServer(t, Options{PingInterval: 20 * time_ms, PingTimeout: 40 * time_ms})
	c := dial(t, hs, "/ws")
	c.send(`{"action":"wait","payload":{"id":"a"}}`) // and never read, so no pong
	cause, _ := k.result(t)
	if !errors.Is(cause, ErrKeepaliveTimeout) {
		t.Errorf("cause %v, want ErrKeepaliveTimeout", cause)
	}
}

// TestCancelOperation: a cancel operation (HandleCancel, concurrent)
// cancels the running handler registered under the same key, which sees
// ErrCanceled; other keys keep running.
func TestCancelOperation(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	ch, _ := srv.Channel("/ws", ChannelOptions{})
	key := func(m *job) string { return m.Payload.ID }
	started := make(chan struct{}, 2)
	Handle(ch, "generate", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		started <- struct{}{}
		<-ctx.Done()
		return &echoReply{Action: "stopped", Payload: m.Payload.ID + ": " + context.Cause(ctx).Error()}, nil
	}, CancelKey(key), Concurrent())
	HandleCancel(ch, "stop_generating", key)
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws")
	c.send(`{"action":"generate","payload":{"id":"one"}}`)
	c.send(`{"action":"generate","payload":{"id":"two"}}`)
	// No waiting for the handlers to start: a cancel reaches every
	// request read before it, started or not (it once raced them).
	c.send(`{"action":"stop_generating","payload":{"id":"two"}}`)
	if got := c.read(); got != `{"action":"stopped","payload":"two: server: canceled by the client"}` {
		t.Fatalf("got %s", got)
	}
	c.send(`{"action":"stop_generating","payload":{"id":"nothing"}}`)
	c.send(`{"action":"stop_generating","payload":{"id":"one"}}`)
	if got := c.read(); got != `{"action":"stopped","payload":"one: server: canceled by the client"}` {
		t.Fatalf("got %s", got)
	}
	if n := len(started); n != 2 {
		t.Errorf("%d handlers started, want 2", n)
	}
}

// TestCancelReachesWaitingRequest: a cancel frame cancels a request read
// before it that still waits behind another handler (it starts with its
// context cancelled), and not one read after it under the same key.
func TestCancelReachesWaitingRequest(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	ch, _ := srv.Channel("/ws", ChannelOptions{})
	key := func(m *job) string { return m.Payload.ID }
	release := make(chan struct{})
	holding := make(chan struct{})
	Handle(ch, "hold", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		close(holding)
		<-release
		return &echoReply{Action: "held"}, nil
	})
	Handle(ch, "generate", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		if ctx.Err() != nil {
			return &echoReply{Action: "stopped", Payload: context.Cause(ctx).Error()}, nil
		}
		return &echoReply{Action: "ran"}, nil
	}, CancelKey(key))
	HandleCancel(ch, "stop_generating", key)
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws")
	c.send(`{"action":"hold","payload":{"id":"h"}}`)
	<-holding
	c.send(`{"action":"generate","payload":{"id":"a"}}`)
	c.send(`{"action":"stop_generating","payload":{"id":"a"}}`)
	c.send(`{"action":"generate","payload":{"id":"a"}}`)
	// The cancel runs on a goroutine of its own, ahead of the waiting
	// frames: release the hold once it has run.
	eventually(t, "the cancel to be recorded", func() bool {
		cc := onlyConn(srv)
		if cc == nil {
			return false
		}
		cc.cmu.Lock()
		defer cc.cmu.Unlock()
		return len(cc.marks) == 1
	})
	close(release)
	for _, want := range []string{
		`{"action":"held","payload":""}`,
		`{"action":"stopped","payload":"server: canceled by the client"}`,
		`{"action":"ran","payload":""}`,
	} {
		if got := c.read(); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
}

// TestStreamReachesFastReader: a handler streams 100,000 frames of 1 KB
// to a client reading at full speed; all arrive, in order, and the send
// queue never holds more than SendQueue frames.
func TestStreamReachesFastReader(t *testing.T) {
	const (
		total = 100_000
		queue = 64
	)
	srv := New(Options{Logger: quietLogger(), SendQueue: queue, PingInterval: -1})
	ch, _ := srv.Channel("/ws", ChannelOptions{})
	pad := make([]byte, 1000)
	for i := range pad {
		pad[i] = 'x'
	}
	var streamErr atomic.Value
	conns := make(chan *Conn, 1)
	HandleStream(ch, "generate", func(ctx context.Context, c *Conn, m *job, out *Stream) (*echoReply, error) {
		conns <- c
		for i := range total {
			f := fmt.Appendf(make([]byte, 0, 1040), `{"action":"token","payload":{"n":%d,"text":"%s"}}`, i, pad)
			if err := out.Send(ctx, f); err != nil {
				streamErr.Store(err)
				return nil, err
			}
		}
		return &echoReply{Action: "done"}, nil
	})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws")
	c.send(`{"action":"generate","payload":{"id":"a"}}`)
	for i := range total {
		got := c.read()
		want := `{"action":"token","payload":{"n":` + strconv.Itoa(i) + `,`
		if len(got) < len(want) || got[:len(want)] != want {
			t.Fatalf("frame %d: %.60s, stream error %v", i, got, streamErr.Load())
		}
	}
	if got := c.read(); got != `{"action":"done","payload":""}` {
		t.Fatalf("final reply %s", got)
	}
	conn := <-conns
	conn.qmu.Lock()
	peak := conn.peak
	conn.qmu.Unlock()
	if peak > queue {
		t.Errorf("send queue reached %d frames, SendQueue is %d", peak, queue)
	}
}

// TestSendTimesOutOnSlowClient: a client that stops reading makes Send
// wait, then return ErrSlowClient (a timeout) after SlowClientTimeout, and
// the connection is closed with 1008.
func TestSendTimesOutOnSlowClient(t *testing.T) {
	const slow = 300 * time_ms
	met := newCounters()
	srv := New(Options{Logger: quietLogger(), SendQueue: 8, SlowClientTimeout: slow, Metrics: met, PingInterval: -1})
	ch, _ := srv.Channel("/ws", ChannelOptions{})
	type outcome struct {
		err     error
		blocked time.Duration // the longest single Send
		sent    int
	}
	res := make(chan outcome, 1)
	frame := []byte(`{"action":"token","payload":"` + strings.Repeat("t", 4096) + `"}`)
	HandleNoReply(ch, "generate", func(ctx context.Context, c *Conn, m *job) error {
		var o outcome
		for {
			start := time.Now()
			err := c.Send(ctx, frame)
			o.blocked = max(o.blocked, time.Since(start))
			if err != nil {
				o.err = err
				res <- o
				return nil
			}
			o.sent++
		}
	})
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = smallBuffers{hs.Listener}
	hs.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	c := dialSmallBuffer(t, hs, "/ws")
	c.send(`{"action":"generate","payload":{"id":"a"}}`)
	var o outcome
	select {
	case o = <-res:
	case <-time.After(testTimeout):
		t.Fatal("Send never gave up on a client that does not read")
	}
	var te interface{ Timeout() bool }
	if !errors.Is(o.err, ErrSlowClient) || !errors.As(o.err, &te) || !te.Timeout() {
		t.Errorf("Send error %v, want ErrSlowClient, a timeout", o.err)
	}
	if o.blocked < slow {
		t.Errorf("Send gave up after %v, before SlowClientTimeout (%v)", o.blocked, slow)
	}
	if o.sent == 0 {
		t.Error("no frame was sent before the queue filled")
	}
	// Reading again lets the queued frames and the close frame through.
	if code := c.expectClose(); code != websocket.StatusPolicyViolation {
		t.Errorf("closed with %v, want 1008", code)
	}
	if n := met.get("slow"); n != 1 {
		t.Errorf("%d slow clients counted, want 1", n)
	}
	if n := met.get("dropped"); n != 0 {
		t.Errorf("%d frames dropped; Send waits instead", n)
	}
}

// TestInboundOverrunCloses: a client that sends more frames than
// InboundQueue lets wait behind a running handler is closed with 1008
// "inbound queue full", and the running handler sees ErrInboundOverrun.
func TestInboundOverrunCloses(t *testing.T) {
	met := newCounters()
	_, hs, k := waitServer(t, Options{InboundQueue: 4, Metrics: met})
	c := dial(t, hs, "/ws")
	c.send(`{"action":"wait","payload":{"id":"a"}}`)
	k.started(t)
	for range 4 { // three wait behind the first; the fourth overruns
		c.send(`{"action":"ping"}`)
	}
	// The running handler, cancelled, may still answer before the close.
	var err error
	var f string
	for err == nil {
		f, err = c.tryRead()
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "inbound queue full" {
		t.Errorf("read %q, %v; want a close with 1008 \"inbound queue full\"", f, err)
	}
	cause, _ := k.result(t)
	if !errors.Is(cause, ErrInboundOverrun) {
		t.Errorf("cause %v, want ErrInboundOverrun", cause)
	}
	if n := met.get("error.overrun"); n != 1 {
		t.Errorf("%d overruns counted, want 1", n)
	}
}

// TestInboundQueueHoldsItsBound: as many frames as InboundQueue allows
// wait behind a running handler and are all answered, in order.
func TestInboundQueueHoldsItsBound(t *testing.T) {
	srv := New(Options{Logger: quietLogger(), InboundQueue: 4})
	ch, _ := srv.Channel("/ws", ChannelOptions{})
	release := make(chan struct{})
	Handle(ch, "hold", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		<-release
		return &echoReply{Action: "held", Payload: m.Payload.ID}, nil
	})
	Handle(ch, "quick", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		return &echoReply{Action: "quick_done", Payload: m.Payload.ID}, nil
	})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws")
	c.send(`{"action":"hold","payload":{"id":"0"}}`)
	for i := 1; i < 4; i++ {
		c.send(`{"action":"quick","payload":{"id":"` + strconv.Itoa(i) + `"}}`)
	}
	time.Sleep(50 * time_ms) // all four read
	close(release)
	want := []string{`{"action":"held","payload":"0"}`}
	for i := 1; i < 4; i++ {
		want = append(want, `{"action":"quick_done","payload":"`+strconv.Itoa(i)+`"}`)
	}
	for _, w := range want {
		if got := c.read(); got != w {
			t.Fatalf("got %s, want %s", got, w)
		}
	}
}

// onlyConn returns the server's one connection, nil when it has none.
func onlyConn(srv *Server) *Conn {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	for _, c := range srv.conns {
		return c
	}
	return nil
}

// TestCancelThatAnswers: a route with Cancels (and Concurrent) cancels the
// running handler under its key, then answers with its own reply, as
// Python Chanx's "cancel_answer" → "answer_cancelled" does.
func TestCancelThatAnswers(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	ch, _ := srv.Channel("/ws", ChannelOptions{})
	key := func(m *job) string { return m.Payload.ID }
	started := make(chan struct{})
	Handle(ch, "generate", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		close(started)
		<-ctx.Done()
		return &echoReply{Action: "stopped", Payload: context.Cause(ctx).Error()}, nil
	}, CancelKey(key))
	Handle(ch, "cancel_answer", func(ctx context.Context, c *Conn, m *job) (*echoReply, error) {
		return &echoReply{Action: "answer_cancelled", Payload: m.Payload.ID}, nil
	}, Cancels(key), Concurrent())
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws")
	c.send(`{"action":"generate","payload":{"id":"a"}}`)
	<-started
	c.send(`{"action":"cancel_answer","payload":{"id":"a"}}`)
	got := []string{c.read(), c.read()}
	slices.Sort(got) // the two answers race each other
	want := []string{`{"action":"answer_cancelled","payload":"a"}`, `{"action":"stopped","payload":"server: canceled by the client"}`}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
