package gen

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// maxDepth bounds how deep generation follows optional structure; past it
// only required properties and minimal arrays are built, which keeps
// recursive schemas finite.
const maxDepth = 5

// hardDepth is where generation gives up on a schema whose required
// properties recurse forever.
const hardDepth = 24

// Generator produces values for schemas from one seeded random source.
type Generator struct {
	r *rand.Rand
}

// New returns a generator whose output is fixed by seed.
func New(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, 0x636861_6e78))}
}

// Value is one generated value and where it came from.
type Value struct {
	Value any
	// Origin says how the value was made: "example hello", "baseline",
	// "boundary", "random".
	Origin string
}

// Valid returns up to n distinct values for s: examples (the document's
// message examples, passed in) first, then the baseline, boundary values
// and random ones.
func (g *Generator) Valid(s *ir.Schema, examples []Value, n int) []Value {
	var out []Value
	seen := map[string]bool{}
	add := func(v any, origin string) bool {
		if len(out) >= n {
			return false
		}
		k := key(v)
		if seen[k] {
			return true
		}
		seen[k] = true
		out = append(out, Value{Value: v, Origin: origin})
		return true
	}
	for _, e := range examples {
		if !add(e.Value, e.Origin) {
			return out
		}
	}
	base, ok := g.base(s, 0)
	if !ok {
		return out
	}
	if !add(base, "baseline") {
		return out
	}
	// Boundaries first but leave a quarter of the room to random values;
	// boundaries that did not fit fill what random values leave.
	bounds := g.boundaries(s, 0)
	room := n - n/4
	i := 0
	for ; i < len(bounds) && len(out) < room; i++ {
		add(bounds[i], "boundary")
	}
	// Random values may repeat for small schemas; give up after a while.
	for tries := 0; len(out) < n && tries < 4*n; tries++ {
		if v, ok := g.random(s, 0); ok {
			add(v, "random")
		}
	}
	for ; i < len(bounds) && len(out) < n; i++ {
		add(bounds[i], "boundary")
	}
	return out
}

// Key is the canonical JSON of v, used to deduplicate values.
func key(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// flatten merges allOf branches into one schema so that generation sees
// every property and constraint at once. Only the first value of a
// constraint is kept; conflicting branches are left for the validator to
// reject.
func flatten(s *ir.Schema) *ir.Schema {
	return flattenSeen(s, nil)
}

// flattenSeen is flatten, skipping branches already being merged: an
// allOf that refers back to its own schema adds nothing.
func flattenSeen(s *ir.Schema, stack []*ir.Schema) *ir.Schema {
	if s == nil || len(s.AllOf) == 0 {
		return s
	}
	stack = append(stack, s)
	out := *s
	out.AllOf = nil
	out.Properties = append([]*ir.Property(nil), s.Properties...)
	out.Required = append([]string(nil), s.Required...)
	for _, a := range s.AllOf {
		if slices.Contains(stack, a) {
			continue
		}
		a = flattenSeen(a, stack)
		if a == nil || a.Bool != nil {
			continue
		}
		if len(out.Type) == 0 {
			out.Type = a.Type
		}
		if !out.HasConst && a.HasConst {
			out.Const, out.HasConst = a.Const, true
		}
		if out.Enum == nil {
			out.Enum = a.Enum
		}
		for _, p := range a.Properties {
			if out.Property(p.Name) == nil {
				out.Properties = append(out.Properties, p)
			}
		}
		for _, r := range a.Required {
			if !out.IsRequired(r) {
				out.Required = append(out.Required, r)
			}
		}
		if out.AdditionalProperties == nil {
			out.AdditionalProperties = a.AdditionalProperties
		}
		if out.Items == nil {
			out.Items = a.Items
		}
		if out.Format == "" {
			out.Format = a.Format
		}
		if out.Pattern == "" {
			out.Pattern = a.Pattern
		}
		firstInt(&out.MinLength, a.MinLength)
		firstInt(&out.MaxLength, a.MaxLength)
		firstInt(&out.MinItems, a.MinItems)
		firstInt(&out.MaxItems, a.MaxItems)
		firstNum(&out.Minimum, a.Minimum)
		firstNum(&out.Maximum, a.Maximum)
		firstNum(&out.ExclusiveMinimum, a.ExclusiveMinimum)
		firstNum(&out.ExclusiveMaximum, a.ExclusiveMaximum)
		firstNum(&out.MultipleOf, a.MultipleOf)
		if out.AnyOf == nil {
			out.AnyOf = a.AnyOf
		}
		if out.OneOf == nil {
			out.OneOf = a.OneOf
		}
	}
	return &out
}

func firstInt(dst **int, v *int) {
	if *dst == nil {
		*dst = v
	}
}

func firstNum(dst **ir.Number, v *ir.Number) {
	if *dst == nil {
		*dst = v
	}
}

// typeOf picks the JSON type to generate for s: its first declared type,
// else one inferred from the keywords it uses; "" means anything goes.
func typeOf(s *ir.Schema) string {
	if len(s.Type) > 0 {
		// Prefer a non-null type: null is a boundary, not a baseline.
		for _, t := range s.Type {
			if t != "null" {
				return t
			}
		}
		return s.Type[0]
	}
	switch {
	case s.Properties != nil || s.Required != nil || s.AdditionalProperties != nil:
		return "object"
	case s.Items != nil || s.TupleItems != nil || s.MinItems != nil || s.MaxItems != nil:
		return "array"
	case s.MinLength != nil || s.MaxLength != nil || s.Pattern != "" || s.Format != "":
		return "string"
	case s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil || s.MultipleOf != nil:
		return "number"
	}
	return ""
}

// base builds the deterministic baseline value of s; ok is false when s
// admits no value (false, or required recursion without end).
func (g *Generator) base(s *ir.Schema, depth int) (any, bool) {
	if s == nil {
		return nil, true
	}
	if depth > hardDepth {
		return nil, false
	}
	if s.Bool != nil {
		return nil, *s.Bool
	}
	s = flatten(s)
	switch {
	case s.HasConst:
		return s.Const, true
	case len(s.Enum) > 0:
		return s.Enum[0], true
	case len(s.Examples) > 0:
		return s.Examples[0], true
	}
	if alts := alternatives(s); len(alts) > 0 && typeOf(s) == "" {
		for _, a := range preferNonNull(alts) {
			if v, ok := g.base(a, depth+1); ok {
				return v, true
			}
		}
		return nil, false
	}
	switch typeOf(s) {
	case "object":
		return g.object(s, depth, false)
	case "array":
		n := 1
		if s.MinItems != nil && *s.MinItems > n {
			n = *s.MinItems
		}
		if s.MaxItems != nil && *s.MaxItems < n {
			n = *s.MaxItems
		}
		if depth >= maxDepth && (s.MinItems == nil || *s.MinItems == 0) {
			n = 0
		}
		return g.array(s, n, depth, false)
	case "string":
		return g.baseString(s), true
	case "integer":
		return g.number(s, true, false), true
	case "number":
		return g.number(s, false, false), true
	case "boolean":
		return true, true
	case "null":
		return nil, true
	}
	if s.HasDefault {
		return s.Default, true
	}
	return nil, true
}

func alternatives(s *ir.Schema) []*ir.Schema {
	if s.OneOf != nil {
		return s.OneOf
	}
	return s.AnyOf
}

// preferNonNull orders branches so that a null branch (the Pydantic way of
// writing an optional field) comes last.
func preferNonNull(alts []*ir.Schema) []*ir.Schema {
	var out, nulls []*ir.Schema
	for _, a := range alts {
		if a != nil && len(a.Type) == 1 && a.Type[0] == "null" {
			nulls = append(nulls, a)
			continue
		}
		out = append(out, a)
	}
	return append(out, nulls...)
}

// object builds an object with every property (or only the required ones
// past maxDepth); random picks optional properties by coin toss.
func (g *Generator) object(s *ir.Schema, depth int, random bool) (any, bool) {
	m := map[string]any{}
	for _, p := range s.Properties {
		req := s.IsRequired(p.Name)
		if !req {
			if depth >= maxDepth || p.Schema != nil && p.Schema.ReadOnly {
				continue
			}
			if random && g.r.IntN(2) == 0 {
				continue
			}
		}
		var v any
		var ok bool
		if random {
			v, ok = g.random(p.Schema, depth+1)
		} else {
			v, ok = g.base(p.Schema, depth+1)
		}
		if !ok {
			if req {
				return nil, false
			}
			continue
		}
		m[p.Name] = v
	}
	for _, r := range s.Required {
		if _, ok := m[r]; !ok && s.Property(r) == nil {
			m[r] = "chanx"
		}
	}
	if s.MinProperties != nil {
		for i := 0; len(m) < *s.MinProperties && i < 64; i++ {
			v, _ := g.base(s.AdditionalProperties, depth+1)
			m["p"+strconv.Itoa(i)] = v
		}
	}
	return m, true
}

func (g *Generator) array(s *ir.Schema, n, depth int, random bool) (any, bool) {
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		item := s.Items
		if i < len(s.TupleItems) {
			item = s.TupleItems[i]
		} else if s.TupleItems != nil {
			item = s.AdditionalItems
		}
		var v any
		var ok bool
		if random || (s.UniqueItems && i > 0) {
			v, ok = g.random(item, depth+1)
		} else {
			v, ok = g.base(item, depth+1)
		}
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

var formatSamples = map[string]string{
	"date-time":     "2024-01-02T03:04:05Z",
	"date":          "2024-01-02",
	"time":          "03:04:05Z",
	"duration":      "P1D",
	"email":         "ada@example.com",
	"idn-email":     "ada@example.com",
	"hostname":      "example.com",
	"idn-hostname":  "example.com",
	"ipv4":          "192.0.2.1",
	"ipv6":          "2001:db8::1",
	"uri":           "https://example.com/a",
	"uri-reference": "/a",
	"iri":           "https://example.com/a",
	"iri-reference": "/a",
	"uri-template":  "/a/{b}",
	"uuid":          "123e4567-e89b-12d3-a456-426614174000",
	"regex":         "^a+$",
	"json-pointer":  "/a/b",
	"byte":          "Y2hhbng=",
}

func (g *Generator) baseString(s *ir.Schema) string {
	if f, ok := formatSamples[s.Format]; ok {
		return f
	}
	if s.Pattern != "" {
		if v, ok := fromPattern(s.Pattern, nil); ok {
			return v
		}
	}
	return fit("chanx", s)
}

// fit pads or cuts v to s's length bounds.
func fit(v string, s *ir.Schema) string {
	r := []rune(v)
	if s.MaxLength != nil && len(r) > *s.MaxLength {
		r = r[:*s.MaxLength]
	}
	if s.MinLength != nil {
		for len(r) < *s.MinLength {
			r = append(r, 'x')
		}
	}
	return string(r)
}

// bounds returns the inclusive range a number of s may take, with ±limit
// standing in for an absent bound.
func bounds(s *ir.Schema, integer bool, limit float64) (lo, hi float64) {
	lo, hi = -limit, limit
	step := 1e-6
	if integer {
		step = 1
	}
	if s.Minimum != nil {
		lo = num(*s.Minimum)
	}
	if s.ExclusiveMinimum != nil {
		lo = math.Max(lo, num(*s.ExclusiveMinimum)+step)
	}
	if s.Maximum != nil {
		hi = num(*s.Maximum)
	}
	if s.ExclusiveMaximum != nil {
		hi = math.Min(hi, num(*s.ExclusiveMaximum)-step)
	}
	if integer {
		lo, hi = math.Ceil(lo), math.Floor(hi)
	}
	return lo, hi
}

func num(n ir.Number) float64 {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0
	}
	return f
}

// number returns 0 (or the in-range value closest to it) for the
// baseline, a random in-range value otherwise.
func (g *Generator) number(s *ir.Schema, integer, random bool) json.Number {
	lo, hi := bounds(s, integer, 1e6)
	v := 0.0
	if random {
		v = lo + g.r.Float64()*(hi-lo)
		if g.r.IntN(4) == 0 {
			v = math.Round(v)
		}
	}
	v = math.Min(math.Max(v, lo), hi)
	return format(snap(s, v, lo, hi), integer)
}

// snap moves v onto a multiple of s.multipleOf inside [lo, hi] when it can.
func snap(s *ir.Schema, v, lo, hi float64) float64 {
	if s.MultipleOf == nil {
		return v
	}
	m := num(*s.MultipleOf)
	if m <= 0 {
		return v
	}
	k := math.Ceil(v / m)
	if k*m > hi {
		k = math.Floor(v / m)
	}
	if k*m < lo {
		return v
	}
	return k * m
}

func format(v float64, integer bool) json.Number {
	if integer || v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return json.Number(strconv.FormatInt(int64(v), 10))
	}
	return json.Number(strconv.FormatFloat(v, 'g', -1, 64))
}

// boundaries returns values of s at the edges of its constraints, each
// differing from the baseline in one place.
func (g *Generator) boundaries(s *ir.Schema, depth int) []any {
	if s == nil || s.Bool != nil || depth > maxDepth {
		return nil
	}
	s = flatten(s)
	if s.HasConst {
		return nil
	}
	var out []any
	if len(s.Enum) > 0 {
		return append(out, s.Enum[1:]...)
	}
	for _, e := range s.Examples {
		out = append(out, e)
	}
	if alts := alternatives(s); len(alts) > 0 {
		for _, a := range alts {
			if v, ok := g.base(a, depth+1); ok {
				out = append(out, v)
			}
		}
		if typeOf(s) == "" {
			return out
		}
	}
	for _, t := range s.Type {
		if t == "null" && typeOf(s) != "null" {
			out = append(out, nil)
		}
	}
	switch typeOf(s) {
	case "object":
		base, ok := g.object(s, depth, false)
		if !ok {
			return out
		}
		bm := base.(map[string]any)
		// Only the required properties.
		min := map[string]any{}
		for _, r := range s.Required {
			if v, ok := bm[r]; ok {
				min[r] = v
			}
		}
		if len(min) != len(bm) {
			out = append(out, min)
		}
		for _, p := range s.Properties {
			if _, ok := bm[p.Name]; !ok {
				continue
			}
			for _, b := range g.boundaries(p.Schema, depth+1) {
				c := clone(bm)
				c[p.Name] = b
				out = append(out, c)
			}
		}
	case "array":
		for _, n := range []*int{s.MinItems, s.MaxItems} {
			if n != nil && *n <= 64 {
				if v, ok := g.array(s, *n, depth, false); ok {
					out = append(out, v)
				}
			}
		}
		if s.MinItems == nil || *s.MinItems == 0 {
			out = append(out, []any{})
		}
		if s.Items != nil && (s.MinItems == nil || *s.MinItems <= 1) && (s.MaxItems == nil || *s.MaxItems >= 1) {
			for _, b := range g.boundaries(s.Items, depth+1) {
				out = append(out, []any{b})
			}
		}
	case "string":
		if s.Pattern == "" && s.Format == "" {
			if s.MinLength != nil {
				out = append(out, strings.Repeat("x", *s.MinLength))
			} else {
				out = append(out, "")
			}
			if s.MaxLength != nil && *s.MaxLength <= 1<<16 {
				out = append(out, strings.Repeat("y", *s.MaxLength))
			}
			out = append(out, fit("ünï©ødé ✓", s))
		}
	case "integer", "number":
		integer := typeOf(s) == "integer"
		lo, hi := bounds(s, integer, math.Inf(1))
		for _, v := range []float64{lo, hi} {
			if !math.IsInf(v, 0) {
				out = append(out, format(snap(s, v, lo, hi), integer))
			}
		}
		if math.IsInf(lo, -1) {
			out = append(out, format(snap(s, -1, lo, hi), integer))
		}
		if !integer {
			out = append(out, format(snap(s, math.Min(math.Max(0.5, lo), hi), lo, hi), false))
		}
	case "boolean":
		out = append(out, false)
	}
	return out
}

func clone(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.éß中✓"

// random builds a random value of s.
func (g *Generator) random(s *ir.Schema, depth int) (any, bool) {
	if s == nil {
		return nil, true
	}
	if depth > hardDepth {
		return nil, false
	}
	if s.Bool != nil {
		return nil, *s.Bool
	}
	s = flatten(s)
	switch {
	case s.HasConst:
		return s.Const, true
	case len(s.Enum) > 0:
		return s.Enum[g.r.IntN(len(s.Enum))], true
	case len(s.Examples) > 0 && g.r.IntN(4) == 0:
		return s.Examples[g.r.IntN(len(s.Examples))], true
	}
	if alts := alternatives(s); len(alts) > 0 && typeOf(s) == "" {
		return g.random(alts[g.r.IntN(len(alts))], depth+1)
	}
	t := typeOf(s)
	if len(s.Type) > 1 {
		t = s.Type[g.r.IntN(len(s.Type))]
	}
	switch t {
	case "object":
		return g.object(s, depth, true)
	case "array":
		lo, hi := 0, 4
		if s.MinItems != nil {
			lo = *s.MinItems
			hi = lo + 4
		}
		if s.MaxItems != nil && *s.MaxItems < hi {
			hi = *s.MaxItems
		}
		if depth >= maxDepth {
			hi = lo
		}
		if hi < lo {
			return nil, false
		}
		return g.array(s, lo+g.r.IntN(hi-lo+1), depth, true)
	case "string":
		if f, ok := formatSamples[s.Format]; ok {
			return f, true
		}
		if s.Pattern != "" {
			if v, ok := fromPattern(s.Pattern, g.r); ok {
				return v, true
			}
		}
		lo, hi := 0, 24
		if s.MinLength != nil {
			lo = *s.MinLength
			hi = lo + 24
		}
		if s.MaxLength != nil && *s.MaxLength < hi {
			hi = *s.MaxLength
		}
		if hi < lo {
			return nil, false
		}
		n := lo + g.r.IntN(hi-lo+1)
		a := []rune(alphabet)
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteRune(a[g.r.IntN(len(a))])
		}
		return b.String(), true
	case "integer":
		return g.number(s, true, true), true
	case "number":
		return g.number(s, false, true), true
	case "boolean":
		return g.r.IntN(2) == 0, true
	case "null":
		return nil, true
	}
	return g.base(s, depth)
}
