// Package topicpeer holds a topic server and a topic client written for
// chanx's tests without chanx's runtime: server.js and client.js, Node
// programs on the ws package that implement docs/PROTOCOL.md §2 and
// Python Chanx's topic frames (../shared/PROTOCOL.md "Topics") literally,
// and asyncapi.yaml, the document of that server in Chanx's x-topic form.
//
// Go tests start them through this package: StartServer runs server.js on
// a free port and returns its ws:// base URL; RunClient runs client.js
// against a server and returns its verdict. Both take node and the ws
// package from the pinned toolchain in js/ (internal/nodetest), so they
// skip without Node unless CHANX_TEST_NODE=required.
//
// interop_test.go and client_interop_test.go are the interop tests of
// issue 13: chanx's Go server serving client.js (and chanx conformance
// against that server), and chanx's Go client against server.js.
//
// It is test support, linked by no library package.
package topicpeer
