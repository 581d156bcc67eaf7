// Package nodetest gives Go tests the repository's pinned Node tools:
// node itself, and tsc, esbuild, pyright, playwright-core and ws as the
// lockfile in js/ pins them.
//
// Require finds node and npm on PATH and makes sure js/node_modules holds
// exactly what js/package-lock.json says, running `npm ci` at most once per
// test process and not at all when a previous run already installed that
// lockfile with that Node. Test processes of several packages run at once
// under `go test ./...`; a lock file in js/ makes them take turns, so one
// installs and the others reuse it.
//
// Environment:
//   - CHANX_TEST_NODE=required: fail instead of skip when node or npm is
//     missing or npm ci fails (CI sets it after installing Node).
//   - CHANX_TEST_CHROMIUM=required: the same for Chromium (see Chromium).
//
// It sits beside the tests that drive TypeScript and Python clients: it is
// test support, linked by no library package.
package nodetest
