package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// scenario is one measurement.
type scenario struct {
	name  string
	about string
	unit  string
	// layer the peers must broadcast through ("" when none is involved).
	layer string
	// lowerIsBetter for memory and time figures.
	lowerIsBetter bool
	// memory: the figure is the server's memory, so a heap profile says
	// more about it than a CPU profile.
	memory bool
	// chanxOnly scenarios measure chanx's tooling in this process; no
	// server is started and no peer compares.
	chanxOnly bool
	// procs is how many server processes of the peer the scenario starts
	// (0 means 1); with 2 they share Redis.
	procs int
	// only lists the peers the scenario runs on; nil: all.
	only    []string
	measure func(ctx context.Context, ps servers, cfg config) (figure, error)
}

var scenarios = []scenario{
	{name: "rr-1", about: "request/reply, 1 connection, 1 frame in flight", unit: "round trips/s", measure: rr(1, 1)},
	{name: "rr-100", about: "request/reply, 100 connections, 1 frame in flight each", unit: "round trips/s", measure: rr(100, 1)},
	{name: "rr-1000", about: "request/reply, 1,000 connections, 1 frame in flight each", unit: "round trips/s", measure: rr(1000, 1)},
	{name: "rr-pipelined", about: "request/reply, 100 connections, 16 frames in flight each", unit: "round trips/s", measure: rr(100, 16)},
	{name: "bcast-mem-1", about: "group broadcast, in-memory layer, 1 sender to 1 member", unit: "deliveries/s", layer: "memory", measure: bc(1)},
	{name: "bcast-mem-100", about: "group broadcast, in-memory layer, 1 sender to 100 members", unit: "deliveries/s", layer: "memory", measure: bc(100)},
	{name: "bcast-mem-1000", about: "group broadcast, in-memory layer, 1 sender to 1,000 members", unit: "deliveries/s", layer: "memory", measure: bc(1000)},
	{name: "bcast-redis-1", about: "group broadcast through Redis, 1 sender to 1 member", unit: "deliveries/s", layer: "redis", measure: bc(1)},
	{name: "bcast-redis-100", about: "group broadcast through Redis, 1 sender to 100 members", unit: "deliveries/s", layer: "redis", measure: bc(100)},
	{name: "bcast-redis-1000", about: "group broadcast through Redis, 1 sender to 1,000 members", unit: "deliveries/s", layer: "redis", measure: bc(1000)},
	// In one process a Redis layer may deliver to local members without the
	// round trip through Redis (chanx's and socket.io's do); with the sender
	// on one server and the members on another every delivery crosses Redis.
	{name: "bcast-redis-2p-1", about: "group broadcast through Redis across two server processes of the peer: 1 sender on the first to 1 member on the second", unit: "deliveries/s", layer: "redis", procs: 2, measure: bc(1)},
	{name: "bcast-redis-2p-100", about: "group broadcast through Redis across two server processes of the peer: 1 sender on the first to 100 members on the second", unit: "deliveries/s", layer: "redis", procs: 2, measure: bc(100)},
	{name: "idle-memory", about: "server memory per idle connection after one round trip", unit: "KiB/conn", lowerIsBetter: true, memory: true, measure: func(ctx context.Context, ps servers, cfg config) (figure, error) {
		return idleMemory(ctx, ps, cfg.idleConns)
	}},
	{name: "scale", about: "100,000 connections (-scale-conns) from source addresses spread over 127.0.0.0/8, joined to 100 groups, in-memory layer; one broadcast into every group at once, 3 rounds: the median round's time until every connection had it, p50/p99 over all deliveries; connect rate and RSS per connection beside it", unit: "ms", lowerIsBetter: true, memory: true, only: []string{"bare", "chanx", "centrifuge", "socketio"}, measure: func(ctx context.Context, ps servers, cfg config) (figure, error) {
		return scale(ctx, ps, cfg.scaleConns)
	}},
	{name: "codegen-corpus", about: "load, validate and generate the Go types of the 24 official AsyncAPI 3.0.0 examples (chanx only)", unit: "ms", lowerIsBetter: true, chanxOnly: true, measure: codegenCorpus},
	{name: "codegen-2000", about: "load, validate and generate a synthetic 2,000-message document (chanx only)", unit: "ms", lowerIsBetter: true, chanxOnly: true, measure: codegenLarge},
	{name: "churn", about: "connect, one round trip, disconnect; 50 workers", unit: "cycles/s", measure: func(ctx context.Context, ps servers, cfg config) (figure, error) {
		return churn(ctx, ps, 50, cfg.duration)
	}},
}

func rr(conns, depth int) func(context.Context, servers, config) (figure, error) {
	return func(ctx context.Context, ps servers, cfg config) (figure, error) {
		return requestReply(ctx, ps, conns, depth, cfg.duration)
	}
}

func bc(members int) func(context.Context, servers, config) (figure, error) {
	return func(ctx context.Context, ps servers, cfg config) (figure, error) {
		return broadcast(ctx, ps, members, cfg.duration)
	}
}

func scenarioNames() []string {
	var out []string
	for _, s := range scenarios {
		out = append(out, s.name)
	}
	return out
}

func selectScenarios(spec string) ([]scenario, error) {
	switch spec {
	case "all":
		return scenarios, nil
	case "smoke":
		spec = "rr-1"
	}
	var out []scenario
	for _, name := range strings.Split(spec, ",") {
		i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("unknown scenario %q (have all, smoke, %s)", name, strings.Join(scenarioNames(), ", "))
		}
		out = append(out, scenarios[i])
	}
	return out, nil
}

// peers are measured in this order; the first is the reference the others'
// ratios are taken against.
var peers = []*peer{
	{name: "bare", about: "bare coder/websocket (+ rueidis for Redis groups): the limit", layers: []string{"memory", "redis"}, start: goPeer("bare")},
	{name: "chanx", about: "the generated chat server (examples/chat/chatapi) on the chanx runtime, layer.Memory or redislayer", layers: []string{"memory", "redis"}, start: goPeer("chanx")},
	{name: "django", about: "Django Channels 4 on Daphne, channels_redis RedisChannelLayer (Debian packages)", layers: []string{"memory", "redis"}, start: startDjango},
	{name: "centrifuge", about: "centrifugal/centrifuge v0.40.1 Node (bench/centrifugepeer), its memory broker or Redis broker; ping is an RPC, a chat message a client publication into the room's channel", dialect: centrifugeJSON, layers: []string{"memory", "redis"}, start: startCentrifuge},
	{name: "socketio", about: "Node socket.io 4 with @socket.io/redis-adapter", dialect: socketIO, layers: []string{"memory", "redis"}, start: startSocketIO},
}

func peerNames() []string {
	var out []string
	for _, p := range peers {
		out = append(out, p.name)
	}
	return out
}

func selectPeers(spec string) ([]*peer, error) {
	if spec == "all" {
		return peers, nil
	}
	var out []*peer
	for _, name := range strings.Split(spec, ",") {
		i := slices.IndexFunc(peers, func(p *peer) bool { return p.name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("unknown peer %q (have %s)", name, strings.Join(peerNames(), ", "))
		}
		out = append(out, peers[i])
	}
	return out, nil
}

type config struct {
	scenarios  []scenario
	peers      []*peer
	duration   time.Duration
	runs       int
	idleConns  int
	scaleConns int
	// profileDir receives the Go peers' CPU profiles; "" for none.
	profileDir string
}

// results holds every figure: results[scenario][peer] is one per run.
type results struct {
	cfg     config
	started time.Time
	figures map[string]map[string][]figure
	errs    map[string]map[string]string
	failed  bool
}

func run(ctx context.Context, cfg config, progress io.Writer) (*results, error) {
	res := &results{cfg: cfg, started: time.Now(), figures: map[string]map[string][]figure{}, errs: map[string]map[string]string{}}
	var redisURL string
	for _, s := range cfg.scenarios {
		if s.layer == "redis" {
			r, err := startRedis(ctx)
			if err != nil {
				return nil, err
			}
			defer r.stop()
			redisURL = r.url
			break
		}
	}
	for _, s := range cfg.scenarios {
		res.figures[s.name] = map[string][]figure{}
		res.errs[s.name] = map[string]string{}
		for r := range cfg.runs {
			for _, p := range cfg.peers {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if _, failed := res.errs[s.name][p.name]; failed {
					continue
				}
				layer := s.layer
				if layer == "" {
					layer = "memory"
				}
				if !p.hasLayer(layer) || (s.chanxOnly && p.name != "chanx") || (s.only != nil && !slices.Contains(s.only, p.name)) {
					continue
				}
				fmt.Fprintf(progress, "bench: %s run %d/%d: %s ... ", s.name, r+1, cfg.runs, p.name)
				f, err := measureOnce(ctx, s, p, startOptions{layer: layer, redisURL: redisURL}, r+1, cfg)
				if err != nil {
					fmt.Fprintf(progress, "failed: %v\n", err)
					res.errs[s.name][p.name] = err.Error()
					var np notPossible
					if (p.name == "bare" || p.name == "chanx") && !errors.As(err, &np) {
						res.failed = true
					}
					continue
				}
				fmt.Fprintf(progress, "%.1f %s\n", f.value, s.unit)
				if f.profileErr != "" {
					fmt.Fprintf(progress, "bench: %s run %d: %s: %s\n", s.name, r+1, p.name, f.profileErr)
				}
				res.figures[s.name][p.name] = append(res.figures[s.name][p.name], f)
			}
		}
	}
	return res, nil
}

// notPossible is a measurement this machine cannot make (a limit the
// bench may not raise); the run reports it but does not fail on it.
type notPossible struct{ reason string }

func (e notPossible) Error() string { return "not possible here: " + e.reason }

// measureOnce starts the scenario's server processes of peer p, measures
// them once (run counts from 1) and stops them, collecting their CPU
// profiles when cfg asks for them.
func measureOnce(ctx context.Context, s scenario, p *peer, o startOptions, run int, cfg config) (figure, error) {
	if s.chanxOnly {
		return s.measure(ctx, nil, cfg)
	}
	var ps servers
	for i := range max(s.procs, 1) {
		if cfg.profileDir != "" {
			base := filepath.Join(cfg.profileDir, profileName(s.name, p.name, run, i))
			o.cpuprofile = base + ".pprof"
			if s.memory {
				o.memprofile = base + ".heap.pprof"
			}
		}
		rp, err := p.start(ctx, o)
		if err != nil {
			ps.stop()
			return figure{}, err
		}
		rp.dialect = p.dialect
		ps = append(ps, rp)
	}
	mctx, cancel := context.WithTimeout(ctx, cfg.duration*3+2*time.Minute)
	defer cancel()
	f, err := s.measure(mctx, ps, cfg)
	ps.stopProfiles() // when the measurement ended before its window did
	f.cpu, f.cpuOK = ps.cpuUse()
	cpu, heap, perr := ps.stop()
	if err != nil {
		return figure{}, err
	}
	f.run, f.profiles, f.heapProfiles = run, cpu, heap
	if perr != nil {
		f.profileErr = perr.Error()
	}
	return f, nil
}

// profileName names the profiles of server process i (0: the one the
// sender is dialed to, 1: the members' in two-process scenarios), without
// the extension.
func profileName(scenario, peer string, run, i int) string {
	if i == 0 {
		return fmt.Sprintf("%s-%s-run%d", scenario, peer, run)
	}
	return fmt.Sprintf("%s-%s-run%d-members", scenario, peer, run)
}

// machine describes where the run happened.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(line[strings.Index(line, ":")+1:])
				break
			}
		}
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(data), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
	}
	redis := "redis-server not found"
	if out, err := exec.Command("redis-server", "--version").Output(); err == nil {
		redis = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%d vCPU %s%s, %s, %s/%s; %s", runtime.NumCPU(), model, mem, runtime.Version(), runtime.GOOS, runtime.GOARCH, redis)
}
