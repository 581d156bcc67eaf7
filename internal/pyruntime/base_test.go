package pyruntime

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/chatclient/base from templates/python/base")

// TestBaseIsTheRuntime: the chat package's base/ is the runtime the Python
// target writes, byte for byte (go test -update copies it over).
func TestBaseIsTheRuntime(t *testing.T) {
	dir := filepath.Join("testdata", "chatclient", "base")
	want := map[string]string{}
	err := fs.WalkDir(templates.PythonBase, "python/base", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.PythonBase, path)
		want[filepath.Base(path)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("templates.PythonBase holds no file")
	}
	if *update {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, text := range want {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	have := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		have[e.Name()] = string(b)
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("%s differs from templates/python/base; run go test ./internal/pyruntime -run TestBaseIsTheRuntime -update (-runtime +testdata):\n%s", dir, diff)
	}
}
