// Package golang is chanx's Go target for schemas: it gives a Go type to
// every JSON Schema an API uses and plans the validator code that checks
// what those types cannot express, then renders both with the templates
// package and go/format. It reads codegen/shape, which has already
// decided what each schema is (object, union and its tag, enum, nullable,
// list, map...), and adds only what Go needs: names, pointers, and a JSON
// value (any) where Go cannot hold a shape as it is (a key encoding/json
// cannot name in a struct tag, a nullable slice or map, a pointer to a
// pointer, a tuple). codegen and codegen/goapi assemble its output into
// packages.
//
// Types: a struct per object schema with known properties (allOf members
// merged), a string type with constants per string enum, a union (a struct
// holding one of several variant structs, picked by a discriminator
// property when every variant fixes one) per oneOf/anyOf of objects, a
// pointer for a nullable value (anyOf [T, null], type [T, null]), slices
// and maps, and any — a decoded JSON value — where no Go type fits. Struct
// fields are values when required, pointers when optional.
//
// Validators: a function per (schema, Go type) pair checks every keyword
// against the value, reporting problems with the loc of chanx error frames.
// Keywords with no generated code (format) are checked by the oracle,
// santhosh-tekuri/jsonschema, compiled on first use: nothing is ignored.
// Because encoding/json cannot tell a missing member from a zero one, each
// struct's UnmarshalJSON records which members the JSON held, which were
// null, and which were unknown.
//
// Decoding and encoding: a struct's UnmarshalJSON walks the object once
// with runtime/validate's Decoder, a method per member for strings,
// numbers, booleans, nested structs and unions, pointers, slices and maps
// of those (encoding/json only for members held as JSON values and
// time.Time); it accepts and rejects exactly what encoding/json does. A
// struct with const members gets a MarshalJSON (and AppendJSON) writing
// through validate.Encoder, which fills in the fixed values.
package golang
