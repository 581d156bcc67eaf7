// Package oracle is chanx's JSON Schema fallback: a draft-07 schema
// compiled once with santhosh-tekuri/jsonschema, for validating values
// where no generated code exists (Schema, ValidateFrame for
// server.ValidateWith), for the keywords generated code hands over (Lazy),
// and for the format keyword, checked with the library's own rule for each
// format (Format). Its problems are typed and worded by the registry in
// runtime/wire, as the generated validators' are.
//
// It is a package of its own so that only code that uses it links the
// schema library and golang.org/x/text: runtime/validate, which every
// generated package imports, does not import it, and generated code
// imports it only when a schema has a format (see the test
// TestChatClientLinksNoOracle in runtime/validate).
package oracle
