package pyruntime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"
)

// chat is examples/chat's handler (package main there, so not importable):
// pong for ping, a chat message broadcast to the rest of the room.
type chat struct {
	chatapi.UnimplementedChatHandler
}

func roomGroup(c chatapi.ChatConn) string { return "chat.room." + c.Params().Room }

func (chat) HandlePing(ctx context.Context, c chatapi.ChatConn, msg *chatapi.PingMessage) (*chatapi.PongMessage, error) {
	return &chatapi.PongMessage{}, nil
}

func (chat) HandleNewChatMessage(ctx context.Context, c chatapi.ChatConn, msg *chatapi.NewChatMessage) error {
	return c.BroadcastNewChatMessage(ctx, roomGroup(c), msg, server.ExcludeSelf)
}

// arrival is what the chat server saw of one connection's handshake.
type arrival struct {
	RequestURI string
	Room       string
	Header     http.Header
}

// chatServer is the generated chat server (chatapi) with the example's
// handler, on a loopback port; it records each connection's handshake.
type chatServer struct {
	URL string

	mu       sync.Mutex
	arrivals []arrival
}

func startChat(t *testing.T) *chatServer {
	t.Helper()
	l := layer.NewMemory()
	t.Cleanup(func() { l.Close() })
	srv := server.New(server.Options{Layer: l, Logger: slog.New(slog.DiscardHandler)})
	cs := &chatServer{}
	_, err := chatapi.MountChat(srv, chat{}, server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			cc := chatapi.ChatConn{Conn: c}
			cs.mu.Lock()
			cs.arrivals = append(cs.arrivals, arrival{c.Request().RequestURI, cc.Params().Room, c.Request().Header.Clone()})
			cs.mu.Unlock()
			return c.Join(ctx, roomGroup(cc))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		ts.Close()
	})
	cs.URL = "ws" + strings.TrimPrefix(ts.URL, "http")
	return cs
}

func (cs *chatServer) seen() []arrival {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]arrival(nil), cs.arrivals...)
}

// wsFrame is one frame a script server sends.
type wsFrame struct {
	typ  websocket.MessageType
	data string
}

func text(s string) wsFrame { return wsFrame{websocket.MessageText, s} }

// session is what a script server saw of one connection.
type session struct {
	RequestURI  string
	Header      http.Header
	Received    []string
	CloseCode   websocket.StatusCode
	CloseReason string
}

// script is what a scriptServer does on each connection: the first
// dropFirst connections are closed at once with 1012; the others get
// frames, then each frame the client sends is recorded and answered with
// answers[its action].
type script struct {
	dropFirst int
	frames    []wsFrame
	answers   map[string][]wsFrame
	// closeOn closes the connection with 1011 when a frame of this
	// action arrives.
	closeOn string
}

// scriptServer is a bare coder/websocket server playing a script and
// recording every connection until the client closes it.
type scriptServer struct {
	URL string

	script script

	mu       sync.Mutex
	n        int
	sessions []*session
	wg       sync.WaitGroup
}

func startScript(t *testing.T, sc script) *scriptServer {
	t.Helper()
	ss := &scriptServer{script: sc}
	ts := httptest.NewServer(ss)
	t.Cleanup(func() { ts.Close(); ss.wg.Wait() })
	ss.URL = "ws" + strings.TrimPrefix(ts.URL, "http")
	return ss
}

func (ss *scriptServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ss.wg.Add(1)
	defer ss.wg.Done()
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ss.mu.Lock()
	ss.n++
	drop := ss.n <= ss.script.dropFirst
	s := &session{RequestURI: r.RequestURI, Header: r.Header.Clone()}
	ss.sessions = append(ss.sessions, s)
	ss.mu.Unlock()
	if drop {
		ws.Close(websocket.StatusServiceRestart, "come back later")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	for _, f := range ss.script.frames {
		if err := ws.Write(ctx, f.typ, []byte(f.data)); err != nil {
			return
		}
	}
	for {
		_, data, err := ws.Read(ctx)
		ss.mu.Lock()
		if err != nil {
			s.CloseCode = websocket.CloseStatus(err)
			var ce websocket.CloseError
			if errorsAs(err, &ce) {
				s.CloseReason = ce.Reason
			}
			ss.mu.Unlock()
			return
		}
		s.Received = append(s.Received, string(data))
		ss.mu.Unlock()
		var f struct{ Action string }
		json.Unmarshal(data, &f)
		if f.Action != "" && f.Action == ss.script.closeOn {
			ws.Close(websocket.StatusInternalError, "scripted")
		}
		for _, a := range ss.script.answers[f.Action] {
			if err := ws.Write(ctx, a.typ, []byte(a.data)); err != nil {
				return
			}
		}
	}
}

// done waits until every connection has ended, then returns the sessions.
func (ss *scriptServer) done() []*session {
	ss.wg.Wait()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.sessions
}

// report is what drive.py prints for a client.
type report struct {
	API              string   `json:"api"`
	URL              string   `json:"url"`
	Messages         []any    `json:"messages"`
	Invalid          []any    `json:"invalid"`
	InvalidErrors    []string `json:"invalid_errors"`
	Raw              []string `json:"raw"`
	Errors           []string `json:"errors"`
	ConnectionErrors []string `json:"connection_errors"`
	Inits            int      `json:"inits"`
	Calls            []string `json:"calls"`
	CloseCode        *int     `json:"close_code"`
	Replies          []any    `json:"replies"`
	Timeout          string   `json:"timeout"`
	After            string   `json:"after"`
	ServerError      string   `json:"server_error"`
	ServerErrPayload any      `json:"server_error_payload"`
	Raised           string   `json:"raised"`
	Cancelled        bool     `json:"cancelled"`
}

// apiMode is one way of running the client: with the websockets API the
// interpreter has, or with the other one (see drive.py).
type apiMode struct{ name, env, want string }

// apiModes are the websockets APIs the tests run the client with: the
// installed one and the other. With only a legacy release installed, the
// asyncio API is a stand-in over it (drive.py's fake-asyncio): it proves
// the client's import-time choice and its asyncio-API call, not websockets
// 13 itself.
func apiModes(py *Python) []apiMode {
	if py.WebsocketsAPI == "asyncio" {
		return []apiMode{{"asyncio", "", "asyncio"}, {"legacy", "legacy", "legacy"}}
	}
	return []apiMode{{"legacy", "", "legacy"}, {"fake-asyncio", "fake-asyncio", "asyncio"}}
}

// drive runs drive.py scenario against url and decodes what it printed
// into out.
func drive(t *testing.T, py *Python, mode apiMode, out any, scenario, url string, args ...string) {
	t.Helper()
	dir := testdata(t)
	env := append(py.Env(dir), "CHANX_TEST_WEBSOCKETS_API="+mode.env)
	stdout := py.Run(t, env, append([]string{filepath.Join(dir, "drive.py"), scenario, url}, args...)...)
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		t.Fatalf("drive.py %s: %v\n%s", scenario, err, stdout)
	}
	var api struct{ API string }
	json.Unmarshal([]byte(stdout), &api)
	if api.API != mode.want {
		t.Fatalf("drive.py %s ran with the %q websockets API, want %q", scenario, api.API, mode.want)
	}
}

// testdata lays out what drive.py imports in a fresh folder: drive.py and
// the chat package with its base/ runtime (layChatPackage).
func testdata(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("testdata", "drive.py"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "drive.py"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	layChatPackage(t, filepath.Join(dir, "chatclient"))
	return dir
}

// pong is a PongMessage as the Python client dumps it.
var pong = map[string]any{"action": "pong", "payload": nil}

func TestChatClient(t *testing.T) {
	py := Find(t)
	t.Logf("python3 %s, pydantic %s, websockets %s (%s API)", py.Bin, py.Pydantic, py.Websockets, py.WebsocketsAPI)
	for _, mode := range apiModes(py) {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel() // the modes share nothing; much of each is waiting
			t.Run("PingPong", func(t *testing.T) { testPingPong(t, py, mode) })
			t.Run("MessageReachesTheOtherMemberOnly", func(t *testing.T) { testBroadcast(t, py, mode) })
			t.Run("HeadersAndEscapedRoom", func(t *testing.T) { testHeadersAndRoom(t, py, mode) })
			t.Run("InvalidFrames", func(t *testing.T) { testInvalidFrames(t, py, mode) })
			t.Run("DisconnectCloseCode", func(t *testing.T) { testCloseCode(t, py, mode) })
			t.Run("RequestTimeout", func(t *testing.T) { testRequestTimeout(t, py, mode) })
			t.Run("RequestInReadLoop", func(t *testing.T) { testRequestInReadLoop(t, py, mode) })
			t.Run("Reconnect", func(t *testing.T) { testReconnect(t, py, mode) })
			t.Run("ReconnectGivesUp", func(t *testing.T) { testReconnectGivesUp(t, py, mode) })
			t.Run("ServerErrorFailsTheRequest", func(t *testing.T) { testServerError(t, py, mode) })
			t.Run("RequestFailsWhenTheConnectionDrops", func(t *testing.T) { testDropped(t, py, mode) })
			t.Run("HookErrors", func(t *testing.T) { testHookErrors(t, py, mode) })
			t.Run("FatalHandleError", func(t *testing.T) { testFatal(t, py, mode) })
			t.Run("Cancelled", func(t *testing.T) { testCancelled(t, py, mode) })
		})
	}
}

// testPingPong: requests sent from send_init_message get their pongs
// (the read loop runs beside the init hook), five at once included, and
// the replies do not reach handle_message.
func testPingPong(t *testing.T, py *Python, mode apiMode) {
	cs := startChat(t)
	var r report
	drive(t, py, mode, &r, "ping", cs.URL, "lobby")
	want := []any{pong, pong, pong, pong, pong, pong}
	if diff := cmp.Diff(want, r.Replies); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	if len(r.Messages) != 0 || len(r.Errors) != 0 || len(r.ConnectionErrors) != 0 {
		t.Errorf("handle_message got %v, errors %v %v; want none", r.Messages, r.Errors, r.ConnectionErrors)
	}
	if diff := cmp.Diff([]string{"before_handle", "after_handle"}, r.Calls); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
	if r.CloseCode == nil || *r.CloseCode != 1000 {
		t.Errorf("close code %v, want 1000", r.CloseCode)
	}
}

// testBroadcast: ann's message reaches bob, bob's answer reaches ann, and
// neither gets its own (delivery is in order, so ann's own message would
// have come before bob's answer).
func testBroadcast(t *testing.T, py *Python, mode apiMode) {
	cs := startChat(t)
	var r struct{ Ann, Bob report }
	drive(t, py, mode, &r, "chat", cs.URL, "room-"+mode.name)
	msg := func(text, name string) any {
		return map[string]any{"action": "new_chat_message", "payload": map[string]any{"message": text, "name": name}}
	}
	if diff := cmp.Diff([]any{msg("hi ann", "bob")}, r.Ann.Messages); diff != "" {
		t.Errorf("ann's messages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{msg("hello from ann", "ann")}, r.Bob.Messages); diff != "" {
		t.Errorf("bob's messages (-want +got):\n%s", diff)
	}
}

// testHeadersAndRoom: a client given host:port connects; the headers
// given to it arrive with the handshake, and a room name with '/', spaces and other reserved
// characters arrives escaped as one path segment, which the server reads
// back as the name.
func testHeadersAndRoom(t *testing.T, py *Python, mode apiMode) {
	cs := startChat(t)
	const room = "a/b c?d#e%f"
	var r report
	// Chanx's usual form: host:port, the scheme from protocol="ws".
	drive(t, py, mode, &r, "headers", strings.TrimPrefix(cs.URL, "ws://"), room)
	seen := cs.seen()
	if len(seen) != 1 {
		t.Fatalf("the server saw %d connections, want 1", len(seen))
	}
	a := seen[0]
	if got, want := a.Header.Get("Authorization"), "Bearer s3cret"; got != want {
		t.Errorf("Authorization %q, want %q", got, want)
	}
	if got, want := a.Header.Get("X-Chanx-Test"), "from python"; got != want {
		t.Errorf("X-Chanx-Test %q, want %q", got, want)
	}
	if want := "/ws/chat/a%2Fb%20c%3Fd%23e%25f"; a.RequestURI != want {
		t.Errorf("request URI %q, want %q", a.RequestURI, want)
	}
	if a.Room != room {
		t.Errorf("the server read room %q, want %q", a.Room, room)
	}
	if !strings.HasSuffix(r.URL, "/ws/chat/a%2Fb%20c%3Fd%23e%25f") {
		t.Errorf("client URL %q", r.URL)
	}
}

// testInvalidFrames: frames that are not messages of the channel reach
// handle_invalid_message (while their ValidationError is at hand), frames
// that are not JSON text reach handle_raw_data, and the connection goes
// on to deliver the valid pong.
func testInvalidFrames(t *testing.T, py *Python, mode apiMode) {
	ss := startScript(t, script{frames: []wsFrame{
		text(`{"action": "pong", "payload": 5}`),
		text(`{"action": "error", "payload": [{"type": "missing", "loc": ["payload"], "msg": "Field required"}]}`),
		text(`{"action": "new_chat_message", "payload": {"message": "", "name": "x"}}`),
		text(`[1, 2]`),
		text(`not json`),
		wsFrame{websocket.MessageBinary, "\x00\x01"},
		text(`{"action": "pong", "payload": null}`),
	}})
	var r report
	drive(t, py, mode, &r, "invalid", ss.URL)
	wantInvalid := []any{
		map[string]any{"action": "pong", "payload": 5.0},
		map[string]any{"action": "error", "payload": []any{map[string]any{"type": "missing", "loc": []any{"payload"}, "msg": "Field required"}}},
		map[string]any{"action": "new_chat_message", "payload": map[string]any{"message": "", "name": "x"}},
		[]any{1.0, 2.0},
	}
	if diff := cmp.Diff(wantInvalid, r.Invalid); diff != "" {
		t.Errorf("handle_invalid_message (-want +got):\n%s", diff)
	}
	for _, e := range r.InvalidErrors {
		if e != "ValidationError" {
			t.Errorf("handle_invalid_message ran with %s at hand, want ValidationError", e)
		}
	}
	if diff := cmp.Diff([]string{"not json", "0001"}, r.Raw); diff != "" {
		t.Errorf("handle_raw_data (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{pong}, r.Messages); diff != "" {
		t.Errorf("handle_message (-want +got):\n%s", diff)
	}
	if len(r.Errors) != 0 {
		t.Errorf("handle_error got %v", r.Errors)
	}
}

// testCloseCode: disconnect(code, reason) reaches the server as the close
// frame; disconnect() sends 1000. The frame sent before is the one
// PROTOCOL.md gives for ping (json.dumps spacing, payload null).
func testCloseCode(t *testing.T, py *Python, mode apiMode) {
	for _, tc := range []struct {
		arg    string
		code   websocket.StatusCode
		reason string
	}{
		{"4001:bye now", 4001, "bye now"},
		{"", websocket.StatusNormalClosure, ""},
	} {
		ss := startScript(t, script{})
		var r report
		drive(t, py, mode, &r, "close", ss.URL, tc.arg)
		s := ss.done()
		if len(s) != 1 {
			t.Fatalf("%d connections, want 1", len(s))
		}
		if s[0].CloseCode != tc.code || s[0].CloseReason != tc.reason {
			t.Errorf("disconnect(%q): the server got close %d %q, want %d %q", tc.arg, s[0].CloseCode, s[0].CloseReason, tc.code, tc.reason)
		}
		if diff := cmp.Diff([]string{`{"action": "ping", "payload": null}`}, s[0].Received); diff != "" {
			t.Errorf("frames sent (-want +got):\n%s", diff)
		}
	}
}

// testRequestTimeout: no reply within the timeout raises RequestTimeout
// naming the reply; sending after handle() returned raises
// NotConnectedError.
func testRequestTimeout(t *testing.T, py *Python, mode apiMode) {
	ss := startScript(t, script{})
	var r report
	drive(t, py, mode, &r, "timeout", ss.URL)
	if want := "no 'pong' reply to PingMessage within 0.3 s"; r.Timeout != want {
		t.Errorf("timeout: %q, want %q", r.Timeout, want)
	}
	if !strings.HasPrefix(r.After, "cannot send PingMessage: not connected") {
		t.Errorf("send after handle(): %q", r.After)
	}
}

// testRequestInReadLoop: request() awaited in handle_message fails at once
// with a message saying why, instead of waiting out its timeout.
func testRequestInReadLoop(t *testing.T, py *Python, mode apiMode) {
	ss := startScript(t, script{frames: []wsFrame{text(`{"action": "pong", "payload": null}`)}})
	var r report
	drive(t, py, mode, &r, "readloop", ss.URL)
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "RuntimeError: request(PingMessage) awaited inside the read loop") {
		t.Errorf("handle_error got %q, want the read-loop RuntimeError", r.Errors)
	}
}

// testReconnect: the server drops the first two connections; with
// reconnect set the client comes back, runs send_init_message on each
// connection, and reports each loss.
func testReconnect(t *testing.T, py *Python, mode apiMode) {
	ss := startScript(t, script{dropFirst: 2, frames: []wsFrame{text(`{"action": "pong", "payload": null}`)}})
	var r report
	drive(t, py, mode, &r, "reconnect", ss.URL)
	if n := len(ss.done()); n != 3 {
		t.Errorf("the server saw %d connections, want 3", n)
	}
	if diff := cmp.Diff([]string{"ConnectionClosedError", "ConnectionClosedError"}, r.ConnectionErrors); diff != "" {
		t.Errorf("connection errors (-want +got):\n%s", diff)
	}
	if r.Inits != 3 || len(r.Messages) != 1 {
		t.Errorf("inits %d, messages %v; want 3 and one pong", r.Inits, r.Messages)
	}
	if diff := cmp.Diff([]string{"before_handle", "after_handle"}, r.Calls); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
}

// testReconnectGivesUp: nothing listens; one attempt and max_attempts (2)
// more, each reported, then handle() returns.
func testReconnectGivesUp(t *testing.T, py *Python, mode apiMode) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var r report
	drive(t, py, mode, &r, "refused", "ws://"+addr)
	if diff := cmp.Diff([]string{"ConnectionRefusedError", "ConnectionRefusedError", "ConnectionRefusedError"}, r.ConnectionErrors); diff != "" {
		t.Errorf("connection errors (-want +got):\n%s", diff)
	}
	if r.Inits != 0 {
		t.Errorf("send_init_message ran %d times without a connection", r.Inits)
	}
}

// TestClientHelpers: URL building, argument checks, backoff delays and the
// frames the client encodes, without a server.
func TestClientHelpers(t *testing.T) {
	py := Find(t)
	var r struct {
		URLs   map[string]string `json:"urls"`
		Errors map[string]string `json:"errors"`
		Delays []float64         `json:"delays"`
		Frames map[string]string `json:"frames"`
	}
	drive(t, py, apiModes(py)[0], &r, "unit", "-")
	wantURLs := map[string]string{
		"host":    "ws://localhost:8000/ws/chat/lobby",
		"wss":     "wss://example.com/ws/chat/lobby",
		"full":    "ws://127.0.0.1:9/ws/chat/lobby",
		"http":    "wss://example.com/api/ws/chat/7?t=1",
		"escape":  "ws://h/ws/chat/a%2Fb%20c%3Fd%23e%25f%C3%A9",
		"noslash": "ws://h/ws/x",
	}
	if diff := cmp.Diff(wantURLs, r.URLs); diff != "" {
		t.Errorf("URLs (-want +got):\n%s", diff)
	}
	wantErrors := map[string]string{
		"protocol":     "protocol must be 'ws' or 'wss', not 'http'",
		"scheme":       "unsupported scheme 'ftp' in 'ftp://h': use ws, wss, http or https",
		"nohost":       "no host in 'ws://'",
		"missing":      "missing path parameter 'room' for '/ws/chat/{room}'",
		"unknown":      "unknown path parameter 'rooom' for '/ws/chat/{room}', which has 'room'",
		"empty":        "path parameter 'room' is empty",
		"factor":       "Reconnect: factor must be at least 1, not 0.5",
		"attempts":     "Reconnect: max_attempts must be at least 1 or None, not 0",
		"noreply":      "request() needs the message type(s) of the reply",
		"notconnected": "cannot send PingMessage: not connected (send from send_init_message, handle_message or while handle() runs)",
		"runtime":      "the generated client needs runtime version 3, but its base/ folder has version 2: regenerate with --override-base (and carry over your changes to base/)",
	}
	if diff := cmp.Diff(wantErrors, r.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{1, 2, 4, 5, 5}, r.Delays); diff != "" {
		t.Errorf("backoff delays (-want +got):\n%s", diff)
	}
	// PROTOCOL.md: model_dump(mode="json") through json.dumps defaults.
	wantFrames := map[string]string{
		"ping": `{"action": "ping", "payload": null}`,
		"chat": `{"action": "new_chat_message", "payload": {"message": "h\u00e9", "name": "a"}}`,
	}
	if diff := cmp.Diff(wantFrames, r.Frames); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// testServerError: an error frame answering a request fails it with
// ServerError (its detail as the message, its payload kept), and still
// reaches handle_invalid_message, as Chanx's client has it.
func testServerError(t *testing.T, py *Python, mode apiMode) {
	const errFrame = `{"action": "error", "payload": {"detail": "Failed to process message for ping"}}`
	ss := startScript(t, script{answers: map[string][]wsFrame{"ping": {text(errFrame)}}})
	var r report
	drive(t, py, mode, &r, "servererror", ss.URL)
	if want := "the server answered with an error: Failed to process message for ping"; r.ServerError != want {
		t.Errorf("ServerError %q, want %q", r.ServerError, want)
	}
	if diff := cmp.Diff(map[string]any{"detail": "Failed to process message for ping"}, r.ServerErrPayload); diff != "" {
		t.Errorf("ServerError.payload (-want +got):\n%s", diff)
	}
	if len(r.Invalid) != 1 {
		t.Errorf("handle_invalid_message got %v, want the error frame", r.Invalid)
	}
}

// testHookErrors: send_init_message and handle_message raising reach
// handle_error; the connection stays open for what follows.
func testHookErrors(t *testing.T, py *Python, mode apiMode) {
	ss := startScript(t, script{frames: []wsFrame{text(`{"action": "pong", "payload": null}`)}})
	var r report
	drive(t, py, mode, &r, "errors", ss.URL)
	got := append([]string(nil), r.Errors...)
	slices.Sort(got)
	if diff := cmp.Diff([]string{"ValueError: handler failed on pong", "ValueError: init failed"}, got); diff != "" {
		t.Errorf("handle_error (-want +got):\n%s", diff)
	}
	if s := ss.done(); len(s) != 1 || s[0].CloseCode != websocket.StatusNormalClosure {
		t.Errorf("sessions %+v, want one closed with 1000", s)
	}
}

// testFatal: handle_error re-raising ends handle() with the error, closes
// the connection with 1011 and still runs after_handle.
func testFatal(t *testing.T, py *Python, mode apiMode) {
	ss := startScript(t, script{frames: []wsFrame{text(`{"action": "pong", "payload": null}`)}})
	var r report
	drive(t, py, mode, &r, "fatal", ss.URL)
	if r.Raised != "cannot go on" {
		t.Errorf("handle() raised %q, want the handler's error", r.Raised)
	}
	if diff := cmp.Diff([]string{"before_handle", "after_handle"}, r.Calls); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
	if s := ss.done(); len(s) != 1 || s[0].CloseCode != websocket.StatusInternalError {
		t.Errorf("sessions %+v, want one closed with 1011", s)
	}
}

// testCancelled: cancelling the task running handle() closes with 1001
// (going away) and runs after_handle.
func testCancelled(t *testing.T, py *Python, mode apiMode) {
	ss := startScript(t, script{})
	var r report
	drive(t, py, mode, &r, "cancel", ss.URL)
	if !r.Cancelled {
		t.Error("the handle() task was not cancelled")
	}
	if diff := cmp.Diff([]string{"before_handle", "after_handle"}, r.Calls); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
	if s := ss.done(); len(s) != 1 || s[0].CloseCode != websocket.StatusGoingAway {
		t.Errorf("sessions %+v, want one closed with 1001", s)
	}
}

// testDropped: a request waiting when the connection drops fails with
// NotConnectedError at once, and the loss reaches
// handle_websocket_connection_error.
func testDropped(t *testing.T, py *Python, mode apiMode) {
	ss := startScript(t, script{closeOn: "ping"})
	var r report
	drive(t, py, mode, &r, "dropped", ss.URL)
	if want := "the connection closed before the 'pong' reply arrived"; r.After != want {
		t.Errorf("request: %q, want %q", r.After, want)
	}
	if diff := cmp.Diff([]string{"ConnectionClosedError"}, r.ConnectionErrors); diff != "" {
		t.Errorf("connection errors (-want +got):\n%s", diff)
	}
	if r.CloseCode == nil || *r.CloseCode != 1011 {
		t.Errorf("close code %v, want the server's 1011", r.CloseCode)
	}
}
