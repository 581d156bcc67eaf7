// Package wire holds the chanx wire protocol in one place, for the
// server, the Go client, the test kit and generated code; docs/PROTOCOL.md
// states it for the TypeScript and Python runtimes. It has:
//
//   - Envelope: a channel's frame shape, {"<key>": name, "payload": ...}
//     with the channel's discriminator key, the reserved envelope keys
//     (version, topic, ref, seq) and Stamp for topic traffic;
//   - SplitEnvelope, which reads and checks an inbound frame's envelope
//     keys (Addressing: its topic and ref) and removes them before the
//     message is decoded, and AppendSeq for a push's layer-assigned seq;
//   - Builtins: the table of built-in frames (ping/pong, error,
//     authentication, the completion markers, the topic frames), each
//     pre-encoded per key by its Envelope so the hot path encodes nothing;
//   - the error payloads: problems {type, loc, msg} for frames that fail
//     validation, ErrorDetail {detail, code} for the rest, and the codes
//     chanx defines (CodeNotImplemented);
//   - Peek, which reads a frame's discriminator as encoding/json would
//     without decoding the frame (and bounds nesting depth);
//   - the snake_case ⇄ camelCase key conversion and the Validator
//     contract generated validators implement.
//
// It is the bottom of the runtime: everything under runtime/ may import
// it; it imports none of them.
package wire
