// Package codegen turns an ir.API into source files. The pipeline is
// shape → plan → targets: the decisions every target language needs are
// made once, in neutral layers under it, and each target only renders
// them.
//
//   - codegen/shape decides what kind of value each schema describes
//     (object, tagged or untagged union, enum, nullable, list, map, tuple,
//     scalar), with allOf merged and recursion kept; a union's tag is
//     spec/analyze's ir.Schema.Union.
//   - codegen/plan decides what flows on each channel, per side (server,
//     client): the messages received and sent, routes and fallbacks,
//     request → reply pairs, the protocol's built-in frames and the ws
//     bindings. Routing comes from ir.Channel.Dispatch: spec/analyze is the
//     one package that infers a discriminator, and
//     spec/analyze.TestDispatchInferredOnlyHere fails on any other.
//   - The targets build their view models from the two and render them
//     with the templates package: for Go, codegen/golang writes the types
//     and their validators, codegen/goapi the server, client and shared
//     types packages. goapi.GenerateTypes writes one types package that
//     server and client packages generated with Options.TypesPackage import
//     ('chanx gen types --shared' and '--types-package'), so a program that
//     is both sees one type per message. Every name a generated package
//     declares goes through one name space per package, so a message named
//     like a generated declaration (MountDocs, Document…) keeps its name
//     and the declaration is renamed.
//
// A Target is one language's generator of one kind of package; Targets
// maps the names 'chanx gen client --lang' accepts to them. Generation is
// a pure function — Generate(ctx, api, opts) returns the files — and
// never touches the disk; writing, formatting, --check and the
// "// source:" line's path (relative to the output folder) live in
// cmd/chanx.
package codegen
