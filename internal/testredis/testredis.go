package testredis

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment variables that change where the server comes from.
const (
	// EnvURL points the tests at an existing server instead of starting one.
	EnvURL = "CHANX_TEST_REDIS_URL"
	// EnvRequired set to "required" turns a missing redis-server binary
	// from a skip into a failure.
	EnvRequired = "CHANX_TEST_REDIS"
)

// startTimeout bounds how long Start and Restart wait for PONG.
const startTimeout = 10 * time.Second

// Server is a redis-server a test owns (or, with CHANX_TEST_REDIS_URL, one
// it borrows).
type Server struct {
	t     testing.TB
	url   string
	addr  string // host:port, "" for a borrowed server
	dir   string
	extra []string // more redis-server arguments

	mu   sync.Mutex
	proc *proc // nil while killed
}

// Start returns a running Redis for t, stopped by t.Cleanup. It starts a
// fresh redis-server on a free loopback port unless CHANX_TEST_REDIS_URL is
// set, and skips the test when redis-server is not installed (fails
// instead when CHANX_TEST_REDIS=required).
func Start(t testing.TB) *Server {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return &Server{t: t, url: u}
	}
	return startOwn(t, lookBinary(t))
}

// StartWith is Start with more redis-server arguments after the
// defaults (which turn persistence off), such as "--appendonly", "yes" for
// a server whose data survives Restart; the data lives in a temporary
// directory of the test's own. It skips the test when CHANX_TEST_REDIS_URL
// is set, since a borrowed server has its own configuration.
func StartWith(t testing.TB, args ...string) *Server {
	t.Helper()
	if os.Getenv(EnvURL) != "" {
		t.Skip("testredis: StartWith needs a server the test starts itself; " + EnvURL + " is set")
	}
	return startOwn(t, lookBinary(t), args...)
}

// lookBinary finds redis-server, skipping (or, when required, failing)
// the test without it.
func lookBinary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "testredis: redis-server is not on PATH; install Redis (apt-get install redis-server) or set " + EnvURL
		if os.Getenv(EnvRequired) == "required" {
			t.Fatal(msg + " (" + EnvRequired + "=required)")
		}
		t.Skip(msg)
	}
	return bin
}

// startOwn starts a redis-server the test owns, with extra arguments
// after the defaults, and registers its cleanup.
func startOwn(t testing.TB, bin string, extra ...string) *Server {
	t.Helper()
	s := &Server{t: t, dir: t.TempDir(), extra: extra}
	// A free port found by listening can be taken by someone else before
	// redis-server binds it, so try a few.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("testredis: %v", err)
		}
		s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.url = "redis://" + s.addr
		err = s.start(bin)
		if err == nil {
			break
		}
		if attempt == 2 {
			t.Fatalf("testredis: %v", err)
		}
	}
	t.Cleanup(s.stop)
	return s
}

// Borrowed reports whether the server came from CHANX_TEST_REDIS_URL, so
// tests that would change its configuration can skip.
func (s *Server) Borrowed() bool { return s.addr == "" }

// URL is the redis:// URL of the server.
func (s *Server) URL() string { return s.url }

// Addr is the server's host:port.
func (s *Server) Addr() string {
	if s.addr == "" {
		return strings.TrimPrefix(strings.TrimPrefix(s.url, "redis://"), "rediss://")
	}
	return s.addr
}

// Kill stops the server abruptly (SIGKILL), as a crash would, and returns
// once the process is gone. It skips the test on a borrowed server.
func (s *Server) Kill() {
	s.t.Helper()
	if s.addr == "" {
		s.t.Skip("testredis: Kill needs a server the test starts itself; " + EnvURL + " is set")
	}
	s.stop()
}

// Restart starts the server again on the same port after Kill, and returns
// once it answers PING. It skips the test on a borrowed server.
func (s *Server) Restart() {
	s.t.Helper()
	if s.addr == "" {
		s.t.Skip("testredis: Restart needs a server the test starts itself; " + EnvURL + " is set")
	}
	s.stop()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		s.t.Fatalf("testredis: restart: %v", err)
	}
	if err := s.start(bin); err != nil {
		s.t.Fatalf("testredis: restart: %v", err)
	}
}

// start launches redis-server on s.addr and waits for PONG.
func (s *Server) start(bin string) error {
	_, port, _ := net.SplitHostPort(s.addr)
	args := append([]string{
		"--bind", "127.0.0.1",
		"--port", port,
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "",
	}, s.extra...)
	cmd := exec.Command(bin, args...)
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	deadline := time.Now().Add(startTimeout)
	for ping(s.addr) != nil {
		select {
		case <-p.done:
			return fmt.Errorf("redis-server on %s exited (%v): %s", s.addr, p.err, lastLines(log.String(), 5))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return fmt.Errorf("redis-server on %s did not answer PING within %v: %s", s.addr, startTimeout, lastLines(log.String(), 5))
		}
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// stop kills the process if it runs and waits until it is gone, which
// frees its port for a Restart.
func (s *Server) stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// proc is one run of redis-server.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when Wait returned
	err  error         // Wait's result, set before done closes
}

func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// ping sends PING and checks for PONG.
func ping(addr string) error {
	got, err := command(addr, "PING")
	if err != nil {
		return err
	}
	if got != "PONG" {
		return fmt.Errorf("ping %s: got %q", addr, got)
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// syncBuffer collects the server's log for error messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 64<<10 {
		b.b.Reset()
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Pause stops the server with SIGSTOP, as a hung server would be: its
// connections stay open and its port accepts connections, but nothing is
// answered until Resume. It skips the test on a borrowed server; a paused
// server still stops at the end of the test.
func (s *Server) Pause() {
	s.t.Helper()
	s.signal("Pause", sigStop)
}

// Resume continues a server stopped by Pause (SIGCONT).
func (s *Server) Resume() {
	s.t.Helper()
	s.signal("Resume", sigCont)
}

func (s *Server) signal(what string, sig os.Signal) {
	s.t.Helper()
	if sig == nil {
		s.t.Skip("testredis: " + what + " needs SIGSTOP/SIGCONT, which this system lacks")
	}
	if s.addr == "" {
		s.t.Skip("testredis: " + what + " needs a server the test starts itself; " + EnvURL + " is set")
	}
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		s.t.Fatalf("testredis: %s: the server is not running", what)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("testredis: %s: %v", what, err)
	}
}
