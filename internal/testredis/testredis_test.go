package testredis_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/chanxgo/chanx/internal/testredis"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func do(addr, cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestStartKillRestart(t *testing.T) {
	s := testredis.Start(t)
	if !strings.HasPrefix(s.URL(), "redis://127.0.0.1:") {
		t.Fatalf("URL = %q, want redis://127.0.0.1:<port>", s.URL())
	}
	if strings.HasSuffix(s.Addr(), ":6379") {
		t.Fatalf("Addr = %q: must not use the machine's default Redis port", s.Addr())
	}
	if got, err := do(s.Addr(), "SET k v"); err != nil || got != "+OK\r\n" {
		t.Fatalf("SET: %q, %v", got, err)
	}
	s.Kill()
	if _, err := do(s.Addr(), "PING"); err == nil {
		t.Fatal("PING succeeded after Kill")
	}
	s.Restart()
	if got, err := do(s.Addr(), "PING"); err != nil || got != "+PONG\r\n" {
		t.Fatalf("PING after Restart: %q, %v", got, err)
	}
	// Persistence is off: a restart starts empty.
	if got, err := do(s.Addr(), "GET k"); err != nil || got != "$-1\r\n" {
		t.Fatalf("GET after Restart: %q, %v, want a nil reply", got, err)
	}
}

// A paused server keeps its port open but answers nothing (the PING times
// out, it is not refused) until it is resumed.
func TestPauseResume(t *testing.T) {
	s := testredis.Start(t)
	s.Pause()
	got, err := do(s.Addr(), "PING")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("PING to a paused server: %q, %v, want a timeout", got, err)
	}
	s.Resume()
	if got, err := do(s.Addr(), "PING"); err != nil || got != "+PONG\r\n" {
		t.Fatalf("PING after Resume: %q, %v", got, err)
	}
}

func TestBorrowedServer(t *testing.T) {
	t.Setenv(testredis.EnvURL, "")
	own := testredis.Start(t)
	t.Setenv(testredis.EnvURL, own.URL())
	s := testredis.Start(t)
	if s.URL() != own.URL() {
		t.Fatalf("URL = %q, want the borrowed %q", s.URL(), own.URL())
	}
	if !s.Borrowed() || own.Borrowed() {
		t.Fatalf("Borrowed() = %v for the borrowed server and %v for the owned one", s.Borrowed(), own.Borrowed())
	}
	t.Run("KillSkips", func(t *testing.T) {
		testredis.Start(t).Kill()
		t.Fatal("Kill on a borrowed server did not skip")
	})
}

func TestMissingBinarySkips(t *testing.T) {
	t.Setenv(testredis.EnvURL, "")
	t.Setenv(testredis.EnvRequired, "")
	t.Setenv("PATH", t.TempDir())
	var skipped bool
	t.Run("start", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		testredis.Start(t)
	})
	if !skipped {
		t.Fatal("Start did not skip without redis-server on PATH")
	}
}

// With CHANX_TEST_REDIS=required a missing binary fails the test; checked
// in a child process because the failure is the point.
func TestMissingBinaryFailsWhenRequired(t *testing.T) {
	if os.Getenv("TESTREDIS_CHILD") == "1" {
		testredis.Start(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMissingBinaryFailsWhenRequired$", "-test.v")
	cmd.Env = append(os.Environ(), "TESTREDIS_CHILD=1", "PATH="+t.TempDir(),
		testredis.EnvRequired+"=required", testredis.EnvURL+"=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child passed, want a failure:\n%s", out)
	}
	want := "testredis: redis-server is not on PATH; install Redis (apt-get install redis-server) or set CHANX_TEST_REDIS_URL (CHANX_TEST_REDIS=required)"
	if !strings.Contains(string(out), want) {
		t.Fatalf("child output lacks %q:\n%s", want, out)
	}
}

func TestStartCluster(t *testing.T) {
	c := testredis.StartCluster(t, 3)
	if len(c.Nodes) != 3 {
		t.Fatalf("%d nodes, want 3", len(c.Nodes))
	}
	want := "redis://" + c.Nodes[0].Addr() + "?addr=" + c.Nodes[1].Addr() + "&addr=" + c.Nodes[2].Addr()
	if c.URL() != want {
		t.Fatalf("URL = %q, want %q", c.URL(), want)
	}
	// The slots are spread: exactly one node owns foo's slot, the others
	// redirect to it (a lone, non-cluster Redis would answer OK everywhere).
	var owners, moved int
	for _, n := range c.Nodes {
		got, err := do(n.Addr(), "SET foo bar")
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case got == "+OK\r\n":
			owners++
		case strings.HasPrefix(got, "-MOVED "):
			moved++
		default:
			t.Fatalf("SET foo on %s = %q, want OK or a MOVED redirection", n.Addr(), got)
		}
	}
	if owners != 1 || moved != len(c.Nodes)-1 {
		t.Fatalf("SET foo: %d nodes answered OK and %d redirected, want 1 and %d", owners, moved, len(c.Nodes)-1)
	}
}
