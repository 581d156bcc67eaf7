package gen_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/conformance/gen"
	"github.com/chanxgo/chanx/conformance/match"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec/analyze"
)

func schema(t *testing.T, src string) *ir.Schema {
	t.Helper()
	s, err := analyze.SchemaFromJSON(context.Background(), "test.json", []byte(src))
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	return s
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A schema using most keywords generation knows about.
const rich = `{
  "type": "object",
  "required": ["name", "count", "kind"],
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "minLength": 2, "maxLength": 8},
    "count": {"type": "integer", "minimum": 1, "maximum": 10},
    "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    "kind": {"enum": ["a", "b", "c"]},
    "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"},
    "when": {"type": "string", "format": "date-time"},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3, "uniqueItems": true},
    "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    "child": {"$ref": "#"}
  }
}`

func TestValidValuesAreValidAndDeterministic(t *testing.T) {
	s := schema(t, rich)
	c, err := match.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	first := gen.New(42).Valid(s, nil, 40)
	again := gen.New(42).Valid(s, nil, 40)
	if diff := cmp.Diff(js(first), js(again)); diff != "" {
		t.Fatalf("the same seed gave different values (-first +again):\n%s", diff)
	}
	if other := gen.New(43).Valid(s, nil, 40); js(other) == js(first) {
		t.Error("another seed gave the same values")
	}
	valid, origins := 0, map[string]int{}
	for _, v := range first {
		origins[v.Origin]++
		if p := c.Validate(v.Value); p == nil {
			valid++
		} else {
			t.Logf("invalid %s value %s: %v", v.Origin, js(v.Value), p)
		}
	}
	if valid < len(first)*9/10 {
		t.Errorf("only %d of %d generated values are valid", valid, len(first))
	}
	for _, o := range []string{"baseline", "boundary", "random"} {
		if origins[o] == 0 {
			t.Errorf("no %s value among %v", o, origins)
		}
	}
	// Boundaries reach the edges of the constraints.
	all := js(first)
	for _, want := range []string{`"name":"xx"`, `"name":"yyyyyyyy"`, `"count":10`, `"kind":"c"`, `"note":null`, `"tags":[]`} {
		if !strings.Contains(all, want) {
			t.Errorf("no value has %s", want)
		}
	}
}

func TestExamplesComeFirst(t *testing.T) {
	s := schema(t, rich)
	ex := []gen.Value{{Value: map[string]any{"name": "ex"}, Origin: "example hello"}}
	got := gen.New(1).Valid(s, ex, 3)
	if got[0].Origin != "example hello" || got[1].Origin != "baseline" {
		t.Errorf("order %s, %s; want the example, then the baseline", got[0].Origin, got[1].Origin)
	}
}

func TestEveryMutationBreaksTheSchema(t *testing.T) {
	s := schema(t, rich)
	c, err := match.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	base := gen.New(1).Valid(s, nil, 1)[0].Value
	if p := c.Validate(base); p != nil {
		t.Fatalf("baseline %s is invalid: %v", js(base), p)
	}
	muts := gen.Invalid(s, base, []string{"kind"}, 100)
	kinds := map[string]bool{}
	for _, m := range muts {
		kinds[m.Keyword] = true
		if m.Path == "/kind" {
			t.Errorf("mutated the kept property: %s", m.Description)
		}
		if c.Validate(m.Value) == nil && m.Path != "/note" {
			t.Errorf("mutation %q (%s) left the value valid: %s", m.Description, m.Keyword, js(m.Value))
		}
	}
	for _, k := range []string{"type", "required", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "pattern", "format", "additionalProperties", "maxItems", "uniqueItems"} {
		if !kinds[k] {
			t.Errorf("no %s mutation among %v", k, kinds)
		}
	}
}

func TestShrinkFindsTheMinimalFailingValue(t *testing.T) {
	v := map[string]any{"action": "x", "payload": map[string]any{"message": "a long message", "name": "Ada", "n": json.Number("1234")}}
	// The "bug": any message longer than 3 characters fails.
	fails := func(x any) bool {
		p, _ := x.(map[string]any)["payload"].(map[string]any)
		m, _ := p["message"].(string)
		return len(m) > 3
	}
	got, calls := gen.Shrink(v, []string{"action"}, 1000, fails)
	want := `{"action":"x","payload":{"message":"aaaa"}}`
	if js(got) != want {
		t.Errorf("shrunk to %s, want %s (%d calls)", js(got), want, calls)
	}
	if _, calls := gen.Shrink(v, []string{"action"}, 3, fails); calls != 3 {
		t.Errorf("budget 3 made %d calls", calls)
	}
}

func TestPatternValues(t *testing.T) {
	s := schema(t, `{"type": "string", "pattern": "^(ab|cd)+[0-9]{2,4}x?$"}`)
	c, err := match.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range gen.New(5).Valid(s, nil, 10) {
		if p := c.Validate(v.Value); p != nil {
			t.Errorf("%s value %q does not match: %v", v.Origin, v.Value, p)
		}
	}
}

// TestSelfReferentialAllOfTerminates is the regression test for a stack
// overflow the fuzz target found: an allOf branch that is a $ref to the
// schema itself made merging recurse forever.
func TestSelfReferentialAllOfTerminates(t *testing.T) {
	for _, src := range []string{
		`{"allOf": [{"$ref": "#"}]}`,
		`{"type": "object", "properties": {"a": {"type": "string"}}, "allOf": [{"$ref": "#"}], "required": ["a"]}`,
	} {
		s := schema(t, src)
		vals := gen.New(1).Valid(s, nil, 4)
		if len(vals) == 0 {
			t.Errorf("%s: no value", src)
		}
		for _, v := range vals {
			gen.Invalid(s, v.Value, nil, 4)
		}
	}
}
