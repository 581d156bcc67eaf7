// Package benchchat holds code chanx generated for the chat frame
// ({"action": "new_chat_message", "payload": {"message", "name"}}), from
// codegen/golang/testdata/golden/frame.json, committed so that
// runtime/server's benchmarks route and validate the frame the way a
// generated server does, not through a hand-written type.
// TestBenchFrameIsCurrent in codegen/golang keeps it in step with the
// generator.
package benchchat
