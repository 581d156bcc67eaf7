package golang

import (
	"go/token"
	"strconv"
	"strings"
	"unicode"
)

// initialisms are written in capitals in Go names (Go's naming style).
var initialisms = map[string]string{
	"id": "ID", "url": "URL", "uri": "URI", "http": "HTTP", "https": "HTTPS",
	"json": "JSON", "api": "API", "uuid": "UUID", "ip": "IP", "ws": "WS",
	"html": "HTML", "xml": "XML", "sql": "SQL", "tcp": "TCP", "udp": "UDP",
}

// ExportedName turns a document name (a schema, property, value, channel,
// operation or message name) into an exported Go identifier: words split
// at punctuation and case changes, each capitalized, initialisms in
// capitals; "" when nothing usable remains. codegen/goapi names its
// declarations with it too, so both packages spell a name alike.
func ExportedName(s string) string { return exportedName(s) }

func exportedName(s string) string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(cur) > 0 && unicode.IsUpper(r) {
				prev := cur[len(cur)-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					flush()
				}
			}
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	var b strings.Builder
	for _, w := range words {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	out := b.String()
	if out == "" {
		return ""
	}
	if r := []rune(out)[0]; !unicode.IsLetter(r) || !unicode.IsUpper(r) {
		out = "X" + out
	}
	return out
}

// namespace hands out unique identifiers within one Go scope, in the order
// asked, so the same input always gets the same names.
type namespace struct {
	used map[string]bool
}

func newNamespace(reserved ...string) *namespace {
	ns := &namespace{used: map[string]bool{}}
	for _, r := range reserved {
		ns.used[r] = true
	}
	return ns
}

// take returns want, or want2, want3, ... when taken; fallback replaces an
// empty want.
func (ns *namespace) take(want, fallback string) string {
	if want == "" {
		want = fallback
	}
	if token.IsKeyword(want) {
		want += "_"
	}
	name := want
	for i := 2; ns.used[name]; i++ {
		name = want + strconv.Itoa(i)
	}
	ns.used[name] = true
	return name
}
