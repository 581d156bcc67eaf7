package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPeek(t *testing.T) {
	deep := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	tests := []struct {
		name, frame, want string
		err               error
	}{
		{"simple", `{"action":"ping","payload":null}`, "ping", nil},
		{"spaces", " \n{ \"payload\" : {\"a\":[1,2,{\"b\":\"}\"}]} , \"action\" : \"x\" }\t", "x", nil},
		{"escaped value", `{"action":"a\u0062c"}`, "abc", nil},
		{"escaped key", `{"\u0061ction":"go"}`, "go", nil},
		{"last wins", `{"action":"a","action":"b"}`, "b", nil},
		{"invalid utf-8 value", "{\"action\":\"a\x8d\"}", "a\uFFFD", nil},
		{"invalid utf-8 key", "{\"action\x8d\":\"x\"}", "", ErrNoDiscriminator},
		{"nested action ignored", `{"payload":{"action":"inner"}}`, "", ErrNoDiscriminator},
		{"empty object", `{}`, "", ErrNoDiscriminator},
		{"not string", `{"action":1}`, "", ErrNotString},
		{"array", `[1,2]`, "", ErrNotObject},
		{"string", `"hi"`, "", ErrNotObject},
		{"empty", ``, "", ErrNotJSON},
		{"garbage", `hello`, "", ErrNotJSON},
		{"truncated", `{"action":"ping"`, "", ErrNotJSON},
		{"trailing", `{"action":"ping"} x`, "", ErrNotJSON},
		{"unbalanced", `{"action":"ping","p":[}`, "", ErrNotJSON},
		{"missing colon", `{"action" "ping"}`, "", ErrNotJSON},
		{"too deep", `{"action":"x","payload":` + deep + `}`, "", ErrTooDeep},
		{"deep but allowed", `{"action":"x","payload":` + strings.Repeat("[", 60) + strings.Repeat("]", 60) + `}`, "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Peek([]byte(tt.frame), "action", 0)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Peek error = %v, want %v", err, tt.err)
			}
			if string(got) != tt.want {
				t.Errorf("Peek = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPeekReadsInvalidUTF8AsEncodingJSON is the regression test for issue
// #19's FuzzPeek failure: {"action":"\x8d"} is "\uFFFD" to encoding/json,
// so Peek must not route it as the raw byte. A key holding U+FFFD matches
// a raw key with invalid UTF-8 for the same reason.
func TestPeekReadsInvalidUTF8AsEncodingJSON(t *testing.T) {
	if got, err := Peek([]byte("{\"action\":\"\x8d\"}"), "action", 0); err != nil || string(got) != "\uFFFD" {
		t.Errorf("value: Peek = %q, %v; want U+FFFD", got, err)
	}
	if got, err := Peek([]byte("{\"k\xff\":\"v\"}"), "k\uFFFD", 0); err != nil || string(got) != "v" {
		t.Errorf("key: Peek = %q, %v; want v", got, err)
	}
	if got, err := Peek([]byte("{\"k\uFFFD\":\"v\"}"), "k\uFFFD", 0); err != nil || string(got) != "v" {
		t.Errorf("valid key: Peek = %q, %v; want v", got, err)
	}
}

func TestPeekAgreesWithEncodingJSON(t *testing.T) {
	frames := []string{
		`{"action":"a","payload":{"x":[1,{"y":null}],"z":"\""}}`,
		`{"payload":true,"action":"b"}`,
		`{"action":"c","payload":[[],{},""]}`,
	}
	for _, f := range frames {
		var v struct{ Action string }
		if err := json.Unmarshal([]byte(f), &v); err != nil {
			t.Fatal(err)
		}
		got, err := Peek([]byte(f), "action", 0)
		if err != nil || string(got) != v.Action {
			t.Errorf("Peek(%s) = %q, %v; encoding/json says %q", f, got, err, v.Action)
		}
	}
}

func TestPeekAllocations(t *testing.T) {
	frame := []byte(`{"action":"new_chat_message","payload":{"message":"hello there","name":"ann"}}`)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Peek(frame, "action", 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Peek allocates %v times per frame, want 0", allocs)
	}
}

func TestKeys(t *testing.T) {
	tests := []struct{ snake, camel string }{
		{`{"action":"new_chat_message","payload":{"user_name":"a_b","items":[{"item_id":1}]}}`,
			`{"action":"new_chat_message","payload":{"userName":"a_b","items":[{"itemId":1}]}}`},
		{`{"_private":1,"trailing_":2}`, `{"_private":1,"trailing_":2}`},
		{`[{"a_b":{"c_d":[]}}, "x_y"]`, `[{"aB":{"cD":[]}}, "x_y"]`},
	}
	for _, tt := range tests {
		if got := string(CamelizeKeys([]byte(tt.snake))); got != tt.camel {
			t.Errorf("CamelizeKeys(%s)\n got %s\nwant %s", tt.snake, got, tt.camel)
		}
		if got := string(SnakeizeKeys([]byte(tt.camel))); got != tt.snake {
			t.Errorf("SnakeizeKeys(%s)\n got %s\nwant %s", tt.camel, got, tt.snake)
		}
	}
	if got := string(SnakeizeKeys([]byte(`{"HTTPStatus":1,"userID":2,"a1B":3}`))); got != `{"http_status":1,"user_id":2,"a1_b":3}` {
		t.Errorf("SnakeizeKeys acronyms = %s", got)
	}
}

func TestDecodeProblems(t *testing.T) {
	var v struct {
		Payload struct {
			Message string `json:"message"`
		} `json:"payload"`
	}
	err := json.Unmarshal([]byte(`{"payload":{"message":5}}`), &v)
	got := DecodeProblems(err)
	want := []Problem{{Type: "string_type", Loc: []any{"payload", "message"}, Msg: "Input should be a valid string"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeProblems (-want +got):\n%s", diff)
	}
}

func FuzzPeek(f *testing.F) {
	f.Add([]byte(`{"action":"ping","payload":null}`))
	f.Add([]byte(`{"payload":[{"a":"\""}],"action":"x"}`))
	f.Add([]byte(`[[[[`))
	f.Add([]byte("{\"k\xff\":\"v\"}"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		// "k\uFFFD" is a key only a raw key with invalid UTF-8 can also
		// spell (issue #19).
		for _, key := range []string{"action", "k\uFFFD"} {
			got, err := Peek(frame, key, 8)
			// Whatever encoding/json reads as the discriminator, Peek must
			// read the same, unless a scalar is malformed (Peek leaves
			// scalars to the decoder, so it may accept what encoding/json
			// refuses) or the frame nests past Peek's limit.
			var v map[string]json.RawMessage
			if json.Unmarshal(frame, &v) != nil {
				continue
			}
			var s string
			isString := json.Unmarshal(v[key], &s) == nil && len(v[key]) > 0 && v[key][0] == '"'
			switch {
			case err == nil && (!isString || s != string(got)):
				t.Fatalf("Peek(%q, %q) = %q, encoding/json reads %s", frame, key, got, v[key])
			case err != nil && isString && !errors.Is(err, ErrTooDeep):
				t.Fatalf("Peek(%q, %q) fails with %v, encoding/json reads %s", frame, key, err, v[key])
			}
		}
		_ = CamelizeKeys(frame)
		_ = SnakeizeKeys(frame)
	})
}

func BenchmarkPeek(b *testing.B) {
	frame := []byte(`{"action":"new_chat_message","payload":{"message":"` + strings.Repeat("m", 150) + `","name":"benchmark"}}`)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for range b.N {
		if _, err := Peek(frame, "action", 0); err != nil {
			b.Fatal(err)
		}
	}
}
