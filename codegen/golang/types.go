package golang

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
)

// repOf decides how values of shape sh are held in Go, declaring the
// named types this needs. hint names a type created for an inline schema.
// The shape already cut recursions that pass through no Object or Union
// (Go could not spell them either: the inner occurrence is any).
func (b *builder) repOf(sh *shape.Shape, hint string) *rep {
	if r, ok := b.reps[sh]; ok {
		return r
	}
	r := b.computeRep(sh, hint)
	b.reps[sh] = r
	return r
}

func (b *builder) typeHint(sh *shape.Shape, hint string) string {
	if sh.Name != "" {
		if n := exportedName(sh.Name); n != "" {
			return n
		}
	}
	if sh.Title != "" && hint == "" {
		return exportedName(sh.Title)
	}
	return hint
}

// typeName is the Go name of the type declared for sh: the one reserved
// for a named schema, else a fresh one from the hint.
func (b *builder) typeName(sh *shape.Shape, hint, fallback string) string {
	if name, ok := b.reserved[sh.Schema]; ok {
		return name
	}
	return b.ns.take(b.typeHint(sh, hint), fallback)
}

// reserve gives every named schema reachable from the roots its name
// before any inline schema is named, so that components.schemas.Foo is
// Foo even when an inline type met earlier would also like that name.
func (b *builder) reserve(roots []Root) {
	seen := map[*ir.Schema]bool{}
	var walk func(s *ir.Schema)
	walk = func(s *ir.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Name != "" {
			if n := exportedName(s.Name); n != "" {
				b.reserved[s] = b.ns.take(n, "Schema")
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
	for _, r := range roots {
		walk(r.Schema)
	}
}

// computeRep maps a shape to its Go representation. Where Go cannot hold
// a shape as it is, the value stays a JSON value (any): a nullable
// container whose nil could not tell null from absent, a pointer to a
// pointer, a tuple, an object with a key encoding/json cannot name.
func (b *builder) computeRep(sh *shape.Shape, hint string) *rep {
	s := sh.Schema
	switch sh.Kind {
	case shape.Nullable:
		if sh.Elem.Schema != s {
			// anyOf [T, null]: a pointer to T's representation.
			r := b.repOf(sh.Elem, b.typeHint(sh, hint))
			if r.kind == repAny || r.kind == repPtr {
				return anyRep
			}
			return &rep{kind: repPtr, elem: r}
		}
		// type [T, null]. nil already says null for slices and maps
		// only when absence and null mean the same; keep the JSON value.
		r := b.repOf(sh.Elem, hint)
		if r.kind == repAny || r.kind == repSlice || r.kind == repMap {
			return anyRep
		}
		return &rep{kind: repPtr, elem: r}
	case shape.Enum:
		return b.enumRep(sh, hint)
	case shape.String:
		if b.typedFormats && sh.Format == "date-time" && onlyFormat(s) {
			b.imports["time"] = true
			return &rep{kind: repTime}
		}
		return &rep{kind: repString}
	case shape.Integer:
		return &rep{kind: repInt}
	case shape.Number:
		return &rep{kind: repFloat}
	case shape.Boolean:
		return &rep{kind: repBool}
	case shape.List:
		elem := b.elemRep(sh.Elem, b.typeHint(sh, hint)+"Item")
		return &rep{kind: repSlice, elem: comparedElem(sh, elem)}
	case shape.Tuple:
		return &rep{kind: repSlice, elem: anyRep}
	case shape.Map:
		elem := b.elemRep(sh.Elem, b.typeHint(sh, hint)+"Value")
		return &rep{kind: repMap, elem: comparedElem(sh, elem)}
	case shape.Object:
		if goObject(sh) {
			return b.structRep(sh, hint)
		}
		return objectFallback(sh)
	case shape.Union:
		if r := b.unionRep(sh, hint); r != nil {
			return r
		}
		return objectFallback(sh)
	}
	return anyRep
}

// goObject reports whether a struct can hold the Object sh: encoding/json
// must be able to name every member in a struct tag.
func goObject(sh *shape.Shape) bool {
	for _, m := range sh.Members {
		if !validTag(m.Name) {
			return false
		}
	}
	return true
}

// objectFallback holds an Object or Union Go has no struct for: a
// map[string]any when the schema says type object, else any.
func objectFallback(sh *shape.Shape) *rep {
	if contains(sh.Schema.Type, "object") {
		return &rep{kind: repMap, elem: anyRep}
	}
	return anyRep
}

// onlyFormat reports whether a string schema says nothing but its type
// and format, so that a typed value (time.Time) can stand for it: decoding
// then enforces the format.
func onlyFormat(s *ir.Schema) bool {
	c := *s
	c.Type, c.Format = nil, ""
	return !shape.HasAssertions(&c)
}

// comparedElem keeps elements as JSON values when the container is
// compared as a whole (uniqueItems, enum, const) and its elements are
// structs or containers: a Go value marshalled back to JSON cannot tell an
// absent member from a null or empty one, so it cannot be compared
// exactly.
func comparedElem(sh *shape.Shape, elem *rep) *rep {
	c := sh.Constraints
	if (c.UniqueItems || c.Enum != nil || c.HasConst) && elem.kind != repAny && !elem.comparable() {
		return anyRep
	}
	return elem
}

// elemRep is the representation of array items and map values. Inner
// containers stay JSON values: encoding/json decodes [null] into []T{nil}
// and [[null]] into [][]int64{{0}}, and only a struct sees the nulls of
// its own fields' elements.
func (b *builder) elemRep(sh *shape.Shape, hint string) *rep {
	r := b.repOf(sh, hint)
	if r.kind == repSlice || r.kind == repMap {
		return anyRep
	}
	return r
}

func (b *builder) declare(t *namedType) {
	b.types = append(b.types, t)
}

// enumRep declares a string type with a constant per value.
func (b *builder) enumRep(sh *shape.Shape, hint string) *rep {
	name := b.typeName(sh, hint, "Enum")
	t := &namedType{Name: name, Kind: "enum", Underlying: "string", Doc: docLines(name, sh)}
	r := &rep{kind: repString, named: t}
	t.rep = r
	t.owner = sh.Schema
	for _, str := range sh.Values {
		fallback := name + "Value"
		if str == "" {
			fallback = name + "Empty"
		}
		want := ""
		if n := exportedName(str); n != "" {
			want = name + n
		}
		cn := b.ns.take(want, fallback)
		t.Consts = append(t.Consts, &enumConst{Name: cn, Value: strconv.Quote(str)})
	}
	b.declare(t)
	return r
}

// structRep declares a struct for an Object.
func (b *builder) structRep(sh *shape.Shape, hint string) *rep {
	name := b.typeName(sh, hint, "Object")
	t := &namedType{Name: name, Kind: "struct", Doc: docLines(name, sh), building: true}
	r := &rep{kind: repStruct, named: t}
	t.rep = r
	b.reps[sh] = r
	t.owner = sh.Schema
	b.declare(t)

	fields := newNamespace("Validate", "UnmarshalJSON", "MarshalJSON", "AppendJSON")
	for i, m := range sh.Members {
		f := &field{Key: strconv.Quote(m.Name), jsonKey: m.Name, shapes: m.Declared, Index: i, required: m.Required}
		for _, d := range m.Declared {
			f.schemas = append(f.schemas, d.Schema)
		}
		f.Name = fields.take(exportedName(m.Name), "Field")
		f.Doc = propDoc(f.Name, m.Description)
		t.Fields = append(t.Fields, f)
	}
	for _, f := range t.Fields {
		f.rep = b.fieldRep(f, name)
		b.finishField(t, f)
	}
	keys := make([]string, len(t.Fields))
	args := ""
	for i, f := range t.Fields {
		keys[i] = f.Key
		if nullLost(f.rep) {
			args += ", " + strconv.Itoa(i)
		}
	}
	t.KeepUnknown = sh.Closed
	t.KeysVar = b.addVar("Keys", "validate.NewKeys([]string{"+strings.Join(keys, ", ")+"}, "+strconv.FormatBool(t.KeepUnknown)+args+")")
	t.building = false
	return r
}

// fieldRep chooses one representation for a member declared by one or
// more schemas (allOf members): the Go type they agree on, else any.
func (b *builder) fieldRep(f *field, owner string) *rep {
	var chosen *rep
	for _, d := range f.shapes {
		r := b.repOf(d, owner+f.Name)
		if r.kind == repAny {
			continue
		}
		if chosen == nil {
			chosen = r
		} else if chosen.goType() != r.goType() {
			return anyRep
		}
	}
	if chosen == nil {
		return anyRep
	}
	if len(f.shapes) > 1 && (chosen.byPointer() || chosen.kind == repPtr) {
		return anyRep
	}
	return chosen
}

// finishField decides the field's Go type and tag.
func (b *builder) finishField(t *namedType, f *field) {
	defer func() { f.Decode = decodeCall(f) }()
	r := f.rep
	if len(f.shapes) == 1 {
		if c := f.shapes[0].Constraints; c.HasConst && r.kind == repString && r.named == nil {
			if str, ok := c.Const.(string); ok {
				f.Const = strconv.Quote(str)
				f.Type = "string"
				f.JSON = f.jsonKey
				t.ConstFields = append(t.ConstFields, f)
				return
			}
		}
	}
	f.null = r.kind == repPtr || r.kind == repAny
	recursive := r.kind == repStruct && r.named.building
	switch {
	case r.kind == repPtr, r.kind == repAny, r.kind == repSlice, r.kind == repMap:
		f.Type = r.goType()
		f.ptr = r.kind == repPtr
	case !f.required || recursive:
		f.Type = "*" + r.goType()
		f.ptr = true
	default:
		f.Type = r.goType()
	}
	f.JSON = f.jsonKey
	if !f.required {
		f.JSON += ",omitempty"
	}
}

// unionRep declares a union for a Union shape; nil when Go cannot hold
// one of its variants in a struct.
func (b *builder) unionRep(sh *shape.Shape, hint string) *rep {
	if !sh.ObjectsOnly {
		return nil
	}
	for _, v := range sh.Variants {
		if !goObject(v) {
			return nil
		}
	}
	name := b.typeName(sh, hint, "Union")
	t := &namedType{Name: name, Kind: "union", Doc: docLines(name, sh), Exclusive: sh.Exclusive}
	t.Interface = b.ns.take(name+"Variant", name+"Variant")
	t.Marker = "is" + name
	r := &rep{kind: repUnion, named: t}
	t.rep = r
	t.owner = sh.Schema
	b.reps[sh] = r
	b.declare(t)
	for i, v := range sh.Variants {
		vr := b.repOf(v, name+variantName(v, i))
		t.Variants = append(t.Variants, &variant{Type: vr.goType(), schema: v.Schema, rep: vr})
	}
	if sh.Tag != nil {
		t.Discriminator = sh.Tag.Property
		for i, v := range t.Variants {
			v.Tag = strconv.Quote(sh.Tag.Values[i])
		}
	}
	return r
}

func variantName(sh *shape.Shape, i int) string {
	if sh.Title != "" {
		if n := exportedName(sh.Title); n != "" {
			return n
		}
	}
	return "Variant" + strconv.Itoa(i+1)
}

// validTag reports whether encoding/json accepts name as a struct tag's
// key (its own rule), so that the field really decodes from that key.
func validTag(name string) bool {
	if name == "" || name == "-" {
		return false
	}
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// docLines turns title and description into comment lines starting with
// the Go name, as Go doc comments do.
func docLines(name string, sh *shape.Shape) []string {
	var lines []string
	title := strings.TrimSpace(sh.Title)
	desc := strings.TrimSpace(sh.Description)
	if exportedName(title) == name {
		title = "" // Pydantic titles a model with its class name: no news.
	}
	switch {
	case title != "" && desc != "":
		lines = append(lines, name+" is "+strconv.Quote(title)+":")
		lines = append(lines, strings.Split(desc, "\n")...)
	case title != "":
		lines = append(lines, name+" is "+strconv.Quote(title)+".")
	case desc != "":
		lines = strings.Split(name+": "+desc, "\n")
	case sh.Schema.Pointer != "":
		lines = append(lines, name+" is generated from the schema at "+strconv.Quote(shortPointer(sh.Schema.Pointer))+".")
	}
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t\r")
	}
	return lines
}

func propDoc(name, text string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	lines := strings.Split(name+": "+text, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t\r")
	}
	return lines
}

func sortedStrings(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// shortPointer drops the directories from file#pointer, so that output
// does not depend on where the document was read from.
func shortPointer(p string) string {
	file, frag, _ := strings.Cut(p, "#")
	if i := strings.LastIndexAny(file, "/\\"); i >= 0 {
		file = file[i+1:]
	}
	return file + "#" + frag
}

// nullLost reports whether encoding/json would turn a null element of a
// value of r into a zero value: a slice or map whose elements are not
// pointers, interfaces or structs (a struct sees null itself).
func nullLost(r *rep) bool {
	if r.kind != repSlice && r.kind != repMap {
		return false
	}
	switch r.elem.kind {
	case repAny, repPtr, repStruct, repUnion:
		return false
	}
	return true
}

// decodeCall is the statement a struct's UnmarshalJSON runs for the
// value of field f: validate.Decoder methods for the Go types it reads
// without encoding/json, encoding/json (Decoder.JSON) for the others
// (any, time.Time, and containers of them).
func decodeCall(f *field) string {
	at := "&x." + f.Name
	if f.Const != "" {
		return "d.Const(" + at + ", " + f.Const + ")"
	}
	r := f.rep
	if strings.HasPrefix(f.Type, "*") && r.kind != repPtr {
		r = &rep{kind: repPtr, elem: r}
	}
	if stmt := decodeInto(r, at, 1); stmt != "" {
		return stmt
	}
	return "d.JSON(" + at + ")"
}

// decodeInto is Go code decoding the Decoder d's current value into at,
// an expression of type *T for r's Go type T; "" when only encoding/json
// can. depth numbers the variables of nested pointers and arrays.
func decodeInto(r *rep, at string, depth int) string {
	n := strconv.Itoa(depth)
	switch r.kind {
	case repStruct, repUnion:
		return "d.Object(" + at + ")"
	case repPtr:
		inner := decodeInto(r.elem, "p"+n, depth+1)
		if inner == "" {
			return ""
		}
		return "if p" + n + " := validate.Alloc(&d, " + at + "); p" + n + " != nil {\n" + inner + "\n}"
	case repSlice:
		inner := decodeInto(r.elem, "a"+n+".Elem()", depth+1)
		if inner == "" {
			return ""
		}
		return "for a" + n + " := validate.Array(" + at + "); a" + n + ".Next(&d); {\n" + inner + "\n}"
	case repMap:
		inner := decodeInto(r.elem, "m"+n+".Value()", depth+1)
		if inner == "" {
			return ""
		}
		return "for m" + n + " := validate.Map(" + at + "); m" + n + ".Next(&d); {\n" + inner + "\n}"
	}
	method := ""
	switch r.kind {
	case repString:
		method = "String"
	case repInt:
		method = "Int"
	case repFloat:
		method = "Float"
	case repBool:
		method = "Bool"
	default:
		return ""
	}
	if r.named != nil {
		at = "(*" + r.named.Underlying + ")(" + at + ")"
	}
	return "d." + method + "(" + at + ")"
}

// markEncoders gives a chanxEncode method (Go code writing the struct's
// JSON through validate.Encoder) to every struct with a MarshalJSON (those
// with const fields) and to the structs those encode inside them.
func markEncoders(types []*namedType) {
	var mark func(t *namedType)
	mark = func(t *namedType) {
		if t.Encode != "" {
			return
		}
		t.Encode = "e.Open()" // marked before its fields: recursion ends
		var body []string
		body = append(body, "e.Open()")
		for _, f := range t.Fields {
			var stmt string
			if f.Const != "" {
				stmt = "e.Key(" + jsonKeyLit(f.jsonKey) + ")\nif x." + f.Name + " == \"\" {\ne.String(" + f.Const + ")\n} else {\ne.String(x." + f.Name + ")\n}"
			} else {
				r := f.rep
				if strings.HasPrefix(f.Type, "*") && r.kind != repPtr {
					r = &rep{kind: repPtr, elem: r}
				}
				stmt = "e.Key(" + jsonKeyLit(f.jsonKey) + ")\n" + encodeStmt(r, "x."+f.Name, 1, mark)
				if strings.HasSuffix(f.JSON, ",omitempty") {
					if cond := nonEmpty(r, "x."+f.Name); cond != "" {
						stmt = "if " + cond + " {\n" + stmt + "\n}"
					}
				}
			}
			body = append(body, stmt)
		}
		body = append(body, "e.Close()")
		t.Encode = strings.Join(body, "\n")
	}
	for _, t := range types {
		if t.Kind == "struct" && len(t.ConstFields) > 0 {
			mark(t)
		}
	}
}

// jsonKeyLit is the Go literal of a member's key written as JSON, colon
// included, as encoding/json writes it (HTML characters as they are).
func jsonKeyLit(key string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(key) // a string always encodes
	return strconv.Quote(strings.TrimSuffix(buf.String(), "\n") + ":")
}

// nonEmpty is the condition under which encoding/json writes an
// omitempty field holding v of r's Go type; "" when always.
func nonEmpty(r *rep, v string) string {
	switch r.kind {
	case repPtr, repAny:
		return v + " != nil"
	case repSlice, repMap:
		return "len(" + v + ") != 0"
	case repString:
		return v + ` != ""`
	case repInt, repFloat:
		return v + " != 0"
	case repBool:
		return v
	}
	return ""
}

// encodeStmt is Go code writing v, a value of r's Go type, through the
// Encoder e; structs it writes get their own chanxEncode (mark).
func encodeStmt(r *rep, v string, depth int, mark func(*namedType)) string {
	n := strconv.Itoa(depth)
	switch r.kind {
	case repStruct:
		mark(r.named)
		return v + ".chanxEncode(e)"
	case repPtr:
		return "if p" + n + " := " + v + "; p" + n + " == nil {\ne.Null()\n} else {\n" + encodeStmt(r.elem, "(*p"+n+")", depth+1, mark) + "\n}"
	case repSlice:
		return "if " + v + " == nil {\ne.Null()\n} else {\ne.OpenArray()\nfor i" + n + " := range " + v + " {\ne.Elem()\n" +
			encodeStmt(r.elem, v+"[i"+n+"]", depth+1, mark) + "\n}\ne.CloseArray()\n}"
	}
	method, conv := "", ""
	switch r.kind {
	case repString:
		method, conv = "String", "string"
	case repInt:
		method, conv = "Int", "int64"
	case repFloat:
		method, conv = "Float", "float64"
	case repBool:
		method, conv = "Bool", "bool"
	default:
		return "e.JSON(" + v + ")"
	}
	if r.named != nil {
		v = conv + "(" + v + ")"
	}
	return "e." + method + "(" + v + ")"
}
