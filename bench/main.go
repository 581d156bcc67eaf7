package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
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
//
// With -cpuprofile FILE, SIGUSR1 starts CPU profiling into FILE and SIGUSR2
// stops it, so the load generator can profile only the window it measures;
// a SIGTERM during profiling stops and flushes the profile before exiting.
func serveMain(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	name := fs.String("peer", "bare", "the peer to serve: "+strings.Join(goPeerNames(), ", "))
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	redisURL := fs.String("redis", "", "Redis URL for the group layer; empty: in-memory")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file between SIGUSR1 and SIGUSR2 (or SIGTERM)")
	memprofile := fs.String("memprofile", "", "write a heap profile to this file on SIGUSR2")
	if err := fs.Parse(args); err != nil {
		return err
	}
	serve, ok := goServers[*name]
	if !ok {
		return fmt.Errorf("unknown peer %q (have %s)", *name, strings.Join(goPeerNames(), ", "))
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)
	prof := &cpuProfile{path: *cpuprofile, heap: *memprofile}
	defer prof.stop()
	errc := make(chan error, 1)
	go func() {
		errc <- serve(*addr, *redisURL, func(a net.Addr) { fmt.Println("listening", a) })
	}()
	for {
		select {
		case err := <-errc:
			return err
		case sig := <-sigs:
			switch sig {
			case syscall.SIGUSR1:
				if err := prof.start(); err != nil {
					return err
				}
			case syscall.SIGUSR2:
				if err := prof.stop(); err != nil {
					return err
				}
				if err := prof.writeHeap(); err != nil {
					return err
				}
			default:
				return prof.stop()
			}
		}
	}
}

// cpuProfile is the serve process's CPU profile, started and stopped by
// signals; without a path both are no-ops. heap, when set, receives a heap
// profile when the CPU profile stops, while the load generator still holds
// its connections open.
type cpuProfile struct {
	path string
	f    *os.File
	heap string
}

func (p *cpuProfile) writeHeap() error {
	if p.heap == "" {
		return nil
	}
	f, err := os.Create(p.heap)
	if err != nil {
		return err
	}
	runtime.GC() // the profile shows live objects as of the last GC
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	p.heap = ""
	return f.Close()
}

func (p *cpuProfile) start() error {
	if p.path == "" || p.f != nil {
		return nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.f = f
	return nil
}

// stop flushes the profile; a profile is written once, so later signals
// leave the file alone.
func (p *cpuProfile) stop() error {
	if p.f == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := p.f.Close()
	p.f = nil
	p.path = ""
	return err
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
	scaleConns := fs.Int("scale-conns", 100000, "connections for the scale scenario")
	cpuprofile := fs.String("cpuprofile", "", "folder for CPU profiles of the Go peers' measured windows, named <scenario>-<peer>-run<N>.pprof; empty: none")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := config{duration: *duration, runs: *runs, idleConns: *idleConns, scaleConns: *scaleConns}
	if *cpuprofile != "" {
		dir, err := filepath.Abs(*cpuprofile)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			fmt.Fprintln(stderr, "bench: -cpuprofile:", err)
			return 2
		}
		cfg.profileDir = dir
	}
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
	if err := raiseFileLimit(); err != nil {
		fmt.Fprintln(stderr, "bench: open-file limit:", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg, stderr)
	cleanupCentrifuge()
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
