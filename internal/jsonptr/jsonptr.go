package jsonptr

import "strings"

var (
	escaper   = strings.NewReplacer("~", "~0", "/", "~1")
	unescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// Escape turns one key into a JSON pointer token: "~" becomes "~0" and "/"
// becomes "~1" (RFC 6901).
func Escape(key string) string { return escaper.Replace(key) }

// Unescape turns a JSON pointer token back into the key it names.
func Unescape(tok string) string { return unescaper.Replace(tok) }

// Format renders keys as a JSON pointer, "" for none.
func Format(keys []string) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteByte('/')
		b.WriteString(Escape(k))
	}
	return b.String()
}
