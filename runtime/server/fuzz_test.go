package server

import (
	"context"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// FuzzRoute sends arbitrary frames through a real connection: every frame
// must be answered (completions are on, so at least `complete` comes back)
// or, past the read limit or when it is not UTF-8, close the connection
// with 1009 or 1007; the server never panics
// and every frame it writes is a JSON object with an action.
func FuzzRoute(f *testing.F) {
	for _, seed := range []string{
		`{"action":"ping","payload":null}`,
		`{"action":"new_chat_message","payload":{"message":"hi","name":"ann"}}`,
		`{"action":"echo","payload":"x"}`,
		`{"action":"panic","payload":""}`,
		`{"action":"fail"}`,
		`[[[[[[`,
		`{"action":"new_chat_message","payload":{"message":5}}`,
		`{"action":"echo","payload":` + string(make([]byte, 10)) + `}`,
		``,
		"{\"action\":\"echo\",\"payload\":\"\xff\"}",
		"0",
	} {
		f.Add([]byte(seed))
	}
	_, hs := newChat(f, Options{Completions: true, ReadLimit: 4096})
	var ws *websocket.Conn
	f.Cleanup(func() {
		if ws != nil {
			ws.CloseNow()
		}
	})
	f.Fuzz(func(t *testing.T, frame []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if ws == nil {
			var err error
			if ws, _, err = websocket.Dial(ctx, wsURL(hs, "/ws/chat/fuzz"), nil); err != nil {
				t.Fatalf("dial: %v", err)
			}
		}
		if err := ws.Write(ctx, websocket.MessageText, frame); err != nil {
			t.Fatalf("write: %v", err)
		}
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				// A text frame that is not UTF-8 fails the connection with
				// 1007 (RFC 6455 §8.1), checked before the read limit's
				// verdict only where the frame fits.
				if len(frame) <= 4096 && !utf8.Valid(frame) && websocket.CloseStatus(err) == websocket.StatusInvalidFramePayloadData {
					ws.CloseNow()
					ws = nil
					return
				}
				if len(frame) > 4096 && websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
					ws.CloseNow()
					ws = nil // the next input gets a fresh connection
					return
				}
				t.Fatalf("no answer to %q: %v", frame, err)
			}
			var out struct {
				Action *string `json:"action"`
			}
			if err := json.Unmarshal(b, &out); err != nil || out.Action == nil {
				t.Fatalf("server wrote %q for %q", b, frame)
			}
			if *out.Action == "complete" {
				return
			}
		}
	})
}
