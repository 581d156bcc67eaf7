package benchframe

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/chanxgo/chanx/runtime/validate"
)

type plainFrame struct {
	Action  string `json:"action"`
	Payload struct {
		Message  string   `json:"message"`
		Name     string   `json:"name"`
		Room     *string  `json:"room,omitempty"`
		Priority *int64   `json:"priority,omitempty"`
		Tags     []string `json:"tags,omitempty"`
		ReplyTo  *int64   `json:"reply_to,omitempty"`
	} `json:"payload"`
}

func BenchmarkDecodePlainStruct(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var f plainFrame
		if err := json.Unmarshal(validFrame, &f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeGenerated decodes into the generated type through
// json.Unmarshal (what runtime/server does: encoding/json checks and
// skips the text before calling UnmarshalJSON) and by calling
// UnmarshalJSON directly (the generated decoder alone).
func BenchmarkDecodeGenerated(b *testing.B) {
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var f Frame
			if err := json.Unmarshal(validFrame, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UnmarshalJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var f Frame
			if err := f.UnmarshalJSON(validFrame); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeGenerated encodes a decoded frame: Frame has a const
// field, so its MarshalJSON is generated. Through json.Marshal,
// encoding/json also checks and compacts what MarshalJSON returns.
func BenchmarkEncodeGenerated(b *testing.B) {
	var f Frame
	if err := json.Unmarshal(validFrame, &f); err != nil {
		b.Fatal(err)
	}
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("MarshalJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain struct", func(b *testing.B) {
		var p plainFrame
		if err := json.Unmarshal(validFrame, &p); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestAppendJSONIsMarshalJSON: the generated AppendJSON writes the bytes
// MarshalJSON returns, and nothing when the destination has room.
func TestAppendJSONIsMarshalJSON(t *testing.T) {
	var f Frame
	if err := json.Unmarshal(validFrame, &f); err != nil {
		t.Fatal(err)
	}
	f.Payload.Message = "<b>&\u2028\xff"
	want, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var _ validate.JSONAppender = &f
	got, err := f.AppendJSON([]byte("prefix:"))
	if err != nil || string(got) != "prefix:"+string(want) {
		t.Fatalf("AppendJSON = %s, %v; want prefix:%s", got, err, want)
	}
	var viaJSON bytes.Buffer
	enc := json.NewEncoder(&viaJSON)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&f); err != nil || viaJSON.String() != string(want)+"\n" {
		t.Fatalf("encoding/json wrote %s, %v; want %s", viaJSON.Bytes(), err, want)
	}
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { _, _ = f.AppendJSON(buf[:0]) }); n != 0 {
		t.Errorf("AppendJSON allocates %v times, want 0", n)
	}
}
