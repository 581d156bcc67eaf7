package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/examples/chat/chatclient"
	"github.com/chanxgo/chanx/examples/chat/chattypes"
	"github.com/chanxgo/chanx/internal/examplegen"
	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/layer"
)

func loadAPI(t *testing.T) *ir.API { return examplegen.LoadAPI(t) }

// TestGeneratedPackagesAreCurrent regenerates chattypes, chatapi and
// chatclient as the //go:generate lines in main.go do and fails when the
// committed files differ: run go generate ./examples/chat after changing
// the document or chanx's generator.
func TestGeneratedPackagesAreCurrent(t *testing.T) {
	examplegen.CheckCurrent(t, loadAPI(t), examplegen.Packages{
		Example: "github.com/chanxgo/chanx/examples/chat",
		Types:   "chattypes", Server: "chatapi", Client: "chatclient",
	})
}

// TestOneTypePerMessage is the regression test for server and client
// packages that each declared their own message types: generated against
// one types package, a program that is both sees one NewChatMessage.
func TestOneTypePerMessage(t *testing.T) {
	var msg any = &chatapi.NewChatMessage{}
	if _, ok := msg.(*chatclient.NewChatMessage); !ok {
		t.Fatalf("chatapi.NewChatMessage is %T, not chatclient.NewChatMessage", msg)
	}
	var in chatclient.ChatIncomingMessage = &chattypes.PongMessage{}
	_ = in
}

// startChat serves the example in process, on a loopback port, with an
// in-memory layer.
func startChat(t *testing.T) string {
	t.Helper()
	l := layer.NewMemory()
	t.Cleanup(func() { l.Close() })
	srv, err := newServer(l, slog.New(slog.DiscardHandler))
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
	return "ws" + strings.TrimPrefix(ts.URL, "http")
}

// peer is an independent client: coder/websocket and raw JSON, nothing of
// chanx.
type peer struct {
	t    *testing.T
	name string
	ws   *websocket.Conn
}

func dialPeer(t *testing.T, base, room, name string) *peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, base+"/ws/chat/"+room, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", name, err)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { ws.CloseNow() })
	return &peer{t: t, name: name, ws: ws}
}

func (p *peer) sendRaw(frame string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		p.t.Fatalf("%s: write: %v", p.name, err)
	}
}

func (p *peer) say(message string) {
	p.t.Helper()
	b, _ := json.Marshal(map[string]any{"action": "new_chat_message", "payload": map[string]string{"message": message, "name": p.name}})
	p.sendRaw(string(b))
}

type frame struct {
	Action  string          `json:"action"`
	Payload json.RawMessage `json:"payload"`
}

// read returns the next frame, failing the test after 10 s.
func (p *peer) read() frame {
	p.t.Helper()
	f, err := p.readWithin(10 * time.Second)
	if err != nil {
		p.t.Fatalf("%s: read: %v", p.name, err)
	}
	return f
}

func (p *peer) readWithin(d time.Duration) (frame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, data, err := p.ws.Read(ctx)
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		return frame{}, fmt.Errorf("%s: %w", data, err)
	}
	return f, nil
}

// ping checks the connection works: ping is answered with pong, and
// nothing else came first.
func (p *peer) ping() {
	p.t.Helper()
	p.sendRaw(`{"action":"ping"}`)
	if f := p.read(); f.Action != "pong" {
		p.t.Fatalf("%s: after ping got %s %s, want pong", p.name, f.Action, f.Payload)
	}
}

func (p *peer) expectMessage(from, message string) {
	p.t.Helper()
	f := p.read()
	var pl struct{ Message, Name string }
	json.Unmarshal(f.Payload, &pl)
	if f.Action != "new_chat_message" || pl.Name != from || pl.Message != message {
		p.t.Fatalf("%s: got %s %s, want %s's %q", p.name, f.Action, f.Payload, from, message)
	}
}

// expectError reads an error frame and returns its payload.
func (p *peer) expectError() string {
	p.t.Helper()
	f := p.read()
	if f.Action != "error" {
		p.t.Fatalf("%s: got %s %s, want an error frame", p.name, f.Action, f.Payload)
	}
	return string(f.Payload)
}

func TestPingPong(t *testing.T) {
	base := startChat(t)
	dialPeer(t, base, "lobby", "ann").ping()
}

// TestRoomBroadcast: a message reaches the other members of its room, not
// the sender, not other rooms.
func TestRoomBroadcast(t *testing.T) {
	base := startChat(t)
	ann, bob := dialPeer(t, base, "one", "ann"), dialPeer(t, base, "one", "bob")
	cat := dialPeer(t, base, "two", "cat")
	for _, p := range []*peer{ann, bob, cat} {
		p.ping() // connected, and joined (frames are read after OnConnect)
	}
	ann.say("hello one")
	bob.expectMessage("ann", "hello one")
	// Group delivery is in order: had ann received her own message, it
	// would come before bob's answer.
	bob.say("hi ann")
	ann.expectMessage("bob", "hi ann")
	// cat's room is another group; nothing of room one may arrive.
	cat.ping()
	if f, err := cat.readWithin(200 * time.Millisecond); err == nil {
		t.Errorf("cat (room two) got %s %s", f.Action, f.Payload)
	}
}

// TestBadFramesKeepTheConnection: each bad frame gets an error frame and
// the connection keeps working.
func TestBadFramesKeepTheConnection(t *testing.T) {
	base := startChat(t)
	ann := dialPeer(t, base, "lobby", "ann")
	deep := `{"action":"new_chat_message","payload":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	for _, tc := range []struct{ name, frame, want string }{
		{"invalid payload", `{"action":"new_chat_message","payload":{"message":"","name":"ann"}}`, `"loc":["payload","message"]`},
		{"missing field", `{"action":"new_chat_message","payload":{"message":"hi"}}`, `"loc":["payload","name"]`},
		{"unknown action", `{"action":"shout","payload":null}`, `shout`},
		{"not JSON", `{"action": nope`, `json_invalid`},
		{"too deep", deep, `json_too_deep`},
	} {
		ann.sendRaw(tc.frame)
		if got := ann.expectError(); !strings.Contains(got, tc.want) {
			t.Errorf("%s: error frame %s, want %s in it", tc.name, got, tc.want)
		}
		ann.ping()
	}
}

// TestOversizeFrameClosesOnlyItsConnection: 1009 for the sender, the
// others keep talking.
func TestOversizeFrameClosesOnlyItsConnection(t *testing.T) {
	base := startChat(t)
	ann, bob := dialPeer(t, base, "lobby", "ann"), dialPeer(t, base, "lobby", "bob")
	ann.ping()
	bob.ping()
	// Just over the 1 MiB limit, so the whole frame fits in loopback's
	// socket buffers; the server may close before reading all of it, so a
	// failed write (connection reset) is not the test's concern — the
	// close code is.
	b, _ := json.Marshal(map[string]any{"action": "new_chat_message", "payload": map[string]string{"message": strings.Repeat("x", 1<<20+1024), "name": "ann"}})
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_ = ann.ws.Write(wctx, websocket.MessageText, b)
	cancel()
	_, err := ann.readWithin(10 * time.Second)
	if code := websocket.CloseStatus(err); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversize frame: got %v (code %d), want close 1009", err, code)
	}
	bob.ping()
	cat := dialPeer(t, base, "lobby", "cat")
	cat.ping()
	bob.say("still here")
	cat.expectMessage("bob", "still here")
}

// TestBroadcastReaches200Members: one message, 200 other members.
func TestBroadcastReaches200Members(t *testing.T) {
	base := startChat(t)
	members := make([]*peer, 200)
	for i := range members {
		members[i] = dialPeer(t, base, "big", fmt.Sprintf("m%d", i))
	}
	for _, m := range members {
		m.ping()
	}
	sender := dialPeer(t, base, "big", "sender")
	sender.ping()
	sender.say("to everyone")
	var wg sync.WaitGroup
	errs := make(chan string, len(members))
	for _, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := m.readWithin(10 * time.Second)
			if err != nil || f.Action != "new_chat_message" {
				errs <- fmt.Sprintf("%s: %v %s", m.name, err, f.Payload)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestTwoProcessesShareARoomThroughRedis builds the example and runs it
// twice on one Redis: a member of each process, same room.
func TestTwoProcessesShareARoomThroughRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example and runs redis-server")
	}
	rs := testredis.Start(t)
	bin := filepath.Join(t.TempDir(), "chat")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	one, two := startProcess(t, bin, rs.URL()), startProcess(t, bin, rs.URL())
	ann, bob := dialPeer(t, one, "shared", "ann"), dialPeer(t, two, "shared", "bob")
	cat := dialPeer(t, two, "elsewhere", "cat")
	for _, p := range []*peer{ann, bob, cat} {
		p.ping() // joined: its process subscribed to the room on Redis
	}
	ann.say("across processes")
	bob.expectMessage("ann", "across processes")
	bob.say("back")
	ann.expectMessage("bob", "back")
	cat.ping()
}

// startProcess runs the example binary on a free port with the Redis
// layer and returns its ws:// base URL.
func startProcess(t *testing.T, bin, redisURL string) string {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-redis", redisURL)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(line, "chat: listening on http://")
		if !ok {
			t.Fatalf("unexpected first line %q", line)
		}
		return "ws://" + strings.TrimSuffix(addr, "/chat/")
	case <-done:
		t.Fatalf("the example exited: %s", stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("the example did not start")
	}
	return ""
}

// TestConformance runs every conformance check against the example.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the conformance suite")
	}
	base := startChat(t)
	conformance.Run(t, loadAPI(t), base, conformance.WithSeed(1), conformance.WithParam("room", "conformance"))
}
