package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/chanxgo/chanx/runtime/wire"
)

// Schema is a JSON Schema (draft-07) compiled once, for validating values
// at run time where no generated code exists. It is safe for concurrent use.
type Schema struct {
	s *jsonschema.Schema
}

// schemaURL is the address a compiled schema is registered under; nothing
// is ever fetched from it.
const schemaURL = "chanx:///schema.json"

var printer = message.NewPrinter(language.English)

// Compile compiles a draft-07 JSON Schema given as JSON. Only the schema
// itself is available: a $ref to any other document fails, nothing is
// fetched. Formats are asserted, as draft-07 does by default.
func Compile(schemaJSON []byte) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("validate: compile schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("validate: compile schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("validate: compile schema: %w", err)
	}
	return &Schema{s: s}, nil
}

// MustCompile is Compile for schemas embedded by generated code, which
// chanx checked when it generated them; it panics on a bad schema.
func MustCompile(schemaJSON []byte) *Schema {
	s, err := Compile(schemaJSON)
	if err != nil {
		panic(err)
	}
	return s
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("validate: schema refers to %s: only the schema itself is available", url)
}

// Validate checks v, a JSON value (map[string]any, []any, string, bool,
// nil, json.Number, float64 or another number type), and returns every
// problem found, sorted by loc, or nil when v is valid. Any other Go value
// (a struct, a typed slice) is first converted through encoding/json.
func (s *Schema) Validate(v any) []wire.Problem {
	return s.ValidateAt(nil, v)
}

// ValidateAt is Validate for a value found at loc inside a larger frame:
// every problem's Loc starts with loc.
func (s *Schema) ValidateAt(loc []any, v any) []wire.Problem {
	v, err := JSONValue(v)
	if err != nil {
		return []wire.Problem{{Type: "value_error", Loc: append([]any{}, loc...), Msg: err.Error()}}
	}
	err = s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []wire.Problem{{Type: "value_error", Loc: append([]any{}, loc...), Msg: err.Error()}}
	}
	var leaves []*jsonschema.ValidationError
	collectLeaves(ve, &leaves)
	out := make([]wire.Problem, 0, len(leaves))
	seen := map[string]bool{}
	for _, l := range leaves {
		for _, p := range leafProblems(loc, v, l) {
			key := wire.LocString(p.Loc) + "\x00" + p.Type + "\x00" + p.Msg
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, p)
		}
	}
	sortProblems(out)
	return out
}

// ValidateFrame decodes a raw frame (numbers kept exact) and validates it:
// nil, or a *wire.ValidationError holding every problem. Its signature is
// the one runtime/server's ValidateWith takes, so a server falls back to
// the oracle with server.ValidateWith(schema.ValidateFrame).
func (s *Schema) ValidateFrame(frame []byte) error {
	v, err := decodeJSON(frame)
	if err != nil {
		return &wire.ValidationError{Problems: []wire.Problem{{Type: wire.ProblemJSONInvalid, Loc: []any{}, Msg: "Invalid JSON: " + err.Error()}}}
	}
	if ps := s.Validate(v); ps != nil {
		return &wire.ValidationError{Problems: ps}
	}
	return nil
}

// Valid reports whether v is valid, without building problems.
func (s *Schema) Valid(v any) bool {
	v, err := JSONValue(v)
	if err != nil {
		return false
	}
	return s.s.Validate(v) == nil
}

// collectLeaves gathers the errors that say what is wrong, skipping the
// grouping nodes (schema, $ref, allOf) that only say where.
func collectLeaves(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		*out = append(*out, e)
		return
	}
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf, *kind.Contains:
		// A union (or contains) that failed is one problem at its own
		// place: listing every branch's (item's) complaints would blame the
		// client for each alternative.
		*out = append(*out, e)
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, out)
	}
}

// leafProblems turns one error into problems. A missing or forbidden
// member is reported at its own loc (["payload", "name"]), one problem
// each, as generated validators and Chanx error frames do.
func leafProblems(prefix []any, v any, l *jsonschema.ValidationError) []wire.Problem {
	at := instanceLoc(prefix, v, l.InstanceLocation)
	member := func(name, typ, msg string) wire.Problem {
		return wire.Problem{Type: typ, Loc: append(append([]any{}, at...), name), Msg: msg}
	}
	switch k := l.ErrorKind.(type) {
	case *kind.Required:
		out := make([]wire.Problem, 0, len(k.Missing))
		for _, name := range k.Missing {
			out = append(out, member(name, TypeMissing, "field required"))
		}
		return out
	case *kind.Dependency:
		out := make([]wire.Problem, 0, len(k.Missing))
		for _, name := range k.Missing {
			out = append(out, member(name, TypeDependency, "field required when "+k.Prop+" is present"))
		}
		return out
	case *kind.AdditionalProperties:
		out := make([]wire.Problem, 0, len(k.Properties))
		for _, name := range k.Properties {
			out = append(out, member(name, TypeExtra, "extra fields not permitted"))
		}
		return out
	}
	return []wire.Problem{{Type: problemType(l.ErrorKind), Loc: at, Msg: l.ErrorKind.LocalizedString(printer)}}
}

// instanceLoc turns a JSON pointer's tokens into a loc, with ints for array
// indexes, by walking v alongside.
func instanceLoc(prefix []any, v any, tokens []string) []any {
	loc := make([]any, 0, len(prefix)+len(tokens))
	loc = append(loc, prefix...)
	for _, t := range tokens {
		switch x := v.(type) {
		case []any:
			if i, err := strconv.Atoi(t); err == nil && i >= 0 && i < len(x) {
				loc = append(loc, i)
				v = x[i]
				continue
			}
			loc = append(loc, t)
			v = nil
		case map[string]any:
			loc = append(loc, t)
			v = x[t]
		default:
			loc = append(loc, t)
			v = nil
		}
	}
	return loc
}

func problemType(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Required:
		return TypeMissing
	case *kind.Type:
		return TypeType
	case *kind.Enum:
		return TypeEnum
	case *kind.Const:
		return TypeConst
	case *kind.MinLength:
		return TypeStringTooShort
	case *kind.MaxLength:
		return TypeStringTooLong
	case *kind.Pattern:
		return TypePattern
	case *kind.Format:
		return TypeFormat
	case *kind.Minimum:
		return TypeGreaterEqual
	case *kind.ExclusiveMinimum:
		return TypeGreater
	case *kind.Maximum:
		return TypeLessEqual
	case *kind.ExclusiveMaximum:
		return TypeLess
	case *kind.MultipleOf:
		return TypeMultipleOf
	case *kind.MinItems, *kind.MinProperties:
		return TypeTooShort
	case *kind.MaxItems, *kind.MaxProperties:
		return TypeTooLong
	case *kind.UniqueItems:
		return TypeUnique
	case *kind.AdditionalProperties, *kind.AdditionalItems:
		return TypeExtra
	case *kind.AnyOf, *kind.OneOf:
		return TypeUnion
	case *kind.Not:
		return TypeNot
	case *kind.FalseSchema:
		return TypeFalse
	case *kind.Dependency, *kind.DependentRequired:
		return TypeDependency
	case *kind.Contains:
		return TypeContains
	default:
		_ = k
		return TypeValue
	}
}

func sortProblems(ps []wire.Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		return compareLoc(ps[i].Loc, ps[j].Loc) < 0
	})
}

func compareLoc(a, b []any) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(fmt.Sprint(a[i]), fmt.Sprint(b[i])); c != 0 {
			ai, aok := a[i].(int)
			bi, bok := b[i].(int)
			if aok && bok {
				if ai < bi {
					return -1
				}
				return 1
			}
			return c
		}
	}
	return len(a) - len(b)
}

// JSONValue returns v as a JSON value the oracle accepts. Values that
// already are one come back unchanged; anything else goes through
// encoding/json, numbers kept exact as json.Number.
func JSONValue(v any) (any, error) {
	if isJSONValue(v, 0) {
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("validate: convert %T to JSON: %w", v, err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("validate: convert %T to JSON: %w", v, err)
	}
	return out, nil
}

func isJSONValue(v any, depth int) bool {
	if depth > 10000 {
		return false
	}
	switch x := v.(type) {
	case nil, string, bool, json.Number, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case map[string]any:
		for _, e := range x {
			if !isJSONValue(e, depth+1) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !isJSONValue(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
