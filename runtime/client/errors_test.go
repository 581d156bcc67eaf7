package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/server"
	"github.com/chanxgo/chanx/runtime/wire"
)

// codedServer serves one channel whose frames carry their name under key,
// with handlers that fail in each way a handler can.
func codedServer(t *testing.T, key string, completions bool) *httptest.Server {
	t.Helper()
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Completions: completions})
	ch, err := srv.Channel("/ws", server.ChannelOptions{Discriminator: key})
	if err != nil {
		t.Fatal(err)
	}
	server.HandleNoReply(ch, "full", func(context.Context, *server.Conn, *struct{}) error {
		return fmt.Errorf("joining: %w", server.WrapError("room_full", "The room is full", errors.New("db: 42 of 42 seats at 10.0.0.7")))
	})
	server.HandleNoReply(ch, "todo", func(context.Context, *server.Conn, *struct{}) error {
		return fmt.Errorf("%w: rooms: todo", server.NewError(server.CodeNotImplemented, ""))
	})
	server.HandleNoReply(ch, "plain", func(context.Context, *server.Conn, *struct{}) error {
		return errors.New("db: connection refused at 10.0.0.7")
	})
	server.Handle(ch, "echo", func(_ context.Context, _ *server.Conn, m *map[string]any) (map[string]any, error) {
		return map[string]any{key: "echoed", "payload": (*m)["payload"]}, nil
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	return hs
}

// TestCodedErrors: a handler's *server.Error reaches the client as
// ServerError.Code and Detail, its cause stays on the server; a plain
// error keeps the generic detail; with either discriminator key.
func TestCodedErrors(t *testing.T) {
	for _, key := range []string{"action", "type"} {
		t.Run(key, func(t *testing.T) {
			hs := codedServer(t, key, true)
			ctx := testCtx(t)
			errs := make(chan *client.ServerError, 8)
			c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", &client.Options{Discriminator: key, Hooks: client.Hooks{
				OnError:          func(_ context.Context, se *client.ServerError) { errs <- se },
				OnInvalidMessage: func(_ context.Context, f []byte, err error) { t.Errorf("invalid message %s: %v", f, err) },
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer mustClose(t, c)
			if err := c.Ping(ctx); err != nil {
				t.Fatalf("ping: %v", err)
			}
			req := func(name string) *client.ServerError {
				t.Helper()
				_, err := c.Request(ctx, map[string]any{key: name, "payload": nil}, "never")
				var se *client.ServerError
				if !errors.As(err, &se) {
					t.Fatalf("%s: Request = %v, want a *client.ServerError", name, err)
				}
				if got := recv(t, errs); got != se {
					t.Errorf("%s: OnError got %v, Request %v", name, got, se)
				}
				return se
			}
			for _, tt := range []struct {
				name, code, detail, payload string
			}{
				{"full", "room_full", "The room is full", `{"detail":"The room is full","code":"room_full"}`},
				{"todo", wire.CodeNotImplemented, "Failed to process message for todo", `{"detail":"Failed to process message for todo","code":"not_implemented"}`},
				{"plain", "", "Failed to process message for plain", `{"detail":"Failed to process message for plain"}`},
			} {
				se := req(tt.name)
				if se.Code != tt.code || se.Detail != tt.detail || string(se.Payload) != tt.payload {
					t.Errorf("%s: code %q detail %q payload %s; want %q %q %s", tt.name, se.Code, se.Detail, se.Payload, tt.code, tt.detail, tt.payload)
				}
				if strings.Contains(string(se.Payload), "10.0.0.7") {
					t.Errorf("%s: the cause leaked: %s", tt.name, se.Payload)
				}
			}
			// An unknown name is a validation error naming the key.
			se := req("nope")
			want := []wire.Problem{{Type: wire.ProblemTagInvalid, Loc: []any{},
				Msg: "Input tag 'nope' found using '" + key + "' does not match any of the expected tags: 'echo', 'full', 'ping', 'plain', 'todo'"}}
			if diff := cmp.Diff(want, se.Problems); diff != "" {
				t.Errorf("unknown name (-want +got):\n%s", diff)
			}
			// A frame without the key names it too.
			if err := c.SendText(ctx, []byte(`{"payload":1}`)); err != nil {
				t.Fatal(err)
			}
			if se := recv(t, errs); len(se.Problems) != 1 || se.Problems[0].Msg != "Unable to extract tag using discriminator '"+key+"'" {
				t.Errorf("no discriminator: %v", se)
			}
			// Replies come back under the key.
			f, err := c.Request(ctx, map[string]any{key: "echo", "payload": 7}, "echoed")
			if err != nil || string(f.Payload()) != "7" {
				t.Errorf("echo: %s, %v", f.Data, err)
			}
		})
	}
}

// TestServerErrorCodeMessage: the error text a program logs names the code.
func TestServerErrorCodeMessage(t *testing.T) {
	se := &client.ServerError{Code: "room_full", Detail: "The room is full"}
	if got, want := se.Error(), "client: server error: room_full: The room is full"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestNewError: the code and message are what the client gets; the cause
// is reachable for logs and errors.Is but not part of Message.
func TestNewError(t *testing.T) {
	cause := errors.New("db down")
	e := server.WrapError("unavailable", "Try again later", cause)
	if e.Code() != "unavailable" || e.Message() != "Try again later" || !errors.Is(e, cause) {
		t.Errorf("WrapError: %q %q %v", e.Code(), e.Message(), errors.Unwrap(e))
	}
	if got, want := e.Error(), "unavailable: Try again later: db down"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := server.NewError("", "x").Code(); got != wire.CodeUnknown {
		t.Errorf("empty code = %q, want %q", got, wire.CodeUnknown)
	}
}

// TestChannelDiscriminatorRejected: a channel cannot use a reserved
// envelope key as its discriminator.
func TestChannelDiscriminatorRejected(t *testing.T) {
	srv := server.New(server.Options{})
	_, err := srv.Channel("/ws", server.ChannelOptions{Discriminator: "topic"})
	if err == nil || err.Error() != `server: channel "/ws": wire: discriminator "topic" is a reserved envelope key` {
		t.Errorf("Channel = %v", err)
	}
	_, err = client.New("ws://localhost/ws", &client.Options{Discriminator: "payload"})
	if err == nil || err.Error() != `client: wire: discriminator "payload" is a reserved envelope key` {
		t.Errorf("client.New = %v", err)
	}
}
