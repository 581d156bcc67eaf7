// Package match tells which message of a channel a JSON frame is, and when
// it is none, which message it came closest to and why it fails: the
// instance path and the schema keyword. The conformance tester uses it to
// judge every frame a server sends and to make sure the frames it generates
// are valid (or invalid) before sending them.
//
// Validation is santhosh-tekuri/jsonschema/v6 over a JSON Schema exported
// from the ir model (Export), so a recursive ir schema becomes a document
// with definitions and $refs again.
package match
