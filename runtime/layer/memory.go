package layer

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Publish and Subscribe on a layer that was closed,
// so callers can tell shutdown apart from a failure.
var ErrClosed = errors.New("layer: closed")

// DefaultQueueLimit is how many messages a subscription may hold undelivered
// before new ones are dropped, when MemoryOptions.QueueLimit is zero.
const DefaultQueueLimit = 4096

// MemoryOptions tunes a Memory layer; the zero value is the default.
type MemoryOptions struct {
	// QueueLimit caps the undelivered messages held per subscription; a
	// message that finds the queue full is dropped and counted in
	// Stats.Dropped, so a slow subscriber never blocks Publish. Zero means
	// DefaultQueueLimit. The queue grows on demand: an idle subscription
	// holds no buffer.
	QueueLimit int
	// Synchronous makes Publish call every subscriber's deliver itself,
	// on the publishing goroutine, before it returns: no queue, no
	// goroutine hop, no drops. Only for deliver functions that never block
	// (a fan-out into bounded per-connection queues qualifies), since a
	// slow one then delays the publisher. Concurrent Publish calls may run
	// one subscription's deliver concurrently. Default false.
	Synchronous bool
}

// Stats counts what a layer did since it was created; read it with Stats().
type Stats struct {
	// Published counts successful Publish calls.
	Published uint64
	// Delivered counts deliver calls, one per message per subscription.
	Delivered uint64
	// Dropped counts messages discarded because a subscription's queue was
	// full.
	Dropped uint64
}

// Memory is the in-process channel layer, the default when a server is not
// given one: groups live in a map, and each subscription has its own
// bounded queue drained by a goroutine that exists only while the queue is
// non-empty. Publish therefore never waits for a subscriber: it copies the
// frame once, appends it to each subscription's queue and returns. A
// subscription whose deliver is too slow loses messages once its queue is
// full (counted in Stats.Dropped) rather than slowing the publisher or the
// other subscribers. MemoryOptions.Synchronous trades that protection for
// speed: Publish then calls deliver itself.
//
// Ordering: each subscription sees the messages of one publishing goroutine
// in the order they were published. deliver is never called concurrently
// for one subscription; different subscriptions run in parallel.
//
// Memory is safe for concurrent use. Memory also serves as the local
// fan-out of the Redis layer.
type Memory struct {
	limit       int
	synchronous bool

	mu sync.RWMutex
	// groups maps a group to its subscriptions. The slices are never
	// modified, only replaced, so Publish can use one after unlocking.
	groups map[string][]*subscription
	closed bool

	drainers sync.WaitGroup // drain goroutines and synchronous Publish calls in flight, waited for by Close

	published atomic.Uint64
	delivered atomic.Uint64
	dropped   atomic.Uint64
}

var _ Layer = (*Memory)(nil)

// NewMemory returns an empty in-memory layer with default options.
func NewMemory() *Memory {
	return NewMemoryWithOptions(MemoryOptions{})
}

// NewMemoryWithOptions returns an empty in-memory layer tuned by opts.
func NewMemoryWithOptions(opts MemoryOptions) *Memory {
	limit := opts.QueueLimit
	if limit <= 0 {
		limit = DefaultQueueLimit
	}
	return &Memory{limit: limit, synchronous: opts.Synchronous, groups: make(map[string][]*subscription)}
}

// Publish queues m for every current subscriber of group and returns without
// waiting for delivery (with MemoryOptions.Synchronous: delivers, then
// returns). It copies m.Frame, so the caller may reuse its buffer;
// subscribers share that copy and must not modify it, but may keep it.
// Publishing to a group nobody subscribes to succeeds and does nothing.
func (l *Memory) Publish(ctx context.Context, group string, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ErrClosed
	}
	l.published.Add(1)
	subs := l.groups[group]
	if len(subs) == 0 {
		l.mu.RUnlock()
		return nil
	}
	if m.Frame != nil {
		m.Frame = append([]byte(nil), m.Frame...)
	}
	if !l.synchronous {
		// enqueue runs under the read lock, so Close cannot begin waiting
		// for drainers before a new one is counted.
		for _, s := range subs {
			if !s.enqueue(m) {
				l.dropped.Add(1)
			}
		}
		l.mu.RUnlock()
		return nil
	}
	l.drainers.Add(1)
	l.mu.RUnlock()
	defer l.drainers.Done()
	for _, s := range subs {
		if !s.stopped.Load() {
			s.deliver(m)
			l.delivered.Add(1)
		}
	}
	return nil
}

// Subscribe registers deliver for the messages published to group from now
// on; they arrive on a goroutine of the layer, one call at a time per
// subscription (with MemoryOptions.Synchronous: on the publisher's
// goroutine). cancel stops delivery: queued messages are discarded, and a
// deliver call already running may still finish after cancel returns.
// cancel is safe to call more than once and from inside deliver.
func (l *Memory) Subscribe(ctx context.Context, group string, deliver func(Message)) (cancel func(), err error) {
	if deliver == nil {
		return nil, errors.New("layer: subscribe: nil deliver func")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &subscription{layer: l, group: group, deliver: deliver}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	old := l.groups[group]
	l.groups[group] = append(old[:len(old):len(old)], s) // copy, never modify
	return s.cancel, nil
}

// Close cancels every subscription, waits for deliver calls in flight to
// return, and makes further Publish and Subscribe calls fail with
// ErrClosed. Calling Close again returns nil. Close must not be called from
// inside deliver (it would wait for itself).
func (l *Memory) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	groups := l.groups
	l.groups = nil
	l.mu.Unlock()
	for _, subs := range groups {
		for _, s := range subs {
			s.stop()
		}
	}
	l.drainers.Wait()
	return nil
}

// Stats reports the layer's counters.
func (l *Memory) Stats() Stats {
	return Stats{
		Published: l.published.Load(),
		Delivered: l.delivered.Load(),
		Dropped:   l.dropped.Load(),
	}
}

// Subscribers reports how many subscriptions group has in this layer; the
// Redis layer and tests use it to know when a group became empty.
func (l *Memory) Subscribers(group string) int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.groups[group])
}

// subscription is one Subscribe call: its callback and its pending queue.
type subscription struct {
	layer   *Memory
	group   string
	deliver func(Message)

	mu      sync.Mutex
	queue   []Message // pending, oldest first
	spare   []Message // the drained batch's backing array, reused
	running bool      // a drain goroutine owns delivery
	stopped atomic.Bool
}

// enqueue appends m, starting a drain goroutine when none runs; it reports
// false when the message was dropped because the queue is full. It is
// called with the layer's read lock held, which keeps Close from starting
// its wait before the drainer is counted.
func (s *subscription) enqueue(m Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped.Load() {
		return true // cancelled concurrently: not a drop
	}
	if len(s.queue) >= s.layer.limit {
		return false
	}
	s.queue = append(s.queue, m)
	if !s.running {
		s.running = true
		s.layer.drainers.Add(1)
		go s.drain()
	}
	return true
}

// drain delivers queued messages in order until the queue is empty or the
// subscription stops, then exits so idle subscriptions cost no goroutine.
func (s *subscription) drain() {
	defer s.layer.drainers.Done()
	for {
		s.mu.Lock()
		if s.stopped.Load() || len(s.queue) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		batch := s.queue
		s.queue = s.spare[:0]
		s.spare = nil
		s.mu.Unlock()

		for i := range batch {
			if s.stopped.Load() {
				break
			}
			s.deliver(batch[i])
			s.layer.delivered.Add(1)
		}
		clear(batch) // drop frame references before reuse
		s.mu.Lock()
		if s.spare == nil && cap(batch) <= 2*s.layer.limit {
			s.spare = batch[:0]
		}
		s.mu.Unlock()
	}
}

// stop discards pending messages and prevents further deliveries.
func (s *subscription) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped.Store(true)
	s.queue = nil
	s.spare = nil
}

// cancel removes the subscription from its group and stops it.
func (s *subscription) cancel() {
	l := s.layer
	l.mu.Lock()
	if subs := l.groups[s.group]; subs != nil {
		if i := slices.Index(subs, s); i >= 0 {
			if len(subs) == 1 {
				delete(l.groups, s.group)
			} else {
				l.groups[s.group] = slices.Delete(slices.Clone(subs), i, i+1)
			}
		}
	}
	l.mu.Unlock()
	s.stop()
}
