package python

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
)

// classKind is what a generated declaration is.
type classKind int

const (
	// model is a pydantic BaseModel subclass (an Object shape).
	model classKind = iota
	// enum is a str Enum (a named Enum shape).
	enum
	// alias is a TypeAlias (a named Union shape).
	alias
	// root is a RootModel subclass: a message whose payload is not an
	// object.
	root
)

// class is one top-level declaration of a messages module.
type class struct {
	Name string
	Kind classKind
	// Doc is the text of its docstring.
	Doc string
	// Fields of a model.
	Fields []*field
	// Config are the model's ConfigDict arguments.
	Config []string
	// Members of an enum.
	Members []enumMember
	// Value is an alias's value, or the type a root model holds.
	Value typeExpr

	shape *shape.Shape
	// hint names the inline shapes below it.
	hint string
	// channels reach the class; module is where it is declared.
	channels map[*channelModel]bool
	module   string
	built    bool
	// leftOut is true when a field of the model is left out of frames
	// when None (the module then declares _left_out).
	leftOut bool
}

// field is one member of a model.
type field struct {
	// Name is the Python name; Wire the JSON name.
	Name, Wire string
	Type       typeExpr
	// Default is what follows "=", "" for a required field without one.
	Default string
	// Args are the arguments of its Field(...), when it needs one; then
	// Default goes into them.
	Args []string
	Doc  string
	// Tag is the field's one string value when its type is a Literal of
	// it (a discriminator): the model's tag under this member.
	Tag string
	// HasDefault reports whether the field may be left out.
	HasDefault bool
}

type enumMember struct{ Name, Value string }

// typeExpr is a Python type expression and the declarations it names.
type typeExpr struct {
	Text string
	Deps []*class
	// Nullable is true when the type admits None.
	Nullable bool
	// Literal holds the one string a Literal["x"] type admits.
	Literal string
	// Uses are the imported names the expression holds.
	Uses uses
}

// uses is a set of the names a module may import for its annotations.
type uses uint

const (
	usesLiteral uses = 1 << iota
	usesAnnotated
	usesField
	usesAny
)

func (t typeExpr) or(u typeExpr) typeExpr {
	return typeExpr{Text: t.Text + " | " + u.Text, Deps: append(append([]*class(nil), t.Deps...), u.Deps...), Nullable: t.Nullable || u.Nullable, Uses: t.Uses | u.Uses}
}

// pyString is a Python string literal for s.
func pyString(s string) string { return strconv.Quote(s) }

// pyLiteral is the Python literal of a JSON scalar, ok false for other
// values.
func pyLiteral(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "None", true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	case string:
		return pyString(x), true
	case json.Number:
		return x.String(), true
	case float64:
		b, _ := json.Marshal(x)
		return string(b), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// isIntegral reports whether the JSON number v is an integer literal.
func isIntegral(v any) bool {
	switch x := v.(type) {
	case json.Number:
		_, err := strconv.ParseInt(x.String(), 10, 64)
		return err == nil
	case int, int64:
		return true
	}
	return false
}

// literalOf is the Literal[...] of values when each is a string, an
// integer or a boolean; ok false otherwise.
func literalOf(values []any) (string, bool) {
	if len(values) == 0 {
		return "", false
	}
	var parts []string
	seen := map[string]bool{}
	for _, v := range values {
		switch v.(type) {
		case string, bool:
		default:
			if !isIntegral(v) {
				return "", false
			}
		}
		lit, _ := pyLiteral(v)
		if !seen[lit] {
			seen[lit] = true
			parts = append(parts, lit)
		}
	}
	return "Literal[" + strings.Join(parts, ", ") + "]", true
}

// constraintArgs are the Field(...) arguments for the checks of sh, the
// value's own shape (not a Nullable around it).
func constraintArgs(sh *shape.Shape) []string {
	c := sh.Constraints
	var args []string
	num := func(name string, n *string) {
		if n != nil {
			args = append(args, name+"="+*n)
		}
	}
	length := func(min, max *int) {
		if min != nil {
			args = append(args, "min_length="+strconv.Itoa(*min))
		}
		if max != nil {
			args = append(args, "max_length="+strconv.Itoa(*max))
		}
	}
	switch sh.Kind {
	case shape.String:
		length(c.MinLength, c.MaxLength)
		if c.Pattern != "" {
			args = append(args, "pattern="+pyString(c.Pattern))
		}
	case shape.Integer, shape.Number:
		str := func(n *ir.Number) *string {
			if n == nil {
				return nil
			}
			s := string(*n)
			return &s
		}
		num("ge", str(c.Minimum))
		num("gt", str(c.ExclusiveMinimum))
		num("le", str(c.Maximum))
		num("lt", str(c.ExclusiveMaximum))
		num("multiple_of", str(c.MultipleOf))
	case shape.List:
		length(c.MinItems, c.MaxItems)
	case shape.Map:
		length(c.MinProperties, c.MaxProperties)
	}
	return args
}

// typeOf is the Python type of sh; owner names an inline Object or
// Union met inside it.
func (g *gen) typeOf(sh *shape.Shape, hint string) typeExpr {
	c := sh.Constraints
	switch sh.Kind {
	case shape.Any:
		return g.anyOf(sh)
	case shape.String:
		if c.HasConst {
			if s, ok := c.Const.(string); ok {
				return typeExpr{Text: "Literal[" + pyString(s) + "]", Literal: s, Uses: usesLiteral}
			}
		}
		return typeExpr{Text: "str"}
	case shape.Integer, shape.Boolean:
		base := "int"
		if sh.Kind == shape.Boolean {
			base = "bool"
		}
		if c.HasConst {
			if lit, ok := literalOf([]any{c.Const}); ok {
				return typeExpr{Text: lit, Uses: usesLiteral}
			}
		}
		if lit, ok := literalOf(c.Enum); ok && c.Enum != nil {
			return typeExpr{Text: lit, Uses: usesLiteral}
		}
		return typeExpr{Text: base}
	case shape.Number:
		return typeExpr{Text: "float"}
	case shape.Null:
		return typeExpr{Text: "None", Nullable: true}
	case shape.Enum:
		if len(sh.Values) == 1 {
			return typeExpr{Text: "Literal[" + pyString(sh.Values[0]) + "]", Literal: sh.Values[0], Uses: usesLiteral}
		}
		if sh.Name != "" {
			cl := g.classOf(sh, hint)
			return typeExpr{Text: cl.Name, Deps: []*class{cl}}
		}
		vals := make([]any, len(sh.Values))
		for i, v := range sh.Values {
			vals[i] = v
		}
		lit, _ := literalOf(vals)
		return typeExpr{Text: lit, Uses: usesLiteral}
	case shape.Object:
		cl := g.classOf(sh, hint)
		return typeExpr{Text: cl.Name, Deps: []*class{cl}}
	case shape.Union:
		if sh.Name != "" {
			cl := g.classOf(sh, hint)
			return typeExpr{Text: cl.Name, Deps: []*class{cl}, Nullable: cl.Value.Nullable}
		}
		return g.unionOf(sh, hint)
	case shape.Nullable:
		inner := g.inner(sh.Elem, hint)
		if inner.Nullable || inner.Text == "Any" {
			return inner
		}
		t := inner.or(typeExpr{Text: "None"})
		t.Nullable = true
		return t
	case shape.List:
		e := g.inner(sh.Elem, hint+"Item")
		return typeExpr{Text: "list[" + e.Text + "]", Deps: e.Deps, Uses: e.Uses}
	case shape.Map:
		e := g.inner(sh.Elem, hint+"Value")
		return typeExpr{Text: "dict[str, " + e.Text + "]", Deps: e.Deps, Uses: e.Uses}
	case shape.Tuple:
		if sh.Rest != nil {
			return typeExpr{Text: "list[Any]", Uses: usesAny}
		}
		if len(sh.Prefix) == 0 {
			return typeExpr{Text: "tuple[()]"}
		}
		var t typeExpr
		var parts []string
		for i, p := range sh.Prefix {
			e := g.inner(p, hint+"Item"+strconv.Itoa(i+1))
			parts = append(parts, e.Text)
			t.Deps = append(t.Deps, e.Deps...)
			t.Uses |= e.Uses
		}
		t.Text = "tuple[" + strings.Join(parts, ", ") + "]"
		return t
	}
	return typeExpr{Text: "Any", Nullable: true, Uses: usesAny}
}

// inner is the type of a shape inside another type: its checks, which a
// field would take as Field(...) arguments, are annotated on it.
func (g *gen) inner(sh *shape.Shape, hint string) typeExpr {
	t := g.typeOf(sh, hint)
	if t.Literal != "" || len(t.Deps) > 0 && (sh.Kind == shape.Object || sh.Kind == shape.Enum || sh.Kind == shape.Union) {
		return t
	}
	if args := constraintArgs(sh); len(args) > 0 {
		t.Text = "Annotated[" + t.Text + ", Field(" + strings.Join(args, ", ") + ")]"
		t.Uses |= usesAnnotated | usesField
	}
	return t
}

// anyOf is an Any shape's type: the union of the JSON types it allows.
func (g *gen) anyOf(sh *shape.Shape) typeExpr {
	if len(sh.Types) == 0 {
		return typeExpr{Text: "Any", Nullable: true, Uses: usesAny}
	}
	names := map[string]string{"string": "str", "integer": "int", "number": "float", "boolean": "bool",
		"object": "dict[str, Any]", "array": "list[Any]", "null": "None"}
	var parts []string
	seen := map[string]bool{}
	nullable := false
	var u uses
	for _, t := range sh.Types {
		n, ok := names[t]
		if !ok {
			return typeExpr{Text: "Any", Nullable: true, Uses: usesAny}
		}
		if t == "null" {
			nullable = true
			continue
		}
		if !seen[n] {
			seen[n] = true
			parts = append(parts, n)
		}
		if strings.Contains(n, "Any") {
			u |= usesAny
		}
	}
	if nullable {
		parts = append(parts, "None")
	}
	return typeExpr{Text: strings.Join(parts, " | "), Nullable: nullable, Uses: u}
}

// unionOf is the type of an inline Union: its variants joined, tagged by
// Field(discriminator=...) when every variant is a model whose tag member
// is a Literal of its value.
func (g *gen) unionOf(sh *shape.Shape, hint string) typeExpr {
	var t typeExpr
	var parts []string
	seen := map[string]bool{}
	for i, v := range sh.Variants {
		vh := hint + "Variant" + strconv.Itoa(i+1)
		if sh.Tag != nil && i < len(sh.Tag.Values) {
			if n := className(sh.Tag.Values[i]); n != "" {
				vh = hint + n
			}
		}
		e := g.inner(v, vh)
		t.Deps = append(t.Deps, e.Deps...)
		t.Nullable = t.Nullable || e.Nullable
		t.Uses |= e.Uses
		if !seen[e.Text] {
			seen[e.Text] = true
			parts = append(parts, e.Text)
		}
	}
	if len(parts) == 1 {
		t.Text = parts[0]
		return t
	}
	t.Text = strings.Join(parts, " | ")
	if key := g.tagField(sh); key != "" {
		t.Text = "Annotated[" + t.Text + ", Field(discriminator=" + pyString(key) + ")]"
		t.Uses |= usesAnnotated | usesField
	}
	return t
}

// tagField is the Python name of the member a union's variants are told
// apart by, "" unless pydantic can discriminate them by it: each variant a
// model (built) whose member is a Literal of its own value.
func (g *gen) tagField(sh *shape.Shape) string {
	if sh.Tag == nil || !sh.ObjectsOnly || len(sh.Tag.Values) != len(sh.Variants) {
		return ""
	}
	name := ""
	seen := map[string]bool{}
	for i, v := range sh.Variants {
		cl := g.classes[v]
		if cl == nil || cl.Kind != model {
			return ""
		}
		g.build(cl)
		var f *field
		for _, x := range cl.Fields {
			if x.Wire == sh.Tag.Property {
				f = x
			}
		}
		if f == nil || f.Tag == "" || f.Tag != sh.Tag.Values[i] || seen[f.Tag] || (name != "" && f.Name != name) {
			return ""
		}
		seen[f.Tag] = true
		name = f.Name
	}
	return name
}

// sortedClasses returns list sorted by name, without repeats.
func sortedClasses(list []*class) []*class {
	seen := map[*class]bool{}
	var out []*class
	for _, c := range list {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
