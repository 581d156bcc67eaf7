// Package validate is the run-time half of chanx's validation: the small
// helpers that generated validators call (problem accumulation with loc
// paths, rune counting, a compiled-pattern cache, exact multipleOf, deep
// equality and uniqueness of JSON values, cheap object-key scanning), and
// the JSON reader and writer generated types decode and encode with
// (Decoder: a validating scanner that accepts exactly what encoding/json
// accepts, records which members were present and stores values without
// reflection; Encoder: encoding/json's bytes without reflection).
//
// It sits below generated packages and runtime/server: codegen emits code
// that calls these helpers, so the logic lives here once, tested once.
// Everything reports wire.Problem values whose Loc matches chanx error
// frames (["payload", "message"]) and whose types and messages come from
// the registry in runtime/wire. The JSON Schema oracle (santhosh-tekuri/
// jsonschema, for formats and for schemas without generated code) is the
// package runtime/validate/oracle, which this one does not import, so
// generated code that needs no oracle does not link it.
package validate

// SupportPackageIsVersion1 is referenced by generated code, so that code
// generated for a newer runtime fails to compile against an older one.
const SupportPackageIsVersion1 = true

// SupportPackageIsVersion2 is referenced by code that decodes with
// Decoder.Members and encodes with Encoder.
const SupportPackageIsVersion2 = true

// SupportPackageIsVersion3 is referenced by code whose problems come from
// the wire registry (Problems.Extra, TooShort, TagInvalid, ...) and whose
// CheckNullElement calls pass the null element's problem.
const SupportPackageIsVersion3 = true
