package validate

import (
	"fmt"
	"strings"

	"github.com/chanxgo/chanx/runtime/wire"
)

// Problem types and messages come from the registry in runtime/wire
// (wire.ProblemKinds): generated code passes the type and message the
// generator rendered from it to Add, and calls the methods below for the
// problems whose message depends on the value.

// Path is where a value sits inside the frame being validated, as a chain
// from the value back to the root. Generated code builds it on the stack as
// it descends — a nil *Path is the root — and turns it into a loc only when
// a problem is reported, so a valid frame costs no allocation.
type Path struct {
	parent *Path
	key    string
	index  int
	isKey  bool
}

// Key is the path of the member key of the object at p.
func (p *Path) Key(key string) Path { return Path{parent: p, key: key, isKey: true} }

// Index is the path of element i of the array at p.
func (p *Path) Index(i int) Path { return Path{parent: p, index: i} }

// Loc renders the path as a wire loc: strings for keys, ints for indexes.
func (p *Path) Loc() []any {
	n := 0
	for q := p; q != nil; q = q.parent {
		n++
	}
	loc := make([]any, n)
	for q := p; q != nil; q = q.parent {
		n--
		if q.isKey {
			// A copy, so that escape analysis keeps paths on the stack.
			loc[n] = strings.Clone(q.key)
		} else {
			loc[n] = q.index
		}
	}
	return loc
}

// Problems collects what is wrong with a value. The zero value is ready to
// use and allocates nothing until a problem is added. A quiet Problems (see
// Quiet) only counts, for trying a value against a schema (anyOf, oneOf,
// not, if) without building messages.
type Problems struct {
	list  []wire.Problem
	n     int
	quiet bool
}

// Quiet returns a Problems that counts problems without recording them.
func Quiet() Problems { return Problems{quiet: true} }

// IsQuiet reports whether p only counts problems.
func (p *Problems) IsQuiet() bool { return p.quiet }

// Add records a problem of the given type at the path.
func (p *Problems) Add(at *Path, typ, msg string) {
	p.n++
	if p.quiet {
		return
	}
	p.list = append(p.list, wire.Problem{Type: typ, Loc: at.Loc(), Msg: msg})
}

// Addf is Add with a formatted message.
func (p *Problems) Addf(at *Path, typ, format string, args ...any) {
	p.n++
	if p.quiet {
		return
	}
	p.list = append(p.list, wire.Problem{Type: typ, Loc: at.Loc(), Msg: fmt.Sprintf(format, args...)})
}

// AddAll records problems found elsewhere (by the oracle).
func (p *Problems) AddAll(ps []wire.Problem) {
	p.n += len(ps)
	if p.quiet {
		return
	}
	p.list = append(p.list, ps...)
}

// OK reports whether no problem was found.
func (p *Problems) OK() bool { return p.n == 0 }

// Len is the number of problems found.
func (p *Problems) Len() int { return p.n }

// List returns the recorded problems in the order they were found.
func (p *Problems) List() []wire.Problem { return p.list }

// Err returns nil when no problem was found and a *wire.ValidationError
// holding them otherwise, which is what wire.Validator.Validate returns.
func (p *Problems) Err() error {
	if p.n == 0 {
		return nil
	}
	if len(p.list) == 0 {
		return &wire.ValidationError{Problems: []wire.Problem{{Type: wire.ProblemValueError, Loc: []any{}, Msg: wire.MsgValueError("invalid value")}}}
	}
	return &wire.ValidationError{Problems: p.list}
}

// Problems whose message depends on the value, or that generated code
// reports without the generator's help. Each builds its message only when
// p records problems; a quiet Problems just counts.

// Extra reports a member the schema forbids (extra_forbidden); at is the
// member's path.
func (p *Problems) Extra(at *Path) {
	p.Add(at, wire.ProblemExtraForbidden, wire.MsgExtraForbidden)
}

// TooShort reports a list or object with fewer than min items
// (too_short); fieldType is "List" or "Dictionary".
func (p *Problems) TooShort(at *Path, fieldType string, min, actual int) {
	if !p.counted() {
		p.Add(at, wire.ProblemTooShort, wire.MsgTooShort(fieldType, min, actual))
	}
}

// TooLong reports a list or object with more than max items (too_long).
func (p *Problems) TooLong(at *Path, fieldType string, max, actual int) {
	if !p.counted() {
		p.Add(at, wire.ProblemTooLong, wire.MsgTooLong(fieldType, max, actual))
	}
}

// NotUnique reports the first pair of equal items (unique_items).
func (p *Problems) NotUnique(at *Path, i, j int) {
	if !p.counted() {
		p.Add(at, wire.ProblemUniqueItems, wire.MsgUniqueItems(i, j))
	}
}

// Matches reports a value that matches none (n == 0) or, for oneOf, more
// than one (n > 1) of a union's schemas.
func (p *Problems) Matches(at *Path, n int) {
	msg := wire.MsgUnionAny
	if n > 1 {
		msg = wire.MsgUnionSeveral
	}
	p.Add(at, wire.ProblemUnion, msg)
}

// TagInvalid reports a discriminated union's tag that names no variant
// (union_tag_invalid, at the union's own path as Pydantic reports it);
// expected are the variants' tags in order.
func (p *Problems) TagInvalid(at *Path, key, tag string, expected ...string) {
	if !p.counted() {
		p.Add(at, wire.ProblemTagInvalid, wire.MsgTagInvalid(key, tag, expected))
	}
}

// ValueError reports err as a value_error.
func (p *Problems) ValueError(at *Path, err error) {
	if !p.counted() {
		p.Add(at, wire.ProblemValueError, wire.MsgValueError(err.Error()))
	}
}

// counted counts a problem for a quiet p and reports whether it did, so
// that the caller builds a message only for a p that records it.
func (p *Problems) counted() bool {
	if p.quiet {
		p.n++
	}
	return p.quiet
}
