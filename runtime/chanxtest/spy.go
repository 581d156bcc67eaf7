package chanxtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/wire"
)

// Publication is one Publish call a SpyLayer saw.
type Publication struct {
	// Group is the group published to.
	Group string
	// Kind says whether it was a group broadcast or a server event.
	Kind layer.Kind
	// Frame is the published frame, its action read with the spy's
	// Discriminator.
	Frame Frame
	// Exclude and Target are the message's delivery limits: a connection
	// id to skip, or the only connection id to reach.
	Exclude, Target string
	// Err is what the wrapped layer returned.
	Err error
}

// LayerEvent is one subscription change a SpyLayer saw.
type LayerEvent struct {
	// Op is "subscribe" or "unsubscribe".
	Op    string
	Group string
}

// SpyLayer is a layer.Layer that passes everything to the layer it wraps
// and records it, so tests can assert what a server broadcast, which
// events it sent and which groups it subscribed to. Give it to the server
// as its layer (server.Options.Layer) and to the code that publishes
// events from outside. It is safe for concurrent use.
type SpyLayer struct {
	inner layer.Layer
	// Timeout bounds the WaitFor methods; zero means DefaultTimeout.
	Timeout time.Duration
	// Discriminator names the frame field read into Publication.Frame's
	// Action; "" means "action". Set it before the spy is used.
	Discriminator string

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every record
	published []Publication
	events    []LayerEvent
	active    map[string]int
	delivered map[string]int
}

// NewSpyLayer wraps inner, which stays the caller's to close (Close passes
// through). With a nil inner it wraps a new in-memory layer that is closed
// when the test ends, after the servers started later in the test shut
// down.
func NewSpyLayer(t testing.TB, inner layer.Layer) *SpyLayer {
	if inner == nil {
		mem := layer.NewMemory()
		t.Cleanup(func() { _ = mem.Close() })
		inner = mem
	}
	return &SpyLayer{
		inner:     inner,
		changed:   make(chan struct{}),
		active:    map[string]int{},
		delivered: map[string]int{},
	}
}

// record runs fn under the lock and wakes every waiter.
func (s *SpyLayer) record(fn func()) {
	s.mu.Lock()
	fn()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Publish records the call and passes it on.
// The publication is recorded before it is passed on, so a test that saw
// a member receive it also finds it recorded.
func (s *SpyLayer) Publish(ctx context.Context, group string, m layer.Message) error {
	disc := s.Discriminator
	if disc == "" {
		disc = wire.DefaultKey
	}
	p := &Publication{
		Group: group, Kind: m.Kind, Frame: newFrame(slices.Clone(m.Frame), false, disc),
		Exclude: m.Exclude, Target: m.Target,
	}
	var i int
	s.record(func() {
		i = len(s.published)
		s.published = append(s.published, *p)
	})
	err := s.inner.Publish(ctx, group, m)
	if err != nil {
		s.record(func() {
			if i < len(s.published) { // Reset may have run meanwhile
				s.published[i].Err = err
			}
		})
	}
	return err
}

var _ layer.InlineSubscriber = (*SpyLayer)(nil)

// Subscribe passes the call on and records it, and the unsubscribe when
// cancel is called.
func (s *SpyLayer) Subscribe(ctx context.Context, group string, deliver func(layer.Message)) (func(), error) {
	return s.subscribe(ctx, group, deliver, s.inner.Subscribe)
}

// SubscribeInline is Subscribe for deliver funcs that never block (see
// layer.InlineSubscriber): it subscribes inline when the wrapped layer can,
// so a server behaves the same with and without the spy.
func (s *SpyLayer) SubscribeInline(ctx context.Context, group string, deliver func(layer.Message)) (func(), error) {
	return s.subscribe(ctx, group, deliver, func(ctx context.Context, group string, deliver func(layer.Message)) (func(), error) {
		return layer.SubscribeInline(ctx, s.inner, group, deliver)
	})
}

func (s *SpyLayer) subscribe(ctx context.Context, group string, deliver func(layer.Message),
	subscribe func(context.Context, string, func(layer.Message)) (func(), error)) (func(), error) {
	cancel, err := subscribe(ctx, group, func(m layer.Message) {
		s.record(func() { s.delivered[group]++ })
		deliver(m)
	})
	if err != nil {
		return nil, err
	}
	s.record(func() {
		s.events = append(s.events, LayerEvent{Op: "subscribe", Group: group})
		s.active[group]++
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			s.record(func() {
				s.events = append(s.events, LayerEvent{Op: "unsubscribe", Group: group})
				s.active[group]--
			})
		})
	}, nil
}

// Close closes the wrapped layer.
func (s *SpyLayer) Close() error { return s.inner.Close() }

// Published returns every publication so far, in order.
func (s *SpyLayer) Published() []Publication {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.published)
}

// PublishedTo returns the publications to group, in order.
func (s *SpyLayer) PublishedTo(group string) []Publication {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Publication
	for _, p := range s.published {
		if p.Group == group {
			out = append(out, p)
		}
	}
	return out
}

// Events returns the subscribe and unsubscribe calls so far, in order.
func (s *SpyLayer) Events() []LayerEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// Subscriptions is how many subscriptions to group are open right now.
func (s *SpyLayer) Subscriptions(group string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active[group]
}

// Delivered is how many messages the wrapped layer delivered to this
// process's subscriptions of group.
func (s *SpyLayer) Delivered(group string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered[group]
}

// Reset forgets every publication, event and delivery count recorded so
// far; open subscriptions stay counted.
func (s *SpyLayer) Reset() {
	s.record(func() {
		s.published = nil
		s.events = nil
		clear(s.delivered)
	})
}

// wait blocks until cond (run under the lock) is true or the timeout ends.
func (s *SpyLayer) wait(cond func() bool) bool {
	d := s.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return false
		}
	}
}

// WaitForPublish waits for a publication match accepts (one already
// recorded counts) and returns the first; the test fails after the
// timeout, listing what was published.
func (s *SpyLayer) WaitForPublish(t testing.TB, match func(Publication) bool) Publication {
	t.Helper()
	var found Publication
	ok := s.wait(func() bool {
		for _, p := range s.published {
			if match(p) {
				found = p
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("chanxtest: no matching publication within the timeout; published: %v", s.summary())
	}
	return found
}

// WaitForAction waits for a publication to group whose frame has action.
func (s *SpyLayer) WaitForAction(t testing.TB, group, action string) Publication {
	t.Helper()
	return s.WaitForPublish(t, func(p Publication) bool {
		return p.Group == group && p.Frame.Action == action
	})
}

// WaitForSubscriptions waits until exactly n subscriptions to group are
// open, e.g. 1 after the first member joined and 0 after the last left.
func (s *SpyLayer) WaitForSubscriptions(t testing.TB, group string, n int) {
	t.Helper()
	if !s.wait(func() bool { return s.active[group] == n }) {
		t.Fatalf("chanxtest: %d subscriptions to %q, want %d", s.Subscriptions(group), group, n)
	}
}

func (s *SpyLayer) summary() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.published))
	for i, p := range s.published {
		out[i] = fmt.Sprintf("%s<-%s", p.Group, p.Frame)
	}
	return out
}
