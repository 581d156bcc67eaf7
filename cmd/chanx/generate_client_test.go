package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/python"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// chatPython is what the Python target generates for the chat example
// into a package named pkg.
func chatPython(t *testing.T, pkg string, noReadme bool) map[string]string {
	t.Helper()
	doc, err := spec.Load(context.Background(), chatDoc, spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	api, diags := analyze.Build(context.Background(), doc)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, err := python.Generate(context.Background(), api, python.Options{Package: pkg, Source: sourceName(chatDoc, t.TempDir()), NoReadme: noReadme})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for n, b := range files {
		out[n] = string(b)
	}
	return out
}

// tree reads every file under dir, keyed by slash path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFile(t *testing.T, p, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// generateClient runs 'chanx generate-client' for the chat example into
// out with no formatter found on PATH, failing the test unless it exits 0.
func generateClient(t *testing.T, out string, flags ...string) (stdout string) {
	t.Helper()
	code, stdout, stderr := chanx(append([]string{"generate-client", "-s", chatDoc, "-o", out}, flags...)...)
	if code != 0 {
		t.Fatalf("chanx generate-client %s: exit %d: %s", strings.Join(flags, " "), code, stderr)
	}
	return stdout
}

// pyCommand is one of the two commands that write a Python client.
type pyCommand struct {
	name string   // as its messages name it
	args []string // as a user types it
}

// pyCommands write a Python client through one code path; the
// regeneration tests run for both.
var pyCommands = []pyCommand{
	{"generate-client", []string{"generate-client"}},
	{"gen client", []string{"gen", "client", "--lang", "python"}},
}

// generateWith is generateClient for either command.
func generateWith(t *testing.T, cmd pyCommand, out string, flags ...string) (stdout string) {
	t.Helper()
	code, stdout, stderr := chanx(append(append(append([]string(nil), cmd.args...), "-s", chatDoc, "-o", out), flags...)...)
	if code != 0 {
		t.Fatalf("chanx %s %s: exit %d: %s", strings.Join(cmd.args, " "), strings.Join(flags, " "), code, stderr)
	}
	return stdout
}

// noFormatters leaves PATH without ruff or black, so no formatter is
// auto-detected.
func noFormatters(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
}

// TestGenerateClientWritesThePackage: the package is what the Python
// target generates, README.md included unless --no-readme, and the same
// as 'chanx gen client --lang python' writes.
func TestGenerateClientWritesThePackage(t *testing.T) {
	noFormatters(t)
	out := filepath.Join(t.TempDir(), "chatclient")
	stdout := generateClient(t, out)
	if want := "chanx generate-client: wrote 8 files to " + out + "\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	if diff := cmp.Diff(chatPython(t, "chatclient", false), tree(t, out)); diff != "" {
		t.Errorf("(-generated +written):\n%s", diff)
	}

	viaGen := filepath.Join(t.TempDir(), "chatclient")
	if code, _, stderr := chanx("gen", "client", "--lang", "python", "-s", chatDoc, "-o", viaGen); code != 0 {
		t.Fatalf("chanx gen client --lang python: exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff(tree(t, out), tree(t, viaGen)); diff != "" {
		t.Errorf("gen client --lang python differs from generate-client (-generate-client +gen client):\n%s", diff)
	}

	noReadme := filepath.Join(t.TempDir(), "chatclient")
	generateClient(t, noReadme, "--no-readme")
	if diff := cmp.Diff(chatPython(t, "chatclient", true), tree(t, noReadme)); diff != "" {
		t.Errorf("--no-readme (-generated +written):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(noReadme, "README.md")); !os.IsNotExist(err) {
		t.Errorf("--no-readme wrote README.md (%v)", err)
	}
}

// TestGenerateClientKeepsBase: a regeneration keeps base/ as the user
// left it, changed files and added ones; --override-base writes the
// runtime's files anew (a file of the user's own beside them stays).
func TestGenerateClientKeepsBase(t *testing.T) {
	for _, cmd := range pyCommands {
		t.Run(cmd.name, func(t *testing.T) {
			noFormatters(t)
			out := filepath.Join(t.TempDir(), "chatclient")
			generateWith(t, cmd, out)
			want := chatPython(t, "chatclient", false)
			custom := want["base/client.py"] + "\n# customised by the user\n"
			writeFile(t, filepath.Join(out, "base", "client.py"), custom)
			writeFile(t, filepath.Join(out, "base", "auth.py"), "TOKEN = 'mine'\n")

			stdout := generateWith(t, cmd, out)
			if want := "chanx " + cmd.name + ": wrote 5 files to " + out + " (kept base/; --override-base writes it anew)\n"; stdout != want {
				t.Errorf("stdout %q, want %q", stdout, want)
			}
			got := tree(t, out)
			if got["base/client.py"] != custom || got["base/auth.py"] != "TOKEN = 'mine'\n" {
				t.Errorf("a default regeneration changed base/: client.py customised %v, auth.py %q",
					got["base/client.py"] == custom, got["base/auth.py"])
			}

			generateWith(t, cmd, out, "--override-base")
			got = tree(t, out)
			if got["base/client.py"] != want["base/client.py"] {
				t.Error("--override-base kept the customised base/client.py")
			}
			if got["base/auth.py"] != "TOKEN = 'mine'\n" {
				t.Errorf("--override-base removed the user's base/auth.py: %q", got["base/auth.py"])
			}
		})
	}
}

// TestGenerateClientClearing: a default regeneration clears what chanx
// wrote in channel folders (a channel gone from the document disappears)
// but not the user's files; --no-clear-channels keeps the old files;
// --clear-output removes every file chanx wrote, base/ included, and
// nothing else.
func TestGenerateClientClearing(t *testing.T) {
	for _, cmd := range pyCommands {
		t.Run(cmd.name, func(t *testing.T) {
			noFormatters(t)
			out := filepath.Join(t.TempDir(), "chatclient")
			generateWith(t, cmd, out)
			marked := "# Code generated by chanx. DO NOT EDIT.\n"
			stale := map[string]string{
				"old_channel/__init__.py": marked,
				"old_channel/client.py":   marked + "x = 1\n",
			}
			mine := map[string]string{
				"chat/notes.py":          "# my notes\n",
				"mine/__init__.py":       "# my own package\n",
				"tools/api/api.go":       "// Code generated by chanx. DO NOT EDIT.\n\npackage api\n",
				"settings.py":            "DEBUG = True\n",
				"old_channel/mine.txt":   "kept\n",
				"base/auth.py":           "TOKEN = 'mine'\n",
				"__pycache__/x.cpython":  "bytecode",
				"chat/__pycache__/x.pyc": "bytecode",
			}
			for n, text := range stale {
				writeFile(t, filepath.Join(out, n), text)
			}
			for n, text := range mine {
				writeFile(t, filepath.Join(out, n), text)
			}

			generateWith(t, cmd, out, "--no-clear-channels")
			got := tree(t, out)
			for n, text := range stale {
				if got[n] != text {
					t.Errorf("--no-clear-channels removed %s", n)
				}
			}

			generateWith(t, cmd, out)
			got = tree(t, out)
			for n := range stale {
				if _, ok := got[n]; ok {
					t.Errorf("a default regeneration kept the stale %s", n)
				}
			}
			for n, text := range mine {
				if got[n] != text {
					t.Errorf("a default regeneration changed the user's %s: %q", n, got[n])
				}
			}

			generateWith(t, cmd, out, "--clear-output", "--no-readme")
			got = tree(t, out)
			want := chatPython(t, "chatclient", true)
			for n, text := range mine {
				want[n] = text
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("--clear-output (-want +got):\n%s", diff)
			}
			// The user's files stay also when --clear-output finds chanx's README
			// and base/ files to remove first, and nothing is left behind.
			writeFile(t, filepath.Join(out, "base", "client.py"), "# customised\n")
			generateWith(t, cmd, out, "--clear-output")
			got = tree(t, out)
			if got["base/client.py"] != chatPython(t, "chatclient", false)["base/client.py"] || got["base/auth.py"] != mine["base/auth.py"] {
				t.Errorf("--clear-output did not write base/ anew around the user's file")
			}
			var names []string
			for n := range got {
				names = append(names, n)
			}
			sort.Strings(names)
			if _, ok := got["README.md"]; !ok {
				t.Errorf("--clear-output without --no-readme wrote no README.md: %v", names)
			}
		})
	}
}

// fakeTool writes an executable shell script named name into dir.
func fakeTool(t *testing.T, dir, name, script string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGenerateClientFormatter: --formatter runs on the written .py files
// (not README.md, not a kept base/); a failing one has its error printed,
// exit 1, and leaves the files as generated; ruff is found on PATH before
// black; --no-format runs none.
func TestGenerateClientFormatter(t *testing.T) {
	bin := t.TempDir()
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	// Each formatter appends a line naming itself to every file it is given.
	mark := `for f in "$@"; do case "$f" in -*) ;; *) echo "# formatted by $0" >> "$f";; esac; done` + "\n"
	fakeTool(t, bin, "black", mark)
	fmtCmd := fakeTool(t, t.TempDir(), "myfmt", mark)
	broken := fakeTool(t, t.TempDir(), "broken", "echo 'error: cannot parse client.py: line 3' >&2\nexit 3\n")
	want := chatPython(t, "chatclient", false)

	t.Run("Failing", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "chatclient")
		code, stdout, stderr := chanx("generate-client", "-s", chatDoc, "-o", out, "--formatter", broken)
		wantErr := `chanx generate-client: formatter "` + broken + `" failed; the files are written unformatted: exit status 3: error: cannot parse client.py: line 3` + "\n"
		if code != 1 || stderr != wantErr {
			t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr, wantErr)
		}
		if !strings.Contains(stdout, "wrote 8 files") {
			t.Errorf("stdout %q", stdout)
		}
		if diff := cmp.Diff(want, tree(t, out)); diff != "" {
			t.Errorf("the files are not as generated (-generated +written):\n%s", diff)
		}
	})

	t.Run("FailingGenClient", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "chatclient")
		code, stdout, stderr := chanx("gen", "client", "--lang", "python", "-s", chatDoc, "-o", out, "--formatter", broken)
		wantErr := `chanx gen client: formatter "` + broken + `" failed; the files are written unformatted: exit status 3: error: cannot parse client.py: line 3` + "\n"
		if code != 1 || stderr != wantErr || !strings.Contains(stdout, "wrote 8 files") {
			t.Errorf("exit %d, stdout %q, stderr %q; want 1, %q", code, stdout, stderr, wantErr)
		}
		if diff := cmp.Diff(want, tree(t, out)); diff != "" {
			t.Errorf("the files are not as generated (-generated +written):\n%s", diff)
		}
	})

	t.Run("Given", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "chatclient")
		stdout := generateClient(t, out, "-f", fmtCmd)
		if !strings.HasSuffix(stdout, ", formatted with "+fmtCmd+"\n") {
			t.Errorf("stdout %q", stdout)
		}
		got := tree(t, out)
		for n, text := range got {
			formatted := strings.HasSuffix(text, "# formatted by "+fmtCmd+"\n")
			if formatted != strings.HasSuffix(n, ".py") {
				t.Errorf("%s formatted: %v", n, formatted)
			}
		}
		// A kept base/ is the user's: it is not formatted again.
		before := got["base/client.py"]
		generateClient(t, out, "-f", fmtCmd)
		if after := tree(t, out)["base/client.py"]; after != before {
			t.Error("the formatter ran on the kept base/")
		}
	})

	t.Run("Detected", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "chatclient")
		if stdout := generateClient(t, out); !strings.HasSuffix(stdout, ", formatted with black -q\n") {
			t.Errorf("stdout %q, want black detected", stdout)
		}
		fakeTool(t, bin, "ruff", mark)
		out = filepath.Join(t.TempDir(), "chatclient")
		if stdout := generateClient(t, out); !strings.HasSuffix(stdout, ", formatted with ruff format\n") {
			t.Errorf("stdout %q, want ruff preferred", stdout)
		}
		if text := tree(t, out)["chat/client.py"]; !strings.HasSuffix(text, "# formatted by "+filepath.Join(bin, "ruff")+"\n") {
			t.Errorf("ruff did not format chat/client.py:\n%s", text)
		}
	})

	t.Run("NoFormat", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "chatclient")
		if stdout := generateClient(t, out, "--no-format"); strings.Contains(stdout, "formatted") {
			t.Errorf("stdout %q", stdout)
		}
		if diff := cmp.Diff(want, tree(t, out)); diff != "" {
			t.Errorf("--no-format (-generated +written):\n%s", diff)
		}
	})
}

// TestGenerateClientUsage: unusable arguments exit 2 and write nothing;
// a broken document exits 1.
func TestGenerateClientUsage(t *testing.T) {
	x := filepath.Join(t.TempDir(), "x")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"generate-client", "-o", x}, 2, "chanx generate-client: --schema is required (see 'chanx generate-client --help')\n"},
		{[]string{"generate-client", "-s", chatDoc}, 2, "chanx generate-client: --output is required (see 'chanx generate-client --help')\n"},
		{[]string{"generate-client", "-s", chatDoc, "-o", x, "more"}, 2, "chanx generate-client: unexpected argument \"more\" (the document is given with --schema)\n"},
		{[]string{"generate-client", "-s", chatDoc, "-o", x, "-f", "black", "--no-format"}, 2, "chanx generate-client: --formatter and --no-format exclude each other\n"},
		{[]string{"generate-client", "-s", chatDoc, "-o", x, "-f", " "}, 2, "chanx generate-client: --formatter is empty\n"},
		{[]string{"generate-client", "-s", "missing.yaml", "-o", x}, 1, "chanx generate-client: read missing.yaml: no such file or directory\n"},
		{[]string{"generate-client", "--bogus"}, 2, "chanx: flag provided but not defined: -bogus (see 'chanx generate-client --help')\n"},
	} {
		code, _, stderr := chanx(tc.args...)
		if code != tc.code || stderr != tc.want {
			t.Errorf("chanx %s: exit %d, stderr %q; want %d, %q", strings.Join(tc.args, " "), code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(x); !os.IsNotExist(err) {
		t.Errorf("a failed run created %s (%v)", x, err)
	}
}

// TestGenerateClientSpeed measures generating the chat client (load,
// analyze, generate, write) and logs it (the issue asks for under 1 s;
// run with -v -run Speed to see it). Wall-clock time is not asserted: a
// loaded machine must not fail the suite.
func TestGenerateClientSpeed(t *testing.T) {
	noFormatters(t)
	out := filepath.Join(t.TempDir(), "chatclient")
	start := time.Now()
	generateClient(t, out)
	t.Logf("generate-client for the chat example took %v", time.Since(start))
}

// TestGenerateClientFromURL: --schema may be the http(s) URL a server
// publishes its document at, in JSON, as Python Chanx servers do
// (/asyncapi.json); the package is the one the YAML file gives.
func TestGenerateClientFromURL(t *testing.T) {
	noFormatters(t)
	doc, err := spec.Load(context.Background(), chatDoc, spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	bundled, err := spec.BundleJSON(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/asyncapi.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(bundled)
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "chatclient")
	code, _, stderr := chanx("generate-client", "--schema", srv.URL+"/asyncapi.json", "--output", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, want := tree(t, out), chatPython(t, "chatclient", false)
	for _, name := range []string{"chat/messages.py", "chat/client.py", "chat/__init__.py", "__init__.py"} {
		strip := func(s string) string { return strings.SplitN(s, "\n", 3)[2] }
		if !strings.HasPrefix(got[name], "# Code generated by chanx. DO NOT EDIT.\n# source: "+srv.URL+"/asyncapi.json\n") {
			t.Errorf("%s does not name the URL as its source:\n%s", name, got[name])
		}
		if diff := cmp.Diff(strip(want[name]), strip(got[name])); diff != "" {
			t.Errorf("%s from the URL differs (-file +URL):\n%s", name, diff)
		}
	}
}

// TestGenClientPythonCheck: 'chanx gen client --lang python --check'
// compares what writing would write: a kept base/ is the user's and not
// compared (unless --override-base), a changed or stale channel file is,
// and a formatter is applied before comparing.
func TestGenClientPythonCheck(t *testing.T) {
	noFormatters(t)
	gen := pyCommands[1]
	out := filepath.Join(t.TempDir(), "chatclient")
	generateWith(t, gen, out)
	check := func(flags ...string) (int, string) {
		code, stdout, stderr := chanx(append(append(append([]string(nil), gen.args...), "-s", chatDoc, "-o", out, "--check"), flags...)...)
		return code, stdout + stderr
	}
	if code, msg := check(); code != 0 {
		t.Fatalf("--check right after writing: exit %d\n%s", code, msg)
	}
	client := filepath.Join(out, "base", "client.py")
	orig, err := os.ReadFile(client)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, client, string(orig)+"# customised\n")
	if code, msg := check(); code != 0 {
		t.Errorf("--check with a customised base/: exit %d\n%s", code, msg)
	}
	if code, msg := check("--override-base"); code != 1 || !strings.Contains(msg, "-# customised") {
		t.Errorf("--check --override-base with a customised base/: exit %d\n%s", code, msg)
	}
	writeFile(t, client, string(orig))

	stale := filepath.Join(out, "old_channel", "__init__.py")
	writeFile(t, stale, "# Code generated by chanx. DO NOT EDIT.\n")
	if code, msg := check(); code != 1 || !strings.Contains(msg, stale+": generated by chanx but no longer generated") || !strings.Contains(msg, "chanx gen client: "+out+" is stale; regenerate it") {
		t.Errorf("--check with a stale channel: exit %d\n%s", code, msg)
	}
	if code, msg := check("--no-clear-channels"); code != 0 {
		t.Errorf("--check --no-clear-channels with a stale channel: exit %d\n%s", code, msg)
	}
	os.RemoveAll(filepath.Dir(stale))

	fmtCmd := fakeTool(t, t.TempDir(), "myfmt", `for f in "$@"; do echo "# formatted" >> "$f"; done`+"\n")
	generateWith(t, gen, out, "--override-base", "-f", fmtCmd)
	if code, msg := check("-f", fmtCmd); code != 0 {
		t.Errorf("--check with the formatter the output was written with: exit %d\n%s", code, msg)
	}
	if code, msg := check(); code != 1 || !strings.Contains(msg, "-# formatted") {
		t.Errorf("--check without the formatter the output was written with: exit %d\n%s", code, msg)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("--check left files beside the output: %v", entries)
	}
}

// TestGenClientLanguageFlags: flags of one language are refused with the
// other, exit 2.
func TestGenClientLanguageFlags(t *testing.T) {
	x := filepath.Join(t.TempDir(), "x")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--lang", "python", "--types-package", "example.com/t"}, "chanx gen client: --types-package is for --lang go, not --lang python (see 'chanx gen client --help')\n"},
		{[]string{"--lang", "python", "--typed-formats"}, "chanx gen client: --typed-formats is for --lang go, not --lang python (see 'chanx gen client --help')\n"},
		{[]string{"--override-base"}, "chanx gen client: --override-base is for --lang python or typescript, not --lang go (see 'chanx gen client --help')\n"},
		{[]string{"--lang", "go", "--no-clear-channels"}, "chanx gen client: --no-clear-channels is for --lang python, not --lang go (see 'chanx gen client --help')\n"},
		{[]string{"--lang", "python", "--formatter", "black", "--no-format"}, "chanx gen client: --formatter and --no-format exclude each other\n"},
	} {
		code, _, stderr := chanx(append([]string{"gen", "client", "-s", chatDoc, "-o", x}, tc.args...)...)
		if code != 2 || stderr != tc.want {
			t.Errorf("%v: exit %d, stderr %q; want 2, %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(x); !os.IsNotExist(err) {
		t.Errorf("a refused run created %s (%v)", x, err)
	}
}
