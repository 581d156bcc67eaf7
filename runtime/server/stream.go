package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// cancelReg is one running handler registered under a cancel key, with
// the number of its frame.
type cancelReg struct {
	cancel context.CancelCauseFunc
	id     uint64
}

// cancelMark remembers a cancel operation's frame: requests under key read
// before it (frame numbers below id) that had not started yet are
// cancelled as they start.
type cancelMark struct {
	key string
	id  uint64
}

// CancelKey makes a handler cancellable while it runs: key(msg) names it
// (a request id from the message, or a constant when one at a time is
// enough), and Conn.CancelHandler with that key, or a frame of the route
// HandleCancel registers for the document's cancel operation, cancels its
// context with the cause given. T must be the handler's message type;
// Handle panics at registration otherwise.
func CancelKey[T any](key func(msg *T) string) HandleOption {
	return func(cfg *handleConfig) { cfg.cancelKey = key }
}

// HandleCancel registers action as a cancel operation: each of its frames
// is decoded into a T and cancels, with cause ErrCanceled, the handlers
// registered with CancelKey under key(msg) whose frames arrived before
// it: those running, and those still waiting behind other frames, which
// start with their context already cancelled. Frames that arrive after it
// are not affected. It runs concurrently (Concurrent), so it does not wait
// behind the handler it cancels, and sends no reply; a frame naming
// nothing is not an error. For a cancel operation that answers, use
// Handle with Cancels and Concurrent.
func HandleCancel[T any](ch *Channel, action string, key func(msg *T) string, opts ...HandleOption) {
	opts = append(opts[:len(opts):len(opts)], Concurrent(), Cancels(key))
	HandleNoReply(ch, action, func(ctx context.Context, c *Conn, msg *T) error {
		return nil
	}, opts...)
}

// Cancels makes a route a cancel operation that also answers: each frame
// first cancels, as a HandleCancel frame does, the handlers registered
// with CancelKey under key(msg), then runs the route's handler, whose
// reply is sent as usual (an "answer_cancelled"). Give Concurrent too, so
// the frame does not wait behind the handler it cancels. T must be the
// handler's message type; Handle panics at registration otherwise.
func Cancels[T any](key func(msg *T) string) HandleOption {
	return func(cfg *handleConfig) { cfg.cancels = key }
}

// CancelsAt is Cancels for generated code, the key read as CancelKeyAt
// reads it.
func CancelsAt[T any](pointer string) HandleOption {
	return Cancels(func(msg *T) string { return valueAt(msg, pointer) })
}

// CancelHandler cancels the context of the connection's running handlers
// registered under key with CancelKey, with cause (ErrCanceled when nil),
// and reports how many there were. Unlike a HandleCancel frame it does
// not reach requests that have not started.
func (c *Conn) CancelHandler(key string, cause error) int {
	return c.cancelRunning(key, ^uint64(0), cause)
}

// cancelRunning cancels the running handlers under key whose frames are
// numbered below before.
func (c *Conn) cancelRunning(key string, before uint64, cause error) int {
	if cause == nil {
		cause = ErrCanceled
	}
	c.cmu.Lock()
	var hit []*cancelReg
	regs := c.cancels[key]
	kept := regs[:0]
	for _, r := range regs {
		if r.id < before {
			hit = append(hit, r)
		} else {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		delete(c.cancels, key)
	} else {
		clear(regs[len(kept):])
		c.cancels[key] = kept
	}
	c.cmu.Unlock()
	for _, r := range hit {
		r.cancel(cause)
	}
	return len(hit)
}

// cancelUpTo is a HandleCancel frame, number id, naming key: it cancels
// the running requests under key read before it and marks key so that
// those still waiting are cancelled as they start. At most InboundQueue
// marks are kept, the oldest dropped first: no more frames than that can
// be waiting.
func (c *Conn) cancelUpTo(key string, id uint64) {
	c.cmu.Lock()
	if len(c.marks) >= c.srv.opts.InboundQueue {
		c.marks = append(c.marks[:0], c.marks[1:]...)
	}
	c.marks = append(c.marks, cancelMark{key: key, id: id})
	c.cmu.Unlock()
	c.cancelRunning(key, id, ErrCanceled)
}

// registerCancel derives a context a cancel under key can cancel, for the
// handler of frame number id; release unregisters it once the handler
// returns. A cancel already read after id and naming key cancels it at
// once.
func (c *Conn) registerCancel(ctx context.Context, key string, id uint64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	reg := &cancelReg{cancel: cancel, id: id}
	c.cmu.Lock()
	for _, m := range c.marks {
		if m.key == key && m.id > id {
			c.cmu.Unlock()
			cancel(ErrCanceled)
			return ctx, func() {}
		}
	}
	if c.cancels == nil {
		c.cancels = make(map[string][]*cancelReg)
	}
	c.cancels[key] = append(c.cancels[key], reg)
	c.cmu.Unlock()
	return ctx, func() {
		c.cmu.Lock()
		regs := c.cancels[key]
		for i, r := range regs {
			if r == reg {
				regs = append(regs[:i], regs[i+1:]...)
				break
			}
		}
		if len(regs) == 0 {
			delete(c.cancels, key)
		} else {
			c.cancels[key] = regs
		}
		c.cmu.Unlock()
		cancel(context.Canceled)
	}
}

// ErrStreamEnded is returned by Stream.Send once the handler that got the
// stream has returned.
var ErrStreamEnded = errors.New("server: stream ended")

// Stream is where a streaming handler (HandleStream) writes the partial
// replies to one client frame, in order, before its final reply. Its
// sends are the connection's own traffic: they wait for room in the send
// queue, so a stream as fast as the handler can make it reaches a client
// reading at full speed whole, and one that stops reading ends the stream
// with ErrSlowClient after SlowClientTimeout (see Conn.Send).
type Stream struct {
	c     *Conn
	ended atomic.Bool
}

// Send queues frame (an encoded []byte or a value for encoding/json) as
// the next partial reply. It fails at once when ctx is done (a client's
// cancel, the connection's end), and waits while the send queue is full,
// until ctx ends (ctx's cause is returned), the connection ends (ErrClosed) or
// the queue has stayed full for SlowClientTimeout (ErrSlowClient, and the
// connection is closed with 1008). After the handler returned it fails
// with ErrStreamEnded.
func (s *Stream) Send(ctx context.Context, frame any) error {
	if s.ended.Load() {
		return fmt.Errorf("server: stream to %s: %w", s.c.id, ErrStreamEnded)
	}
	if ctx.Err() != nil {
		// A cancelled handler's stream stops at once, even with room in
		// the queue.
		return fmt.Errorf("server: stream to %s: %w", s.c.id, context.Cause(ctx))
	}
	if err := s.c.Send(ctx, frame); err != nil {
		return fmt.Errorf("server: stream: %w", err)
	}
	return nil
}

// Conn returns the connection the stream writes to.
func (s *Stream) Conn() *Conn { return s.c }

// HandleStream is Handle for an operation whose reply is a sequence: h
// sends partial replies with out.Send while it runs, and what it returns
// is the final reply (nil for none), sent after them, followed by the
// `complete` marker when completions are on; an error after partial
// replies is answered like Handle's, after them. Handlers of one
// connection still run one at a time unless Concurrent is given, so a
// long stream holds up the connection's next frames but not its reading:
// pongs and close frames are read meanwhile and a client close cancels
// ctx. Generated code calls it for operations declared with
// x-chanx-stream (see codegen/plan.Stream).
func HandleStream[T, R any](ch *Channel, action string, h func(ctx context.Context, c *Conn, msg *T, out *Stream) (R, error), opts ...HandleOption) {
	Handle(ch, action, func(ctx context.Context, c *Conn, msg *T) (R, error) {
		s := &Stream{c: c}
		defer s.ended.Store(true)
		return h(ctx, c, msg, s)
	}, opts...)
}

// CancelKeyAt is CancelKey for generated code: the key is the value at
// pointer (a JSON pointer, "/payload/request_id") in the message encoded
// as JSON, the text of a string or the JSON of anything else; "" when
// pointer is "" or finds nothing, so such handlers share one key.
func CancelKeyAt[T any](pointer string) HandleOption {
	return CancelKey(func(msg *T) string { return valueAt(msg, pointer) })
}

// HandleCancelAt is HandleCancel for generated code, the key read as
// CancelKeyAt reads it.
func HandleCancelAt[T any](ch *Channel, action, pointer string, opts ...HandleOption) {
	HandleCancel(ch, action, func(msg *T) string { return valueAt(msg, pointer) }, opts...)
}

// valueAt reads the value at a JSON pointer in v encoded as JSON.
func valueAt(v any, pointer string) string {
	if pointer == "" {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var cur any
	if json.Unmarshal(b, &cur) != nil {
		return ""
	}
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			cur = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return ""
			}
			cur = x[i]
		default:
			return ""
		}
	}
	switch x := cur.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
