// Command chanx is the command-line front of the toolchain: validate an
// AsyncAPI document, generate server and client packages from it, and test a
// running server against it. It only parses flags, reads and writes files
// and prints; the work happens in spec, codegen and conformance.
package main
