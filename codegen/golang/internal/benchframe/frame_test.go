package benchframe

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/validate/oracle"
	"github.com/chanxgo/chanx/runtime/wire"
)

var validFrame = []byte(`{"action": "new_chat_message", "payload": {"message": "Hello there, how is everyone doing today?", "name": "alice", "room": "general", "priority": 3, "tags": ["greeting", "hello"], "reply_to": null}}`)

var invalidFrame = []byte(`{"action": "new_chat_message", "payload": {"message": "", "name": "9lives", "room": "attic", "priority": 11, "tags": ["a", "a"], "extra": true}}`)

func schemaOracle(tb testing.TB) *oracle.Schema {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bench", "frame.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return oracle.MustCompile(data)
}

func decode(tb testing.TB, data []byte) *Frame {
	tb.Helper()
	var f Frame
	if err := json.Unmarshal(data, &f); err != nil {
		tb.Fatal(err)
	}
	return &f
}

func TestValidFrame(t *testing.T) {
	if err := decode(t, validFrame).Validate(); err != nil {
		t.Fatal(err)
	}
	if p := schemaOracle(t).Validate(validate.MustJSON(string(validFrame))); p != nil {
		t.Fatalf("oracle: %v", p)
	}
}

// TestProblemsMatchChanxLocs checks what an error frame would carry.
func TestProblemsMatchChanxLocs(t *testing.T) {
	err := decode(t, invalidFrame).Validate()
	var ve *wire.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *wire.ValidationError", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, wire.LocString(p.Loc)+" "+p.Type+": "+p.Msg)
	}
	want := []string{
		"payload.message string_too_short: String should have at least 1 character",
		"payload.name string_pattern_mismatch: String should match pattern '^[A-Za-z][A-Za-z0-9 _-]*$'",
		"payload.room enum: Input should be 'lobby', 'general' or 'random'",
		"payload.priority less_than_equal: Input should be less than or equal to 10",
		"payload.tags unique_items: List should have unique items, items 0 and 1 are equal",
		"payload.extra extra_forbidden: Extra inputs are not permitted",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if schemaOracle(t).Valid(validate.MustJSON(string(invalidFrame))) {
		t.Error("the oracle accepts the invalid frame")
	}
}

// TestGoBuiltFrame: a value built in Go has its fixed action filled in and
// validates like the decoded one.
func TestGoBuiltFrame(t *testing.T) {
	f := Frame{Payload: FramePayload{Message: "hi", Name: "bob", Room: ptr(FramePayloadRoomLobby)}}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"action":"new_chat_message"`)) {
		t.Errorf("marshalled %s without the action", data)
	}
	f.Payload.Name = ""
	if err := f.Validate(); err == nil || err.Error() != "invalid message: payload.name: String should have at least 1 character; payload.name: String should match pattern '^[A-Za-z][A-Za-z0-9 _-]*$'" {
		t.Errorf("got %v", err)
	}
}

func TestMissingAndNull(t *testing.T) {
	for _, tc := range []struct{ frame, want string }{
		{`{"payload": {"message": "hi"}}`, "invalid message: payload.name: Field required"},
		{`{"payload": {"message": "hi", "name": null}}`, "invalid message: payload.name: Input should be a valid string"},
		{`{"payload": null}`, "invalid message: payload: Input should be a valid dictionary or instance of FramePayload"},
		{`{"action": "ping", "payload": {"message": "hi", "name": "bob"}}`, "invalid message: action: Input should be 'new_chat_message'"},
	} {
		err := decode(t, []byte(tc.frame)).Validate()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %s", tc.frame, err, tc.want)
		}
	}
}

func TestValidateAllocations(t *testing.T) {
	f := decode(t, validFrame)
	if n := testing.AllocsPerRun(100, func() { _ = f.Validate() }); n > 2 {
		t.Errorf("Validate of a valid frame allocates %v times, want at most 2", n)
	}
}

func ptr[T any](v T) *T { return &v }

// BenchmarkValidate compares validating an already decoded valid frame.
func BenchmarkValidate(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		f := decode(b, validFrame)
		b.ReportAllocs()
		for b.Loop() {
			if err := f.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("santhosh-tekuri", func(b *testing.B) {
		s := schemaOracle(b)
		v := validate.MustJSON(string(validFrame))
		b.ReportAllocs()
		for b.Loop() {
			if !s.Valid(v) {
				b.Fatal("invalid")
			}
		}
	})
}

// BenchmarkDecodeAndValidate includes decoding the frame from bytes.
func BenchmarkDecodeAndValidate(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var f Frame
			if err := json.Unmarshal(validFrame, &f); err != nil {
				b.Fatal(err)
			}
			if err := f.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("santhosh-tekuri", func(b *testing.B) {
		s := schemaOracle(b)
		b.ReportAllocs()
		for b.Loop() {
			d := json.NewDecoder(bytes.NewReader(validFrame))
			d.UseNumber()
			var v any
			if err := d.Decode(&v); err != nil {
				b.Fatal(err)
			}
			if !s.Valid(v) {
				b.Fatal("invalid")
			}
		}
	})
}

// BenchmarkValidateInvalid is the error path: building problems.
func BenchmarkValidateInvalid(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		f := decode(b, invalidFrame)
		b.ReportAllocs()
		for b.Loop() {
			if f.Validate() == nil {
				b.Fatal("valid")
			}
		}
	})
	b.Run("santhosh-tekuri", func(b *testing.B) {
		s := schemaOracle(b)
		v := validate.MustJSON(string(invalidFrame))
		b.ReportAllocs()
		for b.Loop() {
			if s.Validate(v) == nil {
				b.Fatal("valid")
			}
		}
	})
}
