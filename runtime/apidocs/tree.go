package apidocs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/chanxgo/chanx/internal/jsonptr"
	"io"
	"strconv"
	"strings"
)

// value is a JSON value that keeps its object keys in document order, which
// encoding/json's maps lose: the page lists channels, properties and
// examples in the order their author wrote them.
type value struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	keys  []string
	vals  []*value
	items []*value
	text  string // a string's value or a number's text
	b     bool
}

// maxDepth bounds nesting while parsing, so a hostile document cannot
// exhaust the stack.
const maxDepth = 1000

func parse(data []byte) (*value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the document")
	}
	return v, nil
}

func parseValue(dec *json.Decoder, depth int) (*value, error) {
	if depth > maxDepth {
		return nil, errors.New("document nested too deeply")
	}
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &value{kind: 'o'}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				child, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.keys, v.vals = append(v.keys, key), append(v.vals, child)
			}
			_, err := dec.Token()
			return v, err
		case '[':
			v := &value{kind: 'a'}
			for dec.More() {
				child, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, child)
			}
			_, err := dec.Token()
			return v, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &value{kind: 's', text: t}, nil
	case json.Number:
		return &value{kind: 'n', text: t.String()}, nil
	case bool:
		return &value{kind: 'b', b: t}, nil
	case nil:
		return &value{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// get returns the member key of an object, nil when absent.
func (v *value) get(key string) *value {
	if v == nil || v.kind != 'o' {
		return nil
	}
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

// str returns the member key when it is a string, "" otherwise.
func (v *value) str(key string) string {
	if m := v.get(key); m != nil && m.kind == 's' {
		return m.text
	}
	return ""
}

// scalar renders a string, number, boolean or null as JSON text.
func (v *value) scalar() string {
	switch v.kind {
	case 's':
		b, _ := json.Marshal(v.text)
		return string(b)
	case 'n':
		return v.text
	case 'b':
		return strconv.FormatBool(v.b)
	case 'z':
		return "null"
	}
	return v.indent()
}

// indent renders v as indented JSON, keys in document order.
func (v *value) indent() string {
	var b strings.Builder
	v.write(&b, "")
	return b.String()
}

func (v *value) write(b *strings.Builder, in string) {
	switch v.kind {
	case 'o':
		if len(v.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, k := range v.keys {
			key, _ := json.Marshal(k)
			b.WriteString(in + "  " + string(key) + ": ")
			v.vals[i].write(b, in+"  ")
			if i < len(v.keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(in + "}")
	case 'a':
		if len(v.items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, it := range v.items {
			b.WriteString(in + "  ")
			it.write(b, in+"  ")
			if i < len(v.items)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(in + "]")
	default:
		b.WriteString(v.scalar())
	}
}

// pointer resolves a JSON pointer ("/components/schemas/Pet") against
// root.
func (root *value) pointer(p string) *value {
	if p == "" {
		return root
	}
	cur := root
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		tok = jsonptr.Unescape(tok)
		switch cur.kind {
		case 'o':
			cur = cur.get(tok)
		case 'a':
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.items) {
				return nil
			}
			cur = cur.items[i]
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	return cur
}

// follow follows v's chain of local $refs to the value it ends at and
// that value's pointer (from, when v is no $ref).
func (root *value) follow(v *value, from string) (*value, string) {
	for range 32 {
		ref := v.str("$ref")
		if ref == "" || !strings.HasPrefix(ref, "#") {
			return v, from
		}
		next := root.pointer(strings.TrimPrefix(ref, "#"))
		if next == nil {
			return v, from
		}
		v, from = next, strings.TrimPrefix(ref, "#")
	}
	return v, from
}

// lastToken is the last token of a pointer, unescaped: the name of what it
// points to.
func lastToken(p string) string {
	tok := p[strings.LastIndex(p, "/")+1:]
	return jsonptr.Unescape(tok)
}
