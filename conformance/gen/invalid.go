package gen

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/ir"
)

// Mutation is an invalid variant of a valid value: one constraint broken
// in one place.
type Mutation struct {
	Value any
	// Path is the JSON pointer of the changed value.
	Path string
	// Keyword is the constraint broken: type, required, minLength,
	// maximum, enum, const, pattern, format, additionalProperties, …
	Keyword string
	// Description says what was done, for reports.
	Description string
}

// Invalid returns mutations of valid (a valid value of s), at most n,
// in schema order. Top-level properties named in keep are left alone: the
// conformance tester keeps the discriminator so that a mutated frame is
// still recognisably the same message.
func Invalid(s *ir.Schema, valid any, keep []string, n int) []Mutation {
	m := &mutator{keep: keep}
	m.walk(s, valid, nil, func(v any) any { return v }, 0)
	if len(m.out) > n {
		m.out = m.out[:n]
	}
	return m.out
}

type mutator struct {
	keep []string
	out  []Mutation
	seen map[string]bool
}

// walk records the mutations of v (whose schema is s, at path) — put
// rebuilds the whole value with v replaced.
func (m *mutator) walk(s *ir.Schema, v any, path []string, put func(any) any, depth int) {
	if s == nil || depth > maxDepth+2 {
		return
	}
	if s.Bool != nil {
		return
	}
	ptr := jsonptr.Format(path)
	add := func(nv any, kw, desc string) {
		whole := put(nv)
		k := ptr + "\x00" + key(whole)
		if m.seen == nil {
			m.seen = map[string]bool{}
		}
		if m.seen[k] {
			return
		}
		m.seen[k] = true
		m.out = append(m.out, Mutation{Value: whole, Path: ptr, Keyword: kw, Description: desc})
	}
	at := ptr
	if at == "" {
		at = "/"
	}

	// Type.
	if len(s.Type) > 0 {
		for _, w := range wrongTypes(s.Type, 2) {
			add(w.v, "type", fmt.Sprintf("a %s at %s instead of %s", w.t, at, strings.Join(s.Type, "|")))
		}
		if hasOnly(s.Type, "integer") {
			if _, ok := v.(json.Number); ok {
				add(json.Number("1.5"), "type", fmt.Sprintf("a fraction at %s instead of an integer", at))
			}
		}
	}
	// Const and enum.
	if s.HasConst {
		add(notEqual(s.Const), "const", fmt.Sprintf("a value other than the const at %s", at))
	}
	if len(s.Enum) > 0 {
		add(notIn(s.Enum), "enum", fmt.Sprintf("a value outside the enum at %s", at))
	}
	switch tv := v.(type) {
	case string:
		if s.MinLength != nil && *s.MinLength > 0 {
			add(fitRunes(tv, *s.MinLength-1), "minLength", fmt.Sprintf("a string of %d characters at %s (minLength %d)", *s.MinLength-1, at, *s.MinLength))
		}
		if s.MaxLength != nil && *s.MaxLength < 1<<16 {
			add(fitRunes(tv, *s.MaxLength+1), "maxLength", fmt.Sprintf("a string of %d characters at %s (maxLength %d)", *s.MaxLength+1, at, *s.MaxLength))
		}
		if s.Pattern != "" {
			if re, err := regexp.Compile(s.Pattern); err == nil {
				for _, c := range []string{"", "!", " ", "~~", "chanx conformance \u2603", "\n"} {
					if !re.MatchString(c) {
						add(c, "pattern", fmt.Sprintf("%q at %s, which does not match %s", c, at, s.Pattern))
						break
					}
				}
			}
		}
		if _, ok := formatSamples[s.Format]; ok && s.Format != "regex" {
			add("not a "+s.Format, "format", fmt.Sprintf("a string that is not a %s at %s", s.Format, at))
		}
	case json.Number:
		f, _ := strconv.ParseFloat(string(tv), 64)
		integer := hasOnly(s.Type, "integer")
		if s.Minimum != nil {
			add(format(num(*s.Minimum)-1, integer), "minimum", fmt.Sprintf("a number below the minimum at %s", at))
		}
		if s.ExclusiveMinimum != nil {
			add(json.Number(*s.ExclusiveMinimum), "exclusiveMinimum", fmt.Sprintf("the exclusive minimum itself at %s", at))
		}
		if s.Maximum != nil {
			add(format(num(*s.Maximum)+1, integer), "maximum", fmt.Sprintf("a number above the maximum at %s", at))
		}
		if s.ExclusiveMaximum != nil {
			add(json.Number(*s.ExclusiveMaximum), "exclusiveMaximum", fmt.Sprintf("the exclusive maximum itself at %s", at))
		}
		if s.MultipleOf != nil {
			mo := num(*s.MultipleOf)
			nv := f + mo/2
			if math.Mod(nv, mo) == 0 {
				nv = f + 1
			}
			add(format(nv, false), "multipleOf", fmt.Sprintf("a number that is not a multiple of %s at %s", *s.MultipleOf, at))
		}
	case []any:
		if s.MinItems != nil && *s.MinItems > 0 && len(tv) >= *s.MinItems {
			add(append([]any{}, tv[:*s.MinItems-1]...), "minItems", fmt.Sprintf("%d items at %s (minItems %d)", *s.MinItems-1, at, *s.MinItems))
		}
		if s.MaxItems != nil && *s.MaxItems < 256 && len(tv) > 0 {
			nv := append([]any{}, tv...)
			for len(nv) <= *s.MaxItems {
				nv = append(nv, tv[0])
			}
			add(nv, "maxItems", fmt.Sprintf("%d items at %s (maxItems %d)", len(nv), at, *s.MaxItems))
		}
		if s.UniqueItems && len(tv) > 0 {
			add(append(append([]any{}, tv...), tv[0]), "uniqueItems", fmt.Sprintf("a repeated item at %s", at))
		}
		for i, item := range tv {
			is := s.Items
			if i < len(s.TupleItems) {
				is = s.TupleItems[i]
			}
			i := i
			m.walk(is, item, append(path, strconv.Itoa(i)), func(x any) any {
				nv := append([]any{}, tv...)
				nv[i] = x
				return put(nv)
			}, depth+1)
			if i >= 1 {
				break // the first two items stand for the rest
			}
		}
	case map[string]any:
		for _, r := range s.Required {
			if depth == 0 && contains(m.keep, r) {
				continue
			}
			if _, ok := tv[r]; ok {
				nv := clone(tv)
				delete(nv, r)
				add(nv, "required", fmt.Sprintf("without the required property %s", jsonptr.Format(append(path, r))))
			}
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.Bool != nil && !*s.AdditionalProperties.Bool {
			nv := clone(tv)
			nv["chanx_unexpected"] = true
			add(nv, "additionalProperties", fmt.Sprintf("an undeclared property %s", jsonptr.Format(append(path, "chanx_unexpected"))))
		}
		for _, p := range s.Properties {
			if depth == 0 && contains(m.keep, p.Name) {
				continue
			}
			pv, ok := tv[p.Name]
			if !ok {
				continue
			}
			name := p.Name
			m.walk(p.Schema, pv, append(path, name), func(x any) any {
				nv := clone(tv)
				nv[name] = x
				return put(nv)
			}, depth+1)
		}
	}
	for _, a := range s.AllOf {
		m.walk(a, v, path, put, depth+1)
	}
	// For anyOf/oneOf (the nullable Pydantic optional), mutate inside the
	// branches whose type fits the value; the caller drops mutations that
	// another branch still accepts.
	for _, a := range alternatives(s) {
		if a != nil && fits(a, v) {
			m.walk(a, v, path, put, depth+1)
		}
	}
}

// fits reports whether v's JSON type is one a allows (or a names none).
func fits(a *ir.Schema, v any) bool {
	t := typeOf(a)
	if t == "" {
		return true
	}
	switch v.(type) {
	case map[string]any:
		return t == "object"
	case []any:
		return t == "array"
	case string:
		return t == "string"
	case json.Number:
		return t == "number" || t == "integer"
	case bool:
		return t == "boolean"
	case nil:
		return t == "null"
	}
	return false
}

// wrongTypes returns up to n values of JSON types none of types allows,
// a scalar first.
func wrongTypes(types []string, n int) []typedValue {
	allowed := map[string]bool{}
	for _, t := range types {
		allowed[t] = true
	}
	var out []typedValue
	for _, c := range []typedValue{{"string", "chanx"}, {"integer", json.Number("42")}, {"object", map[string]any{}}, {"boolean", true}, {"array", []any{}}, {"null", nil}} {
		if len(out) == n {
			break
		}
		if !allowed[c.t] && !(c.t == "integer" && allowed["number"]) {
			out = append(out, c)
		}
	}
	return out
}

type typedValue struct {
	t string
	v any
}

func hasOnly(types []string, t string) bool {
	return len(types) == 1 && types[0] == t
}

func notEqual(c any) any {
	if s, ok := c.(string); ok {
		return "not_" + s
	}
	if c == nil {
		return "chanx"
	}
	return nil
}

func notIn(enum []any) any {
	seen := map[string]bool{}
	for _, e := range enum {
		seen[key(e)] = true
	}
	for _, c := range []any{"chanx_not_in_enum", json.Number("987654321"), nil, false} {
		if !seen[key(c)] {
			return c
		}
	}
	return map[string]any{}
}

func fitRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	for len(r) < n {
		r = append(r, 'z')
	}
	return string(r)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
