package validate

import (
	"encoding/json"
	"testing"
)

// FuzzObjectScan holds the key scanner to encoding/json on arbitrary
// objects: every key encoding/json sees is seen, null members are known to
// be null, and nothing panics or hangs.
func FuzzObjectScan(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"a": 1}`, `{"a": null, "b": [1, {"c": "}"}]}`, ` { "\u0061" : "x\"" } `,
		`{"a": {"b": {"c": []}}, "d": -1.5e3, "e": true}`, `null`, `[1]`, `{"a": [null, 1]}`,
	} {
		f.Add([]byte(seed))
	}
	known := []string{"a", "b", "c", "d", "e"}
	keys := NewKeys(known, true, 0, 1, 2, 3, 4)
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil || m == nil {
			var o Object
			_ = o.Scan(data, keys)
			_, _ = PeekString(data, "a")
			return
		}
		var o Object
		if err := o.Scan(data, keys); err != nil {
			t.Fatalf("Scan(%s): %v", data, err)
		}
		for i, k := range known {
			raw, present := m[k]
			if o.Has(i) != present {
				t.Fatalf("Scan(%s): Has(%q) = %v, want %v", data, k, o.Has(i), present)
			}
			if present && o.IsNull(i) != (string(raw) == "null") {
				t.Fatalf("Scan(%s): IsNull(%q) = %v for %s", data, k, o.IsNull(i), raw)
			}
		}
		if o.Count() < len(m) {
			t.Fatalf("Scan(%s): counted %d members, encoding/json saw %d keys", data, o.Count(), len(m))
		}
		// PeekString reads the member as encoding/json does: the last of
		// duplicate keys, invalid UTF-8 as U+FFFD.
		raw, ok := m["a"]
		var want string
		isString := ok && len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &want) == nil
		if got, found := PeekString(data, "a"); found != isString || got != want {
			t.Fatalf("PeekString(%s) = %q, %v; encoding/json reads %s", data, got, found, raw)
		}
	})
}
