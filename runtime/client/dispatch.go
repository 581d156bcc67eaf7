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
	taken  bool // a Request took the frame
}

type receivedKind uint8

const (
	receivedRaw receivedKind = iota
	receivedInvalid
	receivedError
	receivedAction
)

// receive classifies a frame and hands it to the Request waiting for it.
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
	if action == wire.ActionError {
		se := decodeServerError(data)
		c.failOldestWaiter(se)
		return received{typ: typ, data: data, kind: receivedError, se: se, action: action}
	}
	return received{typ: typ, data: data, kind: receivedAction, action: action, taken: c.deliver(action, data)}
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
// final one (action) ends it.
type waiter struct {
	action  string
	res     chan waitResult // buffered 1: the loop never blocks on it
	partial []string
	stream  *streamQueue
}

type waitResult struct {
	frame Frame
	err   error
}

// deliver hands data to the oldest Request waiting for action, if any.
func (c *Client) deliver(action string, data []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, w := range c.waiters {
		if w.action == action {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			w.res <- waitResult{frame: Frame{Action: action, Data: data}}
			return true
		}
		if w.stream != nil && slices.Contains(w.partial, action) {
			if !w.stream.push(Frame{Action: action, Data: data}) {
				// The stream's reader fell too far behind: it ends
				// with ErrStreamBacklog instead of holding memory.
				c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
				w.res <- waitResult{err: ErrStreamBacklog}
			}
			return true
		}
	}
	return false
}

// failOldestWaiter answers the oldest pending Request with the server's
// error frame: the protocol has no request ids, and a server answers
// frames in order.
func (c *Client) failOldestWaiter(se *ServerError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.waiters) == 0 {
		return
	}
	w := c.waiters[0]
	c.waiters = c.waiters[1:]
	w.res <- waitResult{err: se}
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
