package typescript

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/templates"
)

// chatGolden is the chat client internal/tsruntime's tests run under Node
// and Chromium against the Go chat server: this target's output for
// examples/chat.
func chatGolden(t *testing.T) string {
	return filepath.Join(gentest.ModuleRoot(t), "internal", "tsruntime", "testdata", "chatclient")
}

// generateChat is the chat client as generated, less base/: that folder
// is templates/typescript/base as it is (TestBaseIsTheRuntime), so the
// golden does not hold a copy of it.
func generateChat(t *testing.T) map[string][]byte {
	t.Helper()
	api := gentest.Load(t, filepath.Join(gentest.ModuleRoot(t), "examples", "chat", "asyncapi.yaml"))
	files, err := Generate(context.Background(), api, Options{Package: "chatclient", Source: "asyncapi.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	for n := range files {
		if strings.HasPrefix(n, BaseDir+"/") {
			delete(files, n)
		}
	}
	return files
}

// TestChatGolden: generating the chat example gives the client under
// internal/tsruntime/testdata/chatclient, byte for byte (-update rewrites
// it), so the runtime tests there (tsc, Node loopback, Chromium, bundle
// size) run generated code.
func TestChatGolden(t *testing.T) {
	golden.CheckTree(t, chatGolden(t), generateChat(t))
}

// TestBaseIsTheRuntime: base/ is templates/typescript/base, file for file.
func TestBaseIsTheRuntime(t *testing.T) {
	api := gentest.Load(t, filepath.Join(gentest.ModuleRoot(t), "examples", "chat", "asyncapi.yaml"))
	files, err := Generate(context.Background(), api, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, b := range files {
		if !strings.HasPrefix(name, BaseDir+"/") {
			continue
		}
		n++
		want, err := templates.TypeScriptBase.ReadFile("typescript/" + name)
		if err != nil {
			t.Errorf("%s: not in the runtime: %v", name, err)
			continue
		}
		if string(want) != string(b) {
			t.Errorf("%s differs from templates/typescript/%s", name, name)
		}
	}
	if n == 0 {
		t.Fatal("no base/ files generated")
	}
}
