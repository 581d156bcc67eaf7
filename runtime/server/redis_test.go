package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/server"
)

// These tests run chanx servers that share groups through a real
// redis-server (internal/testredis): two servers in this process, each
// with its own redislayer (and so its own Redis connection and process
// prefix), as two processes would be, and one server in a real second
// process. They skip when redis-server is not installed, unless
// CHANX_TEST_REDIS=required.

// redisWait bounds every wait in these tests; reaching it is a failure.
const redisWait = 10 * time.Second

// redisRecoveryWait bounds how long cross-process delivery may take to
// come back after Redis restarts (rueidis reconnects and resubscribes by
// itself, typically within a second).
const redisRecoveryWait = 15 * time.Second

// redisChatMessage is the chat example's frame, as a generated package
// would declare it.
type redisChatMessage struct {
	Action  string `json:"action"`
	Payload struct {
		Message string `json:"message"`
		Name    string `json:"name"`
	} `json:"payload"`
}

// redisWhoami asks the server for the connection's id, which the tests
// pass to SendToConn.
type redisWhoami struct {
	Action string `json:"action"`
}

type redisWhoamiReply struct {
	Action  string `json:"action"`
	Payload string `json:"payload"`
}

// redisEcho is a request answered by its sender's server alone: local
// request/reply traffic, which must not need Redis.
type redisEcho struct {
	Action  string `json:"action"`
	Payload string `json:"payload"`
}

// publishCounter is a metrics.Metrics that counts layer publishes, failed
// and not, and frames answered with the partial-delivery error.
type publishCounter struct {
	metrics.Nop
	ok, failed atomic.Int64
	partial    atomic.Int64
}

func (m *publishCounter) FrameError(_, reason string) {
	if reason == metrics.ReasonPartialDelivery {
		m.partial.Add(1)
	}
}

func (m *publishCounter) LayerPublished(failed bool) {
	if failed {
		m.failed.Add(1)
	} else {
		m.ok.Add(1)
	}
}

var redisPrefixes atomic.Int64

// redisPrefix keeps the Redis channel names of each test apart, so tests
// sharing a borrowed Redis (CHANX_TEST_REDIS_URL) cannot see each other.
func redisPrefix() string {
	return fmt.Sprintf("chanxsrv:%d:%d:", os.Getpid(), redisPrefixes.Add(1))
}

// newRedisLayer connects a layer of its own to url, closed at the end of
// the test (after the servers using it, which were started later).
func newRedisLayer(t testing.TB, url, prefix string) *redislayer.Layer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), redisWait)
	defer cancel()
	l, err := redislayer.New(ctx, url, redislayer.Options{KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("redislayer.New: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("layer Close: %v", err)
		}
	})
	return l
}

// newRedisChat builds the chat server every test here uses: members of
// /ws/chat/{room} join "room.<room>"; new_chat_message is broadcast to the
// room except its sender; whoami answers the connection id; echo answers
// its own payload.
func newRedisChat(l layer.Layer, m metrics.Metrics) *server.Server {
	if m == nil {
		m = metrics.Nop{}
	}
	srv := server.New(server.Options{Layer: l, Logger: slog.New(slog.DiscardHandler), Metrics: m})
	// /ws/chat-ack/{room} is the same chat with acknowledged broadcasts
	// (ChannelOptions.PublishAck): its handler waits for Redis's reply.
	for _, c := range []struct {
		address string
		ack     bool
	}{{"/ws/chat/{room}", false}, {"/ws/chat-ack/{room}", true}} {
		ch, err := srv.Channel(c.address, server.ChannelOptions{
			OnConnect: func(ctx context.Context, c *server.Conn) error {
				return c.Join(ctx, "room."+c.Param("room"))
			},
			PublishAck: c.ack,
		})
		if err != nil {
			panic(err)
		}
		server.HandleNoReply(ch, "new_chat_message", func(ctx context.Context, c *server.Conn, m *redisChatMessage) error {
			return c.Broadcast(ctx, "room."+c.Param("room"), m, server.ExcludeSelf)
		})
		server.Handle(ch, "whoami", func(ctx context.Context, c *server.Conn, _ *redisWhoami) (*redisWhoamiReply, error) {
			return &redisWhoamiReply{Action: "whoami", Payload: c.ID()}, nil
		})
		server.Handle(ch, "echo", func(ctx context.Context, c *server.Conn, m *redisEcho) (*redisEcho, error) {
			return m, nil
		})
	}
	return srv
}

// serveRedisChat serves a chat server on a loopback port and returns the
// ws:// base URL; the server is shut down at the end of the test.
func serveRedisChat(t testing.TB, l layer.Layer, m metrics.Metrics) (*server.Server, string) {
	t.Helper()
	srv := newRedisChat(l, m)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), redisWait)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		hs.Close()
	})
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http")
}

// rxClient is a test WebSocket whose frames a goroutine reads into a
// channel, so a test can wait for a frame with a timeout without
// cancelling a Read (which would close a coder/websocket connection).
type rxClient struct {
	t      testing.TB
	name   string
	ws     *websocket.Conn
	frames chan string
	done   chan struct{}
}

func dialRx(t testing.TB, name, url string) *rxClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), redisWait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("%s: dial %s: %v", name, url, err)
	}
	ws.SetReadLimit(-1)
	c := &rxClient{t: t, name: name, ws: ws, frames: make(chan string, 1024), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer close(c.frames)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			c.frames <- string(b)
		}
	}()
	t.Cleanup(func() {
		ws.CloseNow()
		<-c.done
	})
	return c
}

func (c *rxClient) send(frame string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), redisWait)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("%s: send %s: %v", c.name, frame, err)
	}
}

// next returns the next frame, or false when none arrives within d.
func (c *rxClient) next(d time.Duration) (string, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("%s: connection closed while waiting for a frame", c.name)
		}
		return f, true
	case <-t.C:
		return "", false
	}
}

// expect fails the test unless the next frame is want.
func (c *rxClient) expect(want string) {
	c.t.Helper()
	got, ok := c.next(redisWait)
	if !ok {
		c.t.Fatalf("%s: no frame within %v, want %s", c.name, redisWait, want)
	}
	if got != want {
		c.t.Fatalf("%s: got frame %s, want %s", c.name, got, want)
	}
}

// await skips frames until want arrives, failing the test after
// redisWait.
func (c *rxClient) await(want string) {
	c.t.Helper()
	deadline := time.Now().Add(redisWait)
	for {
		got, ok := c.next(time.Until(deadline))
		if !ok {
			c.t.Fatalf("%s: %s did not arrive within %v", c.name, want, redisWait)
		}
		if got == want {
			return
		}
	}
}

// ready waits until the server has run the connection's OnConnect (so it
// is in its room) and returns the connection's id: frames are handled
// only after OnConnect.
func (c *rxClient) ready() string {
	c.t.Helper()
	c.send(`{"action":"whoami"}`)
	got, ok := c.next(redisWait)
	if !ok {
		c.t.Fatalf("%s: no whoami reply within %v", c.name, redisWait)
	}
	var r redisWhoamiReply
	if err := json.Unmarshal([]byte(got), &r); err != nil || r.Action != "whoami" || r.Payload == "" {
		c.t.Fatalf("%s: whoami reply %s, want the connection id", c.name, got)
	}
	return r.Payload
}

// pingPong checks that the connection is served: ping is answered by the
// server itself.
func (c *rxClient) pingPong() {
	c.t.Helper()
	c.send(`{"action":"ping","payload":null}`)
	c.expect(`{"action":"pong","payload":null}`)
}

func chatFrame(message, name string) string {
	return fmt.Sprintf(`{"action":"new_chat_message","payload":{"message":%q,"name":%q}}`, message, name)
}

// waitRueidisIdle registers, first, a cleanup that runs last: after a
// failed connect, rueidis holds the result for up to a second on a
// goroutine of its own (singleflight DelayDo, rueidis v1.0.79), which
// Client.Close does not wait for. The package's TestMain checks for
// leaked goroutines without an exception for it, so the test waits for
// it to end (it ends by itself) instead.
func waitRueidisIdle(t testing.TB) {
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		buf := make([]byte, 1<<20)
		for {
			n := runtime.Stack(buf, true)
			if !strings.Contains(string(buf[:n]), "rueidis.(*call).DelayDo") {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("a rueidis DelayDo goroutine still runs 5 s after the test")
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// Two servers, each with its own Redis layer (two processes as far as
// chanx can tell), share one Redis: a broadcast from a member on A reaches
// the members on B and A's other members, never its sender; events sent
// by code holding only a layer reach a group, or one connection by id, on
// whichever server holds it.
func TestRedisBroadcastAcrossServers(t *testing.T) {
	rs := testredis.Start(t)
	prefix := redisPrefix()
	srvA, urlA := serveRedisChat(t, newRedisLayer(t, rs.URL(), prefix), nil)
	_, urlB := serveRedisChat(t, newRedisLayer(t, rs.URL(), prefix), nil)
	worker := newRedisLayer(t, rs.URL(), prefix) // a process with no WebSocket

	a1 := dialRx(t, "a1", urlA+"/ws/chat/lobby")
	a2 := dialRx(t, "a2", urlA+"/ws/chat/lobby")
	b1 := dialRx(t, "b1", urlB+"/ws/chat/lobby")
	b2 := dialRx(t, "b2", urlB+"/ws/chat/lobby")
	other := dialRx(t, "other", urlB+"/ws/chat/elsewhere")
	a1ID := a1.ready()
	a2.ready()
	b1ID := b1.ready()
	b2.ready()
	other.ready()
	if strings.SplitN(a1ID, ".", 2)[0] == strings.SplitN(b1ID, ".", 2)[0] {
		t.Fatalf("connection ids %s and %s have the same process prefix; the servers must look like two processes", a1ID, b1ID)
	}

	hello := chatFrame("hello from A", "a1")
	a1.send(hello)
	b1.expect(hello)
	b2.expect(hello)
	a2.expect(hello)
	// a1 is excluded. Redis hands A the group's messages in order, and A
	// fans each one out to all its members before the next, so the first
	// frame a1 gets is the reply from B, not its own message.
	reply := chatFrame("hello from B", "b1")
	b1.send(reply)
	a1.expect(reply)
	a2.expect(reply)
	b2.expect(reply)

	ctx := context.Background()
	// Group events from a worker that holds only a layer.
	event := `{"action":"announcement","payload":"maintenance at noon"}`
	if err := server.Publish(ctx, worker, "room.lobby", []byte(event)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for _, c := range []*rxClient{a1, a2, b1, b2} {
		c.expect(event)
	}
	// One connection by id: only b1 gets the first frame; b2 gets the
	// group event that follows it.
	direct := `{"action":"notice","payload":"for b1 only"}`
	if err := server.SendToConn(ctx, worker, b1ID, []byte(direct)); err != nil {
		t.Fatalf("SendToConn: %v", err)
	}
	b1.expect(direct)
	// A server reaches a connection of the other one by id too.
	fromA := `{"action":"notice","payload":"from server A"}`
	if err := srvA.SendTo(ctx, b1ID, []byte(fromA)); err != nil {
		t.Fatalf("SendTo: %v", err)
	}
	b1.expect(fromA)
	after := `{"action":"announcement","payload":"after"}`
	if err := server.Publish(ctx, worker, "room.lobby", []byte(after)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	b2.expect(after)
	b1.expect(after)
	// The other room heard none of it.
	other.pingPong()
}

// Redis killed mid-run: no panic; request/reply traffic (running without
// pause across the kill and the restart), new connections and broadcasts
// between members of the same server keep being served (the layer delivers
// in its own process without Redis); a broadcast or an event that cannot
// reach the other processes fails promptly (the sender gets the
// handler-error frame, the failure is counted) instead of hanging; after
// Redis restarts, group broadcasts and events cross servers again within a
// bounded wait.
func TestRedisOutage(t *testing.T) {
	waitRueidisIdle(t)
	rs := testredis.Start(t)
	prefix := redisPrefix()
	var countA publishCounter
	srvA, urlA := serveRedisChat(t, newRedisLayer(t, rs.URL(), prefix), &countA)
	_, urlB := serveRedisChat(t, newRedisLayer(t, rs.URL(), prefix), nil)
	worker := newRedisLayer(t, rs.URL(), prefix)

	a1 := dialRx(t, "a1", urlA+"/ws/chat/lobby")
	a2 := dialRx(t, "a2", urlA+"/ws/chat/lobby")
	b1 := dialRx(t, "b1", urlB+"/ws/chat/lobby")
	a1ID := a1.ready()
	a2.ready()
	b1.ready()
	before := chatFrame("before", "a1")
	a1.send(before)
	b1.expect(before)
	a2.expect(before)

	// Request/reply traffic runs on A without pause while Redis dies and
	// comes back; every echo must come back, in order.
	loader := dialRx(t, "loader", urlA+"/ws/chat/load")
	loader.ready()
	var echoed atomic.Int64
	stopLoad := make(chan struct{})
	loadDone := make(chan error, 1)
	go func() {
		loadDone <- echoLoop(loader, stopLoad, &echoed)
	}()
	atLeast := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(redisWait)
		for echoed.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("request/reply stalled at %d round trips", echoed.Load())
			}
			time.Sleep(time.Millisecond)
		}
	}
	atLeast(10)

	rs.Kill()
	atLeast(echoed.Load() + 10)

	// Local request/reply traffic does not need Redis.
	a1.pingPong()
	b1.pingPong()
	a1.send(`{"action":"echo","payload":"still here"}`)
	a1.expect(`{"action":"echo","payload":"still here"}`)
	// A new connection to a room this server already follows is served.
	a3 := dialRx(t, "a3", urlA+"/ws/chat/lobby")
	a3.ready()
	a3.pingPong()

	// A broadcast reaches the members on the same server; since it cannot
	// reach the other processes, the sender gets the partial-delivery
	// error frame (not the generic one: its server's members did get the
	// message, so resending would repeat it to them), promptly, and the
	// failure is counted.
	failedBefore, partialBefore := countA.failed.Load(), countA.partial.Load()
	during := chatFrame("during", "a1")
	a1.send(during)
	a2.expect(during)
	a3.expect(during)
	a1.expect(partialDeliveryFrame)
	if countA.failed.Load() == failedBefore {
		t.Errorf("the failed broadcast was not counted as a failed layer publish")
	}
	if countA.partial.Load() != partialBefore+1 {
		t.Errorf("FrameError(%q) counted %d times for one partial broadcast, want 1", metrics.ReasonPartialDelivery, countA.partial.Load()-partialBefore)
	}

	// Code holding a layer gets the error back.
	ctx := context.Background()
	pctx, cancel := context.WithTimeout(ctx, redisWait)
	err := server.Publish(pctx, worker, "room.lobby", []byte(`{"action":"announcement","payload":"lost"}`))
	cancel()
	if err == nil || !strings.HasPrefix(err.Error(), `server: publish to room.lobby: redislayer: publish to "room.lobby": `) {
		t.Errorf("Publish with Redis down: err = %v, want a publish error naming the group", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Publish with Redis down waited for its deadline instead of failing: %v", err)
	}
	pctx, cancel = context.WithTimeout(ctx, redisWait)
	err = srvA.Publish(pctx, "room.lobby", []byte(`{"action":"announcement","payload":"lost"}`))
	cancel()
	if err == nil || !strings.HasPrefix(err.Error(), "server: publish to room.lobby: ") {
		t.Errorf("Server.Publish with Redis down: err = %v, want a publish error naming the group", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Server.Publish with Redis down waited for its deadline instead of failing: %v", err)
	}

	atLeast(echoed.Load() + 10)
	rs.Restart()
	atLeast(echoed.Load() + 10)
	close(stopLoad)
	if err := <-loadDone; err != nil {
		t.Fatal(err)
	}

	// Messages published before both sides have reconnected and
	// resubscribed are lost (at most once), so keep sending until one
	// crosses. Error frames a1 gets meanwhile are the failures above.
	deadline := time.Now().Add(redisRecoveryWait)
	crossed := func(what string, send func(seq int), got func(frame string, seq int) bool, recv *rxClient) {
		t.Helper()
		for seq := 0; ; seq++ {
			if time.Now().After(deadline) {
				t.Fatalf("%s: nothing crossed within %v of the restart", what, redisRecoveryWait)
			}
			send(seq)
			wait := time.Now().Add(200 * time.Millisecond)
			for time.Now().Before(wait) {
				if f, ok := recv.next(time.Until(wait)); ok && got(f, seq) {
					return
				}
			}
		}
	}
	crossed("broadcast A→B", func(seq int) { a1.send(chatFrame(fmt.Sprint("after ", seq), "a1")) },
		func(f string, seq int) bool { return f == chatFrame(fmt.Sprint("after ", seq), "a1") }, b1)
	crossed("broadcast B→A", func(seq int) { b1.send(chatFrame(fmt.Sprint("back ", seq), "b1")) },
		func(f string, seq int) bool { return f == chatFrame(fmt.Sprint("back ", seq), "b1") }, a1)
	crossed("event to a connection by id", func(seq int) {
		_ = server.SendToConn(ctx, worker, a1ID, fmt.Appendf(nil, `{"action":"notice","payload":%d}`, seq))
	}, func(f string, seq int) bool { return f == fmt.Sprintf(`{"action":"notice","payload":%d}`, seq) }, a1)
	crossed("event to the group", func(seq int) {
		_ = server.Publish(ctx, worker, "room.lobby", fmt.Appendf(nil, `{"action":"announcement","payload":%d}`, seq))
	}, func(f string, seq int) bool { return f == fmt.Sprintf(`{"action":"announcement","payload":%d}`, seq) }, b1)
	// The connection opened during the outage is a full member now.
	a3.send(`{"action":"ping","payload":null}`)
	a3.await(`{"action":"pong","payload":null}`)
}

// partialDeliveryFrame answers a broadcast that reached only the sender's
// server.
const partialDeliveryFrame = `{"action":"error","payload":{"detail":"The message reached the members connected to this server; members on other servers may not have received it","code":"partial_delivery"}}`

// echoLoop makes echo round trips on c until stop closes, counting them
// in n; it returns the first failure: no reply within redisWait, or a
// reply that is not the echo of the request.
func echoLoop(c *rxClient, stop <-chan struct{}, n *atomic.Int64) error {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		want := fmt.Sprintf(`{"action":"echo","payload":"%d"}`, i)
		ctx, cancel := context.WithTimeout(context.Background(), redisWait)
		err := c.ws.Write(ctx, websocket.MessageText, []byte(want))
		cancel()
		if err != nil {
			return fmt.Errorf("%s: echo %d: %w", c.name, i, err)
		}
		select {
		case got, ok := <-c.frames:
			if !ok {
				return fmt.Errorf("%s: connection closed waiting for echo %d", c.name, i)
			}
			if got != want {
				return fmt.Errorf("%s: got %s, want %s", c.name, got, want)
			}
		case <-time.After(redisWait):
			return fmt.Errorf("%s: no echo %d within %v", c.name, i, redisWait)
		}
		n.Add(1)
	}
}

// The second-process test runs a chat server in a child process: this
// test binary re-executed with redisChildEnv set, which init turns into
// the server (the package's TestMain belongs to the in-package tests).
const (
	redisChildEnv       = "CHANX_TEST_REDIS_CHILD_URL"
	redisChildPrefixEnv = "CHANX_TEST_REDIS_CHILD_PREFIX"
)

func init() {
	if url := os.Getenv(redisChildEnv); url != "" {
		os.Exit(redisChild(url, os.Getenv(redisChildPrefixEnv)))
	}
}

// redisChild serves the chat server on redislayer at a loopback port,
// prints the address, and shuts down cleanly when stdin closes.
func redisChild(url, prefix string) int {
	return serveChild(url, prefix, func(l layer.Layer) *server.Server { return newRedisChat(l, nil) })
}

// serveChild is the body of a child process: the server newServer builds
// on redislayer, at a loopback port whose address it prints, until stdin
// closes; then a clean shutdown, whose failures make the exit code 1.
func serveChild(url, prefix string, newServer func(layer.Layer) *server.Server) int {
	ctx, cancel := context.WithTimeout(context.Background(), redisWait)
	l, err := redislayer.New(ctx, url, redislayer.Options{KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler)})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	srv := newServer(l)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	fmt.Println(ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel = context.WithTimeout(context.Background(), redisWait)
	defer cancel()
	code := 0
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child: shutdown:", err)
		code = 1
	}
	_ = hs.Shutdown(ctx)
	if err := l.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "child: layer close:", err)
		code = 1
	}
	return code
}

// redisChildProc is the chat server of startRedisChild.
type redisChildProc struct {
	addr   string       // host:port it serves on
	stderr *syncBuilder // what it wrote to stderr
	stop   func() error // closes its stdin and waits for it to exit
}

// syncBuilder is a strings.Builder safe for the child's stderr copier.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuilder) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuilder) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startRedisChild runs the chat server on redislayer in a second OS
// process (this test binary re-executed) and returns once it serves; it
// is stopped at the end of the test.
func startRedisChild(t *testing.T, url, prefix string) *redisChildProc {
	t.Helper()
	return startChild(t, redisChildEnv+"="+url, redisChildPrefixEnv+"="+prefix)
}

// startChild re-executes this test binary with env added, which an init
// turns into a server that prints its address, and returns once it serves.
func startChild(t *testing.T, env ...string) *redisChildProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.timeout=120s")
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuilder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		out := bufio.NewScanner(stdout)
		if out.Scan() {
			addr <- out.Text()
		}
		for out.Scan() { // the test framework's own output, if any
		}
		exited <- cmd.Wait()
	}()
	child := &redisChildProc{stderr: stderr}
	select {
	case child.addr = <-addr:
	case err := <-exited:
		t.Fatalf("child exited before serving: %v: %s", err, stderr.String())
	case <-time.After(redisWait):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("child printed no address within %v: %s", redisWait, stderr.String())
	}
	var once sync.Once
	child.stop = func() error {
		var err error
		once.Do(func() {
			stdin.Close()
			select {
			case err = <-exited:
			case <-time.After(redisWait):
				cmd.Process.Kill()
				<-exited
				err = fmt.Errorf("child did not exit within %v of stdin closing", redisWait)
			}
		})
		return err
	}
	t.Cleanup(func() { _ = child.stop() })
	return child
}

// A chat server in another OS process, sharing only Redis: broadcasts
// cross both ways, and this process reaches the child's connection by id
// and its room with events, through a layer alone.
func TestRedisSecondProcess(t *testing.T) {
	rs := testredis.Start(t)
	prefix := redisPrefix()
	local := newRedisLayer(t, rs.URL(), prefix)
	_, urlA := serveRedisChat(t, local, nil)
	child := startRedisChild(t, rs.URL(), prefix)
	childAddr, stop, stderr := child.addr, child.stop, child.stderr

	a1 := dialRx(t, "a1", urlA+"/ws/chat/lobby")
	c1 := dialRx(t, "c1", "ws://"+childAddr+"/ws/chat/lobby")
	a1.ready()
	c1ID := c1.ready()

	hello := chatFrame("hello, child", "a1")
	a1.send(hello)
	c1.expect(hello)
	back := chatFrame("hello, parent", "c1")
	c1.send(back)
	a1.expect(back)

	ctx := context.Background()
	direct := `{"action":"notice","payload":"to the child's connection"}`
	if err := server.SendToConn(ctx, local, c1ID, []byte(direct)); err != nil {
		t.Fatalf("SendToConn: %v", err)
	}
	c1.expect(direct)
	event := `{"action":"announcement","payload":"to both processes"}`
	if err := server.Publish(ctx, local, "room.lobby", []byte(event)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	c1.expect(event)
	a1.expect(event)

	c1.ws.CloseNow()
	if err := stop(); err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
}
