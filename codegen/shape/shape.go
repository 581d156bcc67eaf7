package shape

import (
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// Kind is what a Shape is.
type Kind int

// The kinds of shapes.
const (
	// Any is any JSON value: no narrower shape holds (several types, a
	// boolean schema, composition the other kinds cannot express, or the
	// inner end of a recursion through no Object or Union).
	Any Kind = iota
	String
	Integer
	Number
	Boolean
	// Null is exactly null (type: null).
	Null
	// Object has named Members.
	Object
	// Union holds one of its Variants: Objects (then possibly tagged), or
	// of any kinds for an untyped oneOf/anyOf of them.
	Union
	// Enum is one of the strings in Values.
	Enum
	// Nullable is Elem or null.
	Nullable
	// List is an array of Elem.
	List
	// Map is an object whose member values are all Elem.
	Map
	// Tuple is an array whose first items are Prefix, the rest Rest.
	Tuple
)

var kindNames = [...]string{"any", "string", "integer", "number", "boolean", "null", "object", "union", "enum", "nullable", "list", "map", "tuple"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// Shape is the decided form of one schema's values.
type Shape struct {
	Kind Kind
	// Schema is the schema the shape was decided from. A Nullable from
	// type [T, null] and its Elem share it; a Nullable from anyOf
	// [T, null] has the anyOf schema, its Elem T's.
	Schema *ir.Schema
	// Name is the schema's components or $defs name, "" when inline.
	Name string
	// Title and Description are the schema's annotations.
	Title       string
	Description string
	// Default is the schema's default value when HasDefault.
	Default    any
	HasDefault bool
	// Format is the string format (date-time, email, ...), "" for none.
	Format string
	// Constraints are the value checks the schema states for its type.
	Constraints Constraints

	// Members of an Object, in document order (allOf members' first).
	Members []*Member
	// Closed is true for an Object that allows no other members
	// (additionalProperties: false).
	Closed bool

	// Variants of a Union, in the schema's order. They are all Objects
	// when the union is tagged, or when ObjectsOnly.
	Variants []*Shape
	// ObjectsOnly is true for a union of objects, which a target can hold
	// as a choice of records; false for one whose variants mix kinds.
	ObjectsOnly bool
	// Exclusive is true for oneOf (exactly one variant may match), false
	// for anyOf.
	Exclusive bool
	// Tag tells the variants apart by one member: Tag.Values[i] selects
	// Variants[i]. nil for an untagged union.
	Tag *ir.Tag

	// Values of an Enum, distinct, in the schema's order.
	Values []string

	// Elem is the value of a Nullable, the item of a List, the member
	// value of a Map.
	Elem *Shape

	// Prefix and Rest are a Tuple's leading items and the items after
	// them; Rest is nil when no more items are allowed (additionalItems:
	// false), Any when anything may follow.
	Prefix []*Shape
	Rest   *Shape

	// Types are the JSON types an Any allows, nil for every type.
	Types []string
	// Recursive marks an Any that stands for a schema containing itself
	// through no Object or Union.
	Recursive bool
}

// Member is one named member of an Object.
type Member struct {
	// Name is the member's key in JSON.
	Name string
	// Required is true when the object must hold the member.
	Required bool
	// Shape is the member's shape. When allOf members declare the same
	// property more than once, it is the one shape they agree on, else
	// Any.
	Shape *Shape
	// Declared holds one shape per declaration of the member, in
	// document order (one entry unless allOf members repeat it).
	Declared []*Shape
	// Description is the member's description (else its title).
	Description string
}

// Constraints are the checks a schema makes of its values beyond their
// shape, as the document states them; targets render validators from
// them. A nil pointer or zero value means the keyword is absent.
type Constraints struct {
	// Strings.
	MinLength *int
	MaxLength *int
	Pattern   string
	Format    string
	// Numbers.
	Minimum          *ir.Number
	Maximum          *ir.Number
	ExclusiveMinimum *ir.Number
	ExclusiveMaximum *ir.Number
	MultipleOf       *ir.Number
	// Arrays.
	MinItems    *int
	MaxItems    *int
	UniqueItems bool
	// Objects.
	MinProperties *int
	MaxProperties *int
	// Values: Enum is non-nil when the schema lists allowed values.
	Enum     []any
	Const    any
	HasConst bool
}

// ConstraintsOf reads the value checks of s.
func ConstraintsOf(s *ir.Schema) Constraints {
	return Constraints{
		MinLength: s.MinLength, MaxLength: s.MaxLength, Pattern: s.Pattern, Format: s.Format,
		Minimum: s.Minimum, Maximum: s.Maximum, ExclusiveMinimum: s.ExclusiveMinimum, ExclusiveMaximum: s.ExclusiveMaximum, MultipleOf: s.MultipleOf,
		MinItems: s.MinItems, MaxItems: s.MaxItems, UniqueItems: s.UniqueItems,
		MinProperties: s.MinProperties, MaxProperties: s.MaxProperties,
		Enum: s.Enum, Const: s.Const, HasConst: s.HasConst,
	}
}

// Set decides shapes and remembers them: each schema gets its shape once,
// so a schema reached twice has one *Shape, and a recursive one points
// back at itself. The order schemas are first asked for fixes where a
// recursion through no Object or Union is cut; asking in the same order
// gives the same shapes.
type Set struct {
	shapes map[*ir.Schema]*Shape
	active map[*ir.Schema]bool
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{shapes: map[*ir.Schema]*Shape{}, active: map[*ir.Schema]bool{}}
}

// Of returns the shape of s.
func (set *Set) Of(s *ir.Schema) *Shape {
	if sh, ok := set.shapes[s]; ok {
		return sh
	}
	if set.active[s] {
		// Reached again before its shape is known: the cycle passes no
		// Object or Union, which could be pointed at.
		sh := set.leaf(s, Any)
		sh.Recursive = true
		return sh
	}
	set.active[s] = true
	defer delete(set.active, s)
	sh := set.compute(s)
	set.shapes[s] = sh
	return sh
}

// leaf is a shape of kind k for s with its annotations.
func (set *Set) leaf(s *ir.Schema, k Kind) *Shape {
	return &Shape{
		Kind: k, Schema: s, Name: s.Name, Title: s.Title, Description: s.Description,
		Default: s.Default, HasDefault: s.HasDefault, Format: s.Format, Constraints: ConstraintsOf(s),
	}
}

func (set *Set) compute(s *ir.Schema) *Shape {
	if s.Bool != nil {
		return set.leaf(s, Any)
	}
	if inner := NullableInner(s); inner != nil {
		sh := set.leaf(s, Nullable)
		sh.Elem = set.Of(inner)
		return sh
	}
	types, nullable := nonNullTypes(s)
	if len(types) == 0 && !nullable {
		if onlyStrings(s.Enum) || (s.HasConst && onlyStrings([]any{s.Const})) {
			types = []string{"string"}
		} else if u := set.union(s); u != nil {
			return u
		} else if o := set.object(s); o != nil {
			return o
		} else if u := set.anyUnion(s); u != nil {
			return u
		}
	}
	if len(types) == 0 && nullable && len(s.Type) == 1 {
		return set.leaf(s, Null)
	}
	if len(types) != 1 {
		sh := set.leaf(s, Any)
		sh.Types = s.Type
		return sh
	}
	var sh *Shape
	switch types[0] {
	case "string":
		sh = set.leaf(s, String)
		if onlyStrings(s.Enum) {
			sh.Kind = Enum
			seen := map[string]bool{}
			for _, v := range s.Enum {
				if str := v.(string); !seen[str] {
					seen[str] = true
					sh.Values = append(sh.Values, str)
				}
			}
		}
	case "integer":
		sh = set.leaf(s, Integer)
	case "number":
		sh = set.leaf(s, Number)
	case "boolean":
		sh = set.leaf(s, Boolean)
	case "array":
		switch {
		case s.TupleItems != nil:
			sh = set.leaf(s, Tuple)
			for _, t := range s.TupleItems {
				sh.Prefix = append(sh.Prefix, set.Of(t))
			}
			switch ai := s.AdditionalItems; {
			case ai == nil:
				sh.Rest = set.leaf(&ir.Schema{}, Any)
			case ai.Bool != nil && !*ai.Bool:
			default:
				sh.Rest = set.Of(ai)
			}
		case s.Items != nil:
			sh = set.leaf(s, List)
			sh.Elem = set.Of(s.Items)
		default:
			sh = set.leaf(s, List)
			sh.Elem = set.leaf(&ir.Schema{}, Any)
		}
	case "object":
		if o := set.object(s); o != nil {
			sh = o
		} else if u := set.union(s); u != nil {
			sh = u
		} else {
			sh = set.leaf(s, Map)
			if len(s.Properties) == 0 && len(s.PatternProperties) == 0 && s.AdditionalProperties != nil {
				sh.Elem = set.Of(s.AdditionalProperties)
			} else {
				sh.Elem = set.leaf(&ir.Schema{}, Any)
			}
		}
	default:
		return set.leaf(s, Any)
	}
	if nullable {
		n := set.leaf(s, Nullable)
		n.Elem = sh
		return n
	}
	return sh
}

// object is the Object shape of s, nil when s is not an object schema a
// fixed set of members can hold.
func (set *Set) object(s *ir.Schema) *Shape {
	props, required, ok := objectFields(s, true)
	if !ok {
		return nil
	}
	// An object schema without type: object also accepts non-objects.
	if len(s.Type) == 0 {
		hasType := false
		for _, m := range s.AllOf {
			if len(m.Type) > 0 {
				hasType = true
			}
		}
		if !hasType {
			return nil
		}
	}
	sh := set.leaf(s, Object)
	if ap := s.AdditionalProperties; ap != nil && ap.Bool != nil && !*ap.Bool {
		sh.Closed = true
	}
	// Entered before its members: they may contain it.
	set.shapes[s] = sh
	byName := map[string]*Member{}
	var schemas [][]*ir.Schema
	for _, p := range props {
		if m, ok := byName[p.Name]; ok {
			i := indexOf(sh.Members, m)
			schemas[i] = append(schemas[i], p.Schema)
			continue
		}
		m := &Member{Name: p.Name, Description: p.Schema.Description}
		if strings.TrimSpace(m.Description) == "" {
			m.Description = p.Schema.Title
		}
		byName[p.Name] = m
		sh.Members = append(sh.Members, m)
		schemas = append(schemas, []*ir.Schema{p.Schema})
	}
	req := map[string]bool{}
	for _, r := range required {
		req[r] = true
	}
	for i, m := range sh.Members {
		m.Required = req[m.Name]
		for _, ps := range schemas[i] {
			m.Declared = append(m.Declared, set.Of(ps))
		}
		m.Shape = merged(m.Declared)
	}
	return sh
}

func indexOf(list []*Member, m *Member) int {
	for i, x := range list {
		if x == m {
			return i
		}
	}
	return -1
}

// merged is the one shape several declarations of a member agree on:
// the same shape, or scalars of one kind; else Any.
func merged(declared []*Shape) *Shape {
	var chosen *Shape
	for _, d := range declared {
		if d.Kind == Any {
			continue
		}
		switch {
		case chosen == nil:
			chosen = d
		case chosen == d:
		case chosen.Kind == d.Kind && scalar(d.Kind):
		default:
			return &Shape{Kind: Any, Schema: &ir.Schema{}}
		}
	}
	if chosen == nil {
		return declared[0]
	}
	return chosen
}

func scalar(k Kind) bool { return k == String || k == Integer || k == Number || k == Boolean }

// union is the Union shape of s, nil unless s is oneOf or anyOf of two or
// more distinct object schemas and says nothing else.
func (set *Set) union(s *ir.Schema) *Shape {
	list, exclusive := alternatives(s)
	if list == nil {
		return nil
	}
	if types, nullable := nonNullTypes(s); nullable || len(types) > 1 || (len(types) == 1 && types[0] != "object") {
		return nil
	}
	for _, v := range list {
		if _, _, ok := objectFields(v, false); !ok || !declaresObject(v) {
			return nil
		}
	}
	sh := set.leaf(s, Union)
	sh.Exclusive, sh.ObjectsOnly = exclusive, true
	set.shapes[s] = sh
	for _, v := range list {
		sh.Variants = append(sh.Variants, set.Of(v))
	}
	sh.Tag = s.Union
	return sh
}

// anyUnion is the Union shape of an untyped oneOf or anyOf whose
// variants are not all objects (oneOf [string, integer], say), nil when
// some variant has no shape narrower than Any: then the list combines
// checks on one value rather than naming alternatives. The variants are
// decided before the union exists, so one that contains the union holds
// it as a recursive Any.
func (set *Set) anyUnion(s *ir.Schema) *Shape {
	list, exclusive := alternatives(s)
	if list == nil || len(s.Type) > 0 {
		return nil
	}
	var variants []*Shape
	for _, v := range list {
		vs := set.Of(v)
		if vs.Kind == Any {
			return nil
		}
		variants = append(variants, vs)
	}
	sh := set.leaf(s, Union)
	sh.Exclusive = exclusive
	sh.Variants = variants
	return sh
}

// alternatives is the oneOf (exclusive) or anyOf list of s, when s has
// one of the two, of two or more distinct schemas, and says nothing else
// but its type; nil otherwise.
func alternatives(s *ir.Schema) (list []*ir.Schema, exclusive bool) {
	list, exclusive = s.OneOf, true
	if len(list) == 0 {
		list, exclusive = s.AnyOf, false
	} else if len(s.AnyOf) > 0 {
		return nil, false
	}
	if len(list) < 2 {
		return nil, false
	}
	c := *s
	c.OneOf, c.AnyOf, c.Type = nil, nil, nil
	if HasAssertions(&c) {
		return nil, false
	}
	seen := map[*ir.Schema]bool{}
	for _, v := range list {
		if seen[v] {
			return nil, false
		}
		seen[v] = true
	}
	return list, exclusive
}

func declaresObject(s *ir.Schema) bool {
	if len(s.Type) == 1 && s.Type[0] == "object" {
		return true
	}
	for _, m := range s.AllOf {
		if declaresObject(m) {
			return true
		}
	}
	return false
}

// objectFields gathers the properties of s and of the allOf members merged
// into it; ok is false when s is not a plain object with known members.
// nullOK accepts type [object, null].
func objectFields(s *ir.Schema, nullOK bool) (props []*ir.Property, required []string, ok bool) {
	if s.Bool != nil || len(s.PatternProperties) > 0 || s.PropertyNames != nil || len(s.Dependencies) > 0 ||
		s.MinProperties != nil || s.MaxProperties != nil || s.Enum != nil || s.HasConst ||
		len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.Not != nil || s.If != nil || s.Then != nil || s.Else != nil {
		return nil, nil, false
	}
	types, nullable := nonNullTypes(s)
	if (nullable && !nullOK) || len(types) > 1 || (len(types) == 1 && types[0] != "object") {
		return nil, nil, false
	}
	if ap := s.AdditionalProperties; ap != nil && ap.Bool == nil && HasAssertions(ap) {
		return nil, nil, false
	}
	if len(s.AllOf) > 0 {
		if ap := s.AdditionalProperties; ap != nil && ap.Bool != nil && !*ap.Bool {
			return nil, nil, false
		}
		for _, m := range s.AllOf {
			if m.Bool != nil || len(m.AllOf) > 0 || m.AdditionalProperties != nil || m.Format != "" {
				return nil, nil, false
			}
			mp, mr, ok := objectFields(m, false)
			if !ok || len(mp) == 0 {
				return nil, nil, false
			}
			props = append(props, mp...)
			required = append(required, mr...)
		}
	}
	props = append(props, s.Properties...)
	required = append(required, s.Required...)
	if len(props) == 0 {
		return nil, nil, false
	}
	known := map[string]bool{}
	for _, p := range props {
		known[p.Name] = true
	}
	for _, r := range required {
		if !known[r] {
			return nil, nil, false
		}
	}
	return props, required, true
}

// HasAssertions reports whether s constrains a value at all: annotation
// keywords (title, description, default, examples...) never do.
func HasAssertions(s *ir.Schema) bool {
	return s.Bool != nil || len(s.Type) > 0 || s.HasConst || s.Enum != nil || s.Format != "" ||
		s.MultipleOf != nil || s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil ||
		s.MinLength != nil || s.MaxLength != nil || s.Pattern != "" ||
		s.Items != nil || s.TupleItems != nil || s.AdditionalItems != nil || s.MinItems != nil || s.MaxItems != nil || s.UniqueItems || s.Contains != nil ||
		len(s.Properties) > 0 || len(s.Required) > 0 || s.AdditionalProperties != nil || len(s.PatternProperties) > 0 || s.PropertyNames != nil ||
		s.MinProperties != nil || s.MaxProperties != nil || len(s.Dependencies) > 0 ||
		len(s.AllOf) > 0 || len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.Not != nil || s.If != nil
}

// isNullOnly reports whether s is exactly {type: null}.
func isNullOnly(s *ir.Schema) bool {
	if s.Bool != nil || len(s.Type) != 1 || s.Type[0] != "null" {
		return false
	}
	c := *s
	c.Type = nil
	return !HasAssertions(&c)
}

// NullableInner returns T when s is anyOf/oneOf [T, {type: null}] and
// nothing else: the way Pydantic writes an optional field.
func NullableInner(s *ir.Schema) *ir.Schema {
	if s.Bool != nil {
		return nil
	}
	list := s.AnyOf
	if len(list) == 0 {
		list = s.OneOf
	} else if len(s.OneOf) > 0 {
		return nil
	}
	if len(list) != 2 {
		return nil
	}
	c := *s
	c.AnyOf, c.OneOf = nil, nil
	if HasAssertions(&c) {
		return nil
	}
	switch {
	case isNullOnly(list[1]) && !isNullOnly(list[0]):
		return list[0]
	case isNullOnly(list[0]) && !isNullOnly(list[1]):
		return list[1]
	}
	return nil
}

func nonNullTypes(s *ir.Schema) (types []string, nullable bool) {
	for _, t := range s.Type {
		if t == "null" {
			nullable = true
			continue
		}
		types = append(types, t)
	}
	return types, nullable
}

// onlyStrings reports whether vals holds values and all are strings.
func onlyStrings(vals []any) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}
