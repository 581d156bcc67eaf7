// Package templates holds the text/templates codegen renders, embedded in
// the binary. Templates only loop over view models built by codegen; they
// make no decisions about names or types.
package templates
