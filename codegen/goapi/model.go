package goapi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/golang"
	"github.com/chanxgo/chanx/codegen/plan"
	"github.com/chanxgo/chanx/ir"
)

// gen holds what both targets share: the document, the names already
// taken in the package (types.go's, then each declaration's here) and the
// Go type of every message.
type gen struct {
	api     *ir.API
	plan    *plan.Plan
	opts    Options
	ns      *namespace
	msgType map[*ir.Message]string
	// wraps lists the messages kept as raw JSON in a struct declared
	// here, in document order.
	wraps []*ir.Message
}

// fileModel is what server.go.tmpl, client.go.tmpl and readme.md.tmpl
// render.
type fileModel struct {
	Source  string
	Package string
	Title   string
	Version string
	// Std and Imports are the import paths, standard library first.
	Std     []string
	Imports []string
	// Shared is set when the message types, and the interfaces and
	// raw-JSON types declared beside them, come from a shared types
	// package (Options.TypesPackage) that types.go aliases.
	Shared bool
	// TypesPackage is the shared package's import path when Shared.
	TypesPackage string
	// ErrNotImplemented names the error Unimplemented handlers return.
	ErrNotImplemented string
	// Document, DocumentYAML and MountDocs name the embedded document
	// and the function serving it. Like every name the server declares
	// they step aside (MountDocs2…) for a message type of the same name.
	Document, DocumentYAML, MountDocs string
	Wraps                             []*wrapModel
	Markers                           []*markerModel
	ReplyIfaces                       []*ifaceModel
	Servers                           []*serverModel
	Channels                          []*channelModel
	// Together holds, on the server, one mount function per address
	// several channels share.
	Together []*togetherModel
	// Topics are the document's topic classes (x-topic channels grouped
	// by x-topic name).
	Topics []*topicModel
	// NeedPick is set when some client channel tells messages apart by
	// trying them, with the helpers named PickType, PickTry and Pick.
	NeedPick                bool
	PickType, PickTry, Pick string
	// PickFirst, when set, names the helper that takes the first message
	// a frame is valid as (schema dispatch, ir.StrategySchema).
	PickFirst string
}

// togetherModel is the mount function of channels that share one
// address: one endpoint, each channel's handler registered on it.
type togetherModel struct {
	Mount              string
	Names              string
	AddressConst       string
	DiscriminatorConst string
	Parts              []*togetherPart
}

// togetherPart is one channel of a togetherModel; Arg is "" for a channel
// clients send nothing on.
type togetherPart struct {
	Arg      string
	Handler  string
	Register string
}

type wrapModel struct {
	Name    string
	Message string
}

// markerModel is the method that puts Type in a sealed interface.
type markerModel struct {
	Type   string
	Method string
}

type ifaceModel struct {
	Name   string
	Method string
	Doc    string
	Types  []string
}

type serverModel struct {
	Const string
	URL   string
	Doc   string
}

type channelModel struct {
	Name    string
	Address string
	Doc     string

	AddressConst string
	// Hub is set when topics are served at the channel's address too:
	// its Mount goes through server.Server.Hub, so the topics' Mount
	// functions find the same channel.
	Hub          bool
	Params       string
	ParamFields  []*paramModel
	QueryFields  []*paramModel
	HeaderFields []*paramModel
	// DiscriminatorConst names the constant holding Discriminator, the
	// frame member that names each message.
	DiscriminatorConst string
	Discriminator      string

	// Server side.
	Conn          string
	Events        string
	NewEvents     string
	Handler       string
	Unimplemented string
	Register      string
	Mount         string
	Handlers      []*handlerModel
	Cancels       []*cancelModel
	Senders       []*senderModel
	// Unroutable, when set, is why Register fails: a received message has
	// no discriminator value to route it by.
	Unroutable string
	// RouteFunc, when set, names the function that tells apart the
	// messages this side receives by their members (MemberRoutes) or by
	// schema (SchemaRoutes), in the dispatch's order; RouteDoc says how.
	RouteFunc    string
	RouteDoc     string
	MemberRoutes []*routeCase
	SchemaRoutes []*routeCase

	// Client side.
	Client       string
	NewClient    string
	HandlersType string
	Incoming     string
	IncomingMark string
	Sends        []*sendModel
	Incomings    []*incomingModel
	Routes       []*routeModel
	// Fallback lists the messages without a discriminator value, tried in
	// turn on frames no route takes: exactly one must be valid, or with
	// FallbackFirst (schema dispatch) the first valid one wins, or with
	// MemberRoutes RouteFunc picks the one to try.
	Fallback      []*incomingModel
	FallbackFirst bool
}

// paramModel is one field of a channel's Params: a path parameter, or a
// query parameter or header the channel's ws binding declares.
type paramModel struct {
	Field string
	Name  string
	Doc   string
}

// routeCase is one message of a route function: its route name (the
// message's name), its Go type and, for structural dispatch, its members
// as a Go expression.
type routeCase struct {
	Name    string
	Type    string
	Members string
}

type handlerModel struct {
	Method    string
	Doc       string
	Operation string
	Message   string
	Action    string
	// Actions are the route names the handler is registered under: the
	// discriminator value, every enum value, or (routed by RouteFunc)
	// the message's name.
	Actions []string
	Request string
	// Reply is the Go type returned ("*Pong", or a sealed interface), ""
	// when the operation declares no reply.
	Reply string
	// Pong, for the protocol's ping answered by pong, is the reply's type:
	// the Unimplemented handler answers as the runtime's built-in ping
	// does instead of failing.
	Pong string
	// Stream is set when the reply is a sequence (plan.Stream): the
	// method gets a typed sender for the partial replies and returns the
	// final one (Reply).
	Stream *streamModel
	// CancelKey is set when a cancel operation can stop the handler: the
	// JSON pointer the runtime reads the key at ("" for every running
	// one), with Cancelable.
	Cancelable bool
	CancelKey  string
	// Cancels is set for a cancel operation that answers: its frames
	// cancel CancelsOp's handlers (key at CancelsKey) before the method
	// runs, and it runs at once (server.Concurrent).
	Cancels    bool
	CancelsKey string
	CancelsOp  string
}

// streamModel is the typed sender of a streaming handler's partial
// replies.
type streamModel struct {
	Type    string // the sender's type name
	Partial string // the partial replies' Go type ("*Token")
	Action  string // the partials' discriminator value, for the doc
	Final   string // the final reply's discriminator value, for the doc
}

// cancelModel is a cancel operation: registered with the runtime's
// HandleCancelAt, no handler method.
type cancelModel struct {
	Operation string
	Message   string
	Type      string // the message's Go type, without "*"
	Action    string
	Key       string
	Cancels   string // the operation it cancels
}

type senderModel struct {
	Message   string
	Type      string
	Send      string
	Broadcast string
	Publish   string
	SendTo    string
	Doc       string
}

type sendModel struct {
	Message string
	Type    string
	Method  string
	Doc     string
	// Request, when set, sends and waits for the reply ReplyAction of
	// type ReplyType.
	Request     string
	ReplyType   string
	ReplyAction string
	// Stream, when set, sends and returns the stream of replies: partials
	// PartialAction of type PartialType, then the final ReplyAction of
	// type ReplyType.
	Stream        string
	PartialType   string
	PartialAction string
	// Cancels names the operation this message cancels, for the doc.
	Cancels string
}

type incomingModel struct {
	Message string
	Type    string
	Field   string
	Deliver string
	Action  string
	Doc     string
}

// routeModel is one discriminator value: one message, or several tried in
// turn.
type routeModel struct {
	Action     string
	Single     *incomingModel
	Candidates []*incomingModel
}

func (g *gen) base(m *fileModel) {
	m.Source, m.Package = g.opts.Source, g.opts.Package
	if m.Package == "" {
		m.Package = "api"
	}
	m.Title, m.Version = g.api.Info.Title, g.api.Info.Version
	if g.opts.TypesPackage != "" {
		return // the shared types package declares them
	}
	for _, msg := range g.wraps {
		m.Wraps = append(m.Wraps, &wrapModel{Name: g.msgType[msg], Message: msg.Name})
	}
}

func (g *gen) channelBase(cp *plan.Channel, c *channelModel) {
	ch := cp.Channel
	c.Name, c.Address = ch.Name, ch.Address
	c.Doc = comment("", firstOf(ch.Description, ch.Summary, ch.Title))
	fields := newNamespace()
	fields.reserve("Params")
	for _, p := range cp.Params {
		c.ParamFields = append(c.ParamFields, &paramModel{Name: p.Name, Field: fields.take(goName(p.Name, "Param")), Doc: comment("", p.Description)})
	}
	c.QueryFields = bindingFields(fields, cp.Bindings.Query, "The query parameter")
	c.HeaderFields = bindingFields(fields, cp.Bindings.Headers, "The header")
}

// bindingFields names the query parameters or headers of a ws binding.
func bindingFields(fields *namespace, list []plan.Field, what string) []*paramModel {
	var out []*paramModel
	for _, f := range list {
		doc := what + " " + strconv.Quote(f.Name) + "."
		if f.Description != "" {
			doc += " " + f.Description
		}
		out = append(out, &paramModel{Name: f.Name, Field: fields.take(goName(f.Name, "Param")), Doc: comment("", doc)})
	}
	return out
}

func (g *gen) serverModel() *fileModel {
	m := &fileModel{}
	g.base(m)
	m.Document, m.DocumentYAML, m.MountDocs = g.ns.take("Document"), g.ns.take("DocumentYAML"), g.ns.take("MountDocs")
	m.ErrNotImplemented = g.ns.take("ErrNotImplemented")
	imports := map[string]bool{"errors": true, "github.com/chanxgo/chanx/runtime/server": true, "github.com/chanxgo/chanx/runtime/apidocs": true, "_ embed": true}
	if len(m.Wraps) > 0 {
		imports["encoding/json"] = true
	}
	marked := map[string]bool{}
	for _, cp := range g.plan.Channels {
		if !cp.Mountable || cp.Topic != nil {
			continue
		}
		ch := cp.Channel
		c := &channelModel{Hub: len(cp.Topics) > 0}
		g.channelBase(cp, c)
		want := goName(ch.Name, "Channel")
		b := g.ns.takeFamily(want, func(b string) []string {
			return []string{b + "Address", b + "Params", b + "Conn", b + "Events", "New" + b + "Events", b + "Handler", "Unimplemented" + b + "Handler", "Register" + b, "Mount" + b, b + "Discriminator"}
		})
		c.AddressConst, c.Params, c.Conn, c.Events, c.NewEvents = b+"Address", b+"Params", b+"Conn", b+"Events", "New"+b+"Events"
		c.Handler, c.Unimplemented, c.Register, c.Mount = b+"Handler", "Unimplemented"+b+"Handler", "Register"+b, "Mount"+b
		// The key the server routes by and writes its own frames under:
		// that of what clients send, else (clients send nothing) that of
		// what it sends, which the generated client reads errors and pong
		// under.
		if key := firstOf(cp.Server.Key, cp.Client.Key); key != "" {
			c.DiscriminatorConst, c.Discriminator = b+"Discriminator", key
		}
		methods := newNamespace()
		var unroutable []string
		for _, r := range cp.Server.Receives {
			op, msg := r.Operation, r.Message
			if r.Cancel != nil && len(r.Replies) == 0 {
				c.Cancels = append(c.Cancels, &cancelModel{Operation: op.Name, Message: msg.Name, Type: g.msgType[msg], Action: r.Value, Key: r.Cancel.Key, Cancels: r.Cancel.Operation.Name})
				if r.Value == "" {
					unroutable = append(unroutable, strconv.Quote(msg.Name))
				}
				continue
			}
			h := &handlerModel{Operation: op.Name, Message: msg.Name, Request: "*" + g.msgType[msg]}
			name := goName(op.Name, "Handle")
			if len(op.Messages) > 1 {
				name += goName(msg.Name, "Message")
			}
			h.Method = methods.take(name)
			h.Doc = comment("", firstOf(op.Description, op.Summary, op.Title))
			h.Action = r.Value
			h.Actions = actionsOf(cp.Server, r)
			if len(h.Actions) == 0 {
				unroutable = append(unroutable, strconv.Quote(msg.Name))
			}
			if st := streamPartial(g, r.Stream); st != "" {
				h.Reply = "*" + g.msgType[r.Stream.Final.Message]
				h.Stream = &streamModel{Type: g.ns.take(b + h.Method + "Stream"), Partial: st, Action: r.Stream.Partials[0].Value, Final: r.Stream.Final.Value}
			} else if len(r.Replies) > 0 {
				h.Reply = g.replyType(m, marked, b+h.Method+"Reply", op)
				if r.Pong {
					h.Pong = g.msgType[r.Replies[0].Message]
				}
			}
			if len(r.CanceledBy) > 0 {
				h.Cancelable, h.CancelKey = true, r.CancelKey
			}
			if r.Cancel != nil {
				h.Cancels, h.CancelsKey, h.CancelsOp = true, r.Cancel.Key, r.Cancel.Operation.Name
			}
			c.Handlers = append(c.Handlers, h)
		}
		if g.routeFunc(c, cp.Channel, cp.Server, ir.Receive, b+"Route") {
			imports["github.com/chanxgo/chanx/runtime/wire"] = true
		}
		if len(unroutable) > 0 {
			c.Unroutable = fmt.Sprintf("%s: channel %q: message %s has no discriminator value to route frames by (give its payload a const %q property)", g.opts.Package, ch.Name, strings.Join(unroutable, ", "), "action")
		}
		if len(c.Handlers) > 0 || len(c.Cancels) > 0 {
			imports["fmt"] = true
			imports["context"] = true
		}
		senders := newNamespace()
		senders.reserve("Send", "Broadcast", "Params", "ID", "Param", "Join", "Leave", "Close", "Groups", "Principal", "Request", "Channel")
		for _, snd := range cp.Server.Sends {
			msg := snd.Message
			mn := goName(msg.Name, "Message")
			s := &senderModel{Message: msg.Name, Type: "*" + g.msgType[msg], Doc: comment("", firstOf(msg.Description, msg.Summary, msg.Title, snd.Operation.Summary))}
			for {
				names := []string{"Send" + mn, "Broadcast" + mn, "Publish" + mn, "Send" + mn + "To"}
				if !senders.used[names[0]] && !senders.used[names[1]] && !senders.used[names[2]] && !senders.used[names[3]] {
					senders.reserve(names...)
					s.Send, s.Broadcast, s.Publish, s.SendTo = names[0], names[1], names[2], names[3]
					break
				}
				mn += "Message"
			}
			c.Senders = append(c.Senders, s)
		}
		if len(c.Senders) > 0 {
			imports["context"] = true
			imports["github.com/chanxgo/chanx/runtime/layer"] = true
		}
		m.Channels = append(m.Channels, c)
	}
	g.serverTopics(m, marked, imports)
	if g.together(m); len(m.Together) > 0 {
		imports["fmt"] = true
	}
	if len(m.ReplyIfaces) > 0 {
		sort.Slice(m.Markers, func(i, j int) bool {
			return m.Markers[i].Method+m.Markers[i].Type < m.Markers[j].Method+m.Markers[j].Type
		})
	}
	m.Std, m.Imports = splitImports(imports)
	return m
}

// actionsOf is the route names a received message is registered under.
func actionsOf(side *plan.Side, r *plan.Receive) []string {
	switch side.Strategy {
	case ir.StrategyEnum:
		return r.Values
	case ir.StrategyMembers, ir.StrategySchema:
		return []string{r.Message.Name}
	}
	if r.Value == "" {
		return nil
	}
	return []string{r.Value}
}

// routeFunc fills c's route function for a side whose messages are told
// apart by members or by schema, in the order of ch's dispatch for
// direction a; it reports whether there is one.
func (g *gen) routeFunc(c *channelModel, ch *ir.Channel, side *plan.Side, a ir.Action, name string) bool {
	if side.Strategy != ir.StrategyMembers && side.Strategy != ir.StrategySchema {
		return false
	}
	var d *ir.Dispatch
	for _, x := range ch.Dispatch {
		if x.Action == a {
			d = x
		}
	}
	if d == nil {
		return false
	}
	c.RouteFunc = g.ns.take(name)
	c.RouteDoc = d.Why
	for _, dc := range d.Cases {
		rc := &routeCase{Name: dc.Message.Name, Type: g.msgType[dc.Message]}
		if side.Strategy == ir.StrategyMembers {
			quoted := make([]string, len(dc.Members))
			for i, m := range dc.Members {
				quoted[i] = strconv.Quote(m)
			}
			rc.Members = "[]string{" + strings.Join(quoted, ", ") + "}"
			if len(dc.Members) == 0 {
				rc.Members = "nil"
			}
			c.MemberRoutes = append(c.MemberRoutes, rc)
		} else {
			c.SchemaRoutes = append(c.SchemaRoutes, rc)
		}
	}
	return true
}

// together adds a mount function for each address several channels
// share: their own Mount functions would each claim the address.
func (g *gen) together(m *fileModel) {
	byName := map[string]*channelModel{}
	for _, c := range m.Channels {
		byName[c.Name] = c
	}
	done := map[*plan.Channel]bool{}
	for _, cp := range g.plan.Channels {
		if len(cp.Together) < 2 || done[cp] {
			continue
		}
		t := &togetherModel{}
		var names []string
		want := "Mount"
		args := newNamespace()
		args.reserve("srv", "opts", "ch", "err", "h")
		for _, other := range cp.Together {
			done[other] = true
			c := byName[other.Name]
			if c == nil {
				continue
			}
			names = append(names, strconv.Quote(c.Name))
			want += goName(c.Name, "Channel")
			if t.AddressConst == "" {
				t.AddressConst, t.DiscriminatorConst = c.AddressConst, c.DiscriminatorConst
			}
			part := &togetherPart{}
			if len(c.Handlers) > 0 {
				arg := golang.ExportedName(c.Name)
				arg = strings.ToLower(arg[:1]) + arg[1:]
				part.Arg, part.Handler, part.Register = args.take(arg), c.Handler, c.Register
			}
			t.Parts = append(t.Parts, part)
		}
		if len(t.Parts) < 2 {
			continue
		}
		t.Mount = g.ns.take(want)
		t.Names = strings.Join(names, ", ")
		m.Together = append(m.Together, t)
	}
}

// streamPartial is the Go type of a stream's partial replies ("*Token"),
// "" when st is nil or its partials are of several types, which the Go
// target does not stream yet: such an operation is served as one with
// several possible replies.
func streamPartial(g *gen, st *plan.Stream) string {
	if st == nil {
		return ""
	}
	t := g.msgType[st.Partials[0].Message]
	for _, p := range st.Partials[1:] {
		if g.msgType[p.Message] != t {
			return ""
		}
	}
	return "*" + t
}

// replyType is the Go type a handler returns for op's reply: a pointer to
// the one reply message's type, or a sealed interface every reply
// message's type implements.
func (g *gen) replyType(m *fileModel, marked map[string]bool, want string, op *ir.Operation) string {
	var types []string
	seen := map[string]bool{}
	for _, msg := range op.Reply.Messages {
		t := g.msgType[msg]
		if !seen[t] {
			seen[t] = true
			types = append(types, t)
		}
	}
	if len(types) == 1 {
		return "*" + types[0]
	}
	name := g.ns.take(want)
	iface := &ifaceModel{Name: name, Method: "is" + name, Doc: comment("", firstOf(op.Summary, op.Description))}
	for _, t := range types {
		iface.Types = append(iface.Types, "*"+t)
		key := t + "." + iface.Method
		if !marked[key] {
			marked[key] = true
			m.Markers = append(m.Markers, &markerModel{Type: t, Method: iface.Method})
		}
	}
	m.ReplyIfaces = append(m.ReplyIfaces, iface)
	return name
}

func (g *gen) clientModel() *fileModel {
	m := &fileModel{}
	g.base(m)
	imports := map[string]bool{}
	if len(m.Wraps) > 0 {
		imports["encoding/json"] = true
	}
	for _, s := range g.api.Servers {
		if s.Protocol != "ws" && s.Protocol != "wss" {
			continue
		}
		url := s.Protocol + "://" + s.Host + s.Pathname
		if strings.Contains(s.Host, "://") {
			url = s.Host + s.Pathname
		}
		name := g.ns.take("Server" + goName(s.Name, "Server"))
		m.Servers = append(m.Servers, &serverModel{Const: name, URL: url, Doc: comment("", s.Description)})
	}
	marked := map[string]bool{}
	for _, cp := range g.plan.Channels {
		if !cp.Mountable || cp.Topic != nil {
			continue
		}
		ch := cp.Channel
		c := &channelModel{}
		g.channelBase(cp, c)
		b := g.ns.takeFamily(goName(ch.Name, "Channel"), func(b string) []string {
			return []string{b + "Address", b + "Params", b + "Client", "New" + b + "Client", b + "Handlers", b + "IncomingMessage", b + "Discriminator"}
		})
		c.AddressConst, c.Params, c.Client, c.NewClient = b+"Address", b+"Params", b+"Client", "New"+b+"Client"
		c.HandlersType, c.Incoming, c.IncomingMark = b+"Handlers", b+"IncomingMessage", "is"+b+"IncomingMessage"
		if cp.Client.Key != "" {
			c.DiscriminatorConst, c.Discriminator = b+"Discriminator", cp.Client.Key
		}
		// What the client sends: the messages of the receive operations.
		methods := newNamespace()
		methods.reserve("Send", "SendFrame", "SendText", "SendBinary", "Request", "Ping", "Close", "CloseNow", "Connect", "Run", "Wait", "Done", "Err", "URL", "Subprotocol", "Connected", "CloseStatus", "HandleFrame")
		for _, snd := range cp.Client.Sends {
			op, msg := snd.Operation, snd.Message
			mn := goName(msg.Name, "Message")
			s := &sendModel{Message: msg.Name, Type: "*" + g.msgType[msg], Method: methods.take("Send" + mn), Doc: comment("", firstOf(op.Summary, op.Description, msg.Summary, msg.Description))}
			if r := snd.Reply; r != nil {
				s.Request, s.ReplyType, s.ReplyAction = methods.take("Request"+mn), g.msgType[r.Message], r.Value
			}
			if pt := streamPartial(g, snd.Stream); pt != "" {
				st := snd.Stream
				s.Stream, s.ReplyType, s.ReplyAction = methods.take("Stream"+mn), g.msgType[st.Final.Message], st.Final.Value
				s.PartialType, s.PartialAction = strings.TrimPrefix(pt, "*"), st.Partials[0].Value
			}
			if snd.Cancels != nil {
				s.Cancels = snd.Cancels.Name
			}
			c.Sends = append(c.Sends, s)
		}
		// What the client receives: the channel's sent messages and the
		// replies to what it sends.
		fields := newNamespace()
		fields.reserve("OnIncoming")
		models := map[*plan.Receive]*incomingModel{}
		for _, r := range cp.Client.Receives {
			msg := r.Message
			mn := goName(msg.Name, "Message")
			in := &incomingModel{Message: msg.Name, Type: g.msgType[msg], Field: fields.take("On" + mn), Doc: comment("", firstOf(msg.Description, msg.Summary, msg.Title)), Action: r.Value}
			in.Deliver = "deliver" + strings.TrimPrefix(in.Field, "On")
			models[r] = in
			c.Incomings = append(c.Incomings, in)
			key := in.Type + "." + c.IncomingMark
			if !marked[key] {
				marked[key] = true
				m.Markers = append(m.Markers, &markerModel{Type: in.Type, Method: c.IncomingMark})
			}
		}
		for _, r := range cp.Client.Fallback {
			c.Fallback = append(c.Fallback, models[r])
		}
		if len(c.Fallback) > 0 && g.routeFunc(c, ch, cp.Client, ir.Send, b+"Route") && len(c.SchemaRoutes) > 0 {
			c.SchemaRoutes = nil // the client tries its fallback in order
			c.RouteFunc = ""
			c.FallbackFirst = true
			m.PickFirst = "-"
		}
		for _, rt := range cp.Client.Routes {
			route := &routeModel{Action: rt.Value}
			for _, r := range rt.Receives {
				route.Candidates = append(route.Candidates, models[r])
			}
			c.Routes = append(c.Routes, route)
		}
		for _, r := range c.Routes {
			if len(r.Candidates) == 1 {
				r.Single, r.Candidates = r.Candidates[0], nil
			} else {
				m.NeedPick = true
			}
		}
		if len(c.Fallback) > 0 {
			m.NeedPick = true
			imports["errors"] = true
			imports["log/slog"] = true
		}
		if len(c.QueryFields) > 0 {
			imports["net/url"] = true
			imports["strings"] = true
		}
		if len(c.HeaderFields) > 0 {
			imports["net/http"] = true
		}
		imports["context"] = true
		imports["fmt"] = true
		imports["github.com/chanxgo/chanx/runtime/client"] = true
		m.Channels = append(m.Channels, c)
	}
	g.clientTopics(m, imports)
	if m.NeedPick {
		m.PickType, m.PickTry, m.Pick = g.ns.take("chanxCandidate"), g.ns.take("chanxTry"), g.ns.take("chanxPick")
		if m.PickFirst != "" {
			m.PickFirst = g.ns.take("chanxPickFirst")
		}
		imports["encoding/json"] = true
		imports["strconv"] = true
		imports["strings"] = true
		imports["github.com/chanxgo/chanx/runtime/wire"] = true
	}
	m.Std, m.Imports = splitImports(imports)
	return m
}

// splitImports orders import paths, the standard library first, and
// quotes them as import specs ("_ path" for a blank import).
func splitImports(set map[string]bool) (std, other []string) {
	for p := range set {
		first := strings.SplitN(strings.TrimPrefix(p, "_ "), "/", 2)[0]
		if strings.Contains(first, ".") {
			other = append(other, p)
		} else {
			std = append(std, p)
		}
	}
	key := func(s string) string { return strings.TrimPrefix(s, "_ ") }
	sort.Slice(std, func(i, j int) bool { return key(std[i]) < key(std[j]) })
	sort.Slice(other, func(i, j int) bool { return key(other[i]) < key(other[j]) })
	spec := func(ps []string) []string {
		for i, p := range ps {
			if strings.HasPrefix(p, "_ ") {
				ps[i] = "_ " + strconv.Quote(key(p))
			} else {
				ps[i] = strconv.Quote(p)
			}
		}
		return ps
	}
	return spec(std), spec(other)
}
