package validate

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is a number literal from a schema (multipleOf) kept exact as
// mant × 10^exp, so that 0.1 is a tenth and not the float64 nearest to it.
type Decimal struct {
	mant int64
	exp  int
	lit  string
	rat  *big.Rat
}

// ParseDecimal parses a JSON number literal; generated code calls it once
// per literal, at package initialization. It panics on a malformed literal,
// which chanx rejected when it generated the code.
func ParseDecimal(lit string) Decimal {
	r, ok := new(big.Rat).SetString(lit)
	if !ok || r.Sign() <= 0 {
		panic("validate: bad multipleOf literal " + lit)
	}
	d := Decimal{lit: lit, rat: r}
	if m, e, ok := splitDecimal(lit); ok {
		d.mant, d.exp = m, e
	}
	return d
}

// String returns the literal.
func (d Decimal) String() string { return d.lit }

// splitDecimal reads a decimal literal (1.5, 2e-3, 7.5e-03) as an int64
// mantissa and a power of ten.
func splitDecimal(s string) (mant int64, exp int, ok bool) {
	mpart, epart, hasExp := strings.Cut(strings.ToLower(s), "e")
	if hasExp {
		e, err := strconv.Atoi(epart)
		if err != nil {
			return 0, 0, false
		}
		exp = e
	}
	neg := strings.HasPrefix(mpart, "-")
	mpart = strings.TrimPrefix(strings.TrimPrefix(mpart, "-"), "+")
	ip, fp, _ := strings.Cut(mpart, ".")
	digits := strings.TrimLeft(ip+fp, "0")
	exp -= len(fp)
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	if digits == "" {
		return 0, 0, true
	}
	if len(digits) > 18 {
		return 0, 0, false
	}
	m, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if neg {
		m = -m
	}
	return m, exp, true
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// multiple decides x = xm×10^xe is a multiple of d exactly, in int64 when
// it can and with big.Rat when it must.
func (d Decimal) multiple(xm int64, xe int) bool {
	if xm == 0 {
		return true
	}
	if d.mant != 0 {
		e := min(xe, d.exp)
		a, okA := scale(xm, xe-e)
		b, okB := scale(d.mant, d.exp-e)
		if okA && okB {
			return a%b == 0
		}
	}
	x := new(big.Rat).SetInt64(xm)
	if xe > 0 {
		x.Mul(x, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(xe)), nil)))
	} else if xe < 0 {
		x.Quo(x, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-xe)), nil)))
	}
	return x.Quo(x, d.rat).IsInt()
}

func scale(m int64, k int) (int64, bool) {
	if k < 0 || k >= len(pow10) {
		return 0, false
	}
	r := m * pow10[k]
	if r/pow10[k] != m {
		return 0, false
	}
	return r, true
}

// MultipleOf reports whether x is a multiple of d. x is taken as the
// shortest decimal that reads back as x — the literal it was decoded from —
// so 0.0075 is a multiple of 0.0001 although neither is exact in binary.
func MultipleOf(x float64, d Decimal) bool {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return false
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], x, 'e', -1, 64)
	m, e, ok := splitFloat(b)
	if !ok {
		return new(big.Rat).SetFloat64(x).Quo(new(big.Rat).SetFloat64(x), d.rat).IsInt()
	}
	return d.multiple(m, e)
}

// MultipleOfInt is MultipleOf for an integer.
func MultipleOfInt(x int64, d Decimal) bool { return d.multiple(x, 0) }

// MultipleOfAny is MultipleOf for a JSON number of any Go representation;
// non-numbers pass (multipleOf only constrains numbers).
func MultipleOfAny(v any, d Decimal) bool {
	switch x := v.(type) {
	case float64:
		return MultipleOf(x, d)
	case json.Number:
		if m, e, ok := splitDecimal(string(x)); ok {
			return d.multiple(m, e)
		}
		r, ok := new(big.Rat).SetString(string(x))
		return ok && r.Quo(r, d.rat).IsInt()
	case int64:
		return MultipleOfInt(x, d)
	case int:
		return MultipleOfInt(int64(x), d)
	}
	if f, ok := Num(v); ok {
		return MultipleOf(f, d)
	}
	return true
}

// splitFloat reads strconv's 'e' form (d.ddde±XX) without allocating.
func splitFloat(b []byte) (mant int64, exp int, ok bool) {
	neg := false
	i := 0
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	frac := 0
	inFrac := false
	n := 0
	for ; i < len(b) && b[i] != 'e'; i++ {
		c := b[i]
		if c == '.' {
			inFrac = true
			continue
		}
		if n >= 18 {
			return 0, 0, false
		}
		mant = mant*10 + int64(c-'0')
		n++
		if inFrac {
			frac++
		}
	}
	if i >= len(b) {
		return 0, 0, false
	}
	i++
	eneg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		eneg = b[i] == '-'
		i++
	}
	e := 0
	for ; i < len(b); i++ {
		e = e*10 + int(b[i]-'0')
	}
	if eneg {
		e = -e
	}
	if neg {
		mant = -mant
	}
	return mant, e - frac, true
}
