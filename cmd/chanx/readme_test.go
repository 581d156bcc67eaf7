package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The README's commands and snippets, run as a newcomer runs them.

// moduleRoot is the module root, two folders up from cmd/chanx, found
// before any test changes folder.
var moduleRoot, moduleRootErr = filepath.Abs(filepath.Join("..", ".."))

func repoRoot(t *testing.T) string {
	t.Helper()
	if moduleRootErr != nil {
		t.Fatal(moduleRootErr)
	}
	return moduleRoot
}

// readmeSection is the part of README.md under the heading line head, up
// to the next heading of the same or a higher level.
func readmeSection(t *testing.T, head string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	level := strings.Index(head, " ")
	var out []string
	in := false
	fence := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if !fence && strings.HasPrefix(line, "#") {
			hashes := len(line) - len(strings.TrimLeft(line, "#"))
			if in && hashes <= level && strings.HasPrefix(line[hashes:], " ") {
				break
			}
			if line == head {
				in = true
				continue
			}
		}
		if in {
			out = append(out, line)
		}
	}
	if !in {
		t.Fatalf("README.md has no heading %q", head)
	}
	return strings.Join(out, "\n")
}

// codeBlocks are the fenced blocks of lang in text, without their fences.
func codeBlocks(text, lang string) []string {
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case !in && line == "```"+lang:
			in, cur = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// shellLines are a sh block's commands: comments after "# " dropped,
// blank lines skipped.
func shellLines(block string) []string {
	var lines []string
	for _, line := range strings.Split(block, "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	return lines
}

// copyDir copies the regular files under src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	for name, text := range tree(t, src) {
		writeFile(t, filepath.Join(dst, filepath.FromSlash(name)), text)
	}
}

// TestReadmeTourRunsAsWritten runs steps 1 and 2 of the README's tour
// exactly as written (the same folders, the same arguments, writing, not
// --check) in a copy of the repository's chat example, and then requires
// the generated packages to be byte for byte the committed ones: the tour
// run on a fresh clone leaves 'go test ./examples/chat' green.
func TestReadmeTourRunsAsWritten(t *testing.T) {
	noFormatters(t)
	root := repoRoot(t)
	tmp := t.TempDir()
	chat := filepath.Join("examples", "chat")
	generated := []string{"chattypes", "chatapi", "chatclient"}
	writeFile(t, filepath.Join(tmp, chat, "asyncapi.yaml"), tree(t, filepath.Join(root, chat))["asyncapi.yaml"])
	for _, dir := range generated {
		copyDir(t, filepath.Join(root, chat, dir), filepath.Join(tmp, chat, dir))
	}
	if err := os.MkdirAll(filepath.Join(tmp, "cmd", "chanx"), 0o755); err != nil {
		t.Fatal(err)
	}

	// run interprets one line of a tour block from the folder cwd (relative
	// to the copy's root): cd, or the chanx command run in process.
	cwd := "."
	run := func(line string) (stdout string) {
		t.Helper()
		fields := strings.Fields(line)
		switch {
		case len(fields) == 2 && fields[0] == "cd":
			cwd = filepath.Clean(filepath.Join(cwd, fields[1]))
			if st, err := os.Stat(filepath.Join(tmp, cwd)); err != nil || !st.IsDir() {
				t.Fatalf("README: %q: no folder %s in the repository", line, cwd)
			}
			return ""
		case len(fields) > 2 && fields[0] == "go" && fields[1] == "run":
			if cmd := filepath.Clean(filepath.Join(cwd, fields[2])); cmd != filepath.Join("cmd", "chanx") {
				t.Fatalf("README: %q runs %s, not cmd/chanx", line, cmd)
			}
			t.Chdir(filepath.Join(tmp, cwd))
			code, stdout, stderr := chanx(fields[3:]...)
			if code != 0 {
				t.Fatalf("README: %q from %s: exit %d\n%s%s", line, cwd, code, stdout, stderr)
			}
			return stdout
		}
		t.Fatalf("README: the tour test does not know how to run %q", line)
		return ""
	}

	// Step 1: the command and the output it shows.
	step1 := codeBlocks(readmeSection(t, "### 1. Write the document, check it"), "sh")
	if len(step1) != 1 {
		t.Fatalf("step 1 has %d sh blocks, want 1", len(step1))
	}
	lines := strings.Split(strings.TrimSpace(step1[0]), "\n")
	if len(lines) < 2 {
		t.Fatalf("step 1 should be a command and its output as comments:\n%s", step1[0])
	}
	var shown strings.Builder
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "# ") {
			t.Fatalf("step 1 should be a command and its output as comments:\n%s", step1[0])
		}
		shown.WriteString(strings.TrimPrefix(l, "# ") + "\n")
	}
	if got := run(lines[0]); got != shown.String() {
		t.Errorf("step 1 prints\n%s\nthe README shows\n%s", got, shown.String())
	}

	// Step 2: every sh block, in order.
	step2 := codeBlocks(readmeSection(t, "### 2. Generate the server and the client"), "sh")
	if len(step2) == 0 {
		t.Fatal("step 2 has no sh block")
	}
	ran := 0
	for _, block := range step2 {
		for _, line := range shellLines(block) {
			run(line)
			ran++
		}
	}
	if ran < 5 {
		t.Fatalf("step 2 ran %d commands; want at least cd, three gen commands, cd", ran)
	}

	// The committed packages are what the tour wrote, byte for byte, and
	// the tour wrote nothing else beside them.
	for _, dir := range generated {
		want := tree(t, filepath.Join(root, chat, dir))
		if diff := cmp.Diff(want, tree(t, filepath.Join(tmp, chat, dir))); diff != "" {
			t.Errorf("the tour changed the committed examples/chat/%s (-committed +tour):\n%s", dir, diff)
		}
	}
	entries, err := os.ReadDir(filepath.Join(tmp, chat))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(root, chat, e.Name())); err != nil {
			t.Errorf("the tour wrote examples/chat/%s, which is not committed", e.Name())
		}
	}
	// The Python client the tour generates from the root is a package.
	if _, err := os.Stat(filepath.Join(tmp, "chatclient", "chat", "client.py")); err != nil {
		t.Errorf("the tour's generate-client wrote no chatclient/chat/client.py: %v", err)
	}
}

// TestReadmeServerSnippetBuilds builds step 3's program, taken from
// README.md, as a main package beside the chat example (through a build
// overlay, so nothing is written into the repository).
func TestReadmeServerSnippetBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with the go command")
	}
	blocks := codeBlocks(readmeSection(t, "### 3. Implement the handler"), "go")
	if len(blocks) != 1 {
		t.Fatalf("step 3 has %d go blocks, want 1 complete program", len(blocks))
	}
	for _, want := range []string{"package main", "func main()", "c.Join(ctx,", "MountChat(", "BroadcastNewChatMessage("} {
		if !strings.Contains(blocks[0], want) {
			t.Errorf("step 3's program lacks %s", want)
		}
	}
	root := repoRoot(t)
	tmp := t.TempDir()
	src := filepath.Join(tmp, "main.go")
	writeFile(t, src, blocks[0])
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, "examples", "chat", "readmetour", "main.go"): src}})
	writeFile(t, filepath.Join(tmp, "overlay.json"), string(overlay))
	cmd := exec.Command("go", "build", "-overlay", filepath.Join(tmp, "overlay.json"), "-o", filepath.Join(tmp, "readmetour"), "./examples/chat/readmetour")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("step 3's program does not build: %v\n%s\n%s", err, out, blocks[0])
	}
}

// TestReadmeConsumerModule follows "Using chanx from your own module" in
// a new module outside the repository: its commands as written (the
// clone is a link to this checkout), its //go:generate lines, go generate,
// go build and --check. The module starts at go 1.26.0, the line chanx
// needs, and go mod tidy must leave it there.
//
// It needs the module proxy for the modules chanx's dependencies test
// with; without it, it skips. sum.golang.org cannot be reached from the
// machines chanx is tested on, so GOSUMDB is off.
func TestReadmeConsumerModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module with the go command")
	}
	section := readmeSection(t, "## Using chanx from your own module")
	sh := codeBlocks(section, "sh")
	gen := codeBlocks(section, "go")
	if len(sh) < 2 || len(gen) != 1 {
		t.Fatalf("the section has %d sh and %d go blocks, want at least 2 and 1", len(sh), len(gen))
	}
	root := repoRoot(t)
	tmp := t.TempDir()
	if err := os.Symlink(root, filepath.Join(tmp, "chanx")); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(tmp, "myapp")
	writeFile(t, filepath.Join(app, "go.mod"), "module example.com/myapp\n\ngo 1.26.0\n")
	writeFile(t, filepath.Join(app, "asyncapi.yaml"), tree(t, filepath.Join(root, "examples", "chat"))["asyncapi.yaml"])

	env := append(os.Environ(), "GOSUMDB=off", "GOWORK=off", "GOFLAGS=-mod=mod")
	run := func(line string) {
		t.Helper()
		fields := strings.Fields(line)
		switch {
		case len(fields) == 2 && fields[0] == "cd" && fields[1] == "myapp":
			return
		case len(fields) == 4 && fields[0] == "git" && fields[1] == "clone" && fields[3] == "../chanx":
			return // ../chanx links to this checkout
		case fields[0] != "go":
			t.Fatalf("README: the consumer test does not know how to run %q", line)
		}
		cmd := exec.Command("go", fields[1:]...)
		cmd.Dir, cmd.Env = app, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			if bytes.Contains(out, []byte("dial tcp")) || bytes.Contains(out, []byte("no such host")) {
				t.Skipf("the module proxy cannot be reached: %q: %s", line, out)
			}
			t.Fatalf("README: %q: %v\n%s", line, err, out)
		}
	}
	for _, line := range shellLines(sh[0]) {
		run(line)
	}
	writeFile(t, filepath.Join(app, "gen.go"), gen[0])
	for _, block := range sh[1:] {
		for _, line := range shellLines(block) {
			run(line)
		}
	}
	for _, dir := range []string{"chattypes", "chatapi", "chatclient"} {
		if _, err := os.Stat(filepath.Join(app, dir)); err != nil {
			t.Errorf("go generate wrote no %s: %v", dir, err)
		}
	}
	mod, err := os.ReadFile(filepath.Join(app, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "\ngo 1.26.0\n") || strings.Contains(string(mod), "\ntoolchain ") {
		t.Errorf("go mod tidy changed the go line (want go 1.26.0, no toolchain line):\n%s", mod)
	}
}
