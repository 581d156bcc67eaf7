package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/wire"
)

// testTimeout bounds every wait in these tests; reaching it is a failure,
// not a measurement.
const testTimeout = 10 * time.Second

// chatMessage is the frame of the chat example: a generated type would
// look like this.
type chatMessage struct {
	Action  string `json:"action"`
	Payload struct {
		Message string `json:"message"`
		Name    string `json:"name"`
	} `json:"payload"`
}

func (m *chatMessage) Validate() error {
	var ps []wire.Problem
	if n := len([]rune(m.Payload.Message)); n < 1 || n > 2000 {
		ps = append(ps, wire.Problem{Type: "string_too_short", Loc: []any{"payload", "message"}, Msg: "String should have at least 1 character"})
	}
	if m.Payload.Name == "" {
		ps = append(ps, wire.Problem{Type: "string_too_short", Loc: []any{"payload", "name"}, Msg: "String should have at least 1 character"})
	}
	if ps != nil {
		return &wire.ValidationError{Problems: ps}
	}
	return nil
}

type echoReply struct {
	Action  string `json:"action"`
	Payload string `json:"payload"`
}

// quietLogger drops logs below Error so test output stays readable.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startServer serves srv on a loopback port and shuts both down at the end.
func startServer(t testing.TB, srv *Server) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		hs.Close()
	})
	return hs
}

func wsURL(hs *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(hs.URL, "http") + path
}

// client is a test connection with helpers that fail the test on timeout.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

func dial(t testing.TB, hs *httptest.Server, path string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, wsURL(hs, path), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", path, err, status)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { ws.CloseNow() })
	return &client{t: t, ws: ws}
}

func (c *client) send(frame string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("send %s: %v", frame, err)
	}
}

func (c *client) read() string {
	c.t.Helper()
	s, err := c.tryRead()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return s
}

func (c *client) tryRead() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	return string(b), err
}

// expectClose reads until the connection ends and returns its close code.
func (c *client) expectClose() websocket.StatusCode {
	c.t.Helper()
	for {
		_, err := c.tryRead()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				c.t.Fatalf("connection still open after %v", testTimeout)
			}
			return websocket.CloseStatus(err)
		}
	}
}

// roundTrip sends a frame and returns the next frame received.
func (c *client) roundTrip(frame string) string {
	c.t.Helper()
	c.send(frame)
	return c.read()
}

func action(t testing.TB, frame string) string {
	t.Helper()
	var f wire.Frame
	if err := json.Unmarshal([]byte(frame), &f); err != nil {
		t.Fatalf("frame %s: %v", frame, err)
	}
	return f.Action
}

// counters is a metrics.Metrics that counts, for assertions.
type counters struct {
	mu sync.Mutex
	m  map[string]int
}

var _ metrics.Metrics = (*counters)(nil)

func newCounters() *counters { return &counters{m: make(map[string]int)} }

func (c *counters) add(k string) {
	c.mu.Lock()
	c.m[k]++
	c.mu.Unlock()
}

func (c *counters) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *counters) ConnectionOpened(string)             { c.add("opened") }
func (c *counters) ConnectionClosed(string)             { c.add("closed") }
func (c *counters) ConnectionRejected(_, reason string) { c.add("rejected." + reason) }
func (c *counters) FrameReceived(_, action string)      { c.add("in." + action) }
func (c *counters) FrameSent(string)                    { c.add("out") }
func (c *counters) FrameError(_, reason string)         { c.add("error." + reason) }
func (c *counters) SlowClientClosed(string)             { c.add("slow") }
func (c *counters) FrameDropped(string)                 { c.add("dropped") }
func (c *counters) LayerPublished(failed bool)          { c.add("publish") }
func (c *counters) LayerReceived()                      { c.add("layer.received") }
func (c *counters) PublishFailed(string)                { c.add("publish.failed") }
func (c *counters) BroadcastDelivered(_ string, d time.Duration) {
	c.add("delivered")
}
func (c *counters) HandlerDuration(_, action string, d time.Duration) {
	if d >= 0 {
		c.add("handled." + action)
	}
}

// eventually polls cond until it holds or the test timeout passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var _ = atomic.Int64{}
var _ = http.StatusOK

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

const time_ms = time.Millisecond

func sleep(d time.Duration) { time.Sleep(d) }
