package wire

import (
	"encoding/json"
	"errors"
)

// processingFailedDetail is the detail of the generic error frames.
const processingFailedDetail = "Failed to process message"

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

// EncodeAction builds the frame {"action": action, "payload": payload}.
func EncodeAction(action string, payload any) ([]byte, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, errors.New("wire: encode " + action + " payload: " + err.Error())
	}
	a, _ := json.Marshal(action) // a string always marshals
	b := make([]byte, 0, len(a)+len(p)+24)
	b = append(b, `{"action":`...)
	b = append(b, a...)
	b = append(b, `,"payload":`...)
	b = append(b, p...)
	return append(b, '}'), nil
}

// Frames without a payload, shared: callers must not modify them.
var (
	framePong          = []byte(`{"action":"pong","payload":null}`)
	frameComplete      = []byte(`{"action":"complete","payload":null}`)
	frameGroupComplete = []byte(`{"action":"group_complete","payload":null}`)
	frameEventComplete = []byte(`{"action":"event_complete","payload":null}`)
	frameProcessing    = []byte(`{"action":"error","payload":{"detail":"Failed to process message"}}`)
)

// PongFrame is the answer to a ping. The slice is shared; do not modify it.
func PongFrame() []byte { return framePong }

// CompleteFrame returns the completion marker for one of ActionComplete,
// ActionGroupComplete or ActionEventComplete, nil for any other action.
// The slice is shared; do not modify it.
func CompleteFrame(action string) []byte {
	switch action {
	case ActionComplete:
		return frameComplete
	case ActionGroupComplete:
		return frameGroupComplete
	case ActionEventComplete:
		return frameEventComplete
	}
	return nil
}

// ProcessingErrorFrame answers a failure that is neither the client's
// frame nor a handler's: {"detail": "Failed to process message"}. The slice
// is shared; do not modify it.
func ProcessingErrorFrame() []byte { return frameProcessing }

// HandlerErrorFrame answers a frame whose handler failed or panicked:
// {"detail": "Failed to process message for <action>"}. The text is fixed
// so that nothing about the failure leaks to the client.
func HandlerErrorFrame(action string) []byte {
	b, err := EncodeAction(ActionError, map[string]string{"detail": processingFailedDetail + " for " + action})
	if err != nil {
		return frameProcessing
	}
	return b
}

// ProblemsFrame is the validation error frame: {"action": "error",
// "payload": [{"type", "loc", "msg"}, ...]}.
func ProblemsFrame(problems []Problem) []byte {
	for i := range problems {
		if problems[i].Loc == nil {
			problems[i].Loc = []any{}
		}
	}
	b, err := EncodeAction(ActionError, problems)
	if err != nil {
		return frameProcessing
	}
	return b
}

// AuthenticationFrame is the frame Chanx-compatible servers send after the
// upgrade: {"status_code", "status_text", "data"}.
func AuthenticationFrame(statusCode int, statusText string, data any) []byte {
	b, err := EncodeAction(ActionAuthentication, struct {
		StatusCode int    `json:"status_code"`
		StatusText string `json:"status_text"`
		Data       any    `json:"data"`
	}{statusCode, statusText, data})
	if err != nil {
		return frameProcessing
	}
	return b
}
