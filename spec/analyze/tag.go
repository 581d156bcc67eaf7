package analyze

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// preferred lists the property names a tag is picked from first, when
// several would do; "action" is Chanx's.
var preferred = []string{"action", "type", "event", "kind", "op", "method"}

// tagging is what inferTag found: the member that tells a list of
// alternatives apart and the value each alternative gives it.
type tagging struct {
	// property is "" when no member is pinned in every alternative.
	property        string
	byDiscriminator bool
	// values holds each alternative's value as text ("" when it gives
	// none): strings as they are, numbers and booleans as JSON literals.
	values []string
	// notString is the index of the first alternative whose value is a
	// number or boolean rather than a string, -1 when there is none. The
	// runtimes route on strings only (wire.Peek), so such a tag cannot be
	// routed.
	notString int
}

// distinct reports whether every alternative gives a non-empty value and
// no two give the same one.
func (t tagging) distinct() bool {
	if t.property == "" {
		return false
	}
	seen := map[string]bool{}
	for _, v := range t.values {
		if v == "" || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

// routable reports whether a receiver can pick the alternative from the
// tag's value alone: distinct string values.
func (t tagging) routable() bool { return t.distinct() && t.notString < 0 }

// inferTag is chanx's one rule for telling alternatives apart by a member,
// used both for the messages of a channel and direction (ir.Dispatch) and
// for the variants of a oneOf/anyOf schema (ir.Schema.Union); nothing
// outside this package infers a tag.
//
// When discriminator is set (the AsyncAPI keyword, common to every
// alternative) and tells them apart, it is the tag: each alternative's value
// is the const (or one-value enum) of that property, else, as AsyncAPI
// defines the keyword, the alternative schema's name. Otherwise the tag is
// a property pinned by const or a one-value enum in every alternative —
// found through allOf, and through oneOf/anyOf when every variant pins the
// same value — with string values told apart preferred over numbers and
// booleans, distinct values over repeated ones, then the names in
// preferred, then the first alternative's order. When nothing tells the
// alternatives apart, the discriminator (if any) or the best candidate is
// still returned, so callers can name what repeats.
func inferTag(alts []*ir.Schema, discriminator string) tagging {
	var disc tagging
	if discriminator != "" {
		disc = tagging{property: discriminator, byDiscriminator: true, notString: -1}
		for i, s := range alts {
			p, ok := pinnedIn(s, discriminator, map[*ir.Schema]bool{})
			switch {
			case ok:
				disc.values = append(disc.values, p.text)
				if !p.isString && disc.notString < 0 {
					disc.notString = i
				}
			case s != nil:
				disc.values = append(disc.values, s.Name)
			default:
				disc.values = append(disc.values, "")
			}
		}
		if disc.distinct() {
			return disc
		}
	}
	if len(alts) == 0 {
		return disc
	}
	pins := make([]map[string]pin, len(alts))
	for i, s := range alts {
		pins[i] = pinnedProperties(s)
	}
	// Candidates: properties pinned in every alternative, in the first
	// alternative's order.
	var candidates []tagging
	for _, name := range pinnedOrder(alts[0]) {
		t := tagging{property: name, notString: -1}
		for i, p := range pins {
			v, ok := p[name]
			if !ok {
				t.property = ""
				break
			}
			t.values = append(t.values, v.text)
			if !v.isString && t.notString < 0 {
				t.notString = i
			}
		}
		if t.property != "" {
			candidates = append(candidates, t)
		}
	}
	for _, keep := range []func(tagging) bool{tagging.routable, tagging.distinct} {
		var good []tagging
		for _, c := range candidates {
			if keep(c) {
				good = append(good, c)
			}
		}
		if len(good) > 0 {
			return pick(good)
		}
	}
	if disc.property != "" {
		return disc
	}
	if len(candidates) > 0 {
		return pick(candidates)
	}
	return tagging{notString: -1, values: make([]string, len(alts))}
}

// pick prefers the conventional tag names, then the first.
func pick(ts []tagging) tagging {
	for _, p := range preferred {
		for _, t := range ts {
			if t.property == p {
				return t
			}
		}
	}
	return ts[0]
}

// unionTag is the ir.Schema.Union of s: the tag that tells its oneOf
// (else anyOf) variants apart by distinct string values, nil when there
// is none.
func unionTag(s *ir.Schema) *ir.Tag {
	variants := s.OneOf
	if len(variants) == 0 {
		variants = s.AnyOf
	}
	if len(variants) < 2 {
		return nil
	}
	t := inferTag(variants, discriminatorOf(s, map[*ir.Schema]bool{}))
	if !t.routable() {
		return nil
	}
	return &ir.Tag{Property: t.property, ByDiscriminator: t.byDiscriminator, Values: t.values}
}

// fillUnions sets Union on every schema built so far.
func (b *schemaBuilder) fillUnions() {
	for _, s := range b.done {
		if s.Union == nil && (len(s.OneOf) > 0 || len(s.AnyOf) > 0) {
			s.Union = unionTag(s)
		}
	}
}

// discriminatorOf finds the discriminator of s or of a schema it extends
// through allOf.
func discriminatorOf(s *ir.Schema, seen map[*ir.Schema]bool) string {
	if s == nil || seen[s] {
		return ""
	}
	seen[s] = true
	if s.Discriminator != "" {
		return s.Discriminator
	}
	for _, a := range s.AllOf {
		if p := discriminatorOf(a, seen); p != "" {
			return p
		}
	}
	return ""
}

// pin is the one value a property allows.
type pin struct {
	text     string
	isString bool
}

// pinnedProperties maps each top-level property of s that holds a single
// value to that value.
func pinnedProperties(s *ir.Schema) map[string]pin {
	out := map[string]pin{}
	for _, name := range pinnedOrder(s) {
		out[name], _ = pinnedIn(s, name, map[*ir.Schema]bool{})
	}
	return out
}

// pinnedOrder lists the names of the top-level properties of s that hold
// a single value, in document order.
func pinnedOrder(s *ir.Schema) []string {
	var names []string
	seenName := map[string]bool{}
	var walk func(s *ir.Schema, seen map[*ir.Schema]bool)
	walk = func(x *ir.Schema, seen map[*ir.Schema]bool) {
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		for _, p := range x.Properties {
			if seenName[p.Name] {
				continue
			}
			seenName[p.Name] = true
			if _, ok := pinnedIn(s, p.Name, map[*ir.Schema]bool{}); ok {
				names = append(names, p.Name)
			}
		}
		for _, list := range [][]*ir.Schema{x.AllOf, x.OneOf, x.AnyOf} {
			for _, a := range list {
				walk(a, seen)
			}
		}
	}
	walk(s, map[*ir.Schema]bool{})
	return names
}

// pinnedIn returns the single value property name holds in s: pinned by s
// itself, by a schema s extends through allOf, or by every oneOf (or
// anyOf) variant alike, as in a reply whose success and error shapes
// share one event name.
func pinnedIn(s *ir.Schema, name string, seen map[*ir.Schema]bool) (pin, bool) {
	if s == nil || seen[s] {
		return pin{}, false
	}
	seen[s] = true
	defer delete(seen, s)
	if v, ok := pinnedValue(s.Property(name)); ok {
		return v, true
	}
	for _, a := range s.AllOf {
		if v, ok := pinnedIn(a, name, seen); ok {
			return v, true
		}
	}
	for _, variants := range [][]*ir.Schema{s.OneOf, s.AnyOf} {
		if len(variants) == 0 {
			continue
		}
		agreed, ok := pinnedIn(variants[0], name, seen)
		for _, v := range variants[1:] {
			if !ok {
				break
			}
			var got pin
			got, ok = pinnedIn(v, name, seen)
			ok = ok && got == agreed
		}
		if ok {
			return agreed, true
		}
	}
	return pin{}, false
}

// pinnedValue returns the one value s allows, from const or a one-value
// enum: a non-empty string, a number or a boolean. The empty string,
// objects, arrays and null do not name an alternative.
func pinnedValue(s *ir.Schema) (pin, bool) {
	if s == nil {
		return pin{}, false
	}
	var v any
	switch {
	case s.HasConst:
		v = s.Const
	case len(s.Enum) == 1:
		v = s.Enum[0]
	default:
		return pin{}, false
	}
	switch v := v.(type) {
	case string:
		return pin{text: v, isString: true}, v != ""
	case json.Number:
		return pin{text: string(v)}, true
	case bool:
		return pin{text: fmt.Sprint(v)}, true
	}
	return pin{}, false
}

// The strategies below are tried, in this order, when inferTag finds no
// member whose single value tells the alternatives apart (dispatch).

// enumTagging is a member whose allowed string values (an enum of
// several, or a const) form a set of their own in every alternative, no
// value in two sets: the receiver reads the member and looks the value up.
type enumTagging struct {
	property string
	values   [][]string
}

// inferEnum finds the enum tag of alts, preferring the names of
// preferred, then the first alternative's order; ok is false when no
// member's value sets are disjoint.
func inferEnum(alts []*ir.Schema) (enumTagging, bool) {
	if len(alts) < 2 {
		return enumTagging{}, false
	}
	var found []enumTagging
	for _, name := range propertyOrder(alts[0]) {
		t := enumTagging{property: name}
		owner := map[string]int{}
		for i, s := range alts {
			vals, ok := valueSet(s, name, map[*ir.Schema]bool{})
			if !ok {
				t.property = ""
				break
			}
			for _, v := range vals {
				if j, dup := owner[v]; dup && j != i {
					t.property = ""
				}
				owner[v] = i
			}
			if t.property == "" {
				break
			}
			t.values = append(t.values, vals)
		}
		if t.property != "" {
			found = append(found, t)
		}
	}
	if len(found) == 0 {
		return enumTagging{}, false
	}
	for _, p := range preferred {
		for _, t := range found {
			if t.property == p {
				return t, true
			}
		}
	}
	return found[0], true
}

// valueSet is the set of non-empty strings property name of s allows, by
// const or enum, in s or a schema it extends through allOf.
func valueSet(s *ir.Schema, name string, seen map[*ir.Schema]bool) ([]string, bool) {
	if s == nil || seen[s] {
		return nil, false
	}
	seen[s] = true
	if p := s.Property(name); p != nil {
		var raw []any
		switch {
		case p.HasConst:
			raw = []any{p.Const}
		case len(p.Enum) > 0:
			raw = p.Enum
		}
		if len(raw) > 0 {
			var out []string
			for _, v := range raw {
				str, ok := v.(string)
				if !ok || str == "" {
					return nil, false
				}
				if !slices.Contains(out, str) {
					out = append(out, str)
				}
			}
			return out, true
		}
	}
	for _, a := range s.AllOf {
		if vals, ok := valueSet(a, name, seen); ok {
			return vals, true
		}
	}
	return nil, false
}

// propertyOrder lists the names of the top-level properties of s and of
// the schemas it extends through allOf, in document order.
func propertyOrder(s *ir.Schema) []string {
	var names []string
	var walk func(x *ir.Schema, seen map[*ir.Schema]bool)
	walk = func(x *ir.Schema, seen map[*ir.Schema]bool) {
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		for _, p := range x.Properties {
			if !slices.Contains(names, p.Name) {
				names = append(names, p.Name)
			}
		}
		for _, a := range x.AllOf {
			walk(a, seen)
		}
	}
	walk(s, map[*ir.Schema]bool{})
	return names
}

// inferMembers is structural dispatch: each alternative is named by the
// members it requires that no other alternative declares at all (as a
// property or in required), so a frame holding one of them can only be
// that alternative. At most one alternative may have no such member: it
// takes the frames none of the others claims. ok is false otherwise.
func inferMembers(alts []*ir.Schema) ([][]string, bool) {
	if len(alts) < 2 {
		return nil, false
	}
	declared := make([]map[string]bool, len(alts))
	for i, s := range alts {
		declared[i] = map[string]bool{}
		for _, n := range propertyOrder(s) {
			declared[i][n] = true
		}
		for _, n := range requiredOf(s, map[*ir.Schema]bool{}) {
			declared[i][n] = true
		}
	}
	sets := make([][]string, len(alts))
	without := 0
	for i, s := range alts {
		for _, n := range requiredOf(s, map[*ir.Schema]bool{}) {
			mine := true
			for j := range alts {
				if j != i && declared[j][n] {
					mine = false
					break
				}
			}
			if mine && !slices.Contains(sets[i], n) {
				sets[i] = append(sets[i], n)
			}
		}
		if len(sets[i]) == 0 {
			without++
		}
	}
	return sets, without <= 1
}

// requiredOf lists the members s requires, itself and through allOf.
func requiredOf(s *ir.Schema, seen map[*ir.Schema]bool) []string {
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	out := append([]string(nil), s.Required...)
	for _, a := range s.AllOf {
		out = append(out, requiredOf(a, seen)...)
	}
	return out
}

// Messages whose payloads have the same schemaKey accept the same frames
// as far as chanx can tell (names, titles, descriptions and positions
// aside): no strategy can ever tell them apart.

// schemaKey renders what s accepts, to a bounded depth, for sameSchema.
func schemaKey(s *ir.Schema, depth int) string {
	if s == nil {
		return "-"
	}
	if depth > 8 {
		return "…"
	}
	var sb strings.Builder
	if s.Bool != nil {
		return fmt.Sprint(*s.Bool)
	}
	fmt.Fprintf(&sb, "{t%v c%v:%v e%v f%q p%q r%v", s.Type, s.HasConst, s.Const, s.Enum, s.Format, s.Pattern, s.Required)
	for _, n := range []*ir.Number{s.Minimum, s.Maximum, s.ExclusiveMinimum, s.ExclusiveMaximum, s.MultipleOf} {
		if n != nil {
			sb.WriteString(" n" + string(*n))
		} else {
			sb.WriteString(" -")
		}
	}
	for _, n := range []*int{s.MinLength, s.MaxLength, s.MinItems, s.MaxItems, s.MinProperties, s.MaxProperties} {
		if n != nil {
			fmt.Fprintf(&sb, " i%d", *n)
		} else {
			sb.WriteString(" -")
		}
	}
	for _, p := range s.Properties {
		sb.WriteString(" " + strconv.Quote(p.Name) + ":" + schemaKey(p.Schema, depth+1))
	}
	sb.WriteString(" ap:" + schemaKey(s.AdditionalProperties, depth+1))
	sb.WriteString(" it:" + schemaKey(s.Items, depth+1))
	for _, list := range [][]*ir.Schema{s.AllOf, s.AnyOf, s.OneOf, s.TupleItems} {
		sb.WriteString(" [")
		for _, x := range list {
			sb.WriteString(schemaKey(x, depth+1) + ",")
		}
		sb.WriteString("]")
	}
	sb.WriteString(" not:" + schemaKey(s.Not, depth+1) + "}")
	return sb.String()
}
