package typescript

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/templates"
)

var update = flag.Bool("update", false, "rewrite the golden chat client (internal/tsruntime/testdata/chatclient)")

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

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// TestChatGolden: generating the chat example gives the client under
// internal/tsruntime/testdata/chatclient, byte for byte (-update rewrites
// it), so the runtime tests there (tsc, Node loopback, Chromium, bundle
// size) run generated code.
func TestChatGolden(t *testing.T) {
	files := generateChat(t)
	dir := chatGolden(t)
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for n, b := range files {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := map[string]string{}
	for n, b := range files {
		got[n] = string(b)
	}
	want := readTree(t, dir)
	for n := range want {
		if diff := cmp.Diff(want[n], got[n]); diff != "" {
			t.Errorf("%s differs from the golden (-want +got; go test ./codegen/typescript -run TestChatGolden -update rewrites it):\n%s", n, diff)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s is generated but not in the golden", n)
		}
	}
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
