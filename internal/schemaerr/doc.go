// Package schemaerr walks the error trees santhosh-tekuri/jsonschema
// returns, for the three places chanx turns one into messages: the
// validator of AsyncAPI documents (spec), the JSON Schema oracle
// (runtime/validate/oracle) and conformance's payload matcher
// (conformance/match). Each reports the leaves — the errors that say what
// is wrong, not the schema, $ref and allOf nodes that only say where — and
// each decides for itself what a failed union is worth, through Leaves'
// hook.
package schemaerr
