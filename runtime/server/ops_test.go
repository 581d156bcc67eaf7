package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chanxgo/chanx/runtime/metrics/prommetrics"
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

// TestHandlerHistogramAndOpenGauge: after a round trip over a loopback
// socket the handler_duration_seconds histogram has its sample and
// connections_open counts the connection until it closes.
func TestHandlerHistogramAndOpenGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	pm, err := prommetrics.New(reg, prommetrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, hs := newChat(t, Options{Logger: quietLogger(), Metrics: pm})
	c := dial(t, hs, "/ws/chat/hist")
	c.roundTrip(`{"action":"echo","payload":"x"}`)
	c.roundTrip(`{"action":"echo","payload":"y"}`)
	if got := gatheredValue(t, reg, "chanx_connections_open"); got != 1 {
		t.Errorf("connections_open = %v with one connection, want 1", got)
	}
	if got := gatheredValue(t, reg, "chanx_handler_duration_seconds"); got != 2 {
		t.Errorf("handler_duration_seconds has %v samples after two round trips, want 2", got)
	}
	c.ws.Close(websocket.StatusNormalClosure, "")
	eventually(t, "gauge back to 0", func() bool { return gatheredValue(t, reg, "chanx_connections_open") == 0 })
}

// gatheredValue sums a metric family of reg: gauge and counter values,
// histogram sample counts.
func gatheredValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var v float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			v += m.GetGauge().GetValue() + m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	return v
}

// TestRoutedFrameAllocsWithMetrics: timing handlers into a Prometheus
// histogram keeps a routed frame (peek, decode, validate, handle, encode,
// write) at 10 allocations or fewer.
func TestRoutedFrameAllocsWithMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count")
	}
	pm, err := prommetrics.New(prometheus.NewRegistry(), prommetrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := rawConn1(t, benchServerWith(Options{Metrics: pm}))
	c.dispatch(1, benchFrame) // label sets are created on first use
	if allocs := testing.AllocsPerRun(500, func() { c.dispatch(1, benchFrame) }); allocs > 10 {
		t.Errorf("%v allocations per routed frame with Prometheus metrics, want <= 10", allocs)
	} else {
		t.Logf("%v allocations per routed frame with Prometheus metrics", allocs)
	}
}
