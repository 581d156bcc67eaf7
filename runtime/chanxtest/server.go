package chanxtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Server is an http.Handler (typically a chanx *server.Server) served on a
// loopback port for the length of one test.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port.
	URL string
	// HTTP is the underlying test server.
	HTTP *httptest.Server
	t    testing.TB
}

// shutdowner is what a chanx server offers to end its connections
// gracefully; NewServer uses it when the handler has it, so that handler
// goroutines are gone before the test ends (goleak stays quiet).
type shutdowner interface {
	Shutdown(ctx context.Context) error
}

// NewServer serves h on a free loopback port until the test ends. At
// cleanup a handler with a Shutdown(ctx) error method (a chanx
// *server.Server) is shut down first, bounded by DefaultTimeout, then the
// HTTP server is closed; Communicators dialed from the test are dropped
// before either.
func NewServer(t testing.TB, h http.Handler) *Server {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		if s, ok := h.(shutdowner); ok {
			ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil {
				t.Errorf("chanxtest: shut down the server: %v", err)
			}
		}
		hs.Close()
	})
	return &Server{URL: hs.URL, HTTP: hs, t: t}
}

// WebSocketURL returns the ws:// URL of path on this server.
func (s *Server) WebSocketURL(path string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return "ws" + strings.TrimPrefix(s.URL, "http") + path
}

// Dial opens a Communicator on path (e.g. "/ws/chat/lobby"), failing the
// test when the handshake fails; see the package function Dial.
func (s *Server) Dial(t testing.TB, path string, opts *Options) *Communicator {
	t.Helper()
	return Dial(t, s.WebSocketURL(path), opts)
}

// ExpectRejected dials path expecting the handshake to be refused and
// returns the HTTP status; see the package function ExpectRejected.
func (s *Server) ExpectRejected(t testing.TB, path string, opts *Options) int {
	t.Helper()
	return ExpectRejected(t, s.WebSocketURL(path), opts)
}
