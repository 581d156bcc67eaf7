package benchframe

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/runtime/wire"
)

// TestGeneratedTypeOnTheServer mounts the generated frame type on the
// runtime server and drives it over a loopback socket: the server decodes
// into the generated type and calls its Validate, so a client sees error
// frames whose loc points into the payload.
func TestGeneratedTypeOnTheServer(t *testing.T) {
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ch, err := srv.Channel("/ws/chat", server.ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	server.Handle(ch, "new_chat_message", func(ctx context.Context, c *server.Conn, msg *Frame) (*Frame, error) {
		msg.Payload.Message = "echo: " + msg.Payload.Message
		return msg, nil
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	roundTrip := func(frame string) []byte {
		t.Helper()
		if err := ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatal(err)
		}
		_, got, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	var reply Frame
	if err := json.Unmarshal(roundTrip(string(validFrame)), &reply); err != nil {
		t.Fatal(err)
	}
	if reply.Action != "new_chat_message" || !strings.HasPrefix(reply.Payload.Message, "echo: Hello") {
		t.Errorf("reply %+v", reply)
	}

	var answer struct {
		Action  string         `json:"action"`
		Payload []wire.Problem `json:"payload"`
	}
	if err := json.Unmarshal(roundTrip(`{"action": "new_chat_message", "payload": {"message": "", "name": "bob", "priority": 1.0}}`), &answer); err != nil {
		t.Fatal(err)
	}
	want := []wire.Problem{{Type: "string_too_short", Loc: []any{"payload", "message"}, Msg: "String should have at least 1 character"}}
	if diff := cmp.Diff(want, answer.Payload); answer.Action != "error" || diff != "" {
		t.Errorf("error frame %q (-want +got):\n%s", answer.Action, diff)
	}
	if err := json.Unmarshal(roundTrip(`{"action": "new_chat_message", "payload": {"message": "hi"}}`), &answer); err != nil {
		t.Fatal(err)
	}
	want = []wire.Problem{{Type: "missing", Loc: []any{"payload", "name"}, Msg: "Field required"}}
	if diff := cmp.Diff(want, answer.Payload); diff != "" {
		t.Errorf("missing name (-want +got):\n%s", diff)
	}
}
