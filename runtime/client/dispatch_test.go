package client

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/wire"
)

type fuzzMsg struct {
	Action  string `json:"action"`
	Payload struct {
		N int `json:"n"`
	} `json:"payload"`
}

func (m *fuzzMsg) Validate() error {
	if m.Payload.N < 0 {
		return &wire.ValidationError{Problems: []wire.Problem{{Type: "greater_than_equal", Loc: []any{"payload", "n"}, Msg: "must be >= 0"}}}
	}
	return nil
}

// FuzzDispatch feeds arbitrary server data to the receive path: it must
// never panic, and every frame must reach exactly one place, or none when
// it is a protocol built-in nothing asked for.
func FuzzDispatch(f *testing.F) {
	for _, s := range []string{
		`{"action":"msg","payload":{"n":1}}`,
		`{"action":"msg","payload":{"n":-1}}`,
		`{"action":"msg","payload":{"n":"x"}}`,
		`{"action":"msg","payload":{"n":1},"action":"other"}`,
		`{"action":"error","payload":[{"type":"t","loc":["payload",0],"msg":"m"}]}`,
		`{"action":"error","payload":{"detail":"d"}}`,
		`{"action":"error","payload":7}`,
		`{"action":"complete","payload":null}`,
		`{"action":"m\u0073g","payload":{}}`,
		`{"action":1}`, `[]`, `"str"`, `not json`, ``, `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	} {
		f.Add([]byte(s), false, false)
	}
	f.Add([]byte{0, 1}, true, false)
	f.Add([]byte(`{"action":"msg","payload":{"n":1}}`), false, true)
	f.Fuzz(func(t *testing.T, data []byte, binary, camelize bool) {
		var got []string
		c, err := New("ws://127.0.0.1/ws", &Options{Camelize: camelize, Hooks: Hooks{
			OnRawData:        func(context.Context, websocket.MessageType, []byte) { got = append(got, "raw") },
			OnInvalidMessage: func(context.Context, []byte, error) { got = append(got, "invalid") },
			OnError:          func(context.Context, *ServerError) { got = append(got, "error") },
			OnHandlerError:   func(context.Context, string, error) { got = append(got, "handler error") },
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		Handle(c, "msg", func(_ context.Context, m *fuzzMsg) error {
			got = append(got, "handler")
			if m.Payload.N == 13 {
				panic("unlucky")
			}
			return nil
		})
		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		c.dispatch(context.Background(), typ, data)
		switch len(got) {
		case 1:
		case 2:
			if got[0] == "handler" && got[1] == "handler error" {
				break // the panic
			}
			t.Fatalf("frame %q went to %v", data, got)
		case 0:
			if binary || !json.Valid(data) {
				t.Fatalf("frame %q went nowhere", data)
			}
			if camelize {
				data = wire.SnakeizeKeys(data)
			}
			a, err := wire.Peek(data, "action", 0)
			if err != nil || !isBuiltin(string(a)) {
				t.Fatalf("frame %q went nowhere (action %q, %v)", data, a, err)
			}
		default:
			t.Fatalf("frame %q went to %v", data, got)
		}
	})
}

// BenchmarkDispatch measures the client's receive path for one routed
// frame: peek, decode into the handler's type, validate, call.
func BenchmarkDispatch(b *testing.B) {
	c, err := New("ws://127.0.0.1/ws", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	Handle(c, "msg", func(context.Context, *fuzzMsg) error { return nil })
	frame := []byte(`{"action":"msg","payload":{"n":42}}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c.dispatch(ctx, websocket.MessageText, frame)
	}
}
