package conformance_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/conformance/chattest"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// chatAPI loads the chat example's document, the contract every test
// server here implements.
func chatAPI(t testing.TB) *ir.API {
	t.Helper()
	ctx := context.Background()
	doc, err := spec.Load(ctx, filepath.Join("..", "examples", "chat", "asyncapi.yaml"), spec.Options{NoRemote: true})
	if err != nil {
		t.Fatalf("load chat document: %v", err)
	}
	api, diags := analyze.Build(ctx, doc)
	if diags.HasErrors() {
		t.Fatalf("chat document: %v", diags)
	}
	if api == nil || len(api.Channels) == 0 {
		t.Fatal("chat document: analyze.Build produced no channels")
	}
	return api
}

// fast keeps the broken servers' timeouts short: every missing answer
// costs one timeout. A second is still far above a loopback answer on a
// loaded machine, so no check fails for slowness; the quiet period is
// long enough for a leaked reply to arrive on a busy machine.
var fast = []conformance.Option{
	conformance.WithTimeout(time.Second),
	conformance.WithQuiet(300 * time.Millisecond),
	conformance.WithSeed(7),
}

// patient is for servers expected to pass: they never make the tester
// wait out a timeout, so a long one costs nothing and rules out flakes;
// a short quiet period can only miss a failure, never invent one.
var patient = []conformance.Option{
	conformance.WithTimeout(10 * time.Second),
	conformance.WithQuiet(80 * time.Millisecond),
	conformance.WithSeed(7),
}

func TestCorrectServerPassesEveryCheck(t *testing.T) {
	url := chattest.Start(t, chattest.NoBug)
	var progress []string
	rep := conformance.Run(t, chatAPI(t), url, append(patient, conformance.WithProgress(func(s string) { progress = append(progress, s) }))...)
	if rep == nil {
		return
	}
	if len(progress) == 0 || progress[0] != "handshake chat" || !slices.Contains(progress, "malformed chat oversize") {
		t.Errorf("progress lines: %q", progress)
	}
	// Every check ran somewhere; only the ones that cannot apply to an
	// operation without a reply are skipped.
	var skipped []string
	for _, res := range rep.Results {
		if res.Status == conformance.Skip {
			skipped = append(skipped, res.Check+" "+res.Where()+": "+res.Reason)
		}
	}
	want := []string{
		"reply-received chat/handle_new_chat_message: the operation declares no reply",
		"replies-isolated chat/handle_new_chat_message: the operation declares no reply",
	}
	if !slices.Equal(skipped, want) {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(skipped, "\n"), strings.Join(want, "\n"))
	}
}

// TestBrokenServers plants one bug per check and expects exactly that
// check to fail, named in the report.
func TestBrokenServers(t *testing.T) {
	api := chatAPI(t)
	for _, tc := range []struct {
		name  string
		bug   chattest.Bug
		check string
		where string
		msg   string
	}{
		{"wrong reply type", chattest.WrongReplyType, conformance.CheckReply, "chat/handle_ping", `no reply (pong) to {"action":"ping"} within 1s; received instead: {"action":"new_chat_message","payload":{"message":"pong","name":"server"}}`},
		{"missing reply", chattest.MissingReply, conformance.CheckReply, "chat/handle_ping", `no reply (pong) to {"action":"ping"} within 1s`},
		{"accepts invalid input", chattest.AcceptsInvalid, conformance.CheckInvalid, "chat/handle_new_chat_message", `was not rejected: no error frame within 1s and the connection stayed open`},
		{"drops the connection on non-JSON", chattest.DropsOnNonJSON, conformance.CheckMalformed, "chat", "after the not-json frame connection dropped without a close frame (1006)"},
		{"sends an undeclared message", chattest.SendsUndeclared, conformance.CheckServerFrames, "chat", `received {"action":"debug","payload":"handled ping"}`},
		{"answers valid input with an error", chattest.ErrorOnValid, conformance.CheckValidAccepted, "chat/handle_new_chat_message", `was answered with an error: {"action":"error","payload":{"detail":"Failed to process message for new_chat_message"}}`},
		{"leaks replies to another connection", chattest.LeaksReplies, conformance.CheckIsolation, "chat/handle_ping", `connection B received the reply {"action":"pong","payload":null} meant for connection A's request {"action":"ping","payload":null}`},
		{"stops answering after bad input", chattest.StopsAfterBad, conformance.CheckRecovers, "chat", `the server did not answer {"action":"ping","payload":null} within 1s`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The cases mostly wait out timeouts; they need not wait in turn.
			t.Parallel()
			url := chattest.Start(t, tc.bug)
			rep, err := conformance.Check(t.Context(), api, url, fast...)
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.FailedChecks(); !slices.Equal(got, []string{tc.check}) {
				var b strings.Builder
				rep.WriteText(&b)
				t.Fatalf("failed checks %v, want [%s]\n%s", got, tc.check, b.String())
			}
			where, _, _ := strings.Cut(tc.where, "/")
			failed := rep.Result(tc.check, where, strings.TrimPrefix(tc.where[len(where):], "/"))
			if failed == nil || failed.Status != conformance.Fail {
				t.Fatalf("%s %s did not fail: %+v", tc.check, tc.where, failed)
			}
			f := failed.Failure
			if f == nil || !strings.Contains(f.Message, tc.msg) {
				t.Errorf("failure message:\n%v\nwant it to contain:\n%s", f, tc.msg)
			}
			if f == nil || len(f.Transcript) == 0 {
				t.Fatal("the failure has no transcript")
			}
			// The recorded case fails again when replayed.
			again, _, err := conformance.Replay(t.Context(), api, url, f, fast...)
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			if again == nil {
				t.Errorf("the replayed %s case passed", f.Case.Kind)
			}
			// And passes against a server without the bug: the replay
			// reads what the check needs, so "fixed" means fixed.
			now, tr, err := conformance.Replay(t.Context(), api, chattest.Start(t, chattest.NoBug), f, fast...)
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			if now != nil {
				t.Errorf("the replayed %s case fails against the correct server: %s\n%v", f.Case.Kind, now.Message, tr)
			}
		})
	}
}

// TestRefusedHandshake: a server that refuses the upgrade fails the
// handshake check, naming the HTTP status, and every other check on the
// channel is skipped for that reason.
func TestRefusedHandshake(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no token", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	rep, err := conformance.Check(t.Context(), chatAPI(t), "ws"+strings.TrimPrefix(srv.URL, "http"), fast...)
	if err != nil {
		t.Fatal(err)
	}
	hs := rep.Result(conformance.CheckHandshake, "chat", "")
	if hs == nil || hs.Status != conformance.Fail || !strings.Contains(hs.Reason, "401") {
		t.Fatalf("handshake: %+v", hs)
	}
	for _, res := range rep.Results {
		if res.Check != conformance.CheckHandshake && (res.Status != conformance.Skip || res.Reason != "the handshake failed") {
			t.Errorf("%s %s: %s %q, want skipped because the handshake failed", res.Check, res.Where(), res.Status, res.Reason)
		}
	}
}

// TestAuthenticationRefusedAfterAccept: a server in the Python Chanx way
// accepts the socket, sends an authentication frame with 401 and closes;
// that is a failed handshake, not a string of confusing failures.
func TestAuthenticationRefusedAfterAccept(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.Write(r.Context(), websocket.MessageText, []byte(`{"action":"authentication","payload":{"status_code":401,"status_text":"Unauthorized","data":{"detail":"no token"}}}`))
		c.Close(websocket.StatusPolicyViolation, "unauthorized")
	}))
	t.Cleanup(srv.Close)
	rep, err := conformance.Check(t.Context(), chatAPI(t), "ws"+strings.TrimPrefix(srv.URL, "http"), fast...)
	if err != nil {
		t.Fatal(err)
	}
	hs := rep.Result(conformance.CheckHandshake, "chat", "")
	want := `the server refused the connection to /ws/chat/lobby: {"action":"authentication","payload":{"data":{"detail":"no token"},"status_code":401,"status_text":"Unauthorized"}}`
	if hs == nil || hs.Status != conformance.Fail || hs.Reason != want {
		t.Fatalf("handshake: %+v\nwant reason %s", hs, want)
	}
	if got := rep.FailedChecks(); !slices.Equal(got, []string{conformance.CheckHandshake}) {
		t.Errorf("failed checks %v", got)
	}
}

// TestServerGoneMidRun: a server that stops accepting connections after a
// few fails the handshake check, saying so, instead of passing checks it
// was never asked.
func TestServerGoneMidRun(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 3 {
			http.Error(w, "gone", http.StatusServiceUnavailable)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, data, err := c.Read(r.Context())
			if err != nil {
				return
			}
			reply := `{"action":"error","payload":{"detail":"Failed to process message"}}`
			if strings.Contains(string(data), `"ping"`) {
				reply = `{"action":"pong","payload":null}`
			}
			c.Write(r.Context(), websocket.MessageText, []byte(reply))
		}
	}))
	t.Cleanup(srv.Close)
	rep, err := conformance.Check(t.Context(), chatAPI(t), "ws"+strings.TrimPrefix(srv.URL, "http"), fast...)
	if err != nil {
		t.Fatal(err)
	}
	hs := rep.Result(conformance.CheckHandshake, "chat", "")
	if hs == nil || hs.Status != conformance.Fail || !strings.Contains(hs.Reason, "the server stopped accepting connections") || !strings.Contains(hs.Reason, "503") {
		t.Fatalf("handshake: %+v", hs)
	}
	for _, res := range rep.Results {
		if res.Operation != "" && res.Check == conformance.CheckHandshake {
			t.Errorf("a handshake result per operation: %s", res.Where())
		}
	}
}

// TestFloodingServer: a server that writes frames as fast as it can must
// not hang the tester or grow its transcripts without end.
func TestFloodingServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithCancel(r.Context())
		done := make(chan struct{})
		go func() { // discard what the tester sends; stop when it leaves
			defer close(done)
			defer cancel()
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
			}
		}()
		for c.Write(ctx, websocket.MessageText, []byte(`{"action":"flood","payload":null}`)) == nil {
		}
		c.CloseNow()
		<-done
	}))
	t.Cleanup(srv.Close)
	rep, err := conformance.Check(t.Context(), chatAPI(t), "ws"+strings.TrimPrefix(srv.URL, "http"), append(fast, conformance.WithMaxExamples(2), conformance.WithChecks(conformance.CheckHandshake, conformance.CheckServerFrames))...)
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Result(conformance.CheckServerFrames, "chat", "")
	if res == nil || res.Failure == nil || !strings.Contains(res.Failure.Message, `action "flood" names no message the server may send on channel chat (it may send pong, new_chat_message)`) {
		t.Fatalf("server-frames-declared: %+v", res)
	}
	for _, r := range rep.Results {
		if f := r.Failure; f != nil && len(f.Transcript) > 401 {
			t.Errorf("%s %s: %d transcript events", r.Check, r.Where(), len(f.Transcript))
		}
	}
}
