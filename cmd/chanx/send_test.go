package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"
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
