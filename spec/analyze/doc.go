// Package analyze is the step from a loaded spec.Document to an ir.API: it
// follows every $ref, checks what the AsyncAPI JSON Schema cannot express
// (operations name existing channels and their messages, address parameters
// are declared and used, names do not collide, messages on one channel and
// direction can be told apart at run time) and builds the resolved,
// language-neutral model that codegen and conformance consume.
package analyze
