package main

import (
	"context"
	"fmt"
	"os"
)

// benchRedis is a redis-server this run started for itself.
type benchRedis struct {
	url  string
	proc *runningPeer
	dir  string
}

func startRedis(ctx context.Context) (*benchRedis, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "chanx-bench-redis-")
	if err != nil {
		return nil, err
	}
	p, err := startProcess(ctx, "redis-server", port, nil, dir, "redis-server",
		"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start redis-server (install it with apt-get install redis-server): %w", err)
	}
	return &benchRedis{url: fmt.Sprintf("redis://127.0.0.1:%d", port), proc: p, dir: dir}, nil
}

func (r *benchRedis) stop() {
	_ = r.proc.stop()
	os.RemoveAll(r.dir)
}
