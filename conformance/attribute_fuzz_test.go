package conformance

import (
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// FuzzAttribute reads arbitrary server frames as the answer to an invalid
// frame: a verdict (pass, unverified or a failure naming the frame),
// never a panic. socketIO reads the same bytes as a greeting.
func FuzzAttribute(f *testing.F) {
	f.Add([]byte(`{"action":"error","payload":[{"type":"missing","loc":["chat","payload","message"],"msg":"Field required"}]}`))
	f.Add([]byte(`{"action":"error","payload":[{"loc":[0,null,{"a":1},"payload"]}]}`))
	f.Add([]byte(`{"action":"error","payload":{"detail":"user not found"}}`))
	f.Add([]byte(`0{"sid":"x"}`))
	f.Add([]byte(`[]`))
	p := &channelPlan{inProp: "action", key: "action"}
	tf := testFrame{value: map[string]any{"action": "chat", "payload": map[string]any{"message": ""}}, path: "/payload/message", keyword: "minLength"}
	f.Fuzz(func(t *testing.T, data []byte) {
		socketIO(frame{typ: websocket.MessageText, data: data})
		v, ok := decode(frame{typ: websocket.MessageText, data: data})
		if !ok {
			return
		}
		got := attribute(p, tf, []any{v})
		if got != "" && !strings.HasPrefix(got, unverified) && !strings.Contains(got, "was rejected, but not for the rule it breaks") {
			t.Fatalf("verdict %q", got)
		}
	})
}
