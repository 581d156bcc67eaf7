// Command centrifugepeer is the centrifugal/centrifuge peer of chanx's bench:
// the chat protocol on a centrifuge Node, with its in-memory broker or (with
// -redis) its Redis broker, served at /connection/websocket on -addr.
//
// It maps the chat protocol onto centrifuge's own primitives, as a
// centrifuge application would write it: every connection is anonymous and
// may subscribe to any channel and publish into it (client publications);
// the "ping" RPC is answered with the pong payload chanx's chat server
// sends, and the bench's chat message is a publication into the room's
// channel.
//
// It lives in a module of its own so the centrifuge dependencies stay out
// of chanx's go.mod; `go run ./bench` builds it with `go build` into a
// temporary folder and runs it as a process, as it runs the Django and
// socket.io peers. TestCentrifugeGo drives it with centrifuge-go, the
// client a centrifuge team would use, to check the mapping.
package main
