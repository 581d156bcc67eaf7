package pyruntime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies the folder src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pyrightProject lays out the chat package and usage (a user's module) in
// a fresh folder for pyright.
func pyrightProject(t *testing.T, usage string) string {
	t.Helper()
	dir := t.TempDir()
	layChatPackage(t, filepath.Join(dir, "chatclient"))
	if err := os.WriteFile(filepath.Join(dir, "usage.py"), []byte(usage), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPyright: the chat package (runtime included) and a user's module
// using it are clean under pyright's strict mode; with one case removed
// from the user's match over IncomingMessage, assert_never fails.
func TestPyright(t *testing.T) {
	py := Find(t)
	pr := FindPyright(t)
	b, err := os.ReadFile(filepath.Join("testdata", "pyright", "usage.py"))
	if err != nil {
		t.Fatal(err)
	}
	usage := string(b)

	t.Run("Strict", func(t *testing.T) {
		dir := pyrightProject(t, usage)
		// The README tour's Python snippet is checked with it.
		if err := os.WriteFile(filepath.Join(dir, "readme_tour.py"), []byte(readmePython(t)), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, d := range pr.Check(t, py, dir) {
			t.Errorf("pyright: %s", d)
		}
	})

	// The package claims Python 3.10 (match statements); its standard
	// library is checked against 3.10's (usage.py needs 3.11's
	// typing.assert_never, so it stays out).
	t.Run("Python3.10", func(t *testing.T) {
		dir := t.TempDir()
		layChatPackage(t, filepath.Join(dir, "chatclient"))
		for _, d := range pr.CheckFor(t, py, dir, "3.10") {
			t.Errorf("pyright (3.10): %s", d)
		}
	})

	t.Run("ExhaustivenessBites", func(t *testing.T) {
		var kept []string
		removed := 0
		for _, line := range strings.Split(usage, "\n") {
			if strings.HasSuffix(line, "# removed by the test") {
				removed++
				continue
			}
			kept = append(kept, line)
		}
		if removed != 2 {
			t.Fatalf("usage.py has %d lines marked for removal, want 2 (a case and its body)", removed)
		}
		dir := pyrightProject(t, strings.Join(kept, "\n"))
		// And a module sending a message only the server sends.
		wrong := "from chatclient.chat import ChatClient, PongMessage\n\n\n" +
			"async def send(client: ChatClient) -> None:\n" +
			"    await client.send_message(PongMessage())\n"
		if err := os.WriteFile(filepath.Join(dir, "wrong_send.py"), []byte(wrong), 0o644); err != nil {
			t.Fatal(err)
		}
		found := pr.Check(t, py, dir)
		if len(found) != 2 {
			t.Fatalf("pyright found %d problems, want 2 (assert_never, send_message):\n%v", len(found), found)
		}
		for _, d := range found {
			switch filepath.Base(d.File) {
			case "usage.py":
				if d.Rule != "reportArgumentType" ||
					!strings.Contains(d.Message, `Argument of type "PongMessage" cannot be assigned to parameter`) ||
					!strings.Contains(d.Message, `"Never"`) {
					t.Errorf("pyright: %s; want assert_never to reject PongMessage", d)
				}
			case "wrong_send.py":
				if d.Rule != "reportArgumentType" ||
					!strings.Contains(d.Message, `Argument of type "PongMessage" cannot be assigned to parameter "message"`) ||
					!strings.Contains(d.Message, `of type "OutgoingMessage" in function "send_message"`) {
					t.Errorf("pyright: %s; want send_message to reject PongMessage", d)
				}
			default:
				t.Errorf("pyright: %s; want problems only in usage.py and wrong_send.py", d)
			}
		}
	})
}

// TestPyrightWebsocketsAPIs: the two connect functions base/transport.py
// chooses between at import time are the ones its Protocols describe,
// under strict checking with the whole chat package: the legacy one of
// the installed websockets (10.4 here), and the asyncio one of websockets
// 13 and later through testdata/websockets13, a stub of its published
// signatures (websockets 13 cannot be installed here, so that code path is
// type-checked, not run).
func TestPyrightWebsocketsAPIs(t *testing.T) {
	py := Find(t)
	pr := FindPyright(t)
	project := func(t *testing.T, check string) string {
		dir := t.TempDir()
		layChatPackage(t, filepath.Join(dir, "chatclient"))
		b, err := os.ReadFile(filepath.Join("testdata", "pyright", check))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, check), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("Legacy", func(t *testing.T) {
		for _, d := range pr.Check(t, py, project(t, "legacy_api.py")) {
			t.Errorf("pyright (websockets %s): %s", py.Websockets, d)
		}
	})
	t.Run("Asyncio13", func(t *testing.T) {
		stubs, err := filepath.Abs(filepath.Join("testdata", "websockets13"))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range pr.CheckWithStubs(t, py, project(t, "asyncio_api.py"), stubs) {
			t.Errorf("pyright (websockets 13 stub): %s", d)
		}
	})
}

// readmePython is the README tour's one Python block.
func readmePython(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for rest := string(b); ; {
		_, after, ok := strings.Cut(rest, "\n```python\n")
		if !ok {
			break
		}
		block, tail, _ := strings.Cut(after, "\n```\n")
		blocks, rest = append(blocks, block+"\n"), tail
	}
	if len(blocks) != 1 {
		t.Fatalf("README.md has %d python blocks, want 1", len(blocks))
	}
	return blocks[0]
}
