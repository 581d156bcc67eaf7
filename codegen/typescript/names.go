package typescript

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/chanxgo/chanx/codegen/internal/naming"
)

// reservedWords are TypeScript's and JavaScript's reserved words and the
// names a generated module must not shadow: a type, a local or a method
// of one of these names would not compile or would read wrongly.
var reservedWords = naming.Set("break", "case", "catch", "class", "const", "continue", "debugger", "default",
	"delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
	"import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true",
	"try", "typeof", "var", "void", "while", "with", "as", "implements", "interface", "let", "package",
	"private", "protected", "public", "static", "yield", "any", "boolean", "constructor", "declare",
	"get", "module", "require", "number", "set", "string", "symbol", "type", "from", "of", "unknown",
	"never", "object", "undefined", "await", "async", "arguments", "eval", "bigint", "keyof", "readonly",
	"unique", "infer", "is", "asserts", "global", "namespace", "abstract", "override", "satisfies", "accessor", "out")

// globalNames are the global types and values generated declarations
// must not take: a type named Record or Promise would shadow the one the
// generated code itself uses.
var globalNames = naming.Set("Array", "Boolean", "Date", "Error", "Function", "JSON", "Map", "Math", "Number",
	"Object", "Promise", "Record", "RegExp", "Set", "String", "Symbol", "Partial", "Readonly", "Required",
	"Pick", "Omit", "Exclude", "Extract", "NonNullable", "ReturnType", "Parameters", "InstanceType",
	"Awaited", "BigInt", "Infinity", "NaN", "Uppercase", "Lowercase", "Capitalize", "Uncapitalize",
	"ReadonlyArray", "PropertyKey", "Iterable", "AsyncIterable", "WeakMap", "WeakSet", "Proxy", "Reflect",
	"globalThis", "console", "WebSocket")

// pascalName is the PascalCase name of a document name (types, classes,
// the part of a method name after send/request/on); "" when it holds no
// letter or digit. A name starting with a digit gets an M in front.
func pascalName(s string) string {
	var b strings.Builder
	for _, w := range naming.Words(s) {
		rs := []rune(w)
		b.WriteRune(unicode.ToUpper(rs[0]))
		b.WriteString(string(rs[1:]))
	}
	n := b.String()
	if n != "" && unicode.IsDigit([]rune(n)[0]) {
		n = "M" + n
	}
	return n
}

// camelName is the camelCase name of a document name (channel constants,
// file names); "" when it holds no letter or digit.
func camelName(s string) string {
	n := pascalName(s)
	if n == "" {
		return ""
	}
	ws := naming.Words(n)
	if len(ws) > 0 && strings.ToUpper(ws[0]) == ws[0] && len(ws[0]) > 1 {
		// An initialism first: lower all of it (URLStream -> urlStream).
		return strings.ToLower(ws[0]) + n[len(ws[0]):]
	}
	rs := []rune(n)
	rs[0] = unicode.ToLower(rs[0])
	return string(rs)
}

var identRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// isIdentifier reports whether s is an ASCII JavaScript identifier name.
func isIdentifier(s string) bool { return identRE.MatchString(s) }

// propertyKey is how a member's wire name is written as a property of an
// interface or an object literal: as it is when it is an identifier name
// (reserved words are fine there), else quoted.
func propertyKey(wire string) string {
	if isIdentifier(wire) {
		return wire
	}
	return tsString(wire)
}

// tsString is a TypeScript string literal of s, double-quoted, as JSON
// writes it (with U+2028 and U+2029 escaped, which older engines refuse
// in literals).
func tsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\u2028', '\u2029':
			b.WriteString(`\u` + strconv.FormatInt(int64(r), 16))
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteString(`\u` + leftPad(strconv.FormatInt(int64(r), 16), 4))
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tsSingle is a single-quoted TypeScript string literal of s, for strings
// that hold double quotes (messages quoting values).
func tsSingle(s string) string {
	q := tsString(s)
	inner := q[1 : len(q)-1]
	inner = strings.ReplaceAll(inner, `\"`, `"`)
	inner = strings.ReplaceAll(inner, `'`, `\'`)
	return "'" + inner + "'"
}

// tsQuote is the literal that reads best for s: double-quoted, unless s
// holds double quotes and no single ones.
func tsQuote(s string) string {
	if strings.Contains(s, `"`) && !strings.Contains(s, `'`) {
		return tsSingle(s)
	}
	return tsString(s)
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// namespace hands out unique names within one TypeScript scope in the
// order asked, so the same document always gets the same names.
type namespace struct{ used map[string]bool }

func newNamespace(reserved ...string) *namespace {
	ns := &namespace{used: map[string]bool{}}
	for _, r := range reserved {
		ns.used[r] = true
	}
	return ns
}

// take returns want (fallback when want is empty), or want2, want3, ...
// when taken, never a reserved word or a global name, and marks it taken.
func (ns *namespace) take(want, fallback string) string {
	if want == "" {
		want = fallback
	}
	if reservedWords[want] || globalNames[want] {
		want += "_"
	}
	name := want
	for i := 2; ns.used[name]; i++ {
		name = want + strconv.Itoa(i)
	}
	ns.used[name] = true
	return name
}

// docComment renders text as a JSDoc comment indented by indent: one line
// when it fits one, else a block. "*/" in the text is broken so that it
// cannot end the comment.
func docComment(indent string, paragraphs ...string) string {
	var lines []string
	for _, p := range paragraphs {
		p = strings.TrimSpace(strings.ReplaceAll(p, "\r\n", "\n"))
		if p == "" {
			continue
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		for _, l := range strings.Split(p, "\n") {
			lines = append(lines, strings.TrimRight(strings.ReplaceAll(l, "*/", "*\\/"), " \t"))
		}
	}
	switch len(lines) {
	case 0:
		return ""
	case 1:
		return indent + "/** " + lines[0] + " */\n"
	}
	var b strings.Builder
	b.WriteString(indent + "/**\n")
	for _, l := range lines {
		if l == "" {
			b.WriteString(indent + " *\n")
		} else {
			b.WriteString(indent + " * " + l + "\n")
		}
	}
	b.WriteString(indent + " */\n")
	return b.String()
}

// firstOf returns the first non-blank string, trimmed.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if t := strings.TrimSpace(s); t != "" {
			return t
		}
	}
	return ""
}

// shortPointer drops the directories from file#pointer, so that output
// does not depend on where the document was read from.
func shortPointer(p string) string {
	file, frag, _ := strings.Cut(p, "#")
	if i := strings.LastIndexAny(file, "/\\"); i >= 0 {
		file = file[i+1:]
	}
	return file + "#" + frag
}
