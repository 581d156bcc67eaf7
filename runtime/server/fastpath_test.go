package server

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/internal/benchchat"
	"github.com/chanxgo/chanx/runtime/wire"
)

// viaUnmarshal is benchchat.Frame without the mark checksOwnText looks
// for: Handle decodes it through json.Unmarshal, which calls the same
// promoted UnmarshalJSON after checking the text, as before the fast path.
type viaUnmarshal struct{ benchchat.Frame }

// fastPathFrames are frames that pass the discriminator peek and reach the
// decoder: well-formed, malformed in ways the peek leaves to the decoder,
// and of the wrong types.
var fastPathFrames = []string{
	`{"action":"new_chat_message","payload":{"message":"a","name":"b"}}`,
	" \t\r\n{\"action\":\"new_chat_message\",\"payload\":{\"message\":\"a\",\"name\":\"b\"}} \n",
	`{"action":"new_chat_message","payload":{"message":"a","name":"b"}} x`,
	`{"action":"new_chat_message","payload":{"message":"a","name":"b"}}{}`,
	`{"action":"new_chat_message","payload":{"message":"a","name":"b"}}}`,
	`{"action":"new_chat_message","payload":{"message":"a","name":"b"},}`,
	`{"action":"new_chat_message","payload":{"message":"a",,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":"a" "name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":"a","name":"b"}`,
	`{"action":"new_chat_message","payload":{"message":tru,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":nul,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":01,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":-,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":1.,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":1e,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":+1,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":"\x","name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":"\u12","name":"b"}}`,
	"{\"action\":\"new_chat_message\",\"payload\":{\"message\":\"a\x01\",\"name\":\"b\"}}",
	"{\"action\":\"new_chat_message\",\"payload\":{\"message\":\"\xff\xfe\",\"name\":\"b\"}}",
	`{"action":"new_chat_message","payload":{"message":"\ud800 \u00e9 \u2028","name":"<b>&"}}`,
	`{"action":"new_chat_message","payload":{"message":1,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":true,"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":["a"],"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":{},"name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":null,"name":"b"}}`,
	`{"action":"new_chat_message","payload":"text"}`,
	`{"action":"new_chat_message","payload":[]}`,
	`{"action":"new_chat_message","payload":null}`,
	`{"action":"new_chat_message","payload":{"message":"a"}}`,
	`{"action":"new_chat_message"}`,
	`{"action":"new_chat_message","payload":{"message":"a","name":"b","message":"c"}}`,
	`{"action":"new_chat_message","payload":{"MESSAGE":"a","Name":"b"}}`,
	`{"action":"new_chat_message","ACTION":"other","payload":{"message":"a","name":"b"}}`,
	`{"action":"new_chat_message","payload":{"message":"a","name":"b","extra":[[{"x":1e999}],-0.5E+3]}}`,
	`{"action":"new_chat_message","payload":{"message":"a","name":"b","extra":[1,]}}`,
	`{"action":"new_chat_message","payload":{"message":"a","name":"b","extra":{"x"}}}`,
}

func TestChecksOwnText(t *testing.T) {
	type plain struct{ Action string }
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"generated struct", checksOwnText[benchchat.Frame](), true},
		{"generated struct embedded", checksOwnText[viaUnmarshal](), false},
		{"json.RawMessage", checksOwnText[json.RawMessage](), false},
		{"plain struct", checksOwnText[plain](), false},
		{"map", checksOwnText[map[string]any](), false},
	} {
		if c.got != c.want {
			t.Errorf("checksOwnText[%s] = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestDirectUnmarshalMatchesJSONUnmarshal holds the premise of the fast
// path: the generated UnmarshalJSON called on the whole frame accepts and
// rejects what json.Unmarshal does, with the same error and the same value.
func TestDirectUnmarshalMatchesJSONUnmarshal(t *testing.T) {
	for _, f := range fastPathFrames {
		want, got := new(benchchat.Frame), new(benchchat.Frame)
		wantErr := json.Unmarshal([]byte(f), want)
		gotErr := got.UnmarshalJSON([]byte(f))
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			t.Errorf("%q: UnmarshalJSON error %v, json.Unmarshal error %v", f, gotErr, wantErr)
			continue
		}
		if wantErr != nil {
			if diff := cmp.Diff(wire.DecodeProblems(wantErr), wire.DecodeProblems(gotErr)); diff != "" {
				t.Errorf("%q: problems (-json.Unmarshal +UnmarshalJSON):\n%s", f, diff)
			}
			continue
		}
		if diff := cmp.Diff(want, got, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
			t.Errorf("%q: value (-json.Unmarshal +UnmarshalJSON):\n%s", f, diff)
		}
		if (want.Validate() == nil) != (got.Validate() == nil) {
			t.Errorf("%q: Validate %v after json.Unmarshal, %v after UnmarshalJSON", f, want.Validate(), got.Validate())
		}
	}
}

// TestFastPathFramesOnTheWire sends every frame to a channel that decodes
// benchchat.Frame through the fast path and to one that decodes the same
// type through json.Unmarshal and replies with json.Marshal's bytes, as
// the server did before: the client must see the same frames from both.
func TestFastPathFramesOnTheWire(t *testing.T) {
	srv := New(Options{Logger: quietLogger(), PingInterval: -1})
	fast, err := srv.Channel("/fast", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	Handle(fast, "new_chat_message", func(ctx context.Context, c *Conn, m *benchchat.Frame) (*benchchat.Frame, error) {
		return m, nil
	})
	slow, err := srv.Channel("/slow", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	Handle(slow, "new_chat_message", func(ctx context.Context, c *Conn, m *viaUnmarshal) ([]byte, error) {
		return json.Marshal(&m.Frame)
	})
	hs := startServer(t, srv)
	fc, sc := dial(t, hs, "/fast"), dial(t, hs, "/slow")
	frames := append(fastPathFrames,
		`not json`, `[1,2]`, `{"payload":{}}`, `{"action":1}`, `{"action":"other"}`,
		`{"action":"new_chat_message","payload":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`)
	for _, f := range frames {
		if !utf8.ValidString(f) {
			continue // fails the connection with 1007 (TestTextAndBinaryRules)
		}
		want, got := sc.roundTrip(f), fc.roundTrip(f)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: answer (-json.Unmarshal/json.Marshal +fast path):\n%s", f, diff)
		}
	}
}

// appendOnly has an AppendJSON but no MarshalJSON: encoding/json never
// calls it, so neither may the server.
type appendOnly struct{ A string }

func (x appendOnly) AppendJSON(dst []byte) ([]byte, error) { return append(dst, "wrong"...), nil }

// FuzzDirectUnmarshal extends TestDirectUnmarshalMatchesJSONUnmarshal to
// any frame: the fast path's decode must agree with json.Unmarshal.
func FuzzDirectUnmarshal(f *testing.F) {
	for _, s := range fastPathFrames {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		want, got := new(benchchat.Frame), new(benchchat.Frame)
		wantErr := json.Unmarshal(frame, want)
		gotErr := got.UnmarshalJSON(frame)
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			t.Fatalf("%q: UnmarshalJSON error %v, json.Unmarshal error %v", frame, gotErr, wantErr)
		}
		if wantErr != nil {
			if diff := cmp.Diff(wire.DecodeProblems(wantErr), wire.DecodeProblems(gotErr)); diff != "" {
				t.Fatalf("%q: problems (-json.Unmarshal +UnmarshalJSON):\n%s", frame, diff)
			}
			return
		}
		if diff := cmp.Diff(want, got, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
			t.Fatalf("%q: value (-json.Unmarshal +UnmarshalJSON):\n%s", frame, diff)
		}
	})
}

// TestEncodeMatchesJSONMarshal holds the reply and Send/Broadcast/Publish
// fast path to json.Marshal's bytes, HTML escaping included.
func TestEncodeMatchesJSONMarshal(t *testing.T) {
	texts := []string{"", "plain", `<script>&"quoted"\</script>`, "\u2028\u2029", "\x00\x01\x1f\x7f", "\xff\xfe invalid", "é日本🙂", "a&b", "<", ">"}
	var values []any
	for _, m := range texts {
		values = append(values, &benchchat.Frame{Payload: benchchat.ChatMessagePayload{Message: m, Name: m}})
	}
	values = append(values, (*benchchat.Frame)(nil), benchchat.Frame{Action: "x<y"}, map[string]string{"a": "<b>"}, nil,
		appendOnly{"<a>"}, json.RawMessage(`{"a":"<b>"}`), []byte(`{"raw":1}`))
	e := getEncoder()
	defer e.put()
	for _, v := range values {
		want, wantErr := json.Marshal(v)
		got, err := e.encode(v)
		if err != nil || wantErr != nil {
			t.Fatalf("%#v: encode error %v, json.Marshal error %v", v, err, wantErr)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%#v: encode (-json.Marshal +got):\n%s", v, diff)
		}
		want, _ = wire.Encode(v)
		got, err = encodeFrame(v)
		if err != nil {
			t.Fatalf("%#v: encodeFrame: %v", v, err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%#v: encodeFrame (-wire.Encode +got):\n%s", v, diff)
		}
	}
}
