// Package gen makes test data from ir schemas for the conformance tester:
// valid values (the document's examples first, then a baseline built from
// const, enum, examples and defaults, then boundary values for lengths,
// ranges, enums and optional properties, then seeded random ones), invalid
// variants made by mutating a valid value one constraint at a time, and a
// shrinker that reduces a failing value to a minimal one.
//
// Everything is deterministic for a given seed: the same schema and seed
// give the same values in the same order. Generation aims at validity but
// does not guarantee it for every schema (patterns combined with lengths,
// not, if/then/else); callers check each value with package match and drop
// the ones that land on the wrong side.
package gen
