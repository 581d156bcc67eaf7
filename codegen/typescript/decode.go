package typescript

import (
	"strings"

	"github.com/chanxgo/chanx/codegen/shape"
)

// decoder is the decode pass of a struct or a tagged union: it finds the
// problem the Go runtime's decoding reports — the first member whose JSON
// type its Go type cannot hold, unless a nested struct fails, whose
// problem then wins at once — or undefined.
type decoder struct {
	Name  string
	Lines []string
}

// decoderOf is the name of r's decode function, "" when decoding a value
// of r cannot fail in a way the checks would not see (any, an untagged
// union).
func (vg *vgen) decoderOf(r *rep) string {
	for r.kind == repPtr {
		r = r.elem
	}
	if r.kind != repStruct && r.kind != repUnion {
		return ""
	}
	if d, ok := vg.decoders[r.sh]; ok {
		return d.Name
	}
	if r.kind == repUnion && r.sh.Tag == nil {
		return ""
	}
	d := &decoder{Name: "decode" + vg.typeName(r.sh)}
	vg.decoders[r.sh] = d
	if r.kind == repStruct {
		vg.structDecoder(d, r)
	} else {
		vg.unionDecoder(d, r)
	}
	vg.decOrder = append(vg.decOrder, d)
	return d.Name
}

const decodeSig = "(x: unknown, at: v.Path | undefined): v.Problem | undefined {"

func (vg *vgen) structDecoder(d *decoder, r *rep) {
	lines := []string{"function " + d.Name + decodeSig,
		"  if (!v.isObject(x)) return v.decodeField(x, at, \"model\", " + tsString(vg.goName(r.sh)) + ");"}
	// Members that decode alike share one case.
	type group struct {
		keys []string
		body []string
		fin  bool
	}
	var groups []*group
	byBody := map[string]*group{}
	for _, m := range r.sh.Members {
		body, fin := vg.decodeValue(vg.fieldRep(m), "x[k]", "v.key(at, k)", "    ")
		if len(body) == 0 {
			continue
		}
		k := strings.Join(body, "\n")
		if g, ok := byBody[k]; ok {
			g.keys = append(g.keys, m.Name)
			continue
		}
		g := &group{keys: []string{m.Name}, body: body, fin: fin}
		byBody[k] = g
		groups = append(groups, g)
	}
	if len(groups) == 0 {
		lines = append(lines, "  return undefined;", "}")
		d.Lines = lines
		return
	}
	anyFirst := false
	for _, g := range groups {
		anyFirst = anyFirst || !g.fin
	}
	if anyFirst {
		lines = append(lines, "  let first: v.Problem | undefined;")
	}
	lines = append(lines, "  for (const k of Object.keys(x)) {", "    switch (k) {")
	for _, g := range groups {
		// Braces only where the case declares a constant.
		braces := strings.HasPrefix(strings.TrimSpace(g.body[0]), "const ")
		for i, k := range g.keys {
			line := "      case " + tsString(k) + ":"
			if i == len(g.keys)-1 && braces {
				line += " {"
			}
			lines = append(lines, line)
		}
		for _, b := range g.body {
			lines = append(lines, "    "+b)
		}
		lines = append(lines, "        break;")
		if braces {
			lines = append(lines, "      }")
		}
	}
	lines = append(lines, "    }", "  }")
	if anyFirst {
		lines = append(lines, "  return first;")
	} else {
		lines = append(lines, "  return undefined;")
	}
	d.Lines = append(lines, "}")
}

// decodeValue is the code decoding the value e at path at for r: lines
// that set first (a type error, kept when it is the first) or return (a
// nested struct's problem, final). fin reports whether every problem it
// finds is final.
func (vg *vgen) decodeValue(r *rep, e, at, indent string) (lines []string, fin bool) {
	for r.kind == repPtr {
		r = r.elem
	}
	switch r.kind {
	case repInt, repFloat:
		kind := map[repKind]string{repInt: "int", repFloat: "float"}[r.kind]
		return []string{indent + "first ??= v.decodeNumber(" + e + ", " + at + ", " + tsString(kind) + ");"}, false
	case repString, repBool:
		kind := map[repKind]string{repString: "string", repBool: "bool"}[r.kind]
		return []string{indent + "first ??= v.decodeField(" + e + ", " + at + ", " + tsString(kind) + ");"}, false
	case repStruct, repUnion:
		name := vg.decoderOf(r)
		if name == "" {
			return nil, true
		}
		return []string{indent + "const d = " + name + "(" + e + ", " + at + ");", indent + "if (d !== undefined) return d;"}, true
	case repSlice, repMap:
		kind, loop, test := "list", "for (const y of e) {", "Array.isArray(e)"
		if r.kind == repMap {
			kind, loop, test = "dict", "for (const y of Object.values(e)) {", "v.isObject(e)"
		}
		inner, _ := vg.decodeValue(r.elem, "y", at, indent+"    ")
		if len(inner) == 0 {
			return []string{indent + "first ??= v.decodeField(" + e + ", " + at + ", " + tsString(kind) + ");"}, false
		}
		out := []string{indent + "{", indent + "  const e = " + e + ";", indent + "  if (" + test + ") {", indent + "    " + loop}
		out = append(out, indentLines(inner, "  ")...)
		out = append(out, indent+"    }", indent+"  } else {", indent+"    first ??= v.decodeField(e, "+at+", "+tsString(kind)+");", indent+"  }", indent+"}")
		return out, false
	}
	return nil, true
}

func indentLines(lines []string, by string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = by + l
	}
	return out
}

func (vg *vgen) unionDecoder(d *decoder, r *rep) {
	sh := r.sh
	lines := []string{"function " + d.Name + decodeSig,
		"  switch (v.isObject(x) ? " + own("x", sh.Tag.Property) + " : undefined) {"}
	any := false
	for i, vsh := range sh.Variants {
		name := vg.decoderOf(vg.repOf(vsh))
		if name == "" {
			continue
		}
		any = true
		lines = append(lines, "    case "+tsString(sh.Tag.Values[i])+":", "      return "+name+"(x, at);")
	}
	if !any {
		d.Lines = []string{"function " + d.Name + "(): v.Problem | undefined {", "  return undefined;", "}"}
		return
	}
	d.Lines = append(lines, "  }", "  return undefined;", "}")
}

// nullFrame reports whether a message's frame is the protocol's frame
// without a payload — the key fixed to the message's value and an
// optional null payload, nothing else — which shares one validator.
func nullFrame(sh *shape.Shape, key string) (string, bool) {
	if sh == nil || sh.Kind != shape.Object || len(sh.Members) != 2 || sh.Closed || key == "" {
		return "", false
	}
	tag, pay := sh.Members[0], sh.Members[1]
	if tag.Name != key || pay.Name != "payload" || tag.Required || pay.Required || len(tag.Declared) != 1 || len(pay.Declared) != 1 {
		return "", false
	}
	ts, ps := tag.Shape, pay.Shape
	c := ts.Constraints
	value, ok := c.Const.(string)
	if ts.Kind != shape.String || !ok || !c.HasConst || c.Enum != nil || c.Pattern != "" || c.MinLength != nil || c.MaxLength != nil || c.Format != "" {
		return "", false
	}
	if ps.Kind != shape.Null || !onlyType(ps) || !onlyType(ts) {
		return "", false
	}
	return value, true
}

// onlyType reports whether a schema says nothing but its type and const
// (and annotations).
func onlyType(sh *shape.Shape) bool {
	c := *sh.Schema
	c.Type, c.Const, c.HasConst = nil, nil, false
	return !shape.HasAssertions(&c)
}
