package pyruntime

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/examples/chat/chatclient"
)

// The exchange both clients make with a script server: ping as a request
// (answered pong), a chat message (answered with bob's), then close.
const (
	annSays = "h\u00e9llo \"ann\" </>"
	bobSays = `{"action": "new_chat_message", "payload": {"message": "hi \u00e9 \"ann\"", "name": "bob"}}`
)

func exchangeScript() script {
	return script{answers: map[string][]wsFrame{
		"ping":             {text(`{"action": "pong", "payload": null}`)},
		"new_chat_message": {text(bobSays)},
	}}
}

// normalize decodes a frame for comparison, a missing payload as null:
// the Go client leaves out a null payload that Python (as Chanx) writes,
// and servers read both alike (PROTOCOL.md).
func normalize(t *testing.T, frame string) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(frame), &v); err != nil {
		t.Fatalf("frame %s: %v", frame, err)
	}
	if _, ok := v["payload"]; !ok {
		v["payload"] = nil
	}
	return v
}

// TestFramesMatchTheGoClient: the Python client and chanx's Go client
// (examples/chat/chatclient) make the same exchange; the server receives
// the same frames from both, and both accept the same frames into the
// same messages.
func TestFramesMatchTheGoClient(t *testing.T) {
	py := Find(t)

	pyServer := startScript(t, exchangeScript())
	var r report
	drive(t, py, apiModes(py)[0], &r, "exchange", pyServer.URL)

	goServer := startScript(t, exchangeScript())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make(chan *chatclient.NewChatMessage, 1)
	c, err := chatclient.NewChatClient(goServer.URL, chatclient.ChatParams{Room: "lobby"}, chatclient.ChatHandlers{
		OnNewChatMessage: func(ctx context.Context, msg *chatclient.NewChatMessage) error {
			got <- msg
			return nil
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	pong, err := c.RequestPing(ctx, &chatclient.PingMessage{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendNewChatMessage(ctx, &chatclient.NewChatMessage{Payload: chatclient.ChatPayload{Message: annSays, Name: "ann"}}); err != nil {
		t.Fatal(err)
	}
	var bob *chatclient.NewChatMessage
	select {
	case bob = <-got:
	case <-ctx.Done():
		t.Fatal("the Go client got no reply to its chat message")
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}

	pyS, goS := pyServer.done(), goServer.done()
	if len(pyS) != 1 || len(goS) != 1 {
		t.Fatalf("connections: python %d, go %d; want one each", len(pyS), len(goS))
	}
	// Python writes what Chanx's json.dumps does, byte for byte.
	wantPy := []string{
		`{"action": "ping", "payload": null}`,
		`{"action": "new_chat_message", "payload": {"message": "h\u00e9llo \"ann\" </>", "name": "ann"}}`,
	}
	if diff := cmp.Diff(wantPy, pyS[0].Received); diff != "" {
		t.Errorf("python frames (-want +got):\n%s", diff)
	}
	var pyFrames, goFrames []any
	for _, f := range pyS[0].Received {
		pyFrames = append(pyFrames, normalize(t, f))
	}
	for _, f := range goS[0].Received {
		goFrames = append(goFrames, normalize(t, f))
	}
	if diff := cmp.Diff(goFrames, pyFrames); diff != "" {
		t.Errorf("frames sent (-go +python):\n%s", diff)
	}
	if pyS[0].CloseCode != goS[0].CloseCode {
		t.Errorf("close code: python %d, go %d", pyS[0].CloseCode, goS[0].CloseCode)
	}

	// What each accepted, as JSON.
	accepted := func(v any) any {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return normalize(t, string(b))
	}
	if diff := cmp.Diff([]any{accepted(pong)}, r.Replies); diff != "" {
		t.Errorf("ping reply (-go +python):\n%s", diff)
	}
	if diff := cmp.Diff([]any{accepted(bob)}, r.Messages); diff != "" {
		t.Errorf("bob's message (-go +python):\n%s", diff)
	}
}
