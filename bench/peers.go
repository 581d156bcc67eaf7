package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// peer is one server implementation of the chat protocol.
type peer struct {
	name string
	// about says what the peer is, for the report.
	about string
	// dialect is how the peer's clients speak the chat protocol.
	dialect dialect
	// layers the peer can broadcast through: "memory", "redis".
	layers []string
	// start launches the peer as a process serving on a free loopback port.
	start func(ctx context.Context, o startOptions) (*runningPeer, error)
}

// startOptions say how to start one server process of a peer.
type startOptions struct {
	layer    string // "memory" or "redis"
	redisURL string
	// cpuprofile is where a Go peer writes its CPU profile of the measured
	// window, and memprofile a heap profile at its end; other peers ignore
	// both.
	cpuprofile string
	memprofile string
}

func (p *peer) hasLayer(l string) bool {
	for _, x := range p.layers {
		if x == l {
			return true
		}
	}
	return false
}

// runningPeer is a peer's server process.
type runningPeer struct {
	name    string
	wsURL   string // ws://127.0.0.1:PORT
	dialect dialect
	cmd     *exec.Cmd
	done    chan struct{}
	// cpuprofile is the file the process profiles into between
	// startProfile and stopProfile; "" when it does not profile.
	cpuprofile string
	memprofile string
	profiled   atomic.Bool // startProfile was signalled (from a timer in rr)
	profiling  atomic.Bool // the profile is running: stopProfile has not been signalled
	// cpu is the CPU this process and the load generator use in the
	// measured window.
	cpu cpuWindow
}

// servers are the processes of one peer a scenario measures: one, or two
// sharing Redis.
type servers []*runningPeer

// startProfiles marks the start of the measured window: the Go peers
// start their CPU profiles, and every process's CPU time (and the load
// generator's) is noted.
func (ps servers) startProfiles() {
	for _, p := range ps {
		p.cpu.start(p.cmd.Process.Pid)
		p.startProfile()
	}
}

// stopProfiles marks the end of the measured window; only the first call
// counts.
func (ps servers) stopProfiles() {
	for _, p := range ps {
		p.cpu.end(p.cmd.Process.Pid)
		p.stopProfile()
	}
}

// cpuUse is the load generator's and the servers' (summed) CPU use in the
// measured window.
func (ps servers) cpuUse() (cpuUse, bool) {
	var total cpuUse
	for i, p := range ps {
		u, ok := p.cpu.use()
		if !ok {
			return cpuUse{}, false
		}
		if i == 0 {
			total.gen = u.gen
		}
		total.srv += u.srv
	}
	return total, len(ps) > 0
}

// stop ends every process and returns the CPU and heap profiles they
// wrote.
func (ps servers) stop() (cpu, heap []string, err error) {
	var errs []error
	for _, p := range ps {
		stopErr := p.stop()
		for _, w := range []struct {
			path  string
			files *[]string
		}{{p.cpuprofile, &cpu}, {p.memprofile, &heap}} {
			f, err := p.profile(w.path, stopErr)
			if f != "" {
				*w.files = append(*w.files, f)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return cpu, heap, errors.Join(errs...)
}

// startProfile asks a profiling peer to start its CPU profile (SIGUSR1).
func (r *runningPeer) startProfile() {
	if r.cpuprofile != "" && syscall.Kill(r.cmd.Process.Pid, syscall.SIGUSR1) == nil {
		r.profiled.Store(true)
		r.profiling.Store(true)
	}
}

// stopProfile asks a profiling peer to stop and flush its CPU profile
// (SIGUSR2), once. The file is complete once the process has exited
// (stop).
func (r *runningPeer) stopProfile() {
	if r.profiling.Swap(false) {
		_ = syscall.Kill(r.cmd.Process.Pid, syscall.SIGUSR2)
	}
}

// rssKiB reads the process's resident set size.
func (r *runningPeer) rssKiB() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, errors.New("no VmRSS")
}

// stop ends the process: SIGTERM, then SIGKILL if it has not exited within
// 10 s. It returns an error when the process was killed, since a profile it
// was writing may then be incomplete.
func (r *runningPeer) stop() error {
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-r.done:
		return nil
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.done
		return fmt.Errorf("%s did not exit within 10s of SIGTERM and was killed", r.name)
	}
}

// profile returns path, a profile the stopped process wrote, checking that
// it is there and not empty; "" when the process did not profile.
func (r *runningPeer) profile(path string, stopErr error) (string, error) {
	if path == "" || !r.profiled.Load() {
		return "", nil
	}
	if stopErr != nil {
		return "", fmt.Errorf("profile %s: %w", path, stopErr)
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("profile: %w", err)
	}
	if st.Size() == 0 {
		return "", fmt.Errorf("profile %s is empty", path)
	}
	return path, nil
}

// startProcess runs name args in its own process group and waits until it
// accepts TCP connections on port.
func startProcess(ctx context.Context, peerName string, port int, env []string, dir, name string, args ...string) (*runningPeer, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.CreateTemp("", "chanx-bench-"+peerName+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", peerName, err)
	}
	r := &runningPeer{name: peerName, wsURL: fmt.Sprintf("ws://127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(r.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return r, nil
		}
		select {
		case <-r.done:
			out, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("%s exited before listening:\n%s", peerName, tail(out, 2000))
		case <-ctx.Done():
			_ = r.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = r.stop()
			return nil, fmt.Errorf("%s did not listen on port %d within 30s (log: %s)", peerName, port, logf.Name())
		}
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// goPeer starts this binary's own `serve` subcommand.
func goPeer(name string) func(ctx context.Context, o startOptions) (*runningPeer, error) {
	return func(ctx context.Context, o startOptions) (*runningPeer, error) {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		args := []string{"serve", "-peer", name, "-addr", fmt.Sprintf("127.0.0.1:%d", port)}
		if o.layer == "redis" {
			args = append(args, "-redis", o.redisURL)
		}
		if o.cpuprofile != "" {
			args = append(args, "-cpuprofile", o.cpuprofile)
		}
		if o.memprofile != "" {
			args = append(args, "-memprofile", o.memprofile)
		}
		r, err := startProcess(ctx, name, port, nil, "", exe, args...)
		if err != nil {
			return nil, err
		}
		r.cpuprofile, r.memprofile = o.cpuprofile, o.memprofile
		return r, nil
	}
}

// repoDir finds a folder of this repository from the working directory
// (the module root, as `go run ./bench` is run) or the bench folder.
func repoDir(rel string) (string, error) {
	for _, base := range []string{".", ".."} {
		p := filepath.Join(base, rel)
		if _, err := os.Stat(p); err == nil {
			return filepath.Abs(p)
		}
	}
	return "", fmt.Errorf("cannot find %s: run the bench from the repository root", rel)
}
