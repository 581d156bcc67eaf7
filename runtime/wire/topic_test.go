package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitEnvelope(t *testing.T) {
	for _, tc := range []struct {
		name, frame string
		want        Addressing
		rest        string // "" means the frame unchanged
		problems    []Problem
	}{
		{name: "none", frame: `{"action":"a","payload":1}`},
		{name: "not an object", frame: `[1]`},
		{name: "not json", frame: `{"topic":`},
		{name: "chanx subscribe", frame: `{"topic": "discussion:5", "ref": "1", "action": "subscribe"}`,
			want: Addressing{Topic: "discussion:5", HasTopic: true, Ref: "1", HasRef: true}, rest: `{"action": "subscribe"}`},
		{name: "every key", frame: `{"action":"x","payload":{"topic":"inner"},"version":1,"topic":"t","ref":"r","seq":4}`,
			want: Addressing{Topic: "t", HasTopic: true, Ref: "r", HasRef: true}, rest: `{"action":"x","payload":{"topic":"inner"}}`},
		{name: "only keys", frame: `{"topic":"t"}`, want: Addressing{Topic: "t", HasTopic: true}, rest: `{}`},
		{name: "nulls", frame: `{"action":"x","topic":null,"ref":null,"seq":null}`, rest: `{"action":"x"}`},
		{name: "escaped key, last wins", frame: `{"\u0074opic":"a","action":"x","topic":"b"}`,
			want: Addressing{Topic: "b", HasTopic: true}, rest: `{"action":"x"}`},
		{name: "escaped value", frame: `{"topic":"room:\u00e9","action":"x"}`,
			want: Addressing{Topic: "room:é", HasTopic: true}, rest: `{"action":"x"}`},
		{name: "lax ints", frame: `{"version":"1","seq":" 7 ","action":"x"}`, rest: `{"action":"x"}`},
		{name: "float ints", frame: `{"version":1.0,"seq":2e3,"action":"x"}`, rest: `{"action":"x"}`},
		{name: "bool int", frame: `{"version":true,"action":"x"}`, rest: `{"action":"x"}`},
		{name: "bad values", frame: `{"version":null,"topic":["t"],"ref":5,"seq":"x"}`, problems: []Problem{
			{Type: ProblemIntType, Loc: []any{"version"}, Msg: MsgIntType},
			{Type: ProblemStringType, Loc: []any{"topic"}, Msg: MsgStringType},
			{Type: ProblemStringType, Loc: []any{"ref"}, Msg: MsgStringType},
			{Type: ProblemIntParsing, Loc: []any{"seq"}, Msg: MsgIntParsing},
		}},
		{name: "fraction", frame: `{"seq":1.5}`, problems: []Problem{{Type: ProblemIntFromFloat, Loc: []any{"seq"}, Msg: MsgIntFromFloat}}},
		{name: "object version", frame: `{"version":{}}`, problems: []Problem{{Type: ProblemIntType, Loc: []any{"version"}, Msg: MsgIntType}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, rest, problems := SplitEnvelope([]byte(tc.frame), 0)
			if diff := cmp.Diff(tc.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if a != tc.want {
				t.Errorf("addressing %+v, want %+v", a, tc.want)
			}
			want := tc.rest
			if want == "" {
				want = tc.frame
			}
			if string(rest) != want {
				t.Errorf("rest %s, want %s", rest, want)
			}
		})
	}
}

func TestSplitEnvelopeDoesNotAllocateWithoutKeys(t *testing.T) {
	frame := []byte(`{"action":"new_chat_message","payload":{"message":"a \"quoted\" word","name":"x"}}`)
	if n := testing.AllocsPerRun(100, func() { SplitEnvelope(frame, 0) }); n != 0 {
		t.Errorf("%v allocations for a frame without envelope keys", n)
	}
}

func TestAppendSeq(t *testing.T) {
	for in, want := range map[string]string{
		`{"action":"e","payload":null,"version":1,"topic":"t"}`: `{"action":"e","payload":null,"version":1,"topic":"t","seq":42}`,
		`{}`:             `{"seq":42}`,
		`{ } `:           `{ "seq":42}`,
		`[1]`:            `[1]`,
		``:               ``,
		`{"a":1}` + "\n": `{"a":1,"seq":42}`,
	} {
		if got := string(AppendSeq([]byte(in), 42)); got != want {
			t.Errorf("AppendSeq(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSplitEnvelope: for any well-formed object, the rest decodes to the
// frame's members minus the envelope keys, and what it reports as topic
// and ref is what a decoder reads; nothing panics on any input.
func FuzzSplitEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"topic": "discussion:5", "ref": "1", "action": "subscribe"}`,
		`{"action":"x","payload":{"topic":"inner"},"version":1,"topic":"t","ref":"r","seq":4}`,
		`{"\u0074opic":"a","topic":"b"}`, `{"seq":1.5}`, `{}`, `[]`, `{"topic":`, `{"ref":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		a, rest, problems := SplitEnvelope(frame, 0)
		var whole map[string]json.RawMessage
		if json.Unmarshal(frame, &whole) != nil || problems != nil {
			return
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(rest, &got); err != nil {
			t.Fatalf("rest %q of %q: %v", rest, frame, err)
		}
		var topic, ref *string
		_ = json.Unmarshal(whole[KeyTopic], &topic)
		_ = json.Unmarshal(whole[KeyRef], &ref)
		if (topic != nil) != a.HasTopic || topic != nil && *topic != a.Topic {
			t.Fatalf("topic %+v of %q, decoder reads %v", a, frame, topic)
		}
		if (ref != nil) != a.HasRef || ref != nil && *ref != a.Ref {
			t.Fatalf("ref %+v of %q, decoder reads %v", a, frame, ref)
		}
		for _, k := range []string{KeyVersion, KeyTopic, KeyRef, KeySeq} {
			delete(whole, k)
		}
		if len(whole) != len(got) {
			t.Fatalf("rest %q of %q has %d members, want %d", rest, frame, len(got), len(whole))
		}
		for k, v := range whole {
			var x, y any
			_ = json.Unmarshal(v, &x)
			_ = json.Unmarshal(got[k], &y)
			if !reflect.DeepEqual(x, y) {
				t.Fatalf("member %q of %q: %s, rest has %s", k, frame, v, got[k])
			}
		}
	})
}

// BenchmarkMayHaveEnvelope is what every frame of a channel without
// topics pays for the envelope keys: the scan that rules them out.
func BenchmarkMayHaveEnvelope(b *testing.B) {
	frame := []byte(`{"action":"new_chat_message","payload":{"message":"` + strings.Repeat("m", 160) + `","name":"benchmark"}}`)
	b.SetBytes(int64(len(frame)))
	for range b.N {
		if MayHaveEnvelope(frame) {
			b.Fatal("no envelope keys in the frame")
		}
	}
}

func TestMayHaveEnvelope(t *testing.T) {
	for frame, want := range map[string]bool{
		`{"action":"x","payload":{"message":"topic ref seq version"}}`: false,
		`{"action":"x","topic":"t"}`:                                   true,
		`{"action":"x","payload":{"ref":1}}`:                           true, // a maybe: nested
		`{"seq":1}`:                                                    true,
		`{"version":1}`:                                                true,
		`{"a\u0074":"x"}`:                                              true, // escapes: a maybe
		`{"action":"reference"}`:                                       false,
		`{"action":"x","payload":"x\"topic\""}`:                        true,
		`"`:                                                            false,
		``:                                                             false,
	} {
		if got := MayHaveEnvelope([]byte(frame)); got != want {
			t.Errorf("MayHaveEnvelope(%s) = %v, want %v", frame, got, want)
		}
	}
}
