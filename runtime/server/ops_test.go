package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

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

// TestBroadcastDeliveryHistogram: a broadcast that crosses the server
// from one client to another leaves one broadcast_delivery_seconds sample
// (one receiving connection, the sender excluded); metrics.Nop keeps
// working as before (the other tests' servers).
func TestBroadcastDeliveryHistogram(t *testing.T) {
	reg := prometheus.NewRegistry()
	pm, err := prommetrics.New(reg, prommetrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, hs := newChat(t, Options{Logger: quietLogger(), Metrics: pm})
	a := dial(t, hs, "/ws/chat/delivery")
	b := dial(t, hs, "/ws/chat/delivery")
	a.roundTrip(`{"action":"echo","payload":"joined"}`) // both have joined once OnConnect ran
	b.roundTrip(`{"action":"echo","payload":"joined"}`)
	msg := `{"action":"new_chat_message","payload":{"message":"hi","name":"a"}}`
	a.send(msg)
	if got := b.read(); got != msg {
		t.Fatalf("b got %s, want %s", got, msg)
	}
	eventually(t, "a broadcast_delivery_seconds sample", func() bool {
		return gatheredValue(t, reg, "chanx_broadcast_delivery_seconds") == 1
	})
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

// TestMaxConnections: with a cap of 100, the 101st upgrade request gets
// 503 with a body saying why, counted; once one connection closes a new
// one is accepted.
func TestMaxConnections(t *testing.T) {
	met := newCounters()
	_, hs := newChat(t, Options{Logger: quietLogger(), Metrics: met, MaxConnections: 100})
	conns := make([]*client, 100)
	for i := range conns {
		conns[i] = dial(t, hs, "/ws/chat/cap")
	}
	resp, err := http.Get(hs.URL + "/ws/chat/cap")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "at capacity (100 connections open)") {
		t.Fatalf("101st request: %d %q, want 503 at capacity", resp.StatusCode, body)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, wsURL(hs, "/ws/chat/cap"), nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("101st WebSocket dial: %v %v, want 503", resp, err)
	}
	if got := met.get("rejected.capacity"); got != 2 {
		t.Errorf("rejected.capacity = %d, want 2", got)
	}
	conns[0].ws.Close(websocket.StatusNormalClosure, "")
	// The slot is given back once the connection's handler has returned,
	// a moment after its close is counted: dial until it is.
	var c *client
	eventually(t, "a slot freed", func() bool {
		ws, _, err := websocket.Dial(ctx, wsURL(hs, "/ws/chat/cap"), nil)
		if err != nil {
			return false
		}
		t.Cleanup(func() { ws.CloseNow() })
		c = &client{t: t, ws: ws}
		return true
	})
	if got := met.get("rejected.capacity"); got < 2 {
		t.Errorf("rejected.capacity = %d, want at least 2", got)
	}
	if got := action(t, c.roundTrip(`{"action":"echo","payload":"x"}`)); got != "echo" {
		t.Errorf("after a slot was freed: %s", got)
	}
}

// TestChannelMaxConnections: a channel's own cap refuses with 503 while
// the server has room.
func TestChannelMaxConnections(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	if _, err := srv.Channel("/ws/one", ChannelOptions{MaxConnections: 1}); err != nil {
		t.Fatal(err)
	}
	hs := startServer(t, srv)
	dial(t, hs, "/ws/one")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, wsURL(hs, "/ws/one"), nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second dial: %v %v, want 503", resp, err)
	}
}

// TestRateLimit: a client sending faster than its limit gets
// rate_limited error frames for the frames over it, then a 1008 close,
// while another connection on the same server goes on unaffected. The
// rate is so low that no token comes back during the test, so nothing
// depends on timing.
func TestRateLimit(t *testing.T) {
	met := newCounters()
	_, hs := newChat(t, Options{Logger: quietLogger(), Metrics: met,
		RateLimit: RateLimit{PerSecond: 0.0001, Burst: 3, CloseAfter: 2}})
	flood := dial(t, hs, "/ws/chat/rate")
	calm := dial(t, hs, "/ws/chat/rate")
	for i := range 3 {
		if got := action(t, flood.roundTrip(`{"action":"echo","payload":"x"}`)); got != "echo" {
			t.Fatalf("frame %d within the burst: %s", i+1, got)
		}
	}
	for i := range 2 {
		got := flood.roundTrip(`{"action":"echo","payload":"x"}`)
		if !strings.Contains(got, `"code":"rate_limited"`) || !strings.Contains(got, "at most 0.0001 per second, in bursts of 3") {
			t.Fatalf("frame %d over the limit: %s", 4+i, got)
		}
	}
	if got := action(t, calm.roundTrip(`{"action":"echo","payload":"y"}`)); got != "echo" {
		t.Errorf("other connection while the first floods: %s", got)
	}
	flood.send(`{"action":"echo","payload":"x"}`)
	if code := flood.expectClose(); code != websocket.StatusPolicyViolation {
		t.Errorf("flooding client closed with %d, want 1008", code)
	}
	if got := met.get("error.rate_limited"); got != 3 {
		t.Errorf("error.rate_limited = %d, want 3", got)
	}
	if got := action(t, calm.roundTrip(`{"action":"echo","payload":"z"}`)); got != "echo" {
		t.Errorf("other connection after the flooder was closed: %s", got)
	}
}

func TestBucket(t *testing.T) {
	l := RateLimit{PerSecond: 10, Burst: 2, CloseAfter: 1}.withDefaults()
	var b bucket
	sec := int64(time.Second)
	steps := []struct {
		at          int64
		ok, closeIt bool
	}{
		{1, true, false}, {1, true, false}, // the burst
		{1, false, false},         // refused, answered
		{1 + sec/10, true, false}, // a token back after 100 ms
		{1 + sec/10, false, true}, // second refusal since the bucket was full: close
		{1 + 10*sec, true, false}, // a quiet spell refills and forgives
		{1 + 10*sec, true, false},
		{1 + 10*sec, false, false},
	}
	for i, s := range steps {
		ok, closeIt := b.allow(&l, s.at)
		if ok != s.ok || closeIt != s.closeIt {
			t.Errorf("step %d: allow = %v, %v; want %v, %v", i, ok, closeIt, s.ok, s.closeIt)
		}
	}
	if d := (RateLimit{PerSecond: 2.5}).withDefaults(); d.Burst != 3 || d.CloseAfter != 3 {
		t.Errorf("defaults for 2.5/s: %+v", d)
	}
}

// TestCompressionNegotiated: with Compression on, a client that offers
// permessage-deflate gets it and a large frame round-trips compressed; a
// client that does not offer it is served plain; with Compression off
// (the default) an offer is declined.
func TestCompressionNegotiated(t *testing.T) {
	big := strings.Repeat("chanx ", 400) // over every threshold
	for _, tc := range []struct {
		name         string
		server, dial websocket.CompressionMode
		want         bool
	}{
		{"on, asked", websocket.CompressionContextTakeover, websocket.CompressionContextTakeover, true},
		{"on no-context-takeover, asked", websocket.CompressionNoContextTakeover, websocket.CompressionNoContextTakeover, true},
		{"on, not asked", websocket.CompressionContextTakeover, websocket.CompressionDisabled, false},
		{"off, asked", websocket.CompressionDisabled, websocket.CompressionContextTakeover, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, hs := newChat(t, Options{Logger: quietLogger(), Compression: tc.server})
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			ws, resp, err := websocket.Dial(ctx, wsURL(hs, "/ws/chat/deflate"), &websocket.DialOptions{CompressionMode: tc.dial})
			if err != nil {
				t.Fatal(err)
			}
			defer ws.CloseNow()
			ext := resp.Header.Get("Sec-WebSocket-Extensions")
			if got := strings.Contains(ext, "permessage-deflate"); got != tc.want {
				t.Fatalf("Sec-WebSocket-Extensions %q: negotiated %v, want %v", ext, got, tc.want)
			}
			c := &client{t: t, ws: ws}
			var reply echoReply
			if err := jsonUnmarshal(c.roundTrip(`{"action":"echo","payload":"`+big+`"}`), &reply); err != nil || reply.Payload != big {
				t.Fatalf("echo of a large frame: %v, %d bytes back", err, len(reply.Payload))
			}
		})
	}
}
