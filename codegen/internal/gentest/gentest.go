package gentest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chanxgo/chanx/internal/tempmod"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// ModuleRoot is the chanx module's directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	return tempmod.ModuleRoot(t)
}

// BuildModule writes files into a temporary module that uses this
// repository through a replace directive and runs go with args there,
// offline, from the module cache. It returns the module directory.
func BuildModule(t testing.TB, files map[string][]byte, args ...string) (dir string, out []byte) {
	t.Helper()
	return tempmod.Build(t, files, args...)
}

// Load reads the AsyncAPI document at path, with no remote $refs, and
// analyzes it; the test fails on any problem in the document. A document of
// the shared corpus reads its $refs inside the whole corpus folder (the
// social-media example shares ../common), as a user would allow with
// --ref-root; any other document keeps the default sandbox, its own folder.
func Load(t testing.TB, path string) *ir.API {
	t.Helper()
	doc, err := spec.Load(context.Background(), path, spec.Options{NoRemote: true, FileRoot: CorpusRoot(path)})
	if err != nil {
		t.Fatal(err)
	}
	api, diags := analyze.Build(context.Background(), doc)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	return api
}

// CorpusRoot is the folder of the shared corpus that path lies in, or ""
// (the default sandbox) when path is not a corpus document.
func CorpusRoot(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	for dir := filepath.Dir(abs); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if filepath.Base(filepath.Dir(dir)) == "corpus" {
			return dir
		}
	}
	return ""
}

// Corpus lists the documents every target's generated code must handle:
// the official AsyncAPI 3.0.0 examples (when ../shared holds them; the
// test logs when it does not), then the documents written by Python Chanx
// servers and the 3.1.0 documents of spec/analyze's tests.
func Corpus(t testing.TB) []string {
	t.Helper()
	root := ModuleRoot(t)
	dir := filepath.Join(root, "..", "shared", "corpus", "asyncapi-3.0.0-examples")
	docs, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*", "*", "asyncapi.yaml"))
	docs = append(docs, more...)
	if len(docs) == 0 {
		t.Logf("the AsyncAPI examples are not at %s: only chanx's own documents are used", dir)
	}
	for _, name := range []string{"chanx-chat.json", "chanx-assistants.yaml", "chanx-notifications.yaml", "ticker-3.1.yaml", "pets-3.1.yaml"} {
		docs = append(docs, filepath.Join(root, "spec", "analyze", "testdata", name))
	}
	return docs
}
