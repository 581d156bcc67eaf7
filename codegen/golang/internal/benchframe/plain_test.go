package benchframe

import (
	"encoding/json"
	"testing"
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
