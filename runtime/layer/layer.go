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
}

// Layer moves messages to groups across every process that shares it.
// Servers subscribe once per group per process and fan out to their own
// connections; code without a WebSocket of its own (an HTTP handler, a
// worker) may Publish too.
type Layer interface {
	// Publish delivers m to every subscriber of group, in every process.
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
