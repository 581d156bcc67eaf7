package golang

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/chanxgo/chanx/ir"
)

// repOf decides how values of s are held in Go, declaring the named types
// this needs. hint names a type created for an inline schema.
func (b *builder) repOf(s *ir.Schema, hint string) *rep {
	if r, ok := b.reps[s]; ok {
		return r
	}
	if b.active[s] {
		// A recursion that passes through no named type cannot be
		// spelled in Go; the inner occurrence is held as a JSON value.
		return anyRep
	}
	b.active[s] = true
	defer delete(b.active, s)
	r := b.computeRep(s, hint)
	b.reps[s] = r
	return r
}

func (b *builder) typeHint(s *ir.Schema, hint string) string {
	if s.Name != "" {
		if n := exportedName(s.Name); n != "" {
			return n
		}
	}
	if s.Title != "" && hint == "" {
		return exportedName(s.Title)
	}
	return hint
}

// typeName is the Go name of the type declared for s: the one reserved
// for a named schema, else a fresh one from the hint.
func (b *builder) typeName(s *ir.Schema, hint, fallback string) string {
	if name, ok := b.reserved[s]; ok {
		return name
	}
	return b.ns.take(b.typeHint(s, hint), fallback)
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

func (b *builder) computeRep(s *ir.Schema, hint string) *rep {
	if s.Bool != nil {
		return anyRep
	}
	if inner := nullableInner(s); inner != nil {
		r := b.repOf(inner, b.typeHint(s, hint))
		if r.kind == repAny || r.kind == repPtr {
			return anyRep
		}
		return &rep{kind: repPtr, elem: r}
	}
	types, nullable := nonNullTypes(s)
	if len(types) == 0 && !nullable {
		if onlyStrings(s.Enum) || (s.HasConst && onlyStrings([]any{s.Const})) {
			types = []string{"string"}
		} else if r := b.unionRep(s, hint); r != nil {
			return r
		} else if r := b.structRep(s, hint); r != nil {
			return r
		}
	}
	if len(types) != 1 {
		return anyRep
	}
	var r *rep
	switch types[0] {
	case "string":
		r = &rep{kind: repString}
		if len(s.Enum) > 0 && onlyStrings(s.Enum) {
			r = b.enumRep(s, hint)
		} else if b.typedFormats && s.Format == "date-time" && onlyFormat(s) {
			b.imports["time"] = true
			r = &rep{kind: repTime}
		}
	case "integer":
		r = &rep{kind: repInt}
	case "number":
		r = &rep{kind: repFloat}
	case "boolean":
		r = &rep{kind: repBool}
	case "array":
		if s.Items != nil && s.TupleItems == nil {
			r = &rep{kind: repSlice, elem: b.elemRep(s.Items, b.typeHint(s, hint)+"Item")}
		} else {
			r = &rep{kind: repSlice, elem: anyRep}
		}
		r.elem = comparedElem(s, r.elem)
	case "object":
		if sr := b.structRep(s, hint); sr != nil {
			r = sr
		} else if ur := b.unionRep(s, hint); ur != nil {
			r = ur
		} else {
			elem := anyRep
			if len(s.Properties) == 0 && len(s.PatternProperties) == 0 && s.AdditionalProperties != nil {
				elem = b.elemRep(s.AdditionalProperties, b.typeHint(s, hint)+"Value")
			}
			r = &rep{kind: repMap, elem: comparedElem(s, elem)}
		}
	default:
		return anyRep
	}
	if nullable {
		if r.kind == repSlice || r.kind == repMap {
			// nil already says null for slices and maps only when
			// absence and null mean the same; keep the JSON value.
			return anyRep
		}
		return &rep{kind: repPtr, elem: r}
	}
	return r
}

// onlyFormat reports whether a string schema says nothing but its type
// and format, so that a typed value (time.Time) can stand for it: decoding
// then enforces the format.
func onlyFormat(s *ir.Schema) bool {
	c := *s
	c.Type, c.Format = nil, ""
	return !hasAssertions(&c)
}

// comparedElem keeps elements as JSON values when the container is
// compared as a whole (uniqueItems, enum, const) and its elements are
// structs or containers: a Go value marshalled back to JSON cannot tell an
// absent member from a null or empty one, so it cannot be compared
// exactly.
func comparedElem(s *ir.Schema, elem *rep) *rep {
	if (s.UniqueItems || s.Enum != nil || s.HasConst) && elem.kind != repAny && !elem.comparable() {
		return anyRep
	}
	return elem
}

// elemRep is the representation of array items and map values. Inner
// containers stay JSON values: encoding/json decodes [null] into []T{nil}
// and [[null]] into [][]int64{{0}}, and only a struct sees the nulls of
// its own fields' elements.
func (b *builder) elemRep(s *ir.Schema, hint string) *rep {
	r := b.repOf(s, hint)
	if r.kind == repSlice || r.kind == repMap {
		return anyRep
	}
	return r
}

func (b *builder) declare(t *namedType) {
	b.types = append(b.types, t)
}

// enumRep declares a string type with a constant per value.
func (b *builder) enumRep(s *ir.Schema, hint string) *rep {
	name := b.typeName(s, hint, "Enum")
	t := &namedType{Name: name, Kind: "enum", Underlying: "string", Doc: docLines(name, s)}
	r := &rep{kind: repString, named: t}
	t.rep = r
	t.owner = s
	seen := map[string]bool{}
	for _, v := range s.Enum {
		str := v.(string)
		if seen[str] {
			continue
		}
		seen[str] = true
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

// structFields gathers the properties of s and of the allOf members merged
// into it; ok is false when s is not a plain object a struct can hold.
func structFields(s *ir.Schema) (props []*ir.Property, required []string, ok bool) {
	return objectFields(s, false)
}

// objectFields is structFields; nullOK accepts type [object, null], which
// the caller then holds by pointer.
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
	if ap := s.AdditionalProperties; ap != nil && ap.Bool == nil && hasAssertions(ap) {
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
			mp, mr, ok := structFields(m)
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
		if !validTag(p.Name) {
			// encoding/json cannot name this key in a struct tag.
			return nil, nil, false
		}
		known[p.Name] = true
	}
	for _, r := range required {
		if !known[r] {
			return nil, nil, false
		}
	}
	return props, required, true
}

// structRep declares a struct for an object schema with known properties.
func (b *builder) structRep(s *ir.Schema, hint string) *rep {
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
	name := b.typeName(s, hint, "Object")
	t := &namedType{Name: name, Kind: "struct", Doc: docLines(name, s), building: true}
	r := &rep{kind: repStruct, named: t}
	t.rep = r
	b.reps[s] = r
	t.owner = s
	b.declare(t)

	fields := newNamespace("Validate", "UnmarshalJSON", "MarshalJSON", "AppendJSON")
	byKey := map[string]*field{}
	var order []*field
	for _, p := range props {
		if f, ok := byKey[p.Name]; ok {
			f.schemas = append(f.schemas, p.Schema)
			continue
		}
		f := &field{Key: strconv.Quote(p.Name), jsonKey: p.Name, schemas: []*ir.Schema{p.Schema}}
		f.Name = fields.take(exportedName(p.Name), "Field")
		f.Doc = propDoc(f.Name, p.Schema)
		byKey[p.Name] = f
		order = append(order, f)
	}
	req := map[string]bool{}
	for _, r := range required {
		req[r] = true
	}
	for i, f := range order {
		f.Index = i
		f.required = req[f.jsonKey]
		f.rep = b.fieldRep(f, name)
		b.finishField(t, f)
		t.Fields = append(t.Fields, f)
	}
	keys := make([]string, len(order))
	args := ""
	for i, f := range order {
		keys[i] = f.Key
		if nullLost(f.rep) {
			args += ", " + strconv.Itoa(i)
		}
	}
	if ap := s.AdditionalProperties; ap != nil && ap.Bool != nil && !*ap.Bool {
		t.KeepUnknown = true
	}
	t.KeysVar = b.addVar("Keys", "validate.NewKeys([]string{"+strings.Join(keys, ", ")+"}, "+strconv.FormatBool(t.KeepUnknown)+args+")")
	t.building = false
	return r
}

// fieldRep chooses one representation for a property declared by one or
// more schemas (allOf members).
func (b *builder) fieldRep(f *field, owner string) *rep {
	var chosen *rep
	for _, s := range f.schemas {
		r := b.repOf(s, owner+f.Name)
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
	if len(f.schemas) > 1 && (chosen.byPointer() || chosen.kind == repPtr) {
		return anyRep
	}
	return chosen
}

// finishField decides the field's Go type and tag.
func (b *builder) finishField(t *namedType, f *field) {
	defer func() { f.Decode = decodeCall(f) }()
	r := f.rep
	if len(f.schemas) == 1 {
		if s := f.schemas[0]; s.HasConst && r.kind == repString && r.named == nil {
			if str, ok := s.Const.(string); ok {
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

// unionRep declares a union for oneOf/anyOf whose variants are all structs.
func (b *builder) unionRep(s *ir.Schema, hint string) *rep {
	list, exclusive := s.OneOf, true
	if len(list) == 0 {
		list, exclusive = s.AnyOf, false
	} else if len(s.AnyOf) > 0 {
		return nil
	}
	if len(list) < 2 {
		return nil
	}
	c := *s
	c.OneOf, c.AnyOf, c.Type = nil, nil, nil
	if hasAssertions(&c) {
		return nil
	}
	if types, nullable := nonNullTypes(s); nullable || len(types) > 1 || (len(types) == 1 && types[0] != "object") {
		return nil
	}
	seen := map[*ir.Schema]bool{}
	for _, v := range list {
		if seen[v] {
			return nil
		}
		seen[v] = true
		if _, _, ok := structFields(v); !ok || !declaresObject(v) {
			return nil
		}
	}
	name := b.typeName(s, hint, "Union")
	t := &namedType{Name: name, Kind: "union", Doc: docLines(name, s), Exclusive: exclusive}
	t.Interface = b.ns.take(name+"Variant", name+"Variant")
	t.Marker = "is" + name
	r := &rep{kind: repUnion, named: t}
	t.rep = r
	t.owner = s
	b.reps[s] = r
	b.declare(t)
	for i, v := range list {
		vr := b.repOf(v, name+variantName(v, i))
		if vr.kind != repStruct {
			// Cannot happen: structFields accepted it.
			return nil
		}
		t.Variants = append(t.Variants, &variant{Type: vr.goType(), schema: v, rep: vr})
	}
	t.Discriminator = discriminator(s, list)
	if t.Discriminator != "" {
		for _, v := range t.Variants {
			v.Tag = strconv.Quote(tagOf(v.schema, t.Discriminator))
		}
	}
	return r
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

func variantName(s *ir.Schema, i int) string {
	if s.Title != "" {
		if n := exportedName(s.Title); n != "" {
			return n
		}
	}
	return "Variant" + strconv.Itoa(i+1)
}

// discriminator finds the property that tells the variants apart: the
// discriminator keyword when given, otherwise a property every variant
// requires... or fixes with a distinct const string (Chanx's action).
func discriminator(s *ir.Schema, list []*ir.Schema) string {
	candidates := []string{}
	if s.Discriminator != "" {
		candidates = append(candidates, s.Discriminator)
	}
	props, _, _ := structFields(list[0])
	for _, p := range props {
		candidates = append(candidates, p.Name)
	}
	for _, c := range candidates {
		tags := map[string]bool{}
		ok := true
		for _, v := range list {
			tag := tagOf(v, c)
			if tag == "" || tags[tag] {
				ok = false
				break
			}
			tags[tag] = true
		}
		if ok {
			return c
		}
	}
	return ""
}

// tagOf is the const string of property name in the object schema s.
func tagOf(s *ir.Schema, name string) string {
	props, _, _ := structFields(s)
	var tag string
	for _, p := range props {
		if p.Name != name {
			continue
		}
		ps := p.Schema
		switch {
		case ps.HasConst:
			if str, ok := ps.Const.(string); ok && str != "" {
				tag = str
			} else {
				return ""
			}
		case len(ps.Enum) == 1:
			if str, ok := ps.Enum[0].(string); ok && str != "" {
				tag = str
			} else {
				return ""
			}
		default:
			return ""
		}
	}
	return tag
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
func docLines(name string, s *ir.Schema) []string {
	var lines []string
	title := strings.TrimSpace(s.Title)
	desc := strings.TrimSpace(s.Description)
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
	case s.Pointer != "":
		lines = append(lines, name+" is generated from the schema at "+strconv.Quote(shortPointer(s.Pointer))+".")
	}
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t\r")
	}
	return lines
}

func propDoc(name string, s *ir.Schema) []string {
	text := strings.TrimSpace(s.Description)
	if text == "" {
		text = strings.TrimSpace(s.Title)
	}
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
