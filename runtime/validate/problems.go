package validate

import (
	"fmt"
	"strings"

	"github.com/chanxgo/chanx/runtime/wire"
)

// Problem types: the stable "type" of a wire.Problem. Clients may switch on
// them; the message next to them is for people.
const (
	TypeMissing        = "missing"
	TypeType           = "type_error"
	TypeEnum           = "enum"
	TypeConst          = "const"
	TypeStringTooShort = "string_too_short"
	TypeStringTooLong  = "string_too_long"
	TypePattern        = "string_pattern_mismatch"
	TypeFormat         = "format"
	TypeGreaterEqual   = "greater_than_equal"
	TypeGreater        = "greater_than"
	TypeLessEqual      = "less_than_equal"
	TypeLess           = "less_than"
	TypeMultipleOf     = "multiple_of"
	TypeTooShort       = "too_short"
	TypeTooLong        = "too_long"
	TypeUnique         = "unique_items"
	TypeExtra          = "extra_forbidden"
	TypeUnion          = "union"
	TypeNot            = "not"
	TypeFalse          = "false_schema"
	TypeDependency     = "dependency"
	TypeContains       = "contains"
	TypeValue          = "value_error"
)

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
		return &wire.ValidationError{Problems: []wire.Problem{{Type: TypeValue, Loc: []any{}, Msg: "invalid value"}}}
	}
	return &wire.ValidationError{Problems: p.list}
}
