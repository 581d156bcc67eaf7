// Package tsruntime tests the TypeScript client runtime
// (templates/typescript/base, which the TypeScript target emits into
// base/ of its output) under Node and in headless Chromium, through the
// chat client the target generates for examples/chat/asyncapi.yaml
// (testdata/chatclient, codegen/typescript's golden: TestChatGolden there
// holds it to the generator's output, and -update rewrites it).
//
// The tests need node and npm (internal/nodetest installs the pinned tsc,
// esbuild, ws and playwright-core from js/) and build and run the real
// Go chat server of examples/chat. It has no non-test code.
package tsruntime
