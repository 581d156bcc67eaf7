// Package goapi generates the Go packages people import to serve or call an
// AsyncAPI API with chanx: a server package (per channel a handler
// interface, an Unimplemented handler to embed, typed path parameters,
// typed senders and one Mount call over runtime/server, plus the embedded
// document served by runtime/apidocs) and a client package (per channel a
// client type over runtime/client with a typed Send per message the client
// may send, an IncomingMessage sealed interface and typed handlers).
//
// It sits beside codegen/golang in the pipeline: golang declares the message
// types (types.go, the same in both packages, so each package stands alone);
// goapi builds view models of channels, operations and messages from the ir,
// with Go names that cannot collide with those types, and renders them with
// the server, client and readme templates of the templates package.
// Generation is a pure function of the ir: GenerateServer and
// GenerateClient return the files and never touch the disk.
package goapi
