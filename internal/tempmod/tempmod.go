// Package tempmod builds Go code in a temporary module that uses this
// repository through a replace directive, offline, from the module cache:
// the tests of codegen (through codegen/internal/gentest) and of packages
// outside codegen (through internal/schemasuite) compile generated code
// with it. It is test support, linked by no library package.
package tempmod

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// ModuleRoot is the chanx module's directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find the source directory")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Build writes files into a temporary module that uses this repository
// through a replace directive and runs go with args there, offline, from
// the module cache. It returns the module directory and go's output.
func Build(t testing.TB, files map[string][]byte, args ...string) (dir string, out []byte) {
	t.Helper()
	root := ModuleRoot(t)
	dir = t.TempDir()
	gomod := "module chanxgen.test\n\ngo 1.26\n\nrequire github.com/chanxgo/chanx v0.0.0\n\nreplace github.com/chanxgo/chanx => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return dir, out
}
