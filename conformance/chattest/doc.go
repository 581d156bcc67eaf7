// Package chattest serves the chat document (examples/chat/asyncapi.yaml)
// from a server written by hand on bare coder/websocket, with at most one
// planted bug. It is the conformance tester's test subject: a correct
// server must pass every check and each bug must fail exactly the check
// meant to catch it. It owes nothing to the chanx runtime on purpose.
package chattest
