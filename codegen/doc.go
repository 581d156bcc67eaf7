// Package codegen turns an ir.API into source files. The decisions every
// target language needs are made once, in neutral layers under it —
// codegen/shape decides what kind of value each schema describes (object,
// tagged or untagged union, enum, nullable, list, map, tuple, scalar) and
// codegen/plan what flows on each channel and how it is routed — and each
// target (codegen/golang and codegen/goapi for Go) builds its
// own view models from them and renders them with the templates package.
//
// A Target is one language's generator of one kind of package; Targets
// maps the names 'chanx gen client --lang' accepts to them. Generation is
// a pure function — Generate(ctx, api, opts) returns the files — and
// never touches the disk; writing, formatting and --check live in
// cmd/chanx.
package codegen
