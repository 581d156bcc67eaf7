package layer

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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
	// ShareFrames hands m.Frame to subscribers as Publish got it instead
	// of copying it, for publishers that never modify a frame after
	// publishing it (the Redis layer's decoded messages). Default false.
	ShareFrames bool
	// Now is the clock history retention by age reads (see Append);
	// default time.Now. Tests inject a fake one.
	Now func() time.Time
}

// Stats counts what a layer did since it was created; read it with Stats().
type Stats struct {
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
// Publish writes no memory shared between groups (no lock, no global
// counter), so publishers on different cores do not contend. Memory is
// safe for concurrent use, and also serves as the local fan-out of the
// Redis layer.
type Memory struct {
	limit       int
	synchronous bool
	shareFrames bool

	// groups maps a group name to its []*subscription. The slices are
	// never modified, only replaced under mu, so Publish reads them
	// without locking.
	groups sync.Map
	closed atomic.Bool
	mu     sync.Mutex // serializes Subscribe, cancel and Close

	retired Stats // counters of cancelled subscriptions, guarded by mu

	now     func() time.Time
	history sync.Map // group name → *memHistory, see memhistory.go
}

var (
	_ Layer            = (*Memory)(nil)
	_ InlineSubscriber = (*Memory)(nil)
)

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
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Memory{limit: limit, synchronous: opts.Synchronous, shareFrames: opts.ShareFrames, now: now}
}

// Publish queues m for every current subscriber of group and returns without
// waiting for delivery (with MemoryOptions.Synchronous: delivers, then
// returns). It copies m.Frame (unless MemoryOptions.ShareFrames), so the
// caller may reuse its buffer; subscribers share that copy and must not
// modify it, but may keep it. Publishing to a group nobody subscribes to
// succeeds and does nothing.
func (l *Memory) Publish(ctx context.Context, group string, m Message) error {
	return l.publish(ctx, group, m, !l.shareFrames)
}

// publish is Publish, copying m.Frame first when copyFrame is set.
func (l *Memory) publish(ctx context.Context, group string, m Message, copyFrame bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.closed.Load() {
		return ErrClosed
	}
	v, ok := l.groups.Load(group)
	if !ok {
		return nil
	}
	subs := v.([]*subscription)
	if m.Frame != nil && copyFrame {
		m.Frame = append([]byte(nil), m.Frame...)
	}
	for _, s := range subs {
		if l.synchronous || s.inline {
			s.deliverNow(m)
		} else {
			s.enqueue(m)
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
	return l.subscribe(ctx, group, deliver, false)
}

// SubscribeInline is Subscribe with deliver called on the publisher's
// goroutine, as with MemoryOptions.Synchronous, for this subscription
// alone; see InlineSubscriber. QueueLimit does not apply to it.
func (l *Memory) SubscribeInline(ctx context.Context, group string, deliver func(Message)) (cancel func(), err error) {
	return l.subscribe(ctx, group, deliver, true)
}

func (l *Memory) subscribe(ctx context.Context, group string, deliver func(Message), inline bool) (cancel func(), err error) {
	if deliver == nil {
		return nil, errors.New("layer: subscribe: nil deliver func")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &subscription{layer: l, group: group, deliver: deliver, inline: inline}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return nil, ErrClosed
	}
	var old []*subscription
	if v, ok := l.groups.Load(group); ok {
		old = v.([]*subscription)
	}
	l.groups.Store(group, append(old[:len(old):len(old)], s)) // a copy, never modified
	return s.cancel, nil
}

// Close cancels every subscription, waits for their deliver calls in
// flight to return, and makes further Publish and Subscribe calls fail
// with ErrClosed. Calling Close again returns nil. Close must not be
// called from inside deliver (it would wait for itself). With
// MemoryOptions.Synchronous, deliver calls run on the publishers'
// goroutines, and one that started before Close may still be running.
func (l *Memory) Close() error {
	l.mu.Lock()
	if l.closed.Load() {
		l.mu.Unlock()
		return nil
	}
	l.closed.Store(true)
	var all []*subscription
	l.groups.Range(func(k, v any) bool {
		all = append(all, v.([]*subscription)...)
		l.groups.Delete(k)
		return true
	})
	l.mu.Unlock()
	for _, s := range all {
		s.stop()
		s.drainer.Wait()
	}
	return nil
}

// Stats reports the layer's counters.
func (l *Memory) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.retired
	l.groups.Range(func(_, v any) bool {
		for _, s := range v.([]*subscription) {
			st.Delivered += s.delivered.Load()
			st.Dropped += s.dropped.Load()
		}
		return true
	})
	return st
}

// Subscribers reports how many subscriptions group has in this layer; the
// Redis layer and tests use it to know when a group became empty.
func (l *Memory) Subscribers(group string) int {
	v, ok := l.groups.Load(group)
	if !ok {
		return 0
	}
	return len(v.([]*subscription))
}

// subscription is one Subscribe call: its callback, its pending queue and
// its own counters (per subscription, so publishers to different groups
// never write the same memory).
type subscription struct {
	layer   *Memory
	group   string
	deliver func(Message)
	inline  bool // delivered on the publisher's goroutine, never queued

	mu      sync.Mutex
	queue   []Message      // pending, oldest first
	spare   []Message      // the drained batch's backing array, reused
	running bool           // a drain goroutine owns delivery
	drainer sync.WaitGroup // the drain goroutine, waited for by Close
	stopped atomic.Bool

	delivered atomic.Uint64
	dropped   atomic.Uint64
}

// enqueue appends m, starting a drain goroutine when none runs, or drops
// and counts m when the queue is full.
func (s *subscription) enqueue(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped.Load() {
		return // cancelled concurrently: not a drop
	}
	if len(s.queue) >= s.layer.limit {
		s.dropped.Add(1)
		return
	}
	s.queue = append(s.queue, m)
	if !s.running {
		// Added under mu while not stopped; stop sets stopped under mu
		// before anyone waits, so Add never races Wait.
		s.running = true
		s.drainer.Add(1)
		go s.drain()
	}
}

// deliverNow is Synchronous (or inline) delivery on the publisher's
// goroutine.
func (s *subscription) deliverNow(m Message) {
	if !s.stopped.Load() {
		s.deliver(m)
		s.delivered.Add(1)
	}
}

// drain delivers queued messages in order until the queue is empty or the
// subscription stops, then exits so idle subscriptions cost no goroutine.
func (s *subscription) drain() {
	defer s.drainer.Done()
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
			s.delivered.Add(1)
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
	defer l.mu.Unlock()
	if v, ok := l.groups.Load(s.group); ok {
		subs := v.([]*subscription)
		if i := slices.Index(subs, s); i >= 0 {
			if len(subs) == 1 {
				l.groups.Delete(s.group)
			} else {
				l.groups.Store(s.group, slices.Delete(slices.Clone(subs), i, i+1))
			}
			l.retired.Delivered += s.delivered.Load()
			l.retired.Dropped += s.dropped.Load()
		}
	}
	s.stop()
}
