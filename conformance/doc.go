// Package conformance tests a running WebSocket server against its AsyncAPI
// document: it generates valid, boundary and invalid frames from the ir,
// sends them over real sockets and checks every answer against the
// document. It is usable from go test and behind 'chanx conformance'.
package conformance
