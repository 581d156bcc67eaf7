package analyze

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// dump renders an ir.API as text for golden files: every element with its
// position, schemas as indented trees. A named schema of components.schemas
// is written in full once, under "schema", and as "-> Name" everywhere
// else; a schema met again while it is being written (recursion) is
// written as "-> Name" or "-> pointer". trim is removed from the front of
// file names so that goldens do not depend on where the tree is checked
// out.
func dump(api *ir.API, trim ...string) string {
	d := &dumper{trim: trim, top: map[*ir.Schema]bool{}, open: map[*ir.Schema]bool{}}
	for _, s := range api.Schemas {
		d.top[s] = true
	}
	d.line(0, "asyncapi %s id=%q defaultContentType=%q", api.AsyncAPI, api.ID, api.DefaultContentType)
	d.line(0, "info title=%q version=%q description=%q", api.Info.Title, api.Info.Version, short(api.Info.Description))
	for _, s := range api.Servers {
		d.line(0, "server %s host=%q protocol=%q pathname=%q %s", s.Name, s.Host, s.Protocol, s.Pathname, d.pos(s.Pos))
	}
	for _, ch := range api.Channels {
		d.line(0, "channel %s address=%q %s", ch.Name, ch.Address, d.pos(ch.Pos))
		d.texts(1, ch.Title, ch.Summary, ch.Description)
		if len(ch.Servers) > 0 {
			d.line(1, "servers %s", strings.Join(ch.Servers, " "))
		}
		for _, p := range ch.Parameters {
			d.line(1, "parameter %s description=%q enum=%q default=%q examples=%q location=%q %s", p.Name, short(p.Description), p.Enum, p.Default, p.Examples, p.Location, d.pos(p.Pos))
		}
		d.line(1, "messages %s", names(ch.Messages))
		if ch.Bindings != nil {
			d.line(1, "bindings %s", jsonText(ch.Bindings))
		}
		if t := ch.Topic; t != nil {
			hub := "<none>"
			if t.Hub != nil {
				hub = t.Hub.Name
			}
			d.line(1, "topic %s pattern=%q parameters=%q parts=%q dedicated=%v hub=%s %s", t.Name, t.Pattern, t.Parameters, t.Parts, t.Dedicated, hub, d.pos(t.Pos))
		}
		for _, dp := range ch.Dispatch {
			how := string(dp.Strategy)
			if how == "" {
				how = "none"
			}
			var cases []string
			for _, c := range dp.Cases {
				cases = append(cases, fmt.Sprintf("%q->%s", c.Value, c.Message.Name))
			}
			d.line(1, "dispatch %s property=%q by %s: %s", dp.Action, dp.Property, how, strings.Join(cases, " "))
		}
	}
	for _, op := range api.Operations {
		chName := "<nil>"
		if op.Channel != nil {
			chName = op.Channel.Name
		}
		d.line(0, "operation %s %s channel=%s %s", op.Name, op.Action, chName, d.pos(op.Pos))
		d.texts(1, op.Title, op.Summary, op.Description)
		d.line(1, "messages %s", names(op.Messages))
		if r := op.Reply; r != nil {
			rc := "<op channel>"
			if r.Channel != nil {
				rc = r.Channel.Name
			}
			d.line(1, "reply channel=%s address=%q messages %s %s", rc, r.Address, names(r.Messages), d.pos(r.Pos))
		}
	}
	for _, m := range api.Messages {
		d.line(0, "message %s %s", m.Name, d.pos(m.Pos))
		d.texts(1, m.Title, m.Summary, m.Description)
		if m.ContentType != "" || m.SchemaFormat != "" {
			d.line(1, "contentType=%q schemaFormat=%q", m.ContentType, m.SchemaFormat)
		}
		if c := m.CorrelationID; c != nil {
			d.line(1, "correlationId location=%q description=%q", c.Location, short(c.Description))
		}
		if m.Headers != nil {
			d.schema(1, "headers: ", m.Headers, false)
		}
		if m.Payload != nil {
			d.schema(1, "payload: ", m.Payload, false)
		}
		for _, e := range m.Examples {
			d.line(1, "example name=%q summary=%q headers=%s payload=%s", e.Name, e.Summary, jsonText(e.Headers), jsonText(e.Payload))
		}
		if m.Bindings != nil {
			d.line(1, "bindings %s", jsonText(m.Bindings))
		}
	}
	for _, s := range api.Schemas {
		d.schema(0, "schema "+s.Name+": ", s, true)
	}
	return d.sb.String()
}

type dumper struct {
	sb   strings.Builder
	trim []string
	top  map[*ir.Schema]bool
	open map[*ir.Schema]bool
}

func (d *dumper) line(depth int, format string, args ...any) {
	d.sb.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(&d.sb, format, args...)
	d.sb.WriteString("\n")
}

func (d *dumper) texts(depth int, title, summary, description string) {
	if title != "" || summary != "" || description != "" {
		d.line(depth, "title=%q summary=%q description=%q", title, short(summary), short(description))
	}
}

func (d *dumper) pos(p ir.Pos) string {
	file := p.File
	for _, t := range d.trim {
		file = strings.TrimPrefix(file, t)
	}
	return fmt.Sprintf("@%s:%d:%d", file, p.Line, p.Col)
}

// schema writes s after label; full forces a named schema to be written
// out rather than referred to.
func (d *dumper) schema(depth int, label string, s *ir.Schema, full bool) {
	if s == nil {
		d.line(depth, "%s<nil>", label)
		return
	}
	if d.open[s] || (!full && d.top[s]) {
		ref := s.Name
		if ref == "" {
			ref = d.pointer(s.Pointer)
		}
		d.line(depth, "%s-> %s", label, ref)
		return
	}
	d.open[s] = true
	defer delete(d.open, s)
	if s.Bool != nil {
		d.line(depth, "%s%v %s", label, *s.Bool, d.pos(s.Pos))
		return
	}
	var kw []string
	add := func(format string, args ...any) { kw = append(kw, fmt.Sprintf(format, args...)) }
	if s.Name != "" {
		add("name=%s", s.Name)
	}
	if len(s.Type) > 0 {
		add("type=%s", strings.Join(s.Type, "|"))
	}
	if s.Title != "" {
		add("title=%q", s.Title)
	}
	if s.Description != "" {
		add("description=%q", short(s.Description))
	}
	if s.Format != "" {
		add("format=%s", s.Format)
	}
	if s.HasConst {
		add("const=%s", jsonText(s.Const))
	}
	if s.Enum != nil {
		add("enum=%s", jsonText(s.Enum))
	}
	if s.HasDefault {
		add("default=%s", jsonText(s.Default))
	}
	if s.Examples != nil {
		add("examples=%s", jsonText(s.Examples))
	}
	for _, n := range []struct {
		name string
		v    *ir.Number
	}{{"multipleOf", s.MultipleOf}, {"minimum", s.Minimum}, {"maximum", s.Maximum}, {"exclusiveMinimum", s.ExclusiveMinimum}, {"exclusiveMaximum", s.ExclusiveMaximum}} {
		if n.v != nil {
			add("%s=%s", n.name, *n.v)
		}
	}
	for _, n := range []struct {
		name string
		v    *int
	}{{"minLength", s.MinLength}, {"maxLength", s.MaxLength}, {"minItems", s.MinItems}, {"maxItems", s.MaxItems}, {"minProperties", s.MinProperties}, {"maxProperties", s.MaxProperties}} {
		if n.v != nil {
			add("%s=%d", n.name, *n.v)
		}
	}
	if s.Pattern != "" {
		add("pattern=%q", s.Pattern)
	}
	if s.ContentEncoding != "" || s.ContentMediaType != "" {
		add("content=%s;%s", s.ContentEncoding, s.ContentMediaType)
	}
	if s.UniqueItems {
		add("uniqueItems")
	}
	if s.ReadOnly {
		add("readOnly")
	}
	if s.WriteOnly {
		add("writeOnly")
	}
	if s.Deprecated {
		add("deprecated")
	}
	if len(s.Required) > 0 {
		add("required=%s", strings.Join(s.Required, ","))
	}
	if s.Discriminator != "" {
		add("discriminator=%s", s.Discriminator)
	}
	if s.Extensions != nil {
		add("extensions=%s", jsonText(s.Extensions))
	}
	if u := s.Union; u != nil {
		how := "const"
		if u.ByDiscriminator {
			how = "discriminator"
		}
		add("union=%s/%s%q", u.Property, how, u.Values)
	}
	d.line(depth, "%s%s %s", label, strings.Join(kw, " "), d.pos(s.Pos))
	for _, p := range s.Properties {
		d.schema(depth+1, "property "+p.Name+": ", p.Schema, false)
	}
	for _, p := range s.PatternProperties {
		d.schema(depth+1, "patternProperty "+p.Name+": ", p.Schema, false)
	}
	for _, sub := range []struct {
		name string
		s    *ir.Schema
	}{{"additionalProperties", s.AdditionalProperties}, {"propertyNames", s.PropertyNames}, {"items", s.Items}, {"additionalItems", s.AdditionalItems}, {"contains", s.Contains}, {"not", s.Not}, {"if", s.If}, {"then", s.Then}, {"else", s.Else}} {
		if sub.s != nil {
			d.schema(depth+1, sub.name+": ", sub.s, false)
		}
	}
	for _, list := range []struct {
		name string
		l    []*ir.Schema
	}{{"tupleItems", s.TupleItems}, {"allOf", s.AllOf}, {"anyOf", s.AnyOf}, {"oneOf", s.OneOf}} {
		for i, x := range list.l {
			d.schema(depth+1, fmt.Sprintf("%s[%d]: ", list.name, i), x, false)
		}
	}
	for _, dep := range s.Dependencies {
		if dep.Schema != nil {
			d.schema(depth+1, "dependency "+dep.Name+": ", dep.Schema, false)
		} else {
			d.line(depth+1, "dependency %s: requires %s", dep.Name, strings.Join(dep.Required, ","))
		}
	}
	for _, p := range s.Definitions {
		d.schema(depth+1, "definition "+p.Name+": ", p.Schema, false)
	}
}

func (d *dumper) pointer(p string) string {
	for _, t := range d.trim {
		p = strings.TrimPrefix(p, t)
	}
	return p
}

func names(msgs []*ir.Message) string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Name
	}
	return "[" + strings.Join(out, " ") + "]"
}

// short keeps goldens readable: long prose is cut to its start.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

// jsonText renders a JSON value; encoding/json sorts map keys.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}
