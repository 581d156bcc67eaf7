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
	f.Fuzz(func(t *testing.T, frame []byte) {
		got, err := Peek(frame, "action", 8)
		if err != nil {
			return
		}
		// Whatever Peek accepts with a discriminator, encoding/json must
		// read the same discriminator from, unless a scalar is malformed
		// (Peek leaves scalars to the decoder).
		var v map[string]json.RawMessage
		if json.Unmarshal(frame, &v) != nil {
			return
		}
		var s string
		if json.Unmarshal(v["action"], &s) != nil || s != string(got) {
			t.Fatalf("Peek(%q) = %q, encoding/json reads %s", frame, got, v["action"])
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
