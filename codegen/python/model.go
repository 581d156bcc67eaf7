package python

import (
	"sort"
	"strings"

	"github.com/chanxgo/chanx/codegen/plan"
	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
)

// sharedModule is the module holding the classes several channels use.
const sharedModule = "shared"

// reservedNames are taken in every module's namespace: the names the
// generated modules import or declare beside the message classes.
var reservedNames = []string{"IncomingMessage", "OutgoingMessage", "BaseClient", "BaseModel", "RootModel",
	"Field", "ConfigDict", "TypeAdapter", "Enum", "Literal", "Annotated", "Any", "ClassVar", "TypeAlias",
	"NoReturn", "Union", "require_runtime", "ReplyStream", "None", "True", "False"}

// clientAttributes are BaseClient's attributes, which a request helper
// must not take.
var clientAttributes = []string{"path", "incoming_adapter", "discriminator", "error_tag", "url", "headers",
	"reconnect", "open_timeout", "request_timeout", "close_code", "close_reason", "connected", "handle",
	"disconnect", "encode", "send_message", "request", "before_handle", "send_init_message",
	"handle_message", "after_handle", "handle_error", "handle_websocket_connection_error",
	"handle_raw_data", "handle_invalid_message", "stream"}

// gen builds the view models of one generation.
type gen struct {
	api    *ir.API
	shapes *shape.API
	opts   Options
	names  *namespace
	// classes hold the declaration of each Object, named Enum and named
	// Union shape; roots the RootModel of each non-object payload.
	classes map[*shape.Shape]*class
	roots   map[*shape.Shape]*class
	noBody  *class
	// msgs is each message's class.
	msgs     map[*ir.Message]*class
	all      []*class
	channels []*channelModel
}

// channelModel is one mountable channel: its module and client.
type channelModel struct {
	Name, Address, Doc string
	// Module is the channel's folder; Client its client class.
	Module, Client string
	Params         []paramModel
	// Sends and Receives are the client's messages, as the plan orders
	// them.
	Sends, Receives []*messageRef
	// Outgoing and Incoming are the classes of the unions, by name.
	Outgoing, Incoming []*class
	// Discriminator is the Python field name the incoming union is
	// discriminated by, "" when pydantic tries its members in turn.
	Discriminator string
	// Key is the wire member telling incoming messages apart, when it is
	// not the runtime's default ("action").
	Key      string
	Requests []*requestModel
	// Streams are the stream helpers, for operations whose reply is a
	// sequence (plan.Stream).
	Streams []*streamModel

	plan    *plan.Channel
	classes []*class
}

type paramModel struct{ Name, Description string }

// messageRef is one message a client sends or receives.
type messageRef struct {
	Message *ir.Message
	Class   *class
	// Label is the message as the README names it: its discriminator
	// value, else its name.
	Label string
	Reply *requestModel
}

// streamModel is a typed stream helper: send Send, read Partials, then
// Final; Cancel, when set, is the message that cancels it, IntoKey and
// FromKey the JSON pointers of the correlationId in Cancel's frame and in
// Send's.
type streamModel struct {
	Method         string
	Send           *class
	Partials       []*class
	Final          *class
	Cancel         *class
	IntoKey        string
	FromKey        string
	SendLabel      string
	PartialLabels  []string
	FinalLabel     string
	CancelLabel    string
	Operation, Doc string
	// NoArgs is true when Send can be built without arguments.
	NoArgs bool
}

// requestModel is a typed request helper: send Send and wait for Reply.
type requestModel struct {
	Method      string
	Send, Reply *class
	SendLabel   string
	ReplyLabel  string
	Operation   string
	Doc         string
	// NoArgs is true when Send can be built without arguments.
	NoArgs bool
}

func newGen(api *ir.API, opts Options) *gen {
	return &gen{
		api: api, shapes: shape.OfAPI(api), opts: opts,
		names:   newNamespace(reservedNames...),
		classes: map[*shape.Shape]*class{}, roots: map[*shape.Shape]*class{},
		msgs: map[*ir.Message]*class{},
	}
}

// build decides every channel's module, client and classes.
func (g *gen) buildAll() {
	p := plan.Build(g.api)
	modules := newNamespace("base", sharedModule, "__init__")
	for _, cp := range p.Channels {
		if !cp.Mountable {
			continue
		}
		mod := snakeName(cp.Name)
		if mod == "" {
			mod = "channel"
		}
		if keywords[mod] {
			mod += "_"
		}
		cm := &channelModel{plan: cp, Name: cp.Name, Address: cp.Address, Module: modules.take(mod)}
		cm.Client = g.names.take(firstOf(className(cp.Name), "Channel") + "Client")
		cm.Doc = firstOf(cp.Channel.Title, cp.Channel.Summary, cp.Channel.Description)
		for _, prm := range cp.Params {
			cm.Params = append(cm.Params, paramModel{Name: prm.Name, Description: strings.TrimSpace(prm.Description)})
		}
		g.channels = append(g.channels, cm)
	}
	for _, cm := range g.channels {
		side := cm.plan.Client
		for _, s := range side.Sends {
			cm.Sends = append(cm.Sends, &messageRef{Message: s.Message, Class: g.messageClass(s.Message), Label: firstOf(s.Value, s.Message.Name)})
		}
		for _, r := range side.Receives {
			cm.Receives = append(cm.Receives, &messageRef{Message: r.Message, Class: g.messageClass(r.Message), Label: firstOf(r.Value, r.Message.Name)})
		}
	}
	for _, cm := range g.channels {
		for i, s := range cm.plan.Client.Sends {
			fixTag(cm.Sends[i].Class, cm.plan.Server.Key, s.Value)
		}
		for i, r := range cm.plan.Client.Receives {
			fixTag(cm.Receives[i].Class, cm.plan.Client.Key, r.Value)
		}
	}
	for _, cm := range g.channels {
		g.channelDetails(cm)
	}
	g.assignModules()
}

// messageClass is the class of m's payload: the payload's model when it
// is an object, else a RootModel holding it.
func (g *gen) messageClass(m *ir.Message) *class {
	if cl, ok := g.msgs[m]; ok {
		return cl
	}
	hint := className(m.Name)
	if hint == "" {
		hint = "Message"
	} else if !strings.HasSuffix(hint, "Message") {
		hint += "Message"
	}
	doc := firstOf(m.Description, m.Summary, m.Title)
	sh := g.shapes.Payloads[m]
	var cl *class
	switch {
	case sh == nil:
		if g.noBody == nil {
			g.noBody = &class{Name: g.names.take("AnyMessage"), Kind: root, Value: typeExpr{Text: "Any", Uses: usesAny, Nullable: true}, built: true,
				Doc: "A message whose payload the document leaves open."}
			g.all = append(g.all, g.noBody)
		}
		cl = g.noBody
	case sh.Kind == shape.Object:
		cl = g.classOf(sh, hint)
		if cl.Doc == "" {
			cl.Doc = doc
		}
	default:
		cl = g.roots[sh]
		if cl == nil {
			cl = &class{Name: g.names.take(hint), Kind: root, shape: sh, hint: hint, built: true, Doc: firstOf(doc, sh.Description, meaningfulTitle(sh.Title, sh.Name, hint))}
			g.roots[sh] = cl
			g.all = append(g.all, cl)
			cl.Value = g.inner(sh, strings.TrimSuffix(hint, "Message")+"Payload")
		}
	}
	g.msgs[m] = cl
	return cl
}

// classOf is the declaration of an Object, named Enum or named Union
// shape, named after the schema or else hint.
func (g *gen) classOf(sh *shape.Shape, hint string) *class {
	if cl, ok := g.classes[sh]; ok {
		return cl
	}
	name := firstOf(className(sh.Name), hint, "Model")
	cl := &class{Name: g.names.take(name), shape: sh, Doc: firstOf(sh.Description, meaningfulTitle(sh.Title, sh.Name, name))}
	cl.hint = cl.Name
	switch sh.Kind {
	case shape.Enum:
		cl.Kind = enum
	case shape.Union:
		cl.Kind = alias
	}
	g.classes[sh] = cl
	g.all = append(g.all, cl)
	g.build(cl)
	return cl
}

// build fills in a class's fields, members or value, once.
func (g *gen) build(cl *class) {
	if cl.built {
		return
	}
	cl.built = true
	sh := cl.shape
	switch cl.Kind {
	case enum:
		names := newNamespace()
		for i, v := range sh.Values {
			n := constName(v)
			if n == "" {
				n = "VALUE_" + itoa(i+1)
			}
			cl.Members = append(cl.Members, enumMember{Name: names.take(n), Value: pyString(v)})
		}
	case alias:
		cl.Value = g.unionOf(sh, cl.Name)
	case model:
		g.buildModel(cl)
	}
}

func (g *gen) buildModel(cl *class) {
	sh := cl.shape
	stem := strings.TrimSuffix(cl.Name, "Message")
	if stem == "" {
		stem = cl.Name
	}
	names := newNamespace()
	aliased, protected := false, false
	for _, m := range sh.Members {
		f := &field{Wire: m.Name, Doc: meaningfulTitle(m.Description, m.Name)}
		omitNone := false
		hint := stem + firstOf(className(m.Name), "Field")
		// The member's own checks become Field(...) arguments, so its type
		// is its value's, without them, then None when nullable.
		core := m.Shape
		for core.Kind == shape.Nullable {
			core = core.Elem
		}
		f.Type = g.typeOf(core, hint)
		if core != m.Shape && !f.Type.Nullable && f.Type.Text != "Any" {
			f.Type = f.Type.or(typeExpr{Text: "None"})
			f.Type.Nullable = true
		}
		// Named after its type is built, so that a field cannot shadow a
		// class its own annotation names.
		f.Name = fieldName(m.Name)
		if _, clash := g.names.used[f.Name]; clash {
			f.Name += "_"
		}
		f.Name = names.take(f.Name)
		var args []string
		if f.Type.Literal == "" {
			args = constraintArgs(core)
		}
		f.Tag = f.Type.Literal
		switch {
		case f.Tag != "":
			f.Default, f.HasDefault = pyString(f.Tag), true
		case !m.Required:
			f.HasDefault = true
			if d, ok := g.defaultOf(m.Shape, core); ok {
				f.Default = d
			} else {
				f.Default = "None"
				if !f.Type.Nullable {
					// None stands for "left out", which the schema
					// allows, not null, which it does not: it is not
					// written to the wire.
					f.Type = f.Type.or(typeExpr{Text: "None"})
					f.Type.Nullable = true
					omitNone = true
				}
			}
		}
		if f.Name != f.Wire {
			aliased = true
			if f.Tag != "" {
				args = append(args, "alias="+pyString(f.Wire))
			} else {
				args = append(args, "validation_alias="+pyString(f.Wire), "serialization_alias="+pyString(f.Wire))
			}
		}
		if omitNone {
			args = append(args, "exclude_if=_left_out")
			cl.leftOut = true
		}
		if strings.HasPrefix(f.Name, "model_") {
			protected = true
		}
		if len(args) > 0 {
			if f.Default != "" {
				args = append([]string{"default=" + f.Default}, args...)
			}
			f.Args = args
			f.Type.Uses |= usesField
		}
		cl.Fields = append(cl.Fields, f)
	}
	if aliased {
		cl.Config = append(cl.Config, "populate_by_name=True")
	}
	if sh.Closed {
		cl.Config = append(cl.Config, `extra="forbid"`)
	}
	if protected {
		cl.Config = append(cl.Config, "protected_namespaces=()")
	}
}

// defaultOf is the Python default of an optional member whose schema
// gives one that a literal can hold.
func (g *gen) defaultOf(sh, core *shape.Shape) (string, bool) {
	d, has := sh.Default, sh.HasDefault
	if !has {
		d, has = core.Default, core.HasDefault
	}
	if !has {
		return "", false
	}
	switch core.Kind {
	case shape.String, shape.Boolean, shape.Null:
	case shape.Integer:
		if !isIntegral(d) && d != nil {
			return "", false
		}
	case shape.Number:
	case shape.Enum:
		s, ok := d.(string)
		if !ok {
			return "", false
		}
		if cl := g.classes[core]; cl != nil && cl.Kind == enum {
			for i, v := range core.Values {
				if v == s {
					return cl.Name + "." + cl.Members[i].Name, true
				}
			}
			return "", false
		}
	default:
		return "", false
	}
	if d == nil && !(sh.Kind == shape.Nullable || sh.Kind == shape.Null) {
		return "", false
	}
	lit, ok := pyLiteral(d)
	if !ok {
		return "", false
	}
	switch d.(type) {
	case string:
		if core.Kind != shape.String && core.Kind != shape.Enum {
			return "", false
		}
	case bool:
		if core.Kind != shape.Boolean {
			return "", false
		}
	}
	return lit, true
}

// channelDetails decides a channel's unions, adapter and request helpers.
func (g *gen) channelDetails(cm *channelModel) {
	side := cm.plan.Client
	for _, s := range cm.Sends {
		cm.Outgoing = append(cm.Outgoing, s.Class)
	}
	for _, r := range cm.Receives {
		cm.Incoming = append(cm.Incoming, r.Class)
	}
	cm.Outgoing, cm.Incoming = sortedClasses(cm.Outgoing), sortedClasses(cm.Incoming)
	if side.Key != "" && side.Key != "action" {
		cm.Key = side.Key
	}
	cm.Discriminator = discriminatorOf(cm.Incoming, side.Key)
	methods := newNamespace(clientAttributes...)
	for i, s := range side.Sends {
		if s.Reply == nil {
			continue
		}
		send, reply := cm.Sends[i].Class, g.messageClass(s.Reply.Message)
		if send.Kind == root || reply.Kind != model || tagOf(reply, side.Key) != s.Reply.Value || side.Key == "" {
			continue
		}
		method := snakeName(s.Message.Name)
		if method == "" {
			method = "message"
		}
		op := s.Operation
		rq := &requestModel{
			Method: methods.take("request_" + method), Send: send, Reply: reply,
			SendLabel: cm.Sends[i].Label, ReplyLabel: firstOf(s.Reply.Value, s.Reply.Message.Name),
			NoArgs: send.Kind == model,
		}
		if op != nil {
			rq.Operation = op.Name
			rq.Doc = firstOf(op.Summary, op.Description, op.Title)
		}
		for _, f := range send.Fields {
			if !f.HasDefault {
				rq.NoArgs = false
			}
		}
		cm.Sends[i].Reply = rq
		cm.Requests = append(cm.Requests, rq)
	}
	for i, s := range side.Sends {
		if st := g.streamOf(cm, methods, i, s); st != nil {
			cm.Streams = append(cm.Streams, st)
		}
	}
}

// streamOf is the stream helper of send s (the i-th), nil when its
// operation's reply is no sequence or a reply has no model the incoming
// union tells apart by its tag.
func (g *gen) streamOf(cm *channelModel, methods *namespace, i int, s *plan.Send) *streamModel {
	side := cm.plan.Client
	if s.Stream == nil || side.Key == "" || cm.Sends[i].Class.Kind == root {
		return nil
	}
	st := &streamModel{Send: cm.Sends[i].Class, SendLabel: cm.Sends[i].Label, NoArgs: true}
	for _, f := range st.Send.Fields {
		if !f.HasDefault {
			st.NoArgs = false
		}
	}
	for _, r := range append(append([]*plan.Reply(nil), s.Stream.Partials...), s.Stream.Final) {
		cl := g.messageClass(r.Message)
		if cl.Kind != model || r.Value == "" || tagOf(cl, side.Key) != r.Value {
			return nil
		}
		if r == s.Stream.Final {
			st.Final, st.FinalLabel = cl, r.Value
		} else {
			st.Partials, st.PartialLabels = append(st.Partials, cl), append(st.PartialLabels, r.Value)
		}
	}
	if op := s.Operation; op != nil {
		st.Operation = op.Name
		st.Doc = firstOf(op.Summary, op.Description, op.Title)
		for j, c := range side.Sends {
			if c.Cancels != op || cm.Sends[j].Class.Kind != model {
				continue
			}
			st.Cancel, st.CancelLabel = cm.Sends[j].Class, cm.Sends[j].Label
			for _, r := range cm.plan.Server.Receives {
				if r.Message == c.Message && r.Cancel != nil {
					st.IntoKey = r.Cancel.Key
				}
				if r.Message == s.Message && r.Operation == op {
					st.FromKey = r.CancelKey
				}
			}
			break
		}
	}
	method := snakeName(s.Message.Name)
	if method == "" {
		method = "message"
	}
	st.Method = methods.take("stream_" + method)
	return st
}

// fixTag makes the member key of a message's model a Literal of value
// when the plan routes the message by that value but the schema leaves
// the member a plain string (a discriminator keyword naming the variant
// rather than a const): the model then says what its frames carry, and
// pydantic can discriminate by it.
func fixTag(cl *class, key, value string) {
	if cl.Kind != model || key == "" || value == "" {
		return
	}
	for _, f := range cl.Fields {
		if f.Wire != key || f.Tag != "" || (f.Type.Text != "str" && f.Type.Text != "str | None") || len(f.Args) > 0 && f.Name == f.Wire {
			continue
		}
		f.Type = typeExpr{Text: "Literal[" + pyString(value) + "]", Literal: value, Uses: usesLiteral}
		f.Tag, f.Default, f.HasDefault = value, pyString(value), true
		f.Args = nil
		if f.Name != f.Wire {
			f.Args = []string{"default=" + f.Default, "alias=" + pyString(f.Wire)}
			f.Type.Uses |= usesField
		}
	}
}

// tagOf is the Literal value of the model's member named key on the wire.
func tagOf(cl *class, key string) string {
	for _, f := range cl.Fields {
		if f.Wire == key {
			return f.Tag
		}
	}
	return ""
}

// discriminatorOf is the Python name of the field that tells the incoming
// classes apart by distinct Literal values under key, "" when some class
// has none (pydantic then tries each in turn).
func discriminatorOf(incoming []*class, key string) string {
	if key == "" || len(incoming) == 0 {
		return ""
	}
	name := ""
	seen := map[string]bool{}
	for _, cl := range incoming {
		if cl.Kind != model {
			return ""
		}
		var f *field
		for _, x := range cl.Fields {
			if x.Wire == key {
				f = x
			}
		}
		if f == nil || f.Tag == "" || seen[f.Tag] || (name != "" && name != f.Name) {
			return ""
		}
		seen[f.Tag] = true
		name = f.Name
	}
	return name
}

// deps are the classes cl's declaration names.
func (cl *class) deps() []*class {
	var out []*class
	for _, f := range cl.Fields {
		out = append(out, f.Type.Deps...)
	}
	return append(out, cl.Value.Deps...)
}

// assignModules puts each class in the module of the one channel that
// uses it, or in shared when several do.
func (g *gen) assignModules() {
	for _, cm := range g.channels {
		var visit func(cl *class)
		visit = func(cl *class) {
			if cl.channels == nil {
				cl.channels = map[*channelModel]bool{}
			}
			if cl.channels[cm] {
				return
			}
			cl.channels[cm] = true
			for _, d := range cl.deps() {
				visit(d)
			}
		}
		for _, m := range cm.Sends {
			visit(m.Class)
		}
		for _, m := range cm.Receives {
			visit(m.Class)
		}
	}
	for _, cl := range g.all {
		switch len(cl.channels) {
		case 0:
			continue
		case 1:
			for cm := range cl.channels {
				cl.module = cm.Module
				cm.classes = append(cm.classes, cl)
			}
		default:
			cl.module = sharedModule
		}
	}
}

// sharedClasses are the classes of the shared module.
func (g *gen) sharedClasses() []*class {
	var out []*class
	for _, cl := range g.all {
		if cl.module == sharedModule {
			out = append(out, cl)
		}
	}
	return out
}

// sharedOf are the shared classes channel cm uses, by name.
func (g *gen) sharedOf(cm *channelModel) []*class {
	var out []*class
	for _, cl := range g.all {
		if cl.module == sharedModule && cl.channels[cm] {
			out = append(out, cl)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// meaningfulTitle is title unless it only repeats one of names, as
// pydantic's titles do (the class name; "Max Tokens" for max_tokens).
func meaningfulTitle(title string, names ...string) string {
	title = strings.TrimSpace(title)
	for _, n := range names {
		if n == "" {
			continue
		}
		squeezed := strings.ReplaceAll(title, " ", "")
		if strings.EqualFold(title, n) || strings.EqualFold(squeezed, className(n)) || squeezed != "" && strings.HasSuffix(n, squeezed) {
			return ""
		}
	}
	return title
}

// firstOf returns the first non-blank string, trimmed.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if t := strings.TrimSpace(s); t != "" {
			return t
		}
	}
	return ""
}
