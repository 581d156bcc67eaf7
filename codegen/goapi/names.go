package goapi

import (
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/golang"
)

// goName turns a document name (a channel, operation or message key) into
// an exported Go identifier, spelled as golang.ExportedName spells it;
// fallback when nothing usable is left.
func goName(s, fallback string) string {
	if n := golang.ExportedName(s); n != "" {
		return n
	}
	return fallback
}

// namespace hands out unique identifiers within one Go scope in the order
// asked, so the same document always gets the same names.
type namespace struct{ used map[string]bool }

func newNamespace() *namespace { return &namespace{used: map[string]bool{}} }

func (ns *namespace) reserve(names ...string) {
	for _, n := range names {
		ns.used[n] = true
	}
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

// takeFamily picks a base name such that every name derived from it (base
// + each suffix, prefix + base, ...) is free, marks them taken and returns
// the base. derive lists the derived names of a base.
func (ns *namespace) takeFamily(want string, derive func(base string) []string) string {
	for i := 1; ; i++ {
		base := want
		if i > 1 {
			base = want + strconv.Itoa(i)
		}
		names := derive(base)
		free := true
		for _, n := range names {
			if ns.used[n] {
				free = false
				break
			}
		}
		if free {
			ns.reserve(names...)
			return base
		}
	}
}

// comment renders text as the lines of a Go comment ("// ..."), "" for an
// empty text. prefix starts the first line (the documented name).
func comment(prefix, text string) string {
	text = strings.TrimSpace(text)
	if prefix != "" {
		if text == "" {
			text = prefix
		} else {
			text = prefix + " " + text
		}
	}
	if text == "" {
		return ""
	}
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			b.WriteString("//")
		} else {
			b.WriteString("// " + line)
		}
	}
	return b.String()
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}
