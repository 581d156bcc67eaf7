//go:build !unix

package nodetest

// lockFile does not lock where flock is missing: run such tests one
// package at a time (go test -p 1) when node_modules is not installed yet.
func lockFile(string) (func(), error) { return func() {}, nil }
