// Package tsruntime tests the TypeScript client runtime
// (templates/typescript/base, which the TypeScript target emits into
// base/ of its output) under Node and in headless Chromium, through a
// hand-written chat client (testdata/chatclient) that is the target the
// generator must reproduce for examples/chat/asyncapi.yaml.
//
// The tests need node and npm (internal/nodetest installs the pinned tsc,
// esbuild, ws and playwright-core from js/) and build and run the real
// Go chat server of examples/chat. It has no non-test code.
package tsruntime
