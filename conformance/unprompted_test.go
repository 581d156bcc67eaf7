package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/conformance/chattest"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// The servers of this file are each written for one behaviour a real
// server has (issue #15): frames on connect, periodic pushes, a reply
// broadcast to the group, a nested enum left unchecked, business
// rejections, a crash, Socket.IO framing. Each is plain coder/websocket,
// nothing from chanx's runtime, and each test asserts the exact verdicts.

// loadDoc loads a document of testdata/docs.
func loadDoc(t testing.TB, name string) *ir.API {
	t.Helper()
	ctx := context.Background()
	doc, err := spec.Load(ctx, filepath.Join("testdata", "docs", name), spec.Options{NoRemote: true})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	api, diags := analyze.Build(ctx, doc)
	if diags.HasErrors() || api == nil {
		t.Fatalf("%s: %v", name, diags)
	}
	return api
}

// serveWS serves handle for every WebSocket on pattern until the test
// ends and returns the base URL.
func serveWS(t testing.TB, pattern string, handle func(ctx context.Context, c *websocket.Conn, r *http.Request)) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		handle(r.Context(), c, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func writeJSON(ctx context.Context, c *websocket.Conn, v any) {
	b, _ := json.Marshal(v)
	_ = c.Write(ctx, websocket.MessageText, b)
}

// chanxError is a validation error frame the Python Chanx way: the loc
// starts with the message's tag.
func chanxError(tag string, loc []any, msg string) map[string]any {
	return map[string]any{"action": "error", "payload": []any{map[string]any{"type": "value_error", "loc": append([]any{tag}, loc...), "msg": msg}}}
}

// report runs the tester and returns the report and its text.
func report(t *testing.T, api *ir.API, url string, opts ...conformance.Option) (*conformance.Report, string) {
	t.Helper()
	rep, err := conformance.Check(t.Context(), api, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteText(&b)
	return rep, b.String()
}

// verdicts lists every result as "STATUS check where".
func verdictLines(rep *conformance.Report) []string {
	var out []string
	for _, res := range rep.Results {
		out = append(out, fmt.Sprintf("%s %s %s", res.Status, res.Check, res.Where()))
	}
	return out
}

// wantFailed asserts exactly these checks failed (each "check where").
func wantFailed(t *testing.T, rep *conformance.Report, text string, want ...string) {
	t.Helper()
	var got []string
	for _, res := range rep.Results {
		if res.Status == conformance.Fail {
			got = append(got, res.Check+" "+res.Where())
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("failed: %q\nwant: %q\n%s", got, want, text)
	}
}

// replayAll replays every failure of rep against broken (it must fail
// again) and fixed (it must pass).
func replayAll(t *testing.T, api *ir.API, rep *conformance.Report, broken, fixed string, opts ...conformance.Option) {
	t.Helper()
	for _, res := range rep.Results {
		f := res.Failure
		if f == nil {
			continue
		}
		again, tr, err := conformance.Replay(t.Context(), api, broken, f, opts...)
		if err != nil {
			t.Fatalf("replay %s: %v", res.Check, err)
		}
		if again == nil {
			t.Errorf("replay of %s %s against the broken server passed:\n%v", res.Check, res.Where(), tr)
		}
		if fixed == "" {
			continue
		}
		now, tr, err := conformance.Replay(t.Context(), api, fixed, f, opts...)
		if err != nil {
			t.Fatalf("replay %s: %v", res.Check, err)
		}
		if now != nil {
			t.Errorf("replay of %s %s against the fixed server still fails: %s\n%v", res.Check, res.Where(), now.Message, tr)
		}
	}
}

// correctChat is the verdict of a correct chat server: all ten pass, the
// two checks about a reply skipped on the operation without one.
var correctChat = []string{
	"pass handshake chat",
	"pass server-frames-declared chat",
	"skip reply-received chat/handle_new_chat_message",
	"pass reply-received chat/handle_ping",
	"pass valid-accepted chat/handle_new_chat_message",
	"pass valid-accepted chat/handle_ping",
	"pass invalid-rejected chat/handle_new_chat_message",
	"pass invalid-rejected chat/handle_ping",
	"pass malformed-survived chat",
	"pass recovers-after-bad-input chat",
	"skip replies-isolated chat/handle_new_chat_message",
	"pass replies-isolated chat/handle_ping",
}

// TestWelcomeOfTheReplysTypeOnConnect: a server that greets every new
// connection with a pong, and tells the room's others with a pong too,
// is correct; no pong that arrives unasked decides a verdict.
func TestWelcomeOfTheReplysTypeOnConnect(t *testing.T) {
	t.Parallel()
	url := chattest.StartWith(t, chattest.Options{Welcome: true})
	rep, text := report(t, chatAPI(t), url, fast...)
	if got := verdictLines(rep); !slices.Equal(got, correctChat) {
		t.Fatalf("verdicts:\n%s", text)
	}
}

// TestWelcomeDoesNotHideADrop: the same welcome must not answer the fence
// after a non-JSON frame dropped the connection (the miss of issue #15):
// malformed-survived fails, nothing else.
func TestWelcomeDoesNotHideADrop(t *testing.T) {
	t.Parallel()
	api := chatAPI(t)
	url := chattest.StartWith(t, chattest.Options{Welcome: true, Bug: chattest.DropsOnNonJSON})
	rep, text := report(t, api, url, fast...)
	wantFailed(t, rep, text, "malformed-survived chat")
	f := rep.Result(conformance.CheckMalformed, "chat", "").Failure
	if !strings.Contains(f.Message, "after the not-json frame connection dropped without a close frame (1006)") {
		t.Errorf("message: %s", f.Message)
	}
	replayAll(t, api, rep, url, chattest.StartWith(t, chattest.Options{Welcome: true}), fast...)
}

// TestPeriodicPush: a server that pushes a chat message to everyone every
// 100 ms is correct.
func TestPeriodicPush(t *testing.T) {
	t.Parallel()
	url := chattest.StartWith(t, chattest.Options{Push: 100 * time.Millisecond})
	rep, text := report(t, chatAPI(t), url, fast...)
	if got := verdictLines(rep); !slices.Equal(got, correctChat) {
		t.Fatalf("verdicts:\n%s", text)
	}
}

// TestPushOnlyChannelSlowerThanTheQuietPeriod: on a channel the server
// only pushes on, the tester waits for the first push, here three times
// the quiet period away, and judges it.
func TestPushOnlyChannelSlowerThanTheQuietPeriod(t *testing.T) {
	t.Parallel()
	push := func(bad bool) string {
		return serveWS(t, "/ws/ticks", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() { // nothing is expected from clients; stop when they leave
				defer cancel()
				for {
					if _, _, err := c.Read(ctx); err != nil {
						return
					}
				}
			}()
			tk := time.NewTicker(300 * time.Millisecond)
			defer tk.Stop()
			for n := 1; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-tk.C:
				}
				payload := map[string]any{"n": n}
				if bad {
					payload = map[string]any{"n": "one"}
				}
				writeJSON(ctx, c, map[string]any{"action": "tick", "payload": payload})
			}
		})
	}
	api := loadDoc(t, "ticker.yaml")
	opts := []conformance.Option{conformance.WithTimeout(5 * time.Second), conformance.WithQuiet(100 * time.Millisecond)}
	rep, text := report(t, api, push(false), opts...)
	if res := rep.Result(conformance.CheckServerFrames, "ticks", ""); res == nil || res.Status != conformance.Pass {
		t.Fatalf("server-frames-declared did not pass:\n%s", text)
	}
	broken := push(true)
	rep, text = report(t, api, broken, opts...)
	wantFailed(t, rep, text, "server-frames-declared ticks")
	replayAll(t, api, rep, broken, push(false), opts...)
}

// roomServer is a Python Chanx style room: chat is broadcast to the whole
// room, sender included, as a room_notification.
type roomServer struct {
	mu    sync.Mutex
	rooms map[string]map[*websocket.Conn]bool
}

func startRoom(t *testing.T) string {
	s := &roomServer{rooms: map[string]map[*websocket.Conn]bool{}}
	return serveWS(t, "/ws/room/{room}", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		room := r.PathValue("room")
		s.mu.Lock()
		if s.rooms[room] == nil {
			s.rooms[room] = map[*websocket.Conn]bool{}
		}
		s.rooms[room][c] = true
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.rooms[room], c)
			s.mu.Unlock()
		}()
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var f map[string]any
			if typ != websocket.MessageText || json.Unmarshal(data, &f) != nil || f == nil {
				writeJSON(ctx, c, map[string]any{"action": "error", "payload": []any{map[string]any{"type": "model_type", "loc": []any{}, "msg": "Input should be a valid dictionary"}}})
				continue
			}
			switch f["action"] {
			case "ping":
				if f["payload"] != nil {
					writeJSON(ctx, c, chanxError("ping", []any{"payload"}, "Input should be None"))
					continue
				}
				writeJSON(ctx, c, map[string]any{"action": "pong", "payload": nil})
			case "chat":
				p, ok := f["payload"].(map[string]any)
				if !ok {
					writeJSON(ctx, c, chanxError("chat", []any{"payload"}, "Input should be a valid dictionary"))
					continue
				}
				text, ok := p["text"].(string)
				if !ok || len([]rune(text)) < 1 || len([]rune(text)) > 200 {
					writeJSON(ctx, c, chanxError("chat", []any{"payload", "text"}, "Input should be a valid string of 1 to 200 characters"))
					continue
				}
				b, _ := json.Marshal(map[string]any{"action": "room_notification", "payload": map[string]any{"text": text}})
				s.mu.Lock()
				for peer := range s.rooms[room] {
					_ = peer.Write(ctx, websocket.MessageText, b)
				}
				s.mu.Unlock()
			default:
				writeJSON(ctx, c, map[string]any{"action": "error", "payload": []any{map[string]any{"type": "union_tag_invalid", "loc": []any{}, "msg": "Input tag does not match"}}})
			}
		}
	})
}

// TestBroadcastReplyChanxStyle: a reply the document marks as going to
// the group is not held to replies-isolated, and the server passes; the
// same server under a document that leaves the reply private fails
// replies-isolated for that operation only.
func TestBroadcastReplyChanxStyle(t *testing.T) {
	t.Parallel()
	api := loadDoc(t, "room.yaml")
	url := startRoom(t)
	rep, text := report(t, api, url, fast...)
	wantFailed(t, rep, text)
	iso := rep.Result(conformance.CheckIsolation, "room", "handle_chat")
	if iso.Status != conformance.Skip || !strings.Contains(iso.Reason, "x-chanx-broadcast") {
		t.Errorf("replies-isolated room/handle_chat: %s %s", iso.Status, iso.Reason)
	}
	if res := rep.Result(conformance.CheckIsolation, "room", "handle_ping"); res.Status != conformance.Pass {
		t.Errorf("replies-isolated room/handle_ping: %s %s", res.Status, res.Reason)
	}
	if res := rep.Result(conformance.CheckInvalid, "room", "handle_chat"); res.Status != conformance.Pass || res.Note != "" {
		t.Errorf("invalid-rejected room/handle_chat: %s %s %s (the Chanx loc names the member: verified)", res.Status, res.Reason, res.Note)
	}

	private := loadDoc(t, "room.yaml")
	for _, op := range private.Operations {
		delete(op.Extensions, "x-chanx-broadcast")
	}
	rep, text = report(t, private, url, fast...)
	wantFailed(t, rep, text, "replies-isolated room/handle_chat")
	if f := rep.Result(conformance.CheckIsolation, "room", "handle_chat").Failure; !strings.Contains(f.Message, `received the reply {"action":"room_notification"`) {
		t.Errorf("message: %s", f.Message)
	}
}

// betServer takes bets; with checkEnum false it never looks at bet_type's
// enum (the planted bug), everything else it validates.
func startBets(t *testing.T, checkEnum bool) string {
	return serveWS(t, "/ws/bets", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		n := 0
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			d := json.NewDecoder(strings.NewReader(string(data)))
			d.UseNumber()
			var f map[string]any
			if typ != websocket.MessageText || d.Decode(&f) != nil || f == nil {
				writeJSON(ctx, c, map[string]any{"action": "error", "payload": []any{map[string]any{"loc": []any{}, "msg": "not a JSON object"}}})
				continue
			}
			bad := func(loc []any, msg string) { writeJSON(ctx, c, chanxError(fmt.Sprint(f["action"]), loc, msg)) }
			switch f["action"] {
			case "ping":
				if f["payload"] != nil {
					bad([]any{"payload"}, "Input should be None")
					continue
				}
				writeJSON(ctx, c, map[string]any{"action": "pong", "payload": nil})
			case "place_bet":
				p, ok := f["payload"].(map[string]any)
				if !ok {
					bad([]any{"payload"}, "Input should be a valid dictionary")
					continue
				}
				bet, ok := p["bet"].(map[string]any)
				if !ok {
					bad([]any{"payload", "bet"}, "Input should be a valid dictionary")
					continue
				}
				if loc, msg := checkBet(bet, checkEnum); msg != "" {
					bad(append([]any{"payload", "bet"}, loc...), msg)
					continue
				}
				n++
				writeJSON(ctx, c, map[string]any{"action": "bet_placed", "payload": map[string]any{"id": fmt.Sprint(n)}})
			default:
				writeJSON(ctx, c, map[string]any{"action": "error", "payload": []any{map[string]any{"loc": []any{}, "msg": "unknown action"}}})
			}
		}
	})
}

func checkBet(bet map[string]any, checkEnum bool) ([]any, string) {
	for k := range bet {
		if k != "bet_type" && k != "amount" {
			return []any{k}, "Extra inputs are not permitted"
		}
	}
	bt, ok := bet["bet_type"].(string)
	if !ok {
		return []any{"bet_type"}, "Input should be a valid string"
	}
	if checkEnum && bt != "up" && bt != "down" {
		return []any{"bet_type"}, "Input should be 'up' or 'down'"
	}
	num, ok := bet["amount"].(json.Number)
	if !ok {
		return []any{"amount"}, "Input should be a valid integer"
	}
	a, err := num.Int64()
	if err != nil {
		return []any{"amount"}, "Input should be a valid integer"
	}
	if a < 1 || a > 1000 {
		return []any{"amount"}, "Input should be between 1 and 1000"
	}
	return nil, ""
}

// TestAcceptsInvalidNestedEnum: the mutations reach the nested enum, the
// server that accepts bet_type "chanx_not_in_enum" fails invalid-rejected
// for that operation only, and the shrunk failure is still about the enum.
func TestAcceptsInvalidNestedEnum(t *testing.T) {
	t.Parallel()
	api := loadDoc(t, "bets.yaml")
	url := startBets(t, false)
	rep, text := report(t, api, url, fast...)
	wantFailed(t, rep, text, "invalid-rejected bets/handle_place_bet")
	f := rep.Result(conformance.CheckInvalid, "bets", "handle_place_bet").Failure
	// Shrunk or not, the frame still breaks the enum and only the enum.
	if !strings.Contains(f.Message, "was answered as a success") || !strings.Contains(string(f.Original)+string(f.Case.Frame), `"bet_type":"chanx_not_in_enum"`) || !strings.Contains(f.Case.Origin, "enum at /payload/bet/bet_type") {
		t.Errorf("failure: %s\nframe %s (%s)", f.Message, f.Case.Frame, f.Case.Origin)
	}
	var frame map[string]any
	_ = json.Unmarshal(f.Case.Frame, &frame)
	bet := frame["payload"].(map[string]any)["bet"].(map[string]any)
	if bt := bet["bet_type"]; bt == "up" || bt == "down" || bet["amount"] == nil {
		t.Errorf("the shrunk frame %s is about another rule", f.Case.Frame)
	}
	var sawBet bool
	for _, e := range f.Transcript {
		if e.Kind == "recv" && strings.Contains(e.Data, "bet_placed") {
			sawBet = true
		}
	}
	if !sawBet {
		t.Errorf("the transcript does not show the bet being placed:\n%v", f.Transcript)
	}
	replayAll(t, api, rep, url, startBets(t, true), fast...)

	rep, text = report(t, api, startBets(t, true), fast...)
	wantFailed(t, rep, text)
}

// TestBusinessRejections: a server that answers every frame but ping with
// its own generic error ("user not found") fails valid-accepted; its
// rejections of invalid frames pass but are reported as unverified,
// since nothing ties them to the rule each frame breaks.
func TestBusinessRejections(t *testing.T) {
	t.Parallel()
	api := chatAPI(t)
	url := chattest.Start(t, chattest.RejectsForBusiness)
	rep, text := report(t, api, url, fast...)
	wantFailed(t, rep, text, "valid-accepted chat/handle_new_chat_message")
	inv := rep.Result(conformance.CheckInvalid, "chat", "handle_new_chat_message")
	if inv.Status != conformance.Pass || !strings.HasPrefix(inv.Note, "rejected, reason unverified in ") || !strings.Contains(text, "(rejected, reason unverified in ") {
		t.Errorf("invalid-rejected: %s %q\n%s", inv.Status, inv.Note, text)
	}
	replayAll(t, api, rep, url, chattest.Start(t, chattest.NoBug), fast...)
}

// TestRejectionForAnotherRule: a rejection whose loc names another member
// than the one broken is not the expected rejection.
func TestRejectionForAnotherRule(t *testing.T) {
	t.Parallel()
	api := loadDoc(t, "bets.yaml")
	url := serveWS(t, "/ws/bets", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var f map[string]any
			_ = json.Unmarshal(data, &f)
			switch {
			case f["action"] == "ping" && f["payload"] == nil:
				writeJSON(ctx, c, map[string]any{"action": "pong", "payload": nil})
			default:
				// Every bet is refused, for a session the frame has
				// nothing to do with.
				writeJSON(ctx, c, chanxError(fmt.Sprint(f["action"]), []any{"payload", "session"}, "active session required"))
			}
		}
	})
	rep, text := report(t, api, url, append(fast, conformance.WithChecks(conformance.CheckInvalid))...)
	res := rep.Result(conformance.CheckInvalid, "bets", "handle_place_bet")
	if res.Status != conformance.Fail || !strings.Contains(res.Failure.Message, "was rejected, but not for the rule it breaks") || !strings.Contains(res.Failure.Message, "the error points at /payload/session") {
		t.Fatalf("invalid-rejected:\n%s", text)
	}
}

// TestServerDiesOnEmptyString: the crash is reported once, as the root
// cause, naming the frame after which the server stopped accepting
// connections; the malformed frame that killed it fails
// malformed-survived; every check not judged yet says it was not run.
func TestServerDiesOnEmptyString(t *testing.T) {
	t.Parallel()
	api := chatAPI(t)
	url := chattest.Start(t, chattest.DiesOnEmpty)
	rep, text := report(t, api, url, fast...)
	wantFailed(t, rep, text, "handshake chat", "malformed-survived chat")
	hs := rep.Result(conformance.CheckHandshake, "chat", "")
	if !strings.Contains(hs.Reason, "the server stopped accepting connections after frame ") || !strings.Contains(hs.Reason, "(the last two sent: an empty text frame on connection A, then the frame {\"action\":\"ping\",\"payload\":null} on connection A)") {
		t.Errorf("handshake: %s", hs.Reason)
	}
	if rep.ServerDown != hs.Failure.Message || !strings.HasPrefix(text, "SERVER DOWN: the server stopped accepting connections after frame ") {
		t.Errorf("the report does not lead with the outage:\n%s", text)
	}
	if n := strings.Count(text, "stopped accepting connections"); n != 3 { // the summary line, the result, the failure
		t.Errorf("the outage is named %d times:\n%s", n, text)
	}
	// recovers-after-bad-input passed on the cases before the crash; the
	// crash itself is not held against it.
	if res := rep.Result(conformance.CheckRecovers, "chat", ""); res.Status != conformance.Pass {
		t.Errorf("recovers-after-bad-input: %s %s", res.Status, res.Reason)
	}
	if res := rep.Result(conformance.CheckIsolation, "chat", "handle_ping"); res.Status != conformance.Skip || !strings.HasPrefix(res.Reason, "not run: the server is down") {
		t.Errorf("replies-isolated: %s %s", res.Status, res.Reason)
	}
}

// TestSocketIOServerIsUnsupported: a server that greets with Engine.IO's
// open packet gets one unsupported-protocol result, not a list of
// failures.
func TestSocketIOServerIsUnsupported(t *testing.T) {
	t.Parallel()
	url := serveWS(t, "/ws/chat/{room}", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		_ = c.Write(ctx, websocket.MessageText, []byte(`0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			switch s := string(data); {
			case s == "40":
				_ = c.Write(ctx, websocket.MessageText, []byte(`40{"sid":"x"}`))
			case s == "3", s == "2":
			default:
				_ = c.Write(ctx, websocket.MessageText, []byte(`42["error","bad packet"]`))
			}
		}
	})
	rep, text := report(t, chatAPI(t), url, fast...)
	if rep.Failed() || !strings.HasPrefix(rep.Unsupported, "the server speaks Socket.IO") || !strings.HasPrefix(text, "UNSUPPORTED: the server speaks Socket.IO") {
		t.Fatalf("report:\n%s", text)
	}
	for _, res := range rep.Results {
		if res.Status != conformance.Skip {
			t.Errorf("%s %s: %s", res.Check, res.Where(), res.Status)
		}
	}
}

// TestMsgpackDocumentIsUnsupported: a document whose frames are msgpack
// is reported as such before any connection is made.
func TestMsgpackDocumentIsUnsupported(t *testing.T) {
	t.Parallel()
	api := chatAPI(t)
	api.DefaultContentType = "application/msgpack"
	rep, text := report(t, api, "ws://127.0.0.1:1", fast...)
	if rep.Failed() || rep.Unsupported != "the document's frames are not JSON: messages are application/msgpack, which chanx conformance does not test (it tests JSON text frames)" {
		t.Fatalf("report:\n%s", text)
	}
}

// TestAbsoluteURLAddress: a channel address written as a whole URL
// (ws://localhost:8080/ws/chat/{room}) is tested at its path on --url's
// host, and --url's query reaches every handshake.
func TestAbsoluteURLAddress(t *testing.T) {
	t.Parallel()
	api := chatAPI(t)
	api.Channels[0].Address = "ws://localhost:8080/ws/chat/{room}"
	url := chattest.Start(t, chattest.NoBug)
	rep, text := report(t, api, url, fast...)
	if got := verdictLines(rep); !slices.Equal(got, correctChat) {
		t.Fatalf("verdicts:\n%s", text)
	}

	var queries []string
	var mu sync.Mutex
	withToken := serveWS(t, "/ws/chat/{room}", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
	})
	rep, _ = report(t, api, withToken+"/?token=s3cret", append(fast, conformance.WithChecks(conformance.CheckHandshake))...)
	mu.Lock()
	defer mu.Unlock()
	if len(queries) == 0 || slices.ContainsFunc(queries, func(q string) bool { return q != "token=s3cret" }) {
		t.Errorf("queries the server saw: %q", queries)
	}
	if rep.URL != strings.TrimSuffix(withToken, "/")+"?token=s3cret" {
		t.Errorf("report URL %s", rep.URL)
	}
}

// TestOrderDependentFailure: a server whose answer depends on what came
// before (here: every third bet of the run is refused, a rate limit) gets
// its failure marked order-dependent, found by sending the same frame
// again alone, instead of a shrunk frame about nothing.
func TestOrderDependentFailure(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	bets := 0
	url := serveWS(t, "/ws/bets", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			d := json.NewDecoder(strings.NewReader(string(data)))
			d.UseNumber()
			var f map[string]any
			_ = d.Decode(&f)
			switch f["action"] {
			case "ping":
				if f["payload"] != nil {
					writeJSON(ctx, c, chanxError("ping", []any{"payload"}, "Input should be None"))
					continue
				}
				writeJSON(ctx, c, map[string]any{"action": "pong", "payload": nil})
			case "place_bet":
				p, _ := f["payload"].(map[string]any)
				bet, ok := p["bet"].(map[string]any)
				if !ok {
					writeJSON(ctx, c, chanxError("place_bet", []any{"payload", "bet"}, "Input should be a valid dictionary"))
					continue
				}
				if loc, msg := checkBet(bet, true); msg != "" {
					writeJSON(ctx, c, chanxError("place_bet", append([]any{"payload", "bet"}, loc...), msg))
					continue
				}
				mu.Lock()
				bets++
				limited := bets%3 == 0
				mu.Unlock()
				if limited {
					writeJSON(ctx, c, map[string]any{"action": "error", "payload": map[string]any{"detail": "rate limited"}})
					continue
				}
				writeJSON(ctx, c, map[string]any{"action": "bet_placed", "payload": map[string]any{"id": "1"}})
			default:
				writeJSON(ctx, c, map[string]any{"action": "error", "payload": []any{map[string]any{"loc": []any{}, "msg": "unknown action"}}})
			}
		}
	})
	rep, text := report(t, loadDoc(t, "bets.yaml"), url, append(fast, conformance.WithChecks(conformance.CheckValidAccepted))...)
	res := rep.Result(conformance.CheckValidAccepted, "bets", "handle_place_bet")
	if res.Status != conformance.Fail || !res.Failure.OrderDependent || !strings.Contains(res.Failure.Message, "(order-dependent: the same frame sent again on a fresh connection passed") || res.Failure.Original != nil {
		t.Fatalf("valid-accepted:\n%s", text)
	}
}

// TestJUnitMarksConventionChecks: CI can tell a convention check from
// one the document decides.
func TestJUnitMarksConventionChecks(t *testing.T) {
	t.Parallel()
	rep, _ := report(t, chatAPI(t), chattest.Start(t, chattest.AcceptsInvalid), fast...)
	var b strings.Builder
	if err := rep.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	x := b.String()
	if !strings.Contains(x, `classname="conformance.invalid-rejected.convention"`) || !strings.Contains(x, `classname="conformance.malformed-survived.convention"`) || !strings.Contains(x, `classname="conformance.reply-received"`) || !strings.Contains(x, `message="[convention] the invalid frame`) {
		t.Errorf("junit:\n%s", x)
	}
}

// TestServerResetsEveryConnection: a server that starts dropping every
// connection as soon as it is accepted is reported once, as resetting
// every connection, not as a string of failures of the checks it was in
// the middle of.
func TestServerResetsEveryConnection(t *testing.T) {
	t.Parallel()
	url := chattest.StartWith(t, chattest.Options{ResetsAfter: 12})
	rep, text := report(t, chatAPI(t), url, fast...)
	wantFailed(t, rep, text, "handshake chat")
	if !strings.HasPrefix(rep.ServerDown, "the server resets every connection after frame ") {
		t.Errorf("server down: %q\n%s", rep.ServerDown, text)
	}
	if !strings.Contains(text, "not run: the server is down") {
		t.Errorf("no check says it was not run:\n%s", text)
	}
}

// TestServerPathname: with a --url without a path, the WebSocket
// server's pathname goes before every address.
func TestServerPathname(t *testing.T) {
	t.Parallel()
	api := chatAPI(t)
	api.Servers[0].Pathname = "/api/v1"
	var mu sync.Mutex
	var paths []string
	url := serveWS(t, "/", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		_, _, _ = c.Read(ctx)
	})
	report(t, api, url, append(fast, conformance.WithChecks(conformance.CheckHandshake))...)
	report(t, api, url+"/other", append(fast, conformance.WithChecks(conformance.CheckHandshake))...)
	mu.Lock()
	defer mu.Unlock()
	if len(paths) < 2 || paths[0] != "/api/v1/ws/chat/lobby" || paths[len(paths)-1] != "/other/ws/chat/lobby" {
		t.Errorf("paths the server saw: %q", paths)
	}
}

// TestServerFramesCheckAlone: --check server-frames-declared alone still
// sends the requests and reads what they bring.
func TestServerFramesCheckAlone(t *testing.T) {
	t.Parallel()
	api := chatAPI(t)
	url := chattest.Start(t, chattest.SendsUndeclared)
	rep, text := report(t, api, url, append(fast, conformance.WithChecks(conformance.CheckServerFrames))...)
	wantFailed(t, rep, text, "server-frames-declared chat")
	replayAll(t, api, rep, url, chattest.Start(t, chattest.NoBug), fast...)
}

// TestUndeclaredWelcome: a welcome the document does not declare fails
// server-frames-declared, and the replay of that failure fails again and
// passes against a server without it.
func TestUndeclaredWelcome(t *testing.T) {
	t.Parallel()
	api := chatAPI(t)
	greeter := func(welcome string) string {
		return serveWS(t, "/ws/chat/{room}", func(ctx context.Context, c *websocket.Conn, r *http.Request) {
			if welcome != "" {
				_ = c.Write(ctx, websocket.MessageText, []byte(welcome))
			}
			for {
				_, data, err := c.Read(ctx)
				if err != nil {
					return
				}
				if strings.Contains(string(data), `"ping"`) {
					writeJSON(ctx, c, map[string]any{"action": "pong", "payload": nil})
				}
			}
		})
	}
	url := greeter(`{"action":"hello","payload":"welcome!"}`)
	rep, text := report(t, api, url, append(fast, conformance.WithChecks(conformance.CheckServerFrames))...)
	wantFailed(t, rep, text, "server-frames-declared chat")
	if f := rep.Result(conformance.CheckServerFrames, "chat", "").Failure; !strings.Contains(f.Message, `received {"action":"hello","payload":"welcome!"}`) {
		t.Errorf("message: %s", f.Message)
	}
	replayAll(t, api, rep, url, greeter(""), fast...)
}
