package match

import (
	"encoding/json"
	"fmt"

	"github.com/chanxgo/chanx/ir"
)

// Export renders s as a standalone draft-07 JSON Schema document. Schemas
// the ir shares between several places (a $ref target, a recursive schema)
// become definitions named s0, s1, … in the order first met, so the output
// is finite and deterministic. Keywords that do not constrain values
// (titles, descriptions, examples, defaults, extensions, discriminator) are
// left out.
func Export(s *ir.Schema) map[string]any {
	e := &exporter{seen: map[*ir.Schema]int{}, names: map[*ir.Schema]string{}, defs: map[string]any{}}
	e.count(s)
	root := e.schema(s)
	if len(e.defs) == 0 {
		if m, ok := root.(map[string]any); ok {
			return m
		}
		return map[string]any{"allOf": []any{root}}
	}
	// Siblings of $ref are ignored in draft-07, so the root refers to its
	// definition through allOf.
	return map[string]any{"definitions": e.defs, "allOf": []any{root}}
}

type exporter struct {
	seen  map[*ir.Schema]int
	names map[*ir.Schema]string
	defs  map[string]any
}

// count walks the graph once, counting how often each schema is reached;
// a schema reached twice is shared (or recursive) and gets a definition.
func (e *exporter) count(s *ir.Schema) {
	if s == nil {
		return
	}
	e.seen[s]++
	if e.seen[s] > 1 {
		if _, ok := e.names[s]; !ok {
			e.names[s] = fmt.Sprintf("s%d", len(e.names))
		}
		return
	}
	for _, c := range children(s) {
		e.count(c)
	}
}

func children(s *ir.Schema) []*ir.Schema {
	var out []*ir.Schema
	add := func(c ...*ir.Schema) {
		for _, x := range c {
			if x != nil {
				out = append(out, x)
			}
		}
	}
	add(s.Items, s.AdditionalItems, s.Contains, s.AdditionalProperties, s.PropertyNames, s.Not, s.If, s.Then, s.Else)
	add(s.TupleItems...)
	for _, p := range s.Properties {
		add(p.Schema)
	}
	for _, p := range s.PatternProperties {
		add(p.Schema)
	}
	for _, d := range s.Dependencies {
		add(d.Schema)
	}
	add(s.AllOf...)
	add(s.AnyOf...)
	add(s.OneOf...)
	return out
}

// schema returns the JSON form of s, or a $ref to its definition.
func (e *exporter) schema(s *ir.Schema) any {
	if s == nil {
		return true
	}
	if name, ok := e.names[s]; ok {
		if _, done := e.defs[name]; !done {
			e.defs[name] = true // placeholder: stops the recursion
			e.defs[name] = e.body(s)
		}
		return map[string]any{"$ref": "#/definitions/" + name}
	}
	return e.body(s)
}

func (e *exporter) body(s *ir.Schema) any {
	if s.Bool != nil {
		return *s.Bool
	}
	m := map[string]any{}
	switch len(s.Type) {
	case 0:
	case 1:
		m["type"] = s.Type[0]
	default:
		m["type"] = strs(s.Type)
	}
	if s.Format != "" {
		m["format"] = s.Format
	}
	if s.HasConst {
		m["const"] = s.Const
	}
	if s.Enum != nil {
		m["enum"] = s.Enum
	}
	num := func(k string, n *ir.Number) {
		if n != nil {
			m[k] = json.Number(*n)
		}
	}
	num("multipleOf", s.MultipleOf)
	num("minimum", s.Minimum)
	num("maximum", s.Maximum)
	num("exclusiveMinimum", s.ExclusiveMinimum)
	num("exclusiveMaximum", s.ExclusiveMaximum)
	cnt := func(k string, n *int) {
		if n != nil {
			m[k] = json.Number(fmt.Sprint(*n))
		}
	}
	cnt("minLength", s.MinLength)
	cnt("maxLength", s.MaxLength)
	cnt("minItems", s.MinItems)
	cnt("maxItems", s.MaxItems)
	cnt("minProperties", s.MinProperties)
	cnt("maxProperties", s.MaxProperties)
	if s.Pattern != "" {
		m["pattern"] = s.Pattern
	}
	if s.Items != nil {
		m["items"] = e.schema(s.Items)
	}
	if s.TupleItems != nil {
		m["items"] = e.list(s.TupleItems)
	}
	if s.AdditionalItems != nil {
		m["additionalItems"] = e.schema(s.AdditionalItems)
	}
	if s.UniqueItems {
		m["uniqueItems"] = true
	}
	if s.Contains != nil {
		m["contains"] = e.schema(s.Contains)
	}
	if s.Properties != nil {
		m["properties"] = e.named(s.Properties)
	}
	if s.Required != nil {
		m["required"] = strs(s.Required)
	}
	if s.AdditionalProperties != nil {
		m["additionalProperties"] = e.schema(s.AdditionalProperties)
	}
	if s.PatternProperties != nil {
		m["patternProperties"] = e.named(s.PatternProperties)
	}
	if s.PropertyNames != nil {
		m["propertyNames"] = e.schema(s.PropertyNames)
	}
	if s.Dependencies != nil {
		deps := map[string]any{}
		for _, d := range s.Dependencies {
			if d.Schema != nil {
				deps[d.Name] = e.schema(d.Schema)
			} else {
				deps[d.Name] = strs(d.Required)
			}
		}
		m["dependencies"] = deps
	}
	if s.AllOf != nil {
		m["allOf"] = e.list(s.AllOf)
	}
	if s.AnyOf != nil {
		m["anyOf"] = e.list(s.AnyOf)
	}
	if s.OneOf != nil {
		m["oneOf"] = e.list(s.OneOf)
	}
	if s.Not != nil {
		m["not"] = e.schema(s.Not)
	}
	if s.If != nil {
		m["if"] = e.schema(s.If)
		if s.Then != nil {
			m["then"] = e.schema(s.Then)
		}
		if s.Else != nil {
			m["else"] = e.schema(s.Else)
		}
	}
	return m
}

func (e *exporter) list(ss []*ir.Schema) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = e.schema(s)
	}
	return out
}

func (e *exporter) named(ps []*ir.Property) map[string]any {
	out := make(map[string]any, len(ps))
	for _, p := range ps {
		out[p.Name] = e.schema(p.Schema)
	}
	return out
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
