package analyze

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// checkAddress checks that every {param} of a channel address is declared
// and every declared parameter is used. A parameter written twice is an
// error too: an http.ServeMux pattern may not repeat a wildcard. It
// reports whether the braces balance, so that checkMount can go on.
func (b *builder) checkAddress(addr loc, ch *ir.Channel, who string) bool {
	names, err := addressParams(ch.Address)
	if err != nil {
		b.errorf(addr, "%s: address %q: %v", who, ch.Address, err)
		return false
	}
	declared := map[string]bool{}
	for _, p := range ch.Parameters {
		declared[p.Name] = true
	}
	used := map[string]bool{}
	for _, n := range names {
		if used[n] {
			b.errorf(addr, "%s: address %q uses parameter %q twice", who, ch.Address, n)
			continue
		}
		used[n] = true
		if !declared[n] {
			b.errorf(addr, "%s: address parameter %q is not declared in parameters", who, n)
		}
	}
	for _, p := range ch.Parameters {
		if !used[p.Name] {
			b.errorf(b.located[p], "%s: parameter %q is not used in the address %q", who, p.Name, ch.Address)
		}
	}
	return true
}

// checkMount checks a channel address against the rules of the
// http.ServeMux pattern a chanx server mounts it as (runtime/server
// Channel: the address, with a leading "/" added when it has none), so
// that validate fails where mounting would. Each placeholder must be a
// whole path segment named by a Go identifier; the ServeMux forms
// {name...} and {$} are not AsyncAPI parameters. Whatever else the
// ServeMux refuses is reported with its own words. checkAddress has
// already reported unbalanced braces and repeated parameters.
func (b *builder) checkMount(addr loc, ch *ir.Channel, who string) {
	pattern := mountPattern(ch.Address)
	bad := false
	for _, seg := range strings.Split(pattern, "/") {
		open := strings.IndexByte(seg, '{')
		if open < 0 {
			continue
		}
		if open != 0 || strings.IndexByte(seg, '}') != len(seg)-1 {
			first := seg[open : strings.IndexByte(seg[open:], '}')+open+1]
			b.errorf(addr, "%s: address %q: placeholder %s must be a whole path segment, as in /%s/: the server mounts the address as a net/http pattern, whose wildcards cannot share a segment with other text (%q)", who, ch.Address, first, first, seg)
			bad = true
			continue
		}
		name := seg[1 : len(seg)-1]
		switch {
		case name == "$" || strings.HasSuffix(name, "..."):
			b.errorf(addr, "%s: address %q: {%s} is a net/http pattern wildcard, not an AsyncAPI parameter; name each parameter {name}", who, ch.Address, name)
			bad = true
		case !wildcardName(name):
			b.errorf(addr, "%s: address %q: parameter name %q is not a Go identifier, which net/http requires of a wildcard name (letters, digits and _, not starting with a digit); rename the parameter", who, ch.Address, name)
			bad = true
		}
	}
	names, _ := addressParams(ch.Address)
	if bad || len(names) != len(slices.Compact(slices.Sorted(slices.Values(names)))) {
		return // a repeated parameter is reported by checkAddress
	}
	if err := mountable(pattern); err != nil {
		b.errorf(addr, "%s: address %q cannot be mounted: %v", who, ch.Address, err)
	}
}

// mountPattern is the http.ServeMux pattern runtime/server mounts a
// channel address as.
func mountPattern(address string) string {
	if !strings.HasPrefix(address, "/") {
		return "/" + address
	}
	return address
}

// wildcardName is net/http's rule for a wildcard name: a Go identifier.
func wildcardName(name string) bool {
	for i, r := range name {
		if !unicode.IsLetter(r) && r != '_' && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return name != ""
}

// mountable registers pattern on a throwaway http.ServeMux, which panics
// on a pattern it cannot parse, and returns that complaint as an error.
func mountable(pattern string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	http.NewServeMux().Handle(pattern, http.NotFoundHandler())
	return nil
}

// addressParams returns the {name} placeholders of an address template in
// order.
func addressParams(addr string) ([]string, error) {
	var names []string
	rest := addr
	for {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			return names, nil
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf("} without a matching {")
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] == '{' {
			return nil, fmt.Errorf("{ without a matching }")
		}
		name := rest[open+1 : open+1+end]
		if name == "" {
			return nil, fmt.Errorf("empty parameter name {}")
		}
		names = append(names, name)
		rest = rest[open+1+end+1:]
	}
}

// identKey reduces a name to what survives in any identifier a code
// generator derives from it: letters and digits, case folded. user_signup,
// user-signup and UserSignup all become "usersignup".
func identKey(name string) string {
	var sb strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			sb.WriteRune(unicode.ToLower(r))
		}
	}
	return sb.String()
}

// named is one element whose name becomes an identifier.
type named struct {
	name string
	at   loc
}

// checkCollisions reports names of one kind that differ but would become
// the same identifier, or that are equal for distinct elements.
func (b *builder) checkCollisions(kind string, items []named) {
	sort.SliceStable(items, func(i, j int) bool {
		pi, pj := items[i].at.pos(), items[j].at.pos()
		if pi.File != pj.File {
			return pi.File < pj.File
		}
		if pi.Line != pj.Line {
			return pi.Line < pj.Line
		}
		return pi.Col < pj.Col
	})
	first := map[string]named{}
	for _, it := range items {
		if !it.at.valid() {
			continue
		}
		k := identKey(it.name)
		if k == "" {
			b.errorf(it.at, "%s %q has no letter or digit to make an identifier from", kind, it.name)
			continue
		}
		prev, dup := first[k]
		if !dup {
			first[k] = it
			continue
		}
		if prev.name == it.name {
			b.errorf(it.at, "%s %q is defined twice: here and at %s", kind, it.name, prev.at.pos())
			continue
		}
		b.errorf(it.at, "%s %q collides with %s %q (%s): both become the same identifier", kind, it.name, kind, prev.name, prev.at.pos())
	}
}

// checkNames reports names that would collide once turned into
// identifiers: servers, channels, operations, messages, named schemas, the
// parameters of each channel and the properties of each object schema.
func (b *builder) checkNames() {
	var servers, chans, ops, msgs, schemas []named
	for _, s := range b.api.Servers {
		servers = append(servers, named{s.Name, b.located[s]})
	}
	for _, ch := range b.api.Channels {
		chans = append(chans, named{ch.Name, b.located[ch]})
		var params []named
		for _, p := range ch.Parameters {
			params = append(params, named{p.Name, b.located[p]})
		}
		b.checkCollisions(fmt.Sprintf("channel %q: parameter", ch.Name), params)
	}
	for _, op := range b.api.Operations {
		ops = append(ops, named{op.Name, b.located[op]})
	}
	for _, m := range b.api.Messages {
		msgs = append(msgs, named{m.Name, b.located[m]})
	}
	for _, s := range b.api.Schemas {
		schemas = append(schemas, named{s.Name, b.located[s]})
	}
	b.checkCollisions("server", servers)
	b.checkCollisions("channel", chans)
	b.checkCollisions("operation", ops)
	b.checkCollisions("message", msgs)
	b.checkCollisions("schema", schemas)
	for _, s := range b.schemas.done {
		b.checkProperties(s)
	}
}

// checkProperties warns about two properties of one object schema that
// would become the same struct field; a warning because code generators
// can still give them distinct, if surprising, names.
func (b *builder) checkProperties(s *ir.Schema) {
	if len(s.Properties) < 2 {
		return
	}
	first := map[string]string{}
	for _, p := range s.Properties {
		k := identKey(p.Name)
		if k == "" {
			continue // a field name like "$" is the generator's to map
		}
		prev, dup := first[k]
		if !dup {
			first[k] = p.Name
			continue
		}
		d := diagAt(b.schemas.keyPos[p], pointerOf(s)+"/properties/"+jsonptr.Escape(p.Name), fmt.Sprintf("property %q collides with property %q: both become the same identifier, so generated code must rename one", p.Name, prev))
		d.Severity = spec.Warning
		b.diags = append(b.diags, d)
	}
}

// checkReceivers warns when two operations receive the same message on the
// same channel: a receiver would not know which handler to call.
func (b *builder) checkReceivers() {
	type key struct {
		ch *ir.Channel
		m  *ir.Message
	}
	first := map[key]*ir.Operation{}
	for _, u := range b.uses {
		if u.isReply || u.action != ir.Receive || u.ch == nil {
			continue
		}
		for _, m := range u.msgs {
			k := key{u.ch, m}
			prev, dup := first[k]
			if !dup {
				first[k] = u.op
				continue
			}
			if prev == u.op {
				continue
			}
			b.warnf(b.located[u.op], "operations %q and %q both receive message %q on channel %q; a receiver cannot tell which one handles it", prev.Name, u.op.Name, m.Name, u.ch.Name)
		}
	}
}

// checkDiscriminators checks every schema with a discriminator: the
// property must be defined by the schema, or by every oneOf/anyOf variant
// when it selects one.
func (b *builder) checkDiscriminators() {
	seen := map[*ir.Schema]bool{}
	for _, s := range b.schemas.done {
		if s.Discriminator == "" || seen[s] {
			continue
		}
		seen[s] = true
		p := s.Discriminator
		variants := append(append([]*ir.Schema(nil), s.OneOf...), s.AnyOf...)
		if len(variants) == 0 {
			if findProperty(s, p, map[*ir.Schema]bool{}) == nil {
				b.diags = append(b.diags, diagAt(s.Pos, pointerOf(s)+"/discriminator", fmt.Sprintf("discriminator property %q is not defined in the schema's properties", p)))
			}
			continue
		}
		for i, v := range variants {
			if findProperty(v, p, map[*ir.Schema]bool{}) != nil {
				continue
			}
			label := v.Name
			if label == "" {
				label = fmt.Sprintf("variant %d", i)
			}
			b.diags = append(b.diags, diagAt(v.Pos, pointerOf(v), fmt.Sprintf("discriminator property %q of %s is missing in %s", p, schemaLabel(s), label)))
		}
	}
}

// findProperty returns the schema of property name in s or in a schema it
// extends through allOf, or nil.
func findProperty(s *ir.Schema, name string, seen map[*ir.Schema]bool) *ir.Schema {
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	if p := s.Property(name); p != nil {
		return p
	}
	for _, a := range s.AllOf {
		if p := findProperty(a, name, seen); p != nil {
			return p
		}
	}
	return nil
}

// diagAt is an error diagnostic at a position known only from the ir.
func diagAt(pos ir.Pos, ptr, msg string) spec.Diagnostic {
	return spec.Diagnostic{Pos: pos, Pointer: ptr, Severity: spec.Error, Message: msg}
}

func schemaLabel(s *ir.Schema) string {
	if s.Name != "" {
		return fmt.Sprintf("schema %q", s.Name)
	}
	return "schema " + pointerOf(s)
}

// pointerOf is the JSON pointer part of a schema's Pointer.
func pointerOf(s *ir.Schema) string {
	_, ptr, _ := strings.Cut(s.Pointer, "#")
	return ptr
}

// locationProblem checks a runtime expression ("$message.payload#/reqid")
// against message m: the property path must exist in the payload or
// headers schema. Paths into schemas that declare no properties at that
// level, or with a syntax the official schema already rejects, pass.
func locationProblem(location string, m *ir.Message) string {
	var s *ir.Schema
	var where string
	switch {
	case strings.HasPrefix(location, "$message.payload#"):
		s, where = m.Payload, "payload"
	case strings.HasPrefix(location, "$message.header#"):
		s, where = m.Headers, "headers"
	default:
		return ""
	}
	_, ptr, _ := strings.Cut(location, "#")
	if s == nil || ptr == "" {
		return ""
	}
	path := ""
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = jsonptr.Unescape(tok)
		next, declares := lookupProperty(s, tok, map[*ir.Schema]bool{})
		if next == nil {
			if declares {
				return fmt.Sprintf("%q: the %s schema declares no property %q%s", location, where, tok, path)
			}
			return ""
		}
		path = fmt.Sprintf(" under %q", tok)
		s = next
	}
	return ""
}

// lookupProperty finds property name in s or in any schema it combines
// (allOf, oneOf, anyOf), or an array's items for a numeric name; declares
// reports whether s declares any property at all.
func lookupProperty(s *ir.Schema, name string, seen map[*ir.Schema]bool) (found *ir.Schema, declares bool) {
	if s == nil || seen[s] {
		return nil, false
	}
	seen[s] = true
	if p := s.Property(name); p != nil {
		return p, true
	}
	declares = len(s.Properties) > 0
	if s.Items != nil && name != "" && strings.Trim(name, "0123456789") == "" {
		return s.Items, true
	}
	for _, list := range [][]*ir.Schema{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range list {
			p, d := lookupProperty(sub, name, seen)
			if p != nil {
				return p, true
			}
			declares = declares || d
		}
	}
	return nil, declares
}
