package client_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every wait in these tests; they normally take
// milliseconds, so hitting it means a hang.
const testTimeout = 10 * time.Second

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// frame is what the scripted test servers read and write.
type frame struct {
	Action  string          `json:"action"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsServer is a small coder/websocket server on a loopback port; script
// runs once per accepted connection and owns it until it returns.
type wsServer struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func (s *wsServer) url(path string) string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + path
}

func (s *wsServer) seenHeaders() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

func startServer(t *testing.T, opts *websocket.AcceptOptions, script func(ctx context.Context, c *websocket.Conn)) *wsServer {
	t.Helper()
	s := &wsServer{}
	s.Server = httptest.NewServer(s.handler(opts, script))
	t.Cleanup(s.Close)
	return s
}

// startServerOn serves on a listener the test already holds, for tests that
// need the address before the server runs.
func startServerOn(t *testing.T, ln net.Listener, script func(ctx context.Context, c *websocket.Conn)) *wsServer {
	t.Helper()
	s := &wsServer{}
	s.Server = httptest.NewUnstartedServer(s.handler(nil, script))
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *wsServer) handler(opts *websocket.AcceptOptions, script func(ctx context.Context, c *websocket.Conn)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		c, err := websocket.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		script(r.Context(), c)
	})
}

// echoScript answers like a tiny chanx server: ping → pong, echo → the
// payload back as "echoed", fail → a detail error frame, bad → a validation
// error frame, and stops when the client closes.
func echoScript(ctx context.Context, c *websocket.Conn) {
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			writeJSON(ctx, c, `{"action":"error","payload":{"detail":"Failed to process message"}}`)
			continue
		}
		switch f.Action {
		case "ping":
			writeJSON(ctx, c, `{"action":"pong","payload":null}`)
		case "echo":
			writeJSON(ctx, c, `{"action":"echoed","payload":`+string(f.Payload)+`}`)
		case "fail":
			writeJSON(ctx, c, `{"action":"error","payload":{"detail":"Failed to process message for fail"}}`)
		case "bad":
			writeJSON(ctx, c, `{"action":"error","payload":[{"type":"missing","loc":["payload","message"],"msg":"Field required"}]}`)
		case "silence":
		default:
			writeJSON(ctx, c, `{"action":"error","payload":[{"type":"invalid_action","loc":["action"],"msg":"unknown action"}]}`)
		}
	}
}

func writeJSON(ctx context.Context, c *websocket.Conn, s string) {
	_ = c.Write(ctx, websocket.MessageText, []byte(s))
}

// recv waits for one value on ch, failing the test after testTimeout.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("timed out waiting on %T channel", ch)
		var zero T
		return zero
	}
}
