package golang

// prune drops what checks nothing: calls to check functions whose body
// came out empty (a schema with no assertion for that Go type), the
// blocks left empty by that, and the functions themselves, repeating
// until nothing changes. Functions that types reference (Validate, union
// variants) stay even when empty.
func (b *builder) prune() {
	pinned := map[string]bool{}
	for _, t := range b.types {
		pinned[t.Check] = true
		for _, v := range t.Variants {
			pinned[v.Check] = true
		}
	}
	empty := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, f := range b.order {
			if empty[f.Name] {
				continue
			}
			f.Body = pruneStmts(f.Body, empty)
			if len(f.Body) == 0 {
				empty[f.Name] = true
				changed = true
			}
		}
	}
	// Statements that must count a match (oneOf, not, contains, an if)
	// still call empty functions: those stay too.
	for _, f := range b.order {
		if !empty[f.Name] {
			referenced(f.Body, pinned)
		}
	}
	kept := b.order[:0]
	for _, f := range b.order {
		if !empty[f.Name] || pinned[f.Name] {
			kept = append(kept, f)
		}
	}
	b.order = kept
}

// referenced adds the functions the statements call to names.
func referenced(list []*stmt, names map[string]bool) {
	for _, s := range list {
		if s.Func != "" {
			names[s.Func] = true
		}
		referenced(s.Body, names)
		referenced(s.Else, names)
		for _, br := range s.Branches {
			referenced(br.Body, names)
		}
		for _, c := range s.Cases {
			referenced(c.Body, names)
		}
		if l := s.Loop; l != nil {
			for _, pc := range l.Pats {
				names[pc.Func] = true
			}
			names[l.Names] = true
			names[l.Additional] = true
		}
	}
}

func pruneStmts(list []*stmt, empty map[string]bool) []*stmt {
	var out []*stmt
	for _, s := range list {
		if s = pruneStmt(s, empty); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// pruneStmt returns the statement without its empty parts, or nil when
// nothing of it is left.
func pruneStmt(s *stmt, empty map[string]bool) *stmt {
	switch s.Kind {
	case "call", "callC", "each", "viaJSON":
		if empty[s.Func] {
			return nil
		}
	case "child":
		s.Body = pruneStmts(s.Body, empty)
		if len(s.Body) == 0 {
			return nil
		}
	case "chain":
		for _, br := range s.Branches {
			br.Body = pruneStmts(br.Body, empty)
		}
		// Only trailing empty arms go: a middle one still decides which
		// arm runs.
		for len(s.Branches) > 0 && len(s.Branches[len(s.Branches)-1].Body) == 0 {
			s.Branches = s.Branches[:len(s.Branches)-1]
		}
		if len(s.Branches) == 0 {
			return nil
		}
	case "ptr":
		if empty[s.Func] {
			s.Func = ""
			if len(s.Body) == 0 {
				return nil
			}
		}
	case "anyOf":
		// A branch that accepts everything makes the anyOf accept
		// everything.
		for _, br := range s.Body {
			if empty[br.Func] {
				return nil
			}
		}
	case "ifThen":
		s.Body = pruneStmts(s.Body, empty)
		s.Else = pruneStmts(s.Else, empty)
		if len(s.Body) == 0 && len(s.Else) == 0 {
			return nil
		}
	case "typeIf", "typeSwitch":
		var cases []*typeCase
		for _, c := range s.Cases {
			if c.Body = pruneStmts(c.Body, empty); len(c.Body) > 0 {
				cases = append(cases, c)
			}
		}
		s.Cases = cases
		switch len(cases) {
		case 0:
			return nil
		case 1:
			s.Kind = "typeIf"
		}
	case "mapLoop":
		l := s.Loop
		for _, pc := range l.Pats {
			if empty[pc.Func] {
				pc.Func = ""
			}
		}
		if l.Names != "" && empty[l.Names] {
			l.Names = ""
		}
		if l.Additional != "" && l.Additional != "false" && empty[l.Additional] {
			l.Additional = ""
			l.NeedKnown = false
		}
		l.UsesValue = l.Additional != "" && l.Additional != "false"
		for _, pc := range l.Pats {
			l.UsesValue = l.UsesValue || pc.Func != ""
		}
		if !l.UsesValue && l.Additional == "" && l.Names == "" {
			return nil
		}
	}
	return s
}
