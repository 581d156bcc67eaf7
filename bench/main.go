package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serveMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench serve:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(benchMain(os.Args[1:], os.Stdout, os.Stderr))
}

// serveMain runs one Go peer in this process until it is signalled.
func serveMain(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	name := fs.String("peer", "bare", "the peer to serve: "+strings.Join(goPeerNames(), ", "))
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	redisURL := fs.String("redis", "", "Redis URL for the group layer; empty: in-memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	serve, ok := goServers[*name]
	if !ok {
		return fmt.Errorf("unknown peer %q (have %s)", *name, strings.Join(goPeerNames(), ", "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		errc <- serve(*addr, *redisURL, func(a net.Addr) { fmt.Println("listening", a) })
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return nil
	}
}

// goServers are the peers this binary serves itself.
var goServers = map[string]func(addr, redisURL string, ready func(net.Addr)) error{
	"bare":  serveBare,
	"chanx": serveChanx,
}

func goPeerNames() []string {
	var names []string
	for n := range goServers {
		names = append(names, n)
	}
	return names
}

func benchMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "all", "what to measure: all, smoke, or a comma-separated list of "+strings.Join(scenarioNames(), ", "))
	duration := fs.Duration("duration", 10*time.Second, "how long each measurement runs")
	runs := fs.Int("runs", 3, "repetitions of each measurement (min/median/max are reported)")
	peersFlag := fs.String("peers", "all", "comma-separated peers to run: "+strings.Join(peerNames(), ", "))
	out := fs.String("out", "", "markdown file to write the results section into (e.g. docs/PERFORMANCE.md); empty: print only")
	idleConns := fs.Int("idle-conns", 10000, "connections for the idle-memory scenario")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := config{duration: *duration, runs: *runs, idleConns: *idleConns}
	var err error
	if cfg.scenarios, err = selectScenarios(*scenario); err == nil {
		cfg.peers, err = selectPeers(*peersFlag)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if *scenario == "smoke" {
		cfg.duration, cfg.runs = time.Second, 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	md := res.markdown(strings.Join(append([]string{"go run ./bench"}, args...), " "))
	fmt.Fprintln(stdout, md)
	if *out != "" {
		if err := writeSection(*out, md); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
	}
	if res.failed {
		return 1
	}
	return 0
}
