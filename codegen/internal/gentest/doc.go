// Package gentest builds generated Go code in a temporary module, for the
// tests of codegen and its targets: generated code must compile and run.
// Load reads a test document into an ir.API.
// The module uses this repository through a replace directive and builds
// offline, from the module cache.
package gentest
