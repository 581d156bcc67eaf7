// Package jsonptr escapes and unescapes JSON pointer tokens (RFC 6901), the
// one rule spec, spec/analyze, conformance and runtime/apidocs all need when
// they name a place in a document. It is internal and dependency-free so the
// runtime can use it without linking the spec stage.
package jsonptr
