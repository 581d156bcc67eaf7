package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// centrifugeBuild is the centrifuge peer's binary, built once per run.
var centrifugeBuild struct {
	once sync.Once
	path string
	err  error
}

// startCentrifuge serves bench/centrifugepeer, a module of its own, built
// with `go build` into a temporary folder on first use (the centrifuge
// modules come from the module proxy, or the module cache once fetched).
func startCentrifuge(ctx context.Context, o startOptions) (*runningPeer, error) {
	exe, err := buildCentrifuge(ctx)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"-addr", fmt.Sprintf("127.0.0.1:%d", port)}
	if o.layer == "redis" {
		args = append(args, "-redis", o.redisURL)
	}
	return startProcess(ctx, "centrifuge", port, nil, "", exe, args...)
}

func buildCentrifuge(ctx context.Context) (string, error) {
	b := &centrifugeBuild
	b.once.Do(func() {
		dir, err := repoDir("bench/centrifugepeer")
		if err != nil {
			b.err = err
			return
		}
		tmp, err := os.MkdirTemp("", "chanx-bench-centrifuge-")
		if err != nil {
			b.err = err
			return
		}
		exe := filepath.Join(tmp, "centrifugepeer")
		cmd := exec.CommandContext(ctx, goTool(), "build", "-o", exe, ".")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("centrifuge peer: go build in %s: %v\n%s", dir, err, tail(out, 1000))
			return
		}
		b.path = exe
	})
	return b.path, b.err
}

// cleanupCentrifuge removes the built binary, if any.
func cleanupCentrifuge() {
	if centrifugeBuild.path != "" {
		os.RemoveAll(filepath.Dir(centrifugeBuild.path))
	}
}

// goTool is the go command: the one on PATH (go run puts its own there).
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}
