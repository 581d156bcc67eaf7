package wire

import (
	"encoding/json"
	"errors"
)

// Frame is the envelope every chanx frame has on the wire. Payload stays
// raw so a reader can decide what to decode it into.
type Frame struct {
	Action  string          `json:"action"`
	Payload json.RawMessage `json:"payload"`
}

// Encode marshals a frame: a []byte or json.RawMessage is taken as an
// already encoded frame and returned as is; anything else goes through
// encoding/json.
func Encode(frame any) ([]byte, error) {
	if b, ok := PreEncoded(frame); ok {
		return b, nil
	}
	b, err := json.Marshal(frame)
	if err != nil {
		return nil, errors.New("wire: encode frame: " + err.Error())
	}
	return b, nil
}

// PreEncoded returns frame's bytes when it is already encoded: []byte and
// json.RawMessage go on the wire as they are.
func PreEncoded(frame any) ([]byte, bool) {
	switch f := frame.(type) {
	case []byte:
		return f, true
	case json.RawMessage:
		return f, true
	}
	return nil, false
}
