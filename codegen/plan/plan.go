package plan

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// The chanx protocol's built-in frames, by their value under a channel's
// discriminator key. runtime/wire holds the protocol (wire.Builtins); the
// plan repeats the names so it imports nothing but ir, and a test keeps
// the two equal.
const (
	// Ping is the value of the frame a client sends to check the
	// connection; the server answers Pong.
	Ping = "ping"
	// Pong is the value of the server's answer to Ping.
	Pong = "pong"
	// Error is the value of the server's error frame.
	Error = "error"
)

// builtins are the protocol's frames outside topic traffic, in
// wire.Builtins order.
var builtins = []Builtin{
	{Value: Ping, From: Client, Reply: Pong},
	{Value: Pong, From: Server},
	{Value: Error, From: Server},
	{Value: "authentication", From: Server},
	{Value: "complete", From: Server},
	{Value: "group_complete", From: Server},
	{Value: "event_complete", From: Server},
}

// Role is one end of a connection.
type Role string

const (
	Server Role = "server"
	Client Role = "client"
)

// Plan holds the plan of every channel of a document.
type Plan struct {
	// Channels are in the document's order (ir.API.Channels, by name),
	// those without an address included: Mountable tells them apart.
	Channels []*Channel
}

// Channel is one channel's plan.
type Channel struct {
	Channel *ir.Channel
	// Name and Address are the channel's; Address holds {name}
	// placeholders, one per entry of Params.
	Name, Address string
	// Mountable is false when the channel has no address, so no connection
	// can be opened on it.
	Mountable bool
	// Params are the address's path parameters, in document order.
	Params []*ir.Parameter
	// Bindings is what the ws (or wss) binding declares for the handshake.
	Bindings Bindings
	// Server and Client are each side's view; Server.Key is the key of the
	// frames the client sends, Client.Key of those the server sends.
	Server, Client *Side
	// Builtins are the protocol's frames, which the runtimes handle on
	// every channel whether or not the document declares them (topic
	// traffic's aside), each written under the receiver's key.
	Builtins []Builtin
	// Together lists, when other channels share this one's address
	// (ticker, depth and trades on /v1/realtime), every channel served
	// at it, this one included, in plan order; nil when it is alone.
	// spec/analyze tells their messages apart as one set, so one
	// endpoint routes them all by one key. Topic channels are never in
	// it: they are in Topics.
	Together []*Channel
	// Topic is, for a topic channel (x-topic), its topic class: the
	// channel's Server.Receives are the requests a subscriber sends
	// inside the topic (answered with the request's ref), its
	// Server.Sends the pushes every subscriber gets, and they are routed
	// by the topic first, then by Server.Key among the topic's messages
	// only. nil for any other channel.
	Topic *ir.Topic
	// Topics are, on a channel that is not a topic channel, the topic
	// channels served at its address by the same endpoint (the hub's
	// topics), in plan order; on a topic channel served by a hub, the
	// same list; nil when the address serves no topic beside its own
	// (a dedicated route).
	Topics []*Channel
}

// Side is what one end of a channel receives and sends.
type Side struct {
	Role Role
	// Key is the frame member whose value names the messages this side
	// receives ("action" for Chanx documents), "" when none was found.
	Key string
	// Strategy is how spec/analyze found Key (ir.Dispatch.Strategy); a
	// target that meets one it does not implement must refuse the channel.
	Strategy ir.Strategy
	// Ambiguous, when set, is spec/analyze's reason why two messages this
	// side receives cannot be told apart (ir.Dispatch.Ambiguous).
	Ambiguous string
	// Receives are the messages this side receives. On the server, one
	// per receive operation and message (a handler each); on the client,
	// one per message: what the server sends, then the replies to what
	// the client sends.
	Receives []*Receive
	// Sends are the messages this side sends, once each, in operation
	// order.
	Sends []*Send
	// Routes group Receives by discriminator value, in order of first
	// appearance; Fallback holds those without a value, which a receiver
	// can only tell apart by their schemas.
	Routes   []*Route
	Fallback []*Receive
}

// Receive is one message a side receives.
type Receive struct {
	Message *ir.Message
	// Value is the message's discriminator value under the side's Key, ""
	// when it has none.
	Value string
	// Values are, when the side's Strategy is ir.StrategyEnum, every
	// value naming the message (Value is the first); Routes hold the
	// receive under each.
	Values []string
	// Members are, when the side's Strategy is ir.StrategyMembers, the
	// members naming the message (ir.DispatchCase.Members).
	Members []string
	// Operation is, on the server, the receive operation whose handler
	// gets the message; nil on the client.
	Operation *ir.Operation
	// Replies are, on the server, what the operation answers with (every
	// reply message, with its value).
	Replies []*Reply
	// Pong is set on the server for the protocol's ping answered by its
	// one pong reply: a handler left unimplemented answers as the
	// runtime's built-in ping does.
	Pong bool
	// ReplyTo lists, on the client, the messages this one answers (the
	// requests of the operations it is a reply of).
	ReplyTo []*ir.Message
	// Stream is set, on the server, when the operation's reply is a
	// sequence (see Stream).
	Stream *Stream
	// Cancel is set, on the server, for a cancel operation (see Cancel):
	// its frames cancel a running handler.
	Cancel *Cancel
	// CanceledBy lists, on the server, the cancel operations that cancel
	// this operation's running handlers, and CancelKey is the JSON
	// pointer into this message's frame of the value they name it by
	// (its correlationId), "" when they cancel every running one.
	CanceledBy []*ir.Operation
	CancelKey  string
	// Problem, when set, says why the operation's x-chanx-stream or
	// x-chanx-cancels cannot be followed; a target refuses it.
	Problem string
}

// Stream is a reply that is a sequence: any number of partial replies,
// then one final reply, all sent back to the one request. An operation
// declares it with `x-chanx-stream: true` and two or more reply
// messages: the last listed is the final one, the others are partials
// (an AI assistant's "token"s, then its "answer"). Every one needs a
// discriminator value, the final's its own.
type Stream struct {
	Partials []*Reply
	Final    *Reply
}

// Cancel is a cancel operation: a receive operation with
// `x-chanx-cancels: <operation>` naming a receive operation of the same
// channel. Its frame cancels the handlers of that operation, running or
// waiting, whose frame came before it and whose correlationId value
// equals its own; when either message declares no correlationId (a
// `$message.payload#/…` location), every one of them. It runs at once,
// not behind the handler it cancels; with no reply it is not answered,
// with one (Python Chanx's "answer_cancelled") its handler answers after
// cancelling.
type Cancel struct {
	Operation *ir.Operation
	// Key is the JSON pointer into the cancel frame of the value naming
	// the request, "" when it cancels every running one.
	Key string
}

// Reply is a message sent back for a received one.
type Reply struct {
	Message *ir.Message
	// Value is the reply's discriminator value, "" when it has none.
	Value string
	// Channel is the reply's own channel, nil when it is the operation's.
	Channel *ir.Channel
}

// Send is one message a side sends.
type Send struct {
	Message *ir.Message
	// Value is the message's discriminator value under the receiving
	// side's key, "" when it has none.
	Value string
	// Operation is the first operation that sends the message from this
	// side (on the client, the server's receive operation).
	Operation *ir.Operation
	// Reply is, on the client, the one reply to wait for after sending:
	// set when Operation declares exactly one reply message and it has a
	// discriminator value (a request → reply pair).
	Reply *Reply
	// Stream is, on the client, the replies to read after sending when
	// Operation's reply is a sequence (see Stream): partials, then the
	// final one.
	Stream *Stream
	// Cancels is, on the client, the operation a frame of this message
	// cancels (see Cancel).
	Cancels *ir.Operation
}

// Route is one discriminator value and what it names: one message, or
// several a receiver tells apart by their schemas.
type Route struct {
	Value    string
	Receives []*Receive
}

// Bindings is the typed part of a channel's ws binding.
type Bindings struct {
	// Method is the handshake's HTTP method ("GET", "POST"), "" when the
	// binding names none.
	Method string
	// Query and Headers are the properties of the binding's query and
	// headers schemas, sorted by name.
	Query, Headers []Field
}

// Field is one query parameter or header.
type Field struct {
	Name        string
	Description string
	Required    bool
}

// Builtin is a frame of the chanx protocol.
type Builtin struct {
	// Value is the frame's value under the key of its receiver.
	Value string
	// From is the role that sends it.
	From Role
	// Reply is the value of the answer, "" when there is none.
	Reply string
	// Declared is the document's own message for the frame, nil when the
	// runtime provides it alone.
	Declared *ir.Message
}

// Builtins returns the protocol's frames outside topic traffic, as every
// Channel.Builtins lists them before looking for declared messages.
func Builtins() []Builtin { return append([]Builtin(nil), builtins...) }

// Build plans every channel of api.
func Build(api *ir.API) *Plan {
	p := &Plan{}
	if api == nil {
		return p
	}
	for _, ch := range api.Channels {
		p.Channels = append(p.Channels, buildChannel(api, ch))
	}
	at := map[string][]*Channel{}
	var order []string
	for _, c := range p.Channels {
		if !c.Mountable {
			continue
		}
		key := "/" + strings.TrimPrefix(c.Address, "/")
		if at[key] == nil {
			order = append(order, key)
		}
		at[key] = append(at[key], c)
	}
	for _, key := range order {
		var plain, topics []*Channel
		for _, c := range at[key] {
			if c.Topic != nil {
				topics = append(topics, c)
			} else {
				plain = append(plain, c)
			}
		}
		if len(plain) > 1 {
			for _, c := range plain {
				c.Together = plain
			}
		}
		if len(topics) > 0 && (len(plain) > 0 || len(topics) > 1 || !topics[0].Topic.Dedicated) {
			for _, c := range at[key] {
				c.Topics = topics
			}
		}
	}
	return p
}

// Channel returns the plan of ch, nil when it is not one of the plan's.
func (p *Plan) Channel(ch *ir.Channel) *Channel {
	for _, c := range p.Channels {
		if c.Channel == ch {
			return c
		}
	}
	return nil
}

func buildChannel(api *ir.API, ch *ir.Channel) *Channel {
	c := &Channel{Channel: ch, Name: ch.Name, Address: ch.Address, Mountable: ch.Address != "", Params: ch.Parameters, Bindings: bindings(ch), Topic: ch.Topic}
	c.Server = serverSide(api, ch)
	c.Client = clientSide(api, ch)
	for _, b := range builtins {
		// The document's own message for the frame, if it declares one.
		receiver := c.Client
		if b.From == Client {
			receiver = c.Server
		}
		for _, r := range receiver.Receives {
			if r.Value == b.Value {
				b.Declared = r.Message
				break
			}
		}
		c.Builtins = append(c.Builtins, b)
	}
	return c
}

func serverSide(api *ir.API, ch *ir.Channel) *Side {
	s := &Side{Role: Server}
	if d := dispatchOf(ch, ir.Receive); d != nil {
		s.Key, s.Strategy, s.Ambiguous = d.Property, d.Strategy, d.Ambiguous
	}
	for _, op := range opsOf(api, ch, ir.Receive) {
		for _, m := range op.Messages {
			r := &Receive{Message: m, Operation: op}
			r.Value, _ = valueOf(m, ir.Receive, ch)
			r.Values, r.Members = caseOf(m, ir.Receive, ch)
			if op.Reply != nil {
				for _, rm := range op.Reply.Messages {
					v, _ := valueOf(rm, ir.Send, op.Reply.Channel, ch)
					r.Replies = append(r.Replies, &Reply{Message: rm, Value: v, Channel: op.Reply.Channel})
				}
				r.Pong = r.Value == Ping && len(r.Replies) == 1 && r.Replies[0].Value == Pong
				r.Stream, r.Problem = streamOf(op, r.Replies)
			}
			s.Receives = append(s.Receives, r)
		}
	}
	seen := map[*ir.Message]bool{}
	for _, op := range opsOf(api, ch, ir.Send) {
		for _, m := range op.Messages {
			if seen[m] {
				continue
			}
			seen[m] = true
			v, _ := valueOf(m, ir.Send, ch)
			s.Sends = append(s.Sends, &Send{Message: m, Value: v, Operation: op})
		}
	}
	cancels(api, s)
	s.route()
	return s
}

// StreamExtension and CancelsExtension are the operation keys that
// declare a streamed reply and a cancel operation.
const (
	StreamExtension  = "x-chanx-stream"
	CancelsExtension = "x-chanx-cancels"
)

// streamOf reads op's x-chanx-stream: the reply split into partials and
// the final one, or a problem when it is declared and cannot be.
func streamOf(op *ir.Operation, replies []*Reply) (*Stream, string) {
	if on, _ := op.Extensions[StreamExtension].(bool); !on {
		return nil, ""
	}
	if len(replies) < 2 {
		return nil, StreamExtension + " needs two or more reply messages: the partial ones, then the final one"
	}
	st := &Stream{Partials: replies[: len(replies)-1 : len(replies)-1], Final: replies[len(replies)-1]}
	for _, r := range replies {
		if r.Value == "" {
			return nil, StreamExtension + ": reply message " + r.Message.Name + " has no discriminator value"
		}
	}
	for _, p := range st.Partials {
		if p.Value == st.Final.Value {
			return nil, StreamExtension + ": the final reply " + st.Final.Message.Name + " shares its discriminator value with partial " + p.Message.Name
		}
	}
	return st, ""
}

// cancels links the server side's cancel operations to the operations
// they cancel.
func cancels(api *ir.API, s *Side) {
	for _, r := range s.Receives {
		raw, ok := r.Operation.Extensions[CancelsExtension]
		if !ok {
			continue
		}
		name, _ := raw.(string)
		var targets []*Receive
		for _, t := range s.Receives {
			if t.Operation.Name == name && t.Cancel == nil {
				targets = append(targets, t)
			}
		}
		if len(targets) == 0 || name == r.Operation.Name {
			r.Problem = CancelsExtension + ": " + strconv.Quote(name) + " is not another receive operation of this channel"
			continue
		}
		r.Cancel = &Cancel{Operation: targets[0].Operation, Key: correlationPointer(r.Message)}
		for _, t := range targets {
			t.CanceledBy = appendOp(t.CanceledBy, r.Operation)
			t.CancelKey = correlationPointer(t.Message)
			if t.CancelKey == "" || r.Cancel.Key == "" {
				t.CancelKey, r.Cancel.Key = "", ""
			}
		}
	}
	for _, r := range s.Receives {
		if r.Cancel != nil && len(r.CanceledBy) > 0 {
			r.Problem = CancelsExtension + ": a cancel operation cannot itself be cancelled"
		}
	}
}

// correlationPointer turns m's correlationId location
// ("$message.payload#/payload/id") into a JSON pointer into the frame,
// "" when there is none of that form.
func correlationPointer(m *ir.Message) string {
	if m.CorrelationID == nil {
		return ""
	}
	p, ok := strings.CutPrefix(m.CorrelationID.Location, "$message.payload#")
	if !ok || !strings.HasPrefix(p, "/") {
		return ""
	}
	return p
}

func appendOp(list []*ir.Operation, op *ir.Operation) []*ir.Operation {
	if slices.Contains(list, op) {
		return list
	}
	return append(list, op)
}

func clientSide(api *ir.API, ch *ir.Channel) *Side {
	s := &Side{Role: Client}
	if d := dispatchOf(ch, ir.Send); d != nil {
		s.Key, s.Strategy, s.Ambiguous = d.Property, d.Strategy, d.Ambiguous
	}
	// What the client sends: the messages of the server's receive
	// operations; what it gets back: their replies.
	seen := map[*ir.Message]bool{}
	var replies []*ir.Message
	replyTo := map[*ir.Message][]*ir.Message{}
	chans := []*ir.Channel{ch}
	for _, op := range opsOf(api, ch, ir.Receive) {
		if op.Reply != nil && op.Reply.Channel != nil {
			chans = append(chans, op.Reply.Channel)
		}
		for _, m := range op.Messages {
			if op.Reply != nil {
				for _, r := range op.Reply.Messages {
					if _, ok := replyTo[r]; !ok {
						replies = append(replies, r)
					}
					replyTo[r] = appendNew(replyTo[r], m)
				}
			}
			if seen[m] {
				continue
			}
			seen[m] = true
			send := &Send{Message: m, Operation: op}
			send.Value, _ = valueOf(m, ir.Receive, ch)
			if op.Reply != nil && len(op.Reply.Messages) == 1 {
				r := op.Reply.Messages[0]
				if v, ok := valueOf(r, ir.Send, op.Reply.Channel, ch); ok {
					send.Reply = &Reply{Message: r, Value: v, Channel: op.Reply.Channel}
				}
			}
			if op.Reply != nil {
				var rs []*Reply
				for _, rm := range op.Reply.Messages {
					v, _ := valueOf(rm, ir.Send, op.Reply.Channel, ch)
					rs = append(rs, &Reply{Message: rm, Value: v, Channel: op.Reply.Channel})
				}
				send.Stream, _ = streamOf(op, rs)
			}
			s.Sends = append(s.Sends, send)
		}
	}
	// Cancel operations, as the server side links them.
	for _, r := range serverSide(api, ch).Receives {
		if r.Cancel == nil || r.Problem != "" {
			continue
		}
		for _, snd := range s.Sends {
			if snd.Message == r.Message && snd.Operation == r.Operation {
				snd.Cancels = r.Cancel.Operation
			}
		}
	}
	// What the client receives: the channel's sent messages, then the
	// replies.
	var incoming []*ir.Message
	if d := dispatchOf(ch, ir.Send); d != nil {
		for _, dc := range d.Cases {
			incoming = appendNew(incoming, dc.Message)
		}
	}
	incoming = appendNew(incoming, replies...)
	for _, m := range incoming {
		r := &Receive{Message: m, ReplyTo: replyTo[m]}
		r.Value, _ = valueOf(m, ir.Send, chans...)
		r.Values, r.Members = caseOf(m, ir.Send, chans...)
		s.Receives = append(s.Receives, r)
	}
	s.route()
	return s
}

// route groups Receives by value.
func (s *Side) route() {
	by := map[string]*Route{}
	for _, r := range s.Receives {
		if r.Value == "" {
			s.Fallback = append(s.Fallback, r)
			continue
		}
		values := r.Values
		if len(values) == 0 {
			values = []string{r.Value}
		}
		for _, v := range values {
			rt := by[v]
			if rt == nil {
				rt = &Route{Value: v}
				by[v] = rt
				s.Routes = append(s.Routes, rt)
			}
			rt.Receives = append(rt.Receives, r)
		}
	}
}

// caseOf finds the enum values and the members spec/analyze recorded for
// m in direction a, looking in each channel's dispatch in turn.
func caseOf(m *ir.Message, a ir.Action, chans ...*ir.Channel) (values, members []string) {
	for _, ch := range chans {
		if d := dispatchOf(ch, a); d != nil {
			for _, c := range d.Cases {
				if c.Message == m && (len(c.Values) > 0 || len(c.Members) > 0) {
					return c.Values, c.Members
				}
			}
		}
	}
	return nil, nil
}

// dispatchOf is ch's dispatch for one direction, nil when none.
func dispatchOf(ch *ir.Channel, a ir.Action) *ir.Dispatch {
	if ch == nil {
		return nil
	}
	for _, d := range ch.Dispatch {
		if d.Action == a {
			return d
		}
	}
	return nil
}

// valueOf finds the discriminator value spec/analyze recorded for m in
// direction a, looking in each channel's dispatch in turn.
func valueOf(m *ir.Message, a ir.Action, chans ...*ir.Channel) (string, bool) {
	for _, ch := range chans {
		if d := dispatchOf(ch, a); d != nil {
			for _, c := range d.Cases {
				if c.Message == m && c.Value != "" {
					return c.Value, true
				}
			}
		}
	}
	return "", false
}

func opsOf(api *ir.API, ch *ir.Channel, a ir.Action) []*ir.Operation {
	var out []*ir.Operation
	for _, op := range api.Operations {
		if op.Channel == ch && op.Action == a {
			out = append(out, op)
		}
	}
	return out
}

func appendNew(list []*ir.Message, msgs ...*ir.Message) []*ir.Message {
	for _, m := range msgs {
		if !slices.Contains(list, m) {
			list = append(list, m)
		}
	}
	return list
}

// bindings reads the ws (else wss) binding of ch; the ir holds bindings as
// JSON values.
func bindings(ch *ir.Channel) Bindings {
	var out Bindings
	for _, proto := range []string{"ws", "wss"} {
		b, _ := ch.Bindings[proto].(map[string]any)
		if b == nil {
			continue
		}
		out.Method, _ = b["method"].(string)
		out.Query = fields(b["query"])
		out.Headers = fields(b["headers"])
		break
	}
	return out
}

// fields lists the properties of an object schema held as a JSON value,
// sorted by name.
func fields(schema any) []Field {
	obj, _ := schema.(map[string]any)
	props, _ := obj["properties"].(map[string]any)
	required := map[string]bool{}
	if list, ok := obj["required"].([]any); ok {
		for _, r := range list {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Field
	for _, name := range names {
		prop, _ := props[name].(map[string]any)
		desc, _ := prop["description"].(string)
		out = append(out, Field{Name: name, Description: strings.TrimSpace(desc), Required: required[name]})
	}
	return out
}
