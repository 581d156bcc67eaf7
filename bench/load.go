package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// figure is one scenario's outcome against one peer in one run.
type figure struct {
	value float64 // the headline number (per second, or KiB)
	p50   time.Duration
	p99   time.Duration
	run   int // which run, from 1
	// profiles are the CPU profiles the peer's processes wrote during the
	// measured window; profileErr says why one is missing.
	profiles     []string
	heapProfiles []string
	profileErr   string
	// cpu is the CPU the load generator and the servers used in the
	// measured window, when cpuOK.
	cpu   cpuUse
	cpuOK bool
	// extra is more of the outcome, shown under the figure.
	extra string
}

// requestReply keeps depth frames in flight on each of conns connections
// for d and returns completed round trips per second. With depth 1 it also
// measures round-trip latency.
func requestReply(ctx context.Context, ps servers, conns, depth int, d time.Duration) (figure, error) {
	sessions, err := dialMany(ctx, ps[0], conns, func(i int) string { return fmt.Sprintf("rr%d", i) }, nil)
	if err != nil {
		return figure{}, err
	}
	defer closeAll(sessions)
	warm := min(d/5, time.Second)
	start := time.Now()
	stopAt := start.Add(warm + d)
	profiling := time.AfterFunc(warm, ps.startProfiles)
	defer profiling.Stop() // measureOnce stops the profiles
	// Each connection counts and samples on its own (no shared lock or
	// counter per frame); the samplers are merged at the end.
	var total atomic.Int64
	lats := make([]*sampler, len(sessions))
	var wg sync.WaitGroup
	errc := make(chan error, conns)
	for i, s := range sessions {
		lat := newSampler(max(200_000/conns, 200))
		lats[i] = lat
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			defer func() { total.Add(n) }()
			for time.Now().Before(stopAt) {
				t0 := time.Now()
				for range depth {
					if err := s.ping(ctx); err != nil {
						errc <- err
						return
					}
				}
				for range depth {
					if _, err := s.recv(ctx); err != nil {
						errc <- err
						return
					}
				}
				if t0.After(start.Add(warm)) {
					n += int64(depth)
					if depth == 1 {
						lat.add(time.Since(t0))
					}
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return figure{}, err
	default:
	}
	f := figure{value: float64(total.Load()) / d.Seconds()}
	f.p50, f.p99 = mergeSamplers(lats).quantiles()
	return f, nil
}

// broadcast has one sender post to a room of members for d and returns
// deliveries per second with p50/p99 delivery latency. At most window
// messages are undelivered at a time, so a slow server is measured, not
// buried. The sender is dialed to the first server and the members to the
// last, so with two servers every delivery goes through Redis.
func broadcast(ctx context.Context, ps servers, members int, d time.Duration) (figure, error) {
	room := fmt.Sprintf("b%d", rand.Int64())
	senders, err := dialMany(ctx, ps[0], 1, func(int) string { return room }, nil)
	if err != nil {
		return figure{}, err
	}
	recvs, err := dialMany(ctx, ps[len(ps)-1], members, func(int) string { return room }, nil)
	if err != nil {
		closeAll(senders)
		return figure{}, err
	}
	all := append(senders, recvs...)
	defer closeAll(all)
	sender := senders[0]
	// Let subscriptions settle (a Redis SUBSCRIBE is asynchronous), longer
	// when the members' server is not the sender's.
	settle := 200 * time.Millisecond
	if len(ps) > 1 {
		settle = 500 * time.Millisecond
	}
	time.Sleep(settle)

	const window = 8
	var delivered atomic.Int64
	// wake tells the sender that delivered reached waitFor, so it blocks
	// instead of polling.
	var waitFor atomic.Int64
	wake := make(chan struct{}, 1)
	lats := make([]*sampler, len(recvs))
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i, s := range append(recvs, sender) {
		isSender := s == sender
		var lat *sampler
		if !isSender {
			lat = newSampler(max(200_000/members, 200))
			lats[i] = lat
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				frame, err := s.recv(rctx)
				if err != nil {
					return
				}
				if isSender {
					continue // a peer that echoes to the sender too
				}
				if at := sentAt(frame); at > 0 {
					lat.add(time.Duration(time.Now().UnixNano() - at))
					if delivered.Add(1) == waitFor.Load() {
						select {
						case wake <- struct{}{}:
						default:
						}
					}
				}
			}
		}()
	}
	ps.startProfiles() // measureOnce stops them
	start := time.Now()
	var sent int64
	end := time.NewTimer(d) // one timer for the run, not one per wait
	defer end.Stop()
	for time.Since(start) < d {
		if need := (sent - window) * int64(members); delivered.Load() < need {
			waitFor.Store(need)
			if delivered.Load() < need { // not reached between the two loads
				select {
				case <-wake:
				case <-end.C:
				}
			}
			select { // a wake-up left by an earlier wait
			case <-wake:
			default:
			}
			continue
		}
		if err := sender.chat(ctx, time.Now().UnixNano()); err != nil {
			return figure{}, err
		}
		sent++
	}
	elapsed := time.Since(start)
	got := delivered.Load()
	ps.stopProfiles()
	cancel()
	closeAll(all)
	wg.Wait()
	if got == 0 {
		return figure{}, errors.New("no message was delivered")
	}
	f := figure{value: float64(got) / elapsed.Seconds()}
	f.p50, f.p99 = mergeSamplers(lats).quantiles()
	return f, nil
}

// idleMemory opens n connections, makes one round trip on each, and returns
// the server's resident memory growth per connection in KiB.
//
// Each connection makes its round trip as soon as it is open and then keeps
// reading, as a real client does, so it answers the server's keepalives:
// Daphne pings a WebSocket idle for 20 s and drops it when the pong is 30 s
// late, engine.io does the same with its "2" packets after 25+20 s, and
// opening 10,000 connections to a slow server takes longer than that.
// (Left unread, Daphne's first connections were reset before the last ones
// were open: "connection reset by peer" on the round trip.)
func idleMemory(ctx context.Context, ps servers, n int) (figure, error) {
	p := ps[0]
	before, err := p.rssKiB()
	if err != nil {
		return figure{}, err
	}
	ps.startProfiles() // measureOnce stops them
	var readers sync.WaitGroup
	sessions, err := dialMany(ctx, p, n, func(i int) string { return fmt.Sprintf("idle%d", i%100) }, func(s *session) error {
		if err := s.ping(ctx); err != nil {
			return fmt.Errorf("round trip: %w", err)
		}
		if _, err := s.recv(ctx); err != nil {
			return fmt.Errorf("round trip: %w", err)
		}
		readers.Go(func() {
			for {
				if _, err := s.recv(context.Background()); err != nil {
					return
				}
			}
		})
		return nil
	})
	if err != nil {
		readers.Wait()
		return figure{}, err
	}
	defer func() {
		closeAll(sessions)
		readers.Wait()
	}()
	time.Sleep(2 * time.Second)
	after, err := p.rssKiB()
	if err != nil {
		return figure{}, err
	}
	ps.stopProfiles() // the heap profile, when asked for, with every connection open
	return figure{value: float64(after-before) / float64(n)}, nil
}

// churn connects, makes one round trip and disconnects from workers
// goroutines for d, and returns completed cycles per second.
func churn(ctx context.Context, ps servers, workers int, d time.Duration) (figure, error) {
	p := ps[0]
	ps.startProfiles() // measureOnce stops them
	var total atomic.Int64
	stopAt := time.Now().Add(d)
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stopAt) {
				s, err := dial(ctx, p, fmt.Sprintf("churn%d", i))
				if err != nil {
					errc <- err
					return
				}
				err = s.ping(ctx)
				if err == nil {
					_, err = s.recv(ctx)
				}
				s.close()
				if err != nil {
					errc <- err
					return
				}
				total.Add(1)
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return figure{}, err
	default:
	}
	return figure{value: float64(total.Load()) / d.Seconds()}, nil
}

// dialMany opens n connections, 64 at a time, and runs then (when not nil)
// on each as soon as it is open. On failure it closes them all and says
// how many had been opened.
func dialMany(ctx context.Context, p *runningPeer, n int, room func(int) string, then func(*session) error) ([]*session, error) {
	var each func(int, *session) error
	if then != nil {
		each = func(_ int, s *session) error { return then(s) }
	}
	return dialManyFrom(ctx, p, n, room, func(int) net.Addr { return nil }, each)
}

// dialManyFrom is dialMany with connection i dialed from local(i) (nil:
// any address) and then given its index.
func dialManyFrom(ctx context.Context, p *runningPeer, n int, room func(int) string, local func(int) net.Addr, then func(int, *session) error) ([]*session, error) {
	out := make([]*session, n)
	var mu sync.Mutex
	var firstErr error
	var opened int
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			s, err := dialFrom(ctx, p, room(i), local(i))
			if err == nil && then != nil {
				if err = then(i, s); err != nil {
					s.conn.close()
					s = nil
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("connection %d of %d, %d open: %w", i+1, n, opened, err)
			}
			if s != nil {
				opened++
			}
			out[i] = s
		})
	}
	wg.Wait()
	if firstErr != nil {
		closeAll(out)
		return nil, firstErr
	}
	return out, nil
}

func forEach(ss []*session, parallel int, fn func(*session) error) error {
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, s := range ss {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(s); err != nil {
				once.Do(func() { first = err })
			}
		}()
	}
	wg.Wait()
	return first
}

func closeAll(ss []*session) {
	for _, s := range ss {
		if s != nil {
			s.conn.close()
		}
	}
}

// sampler keeps up to max latency samples, replacing at random past that
// (reservoir sampling), so quantiles stay honest on long runs.
type sampler struct {
	mu   sync.Mutex
	max  int
	seen int64
	xs   []time.Duration
}

func newSampler(max int) *sampler { return &sampler{max: max} }

func (s *sampler) add(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen++
	if len(s.xs) < s.max {
		s.xs = append(s.xs, d)
		return
	}
	if j := rand.Int64N(s.seen); j < int64(s.max) {
		s.xs[j] = d
	}
}

// mergeSamplers pools the samples of ss (nil entries skipped).
func mergeSamplers(ss []*sampler) *sampler {
	out := &sampler{}
	for _, s := range ss {
		if s != nil {
			out.xs = append(out.xs, s.xs...)
		}
	}
	out.max = len(out.xs)
	return out
}

func (s *sampler) quantiles() (p50, p99 time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.xs) == 0 {
		return 0, 0
	}
	slices.Sort(s.xs)
	return s.xs[len(s.xs)/2], s.xs[len(s.xs)*99/100]
}
