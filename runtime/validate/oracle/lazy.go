package oracle

import (
	"strconv"
	"sync"

	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/wire"
)

// Lazy is an oracle schema compiled on first use, for the keywords
// generated code hands to santhosh-tekuri/jsonschema. Generated packages
// declare one per fallback as a package variable.
type Lazy struct {
	once   sync.Once
	json   string
	schema *Schema
	err    error
}

// NewLazy returns a Lazy for the schema JSON.
func NewLazy(schemaJSON string) *Lazy { return &Lazy{json: schemaJSON} }

// Check validates v with the schema and records the problems at the path.
func (l *Lazy) Check(p *validate.Problems, at *validate.Path, v any) {
	l.once.Do(func() { l.schema, l.err = Compile([]byte(l.json)) })
	if l.err != nil {
		p.ValueError(at, l.err)
		return
	}
	if p.IsQuiet() {
		if !l.schema.Valid(v) {
			p.Add(at, wire.ProblemValueError, "")
		}
		return
	}
	p.AddAll(l.schema.ValidateAt(at.Loc(), v))
}

// FormatCheck checks the format keyword with the oracle's own rule for
// that format — the function santhosh-tekuri/jsonschema calls — without
// the rest of the oracle, so a valid string costs one call.
type FormatCheck struct {
	name string
	fn   func(any) error
}

var formatChecks sync.Map // name → *FormatCheck

// Format returns the check for a format name, built once per process. An
// unknown format checks nothing, as in the oracle (draft-07 lets
// implementations ignore formats they do not know).
func Format(name string) *FormatCheck {
	if f, ok := formatChecks.Load(name); ok {
		return f.(*FormatCheck)
	}
	f := &FormatCheck{name: name}
	if s, err := Compile([]byte(`{"format": ` + strconv.Quote(name) + `}`)); err == nil && s.s.Format != nil {
		f.fn = s.s.Format.Validate
	}
	actual, _ := formatChecks.LoadOrStore(name, f)
	return actual.(*FormatCheck)
}

// Check records a problem when s is not of the format.
func (f *FormatCheck) Check(p *validate.Problems, at *validate.Path, s string) {
	if f.fn == nil {
		return
	}
	if err := f.fn(s); err != nil {
		typ, msg := wire.FormatProblem(f.name, err.Error())
		p.Add(at, typ, msg)
	}
}
