package typescript

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/plan"
	"github.com/chanxgo/chanx/ir"
)

// connectionMembers are Connection's members, which a generated method
// must not take.
var connectionMembers = []string{"connect", "close", "send", "request", "on", "onAny", "messages", "state",
	"connected", "protocol", "url", "done", "constructor"}

// channelView is one mountable channel: its file, constants, types and
// client class.
type channelView struct {
	Name, Address, Title string
	// File is the module's name without .ts.
	File string
	// Var is the variable the examples hold a client in.
	Var                                        string
	AddressConst, SpecConst, Class             string
	Incoming, Outgoing, Replies, Params        string
	Key                                        string
	IncomingTypes, OutgoingTypes               []string
	IncomingTable, OutgoingTable, RepliesTable []entry
	ReplyTypes                                 []entry
	ParamList                                  []paramView
	Methods                                    []*methodView
	// Streams is whether a method reads a streamed reply (base/stream.js);
	// Requests whether one is a request<Message>.
	Streams, Requests bool
	// Imports are the names the module imports from types.js and
	// validators.js, sorted.
	TypeImports, ValidatorImports []string
	// Example are the lines of the class's usage example; BrowserExample
	// the README's, for a page served by the server.
	Example, BrowserExample []string
	// Doc is the class's JSDoc.
	Doc string

	plan *plan.Channel
	// in and out are the messages routed by value, in value order.
	in, out []routed
}

type entry struct{ Key, Value string }

type paramView struct {
	Name, Key, Doc, Example string
}

// methodView is one method of a client class, rendered.
type methodView struct {
	Text string
	// README row.
	Call, Sends, Waits string
}

type routed struct {
	value string
	msg   *ir.Message
	decl  *decl
	send  *plan.Send
}

func (g *gen) buildChannels() {
	files := newNamespace("types", "validators", "index", "base", "readme")
	for _, cp := range g.plan.Channels {
		if !cp.Mountable {
			continue
		}
		file := firstOf(camelName(cp.Name), "channel")
		for files.used[strings.ToLower(file)] {
			file += "Channel"
		}
		files.used[strings.ToLower(file)] = true
		stem := firstOf(pascalName(cp.Name), "Channel")
		c := &channelView{plan: cp, Name: cp.Name, Address: cp.Address, File: file,
			Title: firstOf(cp.Channel.Title, cp.Channel.Summary)}
		c.Class = g.names.take(stem+"Client", "ChannelClient")
		c.AddressConst = g.names.take(camelName(stem)+"Address", "channelAddress")
		c.SpecConst = g.names.take(camelName(stem)+"Channel", "channelSpec")
		c.Incoming = g.names.take(stem+"Incoming", "Incoming")
		c.Outgoing = g.names.take(stem+"Outgoing", "Outgoing")
		c.Replies = g.names.take(stem+"Replies", "Replies")
		if len(cp.Params) > 0 {
			c.Params = g.names.take(stem+"Params", "Params")
		}
		c.Var = camelName(stem)
		if reservedWords[c.Var] || globalNames[c.Var] || c.Var == "WebSocket" {
			c.Var += "Client"
		}
		g.channels = append(g.channels, c)
	}
	// The key of the frames: the one the client receives by, else the
	// one it sends by.
	for _, c := range g.channels {
		cp := c.plan
		c.Key = firstOf(cp.Client.Key, cp.Server.Key, "action")
		seen := map[string]bool{}
		if cp.Client.Key == c.Key {
			for _, rt := range cp.Client.Routes {
				m := rt.Receives[0].Message
				d := g.messageDecl(m)
				g.tagDecl(d, c.Key, rt.Value)
				if !seen[rt.Value] {
					seen[rt.Value] = true
					c.in = append(c.in, routed{value: rt.Value, msg: m, decl: d})
				}
			}
		}
		seen = map[string]bool{}
		if cp.Server.Key == c.Key || cp.Server.Key == "" {
			for _, s := range cp.Client.Sends {
				if s.Value == "" || seen[s.Value] {
					continue
				}
				d := g.messageDecl(s.Message)
				g.tagDecl(d, c.Key, s.Value)
				seen[s.Value] = true
				c.out = append(c.out, routed{value: s.Value, msg: s.Message, decl: d, send: s})
			}
		}
	}
	// Only frames whose type carries the key as its literal can be told
	// apart by a switch (and routed by the runtime).
	for _, c := range g.channels {
		c.in = tagged(c.in, c.Key)
		c.out = tagged(c.out, c.Key)
		sort.SliceStable(c.in, func(i, j int) bool { return c.in[i].value < c.in[j].value })
		sort.SliceStable(c.out, func(i, j int) bool { return c.out[i].value < c.out[j].value })
	}
}

func tagged(list []routed, key string) []routed {
	var out []routed
	for _, r := range list {
		if r.decl.tags[key] == r.value {
			out = append(out, r)
		}
	}
	return out
}

// finishChannel lays out a channel's tables, methods and example, once
// the validators are named.
func (g *gen) finishChannel(c *channelView) {
	types := map[string]bool{}
	vals := map[string]bool{}
	inByValue := map[string]routed{}
	for _, r := range c.in {
		c.IncomingTypes = append(c.IncomingTypes, r.decl.Name)
		c.IncomingTable = append(c.IncomingTable, entry{propertyKey(r.value), g.validator[r.decl]})
		vals[g.validator[r.decl]] = true
		inByValue[r.value] = r
	}
	for _, r := range c.out {
		c.OutgoingTypes = append(c.OutgoingTypes, r.decl.Name)
		c.OutgoingTable = append(c.OutgoingTable, entry{propertyKey(r.value), g.validator[r.decl]})
		vals[g.validator[r.decl]] = true
	}
	c.IncomingTypes = sortedUnique(c.IncomingTypes)
	c.OutgoingTypes = sortedUnique(c.OutgoingTypes)
	types[c.Incoming], types[c.Outgoing], types[c.Replies] = true, true, true
	if c.Params != "" {
		types[c.Params] = true
	}
	methods := newNamespace(connectionMembers...)
	var sends, ons []*methodView
	for _, r := range c.out {
		stem := firstOf(pascalName(r.msg.Name), pascalName(r.value), "Message")
		var reply *routed
		if r.send.Reply != nil {
			if rr, ok := inByValue[r.send.Reply.Value]; ok {
				reply = &rr
				c.RepliesTable = append(c.RepliesTable, entry{propertyKey(r.value), "[" + tsString(rr.value) + "]"})
				c.ReplyTypes = append(c.ReplyTypes, entry{propertyKey(r.value), rr.decl.Name})
				types[rr.decl.Name] = true
			}
		}
		params, frame, payloadType := g.sendArgs(c, r)
		for _, n := range g.declaredNames(payloadType) {
			types[n] = true
		}
		opDoc := ""
		if op := r.send.Operation; op != nil {
			opDoc = firstOf(op.Summary, op.Description, op.Title)
		}
		send := methods.take("send"+stem, "sendMessage")
		var doc string
		if reply != nil {
			doc = docComment("  ", "Sends "+strconv.Quote(r.value)+" without waiting for its reply.")
		} else {
			doc = docComment("  ", "Sends "+strconv.Quote(r.value)+".", opDoc)
		}
		sends = append(sends, &methodView{
			Text: doc + "  " + send + "(" + params + "): void {\n    this.send(" + frame + ");\n  }",
			Call: send + "(" + argNames(params) + ")", Sends: r.value})
		if reply != nil {
			req := methods.take("request"+stem, "requestMessage")
			c.Requests = true
			rp := params
			if rp != "" {
				rp += ", "
			}
			rp += "options?: RequestOptions"
			doc := docComment("  ", "Sends "+strconv.Quote(r.value)+" and resolves with its reply "+strconv.Quote(reply.value)+".", opDoc)
			sends = append(sends, &methodView{
				Text: doc + "  " + req + "(" + rp + "): Promise<" + reply.decl.Name + "> {\n    return this.request(" + frame + ", options);\n  }",
				Call: req + "(" + argNames(params) + ")", Sends: r.value, Waits: reply.value})
		}
		if m := g.streamMethod(c, r, inByValue, methods, params, frame, opDoc, types); m != nil {
			sends = append(sends, m)
		}
		if strings.HasPrefix(params, "frame:") {
			types[r.decl.Name] = true
		}
	}
	for _, r := range c.in {
		on := methods.take("on"+firstOf(pascalName(r.msg.Name), pascalName(r.value), "Message"), "onMessage")
		types[r.decl.Name] = true
		opDoc := ""
		for _, s := range c.plan.Server.Sends {
			if s.Message == r.msg && s.Operation != nil {
				opDoc = firstOf(s.Operation.Summary, s.Operation.Description, s.Operation.Title)
				break
			}
		}
		doc := docComment("  ", "Registers fn for "+strconv.Quote(r.value)+" frames; returns a function that removes it.", opDoc)
		ons = append(ons, &methodView{
			Text: doc + "  " + on + "(fn: (m: " + r.decl.Name + ") => void | Promise<void>): () => void {\n    return this.on(" + tsString(r.value) + ", fn);\n  }",
			Call: on + "(fn)", Waits: r.value})
	}
	c.Methods = append(sends, ons...)
	for _, p := range c.plan.Params {
		c.ParamList = append(c.ParamList, paramView{Name: p.Name, Key: propertyKey(p.Name), Doc: docComment("  ", p.Description),
			Example: tsString(firstOf(first(p.Examples), p.Default, first(p.Enum), p.Name))})
	}
	for t := range types {
		if t != c.Incoming && t != c.Outgoing && t != c.Replies && t != c.Params {
			c.TypeImports = append(c.TypeImports, t)
		}
	}
	c.TypeImports = append(c.TypeImports, c.Incoming, c.Outgoing, c.Replies)
	if c.Params != "" {
		c.TypeImports = append(c.TypeImports, c.Params)
	}
	c.TypeImports = sortedUnique(c.TypeImports)
	for n := range vals {
		c.ValidatorImports = append(c.ValidatorImports, n)
	}
	sort.Strings(c.ValidatorImports)
	c.Example = g.example(c, false)
	c.BrowserExample = g.example(c, true)
	title := ""
	if c.Title != "" {
		title = " (" + c.Title + ")"
	}
	var doc strings.Builder
	doc.WriteString(c.Class + " is a client of channel " + strconv.Quote(c.Name) + title + ".")
	if len(c.Example) > 0 {
		doc.WriteString("\n")
		for _, l := range c.Example {
			doc.WriteString("\n    " + l)
		}
	}
	c.Doc = docComment("", doc.String())
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

func sortedUnique(list []string) []string {
	sort.Strings(list)
	return dedupe(list)
}

// argNames is the argument list a README shows for a parameter list.
func argNames(params string) string {
	if params == "" || strings.Contains(params, "= null") || strings.Contains(params, "?:") {
		return ""
	}
	name, _, _ := strings.Cut(params, ":")
	return name
}

// sendArgs is how a send method takes its frame: the payload alone when
// the frame is the protocol's envelope ({key, payload} with nothing else
// required), else the frame without its key. It returns the parameter
// list, the frame expression and the payload's type ("" for the frame).
func (g *gen) sendArgs(c *channelView, r routed) (params, frame, payloadType string) {
	key := propertyKey(c.Key) + ": " + tsString(r.value)
	d := r.decl
	var pay *member
	envelope := d.Interface
	for _, m := range d.Members {
		switch {
		case m.Wire == c.Key:
		case m.Wire == "payload":
			pay = m
		case !m.Optional:
			envelope = false
		}
	}
	if envelope && pay != nil {
		switch {
		case pay.Type == "null":
			return "payload: null = null", "{ " + key + ", payload }", ""
		case pay.Optional:
			return "payload?: " + pay.Type, "payload === undefined ? { " + key + " } : { " + key + ", payload }", pay.Type
		}
		return "payload: " + pay.Type, "{ " + key + ", payload }", pay.Type
	}
	if envelope && len(d.Members) == 1 {
		return "", "{ " + key + " }", ""
	}
	return "frame: Omit<" + d.Name + ", " + tsString(c.Key) + ">", "{ ...frame, " + key + " }", ""
}

var (
	identToken    = regexp.MustCompile(`[A-Za-z_$][A-Za-z0-9_$]*`)
	stringLiteral = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

// declaredNames are the declarations of types.ts a type expression names,
// which a module using it imports.
func (g *gen) declaredNames(t string) []string {
	declared := map[string]bool{}
	for _, d := range g.declared {
		declared[d.Name] = true
	}
	var out []string
	for _, tok := range identToken.FindAllString(stringLiteral.ReplaceAllString(t, `""`), -1) {
		if declared[tok] {
			out = append(out, tok)
		}
	}
	return out
}

// example is the usage a class's JSDoc and the README show.
func (g *gen) example(c *channelView, browser bool) []string {
	var params []string
	for _, p := range c.ParamList {
		params = append(params, p.Key+": "+p.Example)
	}
	args := tsString(g.baseURL())
	if browser {
		args = "location.origin"
	}
	if len(params) > 0 {
		args += ", { " + strings.Join(params, ", ") + " }"
	}
	if browser {
		args += ", { reconnect: true }"
	}
	lines := []string{"const " + c.Var + " = new " + c.Class + "(" + args + ");"}
	for _, m := range c.Methods {
		if strings.HasPrefix(m.Call, "on") {
			lines = append(lines, c.Var+"."+strings.TrimSuffix(m.Call, "(fn)")+"((m) => console.log(m));")
			break
		}
	}
	lines = append(lines, "await "+c.Var+".connect();")
	if browser {
		for _, m := range c.Methods {
			if strings.HasPrefix(m.Call, "request") && strings.HasSuffix(m.Call, "()") {
				lines = append(lines, "await "+c.Var+"."+m.Call+";")
				break
			}
		}
	}
	for _, r := range c.out {
		if send := g.exampleSend(c, r); send != "" {
			lines = append(lines, c.Var+"."+send+";")
			break
		}
	}
	return lines
}

// exampleSend is a call of r's send method with the message's first
// example, "" when the document gives none and the method needs one.
func (g *gen) exampleSend(c *channelView, r routed) string {
	var m *methodView
	for _, mv := range c.Methods {
		if mv.Sends == r.value && mv.Waits == "" {
			m = mv
			break
		}
	}
	if m == nil {
		return ""
	}
	name, _, _ := strings.Cut(m.Call, "(")
	params, _, _ := g.sendArgs(c, r)
	if params == "" || strings.Contains(params, "= null") || strings.HasPrefix(params, "payload?:") {
		return name + "()"
	}
	if len(r.msg.Examples) == 0 {
		return ""
	}
	ex := r.msg.Examples[0].Payload
	obj, ok := ex.(map[string]any)
	if !ok {
		return ""
	}
	if strings.HasPrefix(params, "payload:") {
		pay, ok := obj["payload"]
		if !ok {
			return ""
		}
		return name + "(" + tsLiteral(pay) + ")"
	}
	rest := map[string]any{}
	for k, v := range obj {
		if k != c.Key {
			rest[k] = v
		}
	}
	return name + "(" + tsLiteral(rest) + ")"
}

// tsLiteral writes a JSON value as a TypeScript expression, objects with
// their keys sorted.
func tsLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return tsString(x)
	case json.Number:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = tsLiteral(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if len(x) == 0 {
			return "{}"
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = propertyKey(k) + ": " + tsLiteral(x[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return jsonLiteral(v)
}

// baseURL is where the examples connect: the document's first ws or wss
// server, else a local one.
func (g *gen) baseURL() string {
	for _, s := range g.api.Servers {
		if s.Protocol == "ws" || s.Protocol == "wss" {
			return s.Protocol + "://" + s.Host + strings.TrimSuffix(s.Pathname, "/")
		}
	}
	return "ws://localhost:8000"
}

// streamMethod is the stream<Message> method of an outgoing message whose
// operation's reply is a sequence (plan.Send.Stream), nil for any other:
// it sends the frame and returns the runtime's ReplyStream of the partial
// replies and the final one; the channel's reply table lists the final
// value for it, which request() waits for. When the document declares a
// cancel operation for it, aborting the stream sends that message with
// the request's correlation value.
func (g *gen) streamMethod(c *channelView, r routed, inByValue map[string]routed, methods *namespace, params, frame, opDoc string, types map[string]bool) *methodView {
	st := r.send.Stream
	if st == nil {
		return nil
	}
	fin, ok := inByValue[st.Final.Value]
	if !ok {
		return nil
	}
	var partTypes, partValues, rawValues []string
	for _, p := range st.Partials {
		pr, ok := inByValue[p.Value]
		if !ok {
			return nil
		}
		partTypes = append(partTypes, pr.decl.Name)
		partValues = append(partValues, tsString(pr.value))
		rawValues = append(rawValues, pr.value)
		types[pr.decl.Name] = true
	}
	partTypes = sortedUnique(partTypes)
	types[fin.decl.Name] = true
	c.Streams = true
	c.RepliesTable = append(c.RepliesTable, entry{propertyKey(r.value), "[" + tsString(fin.value) + "]"})
	c.ReplyTypes = append(c.ReplyTypes, entry{propertyKey(r.value), fin.decl.Name})
	spec := "{ key: " + tsString(c.Key) + ", partials: [" + strings.Join(partValues, ", ") + "]"
	cancelDoc := "Aborting options.signal ends the stream; the server goes on (the document declares no cancel message)."
	for _, cr := range c.out {
		if cr.send.Cancels == nil || cr.send.Cancels != r.send.Operation {
			continue
		}
		from, to := "", ""
		for _, sr := range c.plan.Server.Receives {
			if sr.Operation == r.send.Operation && sr.Message == r.msg {
				from = sr.CancelKey
			}
			if sr.Operation == cr.send.Operation && sr.Message == cr.msg && sr.Cancel != nil {
				to = sr.Cancel.Key
			}
		}
		spec += ", cancel: { value: " + tsString(cr.value) + ", from: " + tsString(from) + ", to: " + tsString(to) + " }"
		cancelDoc = "Aborting options.signal (or options.timeout) ends the stream and sends " + strconv.Quote(cr.value) + " to stop it."
		break
	}
	spec += " }"
	name := methods.take("stream"+firstOf(pascalName(r.msg.Name), pascalName(r.value), "Message"), "streamMessage")
	sp := params
	if sp != "" {
		sp += ", "
	}
	sp += "options?: StreamOptions"
	partial := strings.Join(partTypes, " | ")
	doc := docComment("  ", "Sends "+strconv.Quote(r.value)+" and returns the stream of its replies: iterate it for the partial ones ("+
		strings.Join(partValues, ", ")+") as they arrive; final resolves with "+strconv.Quote(fin.value)+". An error frame ends it with a ServerError. "+cancelDoc, opDoc)
	return &methodView{
		Text: doc + "  " + name + "(" + sp + "): ReplyStream<" + partial + ", " + fin.decl.Name + "> {\n    return stream<" + partial + ", " + fin.decl.Name + ">(this, " + spec + ", " + frame + ", options);\n  }",
		Call: name + "(" + argNames(params) + ")", Sends: r.value, Waits: strings.Join(rawValues, ", ") + "…, then " + fin.value}
}
