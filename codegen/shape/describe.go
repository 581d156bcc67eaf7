package shape

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Describe writes sh in a compact notation, for tests and for reading
// what the layer decided: "object Foo{id: integer, note?: nullable(string)}",
// "union oneOf tag type{"a": object A{...}, ...}", "list(enum[x y])". A
// named Object or Union is written out once, then by its name; an unnamed
// one met again inside itself is "^", so a recursive shape ends.
func Describe(sh *Shape) string {
	return NewDescriber().Describe(sh)
}

// Describer describes several shapes, writing each named Object or Union
// out in full only the first time.
type Describer struct {
	done map[*Shape]bool
}

// NewDescriber returns a Describer that has written nothing yet.
func NewDescriber() *Describer { return &Describer{done: map[*Shape]bool{}} }

// Describe is the package's Describe, sharing what d wrote before.
func (d *Describer) Describe(sh *Shape) string {
	var b strings.Builder
	d.describe(&b, sh, map[*Shape]bool{})
	return b.String()
}

func (d *Describer) describe(b *strings.Builder, sh *Shape, open map[*Shape]bool) {
	if open[sh] || (sh.Name != "" && d.done[sh]) {
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
		d.describe(b, sh.Elem, open)
		b.WriteString(")")
	case Tuple:
		b.WriteString("(")
		for i, p := range sh.Prefix {
			if i > 0 {
				b.WriteString(", ")
			}
			d.describe(b, p, open)
		}
		if sh.Rest != nil {
			b.WriteString(", ...")
			d.describe(b, sh.Rest, open)
		}
		b.WriteString(")")
	case Object:
		defer d.enter(b, sh, open)()
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
			d.describe(b, m.Shape, open)
		}
		b.WriteString("}")
	case Union:
		defer d.enter(b, sh, open)()
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
			d.describe(b, v, open)
		}
		b.WriteString("}")
	}
	if sh.Constraints.HasConst && sh.Kind != Any {
		b.WriteString(" const " + jsonText(sh.Constraints.Const))
	}
	if sh.HasDefault {
		b.WriteString(" = " + jsonText(sh.Default))
	}
}

// enter writes the name of an Object or Union and marks it written and
// open (being written) until the returned function runs.
func (d *Describer) enter(b *strings.Builder, sh *Shape, open map[*Shape]bool) (leave func()) {
	d.done[sh] = true
	open[sh] = true
	if sh.Name != "" {
		b.WriteString(" " + sh.Name)
	}
	return func() { delete(open, sh) }
}

func jsonText(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
