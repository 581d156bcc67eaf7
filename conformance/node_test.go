package conformance_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/conformance"
)

// nodeTool finds node or npm; without them the test is skipped, unless
// CHANX_TEST_NODE=required makes their absence a failure.
func nodeTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CHANX_TEST_NODE") == "required" {
			t.Fatalf("%s is not installed and CHANX_TEST_NODE=required", name)
		}
		t.Skipf("%s is not installed: skipping the test against the Node implementation (set CHANX_TEST_NODE=required to make this a failure)", name)
	}
	return path
}

// startNodeChat installs the ws dependency when it is missing and starts
// testdata/node-chat/server.js on a free port.
func startNodeChat(t *testing.T) string {
	t.Helper()
	node := nodeTool(t, "node")
	dir, err := filepath.Abs(filepath.Join("testdata", "node-chat"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ws")); err != nil {
		npm := nodeTool(t, "npm")
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			msg := fmt.Sprintf("npm ci in %s: %v\n%s", dir, err, out)
			if os.Getenv("CHANX_TEST_NODE") == "required" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	cmd := exec.Command(node, "server.js", "--port", "0")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				port <- p
			}
		}
	}()
	select {
	case p := <-port:
		return "ws://127.0.0.1:" + p
	case <-time.After(20 * time.Second):
		t.Fatal("the node server did not print 'listening <port>' within 20s")
	}
	return ""
}

// TestNodeImplementationPasses runs the tester against the chat document
// implemented in JavaScript with ws: a server that owes nothing to chanx.
func TestNodeImplementationPasses(t *testing.T) {
	url := startNodeChat(t)
	rep := conformance.Run(t, chatAPI(t), url, conformance.WithSeed(11), conformance.WithTimeout(10*time.Second), conformance.WithQuiet(100*time.Millisecond))
	if rep != nil && rep.Failed() {
		var b strings.Builder
		rep.WriteText(&b)
		t.Log(b.String())
	}
}

// The chat example built with chanx is held to every check by
// TestConformance in examples/chat, which starts the example itself.
