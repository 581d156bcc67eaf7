// Package codegen turns an ir.API into source files: it builds per-target
// view models (Go names, imports, validator plans) from the language-neutral
// ir and renders them with the templates package. Generation is a pure
// function — Generate(ctx, api, opts) returns the files — and never touches
// the disk; writing, formatting checks and --check live in cmd/chanx.
package codegen
