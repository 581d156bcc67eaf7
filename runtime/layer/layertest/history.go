package layertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chanxgo/chanx/runtime/layer"
)

// Clock is a fake clock for the history suite: layers under test read
// Now for retention by age, and the suite moves it with Advance instead of
// sleeping.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at a fixed instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
}

// Now is the clock's time; pass it as the layer's clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// HistoryLayer is a Layer that keeps history.
type HistoryLayer interface {
	layer.Layer
	layer.History
}

// RunHistory runs the layer.History conformance suite. newPair returns
// two layers sharing one history, as two processes on one Redis would
// (for an in-process layer, the same layer twice), both reading clock for
// retention by age. Each subtest gets its own pair.
func RunHistory(t *testing.T, newPair func(t *testing.T, clock *Clock) (a, b HistoryLayer)) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, a, b HistoryLayer, clock *Clock)
	}{
		{"FreshGroup", testHistoryFresh},
		{"DenseSeq", testHistoryDense},
		{"FieldsPreserved", testHistoryFields},
		{"OrderAcrossInstances", testHistoryAcross},
		{"ConcurrentAppends", testHistoryConcurrent},
		{"TrimByCount", testHistoryCount},
		{"TrimByAge", testHistoryAge},
		{"ForeignEpoch", testHistoryForeign},
		{"CancelledContext", testHistoryCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock()
			a, b := newPair(t, clock)
			tc.run(t, a, b, clock)
		})
	}
}

func appendMsg(t *testing.T, l layer.History, group string, m layer.Message, keep layer.Retention) layer.Position {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	pos, err := l.Append(ctx, group, m, keep)
	if err != nil {
		t.Fatalf("Append to %q: %v", group, err)
	}
	return pos
}

func since(t *testing.T, l layer.History, group string, from layer.Position) ([]layer.Message, layer.Position, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	return l.Since(ctx, group, from)
}

// mustSince calls Since and fails on any error.
func mustSince(t *testing.T, l layer.History, group string, from layer.Position) ([]layer.Message, layer.Position) {
	t.Helper()
	msgs, pos, err := since(t, l, group, from)
	if err != nil {
		t.Fatalf("Since(%q, %+v): %v", group, from, err)
	}
	return msgs, pos
}

// mustLose calls Since and wants a *HistoryLostError.
func mustLose(t *testing.T, l layer.History, group string, from layer.Position) *layer.HistoryLostError {
	t.Helper()
	msgs, _, err := since(t, l, group, from)
	var lost *layer.HistoryLostError
	if !errors.As(err, &lost) {
		t.Fatalf("Since(%q, %+v) = %d messages, err %v; want a *layer.HistoryLostError", group, from, len(msgs), err)
	}
	if lost.Group != group || lost.From != from {
		t.Errorf("HistoryLostError names group %q from %+v, want %q from %+v", lost.Group, lost.From, group, from)
	}
	return lost
}

// wantSeqs checks that msgs carry exactly the seqs first..last in order,
// with the frames seqFrame gives them.
func wantSeqs(t *testing.T, what string, msgs []layer.Message, first, last uint64) {
	t.Helper()
	if want := int(last - first + 1); last < first && len(msgs) != 0 || last >= first && len(msgs) != want {
		t.Fatalf("%s: %d messages, want seqs %d..%d: %s", what, len(msgs), first, last, seqList(msgs))
	}
	for i, m := range msgs {
		if m.Seq != first+uint64(i) {
			t.Fatalf("%s: message %d has seq %d, want %d: %s", what, i, m.Seq, first+uint64(i), seqList(msgs))
		}
	}
}

func seqList(msgs []layer.Message) string {
	s := make([]uint64, len(msgs))
	for i, m := range msgs {
		s[i] = m.Seq
	}
	return fmt.Sprint(s)
}

func nFrame(n int) layer.Message {
	return layer.Message{Kind: layer.Broadcast, Frame: fmt.Appendf(nil, `{"n":%d}`, n)}
}

func testHistoryFresh(t *testing.T, a, b HistoryLayer, _ *Clock) {
	g := groupName(t, "fresh")
	msgs, pa := mustSince(t, a, g, layer.Position{})
	if len(msgs) != 0 || pa.Epoch == "" || pa.Seq != 0 {
		t.Fatalf("Since on a new group = %d messages at %+v, want none at {epoch 0} with an epoch", len(msgs), pa)
	}
	_, pb := mustSince(t, b, g, layer.Position{})
	if pb != pa {
		t.Fatalf("the other instance sees position %+v, want %+v (one shared history)", pb, pa)
	}
	if msgs, _ := mustSince(t, b, g, pa); len(msgs) != 0 {
		t.Fatalf("Since the current position returned %d messages", len(msgs))
	}
	pos := appendMsg(t, b, g, nFrame(1), layer.Retention{})
	if pos != (layer.Position{Epoch: pa.Epoch, Seq: 1}) {
		t.Fatalf("first Append = %+v, want {%s 1}", pos, pa.Epoch)
	}
}

func testHistoryDense(t *testing.T, a, b HistoryLayer, _ *Clock) {
	g := groupName(t, "dense")
	r := NewRecorder()
	subscribe(t, b, g, r)
	const n = 50
	var epoch string
	for i := 1; i <= n; i++ {
		pos := appendMsg(t, a, g, nFrame(i), layer.Retention{})
		if i == 1 {
			epoch = pos.Epoch
		}
		if pos.Seq != uint64(i) || pos.Epoch != epoch || epoch == "" {
			t.Fatalf("Append %d = %+v, want seq %d in epoch %q", i, pos, i, epoch)
		}
	}
	got := r.Await(t, n)
	wantSeqs(t, "subscriber", got, 1, n)
	for i, m := range got {
		if want := fmt.Sprintf(`{"n":%d}`, i+1); string(m.Frame) != want {
			t.Fatalf("subscriber message %d = %s, want %s", i, m.Frame, want)
		}
	}
	msgs, pos := mustSince(t, b, g, layer.Position{Epoch: epoch})
	wantSeqs(t, "Since seq 0", msgs, 1, n)
	if pos != (layer.Position{Epoch: epoch, Seq: n}) {
		t.Fatalf("Since position = %+v, want {%s %d}", pos, epoch, n)
	}
	for i, m := range msgs {
		if want := fmt.Sprintf(`{"n":%d}`, i+1); string(m.Frame) != want {
			t.Fatalf("Since message %d = %s, want %s", i, m.Frame, want)
		}
	}
	msgs, _ = mustSince(t, a, g, layer.Position{Epoch: epoch, Seq: 42})
	wantSeqs(t, "Since seq 42", msgs, 43, n)
	msgs, pos = mustSince(t, a, g, layer.Position{})
	if len(msgs) != 0 || pos.Seq != n {
		t.Fatalf(`Since {"" 0} = %d messages at %+v, want none at seq %d`, len(msgs), pos, n)
	}
}

func testHistoryFields(t *testing.T, a, b HistoryLayer, _ *Clock) {
	g := groupName(t, "fields")
	r := NewRecorder()
	subscribe(t, b, g, r)
	want := []layer.Message{
		{Kind: layer.Event, Frame: []byte(`{"action":"a","payload":"quote \" é"}`), Exclude: "conn-1", Sent: 1764763200000000000},
		{Kind: layer.Broadcast, Frame: []byte{0, 1, 0xff}, Target: "conn-2", Meta: map[string]string{"traceparent": "00-abc-def-01", "k": ""}},
		{Kind: layer.Broadcast},
	}
	for _, m := range want {
		appendMsg(t, a, g, m, layer.Retention{})
	}
	check := func(what string, got []layer.Message) {
		t.Helper()
		wantSeqs(t, what, got, 1, uint64(len(want)))
		for i, w := range want {
			g := got[i]
			if g.Kind != w.Kind || g.Exclude != w.Exclude || g.Target != w.Target || g.Sent != w.Sent ||
				!bytes.Equal(g.Frame, w.Frame) || !maps.Equal(g.Meta, w.Meta) {
				t.Errorf("%s message %d = %+v, want %+v with seq %d", what, i, g, w, i+1)
			}
		}
	}
	check("subscriber", r.Await(t, len(want)))
	_, pos := mustSince(t, a, g, layer.Position{})
	msgs, _ := mustSince(t, b, g, layer.Position{Epoch: pos.Epoch})
	check("Since", msgs)
}

func testHistoryAcross(t *testing.T, a, b HistoryLayer, _ *Clock) {
	g := groupName(t, "across")
	ra, rb := NewRecorder(), NewRecorder()
	subscribe(t, a, g, ra)
	subscribe(t, b, g, rb)
	const n = 40
	for i := 1; i <= n; i++ {
		l := a
		if i%2 == 0 {
			l = b
		}
		if pos := appendMsg(t, l, g, nFrame(i), layer.Retention{}); pos.Seq != uint64(i) {
			t.Fatalf("Append %d through instance %d = seq %d", i, 2-i%2, pos.Seq)
		}
	}
	wantSeqs(t, "subscriber on a", ra.Await(t, n), 1, n)
	wantSeqs(t, "subscriber on b", rb.Await(t, n), 1, n)
}

func testHistoryConcurrent(t *testing.T, a, b HistoryLayer, _ *Clock) {
	g := groupName(t, "concurrent")
	ra, rb := NewRecorder(), NewRecorder()
	subscribe(t, a, g, ra)
	subscribe(t, b, g, rb)
	const writers, each = 4, 100
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var mu sync.Mutex
	var seqs []uint64
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		l := a
		if w%2 == 1 {
			l = b
		}
		wg.Go(func() {
			for i := range each {
				pos, err := l.Append(ctx, g, nFrame(w*each+i), layer.Retention{})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seqs = append(seqs, pos.Seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	const n = writers * each
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("concurrent Appends got seqs %v…, want 1..%d each once", seqs[max(0, i-3):min(len(seqs), i+3)], n)
		}
	}
	// Seq order is publish order: every subscriber sees 1..n in order.
	wantSeqs(t, "subscriber on a", ra.Await(t, n), 1, n)
	wantSeqs(t, "subscriber on b", rb.Await(t, n), 1, n)
	_, pos := mustSince(t, a, g, layer.Position{})
	msgs, _ := mustSince(t, b, g, layer.Position{Epoch: pos.Epoch})
	wantSeqs(t, "Since", msgs, 1, n)
}

func testHistoryCount(t *testing.T, a, b HistoryLayer, _ *Clock) {
	g := groupName(t, "count")
	keep := layer.Retention{Count: 10}
	var pos layer.Position
	for i := 1; i <= 25; i++ {
		pos = appendMsg(t, a, g, nFrame(i), keep)
	}
	e := pos.Epoch
	msgs, _ := mustSince(t, b, g, layer.Position{Epoch: e, Seq: 15})
	wantSeqs(t, "Since 15 with 10 kept of 25", msgs, 16, 25)
	for _, from := range []uint64{0, 5, 14} {
		lost := mustLose(t, b, g, layer.Position{Epoch: e, Seq: from})
		if lost.Earliest != 16 || lost.Current != pos {
			t.Errorf("Since %d: HistoryLostError earliest %d current %+v, want 16 and %+v", from, lost.Earliest, lost.Current, pos)
		}
	}
	// A smaller count on a later Append trims what is kept.
	pos = appendMsg(t, b, g, nFrame(26), layer.Retention{Count: 3})
	msgs, _ = mustSince(t, a, g, layer.Position{Epoch: e, Seq: 23})
	wantSeqs(t, "Since 23 with 3 kept of 26", msgs, 24, 26)
	if lost := mustLose(t, a, g, layer.Position{Epoch: e, Seq: 22}); lost.Earliest != 24 {
		t.Errorf("earliest = %d, want 24", lost.Earliest)
	}
}

func testHistoryAge(t *testing.T, a, b HistoryLayer, clock *Clock) {
	g := groupName(t, "age")
	keep := layer.Retention{Age: 10 * time.Second}
	var pos layer.Position
	for i := 1; i <= 3; i++ {
		pos = appendMsg(t, a, g, nFrame(i), keep)
	}
	e := pos.Epoch
	clock.Advance(6 * time.Second)
	for i := 4; i <= 6; i++ {
		pos = appendMsg(t, b, g, nFrame(i), keep)
	}
	msgs, _ := mustSince(t, a, g, layer.Position{Epoch: e})
	wantSeqs(t, "Since 0 after 6 s", msgs, 1, 6)
	clock.Advance(5 * time.Second) // 1..3 are 11 s old, 4..6 5 s
	msgs, _ = mustSince(t, b, g, layer.Position{Epoch: e, Seq: 3})
	wantSeqs(t, "Since 3 after 11 s", msgs, 4, 6)
	if lost := mustLose(t, a, g, layer.Position{Epoch: e, Seq: 2}); lost.Earliest != 4 || lost.Current != pos {
		t.Errorf("HistoryLostError earliest %d current %+v, want 4 and %+v", lost.Earliest, lost.Current, pos)
	}
	clock.Advance(10 * time.Second) // everything is too old
	if msgs, cur := mustSince(t, a, g, pos); len(msgs) != 0 || cur != pos {
		t.Fatalf("Since the latest position after everything expired = %d messages at %+v, want none at %+v", len(msgs), cur, pos)
	}
	if lost := mustLose(t, b, g, layer.Position{Epoch: e, Seq: 5}); lost.Earliest != 0 {
		t.Errorf("HistoryLostError of an empty history: earliest %d, want 0", lost.Earliest)
	}
	// Seqs go on after everything expired.
	if p := appendMsg(t, a, g, nFrame(7), keep); p != (layer.Position{Epoch: e, Seq: 7}) {
		t.Fatalf("Append after expiry = %+v, want {%s 7}", p, e)
	}
	msgs, _ = mustSince(t, b, g, pos)
	wantSeqs(t, "Since 6 after expiry", msgs, 7, 7)
}

func testHistoryForeign(t *testing.T, a, b HistoryLayer, _ *Clock) {
	g := groupName(t, "foreign")
	var pos layer.Position
	for i := 1; i <= 3; i++ {
		pos = appendMsg(t, a, g, nFrame(i), layer.Retention{})
	}
	for _, from := range []layer.Position{
		{Epoch: "not-" + pos.Epoch, Seq: 1},
		{Epoch: "not-" + pos.Epoch},
		{Seq: 2},
		{Epoch: pos.Epoch, Seq: 4}, // a seq the history never had
	} {
		lost := mustLose(t, b, g, from)
		if lost.Current != pos {
			t.Errorf("Since %+v: HistoryLostError current %+v, want %+v", from, lost.Current, pos)
		}
		if lost.Error() == "" {
			t.Errorf("HistoryLostError has no message")
		}
	}
}

func testHistoryCancelled(t *testing.T, a, _ HistoryLayer, _ *Clock) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := groupName(t, "cancelled")
	if _, err := a.Append(ctx, g, nFrame(1), layer.Retention{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a cancelled context: %v, want context.Canceled", err)
	}
	if _, _, err := a.Since(ctx, g, layer.Position{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Since with a cancelled context: %v, want context.Canceled", err)
	}
}
