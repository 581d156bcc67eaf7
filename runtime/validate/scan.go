package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Keys describes the members of the JSON object a generated struct is
// decoded from. Generated code builds one per struct type, at package
// initialization.
type Keys struct {
	names       []string
	index       map[string]int // for many names
	keepUnknown bool
	nullInside  []bool
}

// NewKeys describes a struct's members: names in field order;
// keepUnknown keeps the names of other members (additionalProperties:
// false reports them); nullInside lists the indexes of members whose array
// or object elements must be searched for null, because their Go type
// would read null as a zero value.
func NewKeys(names []string, keepUnknown bool, nullInside ...int) *Keys {
	k := &Keys{names: names, keepUnknown: keepUnknown, nullInside: make([]bool, len(names))}
	for _, i := range nullInside {
		k.nullInside[i] = true
	}
	if len(names) > 16 {
		k.index = make(map[string]int, len(names))
		for i, n := range names {
			k.index[n] = i
		}
	}
	return k
}

// lookup finds a key given as raw bytes (unescaped) or as a string.
func (k *Keys) lookup(raw []byte, key string, escaped bool) int {
	if k.index != nil {
		var i int
		var ok bool
		if escaped {
			i, ok = k.index[key]
		} else {
			i, ok = k.index[string(raw)]
		}
		if ok {
			return i
		}
		return -1
	}
	for i, name := range k.names {
		if (escaped && key == name) || (!escaped && string(raw) == name) {
			return i
		}
	}
	return -1
}

// Object is what generated UnmarshalJSON methods record about the JSON
// object a struct was decoded from, because encoding/json cannot tell a
// missing member from a zero one. A struct built in Go has a zero Object
// and counts as having every field that it would marshal.
type Object struct {
	decoded bool
	wasNull bool
	// Bit i: known key i was present, was null. Keys past the 64th use
	// the more slices, allocated only for such large objects.
	seen, null         uint64
	seenMore, nullMore []uint64
	count              int
	unknown            []string
	nulls              []nullElement
}

func getBit(word uint64, more []uint64, i int) bool {
	if i < 64 {
		return word&(1<<uint(i)) != 0
	}
	w := i/64 - 1
	return w < len(more) && more[w]&(1<<uint(i%64)) != 0
}

func setBit(word *uint64, more []uint64, i int, on bool) {
	p := word
	if i >= 64 {
		p = &more[i/64-1]
	}
	if on {
		*p |= 1 << uint(i%64)
	} else {
		*p &^= 1 << uint(i%64)
	}
}

// nullElement is a null found directly inside the array or object value of
// known key field, which encoding/json would have decoded as a zero value.
type nullElement struct {
	field int
	index int
	key   string
	isKey bool
}

// Decoded reports whether the value came from JSON.
func (o *Object) Decoded() bool { return o.decoded }

// WasNull reports whether the JSON value was null rather than an object:
// encoding/json hands null to UnmarshalJSON and leaves the zero struct.
func (o *Object) WasNull() bool { return o.wasNull }

// Has reports whether known key i was present; always true for a value
// built in Go.
func (o *Object) Has(i int) bool {
	return !o.decoded || getBit(o.seen, o.seenMore, i)
}

// IsNull reports whether known key i was present with the value null.
func (o *Object) IsNull(i int) bool {
	return o.decoded && getBit(o.null, o.nullMore, i)
}

// Count is how many members the object had, or -1 for a value built in Go.
func (o *Object) Count() int {
	if !o.decoded {
		return -1
	}
	return o.count
}

// HasOthers reports whether the object had a member whose key is not
// exactly a known one. encoding/json matches keys case-insensitively, so
// generated code then clears the fields whose exact key was absent.
func (o *Object) HasOthers() bool {
	if !o.decoded {
		return false
	}
	n := bits.OnesCount64(o.seen)
	for _, w := range o.seenMore {
		n += bits.OnesCount64(w)
	}
	return o.count > n
}

// Unknown lists the members whose key is not a known one, in order.
func (o *Object) Unknown() []string { return o.unknown }

var errNotObject = errors.New("not a JSON object")

// CheckNullElement reports the null elements found in the value of known
// key i, whose Go type (a slice or map of non-pointers) cannot hold them;
// key is its JSON key.
func (o *Object) CheckNullElement(p *Problems, at *Path, i int, key string) {
	for _, n := range o.nulls {
		if n.field != i {
			continue
		}
		c := at.Key(key)
		var e Path
		if n.isKey {
			e = c.Key(n.key)
		} else {
			e = c.Index(n.index)
		}
		p.Add(&e, TypeType, "must not be null")
	}
}

// Scan reads the members of the JSON object data, already checked by
// encoding/json, against the struct's keys (Decoder.Members does this
// while decoding; Scan serves code generated before it). It allocates only for unknown
// keys, escaped keys, null elements and objects of more than 64 keys.
func (o *Object) Scan(data []byte, k *Keys) error {
	*o = Object{decoded: true}
	if extra := (len(k.names) - 1) / 64; extra > 0 {
		o.seenMore, o.nullMore = make([]uint64, extra), make([]uint64, extra)
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			o.wasNull = true
			return nil
		}
		return errNotObject
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil
	}
	for i < len(data) {
		if data[i] != '"' {
			return errNotObject
		}
		end := skipString(data, i)
		if end < 0 {
			return errNotObject
		}
		raw := data[i+1 : end-1]
		var key string
		// Invalid UTF-8 reads as U+FFFD, as encoding/json reads it.
		escaped := bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw)
		if escaped {
			var err error
			if key, err = unquote(data[i:end]); err != nil {
				return err
			}
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return errNotObject
		}
		i = skipSpace(data, i+1)
		vEnd := skipValue(data, i)
		if vEnd < 0 {
			return errNotObject
		}
		isNull := vEnd-i == 4 && string(data[i:vEnd]) == "null"
		o.count++
		if f := k.lookup(raw, key, escaped); f >= 0 {
			setBit(&o.seen, o.seenMore, f, true)
			setBit(&o.null, o.nullMore, f, isNull)
			if k.nullInside[f] && !isNull {
				o.findNulls(f, data[i:vEnd])
			}
		} else if k.keepUnknown {
			if !escaped {
				key = string(raw)
			}
			o.unknown = append(o.unknown, key)
		}
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			return nil
		}
		return errNotObject
	}
	return errNotObject
}

// findNulls records the null elements of the array or object v.
func (o *Object) findNulls(field int, v []byte) {
	if len(v) == 0 || (v[0] != '[' && v[0] != '{') {
		return
	}
	isObj := v[0] == '{'
	i := skipSpace(v, 1)
	for n := 0; i < len(v) && v[i] != ']' && v[i] != '}'; n++ {
		var key string
		if isObj {
			end := skipString(v, i)
			if end < 0 {
				return
			}
			var err error
			if key, err = unquote(v[i:end]); err != nil {
				return
			}
			i = skipSpace(v, end)
			if i >= len(v) || v[i] != ':' {
				return
			}
			i = skipSpace(v, i+1)
		}
		end := skipValue(v, i)
		if end < 0 {
			return
		}
		if end-i == 4 && string(v[i:end]) == "null" {
			o.nulls = append(o.nulls, nullElement{field: field, index: n, key: key, isKey: isObj})
		}
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i = skipSpace(v, i+1)
		}
	}
}

// PeekString returns the string value of the top-level member key of the
// JSON object data, without decoding the rest: how a union picks its
// variant from a discriminator. It reads the value as encoding/json would
// decode it: when key occurs more than once the last occurrence counts,
// and invalid UTF-8 reads as U+FFFD.
func PeekString(data []byte, key string) (string, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	var (
		val   string
		found bool // the last occurrence seen so far is a string
	)
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] == '"' {
		end := skipString(data, i)
		if end < 0 {
			return "", false
		}
		raw := data[i+1 : end-1]
		match := string(raw) == key
		if !match && (bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw)) {
			k, err := unquote(data[i:end])
			match = err == nil && k == key
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return "", false
		}
		i = skipSpace(data, i+1)
		vEnd := skipValue(data, i)
		if vEnd < 0 {
			return "", false
		}
		if match {
			found = false
			if data[i] == '"' {
				s, err := unquote(data[i:vEnd])
				if err != nil {
					return "", false
				}
				val, found = s, true
			}
		}
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			continue
		}
		break
	}
	return val, found
}

// unquote decodes a JSON string literal. It is a function of its own so
// that the string it decodes into does not escape where it is not used.
func unquote(lit []byte) (string, error) {
	if bytes.IndexByte(lit, '\\') < 0 && len(lit) >= 2 && utf8.Valid(lit) {
		return string(lit[1 : len(lit)-1]), nil
	}
	var s string
	err := json.Unmarshal(lit, &s)
	return s, err
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] ('"').
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j)
				if j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// decodeJSON decodes one JSON value with numbers kept as json.Number.
func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// Unmarshal is json.Unmarshal for generated struct types (as generated
// before Decoder.Members, which replaces it), with what JSON
// Schema needs on top: an integer written with a fraction or exponent
// (1.0, 1e2) still decodes into an int64 field, and a member whose key
// only case-insensitively matches a field (encoding/json's rule) does not
// make decoding fail — it is not that field. Only when decoding fails is
// the text rewritten and decoding tried again.
func Unmarshal(data []byte, v any, k *Keys) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	fixed, dropped := dropCaseVariants(data, k.names)
	fixed, changed := integralNumbers(fixed)
	if !dropped && !changed {
		return err
	}
	// The rewritten text is the one JSON Schema sees; its error, if any,
	// names the member really at fault.
	return json.Unmarshal(fixed, v)
}

// dropCaseVariants removes the top-level members whose key equals a known
// key only when case is ignored.
func dropCaseVariants(data []byte, known []string) ([]byte, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return data, false
	}
	out := []byte{'{'}
	dropped := false
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] == '"' {
		end := skipString(data, i)
		if end < 0 {
			return data, false
		}
		var key string
		if json.Unmarshal(data[i:end], &key) != nil {
			return data, false
		}
		j := skipSpace(data, end)
		if j >= len(data) || data[j] != ':' {
			return data, false
		}
		j = skipSpace(data, j+1)
		vEnd := skipValue(data, j)
		if vEnd < 0 {
			return data, false
		}
		variant := false
		for _, k := range known {
			if k == key {
				variant = false
				break
			}
			if strings.EqualFold(k, key) {
				variant = true
			}
		}
		if variant {
			dropped = true
		} else {
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = append(out, data[i:vEnd]...)
		}
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return append(out, '}'), dropped
}

// integralNumbers rewrites the numbers of a JSON text that are integers
// written another way (1.0, 1e2, 2.50e1) as plain integers.
func integralNumbers(data []byte) ([]byte, bool) {
	var out []byte
	changed := false
	last := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '"' {
			end := skipString(data, i)
			if end < 0 {
				return data, false
			}
			i = end - 1
			continue
		}
		if c != '-' && (c < '0' || c > '9') {
			continue
		}
		j := i
		for j < len(data) && bytes.IndexByte([]byte("+-0123456789.eE"), data[j]) >= 0 {
			j++
		}
		lit := data[i:j]
		if bytes.ContainsAny(lit, ".eE") {
			if r, ok := new(big.Rat).SetString(string(lit)); ok && r.IsInt() && r.Num().IsInt64() {
				out = append(out, data[last:i]...)
				out = append(out, r.Num().String()...)
				last = j
				changed = true
			}
		}
		i = j - 1
	}
	if !changed {
		return data, false
	}
	return append(out, data[last:]...), true
}
