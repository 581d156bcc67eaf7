package conformance_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// typeDocument is a channel whose messages carry their name under "type":
// a request with a reply and a message the server echoes to everyone.
// Neither ping nor error is declared, so the server's built-in frames must
// be recognised under "type" to pass.
const typeDocument = `asyncapi: 3.0.0
info: {title: typed, version: 0.1.0}
channels:
  board:
    address: /ws/board
    messages:
      join: {$ref: '#/components/messages/join'}
      joined: {$ref: '#/components/messages/joined'}
      note: {$ref: '#/components/messages/note'}
operations:
  join:
    action: receive
    channel: {$ref: '#/channels/board'}
    messages: [{$ref: '#/channels/board/messages/join'}]
    reply:
      messages: [{$ref: '#/channels/board/messages/joined'}]
  note:
    action: receive
    channel: {$ref: '#/channels/board'}
    messages: [{$ref: '#/channels/board/messages/note'}]
  noteOut:
    action: send
    channel: {$ref: '#/channels/board'}
    messages: [{$ref: '#/channels/board/messages/note'}]
components:
  messages:
    join:
      payload:
        type: object
        required: [type, payload]
        properties:
          type: {type: string, const: join}
          payload: {type: object, required: [name], properties: {name: {type: string, minLength: 1}}}
    joined:
      payload:
        type: object
        required: [type, payload]
        properties:
          type: {type: string, const: joined}
          payload: {type: object, required: [seat], properties: {seat: {type: integer}}}
    note:
      payload:
        type: object
        required: [type, payload]
        properties:
          type: {type: string, const: note}
          payload: {type: object, required: [text], properties: {text: {type: string}}}
`

type typedFrame struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

func typedAPI(t *testing.T) *ir.API {
	t.Helper()
	path := filepath.Join(t.TempDir(), "typed.yaml")
	if err := os.WriteFile(path, []byte(typeDocument), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := spec.Load(context.Background(), path, spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	api, diags := analyze.Build(context.Background(), doc)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return api
}

// startTyped serves typeDocument on the chanx runtime with the channel's
// discriminator set to key, as a generated MountBoard does with "type".
func startTyped(t *testing.T, api *ir.API, key string) string {
	t.Helper()
	validator := func(name string) server.HandleOption { return oracleValidator(t, api, name) }
	srv := server.New(server.Options{})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	board, err := srv.Channel("/ws/board", server.ChannelOptions{
		Discriminator: key,
		OnConnect: func(ctx context.Context, c *server.Conn) error {
			return c.Join(ctx, "board")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	server.Handle(board, "join", func(ctx context.Context, c *server.Conn, msg *typedFrame) (*typedFrame, error) {
		return &typedFrame{Type: "joined", Payload: json.RawMessage(`{"seat":1}`)}, nil
	}, validator("join"))
	server.HandleNoReply(board, "note", func(ctx context.Context, c *server.Conn, msg *typedFrame) error {
		return c.Broadcast(ctx, "board", msg)
	}, validator("note"))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

// TestTypeDiscriminatedChannel: on a channel whose discriminator is
// "type", the tester recognises the chanx server's built-in frames (pong,
// error) under "type" — the key the generated server mounts the channel
// with — so a correct server passes every check; the same server writing
// its frames under "action" fails, naming the frame it did not expect.
func TestTypeDiscriminatedChannel(t *testing.T) {
	api := typedAPI(t)
	t.Run("type", func(t *testing.T) {
		rep := conformance.Run(t, api, startTyped(t, api, "type"), patient...)
		for _, check := range []string{conformance.CheckInvalid, conformance.CheckMalformed, conformance.CheckReply} {
			if !hasStatus(rep, check, conformance.Pass) {
				t.Errorf("%s did not pass", check)
			}
		}
	})
	t.Run("action", func(t *testing.T) {
		opts := append(append([]conformance.Option(nil), fast...), conformance.WithChecks(conformance.CheckServerFrames, conformance.CheckMalformed))
		rep, err := conformance.Check(t.Context(), api, startTyped(t, api, "action"), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.FailedChecks(); !slices.Contains(got, conformance.CheckServerFrames) {
			t.Fatalf("a server that writes its frames under \"action\" on a \"type\" channel: failed %v, want %s among them", got, conformance.CheckServerFrames)
		}
		var b strings.Builder
		rep.WriteText(&b)
		if want := `"action":"error"`; !strings.Contains(b.String(), want) {
			t.Errorf("the report does not show the error frame written under action (%s):\n%s", want, b.String())
		}
	})
}

func hasStatus(rep *conformance.Report, check string, status conformance.Status) bool {
	for _, res := range rep.Results {
		if res.Check == check && res.Status == status {
			return true
		}
	}
	return false
}
