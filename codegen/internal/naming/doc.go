// Package naming holds the name rules the client targets share: how a
// document name splits into words, and name sets. Each target builds its
// own casing and reserved words on top.
package naming
