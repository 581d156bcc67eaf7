package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"
	rtvalidate "github.com/chanxgo/chanx/runtime/validate"
)

// chatRoom is the handler of examples/chat (package main there, so not
// importable): ping answers pong, a chat message goes to the rest of the
// room.
type chatRoom struct {
	chatapi.UnimplementedChatHandler
}

func (chatRoom) HandlePing(context.Context, chatapi.ChatConn, *chatapi.PingMessage) (*chatapi.PongMessage, error) {
	return &chatapi.PongMessage{}, nil
}

func (chatRoom) HandleNewChatMessage(ctx context.Context, c chatapi.ChatConn, msg *chatapi.NewChatMessage) error {
	return c.BroadcastNewChatMessage(ctx, "chat.room."+c.Params().Room, msg, server.ExcludeSelf)
}

// chatServer serves the chat example's generated server package on a
// loopback port, as examples/chat does. It returns the base URL, the
// number of WebSocket handshakes the server was asked for, and a channel
// that receives each connection's room once it has joined it.
func chatServer(t *testing.T) (base string, handshakes *atomic.Int64, joined <-chan string) {
	t.Helper()
	srv := server.New(server.Options{Layer: layer.NewMemory(), Logger: slog.New(slog.DiscardHandler)})
	j := make(chan string, 16)
	_, err := chatapi.MountChat(srv, chatRoom{}, server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			room := chatapi.ChatConn{Conn: c}.Params().Room
			if err := c.Join(ctx, "chat.room."+room); err != nil {
				return err
			}
			j <- room
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			n.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return "ws" + strings.TrimPrefix(ts.URL, "http"), &n, j
}

// lines decodes the JSON lines send and listen print.
func lines(t *testing.T, out string) []frameLine {
	t.Helper()
	var ls []frameLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var fl frameLine
		if err := json.Unmarshal([]byte(l), &fl); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		ls = append(ls, fl)
	}
	return ls
}

func TestSendPingPrintsPong(t *testing.T) {
	base, _, _ := chatServer(t)
	code, out, stderr := chanx("send", "-s", chatDoc, "--url", base, "--channel", "chat", "--param", "room=lobby", "ping")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	ls := lines(t, out)
	if len(ls) != 1 || ls[0].Message == nil || *ls[0].Message != "pong" || !ls[0].Valid || len(ls[0].Problems) != 0 {
		t.Fatalf("output %q, want one valid pong line", out)
	}
	if !strings.Contains(out, `"frame":{"action":"pong"`) {
		t.Errorf("output %q lacks the frame", out)
	}
}

// TestSendRefusesAnInvalidMessageBeforeConnecting: the problems are the
// server's (PROTOCOL.md §4.1: type, loc, msg), and the server was never
// even asked for a connection.
func TestSendRefusesAnInvalidMessageBeforeConnecting(t *testing.T) {
	base, handshakes, _ := chatServer(t)
	code, out, stderr := chanx("send", "-s", chatDoc, "--url", base, "--channel", "chat", "--param", "room=lobby",
		"new_chat_message", `{"payload": {"message": "", "name": "ann"}}`)
	if code != 1 || !strings.Contains(stderr, "chanx send: new_chat_message is invalid; nothing sent") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := `[{"type":"string_too_short","loc":["payload","message"],"msg":"String should have at least 1 character"` // ctx may follow
	if !strings.HasPrefix(out, want) {
		t.Errorf("stdout %q, want the problem %s…", out, want)
	}
	if n := handshakes.Load(); n != 0 {
		t.Errorf("the server got %d handshakes, want none", n)
	}
}

// syncWriter lets the listen goroutine's output be read after it ends.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestListenReceivesABroadcast: listen prints the chat message a second
// client sends to the room, validated, and ends after --count 1.
func TestListenReceivesABroadcast(t *testing.T) {
	base, _, joined := chatServer(t)
	var out, errw syncWriter
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"chanx", "listen", "-s", chatDoc, "--url", base, "--channel", "chat", "--param", "room=lobby", "--count", "1", "--timeout", "1m"}, &out, &errw)
	}()
	if room := <-joined; room != "lobby" {
		t.Fatalf("listen joined %q", room)
	}
	code, sout, serr := chanx("send", "-s", chatDoc, "--url", base, "--channel", "chat", "--param", "room=lobby",
		"new_chat_message", `{"payload": {"message": "hello", "name": "ann"}}`)
	if code != 0 || sout != "" {
		t.Fatalf("send: exit %d, stdout %q, stderr %q", code, sout, serr)
	}
	if code := <-done; code != 0 {
		t.Fatalf("listen: exit %d, stderr %q", code, errw.String())
	}
	ls := lines(t, out.String())
	if len(ls) != 1 || ls[0].Message == nil || *ls[0].Message != "new_chat_message" || !ls[0].Valid {
		t.Fatalf("listen printed %q, want one valid new_chat_message", out.String())
	}
	if !strings.Contains(out.String(), `"payload":{"message":"hello","name":"ann"}`) {
		t.Errorf("listen printed %q, want the message", out.String())
	}
}

// TestSendAndListenWithoutAServerExit3: a refused connection is exit 3
// with the address it tried.
func TestSendAndListenWithoutAServerExit3(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	want := "could not connect to ws://" + addr + "/ws/chat/lobby: "
	for _, cmd := range [][]string{{"send", "ping"}, {"listen"}} {
		args := append([]string{cmd[0], "-s", chatDoc, "--url", "ws://" + addr, "--channel", "chat", "--param", "room=lobby"}, cmd[1:]...)
		code, _, stderr := chanx(args...)
		if code != 3 || !strings.HasPrefix(stderr, "chanx "+cmd[0]+": "+want) || !strings.Contains(stderr, "refused") {
			t.Errorf("chanx %s: exit %d, stderr %q; want exit 3, %q and refused", cmd[0], code, stderr, want)
		}
	}
}

// TestSendAndListenNameUnknownChannelsAndMessages: exit 2, naming what
// was asked for and what there is.
func TestSendAndListenNameUnknownChannelsAndMessages(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"send", "--channel", "lobby", "ping"}, `chanx send: --channel "lobby": no such channel; the document has chat (see 'chanx send --help')`},
		{[]string{"listen", "--channel", "lobby"}, `chanx listen: --channel "lobby": no such channel; the document has chat (see 'chanx listen --help')`},
		{[]string{"send", "--channel", "chat", "pong"}, `chanx send: message "pong": the client sends no such message on channel chat; it sends new_chat_message, ping (see 'chanx send --help')`},
		{[]string{"send", "--channel", "chat"}, `chanx send: MESSAGE is required: the name of the message to send (see 'chanx send --help')`},
		{[]string{"send", "--channel", "chat", "ping", "{}", "extra"}, `chanx send: unexpected argument "extra" (see 'chanx send --help')`},
		{[]string{"send", "ping"}, `chanx send: --channel is required (see 'chanx send --help')`},
		{[]string{"listen", "--channel", "chat", "--param", "room"}, `chanx listen: --param "room": want name=value (see 'chanx listen --help')`},
	} {
		args := append([]string{tc.args[0], "-s", chatDoc, "--url", "ws://127.0.0.1:1"}, tc.args[1:]...)
		code, _, stderr := chanx(args...)
		if code != 2 || strings.TrimSpace(stderr) != tc.want {
			t.Errorf("chanx %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(args, " "), code, stderr, tc.want)
		}
	}
}

// TestSendProblemsAreTheServersOwn: the problems send prints for an
// invalid frame are the payload the chat server answers that frame with.
func TestSendProblemsAreTheServersOwn(t *testing.T) {
	base, _, _ := chatServer(t)
	for _, frame := range []string{
		`{"action": "new_chat_message", "payload": {"message": "", "name": "ann"}}`,
		`{"action": "new_chat_message", "payload": {"message": "hi", "name": 3, "extra": 1}}`,
		`{"action": "new_chat_message"}`,
	} {
		code, out, _ := chanx("send", "-s", chatDoc, "--url", base, "--channel", "chat", "--param", "room=lobby", "new_chat_message", frame)
		if code != 1 {
			t.Fatalf("%s: exit %d", frame, code)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, _, err := websocket.Dial(ctx, base+"/ws/chat/lobby", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatal(err)
		}
		_, reply, err := conn.Read(ctx)
		conn.CloseNow()
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		var answer struct {
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(reply, &answer); err != nil {
			t.Fatal(err)
		}
		var got, want any
		_ = json.Unmarshal([]byte(out), &got)
		_ = json.Unmarshal(answer.Payload, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nsend printed %s\nthe server answers %s", frame, strings.TrimSpace(out), answer.Payload)
		}
	}
}

// TestSendErrorFrameExit1: a server that answers with an error frame
// makes send print it and exit 1.
func TestSendErrorFrameExit1(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		if _, _, err := c.Read(r.Context()); err != nil {
			return
		}
		_ = c.Write(r.Context(), websocket.MessageText, []byte(`{"action":"error","payload":{"detail":"no pings today"}}`))
		_, _, _ = c.Read(r.Context())
	}))
	t.Cleanup(ts.Close)
	code, out, stderr := chanx("send", "-s", chatDoc, "--url", "ws"+strings.TrimPrefix(ts.URL, "http"), "--channel", "chat", "--param", "room=lobby", "ping")
	if code != 1 || !strings.Contains(stderr, "chanx send: the server answered with an error") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	ls := lines(t, out)
	if len(ls) != 1 || ls[0].Message == nil || *ls[0].Message != "error" || !strings.Contains(out, `"detail":"no pings today"`) {
		t.Errorf("output %q, want the error frame", out)
	}
}

// TestReadmeShellSection runs the commands of the README's "Talking to a
// server from the shell" against the chat server, as written (the URL
// aside), and checks they print what the README shows.
func TestReadmeShellSection(t *testing.T) {
	section := readmeSection(t, "## Talking to a server from the shell")
	blocks := codeBlocks(section, "sh")
	shown := codeBlocks(section, "text")
	if len(blocks) != 1 || len(shown) != 2 {
		t.Fatalf("the section has %d sh blocks and %d output blocks, want 1 and 2", len(blocks), len(shown))
	}
	base, _, joined := chatServer(t)
	const readmeURL = "ws://127.0.0.1:8000"
	var listenOut, listenErr syncWriter
	listenDone := make(chan int, 1)
	var printed []string
	for _, line := range strings.Split(strings.TrimSpace(blocks[0]), "\n") {
		wantCode := 0
		if i := strings.Index(line, " # "); i >= 0 {
			if strings.Contains(line[i:], "exit 1") {
				wantCode = 1
			}
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "go run ./examples/chat &" {
			continue
		}
		var input string
		if rest, ok := strings.CutPrefix(line, "echo "); ok {
			in, cmd, ok := strings.Cut(rest, " | ")
			if !ok {
				t.Fatalf("README: %q: want echo '…' | command", line)
			}
			input, line = strings.Trim(in, "'")+"\n", cmd
		}
		background := strings.HasSuffix(line, " &")
		line = strings.TrimSuffix(line, " &")
		rest, ok := strings.CutPrefix(line, "go run ./cmd/chanx ")
		if !ok {
			t.Fatalf("README: the test does not know how to run %q", line)
		}
		args := append([]string{"chanx"}, shellWords(t, strings.ReplaceAll(rest, readmeURL, base))...)
		for i, a := range args {
			if a == "examples/chat/asyncapi.yaml" {
				args[i] = chatDoc
			}
		}
		if background {
			go func() { listenDone <- run(args, &listenOut, &listenErr) }()
			<-joined
			continue
		}
		var out, errw bytes.Buffer
		saved := stdin
		stdin = strings.NewReader(input)
		code := run(args, &out, &errw)
		stdin = saved
		if code != wantCode {
			t.Fatalf("README: %q: exit %d, want %d\n%s%s", line, code, wantCode, out.String(), errw.String())
		}
		printed = append(printed, out.String()+errw.String())
	}
	if code := <-listenDone; code != 0 {
		t.Fatalf("README: listen: exit %d\n%s", code, listenErr.String())
	}
	if got := printed[0] + listenOut.String(); got != shown[0] {
		t.Errorf("ping and listen print\n%s\nthe README shows\n%s", got, shown[0])
	}
	if printed[1] != "" {
		t.Errorf("the chat message's send printed %q, the README shows nothing", printed[1])
	}
	if printed[2] != shown[1] {
		t.Errorf("the empty message prints\n%s\nthe README shows\n%s", printed[2], shown[1])
	}
}

// shellWords splits a command line with single-quoted words, which is
// all the README uses.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '\'' {
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				t.Fatalf("unterminated quote in %q", s)
			}
			words = append(words, s[1:1+end])
			s = s[2+end:]
			continue
		}
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		}
		words = append(words, s[:end])
		s = s[end:]
	}
	return words
}

// TestListenConnectionLostExit3: a server that goes away ends listen
// with exit 3 and says so, after printing what it sent (a frame the
// document does not have marked invalid).
func TestListenConnectionLostExit3(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		_ = c.Write(r.Context(), websocket.MessageText, []byte(`{"action":"pong"}`))
		_ = c.Write(r.Context(), websocket.MessageText, []byte(`{"action":"surprise"}`))
		c.CloseNow()
	}))
	t.Cleanup(ts.Close)
	base := "ws" + strings.TrimPrefix(ts.URL, "http")
	code, out, stderr := chanx("listen", "-s", chatDoc, "--url", base, "--channel", "chat", "--param", "room=lobby", "--timeout", "1m")
	if code != 3 || !strings.Contains(stderr, "chanx listen: the connection to "+base+"/ws/chat/lobby was lost") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	ls := lines(t, out)
	if len(ls) != 2 || ls[0].Message == nil || *ls[0].Message != "pong" || !ls[0].Valid {
		t.Fatalf("output %q, want the pong and the unknown frame read before the end", out)
	}
	// A frame the document does not have is printed, marked invalid.
	if ls[1].Message != nil || ls[1].Valid || len(ls[1].Problems) == 0 || !strings.Contains(out, `"frame":{"action":"surprise"}`) {
		t.Errorf("output %q, want the unknown frame with no message, invalid, with problems", out)
	}
}

// TestSendFields: --field builds the payload from flags, over the JSON
// frame when one is given, and the result is validated like any frame.
func TestSendFields(t *testing.T) {
	for _, tc := range []struct {
		frame  string
		fields []string
		want   string
	}{
		{`{}`, []string{"message=hi", "name=Ada"}, `{"payload":{"message":"hi","name":"Ada"}}`},
		{`{"payload":{"message":"x","name":"Bob"}}`, []string{"message=hi"}, `{"payload":{"message":"hi","name":"Bob"}}`},
		{`{}`, []string{"a.b.c=3", "a.d=true", "s=\"3\"", "n=null", "l=[1,2]"}, `{"payload":{"a":{"b":{"c":3},"d":true},"l":[1,2],"n":null,"s":"3"}}`},
	} {
		v, err := rtvalidate.ParseJSON([]byte(tc.frame))
		if err != nil {
			t.Fatal(err)
		}
		got, err := setFields(v, tc.fields)
		if err != nil {
			t.Fatalf("setFields(%s, %q): %v", tc.frame, tc.fields, err)
		}
		if b, _ := json.Marshal(got); string(b) != tc.want {
			t.Errorf("setFields(%s, %q) = %s, want %s", tc.frame, tc.fields, b, tc.want)
		}
	}
	for _, tc := range []struct {
		frame, field, want string
	}{
		{`[]`, "a=1", "--field needs a frame that is a JSON object"},
		{`{}`, "a", `--field "a": want path=value`},
		{`{}`, "a..b=1", `--field "a..b=1": empty member name in the path`},
		{`{"payload":{"a":1}}`, "a.b=1", `--field "a.b=1": payload.a is not an object`},
	} {
		v, _ := rtvalidate.ParseJSON([]byte(tc.frame))
		if _, err := setFields(v, []string{tc.field}); err == nil || err.Error() != tc.want {
			t.Errorf("setFields(%s, %q) = %v, want %q", tc.frame, tc.field, err, tc.want)
		}
	}

	base, handshakes, _ := chatServer(t)
	code, out, stderr := chanx("send", "-s", chatDoc, "--url", base, "--channel", "chat", "--param", "room=lobby",
		"--field", "message=", "--field", "name=ann", "new_chat_message")
	if code != 1 || !strings.HasPrefix(out, `[{"type":"string_too_short","loc":["payload","message"]`) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want the empty message refused", code, out, stderr)
	}
	if n := handshakes.Load(); n != 0 {
		t.Errorf("the server got %d handshakes, want none", n)
	}
	code, _, stderr = chanx("send", "-s", chatDoc, "--url", base, "--channel", "chat", "--param", "room=lobby",
		"-f", "message=hi", "-f", "name=ann", "new_chat_message")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
