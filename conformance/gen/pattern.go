package gen

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
)

// fromPattern generates a string matching the regular expression p: the
// shortest choices when r is nil, random ones otherwise. JSON Schema
// patterns are unanchored, so any string the expression itself produces
// matches. ok is false when p does not parse (ECMA syntax Go lacks).
func fromPattern(p string, r *rand.Rand) (string, bool) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	walk(re.Simplify(), r, &b)
	v := b.String()
	if m, err := regexp.Compile(p); err != nil || !m.MatchString(v) {
		return "", false
	}
	return v, true
}

func walk(re *syntax.Regexp, r *rand.Rand, b *strings.Builder) {
	pick := func(n int) int {
		if r == nil || n <= 0 {
			return 0
		}
		return r.IntN(n + 1)
	}
	switch re.Op {
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			b.WriteRune(c)
		}
	case syntax.OpCharClass:
		if len(re.Rune) < 2 {
			return
		}
		i := 0
		if r != nil {
			i = r.IntN(len(re.Rune)/2) * 2
		}
		lo, hi := re.Rune[i], re.Rune[i+1]
		c := lo
		// Prefer a printable letter or digit inside the range.
		for _, want := range []rune{'a', 'A', '0'} {
			if lo <= want && want <= hi {
				c = want
				break
			}
		}
		if r != nil && hi > lo {
			span := hi - lo
			if span > 0xFF {
				span = 0xFF
			}
			c = lo + rune(r.IntN(int(span)+1))
		}
		b.WriteRune(c)
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		c := 'a'
		if r != nil {
			c = rune('a' + r.IntN(26))
		}
		b.WriteRune(c)
	case syntax.OpCapture:
		walk(re.Sub[0], r, b)
	case syntax.OpStar:
		for i, n := 0, pick(3); i < n; i++ {
			walk(re.Sub[0], r, b)
		}
	case syntax.OpPlus:
		for i, n := 0, 1+pick(3); i < n; i++ {
			walk(re.Sub[0], r, b)
		}
	case syntax.OpQuest:
		if pick(1) == 1 {
			walk(re.Sub[0], r, b)
		}
	case syntax.OpRepeat:
		n := re.Min
		if re.Max < 0 {
			n += pick(3)
		} else {
			n += pick(min(re.Max-re.Min, 3))
		}
		for i := 0; i < n; i++ {
			walk(re.Sub[0], r, b)
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			walk(s, r, b)
		}
	case syntax.OpAlternate:
		i := 0
		if r != nil {
			i = r.IntN(len(re.Sub))
		}
		walk(re.Sub[i], r, b)
	}
}
