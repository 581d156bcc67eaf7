package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/wire"
)

// newChat mounts the chat example's channel: members join "room.<room>",
// new_chat_message is broadcast to the rest of the room, echo replies, and
// a few actions misbehave on purpose.
func newChat(t testing.TB, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	srv := New(opts)
	ch, err := srv.Channel("/ws/chat/{room}", ChannelOptions{
		OnConnect: func(ctx context.Context, c *Conn) error {
			return c.Join(ctx, "room."+c.Param("room"))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	HandleNoReply(ch, "new_chat_message", func(ctx context.Context, c *Conn, m *chatMessage) error {
		return c.Broadcast(ctx, "room."+c.Param("room"), m, ExcludeSelf)
	})
	Handle(ch, "echo", func(ctx context.Context, c *Conn, m *echoReply) (*echoReply, error) {
		return &echoReply{Action: "echo", Payload: m.Payload}, nil
	})
	Handle(ch, "nothing", func(ctx context.Context, c *Conn, m *echoReply) (*echoReply, error) {
		return nil, nil
	})
	HandleNoReply(ch, "fail", func(ctx context.Context, c *Conn, m *echoReply) error {
		return errors.New("database is down")
	})
	HandleNoReply(ch, "panic", func(ctx context.Context, c *Conn, m *echoReply) error {
		panic("boom")
	})
	HandleNoReply(ch, "reject", func(ctx context.Context, c *Conn, m *echoReply) error {
		return &wire.ValidationError{Problems: []wire.Problem{{Type: "value_error", Loc: []any{"payload"}, Msg: "not allowed"}}}
	})
	HandleNoReply(ch, "whoami", func(ctx context.Context, c *Conn, m *echoReply) error {
		return c.Send(ctx, echoReply{Action: "whoami", Payload: c.ID()})
	})
	HandleNoReply(ch, "schema_checked", func(ctx context.Context, c *Conn, m *echoReply) error {
		return c.Send(ctx, echoReply{Action: "schema_checked", Payload: m.Payload})
	}, ValidateWith(func(frame []byte) error {
		if strings.Contains(string(frame), `"payload":"bad"`) {
			return &wire.ValidationError{Problems: []wire.Problem{{Type: "enum", Loc: []any{"payload"}, Msg: "bad is not allowed"}}}
		}
		return nil
	}))
	return srv, startServer(t, srv)
}

func TestPingPong(t *testing.T) {
	_, hs := newChat(t, Options{})
	c := dial(t, hs, "/ws/chat/lobby")
	if got := c.roundTrip(`{"action":"ping","payload":null}`); got != `{"action":"pong","payload":null}` {
		t.Fatalf("ping answered with %s", got)
	}
}

func TestReplyGoesToSender(t *testing.T) {
	_, hs := newChat(t, Options{})
	c := dial(t, hs, "/ws/chat/lobby")
	if got := c.roundTrip(`{"action":"echo","payload":"hi"}`); got != `{"action":"echo","payload":"hi"}` {
		t.Fatalf("echo answered with %s", got)
	}
	// A nil reply sends nothing: the next frame is the pong.
	c.send(`{"action":"nothing","payload":""}`)
	if got := c.roundTrip(`{"action":"ping"}`); action(t, got) != "pong" {
		t.Fatalf("after a nil reply got %s", got)
	}
}

// TestErrorFrames sends every kind of bad frame and checks the exact error
// frame, then that the connection still answers a ping.
func TestErrorFrames(t *testing.T) {
	_, hs := newChat(t, Options{})
	c := dial(t, hs, "/ws/chat/lobby")
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	tests := []struct{ name, frame, want string }{
		{"not json", `hello`, `{"action":"error","payload":[{"type":"json_invalid","loc":[],"msg":"Invalid JSON: the frame is not a JSON text"}]}`},
		{"not an object", `[1,2]`, `{"action":"error","payload":[{"type":"model_attributes_type","loc":[],"msg":"Input should be a valid dictionary or object to extract fields from"}]}`},
		{"no discriminator", `{"payload":1}`, `{"action":"error","payload":[{"type":"union_tag_not_found","loc":[],"msg":"Unable to extract tag using discriminator 'action'"}]}`},
		{"unknown action", `{"action":"dance"}`, `{"action":"error","payload":[{"type":"union_tag_invalid","loc":[],"msg":"Input tag 'dance' found using 'action' does not match any of the expected tags: 'echo', 'fail', 'new_chat_message', 'nothing', 'panic', 'ping', 'reject', 'schema_checked', 'whoami'"}]}`},
		{"too deep", `{"action":"echo","payload":` + deep + `}`, `{"action":"error","payload":[{"type":"json_too_deep","loc":[],"msg":"Input nests objects and arrays too deep"}]}`},
		{"validation", `{"action":"new_chat_message","payload":{"message":"","name":"ann"}}`, `{"action":"error","payload":[{"type":"string_too_short","loc":["payload","message"],"msg":"String should have at least 1 character"}]}`},
		{"wrong type", `{"action":"new_chat_message","payload":{"message":5,"name":"ann"}}`, `{"action":"error","payload":[{"type":"string_type","loc":["payload","message"],"msg":"Input should be a valid string"}]}`},
		{"bad scalar", `{"action":"echo","payload":tru}`, `{"action":"error","payload":[{"type":"json_invalid","loc":[],"msg":"Invalid JSON: invalid character '}' in literal true (expecting 'e')"}]}`},
		{"handler error", `{"action":"fail","payload":""}`, `{"action":"error","payload":{"detail":"Failed to process message for fail"}}`},
		{"handler panic", `{"action":"panic","payload":""}`, `{"action":"error","payload":{"detail":"Failed to process message for panic"}}`},
		{"handler validation", `{"action":"reject","payload":""}`, `{"action":"error","payload":[{"type":"value_error","loc":["payload"],"msg":"not allowed"}]}`},
		{"schema fallback", `{"action":"schema_checked","payload":"bad"}`, `{"action":"error","payload":[{"type":"enum","loc":["payload"],"msg":"bad is not allowed"}]}`},
		{"invalid ping", `{"action":"ping","payload":nul}`, `{"action":"error","payload":[{"type":"json_invalid","loc":[],"msg":"Invalid JSON: the frame is not a JSON text"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			if diff := cmp.Diff(tt.want, c.roundTrip(tt.frame)); diff != "" {
				t.Errorf("error frame (-want +got):\n%s", diff)
			}
			if got := c.roundTrip(`{"action":"ping"}`); action(t, got) != "pong" {
				t.Errorf("connection unusable after %s: got %s", tt.name, got)
			}
		})
	}
	c.t = t
	if got := c.roundTrip(`{"action":"schema_checked","payload":"good"}`); got != `{"action":"schema_checked","payload":"good"}` {
		t.Errorf("schema fallback rejected a good frame: %s", got)
	}
}

func TestBroadcastReachesRoomExceptSender(t *testing.T) {
	srv, hs := newChat(t, Options{})
	alice := dial(t, hs, "/ws/chat/a")
	bob := dial(t, hs, "/ws/chat/a")
	carol := dial(t, hs, "/ws/chat/a")
	other := dial(t, hs, "/ws/chat/b")
	eventually(t, "joins", func() bool { return srv.localGroups() == 2 && memberCount(srv, "room.a") == 3 })

	msg := `{"action":"new_chat_message","payload":{"message":"hello","name":"alice"}}`
	alice.send(msg)
	for _, c := range []*client{bob, carol} {
		if got := c.read(); got != msg {
			t.Errorf("member got %s, want %s", got, msg)
		}
	}
	// Neither the sender nor the other room got it: their next frame is
	// the answer to a ping.
	for _, c := range []*client{alice, other} {
		if got := c.roundTrip(`{"action":"ping"}`); action(t, got) != "pong" {
			t.Errorf("non-member got %s", got)
		}
	}
}

func memberCount(s *Server, name string) int {
	s.mu.RLock()
	g := s.groups[name]
	s.mu.RUnlock()
	if g == nil {
		return 0
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.members)
}

// countingLayer counts subscriptions per group on top of a real layer.
type countingLayer struct {
	layer.Layer
	mu   sync.Mutex
	subs map[string]int // live subscriptions
}

func (l *countingLayer) Subscribe(ctx context.Context, group string, deliver func(layer.Message)) (func(), error) {
	cancel, err := l.Layer.Subscribe(ctx, group, deliver)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.subs[group]++
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.subs[group]--
			l.mu.Unlock()
			cancel()
		})
	}, nil
}

func (l *countingLayer) live(group string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.subs[group]
}

func TestOneLayerSubscriptionPerGroup(t *testing.T) {
	mem := layer.NewMemory()
	t.Cleanup(func() { mem.Close() })
	cl := &countingLayer{Layer: mem, subs: make(map[string]int)}
	srv, hs := newChat(t, Options{Layer: cl})
	var cs []*client
	for range 20 {
		cs = append(cs, dial(t, hs, "/ws/chat/x"))
	}
	eventually(t, "20 members", func() bool { return memberCount(srv, "room.x") == 20 })
	if n := cl.live("room.x"); n != 1 {
		t.Fatalf("%d layer subscriptions for one group, want 1", n)
	}
	for _, c := range cs {
		c.ws.Close(websocket.StatusNormalClosure, "")
	}
	eventually(t, "unsubscribe after the last member left", func() bool { return cl.live("room.x") == 0 })
	if n := srv.localGroups(); n != 0 {
		t.Errorf("%d groups left in the server, want 0", n)
	}
}

func TestEventsFromAnywhere(t *testing.T) {
	mem := layer.NewMemory()
	t.Cleanup(func() { mem.Close() })
	// Two servers share one layer, as two processes share Redis.
	srv1, hs1 := newChat(t, Options{Layer: mem})
	srv2, hs2 := newChat(t, Options{Layer: mem})
	a := dial(t, hs1, "/ws/chat/r")
	b := dial(t, hs2, "/ws/chat/r")
	eventually(t, "join", func() bool { return memberCount(srv1, "room.r") == 1 && memberCount(srv2, "room.r") == 1 })

	// A worker holding only the layer publishes to the room.
	event := `{"action":"notice","payload":"maintenance"}`
	if err := Publish(context.Background(), mem, "room.r", []byte(event)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{a, b} {
		if got := c.read(); got != event {
			t.Errorf("got %s, want %s", got, event)
		}
	}
	// ... and to one connection by id, which lives on the other server.
	id := action2payload(t, a.roundTrip(`{"action":"whoami","payload":""}`))
	if err := SendToConn(context.Background(), mem, id, echoReply{Action: "direct", Payload: "for a"}); err != nil {
		t.Fatal(err)
	}
	if got := a.read(); got != `{"action":"direct","payload":"for a"}` {
		t.Errorf("direct event: got %s", got)
	}
	if err := srv2.SendTo(context.Background(), id, []byte(`{"action":"direct","payload":"via server 2"}`)); err != nil {
		t.Fatal(err)
	}
	if got := a.read(); got != `{"action":"direct","payload":"via server 2"}` {
		t.Errorf("SendTo across servers: got %s", got)
	}
	if got := b.roundTrip(`{"action":"ping"}`); action(t, got) != "pong" {
		t.Errorf("b got someone else's direct event: %s", got)
	}
	if err := SendToConn(context.Background(), mem, "nodot", []byte(event)); err == nil || err.Error() != `server: send to "nodot": not a connection id` {
		t.Errorf("SendToConn(bad id) error = %v", err)
	}
}

func action2payload(t testing.TB, frame string) string {
	t.Helper()
	var r echoReply
	if err := jsonUnmarshal(frame, &r); err != nil {
		t.Fatalf("frame %s: %v", frame, err)
	}
	return r.Payload
}

func TestCompletions(t *testing.T) {
	srv, hs := newChat(t, Options{Completions: true})
	a := dial(t, hs, "/ws/chat/c")
	b := dial(t, hs, "/ws/chat/c")
	eventually(t, "join", func() bool { return memberCount(srv, "room.c") == 2 })
	got := []string{a.roundTrip(`{"action":"echo","payload":"x"}`), a.read()}
	want := []string{`{"action":"echo","payload":"x"}`, `{"action":"complete","payload":null}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reply then complete (-want +got):\n%s", diff)
	}
	if got := a.roundTrip(`{"action":"nothing","payload":""}`); got != `{"action":"complete","payload":null}` {
		t.Errorf("no reply: got %s, want complete", got)
	}
	if got := a.roundTrip(`bad`); action(t, got) != "error" || action(t, a.read()) != "complete" {
		t.Errorf("error frame not followed by complete")
	}
	a.send(`{"action":"new_chat_message","payload":{"message":"m","name":"n"}}`)
	if got := []string{b.read(), b.read()}; got[1] != `{"action":"group_complete","payload":null}` {
		t.Errorf("broadcast: got %v, want the message then group_complete", got)
	}
	if got := a.read(); got != `{"action":"complete","payload":null}` {
		t.Errorf("sender: got %s", got)
	}
	if err := srv.Publish(context.Background(), "room.c", []byte(`{"action":"ev","payload":null}`)); err != nil {
		t.Fatal(err)
	}
	if got := []string{b.read(), b.read()}; got[1] != `{"action":"event_complete","payload":null}` {
		t.Errorf("event: got %v, want the event then event_complete", got)
	}
}

func TestCamelize(t *testing.T) {
	srv := New(Options{Camelize: true, Logger: quietLogger()})
	ch, err := srv.Channel("ws/camel", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type userInfo struct {
		Action  string `json:"action"`
		Payload struct {
			UserName string `json:"user_name"`
		} `json:"payload"`
	}
	Handle(ch, "get_user", func(ctx context.Context, c *Conn, m *userInfo) (*userInfo, error) {
		m.Action = "user_info"
		return m, nil
	})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/camel")
	if got := c.roundTrip(`{"action":"get_user","payload":{"userName":"ann"}}`); got != `{"action":"user_info","payload":{"userName":"ann"}}` {
		t.Errorf("camelized reply: %s", got)
	}
}

func TestReadLimitClosesOnlyThatConnection(t *testing.T) {
	_, hs := newChat(t, Options{ReadLimit: 1024})
	big := dial(t, hs, "/ws/chat/l")
	other := dial(t, hs, "/ws/chat/l")
	big.send(`{"action":"echo","payload":"` + strings.Repeat("x", 2000) + `"}`)
	if code := big.expectClose(); code != websocket.StatusMessageTooBig {
		t.Errorf("oversize frame closed with %v, want 1009", code)
	}
	if got := other.roundTrip(`{"action":"ping"}`); action(t, got) != "pong" {
		t.Errorf("other connection: %s", got)
	}
}

func TestOriginCheck(t *testing.T) {
	_, hs := newChat(t, Options{OriginPatterns: []string{"*.good.example"}})
	dialOrigin := func(origin string) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		ws, resp, err := websocket.Dial(ctx, wsURL(hs, "/ws/chat/o"), &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		if err == nil {
			ws.CloseNow()
			return resp.StatusCode, nil
		}
		if resp == nil {
			return 0, err
		}
		return resp.StatusCode, err
	}
	if status, _ := dialOrigin("https://evil.example"); status != http.StatusForbidden {
		t.Errorf("foreign origin: HTTP %d, want 403", status)
	}
	if status, err := dialOrigin("https://app.good.example"); err != nil || status != http.StatusSwitchingProtocols {
		t.Errorf("allowed origin: HTTP %d, %v", status, err)
	}
}

func authByHeader(r *http.Request) (any, error) {
	switch r.Header.Get("X-Token") {
	case "ann":
		return "ann", nil
	case "banned":
		return nil, &AuthError{StatusCode: http.StatusForbidden, Detail: "banned"}
	}
	return nil, errors.New("no token")
}

func TestAuthRejectBeforeUpgrade(t *testing.T) {
	srv := New(Options{Authenticate: authByHeader, Logger: quietLogger()})
	ch, _ := srv.Channel("/ws/me", ChannelOptions{})
	HandleNoReply(ch, "who", func(ctx context.Context, c *Conn, m *echoReply) error {
		return c.Send(ctx, echoReply{Action: "who", Payload: fmt.Sprint(c.Principal())})
	})
	hs := startServer(t, srv)
	for token, want := range map[string]int{"": 401, "banned": 403} {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		_, resp, err := websocket.Dial(ctx, wsURL(hs, "/ws/me"), &websocket.DialOptions{HTTPHeader: http.Header{"X-Token": {token}}})
		cancel()
		if err == nil || resp == nil || resp.StatusCode != want {
			t.Errorf("token %q: %v, want HTTP %d", token, err, want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL(hs, "/ws/me"), &websocket.DialOptions{HTTPHeader: http.Header{"X-Token": {"ann"}}})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, ws: ws}
	defer ws.CloseNow()
	if got := c.roundTrip(`{"action":"who","payload":""}`); got != `{"action":"who","payload":"ann"}` {
		t.Errorf("principal: %s", got)
	}
}

func TestAuthInBand(t *testing.T) {
	srv := New(Options{Authenticate: authByHeader, AuthMode: AuthInBand, Logger: quietLogger()})
	if _, err := srv.Channel("/ws/me", ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	hs := startServer(t, srv)
	dialToken := func(token string) *client {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, wsURL(hs, "/ws/me"), &websocket.DialOptions{HTTPHeader: http.Header{"X-Token": {token}}})
		if err != nil {
			t.Fatalf("in-band auth must accept the upgrade: %v", err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		return &client{t: t, ws: ws}
	}
	bad := dialToken("banned")
	if got := bad.read(); got != `{"action":"authentication","payload":{"status_code":403,"status_text":"Forbidden","data":{"detail":"banned"}}}` {
		t.Errorf("failure frame: %s", got)
	}
	if code := bad.expectClose(); code != websocket.StatusPolicyViolation {
		t.Errorf("closed with %v, want 1008", code)
	}
	good := dialToken("ann")
	if got := good.read(); got != `{"action":"authentication","payload":{"status_code":200,"status_text":"OK","data":null}}` {
		t.Errorf("success frame: %s", got)
	}
	if got := good.roundTrip(`{"action":"ping"}`); action(t, got) != "pong" {
		t.Errorf("after auth: %s", got)
	}
}

func TestOnConnectErrorClosesWithItsCode(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	if _, err := srv.Channel("/ws/full", ChannelOptions{OnConnect: func(ctx context.Context, c *Conn) error {
		return fmt.Errorf("room full: %w", websocket.CloseError{Code: 4001, Reason: "room full"})
	}}); err != nil {
		t.Fatal(err)
	}
	hs := startServer(t, srv)
	if code := dial(t, hs, "/ws/full").expectClose(); code != 4001 {
		t.Errorf("closed with %v, want 4001", code)
	}
}

func TestDisconnectHookAndGroups(t *testing.T) {
	left := make(chan []string, 1)
	srv := New(Options{Logger: quietLogger()})
	ch, _ := srv.Channel("/ws/g", ChannelOptions{
		OnConnect: func(ctx context.Context, c *Conn) error {
			for _, g := range []string{"b", "a", "c"} {
				if err := c.Join(ctx, g); err != nil {
					return err
				}
			}
			return c.Leave(ctx, "c")
		},
		OnDisconnect: func(ctx context.Context, c *Conn) { left <- c.Groups() },
	})
	HandleNoReply(ch, "groups", func(ctx context.Context, c *Conn, m *echoReply) error {
		return c.Send(ctx, echoReply{Action: "groups", Payload: strings.Join(c.Groups(), ",")})
	})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/g")
	if got := c.roundTrip(`{"action":"groups","payload":""}`); got != `{"action":"groups","payload":"a,b"}` {
		t.Errorf("groups: %s", got)
	}
	c.ws.Close(websocket.StatusNormalClosure, "bye")
	select {
	case g := <-left:
		if len(g) != 0 {
			t.Errorf("groups at OnDisconnect: %v, want none (left already)", g)
		}
	case <-time.After(testTimeout):
		t.Fatal("OnDisconnect not called")
	}
	eventually(t, "groups dropped", func() bool { return srv.localGroups() == 0 })
}

func TestChannelAddressErrors(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	if _, err := srv.Channel("/ws/{a}", ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := srv.Channel("/ws/{a}", ChannelOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), `server: channel "/ws/{a}": pattern "/ws/{a}"`) {
		t.Errorf("duplicate channel error = %v", err)
	}
}

func TestValidatorAndFallbackBothRun(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	ch, _ := srv.Channel("/ws/v", ChannelOptions{})
	HandleNoReply(ch, "new_chat_message", func(ctx context.Context, c *Conn, m *chatMessage) error {
		return c.Send(ctx, echoReply{Action: "ok", Payload: m.Payload.Message})
	}, ValidateWith(func(frame []byte) error {
		if strings.Contains(string(frame), "forbidden") {
			return errors.New("forbidden word")
		}
		var v any
		return json.Unmarshal(frame, &v)
	}))
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/v")
	tests := []struct{ frame, want string }{
		{`{"action":"new_chat_message","payload":{"message":"forbidden","name":"a"}}`,
			`{"action":"error","payload":[{"type":"value_error","loc":[],"msg":"Value error, forbidden word"}]}`},
		{`{"action":"new_chat_message","payload":{"message":"","name":"a"}}`,
			`{"action":"error","payload":[{"type":"string_too_short","loc":["payload","message"],"msg":"String should have at least 1 character"}]}`},
		{`{"action":"new_chat_message","payload":{"message":"x","name":nul}}`,
			`{"action":"error","payload":[{"type":"json_invalid","loc":[],"msg":"Invalid JSON: invalid character '}' in literal null (expecting 'l')"}]}`},
		{`{"action":"new_chat_message","payload":{"message":"fine","name":"a"}}`,
			`{"action":"ok","payload":"fine"}`},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, c.roundTrip(tt.frame)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.frame, diff)
		}
	}
}
