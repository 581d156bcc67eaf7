package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

// childRedisEnv, when set, makes the test binary run the example itself on
// that Redis (as `go run ./examples/topics -redis URL` does) instead of the
// tests: the second server process of TestGeneratedClientTwoProcesses.
const childRedisEnv = "CHANX_TOPICS_CHILD_REDIS"

func TestMain(m *testing.M) {
	if url := os.Getenv(childRedisEnv); url != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, "127.0.0.1:0", url, os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "topics child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startChild runs the example in a process of its own on the Redis at url
// and returns its base URL, ws://host:port.
func startChild(t *testing.T, url string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childRedisEnv+"="+url)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the child server printed no address: %v", err)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "topics: listening on ")
	if !ok {
		t.Fatalf("the child server printed %q, want its address", line)
	}
	go func() { _, _ = bufio.NewReader(out).WriteTo(discard{}) }()
	return strings.TrimSuffix(base, "/ws/topics")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestGeneratedClientTwoProcesses: the generated client talks to the
// example running in a second OS process on one Redis; the pushes come
// from this process's server. Subscribe, unauthorized and unknown_topic
// are answered by the child, pushes carry the seq the shared history
// assigned, the reply by ref is told from a same-type push, and
// unsubscribe is followed by not_subscribed.
func TestGeneratedClientTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs redis-server and a second process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs := testredis.Start(t)
	child := startChild(t, rs.URL())
	l, err := redislayer.New(ctx, rs.URL(), redislayer.Options{KeyPrefix: "topics-example", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	_, rooms := serve(t, l)
	c := hubClient(t, ctx, child)
	exerciseTopics(t, ctx, c.Client, rooms, rooms)
	exerciseDedicated(t, ctx, child, rooms)
}
