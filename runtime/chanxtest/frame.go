package chanxtest

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/chanxgo/chanx/runtime/wire"
)

// Frame is one message a Communicator received, kept as bytes so a test
// can compare it as text or decode it into the type it expects.
type Frame struct {
	// Action is the discriminator's value, "" when the data is binary, not
	// JSON, or has no string discriminator.
	Action string
	// Data is the message as it arrived.
	Data json.RawMessage
	// Binary is true for a binary message.
	Binary bool
}

// newFrame reads the discriminator of a text message; anything else is
// kept as data with no action.
func newFrame(data []byte, binary bool, discriminator string) Frame {
	f := Frame{Data: data, Binary: binary}
	if !binary {
		if a, err := wire.Peek(data, discriminator, 0); err == nil {
			f.Action = string(a)
		}
	}
	return f
}

// Payload returns the frame's "payload" field as sent, nil when there is
// none or the frame is not a JSON object.
func (f Frame) Payload() json.RawMessage {
	var fr struct {
		Payload json.RawMessage `json:"payload"`
	}
	if f.Binary || json.Unmarshal(f.Data, &fr) != nil {
		return nil
	}
	return fr.Payload
}

// Decode unmarshals the whole frame into v.
func (f Frame) Decode(v any) error {
	if err := json.Unmarshal(f.Data, v); err != nil {
		return fmt.Errorf("chanxtest: decode %q frame: %w", f.Action, err)
	}
	return nil
}

// DecodePayload unmarshals the frame's payload into v.
func (f Frame) DecodePayload(v any) error {
	p := f.Payload()
	if p == nil {
		return fmt.Errorf("chanxtest: %q frame has no payload: %s", f.Action, f)
	}
	if err := json.Unmarshal(p, v); err != nil {
		return fmt.Errorf("chanxtest: decode %q payload: %w", f.Action, err)
	}
	return nil
}

// Problems decodes an error frame's validation problems; nil for any other
// frame.
func (f Frame) Problems() []wire.Problem {
	if f.Action != wire.ActionError {
		return nil
	}
	var problems []wire.Problem
	if json.Unmarshal(f.Payload(), &problems) != nil {
		return nil
	}
	for _, p := range problems {
		for i, l := range p.Loc {
			if n, ok := l.(float64); ok && n == float64(int(n)) {
				p.Loc[i] = int(n) // JSON numbers decode as float64
			}
		}
	}
	return problems
}

// ErrorDetail decodes an error frame that is not a list of problems: a
// handler's failure ({"detail"}, with "code" for a coded error) or a topic
// error ({"reason", "detail"}). ok is false for any other frame.
func (f Frame) ErrorDetail() (detail wire.ErrorDetail, ok bool) {
	if f.Action != wire.ActionError {
		return detail, false
	}
	p := f.Payload()
	if len(p) == 0 || p[0] != '{' || json.Unmarshal(p, &detail) != nil {
		return wire.ErrorDetail{}, false
	}
	return detail, true
}

// String shows the frame as text, binary data quoted.
func (f Frame) String() string {
	if f.Binary {
		return "binary " + strconv.Quote(string(f.Data))
	}
	return string(f.Data)
}

// actions lists the actions of frames, for failure messages.
func actions(frames []Frame) []string {
	out := make([]string, len(frames))
	for i, f := range frames {
		out[i] = f.Action
		if f.Action == "" {
			out[i] = f.String()
		}
	}
	return out
}
