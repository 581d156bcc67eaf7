package layer

import (
	"context"
	"fmt"
	"time"
)

// History is implemented by layers that keep a bounded, ordered history
// of a group's messages, so a topic subscriber that reconnects can be sent
// what it missed (PROTOCOL.md, "Recovery"). Both layers of this module
// implement it: Memory with a ring per group, the Redis layer with a Redis
// Stream per group shared by every process.
type History interface {
	// Append gives m its group's next seq, stores it in the group's
	// history (trimmed to keep), and publishes it as Publish does, with
	// m.Seq set. Seqs of a group start at 1 and have no gaps; every process
	// on the layer shares them. The returned position is m's. Errors are
	// Publish's.
	Append(ctx context.Context, group string, m Message, keep Retention) (Position, error)
	// Since returns the group's messages after from.Seq, oldest first, and
	// the group's latest position. When from.Epoch is not the group's epoch
	// (the history was lost and restarted) or the history no longer holds
	// from.Seq+1, it returns an error wrapping *HistoryLostError. A group
	// that never had a message has position {epoch, 0}; from {"" , 0} asks
	// for the current position only.
	Since(ctx context.Context, group string, from Position) ([]Message, Position, error)
}

// DefaultHistoryCount is how many messages a group's history keeps when
// Retention.Count is zero.
const DefaultHistoryCount = 1000

// Retention bounds a group's history: at most Count messages (0:
// DefaultHistoryCount), none older than Age (0: no age limit). Each Append
// applies its own Retention; Since applies the Age of the group's latest
// Append, so an idle group's old messages are not replayed either.
type Retention struct {
	Count int
	Age   time.Duration
}

// Position is a point in a group's history. Epoch names one life of the
// history: it changes when the history is lost (a Redis without
// persistence restarted), so seqs of different epochs never compare.
type Position struct {
	Epoch string
	Seq   uint64
}

// HistoryLostError says the messages after From can no longer be
// replayed: the oldest one the history still has is Earliest (0 when it
// is empty), and Current is the group's position now.
type HistoryLostError struct {
	Group    string
	From     Position
	Earliest uint64
	Current  Position
}

func (e *HistoryLostError) Error() string {
	if e.From.Epoch != e.Current.Epoch {
		return fmt.Sprintf("layer: history of %q lost: epoch %q is now %q", e.Group, e.From.Epoch, e.Current.Epoch)
	}
	return fmt.Sprintf("layer: history of %q lost: want seq %d, earliest kept is %d", e.Group, e.From.Seq+1, e.Earliest)
}
