package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/wire"
)

// closeTimeout bounds the close handshake Run performs when its context
// ends, since that context can no longer bound anything.
const closeTimeout = 5 * time.Second

// Client is one logical connection to a chanx channel: it dials, reads
// frames on its own goroutine and dispatches them by discriminator to the
// handlers registered with Handle, and, with Options.Reconnect, dials again
// when the connection drops. Send, Request and Close may be called from any
// goroutine. A Client is used once: after it ends, make a new one.
type Client struct {
	url    string
	opts   Options
	env    *wire.Envelope // the frame shape: discriminator key, built-in frames
	logger *slog.Logger

	handlersMu sync.Mutex // serialises writers; readers load the map
	handlers   atomic.Pointer[map[string]handlerFunc]

	// stopCtx ends dialing and backoff waits; Close and CloseNow cancel it.
	stopCtx context.Context
	stop    context.CancelFunc
	// readCtx bounds reads and is what handlers receive; CloseNow and the
	// end of the client cancel it. It is separate from stopCtx so that
	// Close can still run the close handshake.
	readCtx    context.Context
	cancelRead context.CancelFunc
	done       chan struct{}
	finishOnce sync.Once

	mu          sync.Mutex
	started     bool
	closing     bool // Close or CloseNow was called
	sentClose   websocket.StatusCode
	conn        *websocket.Conn
	subprotocol string
	waiters     []*waiter
	refs        uint64 // the current connection's last ref
	refsEchoed  bool   // the current connection's server echoed a ref
	last        CloseInfo
	err         error

	// The topic registry (topic.go): subscriptions by topic, and in the
	// order they were made, which is the order they resubscribe in.
	subsMu       sync.Mutex
	subs         map[string]*Subscription
	subOrder     []*Subscription
	droppedTopic atomic.Int64
}

type handlerFunc func(ctx context.Context, frame []byte) error

// New prepares a client for the WebSocket URL rawURL (ws, wss, http or
// https); nothing is dialed until Connect. Register handlers between New
// and Connect so that no frame arrives before its handler. opts may be nil.
func New(rawURL string, opts *Options) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: url %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return nil, fmt.Errorf("client: url %q: scheme must be ws, wss, http or https", rawURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: url %q has no host", rawURL)
	}
	c := &Client{url: rawURL, done: make(chan struct{})}
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.ReadLimit == 0 {
		c.opts.ReadLimit = DefaultReadLimit
	}
	if c.opts.PingTimeout <= 0 {
		c.opts.PingTimeout = c.opts.PingInterval
	}
	if c.opts.HTTPClient != nil && c.opts.HTTPClient.Timeout != 0 {
		return nil, errors.New("client: Options.HTTPClient.Timeout must be zero; bound Connect with its context")
	}
	env, err := wire.NewEnvelope(c.opts.Discriminator)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	c.env = env
	c.logger = c.opts.Logger
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if r := c.opts.Reconnect; r != nil {
		rc := *r
		if rc.MinDelay <= 0 {
			rc.MinDelay = 250 * time.Millisecond
		}
		if rc.MaxDelay <= 0 {
			rc.MaxDelay = 30 * time.Second
		}
		if rc.MaxDelay < rc.MinDelay {
			rc.MaxDelay = rc.MinDelay
		}
		if rc.Multiplier < 1 {
			rc.Multiplier = 2
		}
		switch {
		case rc.Jitter == 0:
			rc.Jitter = 0.2
		case rc.Jitter < 0:
			rc.Jitter = 0
		case rc.Jitter > 1:
			rc.Jitter = 1
		}
		c.opts.Reconnect = &rc
	}
	empty := map[string]handlerFunc{}
	c.handlers.Store(&empty)
	c.stopCtx, c.stop = context.WithCancel(context.Background())
	c.readCtx, c.cancelRead = context.WithCancel(context.Background())
	return c, nil
}

// Dial is New followed by Connect, for clients that register no handlers
// (or register them knowing frames may arrive first).
func Dial(ctx context.Context, rawURL string, opts *Options) (*Client, error) {
	c, err := New(rawURL, opts)
	if err != nil {
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Connect dials the server, runs BeforeConnect and AfterConnect, and starts
// the receive goroutine. ctx bounds connecting only (with Options.Reconnect,
// including the retries of a server that is down at first); the connection
// then lives until Close, CloseNow or, without Reconnect, until it drops.
// Use Run to tie the connection's life to a context.
func (c *Client) Connect(ctx context.Context) error {
	c.mu.Lock()
	switch {
	case c.closing:
		c.mu.Unlock()
		return ErrClosed
	case c.started:
		c.mu.Unlock()
		return errors.New("client: Connect called twice; a Client is used once")
	}
	c.started = true
	c.mu.Unlock()

	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	unhook := context.AfterFunc(c.stopCtx, cancel) // Close aborts the dial
	defer unhook()
	r, _, err := c.dial(dctx, false)
	if err != nil {
		if c.stopCtx.Err() != nil {
			err = fmt.Errorf("%w: %w", ErrClosed, err)
		}
		c.finish(CloseInfo{Code: -1, Err: err, ByClient: c.stopCtx.Err() != nil}, err)
		return err
	}
	r.open()
	go c.loop(r)
	return nil
}

// Run connects, then blocks until the client ends or ctx is done, in which
// case it closes the connection (a bounded close handshake) and returns
// ctx's error. It returns what Wait would otherwise.
func (c *Client) Run(ctx context.Context) error {
	if err := c.Connect(ctx); err != nil {
		return err
	}
	select {
	case <-c.done:
		return c.Err()
	case <-ctx.Done():
		cctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = c.Close(cctx)
		return ctx.Err()
	}
}

// DialError is a failed opening handshake. StatusCode is the HTTP status
// the server answered with (401 and 403 when it rejects the credentials), 0
// when no response came; Header and Body are that answer's headers and the
// start of its body (at most MaxDialErrorBody bytes), such as the server's
// reason for a refusal.
type DialError struct {
	URL        string
	StatusCode int
	Header     http.Header
	Body       []byte
	Err        error
}

// MaxDialErrorBody bounds DialError.Body. coder/websocket keeps the first
// 1 KiB of a refused handshake's body, so that is what there is to keep.
const MaxDialErrorBody = 1 << 10

func (e *DialError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("client: dial %s: HTTP %d: %v", e.URL, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("client: dial %s: %v", e.URL, e.Err)
}

func (e *DialError) Unwrap() error { return e.Err }

// permanent reports whether retrying a failed dial cannot help: the server
// answered the handshake with a client error other than a timeout or a
// rate limit (bad path, bad credentials).
func permanent(err error) bool {
	var de *DialError
	if !errors.As(err, &de) {
		return false
	}
	s := de.StatusCode
	return s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests
}

// dial makes one dial sequence: a single attempt without a Reconnect
// policy, otherwise attempts with backoff until one works, the policy gives
// up, or ctx ends. reconnect says the sequence follows a dropped
// connection, so it waits before its first attempt too.
func (c *Client) dial(ctx context.Context, reconnect bool) (*reader, int, error) {
	policy := c.opts.Reconnect
	start := time.Now()
	var delay time.Duration
	if policy != nil {
		delay = policy.MinDelay
	}
	var last error
	for attempt := 1; ; attempt++ {
		if reconnect || attempt > 1 {
			wait := delay
			if policy.Jitter > 0 {
				wait -= time.Duration(rand.Float64() * policy.Jitter * float64(delay))
			}
			if policy.MaxElapsed > 0 && time.Since(start)+wait > policy.MaxElapsed {
				err := fmt.Errorf("client: gave up after %v", policy.MaxElapsed)
				if last != nil {
					err = fmt.Errorf("%w: %w", err, last)
				}
				return nil, attempt - 1, err
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, attempt - 1, fmt.Errorf("client: dial %s: %w", c.url, ctx.Err())
			case <-t.C:
			}
			delay = min(time.Duration(float64(delay)*policy.Multiplier), policy.MaxDelay)
		}
		r, err := c.dialOnce(ctx, attempt, reconnect)
		if err == nil {
			return r, attempt, nil
		}
		last = err
		if h := c.opts.Hooks.OnConnectionError; h != nil && c.stopCtx.Err() == nil && !errors.Is(err, ErrClosed) {
			h(ctx, err) // every failed attempt, the first and refusals too
		}
		if policy != nil && ctx.Err() != nil {
			// Report the context, which is why retrying stops, and keep
			// the attempt's own failure for the reader.
			return nil, attempt, fmt.Errorf("client: dial %s: %w; last attempt: %w", c.url, ctx.Err(), err)
		}
		if policy == nil || ctx.Err() != nil || permanent(err) {
			return nil, attempt, err
		}
		if policy.MaxAttempts > 0 && attempt >= policy.MaxAttempts {
			return nil, attempt, fmt.Errorf("client: gave up after %d attempts: %w", attempt, err)
		}
	}
}

// dialOnce runs BeforeConnect, the handshake and AfterConnect. On success
// the connection is current and its reader runs, held (see reader), so
// AfterConnect can Send and Request on it; the caller opens the reader
// once its hooks are done.
func (c *Client) dialOnce(ctx context.Context, attempt int, reconnect bool) (*reader, error) {
	req := &ConnectRequest{URL: c.url, Header: c.opts.Header.Clone(), Attempt: attempt, Reconnect: reconnect}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if h := c.opts.Hooks.BeforeConnect; h != nil {
		if err := h(ctx, req); err != nil {
			return nil, fmt.Errorf("client: before connect: %w", err)
		}
	}
	conn, resp, err := websocket.Dial(ctx, req.URL, &websocket.DialOptions{
		HTTPClient:   c.opts.HTTPClient,
		HTTPHeader:   req.Header,
		Subprotocols: c.opts.Subprotocols,
	})
	if err != nil {
		de := &DialError{URL: req.URL, Err: err}
		if resp != nil {
			de.StatusCode, de.Header = resp.StatusCode, resp.Header
			if resp.Body != nil {
				de.Body, _ = io.ReadAll(io.LimitReader(resp.Body, MaxDialErrorBody))
			}
		}
		return nil, de
	}
	conn.SetReadLimit(c.opts.ReadLimit)

	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		conn.CloseNow()
		return nil, ErrClosed
	}
	c.conn = conn
	c.subprotocol = conn.Subprotocol()
	c.refs, c.refsEchoed = 0, false // refs count per connection, from "1"
	c.mu.Unlock()

	r := c.startReader(conn)
	if h := c.opts.Hooks.AfterConnect; h != nil {
		if err := h(ctx, c); err != nil {
			c.mu.Lock()
			c.conn = nil
			waiters := c.waiters
			c.waiters = nil
			c.mu.Unlock()
			for _, w := range waiters {
				w.res <- waitResult{err: ErrConnectionLost}
			}
			r.abort()
			return nil, fmt.Errorf("client: after connect: %w", err)
		}
	}
	return r, nil
}

// loop follows the client's connections: it waits for each one's reader
// to end, then reconnects or finishes the client.
func (c *Client) loop(r *reader) {
	for {
		info := <-r.done

		c.mu.Lock()
		c.conn = nil
		info.ByClient = c.closing
		if info.Code == -1 && c.sentClose != 0 {
			info.Code = c.sentClose
		}
		waiters := c.waiters
		c.waiters = nil
		c.mu.Unlock()
		lost := ErrConnectionLost
		if info.ByClient {
			lost = ErrClosed
		}
		for _, w := range waiters {
			w.res <- waitResult{err: lost}
		}

		if info.ByClient {
			info.Err = nil
		}
		info.Reconnecting = !info.ByClient && c.shouldReconnect(info)
		if !info.ByClient && info.Code == -1 {
			if h := c.opts.Hooks.OnConnectionError; h != nil {
				h(c.readCtx, fmt.Errorf("client: connection lost: %w", info.Err))
			}
		}
		c.mu.Lock()
		c.last = info
		c.mu.Unlock()
		if h := c.opts.Hooks.AfterClose; h != nil {
			h(context.WithoutCancel(c.readCtx), info)
		}
		if !info.Reconnecting {
			c.finish(info, finalError(info))
			return
		}

		next, attempts, err := c.dial(c.stopCtx, true)
		if err != nil {
			if c.stopCtx.Err() != nil {
				err = nil // closed while waiting to reconnect
			}
			c.finish(info, err)
			return
		}
		if h := c.opts.Hooks.AfterReconnect; h != nil {
			h(c.stopCtx, c, attempts)
		}
		next.open()
		r = next
		go c.resubscribeAll(c.stopCtx)
	}
}

func (c *Client) shouldReconnect(info CloseInfo) bool {
	p := c.opts.Reconnect
	if p == nil {
		return false
	}
	if p.ShouldReconnect != nil {
		return p.ShouldReconnect(info)
	}
	switch info.Code {
	case websocket.StatusPolicyViolation, websocket.StatusUnsupportedData, websocket.StatusInvalidFramePayloadData:
		return false
	}
	return true
}

// finalError is what Wait reports for a connection that ended for good:
// nothing when the client closed it or the server closed normally.
func finalError(info CloseInfo) error {
	if info.ByClient || info.Code == websocket.StatusNormalClosure || info.Err == nil {
		return nil
	}
	return fmt.Errorf("client: connection ended: %w", info.Err)
}

// serve reads one connection until it ends, pinging it meanwhile when
// keepalive is on.
func (c *Client) serve(conn *websocket.Conn, r *reader) CloseInfo {
	if c.opts.PingInterval <= 0 {
		return c.read(conn, r)
	}
	ctx, cancel := context.WithCancel(c.readCtx)
	var pingErr error
	var wg sync.WaitGroup
	wg.Go(func() { pingErr = c.keepalive(ctx, conn) })
	info := c.read(conn, r)
	cancel()
	wg.Wait()
	if pingErr != nil {
		info.Err = pingErr
	}
	return info
}

// keepalive pings conn every PingInterval until ctx ends; a ping that
// fails or times out drops the connection and is returned.
func (c *Client) keepalive(ctx context.Context, conn *websocket.Conn) error {
	t := time.NewTicker(c.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.opts.PingTimeout)
		err := conn.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil // the connection ended for another reason
			}
			conn.CloseNow()
			return fmt.Errorf("client: keepalive: no pong within %v: %w", c.opts.PingTimeout, err)
		}
	}
}

// read reads and dispatches frames until the connection ends; until r is
// open, frames only answer Requests and are held (see reader).
func (c *Client) read(conn *websocket.Conn, r *reader) CloseInfo {
	for {
		typ, data, err := conn.Read(c.readCtx)
		if err != nil {
			conn.CloseNow() // a failed Read has closed it; make sure
			info := CloseInfo{Code: websocket.CloseStatus(err), Err: err}
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				info.Reason = ce.Reason
			}
			return info
		}
		if r.opened.Load() || !r.hold(typ, data) {
			c.dispatch(c.readCtx, typ, data)
		}
	}
}

func (c *Client) finish(info CloseInfo, err error) {
	c.finishOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		c.conn = nil
		c.last = info
		c.err = err
		waiters := c.waiters
		c.waiters = nil
		c.mu.Unlock()
		for _, w := range waiters {
			w.res <- waitResult{err: ErrClosed}
		}
		c.stop()
		c.cancelRead()
		close(c.done)
	})
}

// Close closes the connection with 1000 (normal closure) and waits, bounded
// by ctx, for the close handshake and the receive goroutine to end; no
// reconnect follows. When ctx ends first the connection is dropped at once
// and ctx's error returned. Closing an unconnected or ended client is fine.
func (c *Client) Close(ctx context.Context) error {
	return c.CloseWith(ctx, websocket.StatusNormalClosure, "")
}

// CloseWith is Close with the close code and reason (at most 123 bytes)
// to send, e.g. 1001 when the application is going away or a 4000-4999
// code of its own.
func (c *Client) CloseWith(ctx context.Context, code websocket.StatusCode, reason string) error {
	c.mu.Lock()
	first := !c.closing
	c.closing = true
	conn := c.conn
	started := c.started
	if conn != nil && first {
		c.sentClose = code
	}
	c.mu.Unlock()
	c.stop()
	if !started {
		c.finish(CloseInfo{Code: -1, ByClient: true}, nil)
		return nil
	}
	if conn != nil && first {
		unhook := context.AfterFunc(ctx, func() { conn.CloseNow() })
		_ = conn.Close(code, reason) // the read loop sees the outcome
		unhook()
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		c.cancelRead()
		if conn != nil {
			conn.CloseNow()
		}
		return fmt.Errorf("client: close: %w", ctx.Err())
	}
}

// CloseNow drops the connection without a close handshake, stops any
// reconnecting, cancels the context handlers run with and returns at once;
// Wait tells when the receive goroutine is gone.
func (c *Client) CloseNow() error {
	c.mu.Lock()
	c.closing = true
	conn := c.conn
	started := c.started
	c.mu.Unlock()
	c.stop()
	c.cancelRead()
	if conn != nil {
		conn.CloseNow()
	}
	if !started {
		c.finish(CloseInfo{Code: -1, ByClient: true}, nil)
	}
	return nil
}

// Done is closed when the client has ended: closed, or its connection
// dropped with no reconnect left.
func (c *Client) Done() <-chan struct{} { return c.done }

// Wait blocks until the client ends or ctx is done and returns why it
// ended: nil after Close or a normal close by the server, otherwise the
// error that ended it (wrapping a websocket.CloseError for other close
// codes, or the last dial error when reconnecting gave up).
func (c *Client) Wait(ctx context.Context) error {
	select {
	case <-c.done:
		return c.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Err is Wait's result once Done is closed, nil before.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// CloseStatus describes how the last connection ended; Code is 0 while
// the first connection is still up.
func (c *Client) CloseStatus() CloseInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Connected reports whether a connection is up right now.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn != nil
}

// Subprotocol is the subprotocol the server picked on the latest
// connection, "" for none.
func (c *Client) Subprotocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.subprotocol
}

// URL is the address the client dials (before BeforeConnect changes).
func (c *Client) URL() string { return c.url }
