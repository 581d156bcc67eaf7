package typescript

import (
	"strings"

	"github.com/chanxgo/chanx/codegen/plan"
)

// readmeView is README.md's view model.
type readmeView struct {
	Marker, Package, Title, Source string
	Channels                       []*readmeChannel
	// First is the first channel, whose client the examples use; nil
	// without one.
	First *channelView
	// Example are the browser example's lines; Cases the Node example's
	// switch cases (values of the first channel's incoming frames).
	Example []string
	Cases   []string
	Key     string
	// Imports are the names the browser example imports.
	Imports string
	// Streams is whether a client streams replies; StreamExample is a
	// call of the first stream method.
	Streams       bool
	StreamExample string
}

type readmeChannel struct {
	Name, Address string
	Rows          []*methodView
	// Query and Headers describe the ws binding's handshake fields, ""
	// when it declares none.
	Query, Headers string
}

func (g *gen) readme() *readmeView {
	v := &readmeView{Marker: generatedMarker, Package: g.opts.Package, Source: g.opts.Source,
		Title: strings.TrimSpace(g.api.Info.Title + " " + g.api.Info.Version)}
	if v.Title == "" {
		v.Title = "the API"
	}
	for _, c := range g.channels {
		rc := &readmeChannel{Name: c.Name, Address: c.Address, Rows: c.Methods}
		for _, m := range c.Methods {
			if c.Streams && !v.Streams && strings.HasPrefix(m.Call, "stream") {
				v.Streams, v.StreamExample = true, c.Var+"."+m.Call
			}
		}
		rc.Query = fieldList(c.plan.Bindings.Query)
		rc.Headers = fieldList(c.plan.Bindings.Headers)
		if len(c.plan.Bindings.Query) > 0 {
			var ex []string
			for _, f := range c.plan.Bindings.Query {
				ex = append(ex, propertyKey(f.Name)+": \"…\"")
			}
			rc.Query += "; pass them as `{ query: { " + strings.Join(ex, ", ") + " } }`"
		}
		v.Channels = append(v.Channels, rc)
	}
	if len(g.channels) > 0 {
		c := g.channels[0]
		v.First = c
		v.Key = memberAccess(c.Key)
		v.Example = c.BrowserExample
		for _, r := range c.in {
			v.Cases = append(v.Cases, tsString(r.value))
		}
		v.Imports = c.Class
		if len(c.RepliesTable) > 0 {
			v.Imports += ", ServerError"
		}
	}
	return v
}

// fieldList lists binding fields as the README shows them.
func fieldList(fields []plan.Field) string {
	var parts []string
	for _, f := range fields {
		p := "`" + f.Name + "`"
		var notes []string
		if f.Required {
			notes = append(notes, "required")
		}
		if d := strings.Join(strings.Fields(f.Description), " "); d != "" {
			notes = append(notes, strings.TrimSuffix(d, "."))
		}
		if len(notes) > 0 {
			p += " (" + strings.Join(notes, "; ") + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
