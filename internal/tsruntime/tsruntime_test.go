package tsruntime_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestTypeCheck runs tsc --strict (and the stricter flags generated code
// must also pass) on the runtime and the chat client: with the ES library
// alone (no DOM, no Node types: the runtime depends on neither), under
// Node's own module resolution, with the DOM as a browser program sees it
// (including lines the types must refuse, marked @ts-expect-error), and
// the Node test scripts, which pass ws's WebSocket.
func TestTypeCheck(t *testing.T) {
	tools, dir := workspace(t)
	for _, cfg := range []string{"tsconfig.client.json", "tsconfig.nodenext.json", "tsconfig.dom.json", "tsconfig.node.json"} {
		t.Run(cfg, func(t *testing.T) {
			tools.Run(t, dir, 2*time.Minute, tools.Tsc(), "-p", filepath.Join("typecheck", cfg))
		})
	}
}

// TestExhaustivenessBites removes one case from a switch over ChatIncoming
// and expects tsc to reject the never check.
func TestExhaustivenessBites(t *testing.T) {
	tools, dir := workspace(t)
	path := filepath.Join(dir, "typecheck", "exhaustive.ts")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Replace(string(src), "    case \"pong\":\n      return \"pong\";\n", "", 1)
	if cut == string(src) {
		t.Fatal("exhaustive.ts has no pong case to remove")
	}
	writeFile(t, path, cut)
	out, err := tools.Try(t, dir, 2*time.Minute, tools.Tsc(), "-p", filepath.Join("typecheck", "tsconfig.client.json"))
	if err == nil {
		t.Fatalf("tsc accepted a switch missing the pong case:\n%s", out)
	}
	want := "Type 'PongMessage' is not assignable to type 'never'."
	if !strings.Contains(out, want) {
		t.Fatalf("tsc failed without %q:\n%s", want, out)
	}
}

// TestBundleSize bundles the chat client (generated code and runtime) as
// an application that uses ChatClient would, minified, and holds it to
// issue #11's budget of 6 KB gzipped.
func TestBundleSize(t *testing.T) {
	const budget = 6 * 1024
	tools, dir := workspace(t)
	writeFile(t, filepath.Join(dir, "app.ts"), "export { ChatClient } from \"./chatclient/index.js\";\n")
	out := filepath.Join(dir, "chat.min.js")
	bundle(t, tools, dir, "app.ts", out, "--minify", "--platform=browser", "--target=es2022")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(data)
	w.Close()
	t.Logf("chat client: %d bytes minified, %d bytes gzipped (budget %d)", len(data), gz.Len(), budget)
	if gz.Len() > budget {
		t.Fatalf("the chat client is %d bytes minified and gzipped, over the %d-byte budget", gz.Len(), budget)
	}
}

// TestNodeLoopback runs testdata/node/loopback.test.ts under node:test
// against the real chat server, a server sending bad frames, and chat
// servers the script restarts itself.
func TestNodeLoopback(t *testing.T) {
	tools, dir := workspace(t)
	chat := startChat(t)
	bad := httptest.NewServer(badServer(t))
	t.Cleanup(bad.Close)
	bundle(t, tools, dir, "tests/loopback.test.ts", "out/loopback.test.mjs", "--platform=node", "--target=node20", "--packages=external")
	runNode(t, tools, dir, 3*time.Minute, []string{
		"CHAT_URL=" + chat,
		"BAD_URL=ws" + strings.TrimPrefix(bad.URL, "http"),
		"CHAT_BIN=" + buildChat(t),
	}, "--test", "--test-reporter=spec", "out/loopback.test.mjs")
}

// badServer misbehaves on purpose, by room: "invalid" sends frames the
// chat client must not hand to its handlers, "error" answers every frame
// with an error frame, "hangup" closes at once, "bad-pong" answers with an invalid pong, "silent"
// never answers, "echo-handshake" answers
// with what the handshake carried.
func badServer(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/chat/{room}", func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"chanx.v1"}})
		if err != nil {
			t.Errorf("bad server: accept: %v", err)
			return
		}
		defer ws.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
		defer cancel()
		send := func(typ websocket.MessageType, frame string) bool {
			return ws.Write(ctx, typ, []byte(frame)) == nil
		}
		switch r.PathValue("room") {
		case "invalid":
			for _, f := range []string{
				`{"action":"new_chat_message","payload":{"message":"","name":"Ada"}}`,
				`{"action":"new_chat_message","payload":{"message":5,"name":null}}`,
				`{"action":"new_chat_message","payload":{"name":null}}`,
				`hello`,
			} {
				send(websocket.MessageText, f)
			}
			send(websocket.MessageBinary, "\x01\x02\x03")
			for _, f := range []string{
				`{"action":"dance","payload":null}`,
				`[1]`,
				`{"payload":1}`,
				`{"action":7}`,
				`{"action":"pong","payload":1}`,
				`{"action":"complete","payload":null}`,
				`{"action":"new_chat_message","payload":{"message":"the last frame","name":"Ada"}}`,
			} {
				send(websocket.MessageText, f)
			}
		case "hangup":
			ws.Close(websocket.StatusInternalError, "going")
			return
		case "bad-pong":
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
			send(websocket.MessageText, `{"action":"pong","payload":1}`)
		case "error":
			replies := []string{
				`{"action":"error","payload":[{"type":"string_too_short","loc":["payload","message"],"msg":"String should have at least 1 character"}]}`,
				`{"action":"error","payload":{"detail":"Failed to process message for ping"}}`,
				`{"action":"error","payload":{"detail":"The room is full","code":"room_full"}}`,
				`{"action":"error","payload":{"reason":"unauthorized","detail":"Not allowed to subscribe to 'private:secret'"}}`,
			}
			for i := 0; ; i++ {
				if _, _, err := ws.Read(ctx); err != nil {
					return
				}
				send(websocket.MessageText, replies[i%len(replies)])
			}
		case "echo-handshake":
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
			msg := r.URL.RawQuery + " x-token=" + r.Header.Get("X-Token") + " protocol=" + ws.Subprotocol()
			send(websocket.MessageText, `{"action":"new_chat_message","payload":{"message":"`+msg+`","name":"server"}}`)
		}
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
		}
	})
	return mux
}
