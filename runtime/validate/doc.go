// Package validate is the run-time half of chanx's validation: the small
// helpers that generated validators call (problem accumulation with loc
// paths, rune counting, a compiled-pattern cache, exact multipleOf, deep
// equality and uniqueness of JSON values, cheap object-key scanning), the
// JSON reader and writer generated types decode and encode with (Decoder:
// a validating scanner that accepts exactly what encoding/json accepts,
// records which members were present and stores values without
// reflection; Encoder: encoding/json's bytes without reflection), and the
// oracle fallback, a draft-07 JSON Schema compiled once with
// santhosh-tekuri/jsonschema, for keywords no generated code covers.
//
// It sits below generated packages and runtime/server: codegen emits code
// that calls these helpers, so the logic lives here once, tested once.
// Everything reports wire.Problem values whose Loc matches chanx error
// frames (["payload", "message"]).
package validate

// SupportPackageIsVersion1 is referenced by generated code, so that code
// generated for a newer runtime fails to compile against an older one.
const SupportPackageIsVersion1 = true

// SupportPackageIsVersion2 is referenced by code that decodes with
// Decoder.Members and encodes with Encoder.
const SupportPackageIsVersion2 = true
