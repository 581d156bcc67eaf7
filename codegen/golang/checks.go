package golang

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/wire"
)

type funcKey struct {
	s   *ir.Schema
	rep string
}

// check returns the name of the function validating a value of rep r
// against s, generating it on first use.
func (b *builder) check(s *ir.Schema, r *rep) string {
	key := funcKey{s, fmt.Sprintf("%d:%s", r.kind, r.goType())}
	if f, ok := b.funcs[key]; ok {
		return f.Name
	}
	f := &checkFunc{Name: "chanxCheck" + strconv.Itoa(len(b.order)+1), Param: r.param()}
	if s.Pointer != "" {
		f.Doc = s.Pointer
		if i := strings.LastIndexByte(f.Doc, '#'); i >= 0 {
			f.Doc = "#" + f.Doc[i+1:]
		}
		if q := strconv.Quote(f.Doc); q[1:len(q)-1] != f.Doc {
			f.Doc = q
		}
	}
	b.funcs[key] = f
	b.order = append(b.order, f)
	f.Body = b.body(s, r)
	return f.Name
}

// arg is how a value held in expression x is passed to a check function
// for rep r.
func arg(r *rep, x string) string {
	if r.byPointer() {
		return "&" + x
	}
	return x
}

// Problem types and messages come from the registry in runtime/wire;
// generated code carries them as literals.

func add(typ, msg string) *stmt {
	return &stmt{Kind: "add", Type: strconv.Quote(typ), Msg: strconv.Quote(msg)}
}

func addC(typ, msg string) *stmt {
	return &stmt{Kind: "addC", Type: strconv.Quote(typ), Msg: strconv.Quote(msg)}
}

func fail(cond, typ, msg string) *stmt {
	return &stmt{Kind: "fail", Cond: cond, Type: strconv.Quote(typ), Msg: strconv.Quote(msg)}
}

// report calls the Problems method fn(at, args) when cond holds, for a
// problem whose message needs the value (too_short's actual length).
func report(cond, fn, args string) *stmt {
	return &stmt{Kind: "report", Cond: cond, Func: fn, X: args}
}

// nullProblem is the problem for a null where a value of r belongs: the
// type's own, as Pydantic reports None (string_type for a string).
func nullProblem(r *rep) *stmt {
	typ, msg := typeProblem(r)
	return add(typ, msg)
}

func typeProblem(r *rep) (string, string) {
	for r.kind == repPtr {
		r = r.elem
	}
	switch r.kind {
	case repAny, repUnion:
		return wire.TypeProblem(nil, "")
	case repStruct:
		return wire.TypeProblem([]string{"object"}, r.named.Name)
	}
	return wire.TypeProblem([]string{r.jsonKind()}, "")
}

func call(fn, x string) *stmt { return &stmt{Kind: "call", Func: fn, X: x} }

func callC(fn, x string) *stmt { return &stmt{Kind: "callC", Func: fn, X: x} }

func childKey(key string, body ...*stmt) *stmt {
	return &stmt{Kind: "child", Key: strconv.Quote(key), Body: body}
}

func (b *builder) body(s *ir.Schema, r *rep) []*stmt {
	if s.Bool != nil {
		if *s.Bool {
			return nil
		}
		return []*stmt{add(wire.ProblemFalseSchema, wire.MsgFalseSchema)}
	}
	if r.kind == repPtr {
		inner := s
		if n := nullableInner(s); n != nil {
			inner = n
		}
		st := &stmt{Kind: "ptr", Func: b.check(inner, r.elem), X: "*x"}
		if r.elem.byPointer() {
			st.X = "x"
		}
		if !allowsNull(s) {
			st.Body = []*stmt{nullProblem(r.elem)}
		}
		return []*stmt{st}
	}
	if n := nullableInner(s); n != nil && r.kind != repAny {
		return []*stmt{call(b.check(n, r), "x")}
	}
	switch r.kind {
	case repAny:
		return b.dynBody(s)
	case repStruct:
		if s == r.named.owner {
			return b.structBody(r.named)
		}
		return []*stmt{{Kind: "viaJSON", Func: b.check(s, anyRep)}}
	case repUnion:
		if s == r.named.owner {
			return b.unionBody(r.named)
		}
		return []*stmt{{Kind: "viaJSON", Func: b.check(s, anyRep)}}
	}
	return b.typedBody(s, r)
}

var typeMask = map[string]string{
	"null": "validate.TNull", "boolean": "validate.TBoolean", "integer": "validate.TInteger",
	"number": "validate.TNumber", "string": "validate.TString", "array": "validate.TArray", "object": "validate.TObject",
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// typedBody checks a value whose Go type already fixes its JSON type.
func (b *builder) typedBody(s *ir.Schema, r *rep) []*stmt {
	var out []*stmt
	x := "x"
	if r.named != nil && r.kind == repString {
		x = "string(x)"
	}
	if len(s.Type) > 0 {
		kind := r.jsonKind()
		ok := contains(s.Type, kind) || (kind == "integer" && contains(s.Type, "number"))
		switch {
		case !ok && kind == "number" && contains(s.Type, "integer"):
			b.imports["math"] = true
			st := fail("x != math.Trunc(x)", wire.ProblemIntFromFloat, wire.MsgIntFromFloat)
			st.Ret = true
			out = append(out, st)
		case !ok:
			return []*stmt{add(wire.TypeProblem(s.Type, ""))}
		}
	}
	if r.kind == repTime {
		return out // only type and format, which decoding checked
	}
	out = append(out, b.typedValues(s, r, x)...)
	switch r.kind {
	case repString:
		out = append(out, b.stringChecks(s, x)...)
	case repInt, repFloat:
		out = append(out, b.numberChecks(s, r.kind == repInt)...)
	case repSlice:
		out = append(out, b.arrayChecks(s, r.elem)...)
	case repMap:
		out = append(out, b.objectChecks(s, r)...)
	}
	return append(out, b.inPlace(s, r)...)
}

// typedValues checks enum and const on a typed value: a switch over the
// values of its type, or JSON equality for composite values.
func (b *builder) typedValues(s *ir.Schema, r *rep, x string) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	lists := []struct {
		vals []any
		typ  string
		has  bool
	}{{cs.Enum, wire.ProblemEnum, cs.Enum != nil}, {[]any{cs.Const}, wire.ProblemLiteral, cs.HasConst}}
	for _, l := range lists {
		if !l.has {
			continue
		}
		msg := valuesMessage(l.vals)
		if !r.comparable() {
			v := b.addVar("Values", "validate.MustJSON("+strconv.Quote(jsonText(l.vals))+").([]any)")
			out = append(out, &stmt{Kind: "enumJSON", Var: v, Type: strconv.Quote(l.typ), Msg: strconv.Quote(msg)})
			continue
		}
		lits := goLiterals(l.vals, r.kind)
		if len(lits) == 0 {
			return append(out, add(l.typ, msg))
		}
		out = append(out, &stmt{Kind: "switchEnum", X: x, Vals: lits, Type: strconv.Quote(l.typ), Msg: strconv.Quote(msg)})
	}
	return out
}

func jsonText(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(data)
}

func valuesMessage(vals []any) string { return truncate(wire.MsgExpected(vals)) }

func truncate(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// goLiterals are the Go constants among vals that a value of kind k can
// equal, without duplicates (a switch rejects them).
func goLiterals(vals []any, k repKind) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vals {
		lit := ""
		switch k {
		case repString:
			if s, ok := v.(string); ok {
				lit = strconv.Quote(s)
			}
		case repBool:
			if bv, ok := v.(bool); ok {
				lit = strconv.FormatBool(bv)
			}
		case repInt, repFloat:
			n, ok := v.(json.Number)
			if !ok {
				continue
			}
			r, ok := new(big.Rat).SetString(string(n))
			if !ok {
				continue
			}
			if k == repInt {
				if !r.IsInt() || !r.Num().IsInt64() {
					continue
				}
				lit = r.Num().String()
			} else {
				f, _ := r.Float64()
				if math.IsInf(f, 0) {
					continue
				}
				lit = strconv.FormatFloat(f, 'g', -1, 64)
			}
		}
		if lit != "" && !seen[lit] {
			seen[lit] = true
			out = append(out, lit)
		}
	}
	return out
}

func (b *builder) stringChecks(s *ir.Schema, x string) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	// One count of runes serves both bounds; a string no longer in bytes
	// than the maximum needs none for it.
	var lengths []*branch
	short := cs.MinLength != nil && *cs.MinLength > 0
	if short {
		lengths = append(lengths, &branch{Cond: fmt.Sprintf("n := validate.RuneCount(%s); n < %d", x, *cs.MinLength),
			Body: []*stmt{add(wire.ProblemStringTooShort, wire.MsgStringTooShort(*cs.MinLength))}})
	}
	if cs.MaxLength != nil {
		cond := fmt.Sprintf("len(%s) > %d && validate.RuneCount(%s) > %d", x, *cs.MaxLength, x, *cs.MaxLength)
		if short {
			cond = fmt.Sprintf("n > %d", *cs.MaxLength)
		}
		lengths = append(lengths, &branch{Cond: cond,
			Body: []*stmt{add(wire.ProblemStringTooLong, wire.MsgStringTooLong(*cs.MaxLength))}})
	}
	if len(lengths) > 0 {
		out = append(out, &stmt{Kind: "chain", Branches: lengths})
	}
	if cs.Pattern != "" {
		if _, err := regexp.Compile(cs.Pattern); err != nil {
			b.errorf(s, "pattern %q is not a regular expression Go can run: %v", cs.Pattern, err)
		} else {
			v := b.addVar("Pattern", "validate.Pattern("+strconv.Quote(cs.Pattern)+")")
			out = append(out, fail("!"+v+".MatchString("+x+")", wire.ProblemPatternMismatch, wire.MsgPatternMismatch(cs.Pattern)))
		}
	}
	if cs.Format != "" {
		// Formats are checked by the oracle's own functions: one rule
		// set, the one the differential tests hold generated code to.
		// Only a package with a format imports the oracle.
		b.imports["github.com/chanxgo/chanx/runtime/validate/oracle"] = true
		v := b.addVar("Format", "oracle.Format("+strconv.Quote(cs.Format)+")")
		out = append(out, &stmt{Kind: "format", Var: v, X: x})
	}
	return out
}

// numLit renders a schema number for comparison with x; ints compare as
// int64 when the literal is an integer, otherwise as float64.
func (b *builder) numLit(n ir.Number, isInt bool) (lit, x string) {
	if isInt {
		if _, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return string(n), "x"
		}
		x = "float64(x)"
	} else {
		x = "x"
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil && !isRange(err) {
		return "0", x
	}
	if math.IsInf(f, 0) {
		b.imports["math"] = true
		if f > 0 {
			return "math.Inf(1)", x
		}
		return "math.Inf(-1)", x
	}
	return strconv.FormatFloat(f, 'g', -1, 64), x
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (b *builder) numberChecks(s *ir.Schema, isInt bool) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	cmp := func(n *ir.Number, op, typ string) {
		if n == nil {
			return
		}
		lit, x := b.numLit(*n, isInt)
		out = append(out, fail(x+" "+op+" "+lit, typ, wire.MsgBound(typ, string(*n))))
	}
	cmp(cs.Minimum, "<", wire.ProblemGreaterThanEqual)
	cmp(cs.ExclusiveMinimum, "<=", wire.ProblemGreaterThan)
	cmp(cs.Maximum, ">", wire.ProblemLessThanEqual)
	cmp(cs.ExclusiveMaximum, ">=", wire.ProblemLessThan)
	if cs.MultipleOf != nil {
		if r, ok := new(big.Rat).SetString(string(*cs.MultipleOf)); !ok || r.Sign() <= 0 {
			b.errorf(s, "multipleOf %s must be a number greater than 0", *cs.MultipleOf)
		} else {
			v := b.addVar("Decimal", "validate.ParseDecimal("+strconv.Quote(string(*cs.MultipleOf))+")")
			fn := "validate.MultipleOf(x, " + v + ")"
			if isInt {
				fn = "validate.MultipleOfInt(x, " + v + ")"
			}
			out = append(out, fail("!"+fn, wire.ProblemMultipleOf, wire.MsgMultipleOf(string(*cs.MultipleOf))))
		}
	}
	return out
}

func (b *builder) arrayChecks(s *ir.Schema, elem *rep) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	if cs.MinItems != nil && *cs.MinItems > 0 {
		out = append(out, report(fmt.Sprintf("len(x) < %d", *cs.MinItems), "TooShort", fmt.Sprintf(`"List", %d, len(x)`, *cs.MinItems)))
	}
	if cs.MaxItems != nil {
		out = append(out, report(fmt.Sprintf("len(x) > %d", *cs.MaxItems), "TooLong", fmt.Sprintf(`"List", %d, len(x)`, *cs.MaxItems)))
	}
	if cs.UniqueItems {
		fn := "validate.UniqueJSON(x)"
		switch {
		case elem.kind == repAny:
			fn = "validate.Unique(x)"
		case elem.comparable():
			fn = "validate.UniqueComparable(x)"
		}
		out = append(out, &stmt{Kind: "unique", Func: fn})
	}
	if s.TupleItems != nil {
		for i, t := range s.TupleItems {
			idx := strconv.Itoa(i)
			out = append(out, &stmt{Kind: "chain", Branches: []*branch{{
				Cond: "len(x) > " + idx,
				Body: []*stmt{{Kind: "child", Index: idx, Body: []*stmt{callC(b.check(t, elem), arg(elem, "x["+idx+"]"))}}},
			}}})
		}
		n := strconv.Itoa(len(s.TupleItems))
		if ai := s.AdditionalItems; ai != nil {
			switch {
			case ai.Bool != nil && !*ai.Bool:
				out = append(out, report("len(x) > "+n, "TooLong", `"List", `+n+", len(x)"))
			case hasAssertions(ai):
				out = append(out, &stmt{Kind: "each", Index: n, Func: b.check(ai, elem), X: arg(elem, "x[i]")})
			}
		}
	} else if s.Items != nil && hasAssertions(s.Items) {
		out = append(out, &stmt{Kind: "each", Index: "0", Func: b.check(s.Items, elem), X: arg(elem, "x[i]")})
	}
	if s.Contains != nil {
		out = append(out, &stmt{Kind: "contains", Func: b.check(s.Contains, elem), X: arg(elem, "x[i]")})
	}
	return out
}

// objectChecks checks a map (x map[string]E) for the object keywords.
func (b *builder) objectChecks(s *ir.Schema, r *rep) []*stmt {
	cs := shape.ConstraintsOf(s)
	elem := r.elem
	var out []*stmt
	for _, name := range s.Required {
		out = append(out, &stmt{Kind: "chain", Branches: []*branch{{
			Cond: "_, ok := x[" + strconv.Quote(name) + "]; !ok",
			Body: []*stmt{childKey(name, addC(wire.ProblemMissing, wire.MsgMissing))},
		}}})
	}
	for _, p := range s.Properties {
		if !hasAssertions(p.Schema) {
			continue
		}
		out = append(out, &stmt{Kind: "chain", Branches: []*branch{{
			Cond: "v, ok := x[" + strconv.Quote(p.Name) + "]; ok",
			Body: []*stmt{childKey(p.Name, callC(b.check(p.Schema, elem), arg(elem, "v")))},
		}}})
	}
	ap := s.AdditionalProperties
	additional := ""
	if ap != nil && ap.Bool != nil && !*ap.Bool {
		additional = "false"
	} else if ap != nil && hasAssertions(ap) {
		additional = b.check(ap, elem)
	}
	if len(s.PatternProperties) > 0 || additional != "" || s.PropertyNames != nil {
		l := &loop{Additional: additional, AddArg: arg(elem, "v")}
		if additional != "" {
			l.NeedKnown = true
			for _, p := range s.Properties {
				l.Known = append(l.Known, strconv.Quote(p.Name))
			}
		}
		for _, pp := range s.PatternProperties {
			if _, err := regexp.Compile(pp.Name); err != nil {
				b.errorf(s, "patternProperties key %q is not a regular expression Go can run: %v", pp.Name, err)
				continue
			}
			v := b.addVar("Pattern", "validate.Pattern("+strconv.Quote(pp.Name)+")")
			fn := ""
			if hasAssertions(pp.Schema) {
				fn = b.check(pp.Schema, elem)
			}
			l.Pats = append(l.Pats, &patCheck{Var: v, Func: fn, Arg: arg(elem, "v")})
		}
		if s.PropertyNames != nil && hasAssertions(s.PropertyNames) {
			l.Names = b.check(s.PropertyNames, &rep{kind: repString})
		}
		l.UsesValue = additional != "" && additional != "false"
		for _, pc := range l.Pats {
			l.UsesValue = l.UsesValue || pc.Func != ""
		}
		if l.UsesValue || additional != "" || l.Names != "" {
			out = append(out, &stmt{Kind: "mapLoop", Loop: l})
		}
	}
	for _, d := range s.Dependencies {
		var body []*stmt
		for _, req := range d.Required {
			body = append(body, &stmt{Kind: "chain", Branches: []*branch{{
				Cond: "_, ok := x[" + strconv.Quote(req) + "]; !ok",
				Body: []*stmt{childKey(req, addC(wire.ProblemDependency, wire.MsgDependency(d.Name)))},
			}}})
		}
		if d.Schema != nil && hasAssertions(d.Schema) {
			body = append(body, call(b.check(d.Schema, r), "x"))
		}
		if len(body) > 0 {
			out = append(out, &stmt{Kind: "chain", Branches: []*branch{{Cond: "_, ok := x[" + strconv.Quote(d.Name) + "]; ok", Body: body}}})
		}
	}
	if cs.MinProperties != nil && *cs.MinProperties > 0 {
		out = append(out, report(fmt.Sprintf("len(x) < %d", *cs.MinProperties), "TooShort", fmt.Sprintf(`"Dictionary", %d, len(x)`, *cs.MinProperties)))
	}
	if cs.MaxProperties != nil {
		out = append(out, report(fmt.Sprintf("len(x) > %d", *cs.MaxProperties), "TooLong", fmt.Sprintf(`"Dictionary", %d, len(x)`, *cs.MaxProperties)))
	}
	return out
}

// inPlace applies allOf, anyOf, oneOf, not and if/then/else to the same
// value.
func (b *builder) inPlace(s *ir.Schema, r *rep) []*stmt {
	var out []*stmt
	for _, m := range s.AllOf {
		if hasAssertions(m) {
			out = append(out, call(b.check(m, r), "x"))
		}
	}
	funcs := func(list []*ir.Schema) []*stmt {
		var fs []*stmt
		for _, m := range list {
			fs = append(fs, &stmt{Func: b.check(m, r)})
		}
		return fs
	}
	if len(s.AnyOf) > 0 {
		out = append(out, &stmt{Kind: "anyOf", Body: funcs(s.AnyOf)})
	}
	if len(s.OneOf) > 0 {
		out = append(out, &stmt{Kind: "oneOf", Body: funcs(s.OneOf)})
	}
	if s.Not != nil {
		out = append(out, &stmt{Kind: "not", Func: b.check(s.Not, r)})
	}
	if s.If != nil && (s.Then != nil || s.Else != nil) {
		st := &stmt{Kind: "ifThen", Func: b.check(s.If, r)}
		if s.Then != nil {
			st.Body = []*stmt{call(b.check(s.Then, r), "x")}
		}
		if s.Else != nil {
			st.Else = []*stmt{call(b.check(s.Else, r), "x")}
		}
		out = append(out, st)
	}
	return out
}

// dynBody checks a decoded JSON value of any type.
func (b *builder) dynBody(s *ir.Schema) []*stmt {
	cs := shape.ConstraintsOf(s)
	var out []*stmt
	if len(s.Type) > 0 {
		masks := make([]string, len(s.Type))
		for i, t := range s.Type {
			m, ok := typeMask[t]
			if !ok {
				b.errorf(s, "unknown type %q", t)
				m = "0"
			}
			masks[i] = m
		}
		typ, msg := wire.TypeProblem(s.Type, "")
		st := fail("!validate.HasType(x, "+strings.Join(masks, "|")+")", typ, msg)
		st.Ret = true
		out = append(out, st)
	}
	if cs.Enum != nil {
		v := b.addVar("Values", "validate.MustJSON("+strconv.Quote(jsonText(cs.Enum))+").([]any)")
		out = append(out, fail("!validate.OneOf(x, "+v+")", wire.ProblemEnum, valuesMessage(cs.Enum)))
	}
	if cs.HasConst {
		v := b.addVar("Value", "validate.MustJSON("+strconv.Quote(jsonText(cs.Const))+")")
		out = append(out, fail("!validate.Equal(x, "+v+")", wire.ProblemLiteral, valuesMessage([]any{cs.Const})))
	}
	var cases []*typeCase
	if body := b.stringChecks(s, "x"); len(body) > 0 {
		cases = append(cases, &typeCase{Case: "string", Body: body})
	}
	if body := b.arrayChecks(s, anyRep); len(body) > 0 {
		cases = append(cases, &typeCase{Case: "[]any", Body: body})
	}
	if body := b.objectChecks(s, &rep{kind: repMap, elem: anyRep}); len(body) > 0 {
		cases = append(cases, &typeCase{Case: "map[string]any", Body: body})
	}
	if body := b.numberChecks(s, false); len(body) > 0 {
		cases = append(cases, &typeCase{Case: "number", Body: body})
	}
	switch len(cases) {
	case 0:
	case 1:
		out = append(out, &stmt{Kind: "typeIf", Cases: cases})
	default:
		out = append(out, &stmt{Kind: "typeSwitch", Cases: cases})
	}
	return append(out, b.inPlace(s, anyRep)...)
}

// structBody checks a generated struct field by field.
func (b *builder) structBody(t *namedType) []*stmt {
	typ, msg := wire.TypeProblem([]string{"object"}, t.Name)
	out := []*stmt{{Kind: "structNull", Type: strconv.Quote(typ), Msg: strconv.Quote(msg)}}
	for _, f := range t.Fields {
		out = append(out, b.fieldChecks(f)...)
	}
	if t.KeepUnknown {
		out = append(out, &stmt{Kind: "unknown"})
	}
	return out
}

func (b *builder) fieldChecks(f *field) []*stmt {
	idx := strconv.Itoa(f.Index)
	key := strconv.Quote(f.jsonKey)
	fx := "x." + f.Name
	var calls []*stmt
	var branches []*branch
	missing := &branch{Cond: "!x.chanxObj.Has(" + idx + ")", Body: []*stmt{{Kind: "child", Key: key, Body: []*stmt{addC(wire.ProblemMissing, wire.MsgMissing)}}}}
	nullTyp, nullMsg := typeProblem(f.rep)
	null := &branch{Cond: "x.chanxObj.IsNull(" + idx + ")", Body: []*stmt{{Kind: "child", Key: key, Body: []*stmt{addC(nullTyp, nullMsg)}}}}
	present := func(cond string, pre []*stmt, x string, r *rep) {
		for _, s := range f.schemas {
			if hasAssertions(s) {
				calls = append(calls, callC(b.check(s, r), x))
			}
		}
		if len(calls) > 0 {
			body := append(pre, &stmt{Kind: "child", Key: key, Body: calls})
			branches = append(branches, &branch{Cond: cond, Body: body})
		}
	}
	switch {
	case f.Const != "":
		if f.required {
			branches = append(branches, missing)
		}
		branches = append(branches, null)
		pre := []*stmt{{Kind: "constDefault", X: fx, Msg: f.Const}}
		cond := "x.chanxObj.Has(" + idx + ")"
		if f.required {
			cond = ""
		}
		present(cond, pre, "v", f.rep)
	case f.rep.kind == repAny:
		if f.required {
			branches = append(branches, missing)
			present("", nil, fx, f.rep)
		} else {
			present(fx+" != nil || x.chanxObj.IsNull("+idx+")", nil, fx, f.rep)
		}
	case f.rep.kind == repPtr:
		if f.required {
			branches = append(branches, missing)
			present("", nil, fx, f.rep)
		} else {
			present(fx+" != nil", nil, fx, f.rep)
		}
	case f.rep.kind == repSlice || f.rep.kind == repMap:
		if f.required {
			// A nil slice or map that is not missing was null, or, built
			// in Go, would be sent as null.
			nilNull := &branch{Cond: fx + " == nil", Body: null.Body}
			branches = append(branches, missing, nilNull)
			present("", nil, fx, f.rep)
		} else {
			present(fx+" != nil", nil, fx, f.rep)
			branches = append(branches, null)
		}
	case f.ptr:
		// An optional value, or a required one held by pointer because the
		// type contains itself.
		x := "*" + fx
		if f.rep.byPointer() {
			x = fx
		}
		if f.required {
			branches = append(branches, missing, null)
			present(fx+" != nil", nil, x, f.rep)
		} else {
			present(fx+" != nil", nil, x, f.rep)
			branches = append(branches, null)
		}
	default:
		branches = append(branches, missing, null)
		present("", nil, arg(f.rep, fx), f.rep)
	}
	// Drop a trailing else that would have no body, and a chain with
	// nothing in it.
	var out []*stmt
	if len(branches) > 0 {
		out = append(out, &stmt{Kind: "chain", Branches: branches})
	}
	if nullLost(f.rep) {
		typ, msg := typeProblem(f.rep.elem)
		out = append(out, &stmt{Kind: "nullElements", Index: idx, Key: key, Type: strconv.Quote(typ), Msg: strconv.Quote(msg)})
	}
	return out
}

// unionBody checks the variant a union holds.
func (b *builder) unionBody(t *namedType) []*stmt {
	st := &stmt{Kind: "union", Key: strconv.Quote(t.Discriminator), Union: t, Type: strconv.Quote(wire.ProblemUnion)}
	for _, v := range t.Variants {
		v.Check = b.check(v.schema, v.rep)
	}
	names := make([]string, len(t.Variants))
	for i, v := range t.Variants {
		names[i] = v.Type
	}
	st.Msg = strconv.Quote(wire.MsgUnionOf(names))
	st.Ret = t.Exclusive
	return []*stmt{st}
}
