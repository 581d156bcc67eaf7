package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/chanxgo/chanx/runtime/wire"
)

// Errors a Client returns; compare with errors.Is.
var (
	// ErrClosed: the client was closed, or its connection ended for good.
	ErrClosed = errors.New("client: closed")
	// ErrNotConnected: the client is between connections (reconnecting) or
	// Connect has not been called yet.
	ErrNotConnected = errors.New("client: not connected")
	// ErrConnectionLost: the connection ended while a Request waited.
	ErrConnectionLost = errors.New("client: connection lost before the reply")
	// ErrUnknownAction: a frame named an action no handler, waiter or
	// built-in covers; OnInvalidMessage gets it.
	ErrUnknownAction = errors.New("client: no handler for action")
)

// Frame is one received JSON frame, kept as bytes so it is decoded once,
// into the type the reader wants.
type Frame struct {
	// Action is the discriminator's value.
	Action string
	// Data is the whole frame (snake_case keys when Camelize is on); on
	// frames of a topic, without the envelope keys, which are below.
	Data json.RawMessage
	// Topic is the topic the frame is addressed to, "" for none.
	Topic string
	// Ref is the ref it answers, "" for none.
	Ref string
	// Seq is a push's seq when HasSeq is set.
	Seq    int64
	HasSeq bool
}

// Decode unmarshals the whole frame into v.
func (f Frame) Decode(v any) error {
	if err := json.Unmarshal(f.Data, v); err != nil {
		return fmt.Errorf("client: decode %q frame: %w", f.Action, err)
	}
	return nil
}

// Payload returns the frame's "payload" field, or nil when it has none.
func (f Frame) Payload() json.RawMessage {
	var fr struct {
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(f.Data, &fr) != nil {
		return nil
	}
	return fr.Payload
}

// ServerError is an error frame sent by the server: either a list of
// validation problems (an invalid frame, an unknown action) or a detail
// text (a handler failed), with a code when the handler gave one. It is
// delivered to Hooks.OnError and returned by a Request the server answered
// with an error; errors.As finds it through the Request's wrapping.
type ServerError struct {
	// Problems is set for validation errors: what was wrong and where.
	Problems []wire.Problem
	// Detail is set for processing errors, e.g. "Failed to process message
	// for new_chat_message", or the message of a coded handler error.
	Detail string
	// Code is the stable code of a coded handler error (server.NewError),
	// e.g. "room_full" or wire.CodeNotImplemented; "" otherwise.
	Code string
	// Reason is the machine-readable code of topic errors, e.g.
	// "unknown_topic"; "" otherwise.
	Reason string
	// Payload is the error frame's payload as sent, for shapes neither
	// field covers (e.g. topic errors with a "reason").
	Payload json.RawMessage
}

func (e *ServerError) Error() string {
	switch {
	case len(e.Problems) > 0:
		parts := make([]string, 0, len(e.Problems))
		for _, p := range e.Problems {
			parts = append(parts, wire.LocString(p.Loc)+": "+p.Msg)
		}
		return "client: server error: " + strings.Join(parts, "; ")
	case e.Reason != "":
		return "client: server error: " + e.Reason + ": " + e.Detail
	case e.Code != "":
		return "client: server error: " + e.Code + ": " + e.Detail
	case e.Detail != "":
		return "client: server error: " + e.Detail
	default:
		return "client: server error: " + string(e.Payload)
	}
}

// decodeServerError reads an error frame's payload in any of its shapes.
func decodeServerError(frame []byte) *ServerError {
	var fr struct {
		Payload json.RawMessage `json:"payload"`
	}
	_ = json.Unmarshal(frame, &fr) // frame is valid JSON: the caller checked
	se := &ServerError{Payload: fr.Payload}
	var problems []wire.Problem
	if json.Unmarshal(fr.Payload, &problems) == nil {
		for _, p := range problems {
			for i, l := range p.Loc {
				// JSON numbers decode as float64; wire.Problem uses int
				// for array indexes.
				if f, ok := l.(float64); ok && f == float64(int(f)) {
					p.Loc[i] = int(f)
				}
			}
		}
		se.Problems = problems
		return se
	}
	var detail wire.ErrorDetail
	if json.Unmarshal(fr.Payload, &detail) == nil {
		se.Detail, se.Reason, se.Code = detail.Detail, detail.Reason, detail.Code
	}
	return se
}

// invalidError marks a frame a handler could not accept (decode or
// validation failure), so dispatch reports it as an invalid message rather
// than a handler error.
type invalidError struct{ err error }

func (e *invalidError) Error() string { return e.err.Error() }
func (e *invalidError) Unwrap() error { return e.err }

// isBuiltin reports whether action is one of the protocol's own server
// frames (wire.Builtins); receiving one with no handler is normal, not an
// invalid message.
func isBuiltin(action string) bool {
	b, ok := wire.LookupBuiltin(action, wire.ServerToClient)
	return ok && b.Name != wire.ActionError
}
