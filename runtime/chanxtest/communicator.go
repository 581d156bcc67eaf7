package chanxtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/wire"
)

// DefaultTimeout is how long a Communicator waits for a frame, a close or
// a dial when Options.Timeout is zero. It only bounds failures: a passing
// test never waits for it.
const DefaultTimeout = 5 * time.Second

// Options configures a Communicator; the zero value (or nil) is fine.
type Options struct {
	// Header is sent with the opening handshake (Authorization, Cookie,
	// Origin).
	Header http.Header
	// Subprotocols are offered during the handshake.
	Subprotocols []string
	// Discriminator names the frame field read into Frame.Action; "" means
	// "action".
	Discriminator string
	// Timeout bounds every wait of the Communicator's methods that take no
	// explicit one; zero means DefaultTimeout.
	Timeout time.Duration
	// ReadLimit is the largest message accepted from the server; zero means
	// no limit, since a test wants to see what the server sends.
	ReadLimit int64
	// NoReadyWait makes Dial return at the handshake's answer instead of
	// waiting for the server to read (see Dial): for servers that never
	// read. Default: false.
	NoReadyWait bool
}

// Communicator is a test's end of one WebSocket connection, in the spirit
// of Chanx's WebsocketCommunicator: send frames, receive them one at a time
// or until a stop action, assert silence and close codes. Its methods
// report failures through the testing.TB it was dialed with, so call them
// from the test's goroutine; Next and the other context-taking methods
// return errors instead and may be called from any goroutine.
//
// A goroutine reads the connection from the start and queues every
// message, so nothing is lost between calls and a Receive that times out
// leaves the connection open.
type Communicator struct {
	t       testing.TB
	conn    *websocket.Conn
	env     *wire.Envelope
	timeout time.Duration
	url     string

	noReadyWait bool

	cancelRead context.CancelFunc
	readDone   chan struct{}

	mu       sync.Mutex
	queue    []Frame
	changed  chan struct{} // closed and replaced when queue or ended change
	ended    bool
	closeErr error
}

// Dial opens a Communicator on the WebSocket URL u (ws, wss, http or
// https), failing the test when the handshake fails. The connection is
// dropped when the test ends; Close ends it with a close handshake earlier.
//
// Dial returns once the server has begun to read the connection, not at
// the handshake's answer: it sends a WebSocket ping (a control frame, no
// message a handler sees) and waits for its pong. A chanx server reads
// only after OnConnect has returned, so whatever OnConnect did (joining
// groups) is done when Dial returns, and a test may publish at once. When
// OnConnect failed, or the server closes at once, Dial returns the
// Communicator all the same, its close recorded (ExpectClosed). A server
// that never reads fails the test after the timeout, unless
// Options.NoReadyWait is set.
func Dial(t testing.TB, u string, opts *Options) *Communicator {
	t.Helper()
	c, resp, err := dial(t, u, opts)
	if err != nil {
		status := ""
		if resp != nil {
			status = fmt.Sprintf(" (HTTP %d)", resp.StatusCode)
		}
		t.Fatalf("chanxtest: dial %s%s: %v", u, status, err)
	}
	if !c.noReadyWait {
		if err := c.awaitReady(); err != nil {
			t.Fatalf("chanxtest: dial %s: %v", u, err)
		}
	}
	return c
}

// awaitReady pings the server and waits for the pong, or for the
// connection to end (then the close is the test's to assert).
func (c *Communicator) awaitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	err := c.conn.Ping(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		c.mu.Lock()
		ended := c.ended
		c.mu.Unlock()
		if !ended {
			return fmt.Errorf("the server did not answer a ping within %v: it is not reading "+
				"(OnConnect still running?); Options.NoReadyWait skips this wait", c.timeout)
		}
	}
	// The connection ended (OnConnect failed, the server closed): wait for
	// the reader to record how, so CloseStatus sees it.
	select {
	case <-c.readDone:
	case <-ctx.Done():
	}
	return nil
}

// ExpectRejected dials u expecting the server to refuse the handshake, as
// a server that authenticates before the upgrade does, and returns the HTTP
// status it answered with. The test fails when the dial succeeds.
func ExpectRejected(t testing.TB, u string, opts *Options) int {
	t.Helper()
	c, resp, err := dial(t, u, opts)
	if err == nil {
		c.conn.CloseNow()
		t.Fatalf("chanxtest: dial %s succeeded; want it refused", u)
		return 0
	}
	if resp == nil {
		t.Fatalf("chanxtest: dial %s failed without an HTTP answer: %v", u, err)
		return 0
	}
	return resp.StatusCode
}

func dial(t testing.TB, u string, opts *Options) (*Communicator, *http.Response, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	env, err := wire.NewEnvelope(o.Discriminator)
	if err != nil {
		return nil, nil, fmt.Errorf("chanxtest: %w", err)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ReadLimit == 0 {
		o.ReadLimit = -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPHeader:   o.Header,
		Subprotocols: o.Subprotocols,
	})
	if err != nil {
		return nil, resp, err
	}
	conn.SetReadLimit(o.ReadLimit)
	readCtx, cancelRead := context.WithCancel(context.Background())
	c := &Communicator{
		t:           t,
		conn:        conn,
		env:         env,
		timeout:     o.Timeout,
		url:         u,
		cancelRead:  cancelRead,
		readDone:    make(chan struct{}),
		changed:     make(chan struct{}),
		noReadyWait: o.NoReadyWait,
	}
	go c.read(readCtx)
	t.Cleanup(func() {
		cancelRead()
		conn.CloseNow()
		<-c.readDone
	})
	return c, resp, nil
}

func (c *Communicator) read(ctx context.Context) {
	defer close(c.readDone)
	for {
		typ, data, err := c.conn.Read(ctx)
		c.mu.Lock()
		if err != nil {
			c.ended, c.closeErr = true, err
		} else {
			c.queue = append(c.queue, newFrame(data, typ == websocket.MessageBinary, c.env.Key()))
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Conn returns the underlying connection, for what the Communicator does
// not cover. Do not read from it: the Communicator's goroutine does.
func (c *Communicator) Conn() *websocket.Conn { return c.conn }

// Subprotocol is the subprotocol the server picked, "" for none.
func (c *Communicator) Subprotocol() string { return c.conn.Subprotocol() }

// Send encodes frame with encoding/json (a []byte or json.RawMessage is
// sent as is) and sends it as one text message.
func (c *Communicator) Send(frame any) {
	c.t.Helper()
	data, err := wire.Encode(frame)
	if err != nil {
		c.t.Fatalf("chanxtest: send: encode %T: %v", frame, err)
	}
	c.write(websocket.MessageText, data)
}

// SendAction sends {"<discriminator>": action, "payload": payload}.
func (c *Communicator) SendAction(action string, payload any) {
	c.t.Helper()
	data, err := c.env.Frame(action, payload)
	if err != nil {
		c.t.Fatalf("chanxtest: send %q: %v", action, err)
	}
	c.write(websocket.MessageText, data)
}

// SendText sends s as one text message, unchecked: for frames that are
// not JSON or not valid.
func (c *Communicator) SendText(s string) {
	c.t.Helper()
	c.write(websocket.MessageText, []byte(s))
}

// SendBinary sends data as one binary message.
func (c *Communicator) SendBinary(data []byte) {
	c.t.Helper()
	c.write(websocket.MessageBinary, data)
}

func (c *Communicator) write(typ websocket.MessageType, data []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := c.conn.Write(ctx, typ, data); err != nil {
		c.t.Fatalf("chanxtest: send to %s: %v", c.url, err)
	}
}

// ErrConnectionClosed is what Next returns once the connection has ended
// and every frame received before was taken; it wraps the read error, so
// websocket.CloseStatus(err) gives the close code.
var ErrConnectionClosed = errors.New("chanxtest: connection closed")

// Next returns the next frame, waiting until one arrives, the connection
// ends (ErrConnectionClosed) or ctx is done. It reports instead of failing
// the test, so any goroutine may call it.
func (c *Communicator) Next(ctx context.Context) (Frame, error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			f := c.queue[0]
			c.queue[0] = Frame{}
			c.queue = c.queue[1:]
			c.mu.Unlock()
			return f, nil
		}
		ended, closeErr, changed := c.ended, c.closeErr, c.changed
		c.mu.Unlock()
		if ended {
			return Frame{}, fmt.Errorf("%w: %w", ErrConnectionClosed, closeErr)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		}
	}
}

// Receive returns the next frame, failing the test when none arrives
// within the timeout or the connection ends first.
func (c *Communicator) Receive() Frame {
	c.t.Helper()
	return c.ReceiveWithin(c.timeout)
}

// ReceiveWithin is Receive with its own timeout.
func (c *Communicator) ReceiveWithin(d time.Duration) Frame {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	f, err := c.Next(ctx)
	if err != nil {
		c.t.Fatalf("chanxtest: receive from %s: %v", c.url, c.describe(err, d))
	}
	return f
}

// Expect receives the next frame and fails the test unless its action is
// action; it returns the frame for further checks.
func (c *Communicator) Expect(action string) Frame {
	c.t.Helper()
	f := c.Receive()
	if f.Action != action {
		c.t.Fatalf("chanxtest: got frame %s; want action %q", f, action)
	}
	return f
}

// ExpectAuthenticated receives the `authentication` frame a server in
// Chanx's in-band authentication mode sends first, fails the test unless
// its status_code is want (200 for a success, 401 or 403 for a refusal),
// and returns its status_text.
func (c *Communicator) ExpectAuthenticated(want int) string {
	c.t.Helper()
	f := c.Expect(wire.ActionAuthentication)
	var p struct {
		StatusCode int    `json:"status_code"`
		StatusText string `json:"status_text"`
	}
	if err := f.DecodePayload(&p); err != nil {
		c.t.Fatalf("chanxtest: %v", err)
	}
	if p.StatusCode != want {
		c.t.Errorf("chanxtest: authentication status %d %q; want %d", p.StatusCode, p.StatusText, want)
	}
	return p.StatusText
}

// ReceiveAll receives frames until one whose action is stopAction and
// returns those before it (the stop frame is consumed, not returned).
// With a server's completions on, ReceiveAll("complete", d) collects
// everything one client frame caused. The test fails when the stop frame
// does not come within timeout (zero means the Communicator's timeout);
// the message lists what did come.
func (c *Communicator) ReceiveAll(stopAction string, timeout time.Duration) []Frame {
	c.t.Helper()
	if timeout <= 0 {
		timeout = c.timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var got []Frame
	for {
		f, err := c.Next(ctx)
		if err != nil {
			c.t.Fatalf("chanxtest: waiting for %q after %q: %v", stopAction, actions(got), c.describe(err, timeout))
			return got
		}
		if f.Action == stopAction {
			return got
		}
		got = append(got, f)
	}
}

// AssertNoMessage fails the test when a frame arrives within d (or is
// already waiting); the frame is left in the queue.
func (c *Communicator) AssertNoMessage(d time.Duration) {
	c.t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		queued, changed := len(c.queue), c.changed
		var first Frame
		if queued > 0 {
			first = c.queue[0]
		}
		c.mu.Unlock()
		if queued > 0 {
			c.t.Errorf("chanxtest: got frame %s; want no message", first)
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			return
		}
	}
}

// ExpectClosed waits for the server to close the connection and fails the
// test unless it closed with code; frames still queued are ignored. Use
// websocket.StatusCode(-1) to expect a drop without a close frame.
func (c *Communicator) ExpectClosed(code websocket.StatusCode) {
	c.t.Helper()
	got, reason, ok := c.WaitClosed(c.timeout)
	if !ok {
		c.t.Fatalf("chanxtest: connection to %s still open after %v; want it closed with %d", c.url, c.timeout, code)
		return
	}
	if got != code {
		c.t.Errorf("chanxtest: connection closed with %d %q; want %d", got, reason, code)
	}
}

// WaitClosed waits up to d for the connection to end and reports its
// close code and reason (code -1 for a drop without a close frame); ok is
// false when it is still open.
func (c *Communicator) WaitClosed(d time.Duration) (code websocket.StatusCode, reason string, ok bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		c.mu.Lock()
		ended, closeErr, changed := c.ended, c.closeErr, c.changed
		c.mu.Unlock()
		if ended {
			code, reason := closeStatus(closeErr)
			return code, reason, true
		}
		select {
		case <-changed:
		case <-timer.C:
			return 0, "", false
		}
	}
}

// CloseStatus reports how the connection ended so far, without waiting:
// ok is false while it is open.
func (c *Communicator) CloseStatus() (code websocket.StatusCode, reason string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ended {
		return 0, "", false
	}
	code, reason = closeStatus(c.closeErr)
	return code, reason, true
}

func closeStatus(err error) (websocket.StatusCode, string) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code, ce.Reason
	}
	return -1, ""
}

// Close closes the connection with 1000 and waits for the handshake,
// bounded by the timeout; closing twice is fine.
func (c *Communicator) Close() {
	c.t.Helper()
	c.CloseWith(websocket.StatusNormalClosure, "")
}

// CloseWith closes the connection with code and reason.
func (c *Communicator) CloseWith(code websocket.StatusCode, reason string) {
	c.t.Helper()
	timer := time.AfterFunc(c.timeout, func() { c.conn.CloseNow() })
	defer timer.Stop()
	_ = c.conn.Close(code, reason) // errors only say it was closed already
	<-c.readDone
}

// describe makes a wait failure readable: a timeout names the wait, a
// closed connection its close code.
func (c *Communicator) describe(err error, d time.Duration) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no frame within %v", d)
	case errors.Is(err, ErrConnectionClosed):
		code, reason := closeStatus(err)
		if code == -1 {
			return fmt.Sprintf("connection closed without a close frame (%v)", err)
		}
		return fmt.Sprintf("connection closed with %d %q", code, reason)
	}
	return err.Error()
}
