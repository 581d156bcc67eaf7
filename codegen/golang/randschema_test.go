package golang

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
)

// randomSchema builds a JSON Schema as a JSON value, biased toward what
// AsyncAPI payloads look like (typed objects, strings with bounds, enums,
// optional and nullable fields, tagged unions, allOf extensions), so that
// the typed code paths meet the oracle on many shapes.
type schemaGen struct {
	rng  *rand.Rand
	defs map[string]any
	n    int
}

func (g *schemaGen) schema(depth int) map[string]any {
	r := g.rng
	if depth > 3 {
		return g.scalar()
	}
	switch k := r.Intn(26); {
	case k >= 20:
		return g.exotic(depth)
	case k < 7:
		return g.object(depth)
	case k < 11:
		return g.scalar()
	case k < 13:
		return map[string]any{"type": "array", "items": g.schema(depth + 1), "maxItems": json.Number(fmt.Sprint(r.Intn(4) + 1)), "uniqueItems": r.Intn(3) == 0}
	case k < 14:
		return map[string]any{"anyOf": []any{g.schema(depth + 1), map[string]any{"type": "null"}}}
	case k < 15:
		return map[string]any{"type": []any{[]string{"string", "integer", "number", "boolean"}[r.Intn(4)], "null"}, "maximum": json.Number("5"), "maxLength": json.Number("3")}
	case k < 16:
		return g.union(depth)
	case k < 17:
		return map[string]any{"allOf": []any{g.object(depth + 1), g.object(depth + 1)}}
	case k < 18:
		name := fmt.Sprintf("Def%d", g.n)
		g.n++
		g.defs[name] = g.object(depth + 1)
		return map[string]any{"$ref": "#/definitions/" + name}
	case k < 19:
		return map[string]any{"type": "object", "additionalProperties": g.scalar(), "maxProperties": json.Number("2")}
	default:
		return map[string]any{"enum": []any{"a", json.Number("1"), nil, true}}
	}
}

// exotic mixes typed schemas with the keywords that force JSON values:
// not, if/then/else, tuples, contains, dependencies, patternProperties.
func (g *schemaGen) exotic(depth int) map[string]any {
	r := g.rng
	switch r.Intn(6) {
	case 0:
		o := g.object(depth + 1)
		o["not"] = map[string]any{"required": []any{"c"}}
		return o
	case 1:
		return map[string]any{"if": map[string]any{"type": "string"}, "then": map[string]any{"maxLength": json.Number("2")}, "else": g.schema(depth + 1)}
	case 2:
		return map[string]any{"type": "array", "items": []any{g.scalar(), g.scalar()}, "additionalItems": r.Intn(2) == 0}
	case 3:
		return map[string]any{"type": "array", "items": g.schema(depth + 1), "contains": g.scalar()}
	case 4:
		o := g.object(depth + 1)
		o["dependencies"] = map[string]any{"a": []any{"b"}}
		o["minProperties"] = json.Number("1")
		return o
	default:
		o := g.object(depth + 1)
		o["patternProperties"] = map[string]any{"^x": g.scalar()}
		return o
	}
}

func (g *schemaGen) scalar() map[string]any {
	r := g.rng
	switch r.Intn(6) {
	case 0:
		s := map[string]any{"type": "string", "minLength": json.Number(fmt.Sprint(r.Intn(2))), "maxLength": json.Number(fmt.Sprint(r.Intn(4) + 1))}
		if r.Intn(3) == 0 {
			s["pattern"] = "^[a-c]*$"
		}
		return s
	case 1:
		return map[string]any{"type": "string", "enum": []any{"a", "bb", "é"}}
	case 2:
		return map[string]any{"type": "integer", "minimum": json.Number("-2"), "exclusiveMaximum": json.Number("10"), "multipleOf": json.Number(fmt.Sprint(r.Intn(3) + 1))}
	case 3:
		return map[string]any{"type": "number", "maximum": json.Number("2.5"), "multipleOf": json.Number("0.5")}
	case 4:
		return map[string]any{"type": "boolean"}
	default:
		return map[string]any{"type": "string", "const": "fixed"}
	}
}

var propNames = []string{"a", "b", "c", "name", "count", "tags", "type", "id"}

func (g *schemaGen) object(depth int) map[string]any {
	r := g.rng
	props := map[string]any{}
	var required []any
	for i := r.Intn(4) + 1; i > 0; i-- {
		name := propNames[r.Intn(len(propNames))]
		props[name] = g.schema(depth + 1)
		if r.Intn(2) == 0 {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = dedupe(required)
	}
	switch r.Intn(4) {
	case 0:
		s["additionalProperties"] = false
	case 1:
		s["additionalProperties"] = true
	}
	return s
}

func (g *schemaGen) union(depth int) map[string]any {
	var variants []any
	for i, tag := range []string{"x", "y", "z"}[:g.rng.Intn(2)+2] {
		o := g.object(depth + 1)
		o["properties"].(map[string]any)["kind"] = map[string]any{"type": "string", "const": tag}
		if i%2 == 0 || g.rng.Intn(2) == 0 {
			o["required"] = dedupe(append(asList(o["required"]), "kind"))
		}
		variants = append(variants, o)
	}
	if g.rng.Intn(3) == 0 {
		return map[string]any{"anyOf": variants}
	}
	return map[string]any{"oneOf": variants}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func dedupe(l []any) []any {
	seen := map[any]bool{}
	var out []any
	for _, x := range l {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// instance builds a value that often satisfies schema s (defs resolves
// $refs), so that valid paths are exercised as well as invalid ones.
func (g *schemaGen) instance(s map[string]any, depth int) any {
	r := g.rng
	if ref, ok := s["$ref"].(string); ok {
		return g.instance(g.defs[ref[len("#/definitions/"):]].(map[string]any), depth)
	}
	if r.Intn(12) == 0 || depth > 6 {
		return []any{nil, "a", json.Number("1"), json.Number("2.5"), true, map[string]any{}, []any{}}[r.Intn(7)]
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if e, ok := s["enum"].([]any); ok {
		return e[r.Intn(len(e))]
	}
	if then, ok := s["then"].(map[string]any); ok && r.Intn(2) == 0 {
		return g.instance(then, depth+1)
	}
	if tuple, ok := s["items"].([]any); ok {
		var a []any
		for _, it := range tuple[:r.Intn(len(tuple)+1)] {
			a = append(a, g.instance(it.(map[string]any), depth+1))
		}
		if a == nil {
			a = []any{}
		}
		return a
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if l, ok := s[k].([]any); ok {
			if k == "allOf" {
				merged := map[string]any{}
				for _, m := range l {
					if o, ok := g.instance(m.(map[string]any), depth+1).(map[string]any); ok {
						for k, v := range o {
							merged[k] = v
						}
					}
				}
				return merged
			}
			return g.instance(l[r.Intn(len(l))].(map[string]any), depth+1)
		}
	}
	t := s["type"]
	if l, ok := t.([]any); ok {
		t = l[r.Intn(len(l))]
	}
	switch t {
	case "string":
		return []string{"", "a", "ab", "abc", "abcd", "é", "zz"}[r.Intn(7)]
	case "integer":
		return json.Number(fmt.Sprint(r.Intn(14) - 3))
	case "number":
		return []json.Number{"0", "0.5", "1", "2.5", "3", "1.25"}[r.Intn(6)]
	case "boolean":
		return r.Intn(2) == 0
	case "null":
		return nil
	case "array":
		items, _ := s["items"].(map[string]any)
		var a []any
		for i := r.Intn(4); i > 0 && items != nil; i-- {
			a = append(a, g.instance(items, depth+1))
		}
		if a == nil {
			a = []any{}
		}
		return a
	case "object":
		o := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for k := range props {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if r.Intn(4) > 0 {
				o[k] = g.instance(props[k].(map[string]any), depth+1)
			}
		}
		if pp, ok := s["patternProperties"].(map[string]any); ok && r.Intn(2) == 0 {
			o["xtra"] = g.instance(pp["^x"].(map[string]any), depth+1)
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok && r.Intn(2) == 0 {
			o["extra"] = g.instance(ap, depth+1)
		} else if r.Intn(8) == 0 {
			o["extra"] = json.Number("1")
		}
		return o
	}
	return nil
}
