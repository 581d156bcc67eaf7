package server

import (
	"context"
	"errors"
	"testing"

	"github.com/coder/websocket"
)

// TestTextAndBinaryRules is issue #19's RFC 6455 rules over a real
// loopback socket: a text message that is not UTF-8 fails the connection
// with 1007 (section 8.1) instead of being read with replacement
// characters, a binary message is closed with 1003 (chanx messages are
// JSON text), and each is counted under its reason. A handler running at
// the time sees the cause.
func TestTextAndBinaryRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		typ    websocket.MessageType
		frame  string
		code   websocket.StatusCode
		reason string
		cause  error
		metric string
	}{
		{"invalid utf-8 in a value", websocket.MessageText, "{\"action\":\"ping\",\"payload\":\"\xff\"}", 1007, "invalid UTF-8", ErrInvalidUTF8, "error.invalid_utf8"},
		{"invalid utf-8 in a key", websocket.MessageText, "{\"act\xc3\x28ion\":\"ping\"}", 1007, "invalid UTF-8", ErrInvalidUTF8, "error.invalid_utf8"},
		{"a surrogate half", websocket.MessageText, "{\"action\":\"\xed\xa0\x80\"}", 1007, "invalid UTF-8", ErrInvalidUTF8, "error.invalid_utf8"},
		{"binary json", websocket.MessageBinary, `{"action":"ping"}`, 1003, "binary messages are not accepted", ErrBinaryMessage, "error.binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			met := newCounters()
			srv, hs, k := waitServer(t, Options{Metrics: met})
			_ = srv
			c := dial(t, hs, "/ws")
			if got := c.roundTrip(`{"action":"ping","payload":"é"}`); action(t, got) != "pong" {
				t.Fatalf("valid UTF-8 answered %s", got)
			}
			c.send(`{"action":"wait","payload":{"id":"a"}}`)
			k.started(t)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			if err := c.ws.Write(ctx, tc.typ, []byte(tc.frame)); err != nil {
				t.Fatal(err)
			}
			var err error
			for err == nil {
				_, err = c.tryRead()
			}
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != tc.code || ce.Reason != tc.reason {
				t.Errorf("read error %v, want a close with %d %q", err, tc.code, tc.reason)
			}
			cause, _ := k.result(t)
			if !errors.Is(cause, tc.cause) || websocket.CloseStatus(cause) != tc.code {
				t.Errorf("handler's cause %v, want %v with %d", cause, tc.cause, tc.code)
			}
			if n := met.get(tc.metric); n != 1 {
				t.Errorf("%s counted %d times, want 1", tc.metric, n)
			}
		})
	}
}
