// Package ir is chanx's intermediate representation: an AsyncAPI document
// after loading, $ref resolution and validation, reduced to what code
// generators and the conformance tester need — servers, channels with their
// address templates and parameters, operations, messages and a typed JSON
// Schema model — each with the source position it came from.
//
// It sits between spec (which reads documents; spec/analyze builds an API)
// and codegen (which turns an API into per-target view models). It is
// language-neutral on purpose: no Go names, no templates, no pointers back to
// YAML nodes.
package ir
