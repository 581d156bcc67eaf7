package python

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/templates"
)

var update = flag.Bool("update", false, "rewrite the golden chat package (internal/pyruntime/testdata/chatclient)")

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

// readTree reads every file under dir, keyed by slash path, leaving out
// what Python or pyright leave behind.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return nil
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

// TestChatGolden: generating the chat example gives the package under
// internal/pyruntime/testdata/chatclient, byte for byte (-update rewrites
// it), so the runtime tests there run generated code.
func TestChatGolden(t *testing.T) {
	files := generateChat(t)
	dir := chatGolden(t)
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, files[n], 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]string{}
	for n, b := range files {
		want[n] = string(b)
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("%s is not what the chat example generates; go test ./codegen/python -run TestChatGolden -update (-generated +testdata):\n%s",
			strings.TrimPrefix(dir, gentest.ModuleRoot(t)+"/"), diff)
	}
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
	want := map[string]string{}
	for n, b := range files {
		if !strings.HasPrefix(n, BaseDir+"/") {
			want[n+".golden"] = string(b)
		}
	}
	dir := filepath.Join("testdata", "features")
	if *update {
		os.RemoveAll(dir)
		for n, text := range want {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("testdata/features differs; go test ./codegen/python -run TestFeaturesGolden -update (-generated +testdata):\n%s", diff)
	}
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
