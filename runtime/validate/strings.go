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
