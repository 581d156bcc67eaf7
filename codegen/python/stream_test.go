package python

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/pyruntime"
	"github.com/chanxgo/chanx/ir"
)

// assistantDoc is the streamed-reply document codegen/goapi tests with:
// ask answered by token* then answer (x-chanx-stream), stop_generating
// cancelling it (x-chanx-cancels).
func assistantDoc(t *testing.T) *ir.API {
	t.Helper()
	return gentest.Load(t, filepath.Join(gentest.ModuleRoot(t), "codegen", "goapi", "testdata", "assistant.yaml"))
}

func generateAssistant(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := Generate(context.Background(), assistantDoc(t), Options{Package: "assistantclient", Source: "assistant.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestAssistantGolden: the package generated for assistant.yaml, whose
// ask operation streams its reply, is testdata/assistant (-update
// rewrites it; base/ is left out, being the runtime).
func TestAssistantGolden(t *testing.T) {
	files := generateAssistant(t)
	want := map[string]string{}
	for n, b := range files {
		if !strings.HasPrefix(n, BaseDir+"/") {
			want[n+".golden"] = string(b)
		}
	}
	dir := filepath.Join("testdata", "assistant")
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
		t.Errorf("testdata/assistant differs; go test ./codegen/python -run TestAssistantGolden -update (-generated +testdata):\n%s", diff)
	}
	checkLayout(t, "assistantclient", files)
}

// TestAssistantPyright: the assistant package, its runtime and the
// script the loopback test runs (which uses every part of a stream)
// type-check under pyright strict with no error or warning.
func TestAssistantPyright(t *testing.T) {
	py := pyruntime.Find(t)
	pr := pyruntime.FindPyright(t)
	root := t.TempDir()
	writeFiles(t, filepath.Join(root, "assistantclient"), generateAssistant(t))
	script, err := os.ReadFile(filepath.Join("testdata", "stream_drive.py"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, map[string][]byte{"stream_drive.py": script})
	for _, d := range pr.Check(t, py, root) {
		t.Errorf("pyright: %s", d)
	}
}
