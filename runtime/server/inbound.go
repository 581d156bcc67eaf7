package server

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/wire"
)

// Why a connection ended, as the cause (context.Cause) of the context
// OnConnect and handlers get; the cause wraps one of these and, where a
// close code is known, a websocket.CloseError, so websocket.CloseStatus
// on it gives the code.
var (
	// ErrClientClosed: the client sent a close frame.
	ErrClientClosed = errors.New("server: client closed the connection")
	// ErrConnectionLost: reading or writing failed without a close
	// handshake (the network went away, a frame over ReadLimit).
	ErrConnectionLost = errors.New("server: connection lost")
	// ErrKeepaliveTimeout: the client did not answer a keepalive ping
	// within PingTimeout.
	ErrKeepaliveTimeout = errors.New("server: keepalive ping not answered")
	// ErrShutdown: Server.Shutdown is closing every connection (1001).
	ErrShutdown = errors.New("server: shutting down")
	// ErrInboundOverrun: the client sent a frame while InboundQueue frames
	// were waiting or running; the connection is closed with 1008.
	ErrInboundOverrun = errors.New("server: inbound queue full")
	// ErrCanceled: the client asked for the handler to stop, through a
	// route registered with HandleCancel (or Conn.CancelHandler with a
	// nil cause).
	ErrCanceled = errors.New("server: canceled by the client")
	// ErrInvalidUTF8: the client sent a text message, or a close reason,
	// that is not UTF-8; the connection is failed with 1007 (RFC 6455
	// section 8.1).
	ErrInvalidUTF8 = errors.New("server: text message is not valid UTF-8")
	// ErrBinaryMessage: the client sent a binary message; chanx messages
	// are JSON text, so the connection is closed with 1003.
	ErrBinaryMessage = errors.New("server: binary message")
)

// ErrSlowClient is returned by Send (and Stream.Send) when the
// connection's send queue stayed full for SlowClientTimeout, and is the
// cause handlers see when a connection is closed as a slow client (1008).
// It is a timeout: it has a Timeout method that returns true.
var ErrSlowClient error = slowClientError{}

type slowClientError struct{}

func (slowClientError) Error() string {
	return "server: slow client: send queue full for SlowClientTimeout"
}
func (slowClientError) Timeout() bool { return true }

// readCause turns the error that ended the read loop into the cause
// handlers see, when nothing else ended the connection first.
func (c *Conn) readCause(err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		if c.fw != nil && c.fw.badClose.Load() {
			// The client's close reason was not UTF-8: answered with 1007.
			return fmt.Errorf("%w: %w", ErrInvalidUTF8, err)
		}
		return fmt.Errorf("%w: %w", ErrClientClosed, err)
	}
	return fmt.Errorf("%w: %w", ErrConnectionLost, err)
}

// inbound is a frame read and not yet handled.
type inbound struct {
	buf   *bytes.Buffer // pooled; holds frame until it is handled
	frame []byte
	id    uint64
	r     *route // set when the read loop routed the frame (concurrent channels)
}

// newInbound numbers a frame the connection read and, on a channel with
// concurrent routes, routes it, so that a concurrent frame need not wait
// for the frames before it (the worker then skips the peek).
func (c *Conn) newInbound(buf *bytes.Buffer) inbound {
	c.frames++
	in := inbound{buf: buf, frame: buf.Bytes(), id: c.frames}
	if t := c.ch.routes.Load(); t != nil && t.concurrent && c.ch.opts.Route == nil &&
		c.ch.topics.Load() == nil && !wire.MayHaveEnvelope(in.frame) { // topic traffic goes through dispatch
		frame := in.frame
		if c.srv.opts.Camelize {
			frame = wire.SnakeizeKeys(frame)
		}
		if action, err := c.ch.env.Peek(frame, c.srv.opts.MaxDepth); err == nil {
			if r := t.byAction[string(action)]; r != nil {
				in.frame, in.r = frame, r
			}
		}
	}
	return in
}

// admit counts a frame in, or closes the connection when InboundQueue
// frames are already waiting or running (overrun). A concurrent route's
// frame is started on a goroutine of its own. admit reports whether the
// frame is left to the caller.
func (c *Conn) admit(in inbound) bool {
	if c.inflight.Add(1) > int64(c.srv.opts.InboundQueue) {
		c.inflight.Add(-1)
		putBuf(in.buf)
		c.overrun()
		return false
	}
	if in.r != nil && in.r.concurrent {
		c.hwg.Add(1)
		go c.runConcurrent(in)
		return false
	}
	return true
}

// handedOffMark in inlineFrame says another goroutine reads.
const handedOffMark = ^uint64(0)

// inline handles a frame on the serving goroutine and reports whether
// this goroutine still reads. While the handler runs, inlineFrame tells
// the server's watchdog (Server.watch) which frame runs: when it sees the
// same one twice, one budget apart, it hands reading off. A timer per
// frame would wake another thread for every frame, which costs a
// request/reply a third of its rate; a lock or a clock reading per frame
// costs it a few percent; two atomic operations cost nothing measurable.
func (c *Conn) inline(buf *bytes.Buffer) bool {
	in := c.newInbound(buf)
	if !c.admit(in) {
		return true
	}
	c.inlineFrame.Store(in.id)
	c.serve(in)
	return c.inlineFrame.CompareAndSwap(in.id, 0)
}

// takeOverReading runs, on a goroutine the watchdog started, when frame
// number id has run inline for the inline budget: this goroutine reads
// the connection from now on, handing every frame to schedule, and the
// serving goroutine works off the queue once its handler returns (it
// finds inlineFrame changed). Should that handler have returned
// meanwhile, nothing happens.
func (c *Conn) takeOverReading(id uint64) {
	c.imu.Lock()
	if c.handedOff || !c.inlineFrame.CompareAndSwap(id, handedOffMark) {
		c.imu.Unlock()
		return
	}
	c.handedOff = true
	c.working = true // the serving goroutine, once its handler returns
	c.readErr = make(chan error, 1)
	c.imu.Unlock()
	if c.stopDefer() {
		go c.drain(false) // replies the serving goroutine deferred
	}
	var err error
	for {
		var buf *bytes.Buffer
		if buf, err = c.readFrame(); err != nil {
			break
		}
		if buf != nil {
			c.schedule(buf)
		}
	}
	c.hcancel(c.readCause(err)) // at once: the serving goroutine may be in a handler
	c.readErr <- err
}

// handedOffReading is what the serving goroutine does once reading moved
// away from it: it works off the queued frames and waits for the reading
// goroutine's end.
func (c *Conn) handedOffReading() error {
	c.imu.Lock()
	errc := c.readErr
	c.imu.Unlock()
	c.work()
	return <-errc
}

// schedule queues a frame for the handlers after a hand-off: a concurrent
// route's frame to a goroutine of its own, any other frame to the
// connection's worker, which handles them one at a time in arrival order
// and exists only while frames wait. Only the reading goroutine calls it.
func (c *Conn) schedule(buf *bytes.Buffer) {
	in := c.newInbound(buf)
	if !c.admit(in) {
		return
	}
	c.imu.Lock()
	if c.ihead == len(c.inq) {
		c.inq, c.ihead = c.inq[:0], 0
	}
	c.inq = append(c.inq, in)
	start := !c.working
	if start {
		c.working = true
		c.hwg.Add(1)
	}
	c.imu.Unlock()
	if start {
		go c.workCounted()
	}
}

// work handles waiting frames in order and returns when none is left, so
// an idle connection holds no goroutine for it.
func (c *Conn) work() {
	for {
		c.imu.Lock()
		if c.ihead == len(c.inq) {
			c.working = false
			c.imu.Unlock()
			return
		}
		in := c.inq[c.ihead]
		c.inq[c.ihead] = inbound{}
		c.ihead++
		c.imu.Unlock()
		c.serve(in)
	}
}

// workCounted is work on a goroutine of its own, counted in c.hwg.
func (c *Conn) workCounted() {
	defer c.hwg.Done()
	c.work()
}

// runConcurrent handles one frame of a concurrent route.
func (c *Conn) runConcurrent(in inbound) {
	defer c.hwg.Done()
	c.serve(in)
}

// serve handles one inbound frame and gives its buffer back.
func (c *Conn) serve(in inbound) {
	if in.r != nil {
		c.handle(in.id, in.r, in.frame)
	} else {
		c.dispatch(in.id, in.frame)
	}
	putBuf(in.buf)
	c.inflight.Add(-1)
}

// overrun closes a connection whose client sent more frames than
// InboundQueue lets wait: 1008 tells it so, rather than a frame silently
// left unanswered.
func (c *Conn) overrun() {
	const reason = "inbound queue full"
	if !c.closeWith(websocket.StatusPolicyViolation, reason,
		fmt.Errorf("%w: %w", ErrInboundOverrun, websocket.CloseError{Code: websocket.StatusPolicyViolation, Reason: reason})) {
		return
	}
	s := c.srv
	s.met.FrameError(c.ch.pattern, metrics.ReasonOverrun)
	c.logger().LogAttrs(c.ctx, slog.LevelWarn, "chanx: closing client that overran its inbound queue",
		slog.String("conn", c.id), slog.String("channel", c.ch.pattern), slog.Int("inbound_queue", s.opts.InboundQueue))
}
