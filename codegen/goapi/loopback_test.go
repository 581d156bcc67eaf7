package goapi

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// addLoopback adds to files the server and client packages of
// testdata/rooms.yaml and a test (loopbackTest) that drives one with the
// other over a loopback socket.
func addLoopback(t *testing.T, files map[string][]byte) {
	t.Helper()
	api := load(t, filepath.Join("testdata", "rooms.yaml"))
	addSides(t, files, api, "rooms.yaml", "loop", "roomsapi", "roomsclient")
	ev, err := GenerateClient(context.Background(), load(t, filepath.Join("testdata", "events.yaml")), Options{Package: "eventsclient", Source: "events.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range ev {
		files["loop/eventsclient/"+name] = data
	}
	files["loop/loop_test.go"] = []byte(loopbackTest)
	addStreamLoopback(t, files)
	addTopicLoopback(t, files)
}

// runLoopback runs the loopback test in the module BuildModule made.
func runLoopback(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("go", "test", "-count=1", "./loop/")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("generated server and client against each other: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// loopbackTest is the test run against the generated rooms packages: typed
// handlers, a reply that is one of two messages, broadcast to the rest of
// a room only, events from outside any connection, two sent messages with
// one action told apart by schema, the Unimplemented handler's error
// frame, path parameters, and the served document.
const loopbackTest = `package loop

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"

	"chanxgen.test/loop/eventsclient"
	"chanxgen.test/loop/roomsapi"
	"chanxgen.test/loop/roomsclient"
)

type rooms struct {
	roomsapi.UnimplementedRoomsHandler // Leave stays unimplemented
}

func group(c roomsapi.RoomsConn) string { return "room." + c.Params().Room }

func (rooms) Join(ctx context.Context, c roomsapi.RoomsConn, msg *roomsapi.Join) (roomsapi.RoomsJoinReply, error) {
	if p := c.Params(); p.Lang != "en" || p.XClientVersion != "1.2" {
		return &roomsapi.Refused{Payload: roomsapi.RefusedPayload{Reason: "query or header missing"}}, nil
	}
	if msg.Payload.Name != c.Params().UserName {
		return &roomsapi.Refused{Payload: roomsapi.RefusedPayload{Reason: "name differs from the path"}}, nil
	}
	if err := c.Join(ctx, group(c)); err != nil {
		return nil, err
	}
	return &roomsapi.Joined{Payload: roomsapi.JoinedPayload{Members: 1}}, nil
}

func (rooms) Say(ctx context.Context, c roomsapi.RoomsConn, msg *roomsapi.Say) error {
	said := &roomsapi.Said{Payload: roomsapi.SaidPayload{From: c.Params().UserName, Line: msg.Payload}}
	return c.BroadcastSaid(ctx, group(c), said, server.ExcludeSelf)
}

func (rooms) Ping(ctx context.Context, c roomsapi.RoomsConn, msg *roomsapi.Ping) (*roomsapi.Pong, error) {
	return &roomsapi.Pong{}, nil
}

type member struct {
	c        *roomsclient.RoomsClient
	incoming chan roomsclient.RoomsIncomingMessage
	errs     chan *client.ServerError
}

func dial(t *testing.T, base, room, name string) *member {
	t.Helper()
	m := &member{incoming: make(chan roomsclient.RoomsIncomingMessage, 16), errs: make(chan *client.ServerError, 16)}
	h := roomsclient.RoomsHandlers{OnIncoming: func(ctx context.Context, msg roomsclient.RoomsIncomingMessage) error {
		m.incoming <- msg
		return nil
	}}
	opts := &client.Options{Hooks: client.Hooks{
		OnError: func(ctx context.Context, err *client.ServerError) { m.errs <- err },
		OnInvalidMessage: func(ctx context.Context, frame []byte, err error) { t.Errorf("%s: invalid message %s: %v", name, frame, err) },
	}}
	c, err := roomsclient.NewRoomsClient(base, roomsclient.RoomsParams{Room: room, UserName: name, Lang: "en", XClientVersion: "1.2"}, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	m.c = c
	return m
}

func (m *member) next(t *testing.T) roomsclient.RoomsIncomingMessage {
	t.Helper()
	select {
	case msg := <-m.incoming:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
		return nil
	}
}

func (m *member) join(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	if err := m.c.SendJoin(ctx, &roomsclient.Join{Payload: roomsclient.JoinPayload{Name: name}}); err != nil {
		t.Fatal(err)
	}
	switch msg := m.next(t).(type) {
	case *roomsclient.Joined:
		if msg.Payload.Members != 1 {
			t.Errorf("joined: %+v", msg.Payload)
		}
	case *roomsclient.Refused:
		t.Fatalf("%s refused: %s", name, msg.Payload.Reason)
	default:
		t.Fatalf("join: got %T", msg)
	}
}

func TestGeneratedServerAndClient(t *testing.T) {
	srv := server.New(server.Options{})
	if _, err := roomsapi.MountRooms(srv, rooms{}, server.ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := roomsapi.MountStatus(srv, server.ChannelOptions{OnConnect: func(ctx context.Context, c *server.Conn) error {
		return c.Join(ctx, "status")
	}}); err != nil {
		t.Fatal(err)
	}
	if err := roomsapi.MountDocs(srv); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := context.Background()

	ann, bob, cat := dial(t, ts.URL, "a b", "ann"), dial(t, ts.URL, "a b", "bob"), dial(t, ts.URL, "other", "cat")
	ann.join(t, "ann")
	bob.join(t, "bob")
	cat.join(t, "cat")

	// A reply that is one of two messages: the name must match the path.
	if err := ann.c.SendJoin(ctx, &roomsclient.Join{Payload: roomsclient.JoinPayload{Name: "mallory"}}); err != nil {
		t.Fatal(err)
	}
	if msg, ok := ann.next(t).(*roomsclient.Refused); !ok || msg.Payload.Reason == "" {
		t.Errorf("join under another name: got %#v", msg)
	}

	// Typed request and reply.
	pong, err := ann.c.RequestPing(ctx, &roomsclient.Ping{})
	if err != nil || pong == nil {
		t.Fatalf("ping: %v, %v", pong, err)
	}
	// The reply reaches the handlers too.
	if msg, ok := ann.next(t).(*roomsclient.Pong); !ok {
		t.Fatalf("after ping: got %T", msg)
	}

	// Broadcast to the rest of the room: bob, not ann, not cat.
	if err := ann.c.SendSay(ctx, &roomsclient.Say{Payload: roomsclient.Line{Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	said, ok := bob.next(t).(*roomsclient.Said)
	if !ok || said.Payload.From != "ann" || said.Payload.Line.Text != "hello" {
		t.Fatalf("bob got %#v", said)
	}
	// A round trip each, so anything sent to ann or cat has arrived.
	for _, m := range []*member{ann, cat} {
		if _, err := m.c.RequestPing(ctx, &roomsclient.Ping{}); err != nil {
			t.Fatal(err)
		}
		if msg, ok := m.next(t).(*roomsclient.Pong); !ok {
			t.Errorf("got %T, want only the pong", msg)
		}
	}

	// Validation happens on the server: an empty line is answered with
	// an error frame naming where.
	if err := ann.c.SendSay(ctx, &roomsclient.Say{Payload: roomsclient.Line{Text: ""}}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ann.errs:
		if len(e.Problems) != 1 || !strings.Contains(e.Error(), "payload.text") {
			t.Errorf("invalid say: %v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no error frame for an invalid say")
	}

	// The Unimplemented handler answers with the handler-error frame.
	if err := ann.c.SendLeave(ctx, &roomsclient.Leave{}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ann.errs:
		if e.Detail != "Failed to process message for leave" {
			t.Errorf("leave: %v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no error frame for an unimplemented operation")
	}

	// Events from outside any connection; two messages with one action,
	// told apart by their schemas.
	events := roomsapi.NewRoomsEvents(srv.Layer())
	if err := events.PublishCodeNotice(ctx, "room.a b", &roomsapi.CodeNotice{Payload: roomsapi.CodeNoticePayload{Code: 7}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*member{ann, bob} {
		if n, ok := m.next(t).(*roomsclient.CodeNotice); !ok || n.Payload.Code != 7 {
			t.Errorf("code notice: got %#v", n)
		}
	}
	if err := events.SendTextNoticeTo(ctx, connID(t, srv, ts.URL), &roomsapi.TextNotice{Payload: roomsapi.TextNoticePayload{Text: "hi"}}); err != nil {
		t.Fatal(err)
	}

	// A channel clients only listen on.
	ticks := make(chan int64, 1)
	st, err := roomsclient.NewStatusClient(ts.URL, roomsclient.StatusParams{}, roomsclient.StatusHandlers{OnTick: func(ctx context.Context, msg *roomsclient.Tick) error {
		ticks <- msg.Payload
		return nil
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for got := false; !got; {
		if err := roomsapi.NewStatusEvents(srv.Layer()).PublishTick(ctx, "status", &roomsapi.Tick{Payload: 42}); err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-ticks:
			if v != 42 {
				t.Errorf("tick %d", v)
			}
			got = true
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no tick")
			}
		}
	}

	// The document and its page.
	for path, want := range map[string]string{"/asyncapi.json": "\"asyncapi\": \"3.0.0\"", "/asyncapi.yaml": "asyncapi: 3.0.0", "/asyncapi/docs": "<h3>rooms <code>/ws/rooms/{room}/{user_name}</code></h3>", "/asyncapi/docs/": "<h3>rooms", "/asyncapi/": "<h3>rooms"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, want %q in\n%.400s", path, resp.StatusCode, want, body)
		}
	}
	if !errors.Is(func() error { _, err := (roomsapi.UnimplementedRoomsHandler{}).Join(ctx, roomsapi.RoomsConn{}, nil); return err }(), roomsapi.ErrNotImplemented) {
		t.Error("Unimplemented does not return ErrNotImplemented")
	}
}

// TestClientTellsApartMessagesWithoutDiscriminator: frames that carry no
// discriminator reach the generated client's typed handler by schema; one
// that fits no message goes to OnInvalidMessage.
func TestClientTellsApartMessagesWithoutDiscriminator(t *testing.T) {
	srv := server.New(server.Options{})
	if _, err := srv.Channel("/feed/{symbol}", server.ChannelOptions{OnConnect: func(ctx context.Context, c *server.Conn) error {
		if err := c.Send(ctx, []byte(` + "`" + `{"price":"not a number"}` + "`" + `)); err != nil {
			return err
		}
		return c.Send(ctx, []byte(` + "`" + `{"price":1.5}` + "`" + `))
	}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	quotes, invalid := make(chan float64, 1), make(chan string, 1)
	c, err := eventsclient.NewFeedClient(ts.URL, eventsclient.FeedParams{Symbol: "EUR/USD"}, eventsclient.FeedHandlers{
		OnQuote: func(ctx context.Context, msg *eventsclient.Quote) error {
			quotes <- msg.Price
			return nil
		},
	}, &client.Options{Hooks: client.Hooks{OnInvalidMessage: func(ctx context.Context, frame []byte, err error) {
		invalid <- string(frame) + ": " + err.Error()
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(c.URL(), "/feed/EUR%2FUSD") {
		t.Errorf("url %s", c.URL())
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	select {
	case msg := <-invalid:
		if !strings.Contains(msg, ` + "`" + `eventsclient: the frame is none of the messages it may be: "quote"` + "`" + `) {
			t.Errorf("invalid: %s", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the frame that fits no message was not reported")
	}
	select {
	case p := <-quotes:
		if p != 1.5 {
			t.Errorf("price %v", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no quote")
	}
}

// connID opens a connection that reports its id through OnConnect and
// returns it; the text notice sent to that id must reach it.
func connID(t *testing.T, srv *server.Server, base string) string {
	t.Helper()
	ids := make(chan string, 1)
	ch, err := srv.Channel("/ws/id", server.ChannelOptions{OnConnect: func(ctx context.Context, c *server.Conn) error {
		ids <- c.ID()
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	_ = ch
	got := make(chan *roomsclient.TextNotice, 1)
	c, err := client.New(strings.Replace(base, "http", "ws", 1)+"/ws/id", nil)
	if err != nil {
		t.Fatal(err)
	}
	client.Handle(c, "notice", func(ctx context.Context, msg *roomsclient.TextNotice) error {
		got <- msg
		return nil
	})
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case n := <-got:
			if n.Payload.Text != "hi" {
				t.Errorf("notice to a connection id: %+v", n.Payload)
			}
		case <-time.After(5 * time.Second):
			t.Error("the notice sent to a connection id did not arrive")
		}
		c.Close(context.Background())
	})
	return <-ids
}
`
