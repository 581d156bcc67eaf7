package otelchanx

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
	"github.com/chanxgo/chanx/runtime/server"
)

// The cross-process test runs a second server in a child process (this
// test binary re-executed with childURLEnv set), sharing only Redis.
const (
	childURLEnv    = "CHANX_TEST_OTEL_CHILD_URL"
	childPrefixEnv = "CHANX_TEST_OTEL_CHILD_PREFIX"
	testWait       = 10 * time.Second
)

func init() {
	if url := os.Getenv(childURLEnv); url != "" {
		os.Exit(traceChild(url, os.Getenv(childPrefixEnv)))
	}
}

// childSpan is what the child reports of each span it ended.
type childSpan struct {
	Name    string `json:"name"`
	TraceID string `json:"trace_id"`
	Parent  string `json:"parent_span_id"`
	Remote  bool   `json:"parent_remote"`
	Members int64  `json:"members"`
}

// traceServer is the server of both processes: /ws/trace/{room} joins
// "room.<room>", and "say" is broadcast to the room except its sender.
func traceServer(l layer.Layer, tp trace.TracerProvider) *server.Server {
	srv := server.New(server.Options{
		Layer:        l,
		Logger:       slog.New(slog.DiscardHandler),
		HandlerHook:  Hook(tp),
		LayerTracing: LayerTracing(tp),
	})
	ch, err := srv.Channel("/ws/trace/{room}", server.ChannelOptions{OnConnect: func(ctx context.Context, c *server.Conn) error {
		return c.Join(ctx, "room."+c.Param("room"))
	}})
	if err != nil {
		panic(err)
	}
	server.HandleNoReply(ch, "say", func(ctx context.Context, c *server.Conn, m *msg) error {
		return c.Broadcast(ctx, "room."+c.Param("room"), m, server.ExcludeSelf)
	})
	server.Handle(ch, "echo", func(ctx context.Context, c *server.Conn, m *msg) (*msg, error) { return m, nil })
	return srv
}

// traceChild serves traceServer on a loopback port, prints the address,
// and when stdin closes shuts down and prints the spans it recorded, one
// JSON object a line.
func traceChild(url, prefix string) int {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	l, err := redislayer.New(ctx, url, redislayer.Options{KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler)})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	srv := traceServer(l, tp)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	fmt.Println(ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel = context.WithTimeout(context.Background(), testWait)
	defer cancel()
	_ = srv.Shutdown(ctx)
	_ = hs.Shutdown(ctx)
	_ = l.Close()
	enc := json.NewEncoder(os.Stdout)
	for _, s := range rec.Ended() {
		cs := childSpan{Name: s.Name(), TraceID: s.SpanContext().TraceID().String(),
			Parent: s.Parent().SpanID().String(), Remote: s.Parent().IsRemote()}
		for _, a := range s.Attributes() {
			if a.Key == KeyMembers {
				cs.Members = a.Value.AsInt64()
			}
		}
		_ = enc.Encode(cs)
	}
	return 0
}

// TestTraceAcrossProcesses: a broadcast sent by a handler in this process
// reaches a connection of a server in another OS process through a real
// redis-server, and that process's delivery span has the sending
// handler's span as its parent, in the same trace.
func TestTraceAcrossProcesses(t *testing.T) {
	rs := testredis.Start(t)
	prefix := fmt.Sprintf("otelchanx:%d:", os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	l, err := redislayer.New(ctx, rs.URL(), redislayer.Options{KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	srv := traceServer(l, tp)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childURLEnv+"="+rs.URL(), childPrefixEnv+"="+prefix)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		t.Fatalf("child printed no address: %s", stderr.String())
	}
	childAddr := out.Text()

	dialWS := func(url string) *websocket.Conn {
		ws, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatalf("dial %s: %v", url, err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		// A round trip: OnConnect (the Join) has run once it is answered.
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"action":"echo","payload":"joined"}`)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ws.Read(ctx); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	sender := dialWS("ws" + strings.TrimPrefix(hs.URL, "http") + "/ws/trace/r")
	receiver := dialWS("ws://" + childAddr + "/ws/trace/r")

	say := `{"action":"say","payload":"across"}`
	if err := sender.Write(ctx, websocket.MessageText, []byte(say)); err != nil {
		t.Fatal(err)
	}
	_, got, err := receiver.Read(ctx)
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	if string(got) != say {
		t.Fatalf("receiver got %s, want %s", got, say)
	}
	receiver.Close(websocket.StatusNormalClosure, "")

	stdin.Close()
	var spans []childSpan
	for out.Scan() {
		var s childSpan
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			continue // the test framework's own output
		}
		spans = append(spans, s)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}

	var handler sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "chanx say" {
			handler = s
		}
	}
	if handler == nil {
		t.Fatal("no handler span for say in the sending process")
	}
	var deliveries []childSpan
	for _, s := range spans {
		if s.Name == "chanx deliver room.r" {
			deliveries = append(deliveries, s)
		}
	}
	if len(deliveries) != 1 {
		t.Fatalf("child delivery spans = %+v (all: %+v), want one", deliveries, spans)
	}
	d := deliveries[0]
	want := childSpan{Name: "chanx deliver room.r", TraceID: handler.SpanContext().TraceID().String(),
		Parent: handler.SpanContext().SpanID().String(), Remote: true, Members: 1}
	if d != want {
		t.Errorf("child delivery span = %+v, want %+v", d, want)
	}
}

// TestNoTraceNoMeta: a broadcast from a context without a span carries no
// Meta and starts no delivery span.
func TestNoTraceNoMeta(t *testing.T) {
	lt := LayerTracing(sdktrace.NewTracerProvider())
	if m := lt.Inject(context.Background(), "g"); m != nil {
		t.Errorf("Inject without a span = %v, want nil", m)
	}
	if done := lt.Deliver("g", nil); done != nil {
		t.Error("Deliver without Meta returned a func, want nil (no span)")
	}
}
