package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/wire"
)

// Handle registers fn for frames whose discriminator is action. Each such
// frame is decoded once, as a whole, into a new T; when *T implements
// wire.Validator it is validated too. A frame that fails either goes to
// Hooks.OnInvalidMessage instead of fn. An error fn returns (or a panic)
// goes to Hooks.OnHandlerError. Registering an action again replaces its
// handler. Error frames always go to Hooks.OnError, never to a handler.
//
// Handlers run one at a time on the receive goroutine, in arrival order, so
// a slow handler delays the frames after it, and a handler must not wait in
// Request for a reply (hand such work to another goroutine). ctx is done
// once the client ends.
func Handle[T any](c *Client, action string, fn func(ctx context.Context, msg *T) error) {
	c.setHandler(action, func(ctx context.Context, frame []byte) error {
		msg := new(T)
		if err := decodeValid(frame, msg); err != nil {
			return &invalidError{fmt.Errorf("client: %q frame: %w", action, err)}
		}
		return fn(ctx, msg)
	})
}

// HandleFrame registers fn for frames whose discriminator is action, handing
// over the undecoded frame; see Handle for how handlers run.
func (c *Client) HandleFrame(action string, fn func(ctx context.Context, f Frame) error) {
	c.setHandler(action, func(ctx context.Context, frame []byte) error {
		return fn(ctx, Frame{Action: action, Data: frame})
	})
}

func (c *Client) setHandler(action string, h handlerFunc) {
	c.handlersMu.Lock()
	defer c.handlersMu.Unlock()
	m := maps.Clone(*c.handlers.Load())
	m[action] = h
	c.handlers.Store(&m)
}

// decodeValid decodes a whole frame into v and runs v's validator if it has
// one.
func decodeValid(frame []byte, v any) error {
	if err := json.Unmarshal(frame, v); err != nil {
		return err
	}
	if val, ok := v.(wire.Validator); ok {
		return val.Validate()
	}
	return nil
}

// dispatch routes one received frame: binary and non-JSON to OnRawData,
// error frames to OnError (and the oldest Request), the rest to Request
// waiters and to the action's handler.
func (c *Client) dispatch(ctx context.Context, typ websocket.MessageType, data []byte) {
	c.route(ctx, c.receive(typ, data))
}

// received is a frame after the part of dispatch that answers waiting
// Requests, which runs as soon as it is read, ahead of the part that runs
// hooks and handlers (route), which a held reader defers.
type received struct {
	typ    websocket.MessageType
	data   []byte
	kind   receivedKind
	err    error        // why the frame is invalid
	se     *ServerError // an error frame, decoded
	action string
	addr   addressing // the envelope keys, on topic traffic
	taken  bool       // a Request took the frame
}

type receivedKind uint8

const (
	receivedRaw receivedKind = iota
	receivedInvalid
	receivedError
	receivedAction
)

// receive classifies a frame and hands it to the Request waiting for it:
// the one whose ref it carries, else (PROTOCOL.md §4.3) the oldest one
// waiting for its action.
func (c *Client) receive(typ websocket.MessageType, data []byte) received {
	if typ != websocket.MessageText || !json.Valid(data) {
		return received{typ: typ, data: data, kind: receivedRaw}
	}
	if c.opts.Camelize {
		data = wire.SnakeizeKeys(data)
	}
	act, err := c.env.Peek(data, 0)
	if err != nil {
		return received{typ: typ, data: data, kind: receivedInvalid, err: err}
	}
	action := string(act)
	addr, rest := readAddressing(data)
	if action == wire.ActionError {
		se := decodeServerError(rest)
		var werr error = se
		if addr.hasTopic && se.Reason != "" {
			werr = &TopicError{Topic: addr.topic, Reason: se.Reason, Detail: se.Detail, Server: se}
		}
		c.failWaiter(addr, werr)
		return received{typ: typ, data: rest, kind: receivedError, se: se, action: action, addr: addr}
	}
	return received{typ: typ, data: rest, kind: receivedAction, action: action, addr: addr, taken: c.deliver(addr, action, rest)}
}

// route runs the hook or handler a received frame goes to.
func (c *Client) route(ctx context.Context, f received) {
	hooks := &c.opts.Hooks
	switch f.kind {
	case receivedRaw:
		if hooks.OnRawData != nil {
			hooks.OnRawData(ctx, f.typ, f.data)
		}
		return
	case receivedInvalid:
		if hooks.OnInvalidMessage != nil {
			hooks.OnInvalidMessage(ctx, f.data, f.err)
		}
		return
	case receivedError:
		if hooks.OnError != nil {
			hooks.OnError(ctx, f.se)
		}
		return
	}
	if f.addr.hasTopic {
		// A reply taken by its Request is not a push; subscribed still
		// tells the subscription its position, in arrival order.
		if !f.taken || f.action == wire.ActionSubscribed {
			c.routeTopic(ctx, f)
		}
		return
	}
	h := (*c.handlers.Load())[f.action]
	if h == nil {
		if !f.taken && !isBuiltin(f.action) && hooks.OnInvalidMessage != nil {
			hooks.OnInvalidMessage(ctx, f.data, fmt.Errorf("%w %q", ErrUnknownAction, f.action))
		}
		return
	}
	c.call(ctx, f.action, h, f.data)
}

// call runs one handler, turning a panic into a handler error so that one
// bad frame cannot kill the receive goroutine.
func (c *Client) call(ctx context.Context, action string, h handlerFunc, data []byte) {
	defer func() {
		if r := recover(); r != nil {
			c.handlerError(ctx, action, fmt.Errorf("client: handler for %q panicked: %v", action, r))
		}
	}()
	err := h(ctx, data)
	if err == nil {
		return
	}
	var inv *invalidError
	if errors.As(err, &inv) {
		if f := c.opts.Hooks.OnInvalidMessage; f != nil {
			f(ctx, data, inv.err)
		}
		return
	}
	c.handlerError(ctx, action, err)
}

func (c *Client) handlerError(ctx context.Context, action string, err error) {
	if f := c.opts.Hooks.OnHandlerError; f != nil {
		f(ctx, action, err)
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelWarn, "chanx client: handler failed",
		slog.String("action", action), slog.String("error", err.Error()))
}

// waiter is one Request waiting for its reply, or one RequestStream
// reading its replies: frames of a partial action go to stream, and the
// final one (action) ends it. A topic request (ref set) is answered by
// the frames carrying its ref.
type waiter struct {
	action  string
	res     chan waitResult // buffered 1: the loop never blocks on it
	partial []string
	stream  *streamQueue
	ref     string // the request's ref, "" for a channel request
	topic   string
}

type waitResult struct {
	frame Frame
	err   error
}

// deliver hands a received frame to its waiter, if any: the one whose ref
// it carries; else, for a frame without topic, the oldest channel Request
// waiting for action; else, for a topic frame on a connection whose server
// has not echoed a ref yet (one that does not echo refs), the oldest
// request on that topic waiting for action. Once a server echoed a ref,
// topic requests are matched by ref only, so a push or a welcome frame of
// the reply's name never answers one.
func (c *Client) deliver(addr addressing, action string, data []byte) bool {
	f := Frame{Action: action, Data: data, Topic: addr.topic, Ref: addr.ref, Seq: addr.seq, HasSeq: addr.hasSeq}
	c.mu.Lock()
	defer c.mu.Unlock()
	if addr.ref != "" {
		for i, w := range c.waiters {
			if w.ref == addr.ref {
				c.refsEchoed = true
				c.give(i, w, f)
				return true
			}
		}
	}
	for i, w := range c.waiters {
		if w.ref != "" {
			if c.refsEchoed || addr.ref != "" || !addr.hasTopic || w.topic != addr.topic {
				continue
			}
		} else if addr.hasTopic {
			continue // channel requests never take topic frames
		}
		if w.action == action {
			c.give(i, w, f)
			return true
		}
		if w.stream != nil && slices.Contains(w.partial, action) {
			c.give(i, w, f)
			return true
		}
	}
	return false
}

// give hands f to waiter w (index i): a partial reply to its stream, any
// other frame ends it (for a topic request, any frame with its ref that
// is not a partial reply is the final one). c.mu is held.
func (c *Client) give(i int, w *waiter, f Frame) {
	if w.stream != nil && slices.Contains(w.partial, f.Action) {
		if !w.stream.push(f) {
			// The stream's reader fell too far behind: it ends
			// with ErrStreamBacklog instead of holding memory.
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			w.res <- waitResult{err: ErrStreamBacklog}
		}
		return
	}
	c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
	w.res <- waitResult{frame: f}
}

// failWaiter answers a pending request with the server's error frame: the
// one whose ref the frame carries; else, for an error without topic, the
// oldest channel Request (the protocol has no request ids outside topics,
// and a server answers frames in order); else, for a topic error from a
// server that has not echoed refs, the oldest request on that topic.
func (c *Client) failWaiter(addr addressing, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, w := range c.waiters {
		switch {
		case addr.ref != "" && w.ref == addr.ref:
			c.refsEchoed = true
		case w.ref == "" && !addr.hasTopic && addr.ref == "":
		case w.ref != "" && addr.hasTopic && addr.ref == "" && !c.refsEchoed && w.topic == addr.topic:
		default:
			continue
		}
		c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
		w.res <- waitResult{err: err}
		return
	}
}

func (c *Client) removeWaiter(w *waiter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.waiters {
		if x == w {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			return
		}
	}
}
