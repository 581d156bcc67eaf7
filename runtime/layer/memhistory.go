package layer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

var _ History = (*Memory)(nil)

// memHistory is one group's history in a Memory layer: a ring of its
// latest messages, guarded by its own mutex so that groups never wait
// for each other.
type memHistory struct {
	mu    sync.Mutex
	epoch string
	seq   uint64        // the group's latest seq, 0 before the first Append
	age   time.Duration // Retention.Age of the latest Append
	ring  []memEntry    // circular; the oldest kept message is ring[head]
	head  int
	n     int // messages kept
}

type memEntry struct {
	m  Message
	at time.Time // when it was appended, by MemoryOptions.Now
}

// Append gives m its group's next seq, keeps it in the group's ring
// (trimmed to keep's count and age, by MemoryOptions.Now), and publishes
// it as Publish does, with m.Seq set. It copies m.Frame once; the ring and
// the subscribers share that copy. Appends to one group are serialised by
// that group's lock alone, held while the message is handed to the
// subscribers, so every subscriber sees a group's seqs in increasing order;
// a deliver func (inline or Synchronous) must therefore not Append to the
// group it is delivering. Since returns the kept messages, sharing their
// frames: treat them as read-only.
func (l *Memory) Append(ctx context.Context, group string, m Message, keep Retention) (Position, error) {
	if err := ctx.Err(); err != nil {
		return Position{}, err
	}
	if l.closed.Load() {
		return Position{}, ErrClosed
	}
	count := keep.Count
	if count <= 0 {
		count = DefaultHistoryCount
	}
	if m.Frame != nil {
		m.Frame = append([]byte(nil), m.Frame...)
	}
	h := l.historyOf(group)
	h.mu.Lock()
	defer h.mu.Unlock()
	now := l.now()
	h.seq++
	m.Seq = h.seq
	h.age = keep.Age
	h.push(memEntry{m: m, at: now}, count)
	h.trimAge(now)
	pos := Position{Epoch: h.epoch, Seq: h.seq}
	if err := l.publish(ctx, group, m, false); err != nil {
		return pos, err // closed meanwhile; m stays in the history
	}
	return pos, nil
}

// Since returns the group's kept messages after from.Seq and its latest
// position, or a *HistoryLostError; see History. Messages older than the
// Retention.Age of the group's latest Append are dropped first.
func (l *Memory) Since(ctx context.Context, group string, from Position) ([]Message, Position, error) {
	if err := ctx.Err(); err != nil {
		return nil, Position{}, err
	}
	if l.closed.Load() {
		return nil, Position{}, ErrClosed
	}
	h := l.historyOf(group)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.trimAge(l.now())
	cur := Position{Epoch: h.epoch, Seq: h.seq}
	if from == (Position{}) {
		return nil, cur, nil
	}
	var earliest uint64
	if h.n > 0 {
		earliest = h.seq - uint64(h.n) + 1
	}
	switch {
	case from.Epoch != h.epoch || from.Seq > h.seq:
	case from.Seq == h.seq:
		return nil, cur, nil
	case h.n > 0 && earliest <= from.Seq+1:
		msgs := make([]Message, 0, h.seq-from.Seq)
		for i := int(from.Seq + 1 - earliest); i < h.n; i++ {
			msgs = append(msgs, h.at(i).m)
		}
		return msgs, cur, nil
	}
	return nil, cur, &HistoryLostError{Group: group, From: from, Earliest: earliest, Current: cur}
}

// historyOf returns group's history, creating it with a new epoch.
func (l *Memory) historyOf(group string) *memHistory {
	if v, ok := l.history.Load(group); ok {
		return v.(*memHistory)
	}
	v, _ := l.history.LoadOrStore(group, &memHistory{epoch: NewEpoch()})
	return v.(*memHistory)
}

// NewEpoch returns a random epoch name (16 hex digits), for layers that
// start a history.
func NewEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *memHistory) at(i int) *memEntry { return &h.ring[(h.head+i)%len(h.ring)] }

// push adds e as the newest entry and drops the oldest beyond count.
func (h *memHistory) push(e memEntry, count int) {
	if h.n == len(h.ring) && len(h.ring) < count {
		grown := make([]memEntry, min(count, max(2*len(h.ring), 8)))
		for i := range h.n {
			grown[i] = *h.at(i)
		}
		h.ring, h.head = grown, 0
	}
	if h.n == len(h.ring) {
		h.pop() // full at its size: overwrite the oldest
	}
	*h.at(h.n) = e
	h.n++
	for h.n > count {
		h.pop()
	}
}

func (h *memHistory) pop() {
	h.ring[h.head] = memEntry{} // drop the frame
	h.head = (h.head + 1) % len(h.ring)
	h.n--
}

// trimAge drops the entries older than h.age at now.
func (h *memHistory) trimAge(now time.Time) {
	if h.age <= 0 {
		return
	}
	for h.n > 0 && now.Sub(h.at(0).at) > h.age {
		h.pop()
	}
}
