package conformance_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/conformance/match"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/runtime/validate/oracle"
	"github.com/chanxgo/chanx/runtime/wire"
)

// chatFrame is the new_chat_message frame as generated code would declare
// it.
type chatFrame struct {
	Action  string `json:"action"`
	Payload struct {
		Message string `json:"message"`
		Name    string `json:"name"`
	} `json:"payload"`
}

// pingFrame is ping or pong: an action and a null payload.
type pingFrame struct {
	Action  string `json:"action"`
	Payload any    `json:"payload"`
}

// oracleValidator validates frames of message name against its payload
// schema through the JSON-Schema oracle, as generated code validates them.
func oracleValidator(t *testing.T, api *ir.API, name string) server.HandleOption {
	t.Helper()
	var doc []byte
	for _, m := range api.Messages {
		if m.Name == name {
			doc, _ = json.Marshal(match.Export(m.Payload))
		}
	}
	sch, err := oracle.Compile(doc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return server.ValidateWith(func(frame []byte) error {
		var v any
		if err := json.Unmarshal(frame, &v); err != nil {
			return err
		}
		if p := sch.Validate(v); p != nil {
			return &wire.ValidationError{Problems: p}
		}
		return nil
	})
}

// TestChanxRuntimeChat wires the chat document onto the chanx runtime by
// hand, the way generated code will, and holds it to every check: an
// early warning for the runtime until TestChanxChatExamplePasses can run
// the generated example itself.
func TestChanxRuntimeChat(t *testing.T) {
	api := chatAPI(t)
	validator := func(name string) server.HandleOption { return oracleValidator(t, api, name) }
	srv := server.New(server.Options{})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	chat, err := srv.Channel("/ws/chat/{room}", server.ChannelOptions{
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			return c.Join(ctx, "room."+c.Param("room"))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The document declares ping with a null payload, so the handler
	// replaces the runtime's built-in pong, which accepts any payload.
	server.Handle(chat, "ping", func(ctx context.Context, c *server.Conn, _ *pingFrame) (*pingFrame, error) {
		return &pingFrame{Action: "pong"}, nil
	}, validator("ping"))
	server.HandleNoReply(chat, "new_chat_message", func(ctx context.Context, c *server.Conn, msg *chatFrame) error {
		return c.Broadcast(ctx, "room."+c.Param("room"), msg, server.ExcludeSelf)
	}, validator("new_chat_message"))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	conformance.Run(t, api, "ws"+strings.TrimPrefix(hs.URL, "http"), patient...)
}
