package pyruntime

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/chanxgo/chanx/templates"
)

// layChatPackage writes the chat package into dst as the Python target
// does: the generated modules from testdata/chatclient (the target's golden
// output, kept by codegen/python's TestChatGolden) and base/ from
// templates/python/base, the runtime itself rather than a committed copy.
func layChatPackage(t *testing.T, dst string) {
	t.Helper()
	copyTree(t, filepath.Join("testdata", "chatclient"), dst)
	err := fs.WalkDir(templates.PythonBase, "python/base", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.PythonBase, path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("python", path)
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "base", "client.py")); err != nil {
		t.Fatalf("templates.PythonBase gave no base/client.py: %v", err)
	}
}
