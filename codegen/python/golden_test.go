package python

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/templates"
)

// chatGolden is the chat client internal/pyruntime's tests run against
// the Go chat server: this target's output for examples/chat.
func chatGolden(t *testing.T) string {
	return filepath.Join(gentest.ModuleRoot(t), "internal", "pyruntime", "testdata", "chatclient")
}

// generateChat is the chat package as generated, less base/: that folder
// is templates/python/base as it is, so the golden does not hold a copy of
// it (internal/pyruntime lays it in from the templates).
func generateChat(t *testing.T) map[string][]byte {
	t.Helper()
	api := gentest.Load(t, filepath.Join(gentest.ModuleRoot(t), "examples", "chat", "asyncapi.yaml"))
	files, err := Generate(context.Background(), api, Options{Package: "chatclient", Source: "asyncapi.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	for n := range files {
		if strings.HasPrefix(n, "base/") {
			delete(files, n)
		}
	}
	return files
}

// TestChatGolden: generating the chat example gives the package under
// internal/pyruntime/testdata/chatclient, byte for byte (-update rewrites
// it), so the runtime tests there run generated code.
func TestChatGolden(t *testing.T) {
	golden.CheckTree(t, chatGolden(t), generateChat(t))
}

// TestFeaturesGolden: the package generated for testdata/features.yaml,
// which exercises each rendering rule once, is testdata/features
// (-update rewrites it; base/ is left out, being the runtime).
func TestFeaturesGolden(t *testing.T) {
	api := gentest.Load(t, filepath.Join("testdata", "features.yaml"))
	files, err := Generate(context.Background(), api, Options{Package: "features", Source: "features.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	golden.CheckTree(t, filepath.Join("testdata", "features"), goldenFiles(files))
}

// TestBaseIsTheRuntime: the base/ the target writes is templates/python/base
// byte for byte, which is why the chat golden leaves it out.
func TestBaseIsTheRuntime(t *testing.T) {
	api := gentest.Load(t, filepath.Join(gentest.ModuleRoot(t), "examples", "chat", "asyncapi.yaml"))
	files, err := Generate(context.Background(), api, Options{Package: "chatclient", Source: "asyncapi.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	err = fs.WalkDir(templates.PythonBase, "python/base", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.PythonBase, path)
		want[strings.TrimPrefix(path, "python/")] = string(b)
		return err
	})
	if err != nil || len(want) == 0 {
		t.Fatalf("templates.PythonBase: %v (%d files)", err, len(want))
	}
	got := map[string]string{}
	for n, b := range files {
		if strings.HasPrefix(n, "base/") {
			got[n] = string(b)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("generated base/ is not templates/python/base (-templates +generated):\n%s", diff)
	}
}

// goldenFiles is files less base/ (the runtime, TestBaseIsTheRuntime),
// each named with ".golden" after it so that tools do not read the
// testdata copies as Python.
func goldenFiles(files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for n, b := range files {
		if !strings.HasPrefix(n, BaseDir+"/") {
			out[n+".golden"] = b
		}
	}
	return out
}
