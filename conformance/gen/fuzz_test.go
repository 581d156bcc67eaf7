package gen_test

import (
	"context"
	"testing"

	"github.com/chanxgo/chanx/conformance/gen"
	"github.com/chanxgo/chanx/conformance/match"
	"github.com/chanxgo/chanx/spec/analyze"
)

// FuzzGenerate feeds arbitrary schemas to the generator, the mutator and
// the shrinker: documents come from anywhere, and none may panic or hang
// the tester.
func FuzzGenerate(f *testing.F) {
	for _, seed := range []string{
		rich,
		`{"type": "string", "pattern": "^(a|b)*[^x-z]{2,}$", "minLength": 3}`,
		`{"oneOf": [{"type": "integer", "multipleOf": 7, "exclusiveMaximum": 3}, {"type": "null"}]}`,
		`{"type": "array", "items": [{"const": 1}, {"enum": [true, null]}], "additionalItems": false, "minItems": 2}`,
		`{"allOf": [{"$ref": "#/definitions/a"}], "definitions": {"a": {"properties": {"a": {"$ref": "#/definitions/a"}}, "required": ["a"]}}}`,
		`{"not": {"type": "object"}, "minProperties": 2}`,
		`false`,
	} {
		f.Add([]byte(seed), uint64(1))
	}
	f.Fuzz(func(t *testing.T, src []byte, seed uint64) {
		s, err := analyze.SchemaFromJSON(context.Background(), "fuzz.json", src)
		if err != nil || s == nil {
			return
		}
		c, err := match.Compile(s)
		if err != nil {
			return
		}
		for _, v := range gen.New(seed).Valid(s, nil, 8) {
			_ = c.Validate(v.Value)
			for _, m := range gen.Invalid(s, v.Value, nil, 8) {
				_ = c.Validate(m.Value)
			}
			gen.Shrink(v.Value, nil, 32, func(any) bool { return true })
		}
	})
}
