package typescript

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/golang"
	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/wire"
)

// The validator plan. A check function checks one schema for one Go
// representation, as codegen/golang's check functions do, statement for
// statement, with the problem types and messages of runtime/wire. Bodies
// are written with $X (the value) and $AT (its path) so that a call to a
// one-line function can be inlined.

// vfunc is one generated check function: (x, p, at) => void.
type vfunc struct {
	Name string
	Body []*stmt
	// empty is set by prune: the function checks nothing.
	empty bool
}

// stmt is one statement of a check function.
type stmt struct {
	// Line is a statement on one line, or, with Body, the header of a
	// block ("if (...) {") closed by "}".
	Line string
	Body []*stmt
	// Chain is an if / else if / else chain of branches (Cond "" is the
	// else); trailing empty branches go.
	Chain []*branch
	// Call calls Func on X at At; dropped when Func checks nothing.
	Func  *vfunc
	X, At string
	// Refs are functions the statement names (combinators), which stay
	// even when empty; AnyOf drops the statement when one of them is
	// empty (that branch accepts everything).
	Refs  []*vfunc
	AnyOf bool
	// Group renders Line and then Body at the same indent, without
	// braces; it goes with its Body (a member's local and its checks).
	Group bool
	// Aux statements only serve others (the known flag of a member
	// loop): a Loop left with nothing but them goes.
	Aux, Loop bool
}

// aux reports whether s only serves other statements.
func (s *stmt) aux() bool {
	if s.Aux {
		return true
	}
	if s.Body == nil || s.Func != nil || s.Chain != nil || len(s.Refs) > 0 {
		return false
	}
	for _, c := range s.Body {
		if !c.aux() {
			return false
		}
	}
	return true
}

type branch struct {
	Cond string
	Body []*stmt
}

type fkey struct {
	s   *ir.Schema
	rep string
}

// vgen builds the validators of one generation.
type vgen struct {
	g      *gen
	reps   map[*shape.Shape]*rep
	fields map[*shape.Member]*rep
	funcs  map[fkey]*vfunc
	order  []*vfunc
	// consts are module-level declarations (multipleOf decimals), by
	// value.
	consts   []string
	constIdx map[string]string
	// decoders are the decode functions of structs and unions.
	decoders map[*shape.Shape]*decoder
	decOrder []*decoder
	errs     []string
	// formats is set when a check needs base/formats.js.
	formats bool
}

// checkedFormats are the formats the Go runtime checks (its JSON Schema
// oracle's), which base/formats.ts checks by the same rules; others are
// annotations on both sides.
var checkedFormats = map[string]bool{"json-pointer": true, "relative-json-pointer": true, "uuid": true, "duration": true,
	"ipv4": true, "ipv6": true, "hostname": true, "email": true, "date": true, "time": true, "date-time": true,
	"uri": true, "iri": true, "uri-reference": true, "iri-reference": true}

func newVgen(g *gen) *vgen {
	return &vgen{g: g, reps: map[*shape.Shape]*rep{}, fields: map[*shape.Member]*rep{}, funcs: map[fkey]*vfunc{},
		constIdx: map[string]string{}, decoders: map[*shape.Shape]*decoder{}}
}

func (vg *vgen) errorf(s *ir.Schema, format string, args ...any) {
	where := s.Pointer
	if !s.Pos.IsZero() {
		where = s.Pos.String()
	}
	vg.errs = append(vg.errs, where+": "+fmt.Sprintf(format, args...))
}

func (vg *vgen) addConst(prefix, value string) string {
	if n, ok := vg.constIdx[value]; ok {
		return n
	}
	n := prefix + strconv.Itoa(len(vg.consts)+1)
	vg.consts = append(vg.consts, "const "+n+" = "+value+";")
	vg.constIdx[value] = n
	return n
}

func repKey(r *rep) string {
	switch r.kind {
	case repStruct, repUnion:
		return fmt.Sprintf("%d:%p", r.kind, r.sh)
	case repSlice, repMap, repPtr:
		return fmt.Sprintf("%d[%s]", r.kind, repKey(r.elem))
	}
	return strconv.Itoa(int(r.kind))
}

// check is the function checking s for r, made on first use.
func (vg *vgen) check(s *ir.Schema, r *rep) *vfunc {
	key := fkey{s, repKey(r)}
	if f, ok := vg.funcs[key]; ok {
		return f
	}
	f := &vfunc{}
	if (r.kind == repStruct || r.kind == repUnion) && s == r.owner {
		f.Name = "check" + vg.typeName(r.sh)
	} else {
		f.Name = "check" + strconv.Itoa(len(vg.order)+1)
	}
	vg.funcs[key] = f
	vg.order = append(vg.order, f)
	f.Body = vg.body(s, r)
	return f
}

// typeName is the declared name of a struct's or union's shape.
func (vg *vgen) typeName(sh *shape.Shape) string {
	if d := vg.g.decls[sh]; d != nil {
		return d.Name
	}
	return vg.g.declOf(sh, "Object").Name
}

// goName is the name the Go runtime gives a struct or union in its
// model_type and union messages: a named schema's Go name (the Go
// target's naming, codegen/golang.ExportedName), else the TypeScript
// name, which an inline schema's Go name matches but for initialisms.
func (vg *vgen) goName(sh *shape.Shape) string {
	if n := golang.ExportedName(sh.Name); n != "" {
		return n
	}
	return vg.typeName(sh)
}

func add(typ, msg string) *stmt {
	return &stmt{Line: "p.add($AT, " + tsString(typ) + ", " + tsQuote(msg) + ");"}
}

func call(f *vfunc, x, at string) *stmt { return &stmt{Func: f, X: x, At: at} }

func block(head string, body ...*stmt) *stmt { return &stmt{Line: head, Body: body} }

// wrongType reports a null (or another value) where a value of r's type
// belongs at path at, as the Go runtime does: the type's own problem.
func (vg *vgen) wrongType(r *rep, at string) *stmt {
	for r.kind == repPtr {
		r = r.elem
	}
	kind := ""
	switch r.kind {
	case repString:
		kind = `"string"`
	case repInt:
		kind = `"int"`
	case repFloat:
		kind = `"float"`
	case repBool:
		kind = `"bool"`
	case repSlice:
		kind = `"list"`
	case repMap:
		kind = `"dict"`
	case repStruct:
		return &stmt{Line: "v.wrongType(p, " + at + ", \"model\", " + tsString(vg.goName(r.sh)) + ");"}
	default:
		typ, msg := vg.typeProblem(r)
		return &stmt{Line: "p.add(" + at + ", " + tsString(typ) + ", " + tsQuote(msg) + ");"}
	}
	return &stmt{Line: "v.wrongType(p, " + at + ", " + kind + ");"}
}

// typeProblem is the problem of a value not of r's type (null included).
func (vg *vgen) typeProblem(r *rep) (string, string) {
	for r.kind == repPtr {
		r = r.elem
	}
	switch r.kind {
	case repAny, repUnion:
		return wire.TypeProblem(nil, "")
	case repStruct:
		return wire.TypeProblem([]string{"object"}, vg.goName(r.sh))
	}
	return wire.TypeProblem([]string{r.jsonKind()}, "")
}

func (vg *vgen) body(s *ir.Schema, r *rep) []*stmt {
	if s.Bool != nil {
		if *s.Bool {
			return nil
		}
		return []*stmt{{Line: "v.falseSchema(p, $AT);"}}
	}
	if r.kind == repPtr {
		inner := s
		if n := shape.NullableInner(s); n != nil {
			inner = n
		}
		if allowsNull(s) {
			return []*stmt{block("if ($X !== null) {", call(vg.check(inner, r.elem), "$X", "$AT"))}
		}
		return []*stmt{{Chain: []*branch{{Cond: "$X === null", Body: []*stmt{vg.wrongType(r.elem, "$AT")}}, {Body: []*stmt{call(vg.check(inner, r.elem), "$X", "$AT")}}}}}
	}
	if n := shape.NullableInner(s); n != nil && r.kind != repAny {
		return []*stmt{call(vg.check(n, r), "$X", "$AT")}
	}
	switch r.kind {
	case repAny:
		return vg.dynBody(s)
	case repStruct:
		if s == r.owner {
			return vg.structBody(r)
		}
		return vg.dynBody(s)
	case repUnion:
		if s == r.owner {
			return vg.unionBody(r)
		}
		return vg.dynBody(s)
	}
	return vg.typedBody(s, r)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var typeBits = map[string]string{
	"null": "v.T.Null", "boolean": "v.T.Boolean", "integer": "v.T.Integer",
	"number": "v.T.Number", "string": "v.T.String", "array": "v.T.Array", "object": "v.T.Object",
}

// typedBody checks a value whose Go type fixes its JSON type (the decode
// pass saw to it).
func (vg *vgen) typedBody(s *ir.Schema, r *rep) []*stmt {
	var out []*stmt
	if len(s.Type) > 0 {
		kind := r.jsonKind()
		ok := contains(s.Type, kind) || (kind == "integer" && contains(s.Type, "number"))
		switch {
		case !ok && kind == "number" && contains(s.Type, "integer"):
			out = append(out, block("if (!Number.isInteger($X)) {", add(wire.ProblemIntFromFloat, wire.MsgIntFromFloat), &stmt{Line: "return;"}))
		case !ok:
			return []*stmt{add(wire.TypeProblem(s.Type, ""))}
		}
	}
	out = append(out, vg.values(s)...)
	switch r.kind {
	case repString:
		out = append(out, vg.stringChecks(s, "$X as string")...)
	case repInt, repFloat:
		out = append(out, vg.numberChecks(s, "$X as number")...)
	case repSlice:
		out = append(out, vg.arrayChecks(s, r.elem, "($X as unknown[])")...)
	case repMap:
		out = append(out, vg.objectChecks(s, r, "($X as Record<string, unknown>)")...)
	}
	return append(out, vg.inPlace(s, r)...)
}

// values checks enum and const, with the messages Go writes.
func (vg *vgen) values(s *ir.Schema) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	if cs.Enum != nil {
		out = append(out, &stmt{Line: "v.checkEnum(p, $AT, $X, " + jsonLiteral(cs.Enum) + ", " + tsQuote(valuesMessage(cs.Enum)) + ");"})
	}
	if cs.HasConst {
		out = append(out, &stmt{Line: "v.checkConst(p, $AT, $X, " + jsonLiteral(cs.Const) + ", " + tsQuote(valuesMessage([]any{cs.Const})) + ");"})
	}
	return out
}

func valuesMessage(vals []any) string {
	s := wire.MsgExpected(vals)
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// jsonLiteral writes a JSON value as a TypeScript literal (JSON is one,
// numbers as written).
func jsonLiteral(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return strings.NewReplacer("\u2028", `\u2028`, "\u2029", `\u2029`).Replace(string(data))
}

func (vg *vgen) stringChecks(s *ir.Schema, x string) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	minLen, maxLen := "undefined", "undefined"
	if cs.MinLength != nil && *cs.MinLength > 0 {
		minLen = strconv.Itoa(*cs.MinLength)
	}
	if cs.MaxLength != nil {
		maxLen = strconv.Itoa(*cs.MaxLength)
	}
	if minLen != "undefined" || maxLen != "undefined" {
		out = append(out, &stmt{Line: "v.stringLength(p, $AT, " + x + ", " + minLen + ", " + maxLen + ");"})
	}
	if cs.Pattern != "" {
		if src, ok := vg.jsPattern(s, cs.Pattern); ok {
			out = append(out, &stmt{Line: "v.checkPattern(p, $AT, " + x + ", " + tsString(src) + ");"})
		}
	}
	if cs.Format != "" && checkedFormats[cs.Format] {
		vg.formats = true
		out = append(out, &stmt{Line: "checkFormat(p, $AT, " + x + ", " + tsString(cs.Format) + ");"})
	}
	return out
}

// jsPattern is the JavaScript source of a pattern the Go runtime runs as
// RE2; a pattern Go cannot compile is an error there too, and one whose
// RE2 syntax JavaScript reads differently is refused.
func (vg *vgen) jsPattern(s *ir.Schema, pat string) (string, bool) {
	if _, err := regexp.Compile(pat); err != nil {
		vg.errorf(s, "pattern %q is not a regular expression Go can run: %v", pat, err)
		return "", false
	}
	src := strings.ReplaceAll(pat, "(?P<", "(?<")
	for _, bad := range []string{"(?i", "(?m", "(?s", "(?U", `\A`, `\z`, "[[:", `\C`, `\Q`} {
		if strings.Contains(src, bad) {
			vg.errorf(s, "pattern %q uses %s, which JavaScript regular expressions do not read as Go does", pat, bad)
			return "", false
		}
	}
	return src, true
}

func (vg *vgen) numberChecks(s *ir.Schema, x string) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	bound := func(n *ir.Number, kind string) {
		if n != nil {
			out = append(out, &stmt{Line: "v.checkBound(p, $AT, " + x + ", " + tsString(kind) + ", " + tsString(string(*n)) + ");"})
		}
	}
	bound(cs.Minimum, "minimum")
	bound(cs.ExclusiveMinimum, "exclusiveMinimum")
	bound(cs.Maximum, "maximum")
	bound(cs.ExclusiveMaximum, "exclusiveMaximum")
	if cs.MultipleOf != nil {
		if r, ok := new(big.Rat).SetString(string(*cs.MultipleOf)); !ok || r.Sign() <= 0 {
			vg.errorf(s, "multipleOf %s must be a number greater than 0", *cs.MultipleOf)
		} else {
			d := vg.addConst("decimal", "new v.Decimal("+tsString(string(*cs.MultipleOf))+")")
			out = append(out, &stmt{Line: "v.checkMultipleOf(p, $AT, " + x + ", " + d + ");"})
		}
	}
	return out
}

func hasAssertions(s *ir.Schema) bool { return shape.HasAssertions(s) }

func (vg *vgen) arrayChecks(s *ir.Schema, elem *rep, xs string) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	minItems, maxItems := "undefined", "undefined"
	if cs.MinItems != nil && *cs.MinItems > 0 {
		minItems = strconv.Itoa(*cs.MinItems)
	}
	if cs.MaxItems != nil {
		maxItems = strconv.Itoa(*cs.MaxItems)
	}
	if minItems != "undefined" || maxItems != "undefined" {
		out = append(out, &stmt{Line: "v.itemCount(p, $AT, " + xs + ".length, " + minItems + ", " + maxItems + ");"})
	}
	if cs.UniqueItems {
		out = append(out, &stmt{Line: "v.checkUnique(p, $AT, " + xs + ");"})
	}
	// Null elements the Go runtime read as zero values: it checks the
	// zero value, and reports the null itself where the struct's field is.
	zero := zeroOf(&rep{kind: repSlice, elem: elem})
	each := func(from int, f *vfunc) *stmt {
		e := xs + "[i]"
		if zero != "" {
			e = "(" + e + " ?? " + zero + ")"
		}
		return block("for (let i = "+strconv.Itoa(from)+"; i < "+xs+".length; i++) {", call(f, e, "v.index($AT, i)"))
	}
	if s.TupleItems != nil {
		for i, t := range s.TupleItems {
			idx := strconv.Itoa(i)
			out = append(out, block("if ("+xs+".length > "+idx+") {", call(vg.check(t, elem), xs+"["+idx+"]", "v.index($AT, "+idx+")")))
		}
		n := strconv.Itoa(len(s.TupleItems))
		if ai := s.AdditionalItems; ai != nil {
			switch {
			case ai.Bool != nil && !*ai.Bool:
				out = append(out, &stmt{Line: "v.itemCount(p, $AT, " + xs + ".length, undefined, " + n + ");"})
			case hasAssertions(ai):
				out = append(out, each(len(s.TupleItems), vg.check(ai, elem)))
			}
		}
	} else if s.Items != nil && hasAssertions(s.Items) {
		out = append(out, each(0, vg.check(s.Items, elem)))
	}
	if s.Contains != nil {
		f := vg.check(s.Contains, elem)
		out = append(out, &stmt{Line: "v.contains(p, $AT, " + xs + ", " + f.Name + ");", Refs: []*vfunc{f}})
	}
	return out
}

// own reads member k of the object expression o, undefined when absent,
// never a member of Object.prototype.
func own(o, k string) string {
	switch k {
	case "constructor", "__proto__", "toString", "toLocaleString", "valueOf", "hasOwnProperty", "isPrototypeOf",
		"propertyIsEnumerable", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__":
		return "(Object.hasOwn(" + o + ", " + tsString(k) + ") ? " + o + "[" + tsString(k) + "] : undefined)"
	}
	return o + "[" + tsString(k) + "]"
}

func keyPath(at, k string) string { return "v.key(" + at + ", " + tsString(k) + ")" }

// objectChecks checks an object held as a map for the object keywords.
func (vg *vgen) objectChecks(s *ir.Schema, r *rep, o string) []*stmt {
	cs := shape.ConstraintsOf(s)
	elem := r.elem
	// Null values the Go runtime read as zero values: it checks the zero
	// value, and reports the null itself where the struct's field is.
	zero := zeroOf(r)
	valueCall := func(f *vfunc, e, at string) *stmt {
		if zero != "" {
			e = "(" + e + " ?? " + zero + ")"
		}
		return call(f, e, at)
	}
	var out []*stmt
	for _, name := range s.Required {
		out = append(out, block("if ("+own(o, name)+" === undefined) {", &stmt{Line: "v.missing(p, $AT, " + tsString(name) + ");"}))
	}
	for _, pr := range s.Properties {
		if !hasAssertions(pr.Schema) {
			continue
		}
		out = append(out, block("if ("+own(o, pr.Name)+" !== undefined) {", valueCall(vg.check(pr.Schema, elem), own(o, pr.Name), keyPath("$AT", pr.Name))))
	}
	ap := s.AdditionalProperties
	var additional *vfunc
	forbid := ap != nil && ap.Bool != nil && !*ap.Bool
	if !forbid && ap != nil && hasAssertions(ap) {
		additional = vg.check(ap, elem)
	}
	var names *vfunc
	if s.PropertyNames != nil && hasAssertions(s.PropertyNames) {
		names = vg.check(s.PropertyNames, &rep{kind: repString})
	}
	if len(s.PatternProperties) > 0 || additional != nil || forbid || names != nil {
		var loop []*stmt
		needKnown := additional != nil || forbid
		if needKnown {
			var known []string
			for _, pr := range s.Properties {
				known = append(known, tsString(pr.Name))
			}
			if len(known) > 0 {
				loop = append(loop, &stmt{Line: "let known = [" + strings.Join(known, ", ") + "].includes(k);", Aux: true})
			} else {
				loop = append(loop, &stmt{Line: "let known = false;", Aux: true})
			}
		}
		for _, pp := range s.PatternProperties {
			src, ok := vg.jsPattern(s, pp.Name)
			if !ok {
				continue
			}
			var body []*stmt
			if needKnown {
				body = append(body, &stmt{Line: "known = true;", Aux: true})
			}
			if hasAssertions(pp.Schema) {
				body = append(body, valueCall(vg.check(pp.Schema, elem), o+"[k]", "v.key($AT, k)"))
			}
			if len(body) > 0 {
				loop = append(loop, block("if (v.pattern("+tsString(src)+").test(k)) {", body...))
			}
		}
		if forbid {
			loop = append(loop, block("if (!known) {", &stmt{Line: "v.extra(p, $AT, k);"}))
		} else if additional != nil {
			loop = append(loop, block("if (!known) {", valueCall(additional, o+"[k]", "v.key($AT, k)")))
		}
		if names != nil {
			loop = append(loop, call(names, "k", "v.key($AT, k)"))
		}
		lp := block("for (const k of Object.keys("+strings.TrimSuffix(strings.TrimPrefix(o, "("), ")")+").sort()) {", loop...)
		lp.Loop = true
		out = append(out, lp)
	}
	for _, d := range s.Dependencies {
		var body []*stmt
		for _, req := range d.Required {
			body = append(body, block("if ("+own(o, req)+" === undefined) {", &stmt{Line: "v.dependency(p, $AT, " + tsString(req) + ", " + tsString(d.Name) + ");"}))
		}
		if d.Schema != nil && hasAssertions(d.Schema) {
			body = append(body, call(vg.check(d.Schema, r), "$X", "$AT"))
		}
		if len(body) > 0 {
			out = append(out, block("if ("+own(o, d.Name)+" !== undefined) {", body...))
		}
	}
	minP, maxP := "undefined", "undefined"
	if cs.MinProperties != nil && *cs.MinProperties > 0 {
		minP = strconv.Itoa(*cs.MinProperties)
	}
	if cs.MaxProperties != nil {
		maxP = strconv.Itoa(*cs.MaxProperties)
	}
	if minP != "undefined" || maxP != "undefined" {
		out = append(out, &stmt{Line: "v.propertyCount(p, $AT, Object.keys(" + o + ").length, " + minP + ", " + maxP + ");"})
	}
	return out
}

// inPlace applies allOf, anyOf, oneOf, not and if/then/else.
func (vg *vgen) inPlace(s *ir.Schema, r *rep) []*stmt {
	var out []*stmt
	for _, m := range s.AllOf {
		if hasAssertions(m) {
			out = append(out, call(vg.check(m, r), "$X", "$AT"))
		}
	}
	list := func(schemas []*ir.Schema) ([]*vfunc, string) {
		var fs []*vfunc
		var names []string
		for _, m := range schemas {
			f := vg.check(m, r)
			fs = append(fs, f)
			names = append(names, f.Name)
		}
		return fs, "[" + strings.Join(names, ", ") + "]"
	}
	if len(s.AnyOf) > 0 {
		fs, names := list(s.AnyOf)
		out = append(out, &stmt{Line: "v.anyOf(p, $AT, $X, " + names + ");", Refs: fs, AnyOf: true})
	}
	if len(s.OneOf) > 0 {
		fs, names := list(s.OneOf)
		out = append(out, &stmt{Line: "v.oneOf(p, $AT, $X, " + names + ");", Refs: fs})
	}
	if s.Not != nil {
		f := vg.check(s.Not, r)
		out = append(out, &stmt{Line: "v.not(p, $AT, $X, " + f.Name + ");", Refs: []*vfunc{f}})
	}
	if s.If != nil && (s.Then != nil || s.Else != nil) {
		f := vg.check(s.If, r)
		ch := &stmt{Refs: []*vfunc{f}}
		var then, els []*stmt
		if s.Then != nil {
			then = []*stmt{call(vg.check(s.Then, r), "$X", "$AT")}
		}
		if s.Else != nil {
			els = []*stmt{call(vg.check(s.Else, r), "$X", "$AT")}
		}
		ch.Chain = []*branch{{Cond: "v.matches(" + f.Name + ", $X)", Body: then}, {Body: els}}
		out = append(out, ch)
	}
	return out
}

// dynBody checks a JSON value of any type.
func (vg *vgen) dynBody(s *ir.Schema) []*stmt {
	var out []*stmt
	if len(s.Type) > 0 {
		bits := make([]string, len(s.Type))
		for i, t := range s.Type {
			b, ok := typeBits[t]
			if !ok {
				vg.errorf(s, "unknown type %q", t)
				b = "0"
			}
			bits[i] = b
		}
		var names []string
		for _, t := range s.Type {
			names = append(names, tsString(t))
		}
		out = append(out, block("if (!v.checkType(p, $AT, $X, "+strings.Join(bits, " | ")+", ["+strings.Join(names, ", ")+"])) {", &stmt{Line: "return;"}))
	}
	out = append(out, vg.values(s)...)
	if body := vg.stringChecks(s, "$X"); len(body) > 0 {
		out = append(out, block(`if (typeof $X === "string") {`, body...))
	}
	if body := vg.arrayChecks(s, anyRep, "$X"); len(body) > 0 {
		out = append(out, block("if (Array.isArray($X)) {", body...))
	}
	if body := vg.objectChecks(s, &rep{kind: repMap, elem: anyRep}, "$X"); len(body) > 0 {
		out = append(out, block("if (v.isObject($X)) {", body...))
	}
	if body := vg.numberChecks(s, "$X"); len(body) > 0 {
		out = append(out, block(`if (typeof $X === "number") {`, body...))
	}
	return append(out, vg.inPlace(s, anyRep)...)
}

// structBody checks an object Go holds in a generated struct, member by
// member, as codegen/golang's struct checks do.
func (vg *vgen) structBody(r *rep) []*stmt {
	sh := r.sh
	out := []*stmt{block("if (!v.isObject($X)) {", vg.wrongType(r, "$AT"), &stmt{Line: "return;"})}
	locals := newNamespace("x", "p", "at", "v", "k", "i")
	for i, m := range sh.Members {
		out = append(out, vg.memberChecks(m, i, locals)...)
	}
	if sh.Closed {
		var known []string
		for _, m := range sh.Members {
			known = append(known, tsString(m.Name))
		}
		out = append(out, block("for (const k of Object.keys($X)) {",
			block("if (!["+strings.Join(known, ", ")+"].includes(k)) {", &stmt{Line: "v.extra(p, $AT, k);"})))
	}
	return out
}

// localName is a member's local variable in a struct check.
func localName(locals *namespace, wire string, i int) string {
	if isIdentifier(wire) && !strings.HasPrefix(wire, "$") {
		return locals.take(wire, "m")
	}
	return locals.take(firstOf(camelName(wire), "m"+strconv.Itoa(i)), "m")
}

func (vg *vgen) memberChecks(m *shape.Member, i int, locals *namespace) []*stmt {
	r := vg.fieldRep(m)
	local := localName(locals, m.Name, i)
	at := keyPath("$AT", m.Name)
	decl := &stmt{Line: "const " + local + " = " + own("$X", m.Name) + ";"}
	var calls []*stmt
	for _, d := range m.Declared {
		if hasAssertions(d.Schema) {
			calls = append(calls, call(vg.check(d.Schema, r), local, at))
		}
	}
	missing := &branch{Cond: local + " === undefined", Body: []*stmt{{Line: "v.missing(p, $AT, " + tsString(m.Name) + ");"}}}
	null := &branch{Cond: local + " === null", Body: []*stmt{vg.wrongType(r, at)}}
	var branches []*branch
	switch {
	case r.kind == repAny:
		if m.Required {
			branches = append(branches, missing, &branch{Body: calls})
		} else {
			branches = append(branches, &branch{Cond: local + " !== undefined", Body: calls})
		}
	case r.kind == repPtr:
		if m.Required {
			branches = append(branches, missing, &branch{Body: calls})
		} else {
			branches = append(branches, &branch{Cond: local + " !== undefined && " + local + " !== null", Body: calls})
		}
	default:
		if m.Required {
			branches = append(branches, missing, null, &branch{Body: calls})
		} else {
			branches = append(branches, null, &branch{Cond: local + " !== undefined", Body: calls})
		}
	}
	out := []*stmt{{Chain: branches}}
	if nullLost(r) {
		loop := "for (let i = 0; i < " + local + ".length; i++) {"
		elem := local + "[i]"
		path := "v.index(" + at + ", i)"
		head := "if (Array.isArray(" + local + ")) {"
		if r.kind == repMap {
			head = "if (v.isObject(" + local + ")) {"
			loop = "for (const k of Object.keys(" + local + ")) {"
			elem = local + "[k]"
			path = "v.key(" + at + ", k)"
		}
		out = append(out, block(head, block(loop, block("if ("+elem+" === null) {", vg.wrongType(r.elem, path)))))
	}
	return []*stmt{{Line: decl.Line, Body: out, Group: true}}
}

// unionBody checks the variant a union holds, as the Go union's decoding
// and Validate pick it: by its tag when it has a string one, else the
// variants that decode and validate, the first of them checked.
func (vg *vgen) unionBody(r *rep) []*stmt {
	sh := r.sh
	var out []*stmt
	var names, pairs []string
	for _, v := range sh.Variants {
		vr := vg.repOf(v)
		names = append(names, vg.goName(v))
		f := vg.check(v.Schema, vr)
		pairs = append(pairs, "["+firstOf(vg.decoderOf(vr), "undefined")+", "+f.Name+"]")
	}
	var refs []*vfunc
	for _, v := range sh.Variants {
		refs = append(refs, vg.check(v.Schema, vg.repOf(v)))
	}
	if sh.Tag != nil {
		var cases []*stmt
		var tags []string
		for i, v := range sh.Variants {
			tags = append(tags, tsString(sh.Tag.Values[i]))
			cases = append(cases, &stmt{Line: "case " + tsString(sh.Tag.Values[i]) + ":"},
				&stmt{Line: "  " + vg.check(v.Schema, vg.repOf(v)).Name + "($X, p, $AT);", Refs: []*vfunc{vg.check(v.Schema, vg.repOf(v))}},
				&stmt{Line: "  return;"})
		}
		cases = append(cases, &stmt{Line: "default:"}, &stmt{Line: "  v.tagInvalid(p, $AT, " + tsString(sh.Tag.Property) + ", tag, [" + strings.Join(tags, ", ") + "]);"}, &stmt{Line: "  return;"})
		out = append(out, &stmt{Line: "const tag = v.isObject($X) ? " + own("$X", sh.Tag.Property) + " : undefined;"},
			block(`if (typeof tag === "string") {`, block("switch (tag) {", cases...)))
	}
	st := &stmt{Line: "v.union(p, $AT, $X, [" + strings.Join(pairs, ", ") + "], " + strconv.FormatBool(sh.Exclusive) + ", " + tsQuote(wire.MsgUnionOf(names)) + ");", Refs: refs}
	if len(sh.Variants) == 0 {
		st = &stmt{Line: "v.noVariant(p, $AT, " + tsQuote(wire.MsgUnionOf(names)) + ");"}
	}
	return append(out, st)
}

// zeroOf is the zero value, as a TypeScript literal, of the elements of a
// container whose nulls the Go runtime reads as zero values; "" for a
// container that keeps them.
func zeroOf(r *rep) string {
	if !nullLost(r) {
		return ""
	}
	switch r.elem.kind {
	case repString:
		return `""`
	case repInt, repFloat:
		return "0"
	case repBool:
		return "false"
	}
	return ""
}
