// Package examplegen is test support for the examples: it loads an
// example's asyncapi.yaml and checks that the example's committed Go
// packages are what chanx generates from it today, so every example's
// staleness test is one call instead of a copy.
package examplegen
