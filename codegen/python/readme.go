package python

import (
	"sort"
	"strings"
)

// readmeView is README.md's view model.
type readmeView struct {
	Marker, Package, Title, Source string
	// Tree are the lines of the layout drawing.
	Tree     []string
	Channels []*readmeChannel
	// Example is a user's module for the first channel, "" without one.
	Example string
	// Client is the first channel's client class, for the reference.
	Client string
	// Stream is a stream helper of some channel, for the section on
	// streamed replies; nil when no channel has one.
	Stream *readmeStream
}

// readmeStream is the example of the streamed replies section.
type readmeStream struct {
	Method, Send, Final, Cancel string
}

type readmeChannel struct {
	Name, Address, Doc, Params string
	Rows                       []readmeRow
}

type readmeRow struct{ Direction, Message, Model string }

func (g *gen) readme() *readmeView {
	v := &readmeView{Marker: generatedMarker, Package: g.opts.Package, Source: g.opts.Source,
		Title: strings.TrimSpace(g.api.Info.Title + " " + g.api.Info.Version)}
	if v.Title == "" {
		v.Title = "the API"
	}
	entries := [][2]string{{"__init__.py", "exports each channel's client"}, {BaseDir + "/", "the client runtime (kept on regeneration; yours to customise)"}}
	if len(g.sharedClasses()) > 0 {
		entries = append(entries, [2]string{sharedModule + "/", "the messages several channels use"})
	}
	for _, cm := range g.channels {
		entries = append(entries, [2]string{cm.Module + "/", `channel "` + cm.Name + `": ` + cm.Client + ", its messages, IncomingMessage, OutgoingMessage"})
	}
	v.Tree = append(v.Tree, g.opts.Package+"/")
	for i, e := range entries {
		branch := "├── "
		if i == len(entries)-1 {
			branch = "└── "
		}
		v.Tree = append(v.Tree, branch+e[0]+strings.Repeat(" ", max(1, 17-len(e[0])))+e[1])
	}
	for _, cm := range g.channels {
		rc := &readmeChannel{Name: cm.Name, Address: cm.Address, Doc: withPeriodIf(cm.Doc)}
		var ps []string
		for _, p := range cm.Params {
			s := "`" + p.Name + "`"
			if p.Description != "" {
				s += " (" + withPeriod(strings.Join(strings.Fields(p.Description), " ")) + ")"
			}
			ps = append(ps, s)
		}
		if len(ps) > 0 {
			rc.Params = "Path parameters: " + strings.Join(ps, ", ") + "."
		}
		rows := func(dir string, refs []*messageRef) {
			var rs []readmeRow
			for _, r := range refs {
				msg := "`" + r.Label + "`"
				if r.Reply != nil {
					msg += " (reply: `" + r.Reply.ReplyLabel + "`, `" + r.Reply.Method + "()`)"
				}
				for _, st := range cm.Streams {
					if st.Send == r.Class && dir == "send" {
						msg += " (streamed reply: `" + strings.Join(st.PartialLabels, "`, `") + "`… then `" + st.FinalLabel + "`, `" + st.Method + "()`)"
					}
					if st.Cancel == r.Class && dir == "send" {
						msg += " (cancels `" + st.SendLabel + "`: `cancel()` of `" + st.Method + "()`'s stream)"
					}
				}
				rs = append(rs, readmeRow{dir, msg, "`" + r.Class.Name + "`"})
			}
			sort.SliceStable(rs, func(i, j int) bool { return rs[i].Model < rs[j].Model })
			rc.Rows = append(rc.Rows, rs...)
		}
		rows("send", cm.Sends)
		rows("receive", cm.Receives)
		v.Channels = append(v.Channels, rc)
	}
	for _, cm := range g.channels {
		if len(cm.Streams) > 0 && v.Stream == nil {
			st := cm.Streams[0]
			v.Stream = &readmeStream{Method: st.Method, Send: st.Send.Name, Final: st.FinalLabel}
			if st.Cancel != nil {
				v.Stream.Cancel = st.CancelLabel
			}
		}
	}
	if len(g.channels) > 0 {
		v.Client = g.channels[0].Client
		v.Example = g.example(g.channels[0])
	}
	return v
}

// example is a user's module subclassing the channel's client: a first
// message sent, a match over IncomingMessage, main.
func (g *gen) example(cm *channelModel) string {
	names := map[string]bool{cm.Client: true}
	var body []string
	var init []string
	for _, rq := range cm.Requests {
		if rq.NoArgs {
			init = append(init, "        await self.request_"+strings.TrimPrefix(rq.Method, "request_")+"()  # waits for "+rq.ReplyLabel+"; the read loop keeps running")
			break
		}
	}
	if send := g.exampleSend(cm, names); send != "" {
		init = append(init, send)
	}
	if len(init) > 0 {
		body = append(body, "    async def send_init_message(self) -> None:")
		body = append(body, init...)
	}
	if len(cm.Incoming) > 0 {
		names["IncomingMessage"] = true
		if len(body) > 0 {
			body = append(body, "")
		}
		body = append(body, "    async def handle_message(self, message: IncomingMessage) -> None:", "        match message:")
		for _, cl := range cm.Incoming {
			names[cl.Name] = true
			body = append(body, "            case "+cl.Name+"():", "                print(message)")
		}
		body = append(body, "            case _:", "                assert_never(message)")
	}
	if len(body) == 0 {
		body = []string{"    pass"}
	}
	var imported []string
	for n := range names {
		imported = append(imported, n)
	}
	sort.Slice(imported, func(i, j int) bool {
		ri, rj := nameRank(imported[i]), nameRank(imported[j])
		if ri != rj {
			return ri < rj
		}
		return imported[i] < imported[j]
	})
	lines := []string{"import asyncio"}
	if len(cm.Incoming) > 0 {
		lines = append(lines, "from typing import assert_never")
	}
	lines = append(lines, "", importStatement(g.opts.Package+"."+cm.Module, imported), "", "")
	lines = append(lines, "class My"+cm.Client+"("+cm.Client+"):")
	lines = append(lines, body...)
	host := "localhost:8000"
	if len(g.api.Servers) > 0 && g.api.Servers[0].Host != "" {
		host = g.api.Servers[0].Host
	}
	args := []string{pyString(host)}
	if len(cm.plan.Params) > 0 {
		var ps []string
		for _, p := range cm.plan.Params {
			val := firstOf(append(append([]string(nil), p.Examples...), p.Default, p.Name)...)
			if len(p.Enum) > 0 {
				val = p.Enum[0]
			}
			ps = append(ps, pyString(p.Name)+": "+pyString(val))
		}
		args = append(args, "path_params={"+strings.Join(ps, ", ")+"}")
	}
	args = append(args, `headers={"Authorization": "Bearer my-token"}`)
	lines = append(lines, "", "", "async def main() -> None:")
	lines = append(lines, wrapCall("    ", "client = My"+cm.Client+"(", args, ")")...)
	lines = append(lines, "    await client.handle()", "", "", "asyncio.run(main())")
	return strings.Join(lines, "\n")
}

// exampleSend is a send_message statement for the first outgoing message
// the document gives an example of (or that needs no arguments), "" when
// there is none.
func (g *gen) exampleSend(cm *channelModel, names map[string]bool) string {
	for _, s := range cm.Sends {
		if s.Class.Kind != model || s.Reply != nil {
			continue
		}
		for _, ex := range s.Message.Examples {
			obj, ok := ex.Payload.(map[string]any)
			if !ok {
				continue
			}
			if expr, ok := construct(s.Class, obj, names); ok {
				lines := wrapCall("        ", "await self.send_message(", []string{expr}, ")")
				return strings.Join(lines, "\n")
			}
		}
	}
	for _, s := range cm.Sends {
		if s.Class.Kind != model || s.Reply != nil {
			continue
		}
		if expr, ok := construct(s.Class, map[string]any{}, names); ok {
			return "        await self.send_message(" + expr + ")"
		}
	}
	return ""
}

// construct is the Python expression building a model from a JSON
// object, ok false when the value does not fit it simply.
func construct(cl *class, obj map[string]any, names map[string]bool) (string, bool) {
	var args []string
	for _, f := range cl.Fields {
		v, present := obj[f.Wire]
		if f.Tag != "" {
			continue
		}
		if !present {
			if !f.HasDefault {
				return "", false
			}
			continue
		}
		var expr string
		switch x := v.(type) {
		case map[string]any:
			if len(f.Type.Deps) != 1 || f.Type.Deps[0].Kind != model {
				return "", false
			}
			e, ok := construct(f.Type.Deps[0], x, names)
			if !ok {
				return "", false
			}
			expr = e
		default:
			lit, ok := pyLiteral(v)
			if !ok || len(f.Type.Deps) > 0 {
				return "", false
			}
			expr = lit
		}
		args = append(args, f.Name+"="+expr)
	}
	names[cl.Name] = true
	return cl.Name + "(" + strings.Join(args, ", ") + ")", true
}

// withPeriodIf ends a non-empty text with a period.
func withPeriodIf(s string) string {
	if s == "" {
		return s
	}
	return withPeriod(s)
}
