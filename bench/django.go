package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// djangoPackages are the Debian packages the Django peer runs on.
var djangoPackages = []string{"python3-django-channels", "python3-channels-redis", "daphne"}

// startDjango serves bench/peers/django with Daphne on the system Python,
// installing the Debian packages when they are missing.
func startDjango(ctx context.Context, o startOptions) (*runningPeer, error) {
	if err := ensureDjango(ctx); err != nil {
		return nil, err
	}
	dir, err := repoDir("bench/peers/django")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env := []string{"PYTHONPATH=" + dir, "DJANGO_SETTINGS_MODULE=benchsite.settings", "PYTHONDONTWRITEBYTECODE=1"}
	if o.layer == "redis" {
		env = append(env, "BENCH_REDIS_URL="+o.redisURL)
	}
	// Daphne answers 403 to a WebSocket whose connect the application has
	// not accepted within --websocket_connect_timeout (5 s by default).
	// Opening 10,000 idle connections keeps its one event loop behind by
	// more than that (403 from about the 7,000th connection on), which
	// measures the load generator's dialling, not Django's memory.
	return startProcess(ctx, "django", port, env, dir, "/usr/bin/python3", "-m", "daphne",
		"-b", "127.0.0.1", "-p", fmt.Sprint(port), "--verbosity", "0",
		"--websocket_connect_timeout", "120", "benchsite.asgi:application")
}

func ensureDjango(ctx context.Context) error {
	check := exec.CommandContext(ctx, "/usr/bin/python3", "-c", "import daphne, channels, channels_redis, django")
	if check.Run() == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("django peer: install the Debian packages %v", djangoPackages)
	}
	args := append([]string{"install", "-y", "-qq"}, djangoPackages...)
	for _, cmd := range []*exec.Cmd{exec.CommandContext(ctx, "apt-get", "update", "-qq"), exec.CommandContext(ctx, "apt-get", args...)} {
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("django peer: %v: %v\n%s", cmd.Args, err, tail(out, 1000))
		}
	}
	return nil
}
