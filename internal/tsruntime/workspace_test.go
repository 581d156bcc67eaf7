package tsruntime_test

import (
	"bufio"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/nodetest"
	"github.com/chanxgo/chanx/templates"
)

// workspace lays out, in a temporary folder, what the TypeScript target
// will emit for the chat document (chatclient/ with the runtime in
// chatclient/base/) beside the test scripts (tests/), with node_modules
// linked to the pinned tools.
func workspace(t *testing.T) (*nodetest.Tools, string) {
	t.Helper()
	tools := nodetest.Require(t)
	dir := t.TempDir()
	base, err := fs.Sub(templates.TypeScriptBase, "typescript/base")
	if err != nil {
		t.Fatal(err)
	}
	copyFS(t, base, filepath.Join(dir, "chatclient", "base"))
	copyFS(t, os.DirFS(filepath.Join("testdata", "chatclient")), filepath.Join(dir, "chatclient"))
	copyFS(t, os.DirFS(filepath.Join("testdata", "node")), filepath.Join(dir, "tests"))
	copyFS(t, os.DirFS(filepath.Join("testdata", "typecheck")), filepath.Join(dir, "typecheck"))
	tools.LinkModules(t, dir)
	return tools, dir
}

func copyFS(t *testing.T, src fs.FS, dst string) {
	t.Helper()
	err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, path)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(src, path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy into %s: %v", dst, err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	chatBinOnce sync.Once
	chatBin     string
	chatBinErr  error
	chatBinOut  []byte
	chatBinDir  string
)

// buildChat builds examples/chat once per test process and returns the
// binary's path.
func buildChat(t *testing.T) string {
	t.Helper()
	chatBinOnce.Do(func() {
		chatBinDir, chatBinErr = os.MkdirTemp("", "chanx-tsruntime-")
		if chatBinErr != nil {
			return
		}
		chatBin = filepath.Join(chatBinDir, "chat")
		cmd := exec.Command("go", "build", "-o", chatBin, "github.com/chanxgo/chanx/examples/chat")
		chatBinOut, chatBinErr = cmd.CombinedOutput()
	})
	if chatBinErr != nil {
		t.Fatalf("go build examples/chat: %v\n%s", chatBinErr, chatBinOut)
	}
	return chatBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chatBinDir != "" {
		os.RemoveAll(chatBinDir)
	}
	os.Exit(code)
}

// startChat runs the chat server binary on a free loopback port, stopped
// when the test ends, and returns its ws:// base URL.
func startChat(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(buildChat(t), "-addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the chat server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "chat: listening on http://"); ok {
				addr <- strings.TrimSuffix(rest, "/chat/")
			}
		}
	}()
	select {
	case a := <-addr:
		return "ws://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("the chat server did not say where it listens within 30s")
	}
	return ""
}

// bundle compiles a TypeScript entry point with esbuild into one ES module
// for Node, leaving packages (ws, playwright-core) as imports.
func bundle(t *testing.T, tools *nodetest.Tools, dir, entry, out string, extra ...string) {
	t.Helper()
	args := append([]string{entry, "--bundle", "--format=esm", "--log-level=warning", "--outfile=" + out}, extra...)
	tools.Run(t, dir, 2*time.Minute, tools.Esbuild(), args...)
}

// runNode runs node with env added and fails the test with its output
// when it exits non-zero; the output is logged either way.
func runNode(t *testing.T, tools *nodetest.Tools, dir string, timeout time.Duration, env []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tools.Node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", strings.Join(args, " "), out)
	if ctx.Err() != nil {
		t.Fatalf("node %s did not finish within %v", strings.Join(args, " "), timeout)
	}
	if err != nil {
		t.Fatalf("node %s: %v", strings.Join(args, " "), err)
	}
}
