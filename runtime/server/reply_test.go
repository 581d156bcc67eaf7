package server

import (
	"context"
	"encoding/json"
	"testing"
)

// A handler's pre-encoded reply ([]byte or json.RawMessage) goes out byte
// for byte, as Send sends it: not compacted, not HTML-escaped.
func TestPreEncodedRepliesPassThrough(t *testing.T) {
	const raw = `{"action": "raw",  "payload": "<b>"}`
	srv := New(Options{Logger: quietLogger()})
	ch, err := srv.Channel("/ws/raw", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	Handle(ch, "bytes", func(ctx context.Context, c *Conn, _ *json.RawMessage) ([]byte, error) {
		return []byte(raw), nil
	})
	Handle(ch, "rawmessage", func(ctx context.Context, c *Conn, _ *json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(raw), nil
	})
	HandleNoReply(ch, "send", func(ctx context.Context, c *Conn, _ *json.RawMessage) error {
		return c.Send(ctx, json.RawMessage(raw))
	})
	c := dial(t, startServer(t, srv), "/ws/raw")
	for _, action := range []string{"bytes", "rawmessage", "send"} {
		if got := c.roundTrip(`{"action":"` + action + `"}`); got != raw {
			t.Errorf("%s: got %s, want %s", action, got, raw)
		}
	}
}
