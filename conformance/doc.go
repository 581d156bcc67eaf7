// Package conformance tests a running WebSocket server against its
// AsyncAPI document: it generates valid, boundary, invalid and malformed
// frames from the ir, sends them over real sockets and judges every answer
// against the document. Any server can be tested — chanx's own, a Python
// Chanx server, one written in another language. It sits after spec and
// spec/analyze (which give the *ir.API) and behind 'chanx conformance'.
//
// From a test:
//
//	rep := conformance.Run(t, api, "ws://127.0.0.1:8000", conformance.WithSeed(1))
//
// runs every check as a subtest; Check does the same without a
// testing.T and returns the Report, which writes itself as text, JSON or
// JUnit XML. Replay re-runs a recorded failure.
//
// # Checks
//
// Each check has a stable id (Checks lists them with a one-line
// description) and a result per channel, or per receive operation for the
// checks about operations; a check that cannot apply is skipped with the
// reason. Frames come from the document's examples first, then from the
// schemas (package gen): a baseline, boundary values, seeded random ones,
// and invalid variants made by breaking one constraint of a valid frame.
// Every frame carries its message's discriminator so the server can route
// it, and is checked against its schema before it is sent (package match),
// so "valid" and "invalid" mean what the document says.
//
// A failure is shrunk to a minimal frame that still fails the same check;
// its report holds the case, the frames sent and received on each
// connection (the transcript) and the seed. The same seed, document and
// server give the same frames in the same order.
//
// # How answers are awaited
//
// Before a channel's cases the tester learns what the server sends
// unprompted: on one connection, what arrives before anything is sent
// (a welcome); on it again, what arrives when a second connection joins
// (a "joined" notice); then what keeps arriving (periodic pushes). Every
// case waits for those frames on each connection it opens before sending
// anything, so a welcome of a reply's type is never taken for the reply,
// and periodic frames never decide a verdict (attribution.go).
//
// A request whose operation declares a reply is answered when the reply
// comes. For everything else the tester uses a fence: a request the server
// was seen to answer at the start (ping, in a Chanx document), sent right
// after the frame under test; once its reply is back an in-order server
// has handled the frame before it. The tester then waits a short quiet
// period more for late answers from servers that handle frames
// concurrently. Without a fence it listens for the quiet period alone.
// replies-isolated settles both connections with a frame whose answer
// cannot be mistaken for the reply (the fence of another operation, or a
// frame with an unknown discriminator the server answers with an error),
// so a leak is seen without waiting on the clock.
//
// A reply is private unless the document says it also reaches the group:
// its message is also listed by a send operation of the channel, or the
// operation carries x-chanx-broadcast: true (Python Chanx documents a
// handler that broadcasts its output as a receive operation with a
// reply). replies-isolated skips the shared ones, saying why.
//
// A rejection of an invalid frame counts only when it is about the rule
// the frame breaks: a Chanx-style problem list whose loc names the
// mutated member. Error frames without a loc pass as "rejected, reason
// unverified"; a loc elsewhere fails.
//
// A server that stops accepting connections, or resets every one, in the
// middle of a run is reported once, on the handshake check and in
// Report.ServerDown, with the last frames sent before it; the checks left
// are skipped as not run. A server that greets with an Engine.IO packet
// (Socket.IO), or a document whose frames are not JSON, ends the run with
// Report.Unsupported.
//
// # Topics
//
// A channel with an x-topic (ir.Channel.Topic, Python Chanx's topics,
// docs/PROTOCOL.md §2) carries one topic's frames. Every connection to it
// is subscribed before anything is sent — with a subscribe carrying a ref
// on a hub, by connecting on a dedicated route — and every frame sent on a
// hub is addressed with version, topic and a fresh ref (on a dedicated
// route, a ref alone). Answers are judged without their envelope keys; a
// reply must echo its request's ref; subscribed, unsubscribed, topic
// errors and history_lost are allowed undeclared. topic-subscribe and
// topic-errors judge the topic protocol itself; a subscription refused as
// unauthorized skips the channel's other checks, saying so (topics.go).
//
// Error frames are the chanx wire protocol's ("error" under the channel's
// discriminator, see docs/PROTOCOL.md). Its built-in server frames
// (runtime/wire.Builtins: pong, error, authentication, complete and the
// like) are allowed on every channel even when the document does not
// declare them, written under the key a chanx server uses for the channel:
// the discriminator spec/analyze found for what clients send ("type", say),
// else for what the server sends, else "action". WithoutBuiltins turns
// that off for servers that do not speak the protocol.
package conformance
