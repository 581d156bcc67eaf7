package spec

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLoad feeds arbitrary bytes to the loader and the validator: they must
// neither panic nor hang, and a document that loads must validate to
// diagnostics, never to a crash. File $refs are confined to an empty folder
// and remote ones forbidden, so the fuzzer cannot reach the disk or the
// network.
func FuzzLoad(f *testing.F) {
	var seeds []string
	if dir := filepath.Join("..", "..", "shared", "corpus", "asyncapi-3.0.0-examples"); dirExists(dir) {
		m, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
		seeds = append(seeds, m...)
		m, _ = filepath.Glob(filepath.Join(dir, "social-media", "*", "*.yaml"))
		seeds = append(seeds, m...)
	}
	for _, pattern := range []string{"testdata/valid/*.*", "testdata/broken/*.*"} {
		m, _ := filepath.Glob(pattern)
		seeds = append(seeds, m...)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	root := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		opts := Options{NoRemote: true, FileRoot: root}
		doc, err := Parse(filepath.Join(root, "fuzz.yaml"), data, opts)
		if err != nil {
			if _, ok := err.(*DiagnosticsError); !ok {
				t.Fatalf("Parse returned %T, want *DiagnosticsError: %v", err, err)
			}
			return
		}
		diags := Validate(ctx, doc)
		for _, d := range diags {
			if d.Message == "" {
				t.Fatalf("empty diagnostic at %s", d.Pos)
			}
		}
		if !diags.HasErrors() {
			if _, err := BundleJSON(ctx, doc); err != nil {
				t.Fatalf("BundleJSON of a valid document: %v", err)
			}
		}
	})
}

func dirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}
