// Package shape decides, once for every code generation target, what kind
// of value each JSON Schema of an API describes: an object with named
// members, a union of objects (tagged by a member, or tried in turn), an
// enum of strings, a nullable value, a list, a map, a tuple, a scalar
// (string, integer, number, boolean, null, with its format), or any JSON
// value where no narrower shape holds. It sits between ir (the resolved
// schemas) and the per-language targets under codegen (golang today,
// TypeScript and Python next), which turn shapes into their own types and
// names; nothing here knows a target language.
//
// The decisions:
//   - An object schema with known properties, allOf members merged into
//     it, becomes an Object: its Members in document order, each required
//     or optional, with the member's own shape; Closed when
//     additionalProperties is false. An object with other keywords that a
//     fixed set of members cannot hold (patternProperties, propertyNames,
//     dependencies, min/maxProperties, an additionalProperties schema that
//     constrains) becomes a Map instead.
//   - oneOf/anyOf of two or more distinct object schemas becomes a Union:
//     Exclusive for oneOf. Its Tag is spec/analyze's decision
//     (ir.Schema.Union): the member whose value names each variant, or nil
//     for an untagged union whose variants are tried in turn. An untyped
//     oneOf/anyOf whose variants all have shapes but not all objects
//     (oneOf [string, integer]) is a Union too, never tagged, with
//     ObjectsOnly false; one with a variant that is only checks
//     (anyOf [{minLength: 2}, {maxLength: 0}]) is no union: Any.
//   - A string schema whose enum holds only strings (or an untyped one
//     whose enum or const does) is an Enum with its distinct values.
//   - anyOf/oneOf [T, {type: null}] and type [T, null] are Nullable around
//     T's shape.
//   - Arrays are a List (one items schema) or a Tuple (the array form of
//     items, with the rest); objects with only additionalProperties are a
//     Map of that schema's shape.
//
// Recursion: Objects and Unions are entered into the Set before their
// members, so a schema that contains itself through them points back at
// the same *Shape (a cyclic graph, as ir's schemas are). A cycle that
// passes through no Object or Union has no name to point at; the inner
// occurrence is Any with Recursive set.
//
// Every shape keeps the schema it was decided from, its description,
// default and Constraints (lengths, pattern, bounds, multipleOf, item and
// property counts, uniqueItems, enum and const values) as neutral data, so
// each target renders its own validators from them.
package shape
