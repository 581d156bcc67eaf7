package typescript

import (
	"strings"
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
}

type readmeChannel struct {
	Name, Address string
	Rows          []*methodView
}

func (g *gen) readme() *readmeView {
	v := &readmeView{Marker: generatedMarker, Package: g.opts.Package, Source: g.opts.Source,
		Title: strings.TrimSpace(g.api.Info.Title + " " + g.api.Info.Version)}
	if v.Title == "" {
		v.Title = "the API"
	}
	for _, c := range g.channels {
		v.Channels = append(v.Channels, &readmeChannel{Name: c.Name, Address: c.Address, Rows: c.Methods})
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
