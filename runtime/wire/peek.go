package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// DefaultMaxDepth is the deepest nesting of objects and arrays a frame may
// have when a caller does not choose a limit. Real messages stay far below
// it; a frame past it is an attack on the decoder, answered with an error
// frame instead of being decoded.
const DefaultMaxDepth = 64

// Errors Peek reports, one per way a frame can fail before it is decoded.
// The server answers each with an error frame and keeps the connection.
var (
	ErrNotJSON         = errors.New("wire: frame is not valid JSON")
	ErrNotObject       = errors.New("wire: frame is not a JSON object")
	ErrNoDiscriminator = errors.New("wire: frame has no discriminator")
	ErrNotString       = errors.New("wire: discriminator is not a string")
	ErrTooDeep         = errors.New("wire: frame nests too deep")
)

// Peek finds the value of the top-level string field key in frame without
// decoding the frame, so that a router can pick the Go type to decode into
// before paying for a decode. It walks the bytes once, checking that
// strings, objects and arrays are balanced and that nesting stays within
// maxDepth (DefaultMaxDepth when maxDepth <= 0). Scalars are not checked
// here; the decode that follows does that.
//
// The returned slice aliases frame when the value has no escapes and is
// valid UTF-8; callers must not keep it past frame's lifetime. Keys and
// values read as encoding/json reads them: escapes decoded, invalid UTF-8
// as U+FFFD, and when key occurs more than once the last occurrence wins.
func Peek(frame []byte, key string, maxDepth int) ([]byte, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	i := skipSpace(frame, 0)
	if i == len(frame) {
		return nil, ErrNotJSON
	}
	if frame[i] != '{' {
		if json.Valid(frame) {
			return nil, ErrNotObject
		}
		return nil, ErrNotJSON
	}
	i++
	// Only a key holding U+FFFD can equal a raw key with invalid UTF-8.
	replacement := strings.ContainsRune(key, utf8.RuneError)
	var (
		found   bool
		notStr  bool
		value   []byte
		escaped bool
		first   = true // only an empty object may close right after '{'
	)
	for {
		i = skipSpace(frame, i)
		if i >= len(frame) {
			return nil, ErrNotJSON
		}
		if frame[i] == '}' && first {
			i++
			break
		}
		first = false
		if frame[i] != '"' {
			return nil, ErrNotJSON
		}
		kStart := i + 1
		end, esc, ok := scanString(frame, i)
		if !ok {
			return nil, ErrNotJSON
		}
		k := frame[kStart:end]
		i = skipSpace(frame, end+1)
		if i >= len(frame) || frame[i] != ':' {
			return nil, ErrNotJSON
		}
		i = skipSpace(frame, i+1)
		if i >= len(frame) {
			return nil, ErrNotJSON
		}
		match := keyEquals(k, esc, key, replacement)
		if match && frame[i] == '"' {
			vEnd, vEsc, ok := scanString(frame, i)
			if !ok {
				return nil, ErrNotJSON
			}
			found, notStr, value, escaped = true, false, frame[i+1:vEnd], vEsc
			i = vEnd + 1
		} else {
			if match {
				found, notStr = true, true
			}
			var ok bool
			i, ok = skipValue(frame, i, maxDepth-1)
			if !ok {
				if i < 0 {
					return nil, ErrTooDeep
				}
				return nil, ErrNotJSON
			}
		}
		i = skipSpace(frame, i)
		if i >= len(frame) {
			return nil, ErrNotJSON
		}
		if frame[i] == ',' {
			i++
			continue
		}
		if frame[i] == '}' {
			i++
			break
		}
		return nil, ErrNotJSON
	}
	if skipSpace(frame, i) != len(frame) {
		return nil, ErrNotJSON
	}
	if !found {
		return nil, ErrNoDiscriminator
	}
	if notStr {
		return nil, ErrNotString
	}
	// encoding/json reads invalid UTF-8 as U+FFFD; so does the decode
	// below, which a value without escapes or bytes past ASCII never needs.
	if escaped || !utf8.Valid(value) {
		var s string
		// Quote marks are outside value; rebuild them for the decoder.
		q := make([]byte, 0, len(value)+2)
		q = append(append(append(q, '"'), value...), '"')
		if json.Unmarshal(q, &s) != nil {
			return nil, ErrNotJSON
		}
		return []byte(s), nil
	}
	return value, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString reads the string starting at the quote b[i] and returns the
// index of its closing quote and whether it holds escapes. It jumps from
// quote to quote (bytes.IndexByte is vectorized) and leaves checking the
// characters inside to the decoder.
func scanString(b []byte, i int) (end int, escaped bool, ok bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, false, false
		}
		q := j + k
		if !escaped && bytes.IndexByte(b[j:q], '\\') >= 0 {
			escaped = true
		}
		backslashes := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return q, escaped, true
		}
		j = q + 1
	}
}

// skipValue skips the JSON value at b[i]. depth is how many more levels of
// nesting may be opened. It returns the index after the value; ok false
// with a negative index means the nesting limit was hit.
func skipValue(b []byte, i int, depth int) (int, bool) {
	// An explicit stack of open brackets keeps the walk iterative, so a
	// hostile frame cannot grow the goroutine stack.
	var stackBuf [DefaultMaxDepth]byte
	stack := stackBuf[:0]
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, false
		}
		switch c := b[i]; c {
		case '{', '[':
			if len(stack) >= depth {
				return -1, false
			}
			stack = append(stack, c)
			i++
			i = skipSpace(b, i)
			if i < len(b) && (b[i] == '}' && c == '{' || b[i] == ']' && c == '[') {
				stack = stack[:len(stack)-1]
				i++
				goto next
			}
			if c == '{' {
				goto key
			}
			continue
		case '"':
			end, _, ok := scanString(b, i)
			if !ok {
				return i, false
			}
			i = end + 1
		default:
			j := i
			for j < len(b) {
				switch b[j] {
				case ',', '}', ']', ' ', '\t', '\n', '\r', ':':
					goto scalarEnd
				case '"', '{', '[':
					return j, false
				}
				j++
			}
		scalarEnd:
			if j == i {
				return i, false
			}
			i = j
		}
	next:
		if len(stack) == 0 {
			return i, true
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, false
		}
		switch b[i] {
		case ',':
			i++
			if stack[len(stack)-1] == '{' {
				goto key
			}
			continue
		case '}', ']':
			want := byte('}')
			if stack[len(stack)-1] == '[' {
				want = ']'
			}
			if b[i] != want {
				return i, false
			}
			stack = stack[:len(stack)-1]
			i++
			goto next
		default:
			return i, false
		}
	key:
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return i, false
		}
		{
			end, _, ok := scanString(b, i)
			if !ok {
				return i, false
			}
			i = skipSpace(b, end+1)
		}
		if i >= len(b) || b[i] != ':' {
			return i, false
		}
		i++
	}
}

// keyEquals reports whether the raw object key (between its quotes) reads
// as key the way encoding/json reads it: escapes decoded and, when key
// holds U+FFFD (replacement), invalid UTF-8 read as U+FFFD.
func keyEquals(raw []byte, escaped bool, key string, replacement bool) bool {
	if !escaped && (!replacement || string(raw) == key || utf8.Valid(raw)) {
		return string(raw) == key
	}
	var s string
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	if json.Unmarshal(q, &s) != nil {
		return false
	}
	return s == key
}
