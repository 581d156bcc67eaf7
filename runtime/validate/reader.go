package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// The reader: a validating JSON scanner over a byte slice that allocates
// nothing. It accepts exactly what encoding/json accepts (FuzzReader holds
// it to that), so a generated decoder built on it rejects the same texts.

// maxDepth is encoding/json's nesting limit: 10000 nested arrays or
// objects are accepted, one more is not.
const maxDepth = 10000

// errSyntax marks a text the reader rejects; syntaxError turns it into
// encoding/json's own error for the same text.
var errSyntax = errors.New("invalid JSON")

// syntaxError returns the error encoding/json reports for data, which the
// reader found invalid, so that callers see one kind of syntax error
// whichever decoder ran. Only the error path pays for it.
func syntaxError(data []byte) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return err
	}
	// Unreachable while the reader and encoding/json agree (FuzzReader).
	return errors.New("invalid JSON: rejected by the chanx reader")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanString checks the string literal starting at b[i] ('"') and returns
// the index after its closing quote. plain reports that the literal's
// bytes between the quotes are its value: no escapes, valid UTF-8.
func scanString(b []byte, i int) (end int, plain bool, err error) {
	plain = true
	ascii := true
	j := i + 1
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			if !ascii && plain && !utf8.Valid(b[i+1:j]) {
				plain = false
			}
			return j + 1, plain, nil
		case c < 0x20:
			return j, false, errSyntax
		case c == '\\':
			plain = false
			if j+1 >= len(b) {
				return j, false, errSyntax
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+5 >= len(b) || !isHex(b[j+2]) || !isHex(b[j+3]) || !isHex(b[j+4]) || !isHex(b[j+5]) {
					return j, false, errSyntax
				}
				j += 6
			default:
				return j, false, errSyntax
			}
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			j++
		}
	}
	return j, false, errSyntax
}

// scanNumber checks the number starting at b[i] against JSON's grammar,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and returns the index
// after it.
func scanNumber(b []byte, i int) (int, error) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	default:
		return j, errSyntax
	}
	if j < len(b) && b[j] == '.' {
		j++
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return j, errSyntax
		}
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return j, errSyntax
		}
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	}
	return j, nil
}

// scanLiteral checks that b[i:] starts with word (true, false, null).
func scanLiteral(b []byte, i int, word string) (int, error) {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return i, errSyntax
	}
	return i + len(word), nil
}

// scanKey checks an object key and the colon after it, starting at b[i]
// (spaces already skipped), and returns the index of the member's value.
func scanKey(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, errSyntax
	}
	end, _, err := scanString(b, i)
	if err != nil {
		return end, err
	}
	i = skipSpace(b, end)
	if i >= len(b) || b[i] != ':' {
		return i, errSyntax
	}
	return skipSpace(b, i+1), nil
}

// scanValue checks the JSON value starting at b[i] (spaces already
// skipped) and returns the index after it; depth is how many containers
// already enclose it. It walks nested values with a stack of its own, not
// by recursion, so depth costs no goroutine stack.
func scanValue(b []byte, i, depth int) (int, error) {
	var buf [64]byte
	stack := buf[:0] // '{' or '[' per open container
	var err error
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return i, errSyntax
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth+len(stack) >= maxDepth {
				return i, errSyntax
			}
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == closer {
				i++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if i, err = scanKey(b, i); err != nil {
					return i, err
				}
			}
			continue
		case c == '"':
			i, _, err = scanString(b, i)
		case c == '-' || (c >= '0' && c <= '9'):
			i, err = scanNumber(b, i)
		case c == 't':
			i, err = scanLiteral(b, i, "true")
		case c == 'f':
			i, err = scanLiteral(b, i, "false")
		case c == 'n':
			i, err = scanLiteral(b, i, "null")
		default:
			return i, errSyntax
		}
		if err != nil {
			return i, err
		}
		// After a value: close containers or move to the next element.
		for {
			if len(stack) == 0 {
				return i, nil
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, errSyntax
			}
			top := stack[len(stack)-1]
			if b[i] == ',' {
				i = skipSpace(b, i+1)
				if top == '{' {
					if i, err = scanKey(b, i); err != nil {
						return i, err
					}
				}
				break
			}
			if (top == '{' && b[i] == '}') || (top == '[' && b[i] == ']') {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			return i, errSyntax
		}
	}
}

// Valid reports whether data is one JSON value, optionally surrounded by
// spaces: json.Valid without allocating.
func Valid(data []byte) bool {
	i := skipSpace(data, 0)
	end, err := scanValue(data, i, 0)
	return err == nil && skipSpace(data, end) == len(data)
}

// jsonKind names the kind of JSON value starting with c, as
// encoding/json's UnmarshalTypeError.Value does.
func jsonKind(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// CheckJSON returns nil when data is one JSON value, else encoding/json's
// syntax error for it: what json.Unmarshal checks before it calls an
// UnmarshalJSON method, for the methods that may be called directly.
func CheckJSON(data []byte) error {
	if Valid(data) {
		return nil
	}
	return syntaxError(data)
}
