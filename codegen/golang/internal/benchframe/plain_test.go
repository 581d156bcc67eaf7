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

func BenchmarkDecodeGenerated(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var f Frame
		if err := json.Unmarshal(validFrame, &f); err != nil {
			b.Fatal(err)
		}
	}
}
