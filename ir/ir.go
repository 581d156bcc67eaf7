package ir

import (
	"fmt"
	"strings"
)

// Pos is where an element was written: the file it was read from (a path or
// URL, the one a $ref led to) and its 1-based line and column.
type Pos struct {
	File string
	Line int
	Col  int
}

// String renders the position as file:line:col, the form editors jump to.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// IsZero reports whether no position is known.
func (p Pos) IsZero() bool { return p == Pos{} }

// API is one resolved AsyncAPI document. Slices are ordered by name so that
// everything built from an API is deterministic.
type API struct {
	// AsyncAPI is the specification version the document declares ("3.0.0").
	AsyncAPI string
	ID       string
	Info     Info
	// DefaultContentType applies to messages that declare none.
	DefaultContentType string
	Servers            []*Server
	Channels           []*Channel
	Operations         []*Operation
	// Messages holds every distinct message reachable from a channel, once,
	// ordered by name.
	Messages []*Message
	// Schemas holds the named schemas of components.schemas, ordered by name.
	// Anonymous schemas hang off messages and other schemas only.
	Schemas []*Schema
	// Source is the root document as it was read, byte for byte.
	Source []byte
	// Bundled is the whole document as one JSON value with every external
	// $ref inlined (local ones kept), suitable for serving as /asyncapi.json.
	Bundled []byte
}

// Info is the document's info object, reduced to what tools show.
type Info struct {
	Title       string
	Version     string
	Description string
}

// Server is one entry of the document's servers.
type Server struct {
	Name        string
	Host        string
	Protocol    string
	Pathname    string
	Description string
	Pos         Pos
}

// Channel is an addressable place messages flow through; for WebSockets, a
// route.
type Channel struct {
	// Name is the key under channels.
	Name string
	// Address is the address template with {param} placeholders, "" when the
	// document leaves it null (unknown or dynamic).
	Address string
	// URL is the address as written when the document writes an
	// absolute URL ("wss://api.example.com/v1/realtime"), "" otherwise.
	// Address then holds only its path ("/v1/realtime"): chanx serves
	// the channel there and clients join it with the server URL they
	// are given, so the scheme and host written here are not used.
	URL         string
	Title       string
	Summary     string
	Description string
	Parameters  []*Parameter
	// Messages are the messages the channel may carry, in document order.
	Messages []*Message
	// Servers names the servers the channel is available on; empty means all.
	Servers []string
	// Dispatch says how the receiver of each direction tells this channel's
	// messages apart, one entry per direction that has messages.
	Dispatch []*Dispatch
	Bindings map[string]any
	// Extensions holds the channel's x-* keys as JSON values (Chanx marks
	// topic channels with x-topic, which Topic holds read).
	Extensions map[string]any
	// Topic is the channel's x-topic, read and checked: the channel
	// carries one topic class's frames (addressed with the envelope's
	// "topic" key) rather than a route's own. nil for a plain channel,
	// including a hub's own channel.
	Topic *Topic
	Pos   Pos
}

// Topic is one topic class (Python Chanx's Topic subclass), declared on a
// channel by its x-topic: clients subscribe to topics matching Pattern,
// the channel's messages are that topic's (its receive operations the
// requests a subscriber sends, their replies answered with the request's
// ref; its send operations the pushes every subscriber gets), and they
// are told apart among themselves only, since a frame is routed by its
// topic first. Several channels may declare the same class (same Name
// and Pattern): one served on a hub and on its own route, say.
type Topic struct {
	// Name is the x-topic name, the class's snake_case name
	// ("room_topic"); the layer group of a topic is named after it.
	Name string
	// Pattern is the topic pattern ("room:{room_name}"): literal text
	// with {name} parameters, matched whole, each parameter one or more
	// characters other than ':'.
	Pattern string
	// Parameters are the pattern's parameter names in pattern order.
	Parameters []string
	// Parts is the literal text around the parameters, len(Parameters)+1
	// of them: the topic is Parts[0] + value of Parameters[0] + Parts[1]
	// ... (for "room:{room_name}": "room:", "").
	Parts []string
	// Dedicated is true when the channel's route serves only this topic
	// (Chanx's Topic.as_consumer()): connecting subscribes to the topic
	// the address parameters fill the pattern with, and frames without a
	// topic belong to it. It is decided from the document: the channel is
	// alone at its address and every pattern parameter is an address
	// parameter. Otherwise the topic is served on the hub at its address.
	Dedicated bool
	// Hub is the channel without x-topic at the same address (the hub's
	// own messages), nil when there is none: Chanx documents a hub's own
	// channel only when it has handlers of its own.
	Hub *Channel
	Pos Pos
}

// Fill returns the topic the parameter values fill t's pattern with;
// values are by parameter name.
func (t *Topic) Fill(values map[string]string) string {
	var sb strings.Builder
	for i, name := range t.Parameters {
		sb.WriteString(t.Parts[i])
		sb.WriteString(values[name])
	}
	sb.WriteString(t.Parts[len(t.Parts)-1])
	return sb.String()
}

// Parameter is one {name} of a channel address.
type Parameter struct {
	Name        string
	Description string
	Enum        []string
	Default     string
	Examples    []string
	Location    string
	Pos         Pos
}

// Action is an operation's direction from the point of view of the
// application the document describes.
type Action string

const (
	// Send: the application sends the messages (server to client for a
	// WebSocket server document).
	Send Action = "send"
	// Receive: the application receives the messages.
	Receive Action = "receive"
)

// Operation is one send or receive operation.
type Operation struct {
	Name        string
	Action      Action
	Channel     *Channel
	Title       string
	Summary     string
	Description string
	// Messages are the operation's messages; when the document lists none,
	// every message of the channel.
	Messages []*Message
	Reply    *Reply
	// Extensions holds the operation's x-* keys as JSON values.
	Extensions map[string]any
	Pos        Pos
}

// Reply is what the application answers to a received message (or expects
// back after a sent one).
type Reply struct {
	// Channel is where replies go; nil means the operation's own channel or a
	// runtime address.
	Channel *Channel
	// Address is the runtime expression of a dynamic reply address
	// ("$message.header#/replyTo"), "" when none.
	Address  string
	Messages []*Message
	Pos      Pos
}

// Message is one message definition. The same *Message is shared by every
// channel and operation that refers to it.
type Message struct {
	// Name is the components.messages key, or the channel's message key for a
	// message defined inline.
	Name        string
	Title       string
	Summary     string
	Description string
	ContentType string
	// SchemaFormat is the payload's schema format; "" means the default
	// AsyncAPI schema.
	SchemaFormat string
	// Payload is nil when the message declares none, or when its SchemaFormat
	// is one chanx does not read.
	Payload       *Schema
	Headers       *Schema
	CorrelationID *CorrelationID
	Examples      []Example
	Bindings      map[string]any
	// Extensions holds the message's x-* keys as JSON values.
	Extensions map[string]any
	Pos        Pos
}

// CorrelationID locates the value that ties a reply to its request.
type CorrelationID struct {
	Description string
	// Location is a runtime expression such as "$message.payload#/ref".
	Location string
}

// Example is one message example. Values are JSON values: map[string]any,
// []any, string, bool, nil or json.Number.
type Example struct {
	Name    string
	Summary string
	Headers any
	Payload any
}

// Dispatch is how a receiver tells the messages of one channel and direction
// apart. spec/analyze decides it, by the same rule as Schema.Union, and is
// the only package that does: code generators, conformance and the docs
// page read it. Values are strings, the only routable kind (the runtimes
// peek a JSON string); validate refuses a tag pinned to a number or
// boolean.
type Dispatch struct {
	// Action is the direction: Receive for messages the application
	// receives, Send for those it sends.
	Action Action
	// Property is the top-level payload property whose value names the
	// message ("action" for Chanx documents), "" when there is only one
	// message or none could be found.
	Property string
	// ByDiscriminator is true when Property comes from the schema
	// discriminator keyword rather than from const values.
	ByDiscriminator bool
	// Strategy names how a receiver picks the case of a frame. New
	// strategies may be added; a consumer that meets one it does not know
	// must refuse the channel rather than guess.
	Strategy Strategy
	Cases    []DispatchCase
	// Ambiguous, when not empty, says why two of the messages cannot be told
	// apart at run time, naming both. Validation only warns; code generation
	// refuses such a channel.
	Ambiguous string
	// Why says how the messages are told apart, naming the members read
	// ("the enum value of member \"type\": \"up\" or \"down\" is
	// move, ..."), for validate and the docs page; "" when there is one
	// message.
	Why string
}

// Strategy is how the messages of one channel and direction are told apart.
type Strategy string

const (
	// StrategyNone: nothing tells the messages apart (one message, or
	// Ambiguous says why).
	StrategyNone Strategy = ""
	// StrategyConst: Property holds a distinct const (or one-value enum)
	// string in each message.
	StrategyConst Strategy = "const"
	// StrategyDiscriminator: Property is the schemas' discriminator
	// keyword; a case's value is its const, else its schema's name.
	StrategyDiscriminator Strategy = "discriminator"
	// StrategyEnum: Property holds a string from a set of values of its
	// own in each message (an enum of several, or a const), no value in
	// two sets; a case's Values list its set, Value the first of them.
	StrategyEnum Strategy = "enum"
	// StrategyMembers: no member's value tells the messages apart, the
	// members they require do: a frame holding one of a case's Members
	// (required by that message, declared by no other) is that message;
	// the one case without Members, if any, takes every other frame.
	// Cases are tried in order. Property is "".
	StrategyMembers Strategy = "members"
	// StrategySchema, the last resort: nothing on the wire names the
	// message, so a receiver decodes and validates the frame as each
	// case's message in order (the document's order) and the first that
	// accepts it wins; a frame valid as several is always the first. A
	// frame costs up to one decode and validation per case. Property is
	// "".
	StrategySchema Strategy = "schema"
)

// DispatchCase maps one discriminator value to its message.
type DispatchCase struct {
	Value   string
	Message *Message
	// Values, for StrategyEnum, are every value naming the message
	// (Value is the first); nil otherwise.
	Values []string
	// Members, for StrategyMembers, are the members naming the message;
	// nil for the message that takes the frames no other case claims.
	Members []string
}

// otherTransports are the AsyncAPI protocols that cannot carry a WebSocket
// connection.
var otherTransports = map[string]bool{
	"kafka": true, "kafka-secure": true, "mqtt": true, "secure-mqtt": true, "mqtt5": true,
	"amqp": true, "amqps": true, "amqp1": true, "nats": true, "jms": true, "sns": true,
	"sqs": true, "stomp": true, "stomps": true, "redis": true, "mercure": true, "ibmmq": true,
	"solace": true, "pulsar": true, "googlepubsub": true, "anypointmq": true,
}

// OtherTransports lists the protocols of the servers ch is available on
// (every server when it names none) when none of them can carry a
// WebSocket (kafka, mqtt, amqp…), in server order; nil when ch can be
// served over WebSocket — ws, wss, http or https (which upgrade), a
// protocol chanx does not know, or a document without servers. A WebSocket
// server mounts, and a client dials, only the channels this leaves nil.
func (api *API) OtherTransports(ch *Channel) []string {
	var protocols []string
	for _, s := range api.Servers {
		if len(ch.Servers) > 0 && !containsString(ch.Servers, s.Name) {
			continue
		}
		if !otherTransports[strings.ToLower(s.Protocol)] {
			return nil
		}
		if !containsString(protocols, s.Protocol) {
			protocols = append(protocols, s.Protocol)
		}
	}
	return protocols
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
