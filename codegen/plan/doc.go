// Package plan is the per-channel plan every code generator and the
// conformance tester read: for each channel, which messages each side
// (server, client) receives and sends, how the receiver routes them
// (discriminator key, value → message, fallbacks tried by schema),
// request → reply pairs, the protocol's built-in frames (ping answered by
// pong) and the ws binding's query parameters and headers, typed.
//
// It sits between ir and the targets: Build reads an ir.API once and
// decides; a target (codegen/goapi for Go; TypeScript and Python next)
// only names and renders what the plan says, so two targets cannot
// disagree about which way a message flows or which value routes it. The
// dispatch itself (ir.Channel.Dispatch) is spec/analyze's decision; the
// plan reads it and never infers one. The package imports only ir and the
// standard library.
//
// Topics (x-topic, ir.Topic) are planned as channels too: a topic
// channel's Server.Receives are the requests a subscriber sends inside
// the topic and their replies, its Server.Sends the pushes; Channel.Topic
// marks it, and Channel.Topics lists the topics a hub's address serves,
// so a target mounts the hub once and declares its topics on it rather
// than mounting every channel at the address as one (Together).
package plan
