// Package golden compares what a test produced with a golden file under
// testdata, or rewrites the file when the test runs with -update. Every
// golden test of the module goes through it, so -update means the same
// everywhere and a mismatch always reads as a cmp.Diff, -want +got.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Updating reports whether the test runs with -update.
func Updating() bool { return *update }

// Check compares got with the file at path. Under -update it writes got
// there instead, creating the directory when missing.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale (-want +got):\n%s\n(run go test -update to rewrite it)", path, diff)
	}
}

// CheckTree compares files, keyed by slash path, with the tree under dir:
// the same names and the same bytes. Under -update it removes dir and
// writes files there instead. Folders that tools leave behind beside
// generated code (__pycache__, node_modules) are not read.
func CheckTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "__pycache__" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		want[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	got := make(map[string]string, len(files))
	for name, b := range files {
		got[name] = string(b)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s is stale (-want +got):\n%s\n(run go test -update to rewrite it)", dir, diff)
	}
}
