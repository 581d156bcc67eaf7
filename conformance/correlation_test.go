package conformance

import (
	"encoding/json"
	"testing"

	"github.com/chanxgo/chanx/ir"
)

func TestCorrelationIDMustBeEchoed(t *testing.T) {
	req := &ir.Message{Name: "subscribe", CorrelationID: &ir.CorrelationID{Location: "$message.payload#/reqid"}}
	reply := &ir.Message{Name: "subscriptionStatus", CorrelationID: &ir.CorrelationID{Location: "$message.payload#/reqid"}}
	sent := testFrame{msg: req, value: map[string]any{"event": "subscribe", "reqid": json.Number("42")}}
	for _, tc := range []struct {
		name string
		got  any
		want string
	}{
		{"echoed", map[string]any{"reqid": json.Number("42")}, ""},
		{"other id", map[string]any{"reqid": json.Number("7")}, "the reply subscriptionStatus has correlation id 7 at $message.payload#/reqid, the request had 42"},
		{"missing", map[string]any{"status": "ok"}, "the reply subscriptionStatus carries no correlation id at $message.payload#/reqid (the request had 42)"},
	} {
		if got := correlation(sent, reply, tc.got); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	// A request without the id, or an id in headers (WebSocket frames have
	// none), leaves nothing to compare.
	if got := correlation(testFrame{msg: req, value: map[string]any{}}, reply, map[string]any{}); got != "" {
		t.Errorf("request without id: %q", got)
	}
	hdr := &ir.Message{Name: "h", CorrelationID: &ir.CorrelationID{Location: "$message.header#/id"}}
	if got := correlation(testFrame{msg: hdr, value: map[string]any{}}, hdr, map[string]any{}); got != "" {
		t.Errorf("header id: %q", got)
	}
}

func TestLocateEscapedPointer(t *testing.T) {
	v := map[string]any{"a/b": map[string]any{"c~d": "x"}}
	if got, ok := locate(v, "$message.payload#/a~1b/c~0d"); !ok || got != "x" {
		t.Errorf("got %v, %v", got, ok)
	}
	if got, ok := locate(v, "$message.payload#"); !ok || got == nil {
		t.Errorf("whole payload: %v, %v", got, ok)
	}
}
