package python

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/chanxgo/chanx/codegen/internal/naming"
)

// keywords are Python's reserved words (soft keywords included: a field
// named match reads badly in a match statement).
var keywords = naming.Set("False", "None", "True", "and", "as", "assert", "async", "await", "break",
	"class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
	"if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
	"while", "with", "yield", "match", "case", "_")

// modelAttributes are pydantic.BaseModel's public attributes, which a field
// must not shadow.
var modelAttributes = naming.Set("construct", "copy", "dict", "from_orm", "json", "parse_file", "parse_obj",
	"parse_raw", "schema", "schema_json", "update_forward_refs", "validate")

// annotationNames are the names generated annotations refer to: a field
// of one of these names would shadow it for the annotations below it in
// its class body.
var annotationNames = naming.Set("str", "int", "float", "bool", "list", "dict", "tuple", "None", "Any",
	"Literal", "Annotated", "Field", "Enum", "RootModel", "BaseModel", "ConfigDict", "TypeAlias", "Union")

// className is the PascalCase class name for a document name; "" when the
// name holds no letter or digit.
func className(s string) string {
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

// snakeName is the snake_case name for a document name; "" when it holds
// no letter or digit.
func snakeName(s string) string {
	ws := naming.Words(s)
	for i, w := range ws {
		ws[i] = strings.ToLower(w)
	}
	n := strings.Join(ws, "_")
	if n != "" && unicode.IsDigit([]rune(n)[0]) {
		n = "n" + n
	}
	return n
}

// constName is the UPPER_SNAKE name of an enum member for its value.
func constName(s string) string {
	n := strings.ToUpper(snakeName(s))
	if strings.HasPrefix(n, "N") && n != "" && len(s) > 0 && unicode.IsDigit([]rune(s)[0]) {
		n = "V" + n[1:]
	}
	return n
}

// isIdentifier reports whether s is an ASCII Python identifier.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r < unicode.MaxASCII && unicode.IsLetter(r)) || (i > 0 && r < unicode.MaxASCII && unicode.IsDigit(r)) {
			continue
		}
		return false
	}
	return true
}

// fieldName is the Python name of an object member: its wire name when
// that is a usable identifier (not a keyword, no leading underscore, which
// pydantic keeps private, nothing a model or the annotations need), else a
// snake_case form of it; the caller keeps the wire name as an alias.
func fieldName(wire string) string {
	n := wire
	if !isIdentifier(n) || strings.HasPrefix(n, "_") {
		n = snakeName(wire)
		if n == "" {
			n = "field"
		}
	}
	if keywords[n] || modelAttributes[n] || annotationNames[n] || n == "model_config" {
		n += "_"
	}
	return n
}

// namespace hands out unique names within one Python scope in the order
// asked, so the same document always gets the same names.
type namespace struct{ used map[string]bool }

func newNamespace(reserved ...string) *namespace {
	ns := &namespace{used: map[string]bool{}}
	for _, r := range reserved {
		ns.used[r] = true
	}
	return ns
}

// take returns want, or want2, want3, ... when taken, and marks it taken.
func (ns *namespace) take(want string) string {
	name := want
	for i := 2; ns.used[name]; i++ {
		name = want + strconv.Itoa(i)
	}
	ns.used[name] = true
	return name
}
