package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// scaleGroups is how many groups the scale scenario's connections join.
const scaleGroups = 100

// scaleRounds is how many times the scale scenario broadcasts to every
// group.
const scaleRounds = 3

// scaleSource is the local address connection i dials from: loopback
// addresses 127.0.1.0–127.0.255.255 in turn, so no source address needs
// more than a few hundred of the ~28,000 ephemeral ports (127.0.0.0/8 is
// all loopback on Linux, no setup needed).
func scaleSource(i int) net.Addr {
	h := i%(255*256) + 256
	return &net.TCPAddr{IP: net.IPv4(127, 0, byte(h>>8), byte(h))}
}

// scale opens n connections from spread source addresses, all joined to
// scaleGroups groups (connection i to group i%100), and reports:
//   - the connect rate (connections opened per second, 64 at a time);
//   - the server's RSS growth per connection with all of them open;
//   - one broadcast into every group at once (from the group's first
//     connection), scaleRounds times: the figure is the median round's time
//     until the last of the n-100 other connections had it, and p50/p99 are
//     over every delivery of the rounds.
func scale(ctx context.Context, ps servers, n int) (figure, error) {
	// The server inherits this process's limit, and each side holds one
	// descriptor per connection.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(n)+1000 {
		return figure{}, notPossible{fmt.Sprintf("open-file limit %d (hard %d) is too low for %d connections; raising the hard limit needs root with CAP_SYS_RESOURCE (ulimit -Hn), or lower -scale-conns", lim.Cur, lim.Max, n)}
	}
	p := ps[0]
	before, err := p.rssKiB()
	if err != nil {
		return figure{}, err
	}
	ps.startProfiles() // measureOnce stops them
	var (
		delivered atomic.Int64
		mu        sync.Mutex
		lat       []time.Duration
		readers   sync.WaitGroup
	)
	t0 := time.Now()
	sessions, err := dialManyFrom(ctx, p, n, func(i int) string { return "scale" + strconv.Itoa(i%scaleGroups) }, scaleSource, func(i int, s *session) error {
		sender := i < scaleGroups
		readers.Go(func() {
			for {
				frame, err := s.recv(context.Background())
				if err != nil {
					return
				}
				if at := sentAt(frame); at > 0 && !sender {
					d := time.Duration(time.Now().UnixNano() - at)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
					delivered.Add(1)
				}
			}
		})
		return nil
	})
	if err != nil {
		readers.Wait()
		return figure{}, err
	}
	connectRate := float64(n) / time.Since(t0).Seconds()
	defer func() {
		closeAll(sessions)
		readers.Wait()
	}()
	time.Sleep(2 * time.Second)
	after, err := p.rssKiB()
	if err != nil {
		return figure{}, err
	}
	want := int64(n - scaleGroups)
	var rounds []time.Duration
	for r := range scaleRounds {
		base := delivered.Load()
		start := time.Now()
		for g := range scaleGroups {
			if err := sessions[g].chat(ctx, time.Now().UnixNano()); err != nil {
				return figure{}, fmt.Errorf("round %d: broadcast to group %d: %w", r+1, g, err)
			}
		}
		for delivered.Load()-base < want {
			if time.Since(start) > time.Minute {
				return figure{}, fmt.Errorf("round %d: %d of %d deliveries within a minute", r+1, delivered.Load()-base, want)
			}
			time.Sleep(time.Millisecond)
		}
		rounds = append(rounds, time.Since(start))
		time.Sleep(500 * time.Millisecond) // let the round's stragglers settle
	}
	ps.stopProfiles()
	slices.Sort(rounds)
	mu.Lock()
	s := &sampler{xs: lat, max: len(lat)}
	mu.Unlock()
	f := figure{value: float64(rounds[len(rounds)/2].Microseconds()) / 1000}
	f.p50, f.p99 = s.quantiles()
	f.extra = fmt.Sprintf("%d conns: connect %s/s, %.1f KiB/conn RSS", n, num(connectRate), float64(after-before)/float64(n))
	return f, nil
}

// raiseFileLimit lifts the open-file limit as far as it goes so the
// servers this process starts inherit it: idle-memory and scale hold their
// connections in the server and as many in the load generator. As root the
// hard limit is raised too, up to fs.nr_open (the scale scenario's 100,000
// connections need more than a default hard limit of 20,000 here). Go
// raises its own soft limit by itself but hands children the original one
// unless the program sets the limit explicitly.
func raiseFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if data, err := os.ReadFile("/proc/sys/fs/nr_open"); err == nil {
		if max, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64); err == nil && max > lim.Max {
			up := syscall.Rlimit{Cur: max, Max: max}
			if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &up) == nil {
				return nil
			}
		}
	}
	lim.Cur = lim.Max
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}
