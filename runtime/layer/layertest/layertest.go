package layertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/layer"
)

// Timeout bounds every wait for a delivery in the suite.
const Timeout = 5 * time.Second

// quiet is how long the suite waits to be sure that a message does not
// arrive. Tests never rely on it for success, only to catch a delivery that
// should not happen, and they first flush with a sentinel message so a
// late delivery would already be visible.
const quiet = 50 * time.Millisecond

// Run runs the conformance suite against layers made by newLayer, each
// subtest with its own layer, publishing and subscribing through it.
// newLayer should register the layer's cleanup with t.Cleanup; the suite
// closes layers it tests Close on itself, so Close must tolerate a second
// call.
func Run(t *testing.T, newLayer func(t *testing.T) layer.Layer) {
	t.Helper()
	RunPair(t, func(t *testing.T) (pub, sub layer.Layer) {
		l := newLayer(t)
		return l, l
	})
}

// RunPair runs the conformance suite with messages published through pub
// and received through sub, as two processes sharing a layer would (for a
// Redis layer: two Layer values on the same Redis). pub and sub may be the
// same layer. When sub implements layer.InlineSubscriber, the suite runs
// a second time with every subscription made through SubscribeInline.
func RunPair(t *testing.T, newPair func(t *testing.T) (pub, sub layer.Layer)) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, pub, sub layer.Layer)
	}{
		{"PublishSubscribe", testPublishSubscribe},
		{"FieldsPreserved", testFieldsPreserved},
		{"SeveralSubscribers", testSeveralSubscribers},
		{"GroupsAreIsolated", testGroupsAreIsolated},
		{"Unsubscribe", testUnsubscribe},
		{"UnsubscribeOneOfMany", testUnsubscribeOneOfMany},
		{"ResubscribeAfterCancel", testResubscribeAfterCancel},
		{"OrderPerPublisher", testOrderPerPublisher},
		{"ConcurrentPublishers", testConcurrentPublishers},
		{"PublishWithoutSubscribers", testPublishWithoutSubscribers},
		{"CancelledContext", testCancelledContext},
		{"Close", testClose},
	}
	inline := false
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub, sub := newPair(t)
			_, inline = sub.(layer.InlineSubscriber)
			tc.run(t, pub, sub)
		})
	}
	// Layers that can deliver inline must keep every promise that way too.
	if !inline {
		return
	}
	for _, tc := range tests {
		t.Run("Inline/"+tc.name, func(t *testing.T) {
			pub, sub := newPair(t)
			w := inlineOnly{sub.(layer.InlineSubscriber), sub}
			if pub == sub {
				tc.run(t, w, w)
				return
			}
			tc.run(t, pub, w)
		})
	}
}

// inlineOnly makes every Subscribe of the suite a SubscribeInline.
type inlineOnly struct {
	inline layer.InlineSubscriber
	layer.Layer
}

func (l inlineOnly) Subscribe(ctx context.Context, group string, deliver func(layer.Message)) (func(), error) {
	return l.inline.SubscribeInline(ctx, group, deliver)
}

// Recorder collects delivered messages for assertions; its Deliver method is
// what a test passes to Subscribe.
type Recorder struct {
	mu   sync.Mutex
	msgs []layer.Message
	more chan struct{} // closed and replaced on each delivery
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{more: make(chan struct{})}
}

// Deliver records m; pass it to Subscribe. It copies the frame, since a
// layer may share it between subscribers.
func (r *Recorder) Deliver(m layer.Message) {
	m.Frame = bytes.Clone(m.Frame)
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	close(r.more)
	r.more = make(chan struct{})
	r.mu.Unlock()
}

// Messages returns a copy of what was delivered so far.
func (r *Recorder) Messages() []layer.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]layer.Message(nil), r.msgs...)
}

// WaitFor waits until at least n messages arrived or timeout passes, and
// returns the messages delivered by then.
func (r *Recorder) WaitFor(n int, timeout time.Duration) []layer.Message {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		got, more := len(r.msgs), r.more
		r.mu.Unlock()
		if got >= n {
			return r.Messages()
		}
		select {
		case <-more:
		case <-deadline.C:
			return r.Messages()
		}
	}
}

// Await waits for exactly n messages and fails the test if fewer arrive
// within Timeout.
func (r *Recorder) Await(t testing.TB, n int) []layer.Message {
	t.Helper()
	got := r.WaitFor(n, Timeout)
	if len(got) < n {
		t.Fatalf("got %d messages within %v, want %d: %s", len(got), Timeout, n, frames(got))
	}
	return got
}

func frames(msgs []layer.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Write(m.Frame)
	}
	return "[" + b.String() + "]"
}

func frame(s string) layer.Message {
	return layer.Message{Kind: layer.Broadcast, Frame: []byte(s)}
}

func subscribe(t *testing.T, l layer.Layer, group string, r *Recorder) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	unsub, err := l.Subscribe(ctx, group, r.Deliver)
	if err != nil {
		t.Fatalf("subscribe %q: %v", group, err)
	}
	t.Cleanup(unsub)
	return unsub
}

func publish(t *testing.T, l layer.Layer, group string, m layer.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := l.Publish(ctx, group, m); err != nil {
		t.Fatalf("publish to %q: %v", group, err)
	}
}

// groupName makes group names unique per test, so layers that share a
// backend between tests (one Redis) cannot see each other's traffic.
func groupName(t *testing.T, suffix string) string {
	return strings.ReplaceAll(t.Name(), "/", ".") + "." + suffix
}

func testPublishSubscribe(t *testing.T, pub, sub layer.Layer) {
	g := groupName(t, "room")
	r := NewRecorder()
	subscribe(t, sub, g, r)
	publish(t, pub, g, frame(`{"action":"hello"}`))
	got := r.Await(t, 1)
	if string(got[0].Frame) != `{"action":"hello"}` {
		t.Fatalf("frame = %s, want {\"action\":\"hello\"}", got[0].Frame)
	}
}

func testFieldsPreserved(t *testing.T, pub, sub layer.Layer) {
	g := groupName(t, "fields")
	r := NewRecorder()
	subscribe(t, sub, g, r)
	want := []layer.Message{
		{Kind: layer.Broadcast, Frame: []byte(`{"action":"a","payload":{"text":"quote \" backslash \\ newline \n unicode é 😀"}}`)},
		{Kind: layer.Event, Frame: []byte(`{"action":"b"}`), Exclude: "conn-1"},
		{Kind: layer.Event, Frame: []byte(`{"action":"c"}`), Target: "conn-2"},
		{Kind: layer.Broadcast, Frame: []byte(`{"action":"d"}`), Exclude: "x|y", Target: "ünïcode id"},
		{Kind: layer.Broadcast, Frame: []byte{0, 1, 2, 0xff, '"', '\\'}},
		{Kind: layer.Event, Frame: bytes.Repeat([]byte("x"), 256<<10)},
		{Kind: layer.Broadcast},
	}
	for _, m := range want {
		publish(t, pub, g, m)
	}
	got := r.Await(t, len(want))
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Kind != w.Kind || g.Exclude != w.Exclude || g.Target != w.Target || !bytes.Equal(g.Frame, w.Frame) {
			t.Errorf("message %d:\n got  {Kind:%d Exclude:%q Target:%q Frame:%.80q}\n want {Kind:%d Exclude:%q Target:%q Frame:%.80q}",
				i, g.Kind, g.Exclude, g.Target, g.Frame, w.Kind, w.Exclude, w.Target, w.Frame)
		}
	}
}

func testSeveralSubscribers(t *testing.T, pub, sub layer.Layer) {
	g := groupName(t, "room")
	rs := []*Recorder{NewRecorder(), NewRecorder(), NewRecorder()}
	for _, r := range rs {
		subscribe(t, sub, g, r)
	}
	const n = 20
	for i := range n {
		publish(t, pub, g, frame(fmt.Sprintf(`{"n":%d}`, i)))
	}
	for i, r := range rs {
		got := r.Await(t, n)
		for j, m := range got {
			if want := fmt.Sprintf(`{"n":%d}`, j); string(m.Frame) != want {
				t.Fatalf("subscriber %d message %d = %s, want %s", i, j, m.Frame, want)
			}
		}
	}
}

func testGroupsAreIsolated(t *testing.T, pub, sub layer.Layer) {
	ga, gb := groupName(t, "a"), groupName(t, "b")
	ra, rb := NewRecorder(), NewRecorder()
	subscribe(t, sub, ga, ra)
	subscribe(t, sub, gb, rb)
	publish(t, pub, ga, frame(`"for a"`))
	publish(t, pub, gb, frame(`"for b"`))
	if got := ra.Await(t, 1); string(got[0].Frame) != `"for a"` {
		t.Fatalf("group a got %s", got[0].Frame)
	}
	if got := rb.Await(t, 1); string(got[0].Frame) != `"for b"` {
		t.Fatalf("group b got %s", got[0].Frame)
	}
	time.Sleep(quiet)
	if got := ra.Messages(); len(got) != 1 {
		t.Fatalf("group a got %d messages, want 1: %s", len(got), frames(got))
	}
}

func testUnsubscribe(t *testing.T, pub, sub layer.Layer) {
	g, sentinel := groupName(t, "room"), groupName(t, "sentinel")
	r, rs := NewRecorder(), NewRecorder()
	unsub := subscribe(t, sub, g, r)
	subscribe(t, sub, sentinel, rs)
	publish(t, pub, g, frame(`"before"`))
	r.Await(t, 1)
	unsub()
	unsub() // a second cancel is harmless
	publish(t, pub, g, frame(`"after"`))
	publish(t, pub, sentinel, frame(`"flush"`))
	rs.Await(t, 1)
	time.Sleep(quiet)
	if got := r.Messages(); len(got) != 1 {
		t.Fatalf("got %d messages after unsubscribe, want 1: %s", len(got), frames(got))
	}
}

func testUnsubscribeOneOfMany(t *testing.T, pub, sub layer.Layer) {
	g := groupName(t, "room")
	gone, stays := NewRecorder(), NewRecorder()
	unsub := subscribe(t, sub, g, gone)
	subscribe(t, sub, g, stays)
	unsub()
	publish(t, pub, g, frame(`"one"`))
	publish(t, pub, g, frame(`"two"`))
	stays.Await(t, 2)
	time.Sleep(quiet)
	if got := gone.Messages(); len(got) != 0 {
		t.Fatalf("cancelled subscriber got %s", frames(got))
	}
}

func testResubscribeAfterCancel(t *testing.T, pub, sub layer.Layer) {
	g := groupName(t, "room")
	for round := range 3 {
		r := NewRecorder()
		unsub := subscribe(t, sub, g, r)
		publish(t, pub, g, frame(fmt.Sprintf(`{"round":%d}`, round)))
		got := r.Await(t, 1)
		if want := fmt.Sprintf(`{"round":%d}`, round); string(got[0].Frame) != want {
			t.Fatalf("round %d: got %s, want %s", round, got[0].Frame, want)
		}
		unsub()
	}
}

func testOrderPerPublisher(t *testing.T, pub, sub layer.Layer) {
	g := groupName(t, "room")
	r := NewRecorder()
	subscribe(t, sub, g, r)
	const n = 500
	for i := range n {
		publish(t, pub, g, frame(fmt.Sprintf(`{"n":%d}`, i)))
	}
	got := r.Await(t, n)
	for i, m := range got {
		if want := fmt.Sprintf(`{"n":%d}`, i); string(m.Frame) != want {
			t.Fatalf("message %d = %s, want %s", i, m.Frame, want)
		}
	}
}

func testConcurrentPublishers(t *testing.T, pub, sub layer.Layer) {
	g := groupName(t, "room")
	r := NewRecorder()
	subscribe(t, sub, g, r)
	const publishers, each = 8, 100
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	errs := make(chan error, publishers)
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range each {
				m := layer.Message{Kind: layer.Event, Frame: fmt.Appendf(nil, `{"p":%d,"n":%d}`, p, i), Exclude: fmt.Sprint(p)}
				if err := pub.Publish(ctx, g, m); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("publish: %v", err)
	}
	got := r.Await(t, publishers*each)
	next := make([]int, publishers)
	for _, m := range got {
		var p, n int
		if _, err := fmt.Sscanf(string(m.Frame), `{"p":%d,"n":%d}`, &p, &n); err != nil || p < 0 || p >= publishers {
			t.Fatalf("unexpected frame %s", m.Frame)
		}
		if n != next[p] {
			t.Fatalf("publisher %d: got message %d, want %d (order lost)", p, n, next[p])
		}
		next[p]++
	}
}

func testPublishWithoutSubscribers(t *testing.T, pub, _ layer.Layer) {
	publish(t, pub, groupName(t, "empty"), frame(`"nobody listens"`))
}

func testCancelledContext(t *testing.T, pub, sub layer.Layer) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := pub.Publish(ctx, groupName(t, "room"), frame(`"x"`))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Publish with a cancelled context: err = %v, want context.Canceled", err)
	}
	unsub, err := sub.Subscribe(ctx, groupName(t, "room"), func(layer.Message) {})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribe with a cancelled context: err = %v, want context.Canceled", err)
	}
	if unsub != nil {
		unsub()
	}
}

func testClose(t *testing.T, pub, sub layer.Layer) {
	g := groupName(t, "room")
	r := NewRecorder()
	unsub := subscribe(t, sub, g, r)
	publish(t, pub, g, frame(`"before close"`))
	r.Await(t, 1)
	if err := sub.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := sub.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	unsub() // cancelling after Close is harmless
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := sub.Publish(ctx, g, frame(`"after close"`)); !errors.Is(err, layer.ErrClosed) {
		t.Errorf("Publish after Close: err = %v, want layer.ErrClosed", err)
	}
	if _, err := sub.Subscribe(ctx, g, r.Deliver); !errors.Is(err, layer.ErrClosed) {
		t.Errorf("Subscribe after Close: err = %v, want layer.ErrClosed", err)
	}
	if pub != sub {
		// The other process's layer keeps working and its messages no
		// longer reach the closed one.
		publish(t, pub, g, frame(`"after close"`))
		time.Sleep(quiet)
	}
	if got := r.Messages(); len(got) != 1 {
		t.Fatalf("got %d messages, want 1 (nothing after Close): %s", len(got), frames(got))
	}
}
