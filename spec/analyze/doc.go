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
//     names none);
//   - address placeholders not declared in parameters, parameters the
//     address does not use, a placeholder used twice, unbalanced braces;
//   - names that would become the same identifier (user_signup,
//     user-signup, UserSignup) among servers, channels, operations,
//     messages, components.schemas and the parameters of a channel (for the
//     properties of an object schema, a warning);
//   - dangling $refs and $ref cycles on every path Build follows, channel
//     servers that are not servers, dangling security scheme $refs;
//   - a discriminator property that a oneOf/anyOf variant (or the schema
//     itself) does not define;
//   - warnings: two messages of one channel and direction that cannot be
//     told apart at run time (naming both), two operations receiving the
//     same message on one channel, a correlationId or reply address
//     location naming a property the schema does not declare, and once per
//     message a payload schemaFormat chanx cannot read (Avro, RAML,
//     Protobuf), which is never descended into.
//
// How messages are told apart (ir.Channel.Dispatch): per channel and
// direction as the application sees it — messages of receive operations
// and of replies to send operations are received, messages of send
// operations and of replies to receive operations are sent, messages no
// operation uses count for both. When every payload declares the same
// discriminator (itself or through allOf), its value names the message:
// the property's const, else the payload schema's name. Otherwise one
// top-level payload property must hold a distinct single value (const or a
// one-value enum) in every message, found through allOf, and through
// oneOf/anyOf when every variant agrees; "action", "type", "event", "kind",
// "op" and "method" are preferred in that order. Documents written by
// Python Chanx servers dispatch on "action".
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
