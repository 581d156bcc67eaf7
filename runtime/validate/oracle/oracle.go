package oracle

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/chanxgo/chanx/internal/schemaerr"
	"github.com/chanxgo/chanx/runtime/validate"
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
		return nil, fmt.Errorf("oracle: compile schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("oracle: compile schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("oracle: compile schema: %w", err)
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
	return nil, fmt.Errorf("oracle: schema refers to %s: only the schema itself is available", url)
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
	v, err := validate.JSONValue(v)
	if err != nil {
		return []wire.Problem{{Type: wire.ProblemValueError, Loc: append([]any{}, loc...), Msg: wire.MsgValueError(err.Error())}}
	}
	err = s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []wire.Problem{{Type: wire.ProblemValueError, Loc: append([]any{}, loc...), Msg: wire.MsgValueError(err.Error())}}
	}
	leaves := schemaerr.Leaves(ve, schemaerr.UnionAsOne)
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
	v, err := validate.ParseJSON(frame)
	if err != nil {
		return &wire.ValidationError{Problems: []wire.Problem{{Type: wire.ProblemJSONInvalid, Loc: []any{}, Msg: wire.MsgJSONInvalid(err.Error())}}}
	}
	if ps := s.Validate(v); ps != nil {
		return &wire.ValidationError{Problems: ps}
	}
	return nil
}

// Valid reports whether v is valid, without building problems.
func (s *Schema) Valid(v any) bool {
	v, err := validate.JSONValue(v)
	if err != nil {
		return false
	}
	return s.s.Validate(v) == nil
}

// leafProblems turns one error into problems, typed and worded by the
// wire registry. A missing or forbidden member is reported at its own loc
// (["payload", "name"]), one problem each, as generated validators and
// Chanx error frames do.
func leafProblems(prefix []any, v any, l *jsonschema.ValidationError) []wire.Problem {
	at := instanceLoc(prefix, v, l.InstanceLocation)
	members := func(names []string, typ string, msg func(string) string) []wire.Problem {
		out := make([]wire.Problem, 0, len(names))
		for _, name := range names {
			out = append(out, wire.Problem{Type: typ, Loc: append(append([]any{}, at...), name), Msg: msg(name)})
		}
		return out
	}
	fixed := func(s string) func(string) string { return func(string) string { return s } }
	switch k := l.ErrorKind.(type) {
	case *kind.Required:
		return members(k.Missing, wire.ProblemMissing, fixed(wire.MsgMissing))
	case *kind.Dependency:
		return members(k.Missing, wire.ProblemDependency, fixed(wire.MsgDependency(k.Prop)))
	case *kind.DependentRequired:
		return members(k.Missing, wire.ProblemDependency, fixed(wire.MsgDependency(k.Prop)))
	case *kind.AdditionalProperties:
		return members(k.Properties, wire.ProblemExtraForbidden, fixed(wire.MsgExtraForbidden))
	}
	typ, msg := problemOf(l.ErrorKind, valueAt(v, l.InstanceLocation))
	return []wire.Problem{{Type: typ, Loc: at, Msg: msg}}
}

// valueAt is the value at the JSON pointer tokens inside v.
func valueAt(v any, tokens []string) any {
	for _, t := range tokens {
		switch x := v.(type) {
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		case map[string]any:
			v = x[t]
		default:
			return nil
		}
	}
	return v
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

// problemOf is the registry's type and message for one keyword's
// failure on the value v.
func problemOf(k jsonschema.ErrorKind, v any) (string, string) {
	length := func() int {
		switch x := v.(type) {
		case []any:
			return len(x)
		case map[string]any:
			return len(x)
		}
		return 0
	}
	switch k := k.(type) {
	case *kind.Type:
		return wire.TypeProblem(k.Want, "")
	case *kind.Enum:
		return wire.ProblemEnum, wire.MsgExpected(k.Want)
	case *kind.Const:
		return wire.ProblemLiteral, wire.MsgExpected([]any{k.Want})
	case *kind.MinLength:
		return wire.ProblemStringTooShort, wire.MsgStringTooShort(k.Want)
	case *kind.MaxLength:
		return wire.ProblemStringTooLong, wire.MsgStringTooLong(k.Want)
	case *kind.Pattern:
		return wire.ProblemPatternMismatch, wire.MsgPatternMismatch(k.Want)
	case *kind.Format:
		detail := "not a valid " + k.Want
		if k.Err != nil {
			detail = k.Err.Error()
		}
		return wire.FormatProblem(k.Want, detail)
	case *kind.Minimum:
		return wire.ProblemGreaterThanEqual, wire.MsgBound(wire.ProblemGreaterThanEqual, ratText(k.Want))
	case *kind.ExclusiveMinimum:
		return wire.ProblemGreaterThan, wire.MsgBound(wire.ProblemGreaterThan, ratText(k.Want))
	case *kind.Maximum:
		return wire.ProblemLessThanEqual, wire.MsgBound(wire.ProblemLessThanEqual, ratText(k.Want))
	case *kind.ExclusiveMaximum:
		return wire.ProblemLessThan, wire.MsgBound(wire.ProblemLessThan, ratText(k.Want))
	case *kind.MultipleOf:
		return wire.ProblemMultipleOf, wire.MsgMultipleOf(ratText(k.Want))
	case *kind.MinItems:
		return wire.ProblemTooShort, wire.MsgTooShort("List", k.Want, k.Got)
	case *kind.MinProperties:
		return wire.ProblemTooShort, wire.MsgTooShort("Dictionary", k.Want, k.Got)
	case *kind.MaxItems:
		return wire.ProblemTooLong, wire.MsgTooLong("List", k.Want, k.Got)
	case *kind.MaxProperties:
		return wire.ProblemTooLong, wire.MsgTooLong("Dictionary", k.Want, k.Got)
	case *kind.AdditionalItems:
		return wire.ProblemTooLong, wire.MsgTooLong("List", k.Count, length())
	case *kind.UniqueItems:
		return wire.ProblemUniqueItems, wire.MsgUniqueItems(k.Duplicates[0], k.Duplicates[1])
	case *kind.AnyOf:
		return wire.ProblemUnion, wire.MsgUnionAny
	case *kind.OneOf:
		if len(k.Subschemas) > 1 {
			return wire.ProblemUnion, wire.MsgUnionSeveral
		}
		return wire.ProblemUnion, wire.MsgUnionAny
	case *kind.Not:
		return wire.ProblemNot, wire.MsgNot
	case *kind.FalseSchema:
		return wire.ProblemFalseSchema, wire.MsgFalseSchema
	case *kind.Contains:
		return wire.ProblemContains, wire.MsgContains
	}
	return wire.ProblemValueError, wire.MsgValueError(k.LocalizedString(printer))
}

// ratText writes a schema's number bound as the schema would: 3, 0.5.
func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
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
