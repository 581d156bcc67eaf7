package validate

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Encoder writes the JSON of a generated struct the way encoding/json
// writes it, without reflection: generated MarshalJSON methods call one
// method per member. HTML characters are left as they are: encoding/json
// escapes a MarshalJSON result itself when its own options say so, as it
// does for every other value. The first error (a NaN or infinite number,
// or one from encoding/json for a member the Encoder has no method for)
// is kept and reported by Done.
type Encoder struct {
	b     []byte
	err   error
	first bool // at the start of an object or array
}

// Reset makes e write after the bytes of dst.
func (e *Encoder) Reset(dst []byte) {
	*e = Encoder{b: dst}
}

// Result returns dst with what was written appended, or the first error.
func (e *Encoder) Result() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return e.b, nil
}

// JSONAppender is implemented by generated structs that write their own
// JSON (those with a generated MarshalJSON): AppendJSON writes what
// MarshalJSON returns, without the copy of it and the check and compaction
// of it that encoding/json makes (which cost more than the encoding
// itself). HTML characters are written as they are, as with
// json.Encoder.SetEscapeHTML(false).
type JSONAppender interface {
	AppendJSON(dst []byte) ([]byte, error)
}

// Open starts an object.
func (e *Encoder) Open() {
	e.b = append(e.b, '{')
	e.first = true
}

// Close ends an object.
func (e *Encoder) Close() {
	e.b = append(e.b, '}')
	e.first = false
}

// Key starts a member; lit is its key already written as JSON, with the
// colon ("\"name\":").
func (e *Encoder) Key(lit string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.b = append(e.b, lit...)
	e.first = false
}

// OpenArray starts an array.
func (e *Encoder) OpenArray() {
	e.b = append(e.b, '[')
	e.first = true
}

// CloseArray ends an array.
func (e *Encoder) CloseArray() {
	e.b = append(e.b, ']')
	e.first = false
}

// Elem starts an array element.
func (e *Encoder) Elem() {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
}

// Null writes null.
func (e *Encoder) Null() { e.b = append(e.b, "null"...) }

// String writes s as encoding/json does: invalid UTF-8 as U+FFFD,
// U+2028 and U+2029 escaped, HTML characters as they are.
func (e *Encoder) String(s string) { e.b = appendString(e.b, s) }

// Int writes n.
func (e *Encoder) Int(n int64) { e.b = strconv.AppendInt(e.b, n, 10) }

// Bool writes b.
func (e *Encoder) Bool(b bool) { e.b = strconv.AppendBool(e.b, b) }

// Float writes f in encoding/json's format; NaN and the infinities are
// an error, as encoding/json makes them.
func (e *Encoder) Float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if e.err == nil {
			e.err = &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
		}
		e.b = append(e.b, '0')
		return
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07, as strconv writes it, is 1e-7 in encoding/json.
		n := len(e.b)
		if n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

// JSON writes v with encoding/json, for members the Encoder has no
// method for (any, maps, unions, time.Time).
func (e *Encoder) JSON(v any) {
	if v == nil {
		e.Null()
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		if e.err == nil {
			e.err = err
		}
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

const hexDigits = "0123456789abcdef"

// appendString is encoding/json's string encoding without HTML escaping.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

var encoders = sync.Pool{New: func() any { return new(Encoder) }}

// GetEncoder returns an empty Encoder from a pool; Done returns it.
func GetEncoder() *Encoder {
	e := encoders.Get().(*Encoder)
	e.first = false
	return e
}

// Done returns a copy of what e holds, or its first error, and puts e
// back in the pool: a MarshalJSON built on it allocates its result only.
func (e *Encoder) Done() ([]byte, error) {
	var out []byte
	err := e.err
	if err == nil {
		out = make([]byte, len(e.b))
		copy(out, e.b)
	}
	e.err = nil
	if cap(e.b) <= 64<<10 {
		e.b = e.b[:0]
		encoders.Put(e)
	}
	return out, err
}
