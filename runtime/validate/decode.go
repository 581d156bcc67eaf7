package validate

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
)

// shareLimit is the largest JSON text whose strings are cut from one
// string copy of the text: one allocation for all of an object's strings,
// at the price of a kept string holding the whole text alive. Above it
// each string gets its own copy.
const shareLimit = 1024

// Decoder reads the value of one member of the object Members walks.
// Generated UnmarshalJSON methods call one of its methods per known key;
// each consumes exactly one JSON value, stores it the way encoding/json
// would, and records the first error. Its methods are only valid inside
// the field function Members calls, for the member it is positioned at.
type Decoder struct {
	data   []byte
	pos    int
	keyLit []byte // the member's key, as written (quoted)
	text   string // data as a string, made by the first shared string
	err    error  // the error Members returns, once the text is checked
	stop   bool   // a nested value's UnmarshalJSON failed: err is final
	bad    bool   // a syntax error was found
	depth  int    // containers enclosing the current value
}

// Members decodes the JSON object data into a generated struct: it checks
// the whole text as encoding/json would (same accepted texts, and
// encoding/json's error for a rejected one), records in o which of k's
// keys were present and which were null, and calls field for each member
// whose key is exactly key i of k, with d positioned at the member's
// value; field calls one of d's methods. Keys that match a known key only
// when case is ignored are not that field (encoding/json would use them).
// Duplicate keys: the last wins, as with encoding/json. null decodes to
// o.WasNull(); another non-object to an *json.UnmarshalTypeError naming
// v's type (v is the struct's pointer). Errors storing values are
// *json.UnmarshalTypeError whose Field is the dotted path from this
// object, as encoding/json reports them, and the error returned is the one
// encoding/json returns: the first value of the wrong type, unless a
// nested struct's UnmarshalJSON fails, whose error then wins, and
// decoding stops there (encoding/json returns an Unmarshaler's error at
// once, over the type errors it saved before). The server's fast path,
// which calls UnmarshalJSON itself, relies on that: a frame's problem
// names the member encoding/json would name.
//
// Generated code declares d as a local variable and captures it in field,
// so that neither escapes: the walk allocates nothing itself.
func (d *Decoder) Members(data []byte, v any, o *Object, k *Keys, field func(i int)) error {
	*o = Object{decoded: true}
	if extra := (len(k.names) - 1) / 64; extra > 0 {
		o.seenMore, o.nullMore = make([]uint64, extra), make([]uint64, extra)
	}
	i := skipSpace(data, 0)
	if i >= len(data) {
		return syntaxError(data)
	}
	if data[i] != '{' {
		end, err := scanValue(data, i, 0)
		if err != nil || skipSpace(data, end) != len(data) {
			return syntaxError(data)
		}
		if data[i] == 'n' {
			o.wasNull = true
			return nil
		}
		return &json.UnmarshalTypeError{Value: jsonKind(data[i]), Type: reflect.TypeOf(v).Elem(), Offset: int64(end)}
	}
	*d = Decoder{data: data, depth: 1}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			if i >= len(data) || data[i] != '"' {
				return syntaxError(data)
			}
			end, plain, err := scanString(data, i)
			if err != nil {
				return syntaxError(data)
			}
			lit := data[i:end]
			i = skipSpace(data, end)
			if i >= len(data) || data[i] != ':' {
				return syntaxError(data)
			}
			i = skipSpace(data, i+1)
			if i >= len(data) {
				return syntaxError(data)
			}
			o.count++
			var key string
			if !plain {
				if key, err = unquote(lit); err != nil {
					return syntaxError(data)
				}
			}
			if f := k.lookup(lit[1:len(lit)-1], key, !plain); f >= 0 && !d.stop {
				isNull := data[i] == 'n'
				setBit(&o.seen, o.seenMore, f, true)
				setBit(&o.null, o.nullMore, f, isNull)
				d.pos, d.keyLit = i, lit
				field(f)
				if d.bad {
					return syntaxError(data)
				}
				if d.pos == i { // no decoder for this field
					if d.pos, err = scanValue(data, i, 1); err != nil {
						return syntaxError(data)
					}
				}
				if k.nullInside[f] && !isNull {
					// d.pos is the value's end: no second scan to find it.
					o.findNulls(f, data[i:d.pos])
				}
				i = d.pos
			} else {
				if k.keepUnknown {
					if plain {
						key = string(lit[1 : len(lit)-1])
					}
					o.unknown = append(o.unknown, key)
				}
				if i, err = scanValue(data, i, 1); err != nil {
					return syntaxError(data)
				}
			}
			i = skipSpace(data, i)
			if i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
				continue
			}
			if i < len(data) && data[i] == '}' {
				i++
				break
			}
			return syntaxError(data)
		}
	}
	if skipSpace(data, i) != len(data) {
		return syntaxError(data)
	}
	return d.err
}

// key is the current member's key, for errors.
func (d *Decoder) key() string {
	s, err := unquote(d.keyLit)
	if err != nil {
		return string(d.keyLit)
	}
	return s
}

// skip consumes the current value and returns its bounds; ok is false
// after a syntax error.
func (d *Decoder) skip() (start, end int, ok bool) {
	end, err := scanValue(d.data, d.pos, d.depth)
	if err != nil {
		d.bad = true
		return 0, 0, false
	}
	start, d.pos = d.pos, end
	return start, end, true
}

// null consumes a null; it reports false when the value is not null.
func (d *Decoder) null() bool {
	if d.data[d.pos] != 'n' {
		return false
	}
	end, err := scanLiteral(d.data, d.pos, "null")
	if err != nil {
		d.bad = true
	}
	d.pos = end
	return true
}

// typeError skips a value of the wrong JSON type for a Go value of type t.
func (d *Decoder) typeError(t reflect.Type) {
	start, _, ok := d.skip()
	if ok && d.err == nil {
		d.err = &json.UnmarshalTypeError{Value: jsonKind(d.data[start]), Type: t, Offset: int64(d.pos), Field: d.key()}
	}
}

// fieldError records err from decoding the current member's value,
// putting the member's key in front of an UnmarshalTypeError's path. A
// nested Unmarshaler's error (final) replaces an earlier type error and
// stops decoding, as in encoding/json; other errors are kept only when
// they are the first.
func (d *Decoder) fieldError(err error, final bool) {
	if d.stop || (d.err != nil && !final) {
		return
	}
	d.stop = final
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		c := *te
		if c.Field == "" {
			c.Field = d.key()
		} else {
			c.Field = d.key() + "." + c.Field
		}
		err = &c
	}
	d.err = err
}

// share returns data[start:end] as a string.
func (d *Decoder) share(start, end int) string {
	if len(d.data) > shareLimit {
		return string(d.data[start:end])
	}
	if d.text == "" {
		d.text = string(d.data)
	}
	return d.text[start:end]
}

// str reads a string value; ok is false for null, a syntax error or
// another type (recorded).
func (d *Decoder) str(t reflect.Type) (start, end int, plain, ok bool) {
	b, i := d.data, d.pos
	if b[i] != '"' {
		if !d.null() {
			d.typeError(t)
		}
		return 0, 0, false, false
	}
	end, plain, err := scanString(b, i)
	if err != nil {
		d.bad = true
		return 0, 0, false, false
	}
	d.pos = end
	return i, end, plain, true
}

var (
	stringType  = reflect.TypeFor[string]()
	int64Type   = reflect.TypeFor[int64]()
	float64Type = reflect.TypeFor[float64]()
	boolType    = reflect.TypeFor[bool]()
)

// String stores a JSON string in *p; null leaves *p as it is.
func (d *Decoder) String(p *string) {
	start, end, plain, ok := d.str(stringType)
	if !ok {
		return
	}
	if plain {
		*p = d.share(start+1, end-1)
		return
	}
	s, err := unquote(d.data[start:end])
	if err != nil {
		d.bad = true
		return
	}
	*p = s
}

// Const is String for a member whose schema fixes its value to lit: the
// value stored is lit itself when it matches, which allocates nothing.
func (d *Decoder) Const(p *string, lit string) {
	start, end, plain, ok := d.str(stringType)
	if !ok {
		return
	}
	if plain && string(d.data[start+1:end-1]) == lit {
		*p = lit
		return
	}
	d.pos = start
	d.String(p)
}

// number reads a number literal; ok is false for null, a syntax error or
// another type (recorded against t).
func (d *Decoder) number(t reflect.Type) (lit []byte, ok bool) {
	b, i := d.data, d.pos
	if c := b[i]; c != '-' && (c < '0' || c > '9') {
		if !d.null() {
			d.typeError(t)
		}
		return nil, false
	}
	end, err := scanNumber(b, i)
	if err != nil {
		d.bad = true
		return nil, false
	}
	d.pos = end
	return b[i:end], true
}

// numberError records a number that does not fit its Go type.
func (d *Decoder) numberError(lit []byte, t reflect.Type) {
	if d.err == nil {
		d.err = &json.UnmarshalTypeError{Value: "number " + string(lit), Type: t, Offset: int64(d.pos), Field: d.key()}
	}
}

// Int stores a JSON integer in *p. An integer written with a fraction or
// an exponent (1.0, 1e2) is accepted, as JSON Schema's integer type
// accepts it; other numbers and numbers beyond int64 are type errors.
func (d *Decoder) Int(p *int64) {
	lit, ok := d.number(int64Type)
	if !ok {
		return
	}
	if n, err := strconv.ParseInt(string(lit), 10, 64); err == nil {
		*p = n
		return
	}
	if n, ok := integralInt(lit); ok {
		*p = n
		return
	}
	d.numberError(lit, int64Type)
}

// Float stores a JSON number in *p; a number beyond float64 is a type
// error, as with encoding/json.
func (d *Decoder) Float(p *float64) {
	lit, ok := d.number(float64Type)
	if !ok {
		return
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		d.numberError(lit, float64Type)
		return
	}
	*p = f
}

// Bool stores true or false in *p; null leaves *p as it is.
func (d *Decoder) Bool(p *bool) {
	b, i := d.data, d.pos
	var err error
	switch b[i] {
	case 't':
		d.pos, err = scanLiteral(b, i, "true")
		*p = true
	case 'f':
		d.pos, err = scanLiteral(b, i, "false")
		*p = false
	default:
		if !d.null() {
			d.typeError(boolType)
		}
		return
	}
	if err != nil {
		d.bad = true
	}
}

// Object hands the current value, whatever it is, to u: a generated
// struct or union, as encoding/json does for a field that is not a
// pointer (null included).
func (d *Decoder) Object(u json.Unmarshaler) {
	start, end, ok := d.skip()
	if !ok || d.stop {
		return
	}
	if err := u.UnmarshalJSON(d.data[start:end]); err != nil {
		d.fieldError(err, true)
	}
}

// JSON decodes the current value into p with encoding/json, for Go types
// the Decoder has no method for (slices, maps, any, time.Time, …), and
// with the same tolerance for integers written as 1.0 as Int.
func (d *Decoder) JSON(p any) {
	start, end, ok := d.skip()
	if !ok {
		return
	}
	if d.data[start] == 'n' && storeNull(p) {
		return
	}
	if err := unmarshalValue(d.data[start:end], p); err != nil {
		d.fieldError(err, false)
	}
}

// Alloc prepares a pointer field or element for its value: null stores
// nil and returns nil; another value returns *p, allocated when nil, for a
// Decoder method to decode into. (A helper taking the method as a func
// value would make the Decoder escape to the heap.)
func Alloc[T any](d *Decoder, p **T) *T {
	if d.null() {
		*p = nil
		return nil
	}
	if *p == nil {
		*p = new(T)
	}
	return *p
}

// Elems walks a JSON array into a slice field as encoding/json does: null
// stores nil, [] an empty slice that is not nil, and elements are decoded
// into the slice's existing elements first, then appended. Generated code
// reads:
//
//	for a := validate.Array(&x.Tags); a.Next(&d); {
//		d.String(a.Elem())
//	}
type Elems[T any] struct {
	p       *[]T
	s       []T
	n       int
	started bool
	done    bool
}

// Array starts walking a JSON array into *p. The Decoder is passed to
// each call rather than kept, which would move it to the heap.
func Array[T any](p *[]T) Elems[T] {
	return Elems[T]{p: p, s: *p}
}

// Next positions the Decoder at the next element and reports whether
// there is one; after the last it stores the slice.
func (a *Elems[T]) Next(d *Decoder) bool {
	if a.done {
		return false
	}
	b := d.data
	if !a.started {
		a.started = true
		if b[d.pos] != '[' {
			if d.null() {
				*a.p = nil
			} else {
				d.typeError(reflect.TypeFor[[]T]())
			}
			a.done = true
			return false
		}
		if d.depth+1 >= maxDepth {
			return a.fail(d)
		}
		d.depth++
		i := skipSpace(b, d.pos+1)
		if i < len(b) && b[i] == ']' {
			d.pos = i + 1
			return a.finish(d)
		}
		d.pos = i
		return a.elem(d)
	}
	if d.bad {
		return a.fail(d)
	}
	i := skipSpace(b, d.pos)
	if i < len(b) && b[i] == ',' {
		d.pos = skipSpace(b, i+1)
		return a.elem(d)
	}
	if i < len(b) && b[i] == ']' {
		d.pos = i + 1
		return a.finish(d)
	}
	return a.fail(d)
}

// Elem is where the current element is decoded.
func (a *Elems[T]) Elem() *T { return &a.s[a.n-1] }

func (a *Elems[T]) elem(d *Decoder) bool {
	if d.pos >= len(d.data) {
		return a.fail(d)
	}
	if a.n == len(a.s) {
		if cap(a.s) == 0 {
			a.s = make([]T, 0, 4)
		}
		var zero T
		a.s = append(a.s, zero)
	}
	a.n++
	return true
}

func (a *Elems[T]) finish(d *Decoder) bool {
	d.depth--
	a.done = true
	if a.n == 0 {
		*a.p = []T{}
	} else {
		*a.p = a.s[:a.n]
	}
	return false
}

func (a *Elems[T]) fail(d *Decoder) bool {
	d.bad = true
	a.done = true
	return false
}

// Entries walks a JSON object into a map field as encoding/json does:
// null stores nil, an object stores each member under its key (into the
// existing map, made when nil), each value decoded into a zero element.
// Generated code reads:
//
//	for m := validate.Map(&x.Scores); m.Next(&d); {
//		d.Int(m.Value())
//	}
type Entries[V any] struct {
	p       *map[string]V
	key     string
	val     V
	pending bool
	started bool
	done    bool
}

// Map starts walking a JSON object into *p.
func Map[V any](p *map[string]V) Entries[V] {
	return Entries[V]{p: p}
}

// Value is where the current member's value is decoded.
func (m *Entries[V]) Value() *V { return &m.val }

// Next stores the member decoded last, positions the Decoder at the next
// member's value and reports whether there is one.
func (m *Entries[V]) Next(d *Decoder) bool {
	if m.done {
		return false
	}
	b := d.data
	if !m.started {
		m.started = true
		if b[d.pos] != '{' {
			if d.null() {
				*m.p = nil
			} else {
				d.typeError(reflect.TypeFor[map[string]V]())
			}
			m.done = true
			return false
		}
		if d.depth+1 >= maxDepth {
			return m.fail(d)
		}
		d.depth++
		if *m.p == nil {
			*m.p = make(map[string]V)
		}
		i := skipSpace(b, d.pos+1)
		if i < len(b) && b[i] == '}' {
			d.pos = i + 1
			return m.finish(d)
		}
		d.pos = i
		return m.member(d)
	}
	if d.bad {
		return m.fail(d)
	}
	(*m.p)[m.key] = m.val
	i := skipSpace(b, d.pos)
	if i < len(b) && b[i] == ',' {
		d.pos = skipSpace(b, i+1)
		return m.member(d)
	}
	if i < len(b) && b[i] == '}' {
		d.pos = i + 1
		return m.finish(d)
	}
	return m.fail(d)
}

// member reads a member's key and colon.
func (m *Entries[V]) member(d *Decoder) bool {
	b, i := d.data, d.pos
	if i >= len(b) || b[i] != '"' {
		return m.fail(d)
	}
	end, plain, err := scanString(b, i)
	if err != nil {
		return m.fail(d)
	}
	if plain {
		m.key = d.share(i+1, end-1)
	} else if m.key, err = unquote(b[i:end]); err != nil {
		return m.fail(d)
	}
	i = skipSpace(b, end)
	if i >= len(b) || b[i] != ':' {
		return m.fail(d)
	}
	d.pos = skipSpace(b, i+1)
	if d.pos >= len(b) {
		return m.fail(d)
	}
	var zero V
	m.val = zero
	return true
}

func (m *Entries[V]) finish(d *Decoder) bool {
	d.depth--
	m.done = true
	return false
}

func (m *Entries[V]) fail(d *Decoder) bool {
	d.bad = true
	m.done = true
	return false
}

// storeNull does what encoding/json does with null for *p, when that is
// simple: an interface, map, pointer or slice becomes nil, anything else
// keeps its value. It reports false for types with their own decoding.
func storeNull(p any) bool {
	switch p.(type) {
	case json.Unmarshaler, encoding.TextUnmarshaler:
		return false
	}
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	switch v = v.Elem(); v.Kind() {
	case reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice:
		v.SetZero()
	}
	return true
}

// unmarshalValue is json.Unmarshal, trying again with integers written
// as 1.0 or 1e2 rewritten when the first attempt fails on a type; the
// second attempt's error, if any, names the value really at fault.
func unmarshalValue(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	if fixed, changed := integralNumbers(data); changed {
		return json.Unmarshal(fixed, v)
	}
	return err
}

// integralInt reads a number literal (valid JSON) written with a fraction
// or an exponent whose value is an integer that fits int64: 1.0, 1e2,
// 2.50e1, 100e-2. It works on the digits, so a huge exponent costs
// nothing.
func integralInt(lit []byte) (int64, bool) {
	var buf [24]byte
	i := 0
	neg := lit[0] == '-'
	if neg {
		i++
	}
	start := i
	for i < len(lit) && lit[i] >= '0' && lit[i] <= '9' {
		i++
	}
	intPart := lit[start:i]
	var frac []byte
	if i < len(lit) && lit[i] == '.' {
		i++
		fs := i
		for i < len(lit) && lit[i] >= '0' && lit[i] <= '9' {
			i++
		}
		frac = lit[fs:i]
	}
	exp := 0
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') {
		i++
		eneg := false
		if lit[i] == '+' || lit[i] == '-' {
			eneg = lit[i] == '-'
			i++
		}
		for ; i < len(lit); i++ {
			if exp < 1<<20 {
				exp = exp*10 + int(lit[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	// The value is digits × 10^exp.
	digits := make([]byte, 0, 64)
	digits = append(digits, intPart...)
	digits = append(digits, frac...)
	exp -= len(frac)
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return 0, true
	}
	for exp < 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	if exp < 0 || len(digits)+exp > 19 {
		return 0, false
	}
	n := copy(buf[1:], digits)
	for ; exp > 0; exp-- {
		buf[1+n] = '0'
		n++
	}
	s := buf[1 : 1+n]
	if neg {
		buf[0] = '-'
		s = buf[:1+n]
	}
	v, err := strconv.ParseInt(string(s), 10, 64)
	return v, err == nil
}
