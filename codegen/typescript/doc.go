// Package typescript is the TypeScript target of 'chanx gen client
// --lang typescript': from an API it generates a dependency-free client
// (ES modules, browsers and Node 20+) over the runtime in
// templates/typescript/base, laid out as
//
//	DIR/types.ts        an interface per message frame and object schema,
//	                    enums as string-literal unions, tagged unions,
//	                    <Channel>Incoming/Outgoing/Replies/Params
//	DIR/validators.ts   validate<Message> per frame, plain functions
//	DIR/<channel>.ts    <channel>Channel (the runtime's ChannelSpec) and
//	                    <Channel>Client: send<Message>, request<Message>,
//	                    stream<Message>, on<Message>
//	DIR/index.ts        everything, re-exported
//	DIR/README.md       usage in a browser bundle and in Node
//	DIR/base/           the runtime, copied as it is
//
// It sits after the neutral layers and decides nothing they decide:
// codegen/shape says what each schema is and codegen/plan which messages
// each channel's client sends and receives, under which discriminator
// value, and which requests await which reply. This package names and
// renders: types after their schemas (else their message or their place)
// in PascalCase, members by their wire names (the types describe the
// frames as they travel; a name that is no identifier is quoted), every
// exported name through one namespace with the runtime's exports
// reserved, since index.ts re-exports all the modules.
//
// Validators read a frame as the Go runtime does, so both sides report
// the same problems: a decode pass finds the first member whose JSON type
// its Go type cannot hold (a nested struct's problem wins at once), then
// check functions run codegen/golang's checks statement for statement,
// with runtime/wire's problem types and messages. To know where Go holds
// a value as a struct, a scalar or a JSON value, reps.go mirrors the Go
// target's representation rules over the same shapes;
// TestValidatorsAgreeWithGo holds the two targets' validators to the same
// verdicts on the JSON-Schema-Test-Suite. One-line check functions are
// inlined at their calls, and what checks nothing is pruned, as the Go
// target prunes.
//
// An operation whose reply is a sequence (plan.Send.Stream) gets
// stream<Message>, returning base/stream.ts's ReplyStream (an async
// iterable of the partial replies, and final); aborting it sends the
// cancel message plan.Send.Cancels names, with the request's correlation
// value. Only a client with such a method imports base/stream.js, so a
// client without streams bundles as before.
//
// Generate is a pure function; writing, keeping a customised base/ on
// regeneration and --check belong to cmd/chanx.
package typescript
