package otelchanx

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/chanxgo/chanx/runtime/server"
)

type msg struct {
	Action  string `json:"action"`
	Payload string `json:"payload"`
}

// TestSpanPerFrame: over a loopback socket, each handled frame gets one
// ended span with the channel, action and connection, the handler runs
// inside it, and a failing handler's span has an error status.
func TestSpanPerFrame(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })

	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HandlerHook: Hook(tp)})
	ch, err := srv.Channel("/ws/trace/{room}", server.ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var inSpan atomic.Bool
	server.Handle(ch, "echo", func(ctx context.Context, c *server.Conn, m *msg) (*msg, error) {
		inSpan.Store(trace.SpanFromContext(ctx).SpanContext().IsValid())
		return m, nil
	})
	server.Handle(ch, "fail", func(ctx context.Context, c *server.Conn, m *msg) (*msg, error) {
		return nil, errors.New("database is down")
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws/trace/a", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for _, f := range []string{`{"action":"echo","payload":"x"}`, `{"action":"fail","payload":""}`} {
		if err := ws.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ws.Read(ctx); err != nil { // the reply comes after the span ended
			t.Fatal(err)
		}
	}
	if !inSpan.Load() {
		t.Error("the handler's context carries no span")
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans ended, want 2", len(spans))
	}
	for i, want := range []struct {
		name   string
		status codes.Code
	}{{"chanx echo", codes.Unset}, {"chanx fail", codes.Error}} {
		s := spans[i]
		if s.Name() != want.name || s.Status().Code != want.status || s.SpanKind() != trace.SpanKindServer {
			t.Errorf("span %d: %s status %v kind %v, want %s status %v server", i, s.Name(), s.Status().Code, s.SpanKind(), want.name, want.status)
		}
		attrs := map[string]string{}
		for _, a := range s.Attributes() {
			attrs[string(a.Key)] = a.Value.Emit()
		}
		if attrs["chanx.channel"] != "/ws/trace/{room}" || attrs["chanx.action"] != strings.TrimPrefix(want.name, "chanx ") || attrs["chanx.conn"] == "" {
			t.Errorf("span %d attributes %v", i, attrs)
		}
	}
}
