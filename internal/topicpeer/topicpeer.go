package topicpeer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/nodetest"
)

// Dir is the folder holding server.js, client.js and asyncapi.yaml.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Document is the path of asyncapi.yaml, the server's document.
func Document() string { return filepath.Join(Dir(), "asyncapi.yaml") }

// Flag values of StartServer that break the server on purpose.
const (
	// NoRef makes the server never echo ref.
	NoRef = "--no-ref"
	// NoTopics makes it a server without topics: subscribe gets
	// union_tag_invalid from the hub's own handlers.
	NoTopics = "--no-topics"
)

// nodeEnv points Node's require at the pinned node_modules.
func nodeEnv(tools *nodetest.Tools) []string {
	return append(os.Environ(), "NODE_PATH="+tools.NodeModules)
}

// StartServer starts server.js with flags on a free loopback port and
// returns its base URL ("ws://127.0.0.1:PORT"); the process is killed when
// the test ends.
func StartServer(t testing.TB, flags ...string) string {
	t.Helper()
	tools := nodetest.Require(t)
	cmd := exec.Command(tools.Node, append([]string{"server.js", "--port", "0"}, flags...)...)
	cmd.Dir = Dir()
	cmd.Env = nodeEnv(tools)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("topicpeer: start server.js: %v", err)
	}
	exited := make(chan struct{})
	port := make(chan string, 1)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				port <- p
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		_ = cmd.Wait()
	})
	select {
	case p := <-port:
		return "ws://127.0.0.1:" + p
	case <-exited:
		t.Fatalf("topicpeer: server.js exited before listening:\n%s", stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("topicpeer: server.js did not print 'listening <port>' within 20s:\n%s", stderr.String())
	}
	return ""
}

// RunClient runs client.js against the server at base (its ws:// base
// URL; the client joins /ws/topics and /ws/topics/room/{room} to it) with
// extra arguments, and returns its output and an error when it did not
// exit 0 (its "FAIL: ..." line says which step failed).
func RunClient(t testing.TB, base string, args ...string) (string, error) {
	t.Helper()
	tools := nodetest.Require(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tools.Node, append([]string{"client.js", base}, args...)...)
	cmd.Dir = Dir()
	cmd.Env = nodeEnv(tools)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("topicpeer: client.js gave no result within 2m: %w", ctx.Err())
	case errors.As(err, &ee):
		err = fmt.Errorf("topicpeer: client.js exited %d: %s", ee.ExitCode(), strings.TrimSpace(out.String()))
	case err != nil:
		err = fmt.Errorf("topicpeer: client.js: %w", err)
	}
	return out.String(), err
}
