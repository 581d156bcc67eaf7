package analyze

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// opUse is one list of messages an operation or its reply moves over a
// channel in one direction, as seen by the application the document
// describes.
type opUse struct {
	op      *ir.Operation
	ch      *ir.Channel
	action  ir.Action
	msgs    []*ir.Message
	isReply bool
}

// followAs is follow with a diagnostic prefix naming what is being
// resolved ("operation "x": channel").
func (b *builder) followAs(l loc, what string) (loc, bool) {
	n := len(b.diags)
	t, ok := b.follow(l)
	if what != "" {
		for i := n; i < len(b.diags); i++ {
			if !strings.HasPrefix(b.diags[i].Message, spec.CyclePrefix) {
				b.diags[i].Message = what + ": " + b.diags[i].Message
			}
		}
	}
	return t, ok
}

func (b *builder) buildServers(l loc) {
	for _, e := range l.entries() {
		t, ok := b.followAs(e.val, fmt.Sprintf("server %q", e.key))
		if !ok {
			continue
		}
		s := &ir.Server{
			Name:        e.key,
			Host:        t.at("host").str(),
			Protocol:    t.at("protocol").str(),
			Pathname:    t.at("pathname").str(),
			Description: t.at("description").str(),
			Pos:         loc{f: e.val.f, n: e.kn}.pos(),
		}
		b.servers[e.val.n] = s
		b.servers[t.n] = s
		b.located[s] = loc{f: e.val.f, n: e.kn, ptr: e.val.ptr}
		b.api.Servers = append(b.api.Servers, s)
		b.checkSecurity(t.at("security"), fmt.Sprintf("server %q", e.key))
	}
}

// checkSecurity follows every security requirement so that a dangling
// $ref to a security scheme is reported.
func (b *builder) checkSecurity(l loc, who string) {
	for _, item := range l.items() {
		b.followAs(item, who+": security")
	}
}

func (b *builder) buildChannels(l loc) {
	for _, e := range l.entries() {
		who := fmt.Sprintf("channel %q", e.key)
		t, ok := b.followAs(e.val, who)
		if !ok {
			continue
		}
		ch := &ir.Channel{
			Name:        e.key,
			Title:       t.at("title").str(),
			Summary:     t.at("summary").str(),
			Description: t.at("description").str(),
			Pos:         loc{f: e.val.f, n: e.kn}.pos(),
		}
		b.chans[e.val.n] = ch
		if _, dup := b.chans[t.n]; !dup {
			b.chans[t.n] = ch
		}
		b.chanMsgs[ch] = map[*ir.Message]bool{}
		b.chanMsgKey[ch] = map[*ir.Message]string{}
		b.located[ch] = loc{f: e.val.f, n: e.kn, ptr: e.val.ptr}
		b.api.Channels = append(b.api.Channels, ch)
		ch.Extensions = b.extensions(t, who)
		if xt := t.at("x-topic"); xt.n != nil {
			b.topicAt[ch] = xt
		}

		addr := t.at("address")
		ch.Address = addr.str()
		b.buildParameters(t.at("parameters"), ch, who)
		mountable := false
		if addr.n != nil && addr.n.Kind == yaml.ScalarNode && addr.n.ShortTag() != "!!null" {
			// A null address is unknown until run time: nothing to check.
			mountable = b.absoluteAddress(addr, ch, who) && b.checkAddress(addr, ch, who)
		}
		for _, me := range t.at("messages").entries() {
			m := b.message(me.val, fmt.Sprintf("%s: message %q", who, me.key))
			if m == nil || b.chanMsgs[ch][m] {
				continue
			}
			ch.Messages = append(ch.Messages, m)
			b.chanMsgs[ch][m] = true
			b.chanMsgKey[ch][m] = me.key
		}
		for _, sl := range t.at("servers").items() {
			st, ok := b.followAs(sl, who+": server")
			if !ok {
				continue
			}
			s := b.servers[st.n]
			if s == nil {
				b.errorf(sl.at("$ref"), "%s: %q is not a server under servers", who, spec.RefOf(sl.n))
				continue
			}
			ch.Servers = append(ch.Servers, s.Name)
		}
		if mountable && b.api.OtherTransports(ch) == nil {
			b.checkMount(addr, ch, who)
		}
		ch.Bindings = b.bindings(t.at("bindings"), who)
	}
}

// absoluteAddress splits an address written as an absolute URL
// ("wss://api.example.com/v1/realtime", as some published documents
// write them) into Channel.URL, the address as written, and
// Channel.Address, its path: the one part a server can mount and a
// client can join with the server URL it dials, which is what every
// target and conformance then do. It warns so, and reports whether the
// address can be checked and mounted further (an address whose host
// holds a {param} cannot).
func (b *builder) absoluteAddress(addr loc, ch *ir.Channel, who string) bool {
	scheme, rest, ok := strings.Cut(ch.Address, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/{}") {
		return true
	}
	origin, path := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		origin, path = rest[:i], rest[i:]
	}
	ch.URL, ch.Address = ch.Address, path
	if strings.ContainsAny(scheme+origin, "{}") {
		b.errorf(addr, "%s: address %q is an absolute URL with a parameter in its scheme or host: chanx serves a channel at the address's path and clients join that path with the server URL they dial, so a host cannot vary per channel; move the host into servers (with a server variable) and keep the path %q as the address", who, ch.URL, path)
		return false
	}
	b.warnf(addr, "%s: address %q is an absolute URL: chanx serves the channel at its path %q and clients dial that path joined with the server URL they are given; %q is not used (describe it under servers)", who, ch.URL, path, scheme+"://"+origin)
	return true
}

func (b *builder) buildParameters(l loc, ch *ir.Channel, who string) {
	for _, e := range l.entries() {
		t, ok := b.followAs(e.val, fmt.Sprintf("%s: parameter %q", who, e.key))
		if !ok {
			continue
		}
		p := &ir.Parameter{
			Name:        e.key,
			Description: t.at("description").str(),
			Default:     t.at("default").str(),
			Location:    t.at("location").str(),
			Pos:         loc{f: e.val.f, n: e.kn}.pos(),
		}
		for _, v := range t.at("enum").items() {
			p.Enum = append(p.Enum, v.str())
		}
		for _, v := range t.at("examples").items() {
			p.Examples = append(p.Examples, v.str())
		}
		ch.Parameters = append(ch.Parameters, p)
		b.located[p] = loc{f: e.val.f, n: e.kn, ptr: e.val.ptr}
	}
}

// inlinePtr matches where a message written inside a channel is defined.
var inlinePtr = regexp.MustCompile(`^(/components)?/channels/[^/]+/messages/[^/]+$`)

// qualifyMessages renames the messages written inside channels whose
// names repeat (ticker, depth and trades each defining their own
// "subscribeRequest", as exchanges' documents do): each becomes
// "<channel>_<name>", so the generated types are TickerSubscribeRequest
// and so on. Names under components.messages are the document's own and
// are kept; what still collides afterwards is reported by checkNames.
// Message names never reach the wire: frames are told apart by their
// members' values.
func (b *builder) qualifyMessages() {
	count := map[string]int{}
	for _, m := range b.api.Messages {
		count[identKey(m.Name)]++
	}
	for _, ch := range b.api.Channels {
		for _, m := range ch.Messages {
			if b.inline[m] && count[identKey(m.Name)] > 1 && !b.qualified[m] {
				b.qualified[m] = true
				m.Name = ch.Name + "_" + m.Name
			}
		}
	}
}

// message builds the message l leads to, once per distinct definition.
func (b *builder) message(l loc, who string) *ir.Message {
	t, ok := b.followAs(l, who)
	if !ok {
		return nil
	}
	if m, ok := b.msgs[t.n]; ok {
		return m
	}
	m := &ir.Message{Name: lastToken(t.ptr)}
	fromComponents := false
	for _, h := range b.hops {
		// A message the root document names in components.messages keeps
		// that name even when its definition lives in another file.
		if h.f == b.root && strings.HasPrefix(h.ptr, "/components/messages/") && strings.Count(h.ptr, "/") == 3 {
			m.Name = lastToken(h.ptr)
			fromComponents = true
			break
		}
	}
	if m.Name == "" && t.ptr == "" {
		base := path.Base(strings.ReplaceAll(t.f.Location, "\\", "/"))
		m.Name = strings.TrimSuffix(base, path.Ext(base))
	}
	if inlinePtr.MatchString(t.ptr) && !fromComponents {
		b.inline[m] = true
	}
	b.msgs[t.n] = m
	key := b.keyOf(t)
	m.Pos = key.pos()
	b.located[m] = key
	b.api.Messages = append(b.api.Messages, m)
	who = fmt.Sprintf("message %q", m.Name)

	// Traits are merged under the message: its own fields win, then the
	// later traits over the earlier ones.
	srcs := []loc{t}
	traits := t.at("traits").items()
	for i := len(traits) - 1; i >= 0; i-- {
		if tt, ok := b.followAs(traits[i], who+": trait"); ok {
			srcs = append(srcs, tt)
		}
	}
	get := func(key string) loc {
		for _, s := range srcs {
			if v := s.at(key); v.n != nil {
				return v
			}
		}
		return loc{}
	}
	m.Title = get("title").str()
	m.Summary = get("summary").str()
	m.Description = get("description").str()
	m.ContentType = get("contentType").str()
	b.checkContentType(get("contentType"), m, who)
	m.Extensions = b.extensions(t, who)
	m.Payload, m.SchemaFormat = b.messageSchema(get("payload"), who+": payload", true)
	m.Headers, _ = b.messageSchema(get("headers"), who+": headers", true)
	if c := get("correlationId"); c.n != nil {
		if ct, ok := b.followAs(c, who+": correlationId"); ok {
			m.CorrelationID = &ir.CorrelationID{Description: ct.at("description").str(), Location: ct.at("location").str()}
			if problem := locationProblem(m.CorrelationID.Location, m); problem != "" {
				b.warnf(ct.at("location"), "%s: correlationId: %s", who, problem)
			}
		}
	}
	for _, ex := range get("examples").items() {
		e := ir.Example{Name: ex.at("name").str(), Summary: ex.at("summary").str()}
		e.Headers = b.value(ex.at("headers"), who+": example")
		e.Payload = b.value(ex.at("payload"), who+": example")
		m.Examples = append(m.Examples, e)
	}
	m.Bindings = b.bindings(get("bindings"), who)
	return m
}

// checkContentType warns, once per message, about a content type chanx
// cannot read: the runtimes and conformance read and write JSON frames
// only, so a msgpack, Avro or Protobuf message would reach its handler as
// a decoding error. ct is where the message (or a trait) declares its
// content type; the document's defaultContentType applies without one.
func (b *builder) checkContentType(ct loc, m *ir.Message, who string) {
	value, where, from := ct.str(), ct, "contentType"
	if ct.n == nil {
		value, where, from = b.api.DefaultContentType, b.located[m], "the document's defaultContentType"
	}
	if value == "" || jsonContentType(value) {
		return
	}
	b.warnf(where, "%s: %s %q is not JSON: chanx reads and writes JSON text frames only, so it cannot decode, validate or route this message's frames (its generated code treats them as JSON)", who, from, value)
}

// jsonContentType reports whether a media type is JSON: application/json,
// text/json or any +json suffix, parameters aside.
func jsonContentType(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(ct)), ";")
	mt = strings.TrimSpace(mt)
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// messageSchema builds a message's payload or headers, which may be a
// schema, a $ref to one, or a multi-format schema object. A schema in a
// format chanx does not read is reported once and never descended into: it
// may $ref an Avro file on a host that cannot be reached.
//
// warn is false for components.schemas, whose unreadable entries are
// reported by the messages that use them.
func (b *builder) messageSchema(l loc, what string, warn bool) (*ir.Schema, string) {
	if l.n == nil {
		return nil, ""
	}
	t, ok := b.followAs(l, what)
	if !ok {
		return nil, ""
	}
	if t.n.Kind == yaml.MappingNode && spec.MapGet(t.n, "schemaFormat") != nil {
		format := t.at("schemaFormat").str()
		if !spec.ReadableSchemaFormat(format) {
			if !warn {
				return nil, format
			}
			b.warnf(t.at("schemaFormat"), "%s: schemaFormat %q is not one chanx reads (AsyncAPI or JSON Schema draft-07); the schema is ignored", what, format)
			return nil, format
		}
		inner := t.at("schema")
		if inner.n == nil {
			return nil, format
		}
		return b.schemas.schema(inner.f, inner.n, inner.ptr), format
	}
	return b.schemas.schema(t.f, t.n, t.ptr), ""
}

// extensions collects the x-* keys of an object as JSON values, nil when
// there are none.
func (b *builder) extensions(l loc, who string) map[string]any {
	var out map[string]any
	for _, e := range l.entries() {
		if strings.HasPrefix(e.key, "x-") {
			if out == nil {
				out = map[string]any{}
			}
			out[e.key] = b.value(e.val, who+": "+e.key)
		}
	}
	return out
}

// value converts a node into a JSON value, reporting what JSON cannot hold.
func (b *builder) value(l loc, what string) any {
	if l.n == nil {
		return nil
	}
	v, err := spec.Value(l.n)
	if err != nil {
		b.errorf(l, "%s: %v", what, err)
	}
	return v
}

// bindings keeps a bindings object as raw JSON values. Only the ws (and
// wss) binding, the protocol chanx serves, is resolved and checked; the others are kept
// as written, $refs included, and never followed.
func (b *builder) bindings(l loc, who string) map[string]any {
	if l.n == nil {
		return nil
	}
	t, ok := b.followAs(l, who+": bindings")
	if !ok {
		return nil
	}
	out := map[string]any{}
	for _, e := range t.entries() {
		if e.key == "ws" || e.key == "wss" {
			out[e.key] = b.resolvedValue(e.val, who+": "+e.key+" binding")
			continue
		}
		v, err := spec.Value(e.val.n)
		if err != nil {
			b.warnf(e.val, "%s: %s binding: %v", who, e.key, err)
			continue
		}
		out[e.key] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// resolvedValue is value with every $ref on the way replaced by its target.
// A $ref back into a value being expanded is an error, and the expansion
// has a size budget, so that a few $refs cannot blow up into an
// exponential tree.
func (b *builder) resolvedValue(l loc, what string) any {
	budget := 100000
	onPath := map[*yaml.Node]bool{}
	var expand func(l loc) any
	expand = func(l loc) any {
		if budget--; budget < 0 {
			if budget == -1 {
				b.errorf(l, "%s: too large once its $refs are expanded", what)
			}
			return nil
		}
		t, ok := b.followAs(l, what)
		if !ok {
			return nil
		}
		if onPath[t.n] {
			b.errorf(l.at("$ref"), "%s: $ref %q refers to a value that contains it", what, spec.RefOf(l.n))
			return nil
		}
		switch t.n.Kind {
		case yaml.MappingNode:
			onPath[t.n] = true
			defer delete(onPath, t.n)
			m := map[string]any{}
			for _, e := range t.entries() {
				m[e.key] = expand(e.val)
			}
			return m
		case yaml.SequenceNode:
			onPath[t.n] = true
			defer delete(onPath, t.n)
			a := []any{}
			for _, it := range t.items() {
				a = append(a, expand(it))
			}
			return a
		}
		return b.value(t, what)
	}
	return expand(l)
}

// perspective reads the root's x-chanx-perspective: "server" (the
// default, as AsyncAPI defines send and receive: from the point of view
// of the application the document describes, a chanx server) or
// "client", for documents whose authors wrote send and receive as their
// clients see them. chanx then reads every operation's action inverted,
// so the ir, the generated server and client and conformance all see the
// server's side.
func (b *builder) perspective(l loc) {
	if l.n == nil {
		return
	}
	switch v := l.str(); v {
	case "server":
	case "client":
		b.clientView = true
	default:
		b.errorf(l, "x-chanx-perspective must be \"server\" (send and receive as the server sees them, the AsyncAPI reading) or \"client\" (as its clients see them), not %s", spec.DescribeNode(l.n))
	}
}

// action is an operation's action as the server sees it.
func (b *builder) action(a string) ir.Action {
	if !b.clientView {
		return ir.Action(a)
	}
	switch ir.Action(a) {
	case ir.Send:
		return ir.Receive
	case ir.Receive:
		return ir.Send
	}
	return ir.Action(a)
}

func (b *builder) buildOperations(l loc) {
	for _, e := range l.entries() {
		who := fmt.Sprintf("operation %q", e.key)
		t, ok := b.followAs(e.val, who)
		if !ok {
			continue
		}
		op := &ir.Operation{
			Name:        e.key,
			Action:      b.action(t.at("action").str()),
			Title:       t.at("title").str(),
			Summary:     t.at("summary").str(),
			Description: t.at("description").str(),
			Pos:         loc{f: e.val.f, n: e.kn}.pos(),
		}
		b.located[op] = loc{f: e.val.f, n: e.kn, ptr: e.val.ptr}
		b.api.Operations = append(b.api.Operations, op)
		op.Extensions = b.extensions(t, who)
		op.Channel = b.channelRef(t.at("channel"), who+": channel")
		chanRef := spec.RefOf(t.at("channel").n)
		msgs := t.at("messages").items()
		for _, ml := range msgs {
			if m := b.messageRef(ml, op.Channel, chanRef, who); m != nil {
				op.Messages = append(op.Messages, m)
			}
		}
		if len(msgs) == 0 && op.Channel != nil {
			op.Messages = append([]*ir.Message(nil), op.Channel.Messages...)
		}
		b.checkSecurity(t.at("security"), who)
		for _, tr := range t.at("traits").items() {
			b.followAs(tr, who+": trait")
		}
		b.uses = append(b.uses, opUse{op: op, ch: op.Channel, action: op.Action, msgs: op.Messages})
		op.Reply = b.reply(t.at("reply"), op, chanRef, who+": reply")
	}
}

// channelRef resolves an operation's or reply's channel, which must be a
// $ref to one of the document's channels.
func (b *builder) channelRef(l loc, who string) *ir.Channel {
	if spec.RefOf(l.n) == "" {
		return nil // not a reference object: the official schema reports it
	}
	t, ok := b.followAs(l, who)
	if !ok {
		return nil
	}
	if ch := b.chans[t.n]; ch != nil {
		return ch
	}
	b.errorf(l.at("$ref"), "%s: %q is not a channel under channels", who, spec.RefOf(l.n))
	return nil
}

// messageRef resolves one message $ref of an operation or reply and checks
// that the message belongs to ch, and that the $ref leads there through
// ch's own messages: chanRef is the $ref the operation (or reply) names ch
// with, written in the same object as l ("" when unknown, which skips that
// check).
func (b *builder) messageRef(l loc, ch *ir.Channel, chanRef, who string) *ir.Message {
	if spec.RefOf(l.n) == "" {
		return nil // the official schema requires a reference object here
	}
	t, ok := b.followAs(l, who+": message")
	if !ok {
		return nil
	}
	m := b.msgs[t.n]
	if m == nil {
		m = b.message(t, who+": message")
	}
	if m != nil && ch != nil && !b.chanMsgs[ch][m] {
		b.errorf(l.at("$ref"), "%s: message %q is not a message of channel %q", who, m.Name, ch.Name)
		return m
	}
	if m != nil && ch != nil && chanRef != "" {
		b.checkViaChannel(l, m, ch, chanRef, who)
	}
	return m
}

// checkViaChannel is AsyncAPI 3's rule that an operation's messages are a
// subset of its channel's ("It MUST contain a subset of the messages
// defined in the channel referenced in this operation"), as the official
// parser checks it (its rule operation-messages-from-referred-channel):
// each message $ref must start with the channel's $ref followed by
// "/messages", so a $ref straight into components.messages fails even
// when the channel carries that message too. Only $refs within one file
// are compared, as the parser compares them.
func (b *builder) checkViaChannel(l loc, m *ir.Message, ch *ir.Channel, chanRef, who string) {
	ref := spec.RefOf(l.n)
	if !strings.HasPrefix(ref, "#") || !strings.HasPrefix(chanRef, "#") {
		return
	}
	if strings.HasPrefix(ref, chanRef+"/messages/") {
		return
	}
	want := chanRef + "/messages/…"
	if key := b.chanMsgKey[ch][m]; key != "" {
		want = chanRef + "/messages/" + jsonptr.Escape(key)
	}
	b.errorf(l.at("$ref"), "%s: message %q: $ref %q does not lead through channel %q: Operation message does not belong to the specified channel (AsyncAPI 3: an operation's messages must be a subset of its channel's, referred to through them, as @asyncapi/parser's rule asyncapi3-operation-messages-from-referred-channel checks); write $ref: '%s'", who, m.Name, ref, ch.Name, want)
}

func (b *builder) reply(l loc, op *ir.Operation, opChanRef, who string) *ir.Reply {
	if l.n == nil {
		return nil
	}
	t, ok := b.followAs(l, who)
	if !ok {
		return nil
	}
	r := &ir.Reply{Pos: b.keyOf(l).pos()}
	if c := t.at("channel"); c.n != nil {
		r.Channel = b.channelRef(c, who+": channel")
	}
	if a := t.at("address"); a.n != nil {
		if at, ok := b.followAs(a, who+": address"); ok {
			r.Address = at.at("location").str()
			for _, m := range op.Messages {
				if problem := locationProblem(r.Address, m); problem != "" {
					b.warnf(at.at("location"), "%s: address: message %q: %s", who, m.Name, problem)
				}
			}
		}
	}
	target := r.Channel
	chanRef := spec.RefOf(t.at("channel").n)
	if target == nil && t.at("channel").n == nil {
		target = op.Channel
		chanRef = opChanRef
	}
	if t.f != l.f || spec.RefOf(l.n) != "" {
		// A reply written elsewhere ($ref) compares its message $refs
		// with its own channel $ref only.
		if t.at("channel").n == nil {
			chanRef = ""
		}
	}
	msgs := t.at("messages").items()
	for _, ml := range msgs {
		if m := b.messageRef(ml, target, chanRef, who); m != nil {
			r.Messages = append(r.Messages, m)
		}
	}
	if len(msgs) == 0 && r.Channel != nil {
		r.Messages = append([]*ir.Message(nil), r.Channel.Messages...)
	}
	back := ir.Receive
	if op.Action == ir.Receive {
		back = ir.Send
	}
	b.uses = append(b.uses, opUse{op: op, ch: target, action: back, msgs: r.Messages, isReply: true})
	return r
}

func (b *builder) buildComponents(l loc) {
	comp, ok := b.followAs(l, "components")
	if !ok {
		return
	}
	seen := map[*ir.Schema]bool{}
	for _, e := range comp.at("schemas").entries() {
		s, _ := b.messageSchema(e.val, fmt.Sprintf("schema %q", e.key), false)
		if s == nil || seen[s] {
			continue
		}
		seen[s] = true
		if s.Name == "" {
			s.Name = e.key
		}
		b.api.Schemas = append(b.api.Schemas, s)
		b.located[s] = loc{f: e.val.f, n: e.kn, ptr: e.val.ptr}
	}
}
