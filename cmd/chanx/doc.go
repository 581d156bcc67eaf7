// Command chanx is the command-line front of the toolchain: validate an
// AsyncAPI document, generate server and client packages from it, test a
// running server against it, and send to and listen on one of its channels
// from the shell (send, listen). It only parses flags, reads and writes
// files and prints; the work happens in spec, codegen, conformance and
// runtime/client.
package main
