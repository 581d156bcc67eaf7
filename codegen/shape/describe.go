package shape

import (
	"fmt"
	"strconv"
	"strings"
)

// Describe writes sh in a compact notation, for tests and for reading
// what the layer decided: "object Foo{id: integer, note?: nullable(string)}",
// "union oneOf tag type{a: object A{...}, ...}", "list(enum[x y])". An
// Object or Union met again inside itself is written by its name (or
// "^" when it has none), so a recursive shape ends.
func Describe(sh *Shape) string {
	var b strings.Builder
	describe(&b, sh, map[*Shape]bool{})
	return b.String()
}

func describe(b *strings.Builder, sh *Shape, open map[*Shape]bool) {
	if open[sh] {
		if sh.Name != "" {
			b.WriteString(sh.Name)
		} else {
			b.WriteString("^")
		}
		return
	}
	b.WriteString(sh.Kind.String())
	if sh.Format != "" && (sh.Kind == String || sh.Kind == Enum) {
		b.WriteString("<" + sh.Format + ">")
	}
	switch sh.Kind {
	case Any:
		if sh.Recursive {
			b.WriteString("(recursive)")
		} else if len(sh.Types) > 0 {
			b.WriteString("(" + strings.Join(sh.Types, "|") + ")")
		}
	case Enum:
		b.WriteString("[" + strings.Join(sh.Values, " ") + "]")
	case Nullable, List, Map:
		b.WriteString("(")
		describe(b, sh.Elem, open)
		b.WriteString(")")
	case Tuple:
		b.WriteString("(")
		for i, p := range sh.Prefix {
			if i > 0 {
				b.WriteString(", ")
			}
			describe(b, p, open)
		}
		if sh.Rest != nil {
			b.WriteString(", ...")
			describe(b, sh.Rest, open)
		}
		b.WriteString(")")
	case Object:
		open[sh] = true
		defer delete(open, sh)
		if sh.Name != "" {
			b.WriteString(" " + sh.Name)
		}
		if sh.Closed {
			b.WriteString(" closed")
		}
		b.WriteString("{")
		for i, m := range sh.Members {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.Name)
			if !m.Required {
				b.WriteString("?")
			}
			b.WriteString(": ")
			describe(b, m.Shape, open)
		}
		b.WriteString("}")
	case Union:
		open[sh] = true
		defer delete(open, sh)
		if sh.Name != "" {
			b.WriteString(" " + sh.Name)
		}
		if sh.Exclusive {
			b.WriteString(" oneOf")
		} else {
			b.WriteString(" anyOf")
		}
		if sh.Tag != nil {
			b.WriteString(" tag " + sh.Tag.Property)
		}
		b.WriteString("{")
		for i, v := range sh.Variants {
			if i > 0 {
				b.WriteString(", ")
			}
			if sh.Tag != nil {
				b.WriteString(strconv.Quote(sh.Tag.Values[i]) + ": ")
			}
			describe(b, v, open)
		}
		b.WriteString("}")
	}
	if sh.HasDefault {
		fmt.Fprintf(b, " = %v", sh.Default)
	}
}
