package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// Problem types the runtime itself reports, next to the ones validators
// produce. They follow the names Pydantic uses, so Chanx clients that
// switch on them keep working.
const (
	ProblemJSONInvalid     = "json_invalid"
	ProblemNotObject       = "model_attributes_type"
	ProblemTagNotFound     = "union_tag_not_found"
	ProblemTagInvalid      = "union_tag_invalid"
	ProblemTooDeep         = "json_too_deep"
	ProblemMissing         = "missing"
	ProblemExtraForbidden  = "extra_forbidden"
	problemTypeSuffix      = "_type"
	processingFailedDetail = "Failed to process message"
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

// PeekProblem turns an error from Peek into the problem reported to the
// client. action is the discriminator value when one was found.
func PeekProblem(err error, key string) Problem {
	switch {
	case errors.Is(err, ErrNotObject):
		return Problem{Type: ProblemNotObject, Loc: []any{}, Msg: "Input should be a valid dictionary or object to extract fields from"}
	case errors.Is(err, ErrNoDiscriminator):
		return Problem{Type: ProblemTagNotFound, Loc: []any{}, Msg: "Unable to extract tag using discriminator '" + key + "'"}
	case errors.Is(err, ErrNotString):
		return Problem{Type: ProblemTagInvalid, Loc: []any{key}, Msg: "Input tag found using '" + key + "' should be a string"}
	case errors.Is(err, ErrTooDeep):
		return Problem{Type: ProblemTooDeep, Loc: []any{}, Msg: "Input nests objects and arrays too deep"}
	}
	return Problem{Type: ProblemJSONInvalid, Loc: []any{}, Msg: "Invalid JSON"}
}

// UnknownActionProblem reports a discriminator value no handler is
// registered for, listing the ones that are (in the order given).
func UnknownActionProblem(key, action string, known []string) Problem {
	var b strings.Builder
	b.WriteString("Input tag '")
	b.WriteString(action)
	b.WriteString("' found using '")
	b.WriteString(key)
	b.WriteString("' does not match any of the expected tags: ")
	for i, k := range known {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('\'')
		b.WriteString(k)
		b.WriteByte('\'')
	}
	return Problem{Type: ProblemTagInvalid, Loc: []any{}, Msg: b.String()}
}

// DecodeProblems turns an encoding/json error from decoding a frame into
// the problems reported to the client: a type mismatch names the field
// (loc from its JSON path), anything else is invalid JSON. A
// *ValidationError passes through unchanged.
func DecodeProblems(err error) []Problem {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Problems
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		loc := []any{}
		if te.Field != "" {
			for _, part := range strings.Split(te.Field, ".") {
				loc = append(loc, part)
			}
		}
		typ, msg := "type_error", "Input has the wrong type"
		if te.Type != nil {
			typ, msg = kindProblem(te.Type)
		}
		return []Problem{{Type: typ, Loc: loc, Msg: msg}}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return []Problem{{Type: ProblemJSONInvalid, Loc: []any{}, Msg: "Invalid JSON: " + se.Error()}}
	}
	return []Problem{{Type: ProblemJSONInvalid, Loc: []any{}, Msg: "Invalid JSON: " + err.Error()}}
}

func kindProblem(t reflect.Type) (string, string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string" + problemTypeSuffix, "Input should be a valid string"
	case reflect.Bool:
		return "bool" + problemTypeSuffix, "Input should be a valid boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int" + problemTypeSuffix, "Input should be a valid integer"
	case reflect.Float32, reflect.Float64:
		return "float" + problemTypeSuffix, "Input should be a valid number"
	case reflect.Slice, reflect.Array:
		return "list" + problemTypeSuffix, "Input should be a valid list"
	case reflect.Map, reflect.Struct:
		return "dict" + problemTypeSuffix, "Input should be a valid dictionary"
	}
	return "type_error", "Input has the wrong type"
}
