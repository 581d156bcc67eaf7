package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/wire"
)

// Send sends the frame {"<discriminator>": action, "payload": payload}.
// payload is encoded with encoding/json; nil sends null.
//
// Like every write, Send fails with ErrNotConnected between connections
// and ErrClosed after the client ended. ctx bounds the write; note that
// coder/websocket closes the connection when ctx ends in the middle of a
// write, since half a frame cannot be taken back.
func (c *Client) Send(ctx context.Context, action string, payload any) error {
	data, err := c.encodeAction(action, payload)
	if err != nil {
		return err
	}
	return c.write(ctx, nil, data)
}

// SendFrame encodes v with encoding/json as the whole frame and sends it;
// generated message types, which carry their own discriminator, go this
// way. A json.RawMessage is sent as is (after compaction).
func (c *Client) SendFrame(ctx context.Context, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("client: send: encode frame: %w", err)
	}
	return c.write(ctx, nil, data)
}

// SendText sends data as one text frame, unchecked and unconverted: for
// tests that need frames a well-behaved client never sends.
func (c *Client) SendText(ctx context.Context, data []byte) error {
	return c.writeRaw(ctx, nil, websocket.MessageText, data)
}

// SendBinary sends data as one binary frame.
func (c *Client) SendBinary(ctx context.Context, data []byte) error {
	return c.writeRaw(ctx, nil, websocket.MessageBinary, data)
}

// Request sends frame (encoded as SendFrame does) and waits for the first
// frame whose discriminator is replyAction, or for an error frame, which it
// returns as a *ServerError. Waiting Requests are answered oldest first:
// the protocol has no request ids outside topics, and servers answer in
// order (topic requests, Subscription.Request, carry a ref and are
// answered by it). For the
// same reason an error frame caused by a frame sent with Send while a
// Request waits fails that Request; send from one goroutine when that
// matters. A reply still goes to the action's handler, if one is
// registered, as well.
//
// Request must not be called from a handler, or from a hook other than
// AfterConnect and AfterReconnect, with a context that never ends: those
// run where the reply would be read. AfterConnect and AfterReconnect may
// Request; the connection is read while they run.
func (c *Client) Request(ctx context.Context, frame any, replyAction string) (Frame, error) {
	data, err := json.Marshal(frame)
	if err != nil {
		return Frame{}, fmt.Errorf("client: request: encode frame: %w", err)
	}
	return c.request(ctx, data, replyAction)
}

// RequestAs is Request decoding (and validating, when *T implements
// wire.Validator) the reply into a new T.
func RequestAs[T any](ctx context.Context, c *Client, frame any, replyAction string) (*T, error) {
	f, err := c.Request(ctx, frame, replyAction)
	if err != nil {
		return nil, err
	}
	msg := new(T)
	if err := decodeValid(f.Data, msg); err != nil {
		return nil, fmt.Errorf("client: request: %q reply: %w", replyAction, err)
	}
	return msg, nil
}

// Ping sends the protocol's ping frame and waits for the server's pong.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.request(ctx, c.env.Ping(), wire.ActionPong)
	return err
}

func (c *Client) request(ctx context.Context, data []byte, replyAction string) (Frame, error) {
	w := &waiter{action: replyAction, res: make(chan waitResult, 1)}
	c.mu.Lock()
	conn, err := c.current()
	if err != nil {
		c.mu.Unlock()
		return Frame{}, err
	}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()

	// Write on the connection the waiter belongs to: if it drops now, the
	// waiter fails with ErrConnectionLost rather than waiting for a reply
	// to a frame sent on the next connection.
	if err := c.write(ctx, conn, data); err != nil {
		c.removeWaiter(w)
		return Frame{}, err
	}
	select {
	case r := <-w.res:
		if r.err != nil {
			return Frame{}, fmt.Errorf("client: request: waiting for %q: %w", replyAction, r.err)
		}
		return r.frame, nil
	case <-ctx.Done():
		c.removeWaiter(w)
		return Frame{}, fmt.Errorf("client: request: waiting for %q: %w", replyAction, ctx.Err())
	}
}

// encodeAction builds {"<discriminator>": action, "payload": payload}.
func (c *Client) encodeAction(action string, payload any) ([]byte, error) {
	b, err := c.env.Frame(action, payload)
	if err != nil {
		return nil, fmt.Errorf("client: send %q: %w", action, err)
	}
	return b, nil
}

// current returns the live connection; c.mu must be held.
func (c *Client) current() (*websocket.Conn, error) {
	switch {
	case c.conn != nil:
		return c.conn, nil
	case c.closing:
		return nil, ErrClosed
	default:
		return nil, ErrNotConnected
	}
}

// write sends an encoded JSON frame on conn (the current connection when
// nil), camelizing its keys first when asked to.
func (c *Client) write(ctx context.Context, conn *websocket.Conn, data []byte) error {
	if c.opts.Camelize {
		data = wire.CamelizeKeys(data)
	}
	return c.writeRaw(ctx, conn, websocket.MessageText, data)
}

func (c *Client) writeRaw(ctx context.Context, conn *websocket.Conn, typ websocket.MessageType, data []byte) error {
	if conn == nil {
		c.mu.Lock()
		cur, err := c.current()
		c.mu.Unlock()
		if err != nil {
			return err
		}
		conn = cur
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("client: send: %w", err)
	}
	if err := conn.Write(ctx, typ, data); err != nil {
		return fmt.Errorf("client: send: %w", err)
	}
	return nil
}
