package typescript

import (
	"strings"
)

// prune drops what checks nothing, repeating until nothing changes:
// calls to functions whose body came out empty, the blocks and branches
// left empty by that, and anyOf lists with a branch that accepts
// everything.
func (vg *vgen) prune() {
	for changed := true; changed; {
		changed = false
		for _, f := range vg.order {
			if f.empty {
				continue
			}
			f.Body = pruneStmts(f.Body)
			if len(f.Body) == 0 {
				f.empty = true
				changed = true
			}
		}
	}
}

func pruneStmts(list []*stmt) []*stmt {
	var out []*stmt
	for _, s := range list {
		if s = pruneStmt(s); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func pruneStmt(s *stmt) *stmt {
	switch {
	case s.Func != nil:
		if s.Func.empty {
			return nil
		}
	case s.Chain != nil:
		for _, b := range s.Chain {
			b.Body = pruneStmts(b.Body)
		}
		for len(s.Chain) > 0 && len(s.Chain[len(s.Chain)-1].Body) == 0 {
			s.Chain = s.Chain[:len(s.Chain)-1]
		}
		if len(s.Chain) == 0 {
			return nil
		}
		// An empty first arm before the else: the else under the
		// negated condition.
		if len(s.Chain) == 2 && len(s.Chain[0].Body) == 0 && s.Chain[1].Cond == "" {
			s.Chain = []*branch{{Cond: "!(" + s.Chain[0].Cond + ")", Body: s.Chain[1].Body}}
		}
	case s.Body != nil:
		s.Body = pruneStmts(s.Body)
		if len(s.Body) == 0 || s.Loop && s.aux() {
			return nil
		}
	case s.AnyOf:
		for _, f := range s.Refs {
			if f.empty {
				return nil
			}
		}
	}
	return s
}

// writer renders statements; it counts the calls each function keeps
// (one-line functions are inlined at their calls).
type writer struct {
	b strings.Builder
}

func subst(s, x, at string) string {
	return strings.NewReplacer("$X", x, "$AT", at).Replace(s)
}

// inlined is the one line a call to f becomes, "" when f stays a
// function.
func inlined(f *vfunc) string {
	if len(f.Body) != 1 {
		return ""
	}
	s := f.Body[0]
	switch {
	case s.Func != nil:
		if in := inlined(s.Func); in != "" {
			return subst(in, s.X, s.At)
		}
		return ""
	case s.Chain != nil, s.Body != nil, s.Group, len(s.Refs) > 0:
		return ""
	}
	if strings.Contains(s.Line, "return") {
		return ""
	}
	return s.Line
}

// line renders one statement as a single line, "" when it needs several.
func line(s *stmt) string {
	switch {
	case s.Func != nil:
		if in := inlined(s.Func); in != "" {
			return subst(in, s.X, s.At)
		}
		return s.Func.Name + "(" + s.X + ", p, " + s.At + ");"
	case s.Chain != nil, s.Body != nil, s.Group:
		return ""
	}
	return s.Line
}

func (w *writer) stmts(list []*stmt, indent string) {
	for _, s := range list {
		w.stmt(s, indent)
	}
}

func (w *writer) stmt(s *stmt, indent string) {
	if l := line(s); l != "" {
		w.b.WriteString(indent + l + "\n")
		return
	}
	switch {
	case s.Group:
		w.b.WriteString(indent + s.Line + "\n")
		w.stmts(s.Body, indent)
	case s.Chain != nil:
		single := true
		for _, br := range s.Chain {
			single = single && len(br.Body) == 1 && line(br.Body[0]) != ""
		}
		for i, br := range s.Chain {
			kw := "if (" + br.Cond + ")"
			switch {
			case i > 0 && br.Cond == "":
				kw = "else"
			case i > 0:
				kw = "else if (" + br.Cond + ")"
			}
			if single {
				w.b.WriteString(indent + kw + " " + line(br.Body[0]) + "\n")
				continue
			}
			if i == 0 {
				w.b.WriteString(indent + kw + " {\n")
			} else {
				w.b.WriteString(" " + kw + " {\n")
			}
			w.stmts(br.Body, indent+"  ")
			w.b.WriteString(indent + "}")
			if i == len(s.Chain)-1 {
				w.b.WriteString("\n")
			}
		}
	default:
		w.b.WriteString(indent + s.Line + "\n")
		w.stmts(s.Body, indent+"  ")
		w.b.WriteString(indent + "}\n")
	}
}

// renderFunc is a check function's declaration.
func renderFunc(f *vfunc) string {
	if f.empty {
		return "const " + f.Name + ": v.Check = () => {};\n"
	}
	var w writer
	w.b.WriteString("function " + f.Name + "(x: unknown, p: v.Problems, at: v.Path | undefined): void {\n")
	w.stmts(f.Body, "  ")
	w.b.WriteString("}\n")
	return subst(w.b.String(), "x", "at")
}
