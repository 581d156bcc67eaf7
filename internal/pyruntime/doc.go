// Package pyruntime gives tests a python3 that can run chanx's generated
// Python clients, and a pyright to type-check them; its tests drive the
// Python client runtime (templates/python/base) through the chat package
// under testdata/chatclient, against the Go chat server. That package is
// codegen/python's output for examples/chat/asyncapi.yaml, kept as its
// golden (go test ./codegen/python -run TestChatGolden -update rewrites
// it), so these tests run generated code.
//
// Find locates python3 (pydantic 2.11+ importable) and the websockets package:
// the interpreter's own, or Debian's python3-websockets, which installs
// into /usr/lib/python3/dist-packages where a pyenv or venv python3 does not
// look; then only that package is put on PYTHONPATH (through a folder
// holding a link to it), not the rest of dist-packages.
//
// Environment:
//   - CHANX_PYTHON: the interpreter to use (default: python3 on PATH).
//   - CHANX_TEST_PYTHON=required: fail instead of skip when python3,
//     pydantic 2.11+ or websockets is missing (CI sets it).
//   - CHANX_PYRIGHT: the pyright executable (default: the one js/ pins,
//     through internal/nodetest, which skips without Node unless
//     CHANX_TEST_NODE=required).
package pyruntime
