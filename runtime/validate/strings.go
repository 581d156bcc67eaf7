package validate

import (
	"regexp"
	"strconv"
	"sync"
	"unicode/utf8"
)

// RuneCount is a string's length as JSON Schema counts it: in code points,
// not bytes.
func RuneCount(s string) int { return utf8.RuneCountInString(s) }

var patterns sync.Map // string → *regexp.Regexp

// Pattern returns the compiled regular expression, compiling it once per
// process whichever package asks. Generated code calls it at package
// initialization; chanx checked at generation time that the pattern
// compiles, so a failure here is a bug and panics.
func Pattern(expr string) *regexp.Regexp {
	if re, ok := patterns.Load(expr); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(expr)
	actual, _ := patterns.LoadOrStore(expr, re)
	return actual.(*regexp.Regexp)
}

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
func (l *Lazy) Check(p *Problems, at *Path, v any) {
	l.once.Do(func() { l.schema, l.err = Compile([]byte(l.json)) })
	if l.err != nil {
		p.Add(at, TypeValue, l.err.Error())
		return
	}
	if p.IsQuiet() {
		if !l.schema.Valid(v) {
			p.Add(at, TypeValue, "")
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
func (f *FormatCheck) Check(p *Problems, at *Path, s string) {
	if f.fn == nil {
		return
	}
	if err := f.fn(s); err != nil {
		p.Addf(at, TypeFormat, "must be a valid %s: %v", f.name, err)
	}
}
