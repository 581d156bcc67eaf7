package wire

import "strings"

// Built-in actions of the chanx wire protocol (docs/PROTOCOL.md; the
// table of them is Builtins).
const (
	ActionPing           = "ping"
	ActionPong           = "pong"
	ActionError          = "error"
	ActionAuthentication = "authentication"
	ActionComplete       = "complete"
	ActionGroupComplete  = "group_complete"
	ActionEventComplete  = "event_complete"
)

// Problem is one entry of a validation error frame:
// {"type": ..., "loc": [...], "msg": ...}. Loc is the path inside the frame,
// strings for object keys and ints for array indexes, e.g.
// ["payload", "message"].
type Problem struct {
	Type string `json:"type"`
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
}

// ValidationError is what a Validator returns for an invalid value: every
// problem found, in a stable order.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, LocString(p.Loc)+": "+p.Msg)
	}
	return "invalid message: " + strings.Join(parts, "; ")
}

// Validator is implemented by message types (generated code does) to check
// the constraints their Go type cannot express. Validate returns nil for a
// valid value and a *ValidationError otherwise.
type Validator interface {
	Validate() error
}

// LocString renders a loc as a dotted path: payload.items[2].name.
func LocString(loc []any) string {
	var b strings.Builder
	for i, l := range loc {
		switch v := l.(type) {
		case int:
			b.WriteByte('[')
			b.WriteString(itoa(v))
			b.WriteByte(']')
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var buf [20]byte
	n := len(buf)
	for i > 0 {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		buf[n] = '-'
	}
	return string(buf[n:])
}
