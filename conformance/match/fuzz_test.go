package match_test

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzMatch judges arbitrary server frames: no input may panic or hang
// the matcher, and a frame is either a message or has a closest one with
// problems.
func FuzzMatch(f *testing.F) {
	for _, seed := range []string{
		`{"action": "ping", "payload": null}`,
		`{"action": "new_chat_message", "payload": {"message": "hi"}}`,
		`{"action": 5}`, `[]`, `null`, `"x"`, `{"payload": {"message": {"a": [1, 2, {"b": null}]}}}`,
		`{"action": "new_chat_message", "payload": {"message": 1e400}}`,
	} {
		f.Add([]byte(seed))
	}
	set, _ := chatSet(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil {
			return
		}
		r := set.Match(v)
		if r.Message == nil && (r.Closest == nil || len(r.Problems) == 0) {
			t.Fatalf("%s: neither a message nor a closest one with problems: %+v", data, r)
		}
	})
}
