package layer

import "context"

// Kind says why a message travels through the layer; the server uses it to
// pick the completion marker it sends after delivering the message.
type Kind uint8

const (
	// Broadcast is a group message sent by a connection's handler.
	Broadcast Kind = iota
	// Event is a server event sent from anywhere.
	Event
)

// Message is what the layer carries between processes: one encoded JSON
// frame and how to deliver it.
type Message struct {
	Kind Kind
	// Frame is the whole frame as it goes on the wire.
	Frame []byte
	// Exclude is a connection id that must not receive the message (the
	// sender of a broadcast with exclude-current), "" for none.
	Exclude string
	// Target, when set, limits delivery to that one connection id.
	Target string
	// Seq is the message's position in its group's history (see History),
	// 0 when it has none. It is not part of Frame: the server writes it into
	// the frame (PROTOCOL.md's "seq" key) as it delivers.
	Seq uint64
	// Sent is when the publisher handed the message to the layer, in Unix
	// nanoseconds, 0 when unknown; a receiving server measures broadcast
	// delivery latency from it (clocks of different hosts may disagree).
	Sent int64
	// Meta is small key/value context that travels with the message, such
	// as W3C trace context ("traceparent", "tracestate"). nil for none.
	// Receivers must treat it as read-only. The Redis layer carries at most
	// MaxMeta pairs.
	Meta map[string]string
}

// MaxMeta bounds the number of Meta pairs a layer carries between
// processes, so a corrupt or hostile message cannot make a receiver
// allocate without bound.
const MaxMeta = 16

// Layer moves messages to groups across every process that shares it.
// Servers subscribe once per group per process and fan out to their own
// connections; code without a WebSocket of its own (an HTTP handler, a
// worker) may Publish too.
type Layer interface {
	// Publish delivers m to every subscriber of group, in every process.
	// Delivery is at most once. What its result means:
	//   - nil: the layer accepted m for every process: this process's
	//     subscribers have it (or have it queued), and the processes
	//     subscribed to the group at that moment get it. A process that is
	//     reconnecting to the transport then does not (see the package
	//     documentation: the loss window).
	//   - an error wrapping *PartialDeliveryError: this process's
	//     subscribers got m; other processes may not have.
	//   - any other error: this process's subscribers did not get m, and
	//     other processes may not have either (the layer is closed, ctx was
	//     done, or the transport failed while this process had no
	//     subscriber of the group).
	//
	// Publish returns within ctx's deadline, and within the bound an
	// implementation documents when ctx has none or a later one.
	Publish(ctx context.Context, group string, m Message) error
	// Subscribe starts delivering the messages published to group in this
	// process to deliver, until cancel is called. deliver must not block for
	// long: implementations may call it from their network goroutine.
	// Subscribing to a group twice from one process is allowed; each
	// subscription gets every message.
	Subscribe(ctx context.Context, group string, deliver func(Message)) (cancel func(), err error)
	// Close releases the layer's resources; further calls fail.
	Close() error
}

// Pipeliner is implemented by layers whose Publish waits for a round trip
// to the other processes (the Redis layer). It splits Publish in two, so
// that a publisher can go on while the other processes' copies are in
// flight and can send many of them in one round trip:
//   - PublishLocal does Publish's part inside this process: this
//     process's subscribers of group get m before it returns. local
//     reports whether there were any; err is set only when nothing was
//     done (the layer is closed, ctx is done).
//   - PublishRemote does the rest for each of ps, in order (the other
//     processes get them in that order), and waits for the transport's
//     answers; errs[i] is what Publish would have returned for ps[i]
//     given its Local, and errs is nil when every one succeeded.
type Pipeliner interface {
	PublishLocal(ctx context.Context, group string, m Message) (local bool, err error)
	PublishRemote(ctx context.Context, ps []Publication) (errs []error)
}

// Publication is one message for Pipeliner.PublishRemote: its group, the
// message, and whether PublishLocal found subscribers in this process.
type Publication struct {
	Group   string
	Message Message
	Local   bool
}

// InlineSubscriber is implemented by layers that can hand messages to a
// deliver func without queueing them first. SubscribeInline is Subscribe,
// except that deliver runs on the goroutine that published the message
// (or, for messages from other processes, the layer's network goroutine)
// before Publish returns, and may run concurrently for messages of
// different publishers. It is for deliver funcs that never block and are
// safe for concurrent use, like the server's fan-out into bounded
// per-connection queues; it saves a goroutine hand-off per message. A
// deliver that blocks stalls its publishers (and, in the Redis layer, every
// group on the connection).
type InlineSubscriber interface {
	SubscribeInline(ctx context.Context, group string, deliver func(Message)) (cancel func(), err error)
}

// SubscribeInline subscribes deliver to group inline when l implements
// InlineSubscriber, and through l.Subscribe otherwise. The caller's deliver
// must qualify for both: never block, safe for concurrent use.
func SubscribeInline(ctx context.Context, l Layer, group string, deliver func(Message)) (cancel func(), err error) {
	if il, ok := l.(InlineSubscriber); ok {
		return il.SubscribeInline(ctx, group, deliver)
	}
	return l.Subscribe(ctx, group, deliver)
}

// HealthReporter is implemented by layers whose delivery to other
// processes depends on a connection that can fail (the Redis layer).
// Healthy reports whether the layer can reach the other processes now: its
// transport answers and every subscription it had is in place again. An
// unhealthy layer still delivers inside this process; Publish reports what
// did not reach the others. A layer that does not implement it (Memory) is
// always healthy.
type HealthReporter interface {
	Healthy() bool
}
