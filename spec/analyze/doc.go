// Package analyze is the step from a loaded spec.Document to an ir.API: it
// follows every $ref, checks what the AsyncAPI JSON Schema cannot express
// and builds the resolved, language-neutral model that codegen and
// conformance consume. It sits after spec (load, resolve, validate against
// the official schemas) and before codegen.
//
// Build reports, each at the offending node's file:line:col with its JSON
// pointer:
//   - an operation's or reply's channel that is not one of the document's
//     channels, and operation or reply messages that are not messages of
//     that channel (the reply's channel, or the operation's when the reply
//     names none), and message $refs that do not lead through that
//     channel's own messages (#/components/messages/x instead of
//     #/channels/c/messages/x), which AsyncAPI 3 forbids and the official
//     parser reports as operation-messages-from-referred-channel;
//   - a channel address written as an absolute URL with a {param} in its
//     host (without one, a warning: Address keeps the path, ir.Channel.URL
//     the URL as written);
//   - address placeholders not declared in parameters, parameters the
//     address does not use, a placeholder used twice, unbalanced braces;
//     and, for a channel a WebSocket server can carry (not one only
//     kafka, mqtt… servers carry: ir.API.OtherTransports), every rule of
//     the net/http ServeMux pattern runtime/server mounts the address as:
//     each placeholder a whole path segment named by a Go identifier, no
//     ServeMux-only wildcard ({name...}, {$}), and whatever else the
//     ServeMux itself refuses, so validate fails where mounting would;
//   - a message whose dispatch value is a number or boolean (see below);
//   - names that would become the same identifier (user_signup,
//     user-signup, UserSignup) among servers, channels, operations,
//     messages, components.schemas and the parameters of a channel (for the
//     properties of an object schema, a warning);
//   - dangling $refs and $ref cycles on every path Build follows, channel
//     servers that are not servers, dangling security scheme $refs;
//   - a discriminator property that a oneOf/anyOf variant (or the schema
//     itself) does not define;
//   - a channel's x-topic (Python Chanx's topic extension, read into
//     ir.Channel.Topic by topic.go) that is not an object, lacks a name or
//     pattern, has a malformed pattern (unbalanced braces, a parameter
//     named twice or without a name, two parameters with nothing between
//     them), pattern parameters not listed in its parameters or listed
//     ones the pattern lacks; two topics with one pattern at one address;
//     one topic name with two patterns (warning: members chanx does not
//     read). A topic alone at its address whose parameters are address
//     parameters is served on its own route (Topic.Dedicated); any other
//     by the hub at its address (Topic.Hub, its channel without x-topic).
//     A topic channel's messages are told apart among themselves only,
//     not with the other channels at its address;
//   - warnings: two messages of one channel and direction that cannot be
//     told apart at run time (naming both), two operations receiving the
//     same message on one channel, a correlationId or reply address
//     location naming a property the schema does not declare, and once per
//     message a payload schemaFormat chanx cannot read (Avro, RAML,
//     Protobuf), which is never descended into, and a content type that is
//     not JSON (msgpack, Protobuf…), and messages told apart only by
//     schema (below).
//
// Dispatch is decided here and only here. One rule (inferTag) tells
// alternatives apart by a member, for the messages of a channel and
// direction (ir.Channel.Dispatch) and for the variants of every oneOf/anyOf
// schema (ir.Schema.Union); code generators, conformance and the docs page
// read those two fields and infer nothing, which TestDispatchInferredOnlyHere
// checks over the module's source. When every alternative declares the same
// discriminator (itself or through allOf) and it tells them apart, its
// value names the alternative: the property's const, else the schema's
// name. Otherwise one top-level property must hold a distinct single value
// (const or a one-value enum) in every alternative, found through allOf,
// and through oneOf/anyOf when every variant agrees; "action", "type",
// "event", "kind", "op" and "method" are preferred in that order. Documents
// written by Python Chanx servers dispatch on "action".
//
// When no member holds a value in every message (tag.go, in this order):
// a member whose enum (or const) sets are disjoint (ir.StrategyEnum); the
// members each message requires and no other declares, one message
// allowed to have none and take the rest (ir.StrategyMembers); and last,
// schema match in declared order (ir.StrategySchema, warned: a receiver
// tries each message). Messages with the same payload schema are told
// apart by none of them and stay ambiguous. Channels sharing an address
// are served by one endpoint: their messages are told apart as one set,
// each channel recording its own cases of that one decision, and messages
// written inside those channels whose names repeat are renamed
// "<channel>_<name>".
//
// Only strings are routable: the runtimes read the tag with wire.Peek,
// which accepts a JSON string. A channel whose messages would be told apart
// by a number or boolean is an error naming each such message and the
// property (a lone message with a number under an unconventional name, such
// as a version, is simply not routed by it); a union tagged so is left
// untagged (Union nil).
//
// Operations are read as AsyncAPI defines send and receive, from the
// point of view of the application the document describes (the server),
// unless the root says x-chanx-perspective: client, for documents written
// from the client's side: every action is then read inverted, so the ir
// describes the server either way.
//
// Messages are told apart per channel and direction as the application
// sees it: messages of receive operations and of replies to send operations
// are received, messages of send operations and of replies to receive
// operations are sent, messages no operation uses count for both.
//
// Messages are identified by the node their $ref chain ends at: one
// *ir.Message per definition, shared by every channel and operation. A
// message is named by its components.messages key when the root document
// names it there, else by the key of its definition (the channel's message
// key for an inline one).
//
// Build never fetches what chanx does not use: bindings of protocols other
// than ws/wss are kept as raw JSON values with their $refs unresolved, and
// so is the schema of a payload in a format chanx cannot read.
package analyze
