package goapi

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
)

// gameDocument is a channel whose messages carry their name under key:
// a request with one reply, a message whose handler fails with a code,
// and one the server leaves unimplemented.
func gameDocument(key string) string {
	msg := func(name, payload string) string {
		return `    ` + name + `:
      payload:
        type: object
        required: [` + key + `, payload]
        properties:
          ` + key + `: {type: string, const: ` + name + `}
          payload: ` + payload + `
`
	}
	return `asyncapi: 3.0.0
info:
  title: game
  version: 0.1.0
channels:
  game:
    address: /ws/game
    messages:
      join: {$ref: '#/components/messages/join'}
      joined: {$ref: '#/components/messages/joined'}
      move: {$ref: '#/components/messages/move'}
      leave: {$ref: '#/components/messages/leave'}
operations:
  join:
    action: receive
    channel: {$ref: '#/channels/game'}
    messages: [{$ref: '#/channels/game/messages/join'}]
    reply:
      messages: [{$ref: '#/channels/game/messages/joined'}]
  move:
    action: receive
    channel: {$ref: '#/channels/game'}
    messages: [{$ref: '#/channels/game/messages/move'}]
  leave:
    action: receive
    channel: {$ref: '#/channels/game'}
    messages: [{$ref: '#/channels/game/messages/leave'}]
components:
  messages:
` + msg("join", `{type: object, required: [name], properties: {name: {type: string, minLength: 1}}}`) +
		msg("joined", `{type: object, required: [seat], properties: {seat: {type: integer}}}`) +
		msg("move", `{type: object, required: [to], properties: {to: {type: string}}}`) +
		msg("leave", `{type: "null"}`)
}

// TestGeneratedDiscriminatorEndToEnd generates the server and the client
// of a document whose discriminator is "type" (and the same document with
// "action") and drives one with the other over loopback: a handler's
// coded error reaches the client as a ServerError with its code, a
// Request returns its reply, Ping returns, an unimplemented message comes
// back as not_implemented, and a frame naming no message is an error
// frame the client surfaces through OnError and Request. Issue #10's
// first "Done when" line; before, the server wrote its error and pong
// frames under "action" whatever the channel's key, so a "type" client
// saw none of them.
func TestGeneratedDiscriminatorEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	files := map[string][]byte{}
	for _, key := range []string{"type", "action"} {
		path := filepath.Join(t.TempDir(), "game.yaml")
		if err := os.WriteFile(path, []byte(gameDocument(key)), 0o644); err != nil {
			t.Fatal(err)
		}
		api := load(t, path)
		if len(api.Channels) != 1 || api.Channels[0].Name != "game" {
			t.Fatalf("%s: channels %+v", key, api.Channels)
		}
		dir := "e2e/" + key
		addSides(t, files, api, "game.yaml", dir, "gameapi", "gameclient")
		files[dir+"/e2e_test.go"] = []byte(strings.NewReplacer("KEY", key, "PKG", key+"e2e").Replace(discriminatorE2ETest))
	}
	dir, _ := gentest.BuildModule(t, files, "vet", "./e2e/...")
	cmd := exec.Command("go", "test", "-count=1", "-v", "./e2e/...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("generated server and client over loopback: %v\n%s", err, out)
	}
	for _, key := range []string{"type", "action"} {
		if !strings.Contains(string(out), "--- PASS: TestGenerated/"+key) {
			t.Errorf("the %q run did not pass:\n%s", key, out)
		}
	}
}

// discriminatorE2ETest runs in the generated module, once per key (KEY).
const discriminatorE2ETest = `package PKG

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/runtime/wire"

	"chanxgen.test/e2e/KEY/gameapi"
	"chanxgen.test/e2e/KEY/gameclient"
)

type game struct {
	gameapi.UnimplementedGameHandler // leave stays unimplemented
}

func (game) Join(ctx context.Context, c gameapi.GameConn, msg *gameapi.Join) (*gameapi.Joined, error) {
	return &gameapi.Joined{Payload: gameapi.JoinedPayload{Seat: int64(len(msg.Payload.Name))}}, nil
}

func (game) Move(ctx context.Context, c gameapi.GameConn, msg *gameapi.Move) error {
	if msg.Payload.To == "off the board" {
		return server.WrapError("illegal_move", "That square is not on the board", errors.New("board: index 99 out of range"))
	}
	return errors.New("engine: connection refused by 10.1.2.3")
}

func TestGenerated(t *testing.T) {
	t.Run("KEY", func(t *testing.T) {
		if gameapi.GameDiscriminator != "KEY" || gameclient.GameDiscriminator != "KEY" {
			t.Fatalf("discriminators %q, %q", gameapi.GameDiscriminator, gameclient.GameDiscriminator)
		}
		srv := server.New(server.Options{Completions: true, // MountGame sets the channel's key
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if _, err := gameapi.MountGame(srv, game{}, server.ChannelOptions{}); err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		defer ts.Close()
		defer srv.Shutdown(context.Background())

		errs := make(chan *client.ServerError, 8)
		c, err := gameclient.NewGameClient(ts.URL, gameclient.GameParams{}, gameclient.GameHandlers{}, &client.Options{Hooks: client.Hooks{
			OnError: func(ctx context.Context, err *client.ServerError) { errs <- err },
			OnInvalidMessage: func(ctx context.Context, frame []byte, err error) {
				t.Errorf("invalid message %s: %v", frame, err)
			},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		surfaced := func(what string) *client.ServerError {
			t.Helper()
			select {
			case e := <-errs:
				return e
			case <-ctx.Done():
				t.Fatalf("%s: no error frame reached OnError", what)
				return nil
			}
		}

		// Ping returns: the server's pong carries the channel's key.
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("ping: %v", err)
		}

		// Request returns the reply.
		joined, err := c.RequestJoin(ctx, &gameclient.Join{Payload: gameclient.JoinPayload{Name: "ann"}})
		if err != nil || joined.Payload.Seat != 3 {
			t.Fatalf("join: %+v, %v", joined, err)
		}

		// A coded handler error: OnError and the code, never the cause.
		if err := c.SendMove(ctx, &gameclient.Move{Payload: gameclient.MovePayload{To: "off the board"}}); err != nil {
			t.Fatal(err)
		}
		e := surfaced("coded error")
		if e.Code != "illegal_move" || e.Detail != "That square is not on the board" || strings.Contains(string(e.Payload), "99") {
			t.Errorf("coded error: code %q detail %q payload %s", e.Code, e.Detail, e.Payload)
		}

		// A plain handler error: the generic detail, no code, no leak.
		if err := c.SendMove(ctx, &gameclient.Move{Payload: gameclient.MovePayload{To: "e4"}}); err != nil {
			t.Fatal(err)
		}
		if e := surfaced("plain error"); e.Code != "" || e.Detail != "Failed to process message for move" || strings.Contains(string(e.Payload), "10.1.2.3") {
			t.Errorf("plain error: code %q detail %q payload %s", e.Code, e.Detail, e.Payload)
		}

		// The Unimplemented handler: not_implemented, through Request too.
		_, err = c.Request(ctx, &gameclient.Leave{}, "never")
		var se *client.ServerError
		if !errors.As(err, &se) || se.Code != server.CodeNotImplemented || se.Detail != "Failed to process message for leave" {
			t.Errorf("leave: %v", err)
		}
		if e := surfaced("not implemented"); e != se {
			t.Errorf("OnError got %v, Request %v", e, se)
		}
		if !errors.Is(func() error { return (gameapi.UnimplementedGameHandler{}).Leave(ctx, gameapi.GameConn{}, nil) }(), gameapi.ErrNotImplemented) {
			t.Error("Unimplemented does not return ErrNotImplemented")
		}

		// A name no handler takes: an error frame naming the key, which
		// both OnError and a waiting Request see.
		_, err = c.Request(ctx, map[string]any{"KEY": "resign", "payload": nil}, "never")
		if !errors.As(err, &se) || len(se.Problems) != 1 || se.Problems[0].Type != wire.ProblemTagInvalid ||
			se.Problems[0].Msg != "Input tag 'resign' found using 'KEY' does not match any of the expected tags: 'join', 'leave', 'move', 'ping'" {
			t.Errorf("unknown name: %v", err)
		}
		if e := surfaced("unknown name"); e != se {
			t.Errorf("OnError got %v, Request %v", e, se)
		}

		// The client's own validation error frame: the server names the
		// member, under the channel's key.
		_, err = c.RequestJoin(ctx, &gameclient.Join{Payload: gameclient.JoinPayload{Name: ""}})
		if !errors.As(err, &se) || len(se.Problems) != 1 || !strings.Contains(se.Error(), "payload.name") {
			t.Errorf("invalid join: %v", err)
		}
		surfaced("invalid join")

		// Completions under the key were taken quietly (no invalid
		// message above); a last ping proves the connection is healthy.
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("last ping: %v", err)
		}
	})
}
`
