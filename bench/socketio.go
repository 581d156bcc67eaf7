package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// startSocketIO serves bench/peers/socketio with Node, installing its npm
// dependencies (pinned by package-lock.json) on first use.
func startSocketIO(ctx context.Context, o startOptions) (*runningPeer, error) {
	dir, err := repoDir("bench/peers/socketio")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io")); err != nil {
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("socketio peer: npm ci (needs node and npm): %v\n%s", err, tail(out, 1000))
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	var env []string
	if o.layer == "redis" {
		env = append(env, "BENCH_REDIS_URL="+o.redisURL)
	}
	return startProcess(ctx, "socketio", port, env, dir, "node", "server.js", "--port", fmt.Sprint(port))
}
