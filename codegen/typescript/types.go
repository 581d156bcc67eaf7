package typescript

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
)

// decl is one declaration of types.ts: an interface for an Object, a type
// alias for anything else that has a name (a named enum or union, a
// message whose payload is not an object).
type decl struct {
	Name string
	// Doc is the declaration's JSDoc, rendered.
	Doc string
	// Interface is true for `export interface`, with Members; else Alias
	// is the aliased type.
	Interface bool
	Members   []*member
	Alias     string

	shape *shape.Shape
	// tags are, for a message frame or a variant of a tagged union, the
	// member that names it and its value: the member's type is that
	// literal, required.
	tags     map[string]string
	built    bool
	message  *ir.Message
	aliasFor *shape.Shape
}

// member is one member of an interface.
type member struct {
	Key      string // as written: an identifier or a quoted name
	Wire     string
	Optional bool
	Type     string
	Doc      string
}

// typeOf is the TypeScript type of values of sh, declaring the named
// types it needs. hint names a declaration made for an inline schema.
func (g *gen) typeOf(sh *shape.Shape, hint string) string {
	switch sh.Kind {
	case shape.Object:
		return g.declOf(sh, hint).Name
	case shape.Union:
		if sh.ObjectsOnly || sh.Name != "" {
			return g.declOf(sh, hint).Name
		}
		return g.unionExpr(sh, hint)
	case shape.Enum:
		if sh.Name != "" {
			return g.declOf(sh, hint).Name
		}
		return enumExpr(sh.Values)
	case shape.Nullable:
		return orNull(g.typeOf(sh.Elem, hint))
	case shape.String:
		if s, ok := sh.Constraints.Const.(string); ok && sh.Constraints.HasConst {
			return tsString(s)
		}
		return "string"
	case shape.Integer, shape.Number:
		if n, ok := sh.Constraints.Const.(json.Number); ok && sh.Constraints.HasConst {
			if f, err := strconv.ParseFloat(string(n), 64); err == nil && strconv.FormatFloat(f, 'g', -1, 64) == string(n) {
				return string(n)
			}
		}
		return "number"
	case shape.Boolean:
		if b, ok := sh.Constraints.Const.(bool); ok && sh.Constraints.HasConst {
			return strconv.FormatBool(b)
		}
		return "boolean"
	case shape.Null:
		return "null"
	case shape.List:
		return arrayOf(g.typeOf(sh.Elem, hint+"Item"))
	case shape.Map:
		return "Record<string, " + g.typeOf(sh.Elem, hint+"Value") + ">"
	case shape.Tuple:
		var parts []string
		for i, p := range sh.Prefix {
			parts = append(parts, g.typeOf(p, hint+"Item"+strconv.Itoa(i+1))+"?")
		}
		if sh.Rest != nil {
			parts = append(parts, "..."+arrayOf(g.typeOf(sh.Rest, hint+"Rest")))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return anyType(sh.Types)
}

// anyType is the type of a value of the JSON types listed, unknown for
// every type.
func anyType(types []string) string {
	if len(types) == 0 {
		return "unknown"
	}
	var parts []string
	seen := map[string]bool{}
	for _, t := range types {
		var p string
		switch t {
		case "string":
			p = "string"
		case "integer", "number":
			p = "number"
		case "boolean":
			p = "boolean"
		case "null":
			p = "null"
		case "array":
			p = "unknown[]"
		case "object":
			p = "Record<string, unknown>"
		default:
			return "unknown"
		}
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " | ")
}

func enumExpr(values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = tsString(v)
	}
	return strings.Join(parts, " | ")
}

func orNull(t string) string {
	if t == "unknown" || t == "null" || strings.HasSuffix(t, " | null") {
		return t
	}
	return t + " | null"
}

// arrayOf is T[], with T in parentheses when it is a union.
func arrayOf(t string) string {
	if strings.ContainsAny(t, " |&") {
		return "(" + t + ")[]"
	}
	return t + "[]"
}

func (g *gen) unionExpr(sh *shape.Shape, hint string) string {
	var parts []string
	seen := map[string]bool{}
	for i, v := range sh.Variants {
		t := g.typeOf(v, hint+variantName(v, i))
		if t == "unknown" {
			return "unknown"
		}
		if !seen[t] {
			seen[t] = true
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " | ")
}

func variantName(sh *shape.Shape, i int) string {
	if n := pascalName(sh.Title); n != "" {
		return n
	}
	return "Variant" + strconv.Itoa(i+1)
}

// declOf is the declaration of a named or object shape, made on first
// use: named after its schema, else hint.
func (g *gen) declOf(sh *shape.Shape, hint string) *decl {
	if d, ok := g.decls[sh]; ok {
		return d
	}
	name, ok := g.reserved[sh.Schema]
	if !ok {
		want := hint
		if sh.Name == "" && sh.Title != "" && hint == "" {
			want = pascalName(sh.Title)
		}
		name = g.names.take(want, "Schema")
	}
	d := &decl{Name: name, shape: sh, Interface: sh.Kind == shape.Object}
	g.decls[sh] = d
	g.buildDecl(d)
	g.declared = append(g.declared, d)
	return d
}

// buildDecl fills in a declaration, once: its members (whose types declare
// what they need first, so that types.ts lists a declaration after those
// it uses) or its aliased type.
func (g *gen) buildDecl(d *decl) {
	if d.built {
		return
	}
	d.built = true
	sh := d.shape
	switch sh.Kind {
	case shape.Object:
		for _, m := range sh.Members {
			mm := &member{Key: propertyKey(m.Name), Wire: m.Name, Optional: !m.Required}
			mm.Type = g.typeOf(m.Shape, d.Name+firstOf(pascalName(m.Name), "Field"))
			if doc := memberDoc(m.Description, m.Name, mm.Type); doc != "" {
				mm.Doc = docComment("  ", doc)
			}
			d.Members = append(d.Members, mm)
		}
	case shape.Union:
		if sh.ObjectsOnly {
			var parts []string
			for i, v := range sh.Variants {
				vt := g.typeOf(v, d.Name+variantName(v, i))
				if sh.Tag != nil && v.Kind == shape.Object {
					g.tagDecl(g.decls[v], sh.Tag.Property, sh.Tag.Values[i])
				}
				parts = append(parts, vt)
			}
			d.Alias = strings.Join(dedupe(parts), " | ")
		} else {
			d.Alias = g.unionExpr(sh, d.Name)
		}
	case shape.Enum:
		d.Alias = enumExpr(sh.Values)
	default:
		d.Alias = g.typeOf(sh, d.Name)
	}
}

func dedupe(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// tagDecl makes the member key of an interface the literal value: the
// interface then says what its frames carry, and a switch on the member
// narrows a union of such interfaces.
func (g *gen) tagDecl(d *decl, key, value string) {
	if d == nil || !d.Interface || key == "" || value == "" {
		return
	}
	if d.tags == nil {
		d.tags = map[string]string{}
	}
	if old, ok := d.tags[key]; ok && old != value {
		return // named by two values in two places: keep the schema's type
	}
	for _, m := range d.Members {
		if m.Wire != key {
			continue
		}
		if m.Type != "string" && m.Type != tsString(value) && m.Type != "string | null" {
			continue
		}
		d.tags[key] = value
		m.Type = tsString(value)
		m.Optional = false
	}
}

// reserve gives every named schema reachable from the messages and
// components.schemas its name before any inline schema is named, so that
// components.schemas.Foo is Foo even when an inline type met earlier
// would also like that name.
func (g *gen) reserve() {
	seen := map[*ir.Schema]bool{}
	var walk func(s *ir.Schema)
	walk = func(s *ir.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Name != "" {
			if n := pascalName(s.Name); n != "" {
				g.reserved[s] = g.names.take(n, "Schema")
			}
		}
		for _, list := range [][]*ir.Schema{{s.Items, s.AdditionalItems, s.Contains, s.AdditionalProperties, s.PropertyNames, s.Not, s.If, s.Then, s.Else}, s.TupleItems, s.AllOf, s.AnyOf, s.OneOf} {
			for _, c := range list {
				walk(c)
			}
		}
		for _, list := range [][]*ir.Property{s.Properties, s.PatternProperties} {
			for _, p := range list {
				walk(p.Schema)
			}
		}
		for _, d := range s.Dependencies {
			walk(d.Schema)
		}
	}
	for _, m := range g.api.Messages {
		walk(m.Payload)
	}
	for _, s := range g.api.Schemas {
		walk(s)
	}
}

// messageDecl is the declaration of a message's frame: its payload's own
// when that is a declared shape, else an alias named after the message.
func (g *gen) messageDecl(m *ir.Message) *decl {
	if d, ok := g.msgs[m]; ok {
		return d
	}
	hint := firstOf(pascalName(m.Name), "Message")
	sh := g.shapes.Payloads[m]
	var d *decl
	switch {
	case sh == nil:
		d = &decl{Name: g.names.take(hint, "Message"), Alias: "unknown", built: true}
		g.declared = append(g.declared, d)
	case sh.Kind == shape.Object || (sh.Kind == shape.Union && sh.ObjectsOnly) || (sh.Name != "" && (sh.Kind == shape.Enum || sh.Kind == shape.Union)):
		d = g.declOf(sh, hint)
	default:
		d = g.aliases[sh]
		if d == nil {
			d = &decl{Name: g.names.take(hint, "Message"), shape: sh, aliasFor: sh, built: true}
			g.aliases[sh] = d
			d.Alias = g.typeOf(sh, d.Name)
			g.declared = append(g.declared, d)
		}
	}
	if d.message == nil {
		d.message = m
	}
	g.msgs[m] = d
	return d
}

// finishDocs writes each declaration's JSDoc once every message is known.
func (g *gen) finishDocs() {
	for _, d := range g.declared {
		if d.message != nil {
			m := d.message
			about := firstOf(m.Description, m.Summary, m.Title)
			if about == "" && d.shape != nil {
				about = firstOf(d.shape.Description, meaningfulTitle(d.shape.Title, d.Name))
			}
			if about == "" {
				about = "A frame of message " + strconv.Quote(m.Name)
				if d.shape != nil && d.shape.Schema.Pointer != "" {
					about += " (schema " + strconv.Quote(shortPointer(d.shape.Schema.Pointer)) + ")"
				}
				about += "."
			}
			d.Doc = docComment("", about)
			continue
		}
		if d.shape == nil {
			continue
		}
		about := firstOf(d.shape.Description, meaningfulTitle(d.shape.Title, d.Name))
		if about == "" && d.shape.Schema.Pointer != "" {
			about = "Generated from the schema at " + strconv.Quote(shortPointer(d.shape.Schema.Pointer)) + "."
		}
		d.Doc = docComment("", about)
	}
}

// meaningfulTitle is title unless it only repeats the type's name.
func meaningfulTitle(title, name string) string {
	title = strings.TrimSpace(title)
	if strings.EqualFold(strings.ReplaceAll(title, " ", ""), name) || pascalName(title) == name {
		return ""
	}
	return title
}

// memberDoc is a member's description, unless it only repeats the
// member's or its type's name, as Pydantic's titles do ("Max Tokens" for
// max_tokens).
func memberDoc(doc, wire, typ string) string {
	doc = strings.TrimSpace(doc)
	squeeze := func(s string) string {
		return strings.ToLower(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(s))
	}
	if squeeze(doc) == squeeze(wire) || squeeze(doc) == squeeze(typ) {
		return ""
	}
	return doc
}
