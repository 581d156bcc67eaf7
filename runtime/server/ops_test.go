package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// TestInfoLogsCarryUser: at Info level a connection's open and close are
// logged, the close with its code and reason, and what OnConnect gave
// AddLogAttrs (the user) is on both and on every later line; an
// authentication rejection is logged at Info too.
func TestInfoLogsCarryUser(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := New(Options{Logger: log, Authenticate: func(r *http.Request) (any, error) {
		if u := r.URL.Query().Get("user"); u != "" {
			return u, nil
		}
		return nil, &AuthError{StatusCode: http.StatusForbidden, Detail: "no user"}
	}})
	ch, err := srv.Channel("/ws/ops", ChannelOptions{OnConnect: func(ctx context.Context, c *Conn) error {
		c.AddLogAttrs(slog.String("user", c.Principal().(string)))
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	Handle(ch, "fail", func(ctx context.Context, c *Conn, m *echoReply) (*echoReply, error) {
		return nil, errors.New("database is down")
	})
	Handle(ch, "bye", func(ctx context.Context, c *Conn, m *echoReply) (*echoReply, error) {
		c.Close(websocket.StatusNormalClosure, "see you")
		return nil, nil
	})
	hs := startServer(t, srv)

	c := dial(t, hs, "/ws/ops?user=ada")
	c.roundTrip(`{"action":"fail","payload":""}`)
	c.send(`{"action":"bye","payload":""}`)
	if code := c.expectClose(); code != websocket.StatusNormalClosure {
		t.Fatalf("close code %d, want 1000", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, wsURL(hs, "/ws/ops"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial without user: %v %v, want 403", resp, err)
	}
	eventually(t, "close logged", func() bool { return strings.Contains(logs.String(), "chanx: connection closed") })

	out := logs.String()
	for _, want := range []string{
		`level=INFO msg="chanx: connection opened" user=ada conn=`,
		`level=WARN msg="chanx: handler failed" user=ada conn=`,
		`level=INFO msg="chanx: connection closed" user=ada conn=`,
		`close_code=1000 close_reason="see you"`,
		`level=INFO msg="chanx: connection rejected" channel=/ws/ops reason=auth status=403`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q; got:\n%s", want, out)
		}
	}
	if strings.Contains(out, "level=DEBUG") {
		t.Errorf("Debug lines at Info level:\n%s", out)
	}
}
