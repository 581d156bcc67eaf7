package validate

import (
	"regexp"
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
