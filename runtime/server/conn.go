package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/wire"
)

// Conn is one client connection. Its methods are safe for concurrent use.
// Its frames are read all the time, also while a handler runs; its
// handlers run one at a time, in the order its frames arrive, except those
// registered with Concurrent (see Handle).
type Conn struct {
	srv       *Server
	ch        *Channel
	ws        *websocket.Conn
	raw       net.Conn    // ws's socket, nil if unknown (see rawConn)
	fw        *frameWatch // what watches raw's frames, nil if unknown
	co        *coalescer  // what ws writes raw through, nil if unknown
	req       *http.Request
	id        string
	principal any
	// ctx is the socket's: cancelling it closes the socket (newConn).
	ctx     context.Context
	cancel  context.CancelCauseFunc
	unwatch func() bool // stops the close-on-cancel watcher (newConn)
	// hctx is what OnConnect and handlers get: cancelled, with the reason
	// as its cause, as soon as the connection starts to end, while ctx
	// lives on for the close handshake.
	hctx    context.Context
	hcancel context.CancelCauseFunc
	opened  time.Time
	// frames counts the frames read, on the read loop only: a frame's
	// number is the message id in log lines ("msg_id"), which with "conn"
	// names one frame across every line about it.
	frames uint64
	// taken counts the messages the reading goroutine has taken from ws,
	// against frameWatch.msgs (nextReady); rlHold says the serving
	// goroutine has replies deferred (readLoop). Only the reading
	// goroutine touches them.
	taken  uint64
	rlHold bool

	// inflight counts the frames read and not yet handled, waiting or
	// running: an atomic, so the inline path takes no lock.
	inflight atomic.Int64
	imu      sync.Mutex
	inq      []inbound // frames waiting for the handler worker
	ihead    int       // inq[ihead:] are waiting
	working  bool      // a goroutine works the queue (work)
	hwg      sync.WaitGroup
	// inline and takeOverReading move reading off the serving goroutine
	// when a handler it runs takes longer than the inline budget.
	// inlineFrame is the number of the frame the serving goroutine
	// handles inline, 0 if none, handedOffMark once another goroutine
	// reads; watchSeen is what the watchdog saw there on its last look
	// (only the watchdog touches it).
	inlineFrame atomic.Uint64
	watchSeen   uint64
	handedOff   bool       // under imu: another goroutine reads from now on
	readErr     chan error // that goroutine's read error, when it ends

	cmu     sync.Mutex
	cancels map[string][]*cancelReg // running handlers by cancel key
	marks   []cancelMark            // recent cancel frames, for requests still waiting

	topics connTopics // subscriptions (topic_conn.go)

	// pmu guards the broadcasts waiting to go to the other processes
	// (pipelined Broadcast, see publishLater).
	pmu      sync.Mutex
	pubq     []layer.Publication
	pubspare []layer.Publication // the previous batch's storage, reused
	pubbing  bool                // a goroutine sends pubq (sendPublications)

	gmu    sync.Mutex
	groups map[string]struct{}
	gdone  bool // the connection has left all groups for good

	qmu     sync.Mutex
	queue   []qframe      // frames waiting for the writer
	spare   []qframe      // the previous batch's storage, reused
	writing bool          // a drain is running, inline or on its goroutine
	space   chan struct{} // closed when the writer takes a batch, for waiting senders
	peak    int           // most frames ever waiting, for tests of the bound
	qclosed bool          // no more frames or background work accepted
	// deferring says the serving goroutine has more frames of a
	// pipelining client to read without waiting, so replies queue
	// instead of being written one write(2) each; deferred says frames
	// wait for it: writing is set and one count of bg is taken for the
	// drain the serving goroutine (or takeOverReading, or a sender that
	// finds the queue filling) runs. See readLoop.
	deferring bool
	deferred  bool
	bg        sync.WaitGroup

	// logp is the connection's logger: the server's, plus the attributes
	// given to AddLogAttrs. Every line about the connection goes through it.
	logp atomic.Pointer[slog.Logger]

	rate bucket // Options.RateLimit's state, used by the reading goroutine

	authErr       error // a failed in-band authentication, reported by start
	authenticated bool

	fullSince    atomic.Int64 // monotonic ns when the queue was found full, 0 if not
	closeStarted atomic.Bool
	// br and wc are the socket's read side, for the wait between frames
	// (awaitFrame; nil without one); rmu orders that wait's look at them
	// before a close handshake's reads.
	br        *bufio.Reader
	wc        *watchConn
	rmu       sync.Mutex
	pingTimer atomic.Pointer[time.Timer] // set once by start, read by keepalive
}

var epoch = time.Now()

// mono returns a monotonic clock reading in ns, never 0.
func mono() int64 { return int64(time.Since(epoch)) + 1 }

// ioCtx is the context of every Read and Write on a connection's socket.
// coder/websocket ties each call to its context with context.AfterFunc,
// which on a cancellable context takes a lock and inserts into and deletes
// from the context's children map on every frame. A connection's own
// context instead closes the socket, once, when it is cancelled (see
// newConn), which ends a Read or Write in progress just the same.
var ioCtx = context.Background()

func newConn(s *Server, ch *Channel, ws *websocket.Conn, raw net.Conn, r *http.Request, principal any) *Conn {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(r.Context()))
	unwatch := context.AfterFunc(ctx, func() { closeNow(ws, raw) })
	hctx, hcancel := context.WithCancelCause(ctx)
	return &Conn{
		raw:       raw,
		unwatch:   unwatch,
		hctx:      hctx,
		hcancel:   hcancel,
		srv:       s,
		ch:        ch,
		ws:        ws,
		req:       r,
		id:        s.prefix + "." + strconv.FormatUint(s.nextID.Add(1), 36),
		principal: principal,
		ctx:       ctx,
		cancel:    cancel,
	}
}

// ID returns the connection's id, unique across processes: pass it to
// Server.SendTo or SendToConn to reach this connection from anywhere.
func (c *Conn) ID() string { return c.id }

// Param returns the value of the path parameter name ({name} in the
// channel address), "" when there is none.
func (c *Conn) Param(name string) string { return c.req.PathValue(name) }

// Principal returns what the Authenticate function returned, nil without
// one.
func (c *Conn) Principal() any { return c.principal }

// Request returns the HTTP upgrade request, for headers and cookies. It
// must not be modified.
func (c *Conn) Request() *http.Request { return c.req }

// Channel returns the channel the connection was opened on.
func (c *Conn) Channel() *Channel { return c.ch }

// AddLogAttrs adds attributes (the authenticated user's id, a tenant) to
// every line the server logs about this connection from now on, its close
// line included; call it from OnConnect to have them on the "connection
// opened" line too. It is safe for concurrent use; attributes added twice
// appear twice.
func (c *Conn) AddLogAttrs(attrs ...slog.Attr) {
	if len(attrs) == 0 {
		return
	}
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = a
	}
	for {
		cur := c.logp.Load()
		base := cur
		if base == nil {
			base = c.srv.log
		}
		if c.logp.CompareAndSwap(cur, base.With(args...)) {
			return
		}
	}
}

// Logger returns the connection's logger: the server's Options.Logger with
// the attributes given to AddLogAttrs, for handlers' own lines.
func (c *Conn) Logger() *slog.Logger { return c.logger() }

func (c *Conn) logger() *slog.Logger {
	if l := c.logp.Load(); l != nil {
		return l
	}
	return c.srv.log
}

// Groups returns the groups the connection is a member of, sorted.
func (c *Conn) Groups() []string {
	c.gmu.Lock()
	defer c.gmu.Unlock()
	out := make([]string, 0, len(c.groups))
	for g := range c.groups {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// ErrClosed is returned by Send when the connection has ended.
var ErrClosed = errors.New("server: connection closed")

// ErrQueueFull is what a frame for a connection whose send queue is full
// meets on the paths that never wait (broadcasts, events): it is dropped
// and counted.
var ErrQueueFull = errors.New("server: send queue full")

// Send queues frame for this connection: it is the connection's own
// traffic, meant for its handlers (replies, progress, streams). frame is an
// encoded []byte or a value encoding/json turns into a frame. Send does not
// wait for the write, but when the send queue is full it waits for room,
// until ctx ends, the connection ends (an error wrapping ErrClosed and why
// it ended) or the queue has stayed full for Options.SlowClientTimeout: then
// the client is not reading, Send returns ErrSlowClient (a timeout error)
// and the connection is closed with 1008. To reach other connections
// without waiting for them, use Broadcast or Server.SendTo.
func (c *Conn) Send(ctx context.Context, frame any) error {
	b, err := encodeFrame(frame)
	if err != nil {
		return fmt.Errorf("server: send to %s: %w", c.id, err)
	}
	if err := c.enqueueFrom(ctx, c.outgoing(b), nil, modeWait); err != nil {
		return fmt.Errorf("server: send to %s: %w", c.id, err)
	}
	return nil
}

// BroadcastOption tunes Conn.Broadcast.
type BroadcastOption uint8

const (
	// ExcludeSelf keeps a broadcast from reaching the connection that
	// sends it.
	ExcludeSelf BroadcastOption = 1 + iota
	// WaitAck makes this Broadcast wait for the layer's acknowledgement
	// (Redis's reply) and return its error, as ChannelOptions.PublishAck
	// does for every broadcast of a channel.
	WaitAck
)

// Broadcast sends frame to every member of group in every process sharing
// the server's layer, including this connection unless ExcludeSelf is
// given. Members receive `group_complete` after it when completions are on.
// A connection's broadcasts reach every process in the order it made them.
//
// What its return means depends on the layer and the mode:
//   - A layer that waits for no other process (layer.Memory), or WaitAck,
//     or a channel with ChannelOptions.PublishAck: Broadcast returns the
//     layer's Publish result. nil: this process's members have the frame
//     queued and the layer accepted it for the others (Redis replied);
//     an error wrapping *layer.PartialDeliveryError: this process's
//     members have it, others may not (a handler returning it answers its
//     frame with the "partial_delivery" error frame); another error:
//     nobody got it.
//   - Otherwise (the Redis layer, by default) the broadcast is pipelined:
//     Broadcast returns once this process's members have the frame
//     queued and the message is queued for the other processes, without
//     waiting for Redis, so the handler goes on at once and a stream of
//     broadcasts costs one round trip per batch rather than one each.
//     nil then promises only local delivery. A message the layer fails to
//     pass on later (Redis down, or no reply within its PublishTimeout)
//     is reported to this connection with an error frame
//     ("partial_delivery" when members here got it, "publish_failed" when
//     none did) and counted (Metrics.PublishFailed,
//     LayerPublished(true)); it is never retried. An error return means
//     nothing was sent (the layer is closed, ctx is done, frame does not
//     encode).
func (c *Conn) Broadcast(ctx context.Context, group string, frame any, opts ...BroadcastOption) error {
	exclude := ""
	ack := c.ch.opts.PublishAck
	for _, o := range opts {
		switch o {
		case ExcludeSelf:
			exclude = c.id
		case WaitAck:
			ack = true
		}
	}
	if pl, ok := c.srv.layer.(layer.Pipeliner); ok && !ack {
		return c.publishLater(ctx, pl, group, frame, exclude)
	}
	return c.srv.publish(ctx, group, layer.Broadcast, frame, exclude)
}

// publishLater is a pipelined Broadcast: local delivery now, the other
// processes' copy queued for sendPublications.
func (c *Conn) publishLater(ctx context.Context, pl layer.Pipeliner, group string, frame any, exclude string) error {
	s := c.srv
	b, err := encodeFrame(frame)
	if err != nil {
		return fmt.Errorf("server: publish to %s: %w", group, err)
	}
	if _, pre := wire.PreEncoded(frame); pre {
		b = bytes.Clone(b) // it is sent after Broadcast returns
	}
	m := layer.Message{Kind: layer.Broadcast, Frame: b, Exclude: exclude, Sent: time.Now().UnixNano()}
	if t := s.opts.LayerTracing; t != nil {
		m.Meta = t.Inject(ctx, group)
	}
	local, err := pl.PublishLocal(ctx, group, m)
	if err != nil {
		s.met.LayerPublished(true)
		return fmt.Errorf("server: publish to %s: %w", group, err)
	}
	p := layer.Publication{Group: group, Message: m, Local: local}
	c.pmu.Lock()
	c.pubq = append(c.pubq, p)
	start := !c.pubbing
	if start {
		if !c.startBG() {
			// The connection is ending: no goroutine may start, so this
			// one sends the queue and waits, as an acknowledged
			// broadcast does.
			batch := c.pubq
			c.pubq = nil
			c.pmu.Unlock()
			errs := pl.PublishRemote(context.WithoutCancel(ctx), batch)
			c.reportPublications(batch, errs)
			if len(errs) > 0 && errs[len(errs)-1] != nil {
				return fmt.Errorf("server: publish to %s: %w", group, errs[len(errs)-1])
			}
			return nil
		}
		c.pubbing = true
	}
	c.pmu.Unlock()
	if start {
		go c.sendPublications(pl)
	}
	return nil
}

// sendPublications sends the connection's queued broadcasts to the other
// processes, all those waiting in one round trip, until the queue is
// empty; it owns one count of c.bg.
func (c *Conn) sendPublications(pl layer.Pipeliner) {
	defer c.bg.Done()
	for {
		c.pmu.Lock()
		batch := c.pubq
		c.pubq, c.pubspare = c.pubspare[:0], nil
		if len(batch) == 0 {
			c.pubbing = false
			c.pmu.Unlock()
			return
		}
		c.pmu.Unlock()
		// Not the handler's context, which may end as soon as the handler
		// returns: the layer bounds the wait itself (PublishTimeout).
		errs := pl.PublishRemote(context.Background(), batch)
		c.reportPublications(batch, errs)
		clear(batch)
		if cap(batch) <= keptQueueCap {
			c.pmu.Lock()
			c.pubspare = batch[:0]
			c.pmu.Unlock()
		}
	}
}

// reportPublications counts sent broadcasts and tells the connection
// about each one that failed, with an error frame.
func (c *Conn) reportPublications(batch []layer.Publication, errs []error) {
	s := c.srv
	for i, p := range batch {
		var err error
		if errs != nil {
			err = errs[i]
		}
		s.met.LayerPublished(err != nil)
		if err == nil {
			continue
		}
		s.met.PublishFailed(c.ch.pattern)
		code, detail, reason := CodePublishFailed, publishFailedDetail, metrics.ReasonPublishFailed
		if p.Local {
			code, detail, reason = CodePartialDelivery, partialDeliveryDetail, metrics.ReasonPartialDelivery
		}
		s.met.FrameError(c.ch.pattern, reason)
		c.logger().LogAttrs(c.ctx, slog.LevelWarn, "chanx: pipelined broadcast failed",
			slog.String("conn", c.id), slog.String("channel", c.ch.pattern),
			slog.String("group", p.Group), slog.String("code", code), slog.String("error", err.Error()))
		_ = c.enqueue(c.outgoing(c.ch.env.CodedError(code, detail)), nil)
	}
}

// Join adds the connection to group, subscribing this process to the
// group on the layer if it is the first local member. Joining twice is a
// no-op. The connection leaves its groups when it ends.
func (c *Conn) Join(ctx context.Context, group string) error {
	c.gmu.Lock()
	if c.gdone {
		c.gmu.Unlock()
		return fmt.Errorf("server: %s join %s: %w", c.id, group, ErrClosed)
	}
	if _, ok := c.groups[group]; ok {
		c.gmu.Unlock()
		return nil
	}
	if c.groups == nil {
		c.groups = make(map[string]struct{})
	}
	c.groups[group] = struct{}{}
	c.gmu.Unlock()
	if err := c.srv.join(ctx, c, group); err != nil {
		c.gmu.Lock()
		delete(c.groups, group)
		c.gmu.Unlock()
		return fmt.Errorf("server: %s join %s: %w", c.id, group, err)
	}
	return nil
}

// Leave removes the connection from group; the process unsubscribes from
// the group when its last local member leaves. Leaving a group the
// connection is not in is a no-op.
func (c *Conn) Leave(ctx context.Context, group string) error {
	c.gmu.Lock()
	_, ok := c.groups[group]
	delete(c.groups, group)
	c.gmu.Unlock()
	if ok {
		c.srv.leave(c, group)
	}
	return nil
}

// Close closes the connection with code and reason (at most 123 bytes),
// without waiting for the close handshake. Running handlers' contexts are
// cancelled with a cause wrapping ErrClosed and a websocket.CloseError of
// code and reason.
func (c *Conn) Close(code websocket.StatusCode, reason string) {
	c.closeWith(code, reason, fmt.Errorf("%w: by Conn.Close: %w", ErrClosed, websocket.CloseError{Code: code, Reason: reason}))
}

// outgoing applies the server's key style to a snake_case frame.
func (c *Conn) outgoing(b []byte) []byte {
	if c.srv.opts.Camelize {
		return wire.CamelizeKeys(b)
	}
	return b
}

// answer queues the reply to a client frame (nil for none), then the
// `complete` marker when completions are on.
func (c *Conn) answer(frame []byte) {
	var marker []byte
	if c.srv.opts.Completions {
		marker = c.ch.env.Complete(wire.ActionComplete)
	}
	if frame == nil {
		frame, marker = marker, nil
	}
	if frame != nil {
		_ = c.enqueueFrom(c.ctx, frame, marker, modeInline|modeWait) // a slow or closed client is handled there
	}
}

// answerBorrowed is answer for a frame in a buffer the caller reuses once
// answerBorrowed returns: written inline when nothing else is queued,
// copied otherwise.
func (c *Conn) answerBorrowed(frame []byte) {
	var marker []byte
	if c.srv.opts.Completions {
		marker = c.ch.env.Complete(wire.ActionComplete)
	}
	_ = c.enqueueFrom(c.ctx, frame, marker, modeInline|modeBorrowed|modeWait)
}

// deliver queues a frame that arrived through the layer (snake_case keys),
// with the completion marker of its kind. sent is the message's
// layer.Message.Sent, for Metrics.BroadcastDelivered (0: not measured).
func (c *Conn) deliver(frame []byte, kind layer.Kind, sent int64) {
	c.deliverVia(nil, frame, kind, sent)
}

// deliverVia is deliver as one member of a fan-out: when the connection
// has no writer running, fo writes the frame with the other idle members'
// (a nil fo: a goroutine of its own).
func (c *Conn) deliverVia(fo *fanout, frame []byte, kind layer.Kind, sent int64) {
	var marker []byte
	if c.srv.opts.Completions {
		if kind == layer.Event {
			marker = c.ch.env.Complete(wire.ActionEventComplete)
		} else {
			marker = c.ch.env.Complete(wire.ActionGroupComplete)
		}
	}
	if !c.srv.timed {
		sent = 0
	}
	if start, _ := c.queueAt(c.ctx, c.outgoing(frame), marker, 0, sent); start {
		fo.add(c)
	}
}

// qframe is a frame in a connection's send queue. sent, when not 0, is
// when a broadcast's publisher handed it to the layer (Unix ns): its
// write is observed by Metrics.BroadcastDelivered.
type qframe struct {
	b    []byte
	sent int64
}

// enqueue appends frame (and marker, if any, right behind it) to the send
// queue and makes sure a writer runs. It never blocks: a full queue drops
// the frames and starts the slow-client clock. Broadcasts and events go
// this way, so no member holds up the others.
func (c *Conn) enqueue(frame, marker []byte) error {
	return c.enqueueFrom(c.ctx, frame, marker, 0)
}

// enqueueMode says how enqueueFrom treats a frame.
type enqueueMode uint8

const (
	// modeInline lets the caller write the frames itself when no writer
	// runs: a handler's reply goes out without a goroutine hand-off, and a
	// client that does not read only holds up its own handlers.
	modeInline enqueueMode = 1 << iota
	// modeBorrowed (only with modeInline) says frame's storage is reused
	// after the call: it is copied unless written inline.
	modeBorrowed
	// modeWait waits for room in a full queue instead of dropping: the
	// connection's own traffic (replies, Send, streams), bounded by ctx,
	// the connection's end and SlowClientTimeout.
	modeWait
)

// enqueueFrom is enqueue with a mode; ctx bounds a modeWait wait.
func (c *Conn) enqueueFrom(ctx context.Context, frame, marker []byte, mode enqueueMode) error {
	return c.enqueueAt(ctx, frame, marker, mode, 0)
}

// enqueueAt is enqueueFrom for a frame published at sent (see qframe).
func (c *Conn) enqueueAt(ctx context.Context, frame, marker []byte, mode enqueueMode, sent int64) error {
	start, err := c.queueAt(ctx, frame, marker, mode, sent)
	if start {
		if mode&modeInline != 0 {
			c.drain(true)
		} else {
			go c.drain(false)
		}
	}
	return err
}

// queueAt queues frame (and marker) as enqueueAt does and reports whether
// the caller now owns starting a drain (one count of c.bg is taken for
// it): the connection had no writer running.
func (c *Conn) queueAt(ctx context.Context, frame, marker []byte, mode enqueueMode, sent int64) (start bool, err error) {
	n := 1
	if marker != nil {
		n = 2
	}
	var timer *time.Timer
	for {
		c.qmu.Lock()
		if c.qclosed {
			c.qmu.Unlock()
			stopTimer(timer)
			return false, ErrClosed
		}
		// A frame pair larger than the whole queue still goes out alone.
		if len(c.queue)+n <= c.srv.opts.SendQueue || len(c.queue) == 0 {
			break
		}
		if c.deferred {
			// The frames the read loop deferred go now, and make room.
			c.deferred = false
			c.qmu.Unlock()
			go c.drain(false)
			continue
		}
		if mode&modeWait == 0 {
			c.qmu.Unlock()
			c.queueFull()
			return false, ErrQueueFull
		}
		if c.space == nil {
			c.space = make(chan struct{})
		}
		space := c.space
		c.qmu.Unlock()
		c.markFull()
		if timer == nil {
			timer = time.NewTimer(c.srv.opts.SlowClientTimeout)
		}
		select {
		case <-space:
		case <-ctx.Done():
			timer.Stop()
			return false, context.Cause(ctx)
		case <-c.hctx.Done():
			timer.Stop()
			return false, fmt.Errorf("%w: %w", ErrClosed, context.Cause(c.hctx))
		case <-timer.C:
			c.closeSlow()
			return false, ErrSlowClient
		}
	}
	stopTimer(timer)
	borrowed := mode&modeBorrowed != 0
	if borrowed && (c.writing || len(c.queue) > 0 || c.deferring) {
		frame = bytes.Clone(frame)
	}
	c.queue = append(c.queue, qframe{frame, sent})
	if marker != nil {
		c.queue = append(c.queue, qframe{b: marker})
	}
	if len(c.queue) > c.peak {
		c.peak = len(c.queue)
	}
	start = !c.writing
	if start {
		c.writing = true
		c.bg.Add(1)
		if c.deferring && mode&modeInline != 0 && len(c.queue) < c.srv.deferMax {
			c.deferred, start = true, false // the read loop writes it (endDefer)
		}
	} else if c.deferred && len(c.queue) >= c.srv.deferMax {
		c.deferred, start = false, true // this caller starts the deferred drain
	}
	c.qmu.Unlock()
	if c.fullSince.Load() != 0 {
		c.fullSince.Store(0)
	}
	return start, nil
}

// drain writes queued frames in batches until the queue is empty, then
// exits, so an idle connection holds no writer goroutine. Called inline by
// the read loop, it writes one batch and hands whatever arrived meanwhile
// to a goroutine, so a stream of broadcasts cannot keep the loop from
// reading. Each drain owns one count of c.bg, taken by enqueueFrom.
func (c *Conn) drain(inline bool) {
	handedOff := false
	defer func() {
		if !handedOff {
			c.bg.Done()
		}
	}()
	for round := 0; ; round++ {
		c.qmu.Lock()
		batch := c.queue
		if len(batch) == 0 || c.qclosed {
			if c.qclosed || cap(c.queue) > keptQueueCap {
				c.queue = nil
			}
			c.writing = false
			c.qmu.Unlock()
			return
		}
		if inline && round > 0 {
			c.qmu.Unlock()
			handedOff = true
			go c.drain(false)
			return
		}
		c.queue, c.spare = c.spare[:0], nil
		if c.space != nil {
			close(c.space) // room for senders waiting in enqueueFrom
			c.space = nil
		}
		c.qmu.Unlock()
		// A batch of frames leaves in one write(2) where the socket's
		// writes go through a coalescer.
		co := c.co
		if len(batch) < 2 {
			co = nil
		}
		if co != nil {
			co.hold()
		}
		for i, f := range batch {
			err := c.ws.Write(ioCtx, websocket.MessageText, f.b)
			if err == nil && co != nil && i == len(batch)-1 {
				err = co.release()
			}
			if err != nil {
				if co != nil {
					_ = co.release()
				}
				c.qmu.Lock()
				c.qclosed = true
				c.queue = nil
				c.writing = false
				c.qmu.Unlock()
				c.kill(fmt.Errorf("%w: %w", ErrConnectionLost, err))
				return
			}
			batch[i] = qframe{}
			c.srv.met.FrameSent(c.ch.pattern)
			if f.sent != 0 {
				c.srv.met.BroadcastDelivered(c.ch.pattern, time.Duration(time.Now().UnixNano()-f.sent))
			}
		}
		c.qmu.Lock()
		if c.spare == nil && cap(batch) <= keptQueueCap {
			c.spare = batch[:0]
		}
		c.qmu.Unlock()
	}
}

// keptQueueCap is the largest queue storage an idle connection keeps for
// reuse; a burst's bigger batches are left to the garbage collector.
const keptQueueCap = 8

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// queueFull counts a dropped frame and closes the connection with 1008
// when its queue has stayed full for SlowClientTimeout.
func (c *Conn) queueFull() {
	c.srv.met.FrameDropped(c.ch.pattern)
	if c.markFull() {
		return
	}
	if time.Duration(mono()-c.fullSince.Load()) >= c.srv.opts.SlowClientTimeout {
		c.closeSlow()
	}
}

// markFull starts the slow-client clock unless it runs, and reports
// whether it started it.
func (c *Conn) markFull() bool {
	if c.fullSince.Load() == 0 && c.fullSince.CompareAndSwap(0, mono()) {
		time.AfterFunc(c.srv.opts.SlowClientTimeout, c.checkSlow)
		return true
	}
	return false
}

func (c *Conn) checkSlow() {
	since := c.fullSince.Load()
	if since != 0 && time.Duration(mono()-since) >= c.srv.opts.SlowClientTimeout {
		c.closeSlow()
	}
}

func (c *Conn) closeSlow() {
	if !c.closeWith(websocket.StatusPolicyViolation, "slow client",
		fmt.Errorf("%w: %w", ErrSlowClient, websocket.CloseError{Code: websocket.StatusPolicyViolation, Reason: "slow client"})) {
		return
	}
	s := c.srv
	s.met.SlowClientClosed(c.ch.pattern)
	c.logger().LogAttrs(c.ctx, slog.LevelWarn, "chanx: closing slow client",
		slog.String("conn", c.id), slog.String("channel", c.ch.pattern),
		slog.Duration("queue_full_for", s.opts.SlowClientTimeout))
}

// startBG registers background work on the connection unless it has
// ended; the handler waits for all of it before returning.
func (c *Conn) startBG() bool {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.qclosed {
		return false
	}
	c.bg.Add(1)
	return true
}

// closeWith cancels the handlers' context with cause, starts the close
// handshake with code in the background and drops the connection if it
// does not finish within CloseTimeout. It reports whether it started the
// close: false when the connection was already closing.
func (c *Conn) closeWith(code websocket.StatusCode, reason string, cause error) bool {
	if !c.closeStarted.CompareAndSwap(false, true) {
		return false
	}
	c.hcancel(cause)
	if !c.startBG() {
		return true
	}
	go func() {
		defer c.bg.Done()
		// The handshake reads the socket's buffers, which the reading
		// goroutine looks at under rmu until it sees closeStarted.
		c.rmu.Lock()
		c.rmu.Unlock()
		t := time.AfterFunc(c.srv.opts.CloseTimeout, func() { c.cancel(cause) })
		_ = c.ws.Close(code, reason)
		t.Stop()
		c.cancel(cause)
	}()
	return true
}

// kill drops the connection without a handshake: cancelling the
// connection's context closes the socket, which aborts any Read or Write
// in progress. cause is what handlers see, unless the connection had
// already begun to end for another reason.
func (c *Conn) kill(cause error) {
	c.closeStarted.Store(true) // no close handshake starts after this
	c.hcancel(cause)
	if c.unwatch() {
		// What the watcher would do, without starting its goroutine.
		closeNow(c.ws, c.raw)
	}
	c.cancel(cause)
}

// closeNow drops ws. The socket is closed first: while a close handshake
// waits to write its close frame behind a Write stuck on a client that
// does not read, ws.CloseNow only waits for that handshake (up to the
// library's own 5 s), and closing the socket is what ends both.
func closeNow(ws *websocket.Conn, raw net.Conn) {
	if raw != nil {
		_ = raw.Close()
	}
	_ = ws.CloseNow()
}

// wait ends the connection's background work: no new frames are queued
// and the writer, closer and keepalive are waited for.
func (c *Conn) wait() {
	c.qmu.Lock()
	c.qclosed = true
	c.qmu.Unlock()
	c.bg.Wait()
}

// keepalive pings the client and schedules the next ping; a missing pong
// drops the connection.
func (c *Conn) keepalive() {
	if !c.startBG() {
		return
	}
	defer c.bg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, c.srv.opts.PingTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	if err != nil {
		if c.ctx.Err() == nil {
			c.logger().LogAttrs(c.ctx, slog.LevelDebug, "chanx: keepalive failed",
				slog.String("conn", c.id), slog.String("error", err.Error()))
		}
		c.kill(fmt.Errorf("%w: %w", ErrKeepaliveTimeout, err))
		return
	}
	if t := c.pingTimer.Load(); t != nil {
		t.Reset(c.srv.opts.PingInterval)
	}
}

// run serves the connection from the upgrade to its end.
func (c *Conn) run() {
	c.start()
	err := c.readLoop()
	c.finish(err)
}

// start reports in-band authentication, opens the connection and runs
// OnConnect. When either fails it starts the close handshake; the read
// loop then runs only to see the handshake through, discarding frames.
//
//go:noinline
func (c *Conn) start() {
	s := c.srv
	ch := c.ch
	if c.authenticated && s.opts.AuthMode == AuthInBand {
		if c.authErr != nil {
			status, detail := authStatus(c.authErr)
			s.met.ConnectionRejected(ch.pattern, "auth")
			c.logger().LogAttrs(c.ctx, slog.LevelInfo, "chanx: connection rejected",
				slog.String("conn", c.id), slog.String("channel", ch.pattern), slog.String("reason", "auth"),
				slog.Int("status", status), slog.String("remote", c.req.RemoteAddr), slog.String("error", c.authErr.Error()))
			ctx, cancel := context.WithTimeout(c.ctx, s.opts.CloseTimeout)
			frame := c.outgoing(ch.env.Authentication(status, http.StatusText(status), map[string]string{"detail": detail}))
			_ = c.ws.Write(ctx, websocket.MessageText, frame)
			cancel()
			c.closeWith(websocket.StatusPolicyViolation, "authentication failed",
				fmt.Errorf("%w: authentication failed: %w", ErrClosed, c.authErr))
			return
		}
		_ = c.enqueue(c.outgoing(ch.env.Authentication(http.StatusOK, http.StatusText(http.StatusOK), nil)), nil)
	}
	s.met.ConnectionOpened(ch.pattern)
	c.opened = time.Now()
	s.ensureInbox(c.ctx)
	if err := c.connect(); err != nil {
		return
	}
	// Logged once OnConnect has run, so the line carries what it gave
	// AddLogAttrs (the user).
	c.logger().LogAttrs(c.ctx, slog.LevelInfo, "chanx: connection opened",
		slog.String("conn", c.id), slog.String("channel", ch.pattern), slog.String("remote", c.req.RemoteAddr))
	c.subscribeDedicated()
	if s.opts.PingInterval > 0 {
		c.pingTimer.Store(time.AfterFunc(s.opts.PingInterval, c.keepalive))
	}
}

// finish tears the connection down once reading has ended: it leaves its
// groups, waits for background work and runs OnDisconnect.
//
//go:noinline
func (c *Conn) finish(err error) {
	s := c.srv
	ch := c.ch
	if t := c.pingTimer.Load(); t != nil {
		t.Stop()
	}
	cause := c.readCause(err)
	c.hcancel(cause) // handlers stop first, while the socket is still there
	c.endTopics()
	groups := c.leaveAll()
	c.kill(cause)
	c.hwg.Wait()
	c.wait()
	if c.opened.IsZero() {
		return // never opened: in-band authentication failed
	}
	if ch.opts.OnDisconnect != nil {
		c.runHook("OnDisconnect", func() error {
			ch.opts.OnDisconnect(context.WithoutCancel(c.ctx), c)
			return nil
		})
	}
	s.met.ConnectionClosed(ch.pattern)
	if log := c.logger(); log.Enabled(c.ctx, slog.LevelInfo) {
		// The cause is what ended the connection first (a close by the
		// server wins over the read error it leads to); it wraps the
		// close frame's code and reason where there was one.
		code, reason, why := closeDetails(context.Cause(c.hctx))
		log.LogAttrs(c.ctx, slog.LevelInfo, "chanx: connection closed",
			slog.String("conn", c.id), slog.String("channel", ch.pattern),
			slog.Int("close_code", code), slog.String("close_reason", reason),
			slog.String("cause", why),
			slog.Any("groups", groups), slog.Duration("duration", time.Since(c.opened)))
	}
}

// closeDetails gives the close code (-1 without a close frame), the close
// reason and the error text of why a connection ended.
func closeDetails(cause error) (code int, reason, why string) {
	code = -1
	var ce websocket.CloseError
	if errors.As(cause, &ce) {
		code, reason = int(ce.Code), ce.Reason
	}
	if cause != nil {
		why = cause.Error()
	}
	return code, reason, why
}

// connect runs OnConnect; on failure it closes the connection with 1011 or
// the code the hook's error carries.
func (c *Conn) connect() error {
	hook := c.ch.opts.OnConnect
	if hook == nil {
		return nil
	}
	err := c.runHook("OnConnect", func() error { return hook(c.hctx, c) })
	if err == nil {
		return nil
	}
	code, reason := websocket.StatusInternalError, "connect failed"
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		code, reason = ce.Code, ce.Reason
	}
	c.srv.met.ConnectionRejected(c.ch.pattern, "connect")
	c.closeWith(code, reason, fmt.Errorf("%w: OnConnect failed: %w", ErrClosed, err))
	return err
}

// runHook calls a user hook, turning a panic into an error.
func (c *Conn) runHook(name string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.logger().LogAttrs(c.ctx, slog.LevelError, "chanx: hook panicked",
				slog.String("conn", c.id), slog.String("hook", name),
				slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(stack())))
			err = fmt.Errorf("server: %s panicked: %v", name, p)
		}
	}()
	err = f()
	if err != nil {
		c.logger().LogAttrs(c.ctx, slog.LevelWarn, "chanx: hook failed",
			slog.String("conn", c.id), slog.String("hook", name), slog.String("error", err.Error()))
	}
	return err
}

func stack() []byte { return debug.Stack() }

// leaveAll removes the connection from every group for good and returns
// the groups it was in.
func (c *Conn) leaveAll() []string {
	c.gmu.Lock()
	c.gdone = true
	groups := make([]string, 0, len(c.groups))
	for g := range c.groups {
		groups = append(groups, g)
	}
	c.groups = nil
	c.gmu.Unlock()
	for _, g := range groups {
		c.srv.leave(c, g)
	}
	slices.Sort(groups)
	return groups
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf keeps a rare huge frame's buffer from staying in the pool.
const maxPooledBuf = 64 << 10

// readLoop is the serving goroutine's loop. It reads frames on ioCtx (a
// context per read would cost allocations; cancelling the connection
// closes the socket instead) and handles each inline while handlers are
// quick, so a reply goes out with no goroutine hand-off. A handler running
// longer than the inline budget has reading taken over by another
// goroutine (Server.watch, takeOverReading), so pongs, close frames and
// further frames are read while it runs; this goroutine then works off
// the frames queued meanwhile and waits for the reading to end
// (handedOffReading).
//
// A pipelining client's frames often arrive several to a read: while the
// next message is already whole in the read buffer (nextReady), replies
// are deferred (enqueueAt queues them without writing) and written
// together, in one write(2) through the coalescer, once the loop would
// have to wait for the socket, the queue fills, or reading is handed
// off: a handler that runs past the inline budget holds earlier replies
// no longer than it holds the reading.
func (c *Conn) readLoop() error {
	for {
		buf, err := c.readFrame()
		if err != nil {
			if c.rlHold {
				c.endDefer()
			}
			return err
		}
		if !c.rlHold && c.nextReady() {
			c.beginDefer()
		}
		still := buf == nil || c.inline(buf)
		if c.rlHold && (!still || !c.nextReady()) {
			c.endDefer()
		}
		if !still {
			return c.handedOffReading()
		}
	}
}

// nextReady reports whether the next message is whole in the read
// buffer, so reading it will not wait for the socket.
func (c *Conn) nextReady() bool {
	return c.fw != nil && c.fw.msgs.Load() > c.taken
}

// beginDefer starts deferring replies (readLoop).
func (c *Conn) beginDefer() {
	c.rlHold = true
	c.qmu.Lock()
	c.deferring = true
	c.qmu.Unlock()
}

// endDefer stops deferring and writes what was deferred (readLoop).
func (c *Conn) endDefer() {
	c.rlHold = false
	if d := c.stopDefer(); d {
		c.drain(true)
	}
}

// stopDefer stops deferring replies and reports whether frames wait for
// a drain, which the caller then owns (one count of bg).
func (c *Conn) stopDefer() bool {
	c.qmu.Lock()
	d := c.deferred
	c.deferring, c.deferred = false, false
	c.qmu.Unlock()
	return d
}

// readFrame reads the next frame into a buffer from bufPool; nil (and no
// error) for a frame dropped because the connection is closing.
func (c *Conn) readFrame() (*bytes.Buffer, error) {
	if c.wc != nil {
		c.awaitFrame()
	}
	typ, r, err := c.ws.Reader(ioCtx)
	if err != nil {
		return nil, err
	}
	c.taken++
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		bufPool.Put(buf)
		return nil, err
	}
	if c.closeStarted.Load() {
		// Closing: frames that race the close handshake are dropped.
		bufPool.Put(buf)
		return nil, nil
	}
	if typ != websocket.MessageText || !utf8.Valid(buf.Bytes()) {
		bufPool.Put(buf)
		c.refuse(typ)
		return nil, nil
	}
	if l := &c.srv.opts.RateLimit; l.PerSecond > 0 {
		if ok, closeIt := c.rate.allow(l, mono()); !ok {
			bufPool.Put(buf)
			c.rateLimited(closeIt)
			return nil, nil
		}
	}
	return buf, nil
}

// refuse fails the connection over a message chanx does not read: a
// binary message (1003, unsupported data: chanx messages are JSON text) or
// a text message that is not UTF-8 (1007, RFC 6455 section 8.1).
//
//go:noinline
func (c *Conn) refuse(typ websocket.MessageType) {
	code, reason, cause, metric := websocket.StatusInvalidFramePayloadData, "invalid UTF-8", ErrInvalidUTF8, metrics.ReasonInvalidUTF8
	if typ != websocket.MessageText {
		code, reason, cause, metric = websocket.StatusUnsupportedData, "binary messages are not accepted", ErrBinaryMessage, metrics.ReasonBinary
	}
	if !c.closeWith(code, reason, fmt.Errorf("%w: %w", cause, websocket.CloseError{Code: code, Reason: reason})) {
		return
	}
	s := c.srv
	s.met.FrameReceived(c.ch.pattern, "unknown")
	s.met.FrameError(c.ch.pattern, metric)
	c.logger().LogAttrs(c.ctx, slog.LevelDebug, "chanx: closing connection", slog.String("conn", c.id),
		slog.String("channel", c.ch.pattern), slog.Int("close_code", int(code)), slog.String("reason", reason))
}

// putBuf returns a frame's buffer to the pool, unless a rare huge frame
// grew it.
func putBuf(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuf {
		bufPool.Put(buf)
	}
}
