package python

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/pyruntime"
)

// writeFiles writes generated files under dir.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
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

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// corpusPackages generates a client package for every corpus document
// into root, one folder each, and returns the package names with the
// modules each holds.
func corpusPackages(t *testing.T, root string) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	docs := append(gentest.Corpus(t), filepath.Join("testdata", "features.yaml"))
	for i, doc := range docs {
		rel := strings.TrimSuffix(filepath.Base(doc), filepath.Ext(doc))
		if rel == "asyncapi" {
			rel = filepath.Base(filepath.Dir(filepath.Dir(doc))) + "_" + filepath.Base(filepath.Dir(doc))
		}
		pkg := "c" + itoa(i) + "_" + strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(rel), "_"), "_")
		api := gentest.Load(t, doc)
		files, err := Generate(context.Background(), api, Options{Package: pkg, Source: filepath.Base(doc)})
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		writeFiles(t, filepath.Join(root, pkg), files)
		checkLayout(t, pkg, files)
		var mods []string
		for n := range files {
			if strings.HasSuffix(n, ".py") {
				mod := strings.TrimSuffix(strings.TrimSuffix(n, ".py"), "/__init__")
				if mod == "__init__" {
					mod = ""
				}
				mods = append(mods, strings.ReplaceAll(mod, "/", "."))
			}
		}
		sort.Strings(mods)
		pkgs[pkg] = mods
	}
	return pkgs
}

// TestCorpus: the package generated for every corpus document imports
// under python3 (every module of it), and pyright in strict mode finds
// nothing in any of them (one run over all, for speed).
func TestCorpus(t *testing.T) {
	py := pyruntime.Find(t)
	root := t.TempDir()
	pkgs := corpusPackages(t, root)
	var script strings.Builder
	script.WriteString("import importlib\n")
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		for _, m := range pkgs[p] {
			full := p
			if m != "" {
				full += "." + m
			}
			script.WriteString("importlib.import_module(" + pyString(full) + ")\n")
		}
	}
	script.WriteString("print('ok')\n")
	if out := py.Run(t, py.Env(root), "-W", "error", "-c", script.String()); strings.TrimSpace(out) != "ok" {
		t.Fatalf("python3: %s", out)
	}
	t.Run("Pyright", func(t *testing.T) {
		pr := pyruntime.FindPyright(t)
		for _, d := range pr.Check(t, py, root) {
			t.Errorf("pyright: %s", d)
		}
	})
}

// checkLayout: every generated Python line fits black's 88 columns (or
// is one string that cannot be broken), has no trailing blanks and no
// tab, so the output is PEP 8-clean without a formatter.
func checkLayout(t *testing.T, pkg string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		if !strings.HasSuffix(name, ".py") || strings.HasPrefix(name, BaseDir+"/") {
			continue
		}
		for i, line := range strings.Split(string(b), "\n") {
			trimmed := strings.TrimSpace(line)
			unbreakable := len(strings.Fields(trimmed)) == 1 || strings.Count(trimmed, `"`) == 2 && (strings.HasPrefix(trimmed, `"`) || strings.Contains(trimmed, `= "`)) || strings.HasPrefix(trimmed, "# source:")
			if len(line) > lineLength && !unbreakable || strings.HasSuffix(line, " ") || strings.Contains(line, "\t") {
				t.Errorf("%s/%s:%d: %q", pkg, name, i+1, line)
			}
		}
	}
}
