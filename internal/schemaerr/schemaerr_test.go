package schemaerr

import (
	"errors"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

func validationError(t *testing.T, schema, instance string) *jsonschema.ValidationError {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem:///s.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mem:///s.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(instance))
	if err != nil {
		t.Fatal(err)
	}
	var ve *jsonschema.ValidationError
	if !errors.As(s.Validate(v), &ve) {
		t.Fatalf("%s is valid", instance)
	}
	return ve
}

func kinds(leaves []*jsonschema.ValidationError) []string {
	var out []string
	for _, l := range leaves {
		if !Grouping(l) {
			out = append(out, l.ErrorKind.KeywordPath()[0])
		}
	}
	return out
}

// TestLeaves: without a hook every alternative of a failed anyOf is a
// leaf; UnionAsOne reports the union once, next to the other leaves.
func TestLeaves(t *testing.T) {
	ve := validationError(t, `{"required": ["a"], "properties": {"b": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}`, `{"b": true}`)
	if got := strings.Join(kinds(Leaves(ve, nil)), " "); got != "required type type" {
		t.Errorf("all leaves: %s", got)
	}
	if got := strings.Join(kinds(Leaves(ve, UnionAsOne)), " "); got != "required anyOf" {
		t.Errorf("union as one: %s", got)
	}
	seen := 0
	Leaves(ve, func(e *jsonschema.ValidationError) ([]*jsonschema.ValidationError, bool) {
		if _, ok := e.ErrorKind.(*kind.AnyOf); ok {
			seen++
			return nil, true // the union reports nothing
		}
		return nil, false
	})
	if seen != 1 {
		t.Errorf("the hook saw the union %d times", seen)
	}
}
