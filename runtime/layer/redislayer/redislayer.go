package redislayer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/chanxgo/chanx/runtime/layer"
)

// Defaults for Options fields left zero.
const (
	DefaultKeyPrefix        = "chanx:"
	DefaultSubscribeTimeout = 5 * time.Second
	DefaultMaxFlushDelay    = 50 * time.Microsecond
	DefaultPublishTimeout   = 2 * time.Second
	DefaultHealthInterval   = time.Second
	// unsubscribeTimeout bounds the UNSUBSCRIBE sent when a group's last
	// local subscriber leaves; the subscription is dropped locally anyway.
	unsubscribeTimeout = 2 * time.Second
)

// Options tunes a Layer; the zero value is the default.
type Options struct {
	// KeyPrefix is put in front of every group name to make the Redis
	// channel name, so several applications can share one Redis.
	// Default "chanx:"; processes that talk to each other must use the
	// same prefix.
	KeyPrefix string
	// Sharded uses SSUBSCRIBE/SPUBLISH (Redis 7.0+), which Redis Cluster
	// routes to the shard that owns the channel instead of broadcasting
	// to every node. It works on a standalone Redis 7 too. Every process
	// sharing groups must use the same setting. Default false (SUBSCRIBE
	// and PUBLISH).
	Sharded bool
	// QueueLimit caps the messages held for one local subscriber before
	// new ones are dropped (counted in Stats.Dropped); see
	// layer.MemoryOptions. Default layer.DefaultQueueLimit.
	QueueLimit int
	// InlineDelivery calls deliver directly on the group's receive
	// goroutine instead of handing each message to a per-subscriber queue
	// (layer.MemoryOptions.Synchronous). It saves a goroutine hop per
	// message, but a deliver that blocks then stalls that group and, once
	// rueidis's small buffer fills, every command on the connection. Use it
	// only when deliver never blocks, like a fan-out into bounded
	// per-connection queues. QueueLimit does not apply. Default false.
	// The chanx server does not need it: it subscribes with
	// SubscribeInline, which does this for its subscriptions alone.
	InlineDelivery bool
	// SubscribeTimeout bounds how long Subscribe waits for Redis to
	// confirm a new group's subscription when its context has no
	// deadline. Default 5 s.
	SubscribeTimeout time.Duration
	// PublishTimeout bounds how long Publish waits for Redis to accept a
	// message when ctx has no earlier deadline (at most PublishTimeout, at
	// least half of it: publishes share their deadlines, which saves a
	// timer per call), and how long the health check's PING waits.
	// rueidis's own ConnWriteTimeout (10 s by default) does not bound a
	// command to a Redis that stopped answering but keeps its connection
	// open (a hung or SIGSTOPped server): without this, a handler's
	// broadcast would wait until Redis came back. Default
	// DefaultPublishTimeout (2 s).
	PublishTimeout time.Duration
	// HealthInterval is how often the layer PINGs Redis to find out
	// whether it is reachable again (see Layer.Healthy). Default
	// DefaultHealthInterval (1 s).
	HealthInterval time.Duration
	// OnHealthChange, when set, is called with true once when the layer is
	// created and then with each change of Layer.Healthy, one call at a
	// time on a goroutine of the layer, in order; it must not block for
	// long. Pass a metric's setter, such as prommetrics.Metrics.LayerHealthy.
	OnHealthChange func(healthy bool)
	// MaxFlushDelay is rueidis's ClientOption.MaxFlushDelay for clients
	// New creates: how long the auto-pipelining writer may pause after a
	// write so that more commands go out together in the next one. rueidis
	// pauses only while several commands are in flight, so a lone
	// publisher pays nothing; under load it trades up to this much latency
	// for fewer system calls on both sides (in BenchmarkGroupEchoRedisCrossServer,
	// 16 connections: 0.87–0.93× the bare server with no delay, 0.91–0.99×
	// with 50 µs). Default DefaultMaxFlushDelay; negative: write at once.
	MaxFlushDelay time.Duration
	// Logger receives resubscription and decoding problems. Default
	// slog.Default().
	Logger *slog.Logger
	// HistoryNow, when set, is the clock history retention by age reads
	// (see Append), sent to Redis with each call instead of Redis's own
	// TIME. For tests; every process must use the same clock. Default nil.
	HistoryNow func() time.Time
}

func (o Options) withDefaults() Options {
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	if o.SubscribeTimeout <= 0 {
		o.SubscribeTimeout = DefaultSubscribeTimeout
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = DefaultPublishTimeout
	}
	if o.HealthInterval <= 0 {
		o.HealthInterval = DefaultHealthInterval
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Stats counts what a Layer did since it was created.
type Stats struct {
	// PublishErrors counts Publish calls that failed (Redis down, timeout).
	PublishErrors uint64
	// PartialDeliveries counts the failed Publish calls whose message
	// reached this process's subscribers (a layer.PartialDeliveryError).
	PartialDeliveries uint64
	// Received counts messages that arrived from Redis.
	Received uint64
	// DecodeErrors counts messages from Redis that were not a valid
	// envelope; they are dropped.
	DecodeErrors uint64
	// Delivered counts deliver calls made to local subscribers.
	Delivered uint64
	// Dropped counts messages discarded because a local subscriber's queue
	// was full.
	Dropped uint64
	// Subscriptions is the number of groups subscribed in Redis now.
	Subscriptions int
	// Confirmations counts subscribe confirmations from Redis: one per
	// new group plus one per group after each reconnection.
	Confirmations uint64
	// Healthy is Layer.Healthy.
	Healthy bool
	// Unhealthy counts the times the layer became unhealthy.
	Unhealthy uint64
	// LostSubscriptions is the number of groups whose Redis subscription
	// dropped (the connection broke) and is not confirmed again yet.
	LostSubscriptions int
}

// Layer is the Redis channel layer. Each process subscribes to a group in
// Redis once, however many local subscribers it has, and fans messages out
// to them through a layer.Memory, whose per-subscriber bounded queues keep
// a slow subscriber from stalling the Redis connection.
//
// Subscriptions use rueidis's Client.Receive, one goroutine per group,
// which the layer resubscribes when the connection to Redis comes back
// (see the package documentation, "When Redis fails") and which, in
// cluster mode, rueidis routes to the node that owns the channel. (A
// dedicated connection with pub/sub hooks would save the goroutine per
// group, but rueidis does not spread sharded channels over cluster nodes
// on it.) Messages published while Redis is unreachable do not reach the
// other processes; Publish reports those failures. Delivery is at most
// once.
type Layer struct {
	client    rueidis.Client
	ownClient bool
	cluster   bool      // client talks to a Redis Cluster
	nodes     nodeCache // where non-sharded publishes go on a cluster
	opts      Options
	local     *layer.Memory
	// origin names this Layer in the envelopes it publishes: its own
	// messages are delivered locally at once and skipped when Redis hands
	// them back.
	origin string

	mu       sync.Mutex
	groups   map[string]*group
	stopping map[string]<-chan struct{} // done of groups still unsubscribing
	closed   bool
	isDown   atomic.Bool // set with closed, read on the Publish path

	running sync.WaitGroup // group goroutines and unsubscribers

	bufs sync.Pool // *[]byte envelope buffers

	// Counters; the per-message ones live in each group, so groups
	// received on different cores never write the same memory.
	publishErrors atomic.Uint64
	partial       atomic.Uint64
	decodeErrors  atomic.Uint64
	confirmations atomic.Uint64
	retiredRecv   uint64 // received by stopped groups, guarded by mu

	// Health (see Healthy). unreachable mirrors !h.reachable for the
	// Publish path, which only takes hmu when it changes.
	hmu         sync.Mutex
	h           healthState
	unreachable atomic.Bool
	// healthChanged wakes the health loop to call OnHealthChange.
	healthChanged chan struct{}
	stopHealth    context.CancelFunc

	bound   atomic.Pointer[publishBound] // see publishContext
	boundMu sync.Mutex                   // one renewal at a time
}

// healthState is what Healthy is computed from; guarded by Layer.hmu.
type healthState struct {
	reachable bool          // the last PING or PUBLISH was answered
	lastErr   error         // why Redis was last found unreachable
	lost      int           // wanted groups whose subscription dropped and is not back
	back      chan struct{} // closed when Redis answers again; nil while it does
	healthy   bool          // the state last computed
	since     time.Time     // when it last changed
	unhealthy uint64        // times it became unhealthy
	closed    bool
}

var (
	_ layer.Layer            = (*Layer)(nil)
	_ layer.InlineSubscriber = (*Layer)(nil)
)

// New connects to the Redis at url (redis://, rediss:// or unix://, as
// rueidis.ParseURL reads them; a URL with several addresses or
// ?addr=... reaches a cluster) and returns a Layer that owns the
// connection. ctx's deadline bounds connecting and the initial PING;
// without one, rueidis's dial timeout (5 s) bounds connecting and
// PublishTimeout the PING.
func New(ctx context.Context, url string, opts Options) (*Layer, error) {
	copt, err := rueidis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redislayer: parse url: %w", err)
	}
	switch {
	case opts.MaxFlushDelay == 0:
		copt.MaxFlushDelay = DefaultMaxFlushDelay
	case opts.MaxFlushDelay > 0:
		copt.MaxFlushDelay = opts.MaxFlushDelay
	}
	// rueidis dials in NewClient, which takes no context: bound the dial
	// (and TLS handshake) by ctx's deadline instead.
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); copt.Dialer.Timeout == 0 || d < copt.Dialer.Timeout {
			copt.Dialer.Timeout = max(d, time.Millisecond)
		}
	}
	if copt.ClientName == "" {
		copt.ClientName = "chanx"
	}
	client, err := rueidis.NewClient(copt)
	if err != nil {
		return nil, fmt.Errorf("redislayer: connect to %s: %w", copt.InitAddress, err)
	}
	pctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, opts.withDefaults().PublishTimeout)
		defer cancel()
	}
	if err := client.Do(pctx, client.B().Ping().Build()).Error(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redislayer: ping %s: %w", copt.InitAddress, err)
	}
	l := NewWithClient(client, opts)
	l.ownClient = true
	return l, nil
}

// NewWithClient returns a Layer over an existing rueidis client, for
// applications that already hold one. The caller keeps ownership: Close
// unsubscribes the layer's groups but leaves the client open.
// Options.MaxFlushDelay does not apply; set it on the client.
func NewWithClient(client rueidis.Client, opts Options) *Layer {
	opts = opts.withDefaults()
	l := &Layer{
		client:  client,
		cluster: client.Mode() == rueidis.ClientModeCluster,
		opts:    opts,
		origin:  newOrigin(),
		local: layer.NewMemoryWithOptions(layer.MemoryOptions{
			QueueLimit:  opts.QueueLimit,
			Synchronous: opts.InlineDelivery,
			// Decoded frames view the immutable string rueidis read,
			// which nothing modifies, so copying them again is waste.
			ShareFrames: true,
		}),
		groups:        make(map[string]*group),
		stopping:      make(map[string]<-chan struct{}),
		h:             healthState{reachable: true, healthy: true, since: time.Now()},
		healthChanged: make(chan struct{}, 1),
	}
	if opts.OnHealthChange != nil {
		opts.OnHealthChange(true)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stopHealth = cancel
	l.running.Add(1)
	go l.healthLoop(ctx)
	return l
}

// Publish sends m to every subscriber of group in every process. This
// process's subscribers get it at once, without a trip through Redis, so
// local traffic keeps flowing while Redis is unreachable (as socket.io's
// Redis adapter does); other processes get it through Redis, and this
// process skips its own message when Redis hands it back. Per publisher the
// order is kept everywhere; messages of different publishers may interleave
// differently in different processes.
//
// Publish returns nil once Redis accepted the message. When Redis is
// unreachable, refuses the message or does not answer in time, it returns
// an error: one wrapping *layer.PartialDeliveryError when this process had
// subscribers of the group (they got the message; other processes may
// not have), another error when it had none. It fails promptly on a
// refused connection and at the latest after PublishTimeout (at least
// half of it, as PUBLISHes share their deadlines), or when ctx's deadline
// comes if that is sooner. A ctx cancelled while the PUBLISH waits for
// Redis is noticed only when it ends. It does not retry: a message that
// Redis accepted but did not confirm in time may still reach the other
// processes, so retrying can duplicate it there as well as here.
//
// A nil error does not promise delivery to a process that is
// reconnecting: Redis drops what is published to a group while no
// process subscribes to it (see the package documentation).
func (l *Layer) Publish(ctx context.Context, group string, m layer.Message) error {
	local, err := l.PublishLocal(ctx, group, m)
	if err != nil {
		return err
	}
	bp, c, cmd := l.publishCmd(group, m)
	err = c.Do(l.publishContext(ctx), cmd).Error()
	return l.published(ctx, group, local, bp, err)
}

var _ layer.Pipeliner = (*Layer)(nil)

// PublishLocal is Publish's first half (see layer.Pipeliner): it hands m
// to this process's subscribers of group at once and reports whether
// there were any. It fails only when the layer is closed or ctx is done.
func (l *Layer) PublishLocal(ctx context.Context, group string, m layer.Message) (local bool, err error) {
	if l.isDown.Load() {
		return false, errClosed(group)
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("redislayer: publish to %q: %w", group, err)
	}
	local = l.local.Subscribers(group) > 0
	if local {
		// The local fan-out shares frames (see NewWithClient), and the
		// caller may reuse its buffer once Publish returns.
		lm := m
		lm.Frame = bytes.Clone(m.Frame)
		_ = l.local.Publish(ctx, group, lm) // fails only after Close
	}
	return local, nil
}

// PublishRemote is Publish's second half for several messages (see
// layer.Pipeliner): their PUBLISHes go to Redis back to back, written
// together by rueidis's pipeline, and it waits for all the replies at
// once, so n messages cost one round trip instead of n. Redis handles
// them in order, so the other processes get them in that order. errs[i]
// is the error Publish would have returned for ps[i]; errs is nil when
// every message was accepted. The bounds are Publish's.
func (l *Layer) PublishRemote(ctx context.Context, ps []layer.Publication) (errs []error) {
	if l.isDown.Load() {
		errs = make([]error, len(ps))
		for i, p := range ps {
			errs[i] = errClosed(p.Group)
		}
		return errs
	}
	pctx := l.publishContext(ctx)
	if len(ps) == 1 {
		// The common batch: no slices to allocate.
		p := ps[0]
		bp, c, cmd := l.publishCmd(p.Group, p.Message)
		if err := l.published(ctx, p.Group, p.Local, bp, c.Do(pctx, cmd).Error()); err != nil {
			return []error{err}
		}
		return nil
	}
	bufs := make([]*[]byte, len(ps))
	cmds := make(rueidis.Commands, 0, len(ps))
	for start := 0; start < len(ps); {
		// A run of messages for one client (all of them, but on a cluster
		// without Sharded) goes out as one DoMulti.
		cmds = cmds[:0]
		var client rueidis.Client
		end := start
		for ; end < len(ps); end++ {
			bp, c, cmd := l.publishCmd(ps[end].Group, ps[end].Message)
			if client != nil && c != client {
				l.putBuf(bp)
				break
			}
			client = c
			bufs[end] = bp
			cmds = append(cmds, cmd)
		}
		for i, r := range client.DoMulti(pctx, cmds...) {
			p := ps[start+i]
			if err := l.published(ctx, p.Group, p.Local, bufs[start+i], r.Error()); err != nil {
				if errs == nil {
					errs = make([]error, len(ps))
				}
				errs[start+i] = err
			}
		}
		start = end
	}
	return errs
}

// publishCmd builds the PUBLISH of m to group, in a pooled buffer that
// holds the channel name and the envelope (so publishing allocates
// nothing once the pool is warm), and picks the client it goes through.
func (l *Layer) publishCmd(group string, m layer.Message) (*[]byte, rueidis.Client, rueidis.Completed) {
	bp, _ := l.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := append((*bp)[:0], l.opts.KeyPrefix...)
	buf = append(buf, group...)
	nameLen := len(buf)
	buf = appendEnvelope(buf, l.origin, m)
	*bp = buf
	channel, payload := rueidis.BinaryString(buf[:nameLen]), rueidis.BinaryString(buf[nameLen:])
	c := l.channelClient(channel)
	var cmd rueidis.Completed
	if l.opts.Sharded {
		cmd = c.B().Spublish().Channel(channel).Message(payload).Build()
	} else {
		cmd = c.B().Publish().Channel(channel).Message(payload).Build()
	}
	return bp, c, cmd
}

// published finishes a PUBLISH that Redis answered with err: it words a
// failure (publishFailed) or releases the command's buffer.
func (l *Layer) published(ctx context.Context, group string, local bool, bp *[]byte, err error) error {
	if err != nil {
		return l.publishFailed(ctx, group, local, err)
	}
	if l.unreachable.Load() {
		l.setReachable(nil)
	}
	l.putBuf(bp)
	return nil
}

func (l *Layer) putBuf(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		l.bufs.Put(bp)
	}
}

// publishBound is a deadline shared by the PUBLISHes that start in one
// stretch of time, so that bounding each by PublishTimeout costs no timer
// and no context of its own (context.WithTimeout per call added four
// allocations to every publish in BenchmarkRedisGroupEcho).
type publishBound struct {
	ctx      context.Context // a noDeadline: done PublishTimeout after it was made
	deadline time.Time       // when ctx is done
	cancel   context.CancelFunc
	until    time.Time // it serves PUBLISHes that start before this
}

// noDeadline is a context that is done at its deadline but does not say
// so. rueidis (v1.0.79 pipe.Do) writes a lone command whose context has a
// deadline synchronously on the caller's goroutine, and one whose context
// has only a Done channel through its auto-pipelining writer, which
// batches under load (MaxFlushDelay); a handler's context, which has no
// deadline, took that path before PUBLISH had a bound, and keeps it.
type noDeadline struct{ context.Context }

func (noDeadline) Deadline() (time.Time, bool) { return time.Time{}, false }

// publishContext is the context a PUBLISH waits on: ctx when its deadline
// comes first, else the current shared bound, which expires between half
// of PublishTimeout and PublishTimeout from now. A cancellation of a ctx
// without an earlier deadline is then not noticed while the PUBLISH is in
// flight; it still ends within PublishTimeout.
func (l *Layer) publishContext(ctx context.Context) context.Context {
	now := time.Now()
	b := l.bound.Load()
	if b == nil || !now.Before(b.until) {
		b = l.renewBound(now)
	}
	if dl, ok := ctx.Deadline(); ok && !dl.After(b.deadline) {
		return ctx
	}
	return b.ctx
}

func (l *Layer) renewBound(now time.Time) *publishBound {
	l.boundMu.Lock()
	defer l.boundMu.Unlock()
	if b := l.bound.Load(); b != nil && now.Before(b.until) {
		return b // another publisher renewed it
	}
	// The bound a PUBLISH gets expires at most PublishTimeout after it
	// starts, and at least half of it. The old bound's own timer
	// releases it; PUBLISHes still waiting on it keep their deadline.
	deadline := now.Add(l.opts.PublishTimeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	b := &publishBound{ctx: noDeadline{ctx}, deadline: deadline, cancel: cancel, until: now.Add(l.opts.PublishTimeout / 2)}
	l.bound.Store(b)
	return b
}

// publishFailed counts and words a failed PUBLISH. ctx is the caller's:
// when it is still live, the failure is Redis's and marks it unreachable.
func (l *Layer) publishFailed(ctx context.Context, group string, local bool, err error) error {
	l.nodes.forget() // on a cluster the topology may have changed
	// The command may still sit in rueidis's pipeline after a context
	// error, so its buffer is not reused.
	l.publishErrors.Add(1)
	if errors.Is(err, rueidis.ErrClosing) {
		return errClosed(group)
	}
	err = l.commandFailed(ctx, err)
	if local {
		l.partial.Add(1)
		return fmt.Errorf("redislayer: %w", &layer.PartialDeliveryError{Group: group, Err: err})
	}
	return fmt.Errorf("redislayer: publish to %q: no subscriber in this process, other processes may not get it: %w", group, err)
}

// commandFailed words err, the failure of a command sent with ctx, for
// the caller's error: a context's end is named beside the command's error,
// a deadline of PublishTimeout says so; unless Redis answered (refusing
// the command: an ACL, a wrong type of node), the failure is Redis's and
// marks it unreachable.
func (l *Layer) commandFailed(ctx context.Context, err error) error {
	var re *rueidis.RedisError
	switch cerr := ctx.Err(); {
	case errors.As(err, &re):
	case cerr != nil && !errors.Is(err, cerr):
		err = fmt.Errorf("%w (%w)", cerr, err)
	case cerr == nil && errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("Redis did not answer within PublishTimeout (%v): %w", l.opts.PublishTimeout, err)
		l.setReachable(err)
	case cerr == nil:
		l.setReachable(err)
	}
	return err
}

// errClosed wraps layer.ErrClosed with the group it was used on.
func errClosed(group string) error {
	return fmt.Errorf("redislayer: group %q: %w", group, layer.ErrClosed)
}

// Subscribe delivers group's messages from every process to deliver until
// cancel is called. The first local subscriber of a group makes the Redis
// subscription, and Subscribe returns once Redis confirmed it, so a
// message published afterwards is delivered; later subscribers share it.
// When Redis refuses the subscription (an ACL, an unknown command) or does
// not confirm within ctx's deadline (or SubscribeTimeout), Subscribe
// fails. deliver runs on a goroutine of the layer, one call at a
// time per subscription; see layer.Memory for queueing and ordering.
// cancel returns at once; the Redis UNSUBSCRIBE for the group's last
// subscriber happens in the background.
func (l *Layer) Subscribe(ctx context.Context, group string, deliver func(layer.Message)) (cancel func(), err error) {
	return l.subscribe(ctx, group, deliver, false)
}

// SubscribeInline is Subscribe with deliver called without a queue in
// between (layer.InlineSubscriber): on the goroutine that reads the group's
// messages from Redis, and for this process's own messages on the
// publisher's goroutine. deliver must never block and must be safe for
// concurrent use; QueueLimit does not apply.
func (l *Layer) SubscribeInline(ctx context.Context, group string, deliver func(layer.Message)) (cancel func(), err error) {
	return l.subscribe(ctx, group, deliver, true)
}

func (l *Layer) subscribe(ctx context.Context, group string, deliver func(layer.Message), inline bool) (cancel func(), err error) {
	if deliver == nil {
		return nil, errors.New("redislayer: subscribe: nil deliver func")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redislayer: subscribe to %q: %w", group, err)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, errClosed(group)
	}
	// Register locally first, so nothing arriving right after Redis
	// confirms the subscription can miss this subscriber.
	subscribe := l.local.Subscribe
	if inline {
		subscribe = l.local.SubscribeInline
	}
	localCancel, err := subscribe(ctx, group, deliver)
	if err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("redislayer: subscribe to %q: %w", group, err)
	}
	g := l.groups[group]
	if g == nil {
		g = l.startGroup(group, l.stopping[group])
	}
	g.refs++
	l.mu.Unlock()

	var once sync.Once
	cancel = func() {
		once.Do(func() {
			localCancel()
			l.release(g)
		})
	}

	wait := ctx
	if _, ok := ctx.Deadline(); !ok {
		var stop context.CancelFunc
		wait, stop = context.WithTimeout(ctx, l.opts.SubscribeTimeout)
		defer stop()
	}
	select {
	case <-g.ready:
		return cancel, nil
	case <-g.failed:
		// A later retry may have succeeded meanwhile.
		select {
		case <-g.ready:
			return cancel, nil
		default:
		}
		cancel()
		return nil, fmt.Errorf("redislayer: subscribe to %q: %w", group, g.failErr)
	case <-g.done:
		cancel()
		return nil, errClosed(group)
	case <-wait.Done():
		cancel()
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("redislayer: subscribe to %q: %w", group, err)
		}
		return nil, fmt.Errorf("redislayer: subscribe to %q: Redis did not confirm within %v", group, l.opts.SubscribeTimeout)
	}
}

// Close unsubscribes every group, waits for the layer's goroutines and
// deliver calls to finish, and closes the rueidis client if New created
// it. Further Publish and Subscribe calls fail with an error wrapping
// layer.ErrClosed. Calling Close again returns nil. Close must not be
// called from inside deliver.
func (l *Layer) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.isDown.Store(true)
	for name, g := range l.groups {
		delete(l.groups, name)
		l.stopGroup(g)
	}
	l.mu.Unlock()
	l.hmu.Lock()
	l.h.closed = true
	l.updateHealth()
	l.hmu.Unlock()
	l.stopHealth()
	l.running.Wait()
	l.boundMu.Lock()
	if b := l.bound.Load(); b != nil {
		b.cancel() // its timer, at once
	}
	l.boundMu.Unlock()
	l.local.Close()
	if l.ownClient {
		l.client.Close()
	}
	return nil
}

// Stats reports the layer's counters.
func (l *Layer) Stats() Stats {
	l.mu.Lock()
	n := len(l.groups)
	received := l.retiredRecv
	for _, g := range l.groups {
		received += g.received.Load()
	}
	l.mu.Unlock()
	ls := l.local.Stats()
	l.hmu.Lock()
	h := l.h
	l.hmu.Unlock()
	return Stats{
		Healthy:           h.healthy,
		Unhealthy:         h.unhealthy,
		LostSubscriptions: h.lost,
		PartialDeliveries: l.partial.Load(),
		PublishErrors:     l.publishErrors.Load(),
		Received:          received,
		DecodeErrors:      l.decodeErrors.Load(),
		Delivered:         ls.Delivered,
		Dropped:           ls.Dropped,
		Subscriptions:     n,
		Confirmations:     l.confirmations.Load(),
	}
}

// group is this process's one Redis subscription to a group.
type group struct {
	name    string
	channel string
	refs    int // local subscribers, guarded by Layer.mu

	ctx    context.Context // cancelled to end the subscription
	cancel context.CancelFunc
	wanted atomic.Bool // false once the last subscriber left

	received atomic.Uint64

	readyOnce     sync.Once
	ready         chan struct{} // closed at the first confirmation
	confirmations atomic.Uint64

	failOnce sync.Once
	failed   chan struct{} // closed when subscribing failed before ready
	failErr  error         // why, set before failed closes
	done     chan struct{} // closed when the receive goroutine returned
	prev     <-chan struct{}

	via atomic.Pointer[rueidis.Client] // what the subscription was last sent through

	// Guarded by Layer.hmu.
	lost    bool // the subscription dropped and is not confirmed again
	stopped bool // no longer wanted: its losses do not count
}

// startGroup creates the group and its receive goroutine; l.mu is held.
// prev, when not nil, is closed when an earlier subscription to the same
// channel has finished, which must happen before subscribing again so its
// UNSUBSCRIBE cannot cancel the new subscription.
func (l *Layer) startGroup(name string, prev <-chan struct{}) *group {
	ctx, cancel := context.WithCancel(context.Background())
	g := &group{
		name:    name,
		channel: l.opts.KeyPrefix + name,
		ctx:     ctx,
		cancel:  cancel,
		ready:   make(chan struct{}),
		failed:  make(chan struct{}),
		done:    make(chan struct{}),
		prev:    prev,
	}
	g.wanted.Store(true)
	l.groups[name] = g
	l.running.Add(1)
	go l.receive(g)
	return g
}

// release drops one local subscriber of g, unsubscribing in Redis when it
// was the last.
func (l *Layer) release(g *group) {
	l.mu.Lock()
	defer l.mu.Unlock()
	g.refs--
	if g.refs > 0 || l.groups[g.name] != g {
		return
	}
	delete(l.groups, g.name)
	l.stopGroup(g)
}

// stopGroup ends g's Redis subscription in the background; l.mu is held.
func (l *Layer) stopGroup(g *group) {
	g.wanted.Store(false)
	l.hmu.Lock()
	g.stopped = true
	if g.lost {
		g.lost = false
		l.h.lost--
		l.updateHealth()
	}
	l.hmu.Unlock()
	l.stopping[g.name] = g.done
	l.retiredRecv += g.received.Load()
	l.running.Add(1)
	go func() {
		defer l.running.Done()
		// UNSUBSCRIBE makes Receive return; cancelling its context covers
		// a Redis that is down or slow to answer.
		ctx, cancel := context.WithTimeout(context.Background(), unsubscribeTimeout)
		c := l.client
		if via := g.via.Load(); via != nil {
			c = *via
		}
		err := c.Do(ctx, l.unsubscribeCmd(c, g.channel)).Error()
		cancel()
		if err != nil && !errors.Is(err, rueidis.ErrClosing) {
			l.opts.Logger.Debug("redislayer: unsubscribe failed; dropping the subscription locally",
				"group", g.name, "error", err)
		}
		g.cancel()
		<-g.done
		l.mu.Lock()
		if l.stopping[g.name] == g.done {
			delete(l.stopping, g.name)
		}
		l.mu.Unlock()
	}()
}

// receive runs g's subscription until the group is no longer wanted,
// subscribing again whenever Receive returns while the group is still
// wanted: the connection broke (then once Redis answers again), Redis
// refused (then with backoff), or a stray unsubscribe confirmation.
func (l *Layer) receive(g *group) {
	defer l.running.Done()
	defer close(g.done)
	if g.prev != nil {
		select {
		case <-g.prev:
		case <-g.ctx.Done():
			return
		}
	}
	onSubscription := func(s rueidis.PubSubSubscription) {
		if (s.Kind == "subscribe" || s.Kind == "ssubscribe") && s.Channel == g.channel {
			l.confirmations.Add(1)
			g.confirmations.Add(1)
			g.readyOnce.Do(func() { close(g.ready) })
			l.groupBack(g)
		}
	}
	onMessage := func(msg rueidis.PubSubMessage) { l.onMessage(g, msg) }
	const firstBackoff = 50 * time.Millisecond
	backoff := firstBackoff
	failing := false
	for {
		before := g.confirmations.Load()
		c := l.channelClient(g.channel)
		g.via.Store(&c)
		// rueidis calls the return hook each time a Receive attempt ends.
		// When the connection broke under a subscription, the group is
		// lost until its next confirmation; cancelling the attempt stops
		// rueidis from resubscribing on its own backoff (up to a second
		// after Redis is back), so this loop resubscribes instead as soon
		// as the health check finds Redis answering again.
		actx, acancel := context.WithCancel(g.ctx)
		var lostErr error
		actx = rueidis.WithOnSubscriptionHook(actx, onSubscription)
		actx = rueidis.WithOnReceiveReturnHook(actx, func(err error, _ rueidis.CommandClient) error {
			if err != nil && l.groupLost(g, err) {
				lostErr = err
				acancel()
			}
			return err
		})
		err := c.Receive(actx, l.subscribeCmd(c, g.channel), onMessage)
		acancel()
		if !g.wanted.Load() || g.ctx.Err() != nil || errors.Is(err, rueidis.ErrClosing) {
			return
		}
		var re *rueidis.RedisError
		if lostErr != nil {
			err = lostErr
		}
		if err != nil && !errors.As(err, &re) && !errors.Is(err, context.Canceled) {
			l.setReachable(err) // until a PING or PUBLISH is answered
		}
		if g.confirmations.Load() != before {
			backoff, failing = firstBackoff, false // it worked for a while
		}
		if err != nil {
			l.nodes.forget() // the cluster's topology may have changed
			select {
			case <-g.ready:
			default:
				// Never subscribed: tell the waiting Subscribe calls
				// instead of letting them time out.
				g.failOnce.Do(func() {
					g.failErr = err
					close(g.failed)
				})
			}
			switch {
			case lostErr != nil:
				// The connection broke: the layer logs its health once
				// for all groups.
				l.opts.Logger.Debug("redislayer: subscription lost; resubscribing when Redis answers",
					"group", g.name, "error", err)
			case !failing:
				l.opts.Logger.Warn("redislayer: subscription failed; retrying with backoff",
					"group", g.name, "error", err)
			}
			failing = lostErr == nil
		}
		// While Redis is unreachable, wait for the health check to find it
		// answering (every 100 ms then) rather than retry into a dead
		// connection, where rueidis would retry on its own backoff.
		back := l.redisBack()
		select {
		case <-back:
		default:
			select {
			case <-back:
				continue
			case <-g.ctx.Done():
				return
			}
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-g.ctx.Done():
			t.Stop()
			return
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// onMessage decodes a message from Redis and hands it to the local
// subscribers. It runs on the group's Receive goroutine, which rueidis
// feeds from the connection's read loop through a small buffer; blocking
// here would stall every command on that connection, so it only queues
// (Memory.Publish never blocks; a full subscriber queue drops and counts),
// unless InlineDelivery asked for deliver to run here.
func (l *Layer) onMessage(g *group, msg rueidis.PubSubMessage) {
	g.received.Add(1)
	m, origin, err := decodeEnvelope(msg.Message)
	if origin == l.origin {
		return // delivered locally when it was published
	}
	if err != nil {
		if l.decodeErrors.Add(1) == 1 {
			l.opts.Logger.Warn("redislayer: dropping a message that is not a chanx envelope (logged once; see Stats.DecodeErrors)",
				"channel", msg.Channel, "error", err)
		}
		return
	}
	_ = l.local.Publish(context.Background(), g.name, m) // fails only after Close
}

// channelClient is the client a channel's PUBLISH, SUBSCRIBE and
// UNSUBSCRIBE go through: on a cluster without sharding, one node per
// channel (nodeCache). rueidis would send these unkeyed commands to any
// node; a publisher's messages could then overtake each other, and a
// message that entered the cluster at another node before a subscription
// could still reach it by the cluster bus after Subscribe returned.
func (l *Layer) channelClient(channel string) rueidis.Client {
	if l.cluster && !l.opts.Sharded {
		return l.nodes.pick(l.client, channel)
	}
	return l.client
}

func (l *Layer) subscribeCmd(c rueidis.Client, channel string) rueidis.Completed {
	if l.opts.Sharded {
		return c.B().Ssubscribe().Channel(channel).Build()
	}
	return c.B().Subscribe().Channel(channel).Build()
}

func (l *Layer) unsubscribeCmd(c rueidis.Client, channel string) rueidis.Completed {
	if l.opts.Sharded {
		return c.B().Sunsubscribe().Channel(channel).Build()
	}
	return c.B().Unsubscribe().Channel(channel).Build()
}

// nodeCache picks the cluster node a channel's non-sharded PUBLISH and
// SUBSCRIBE go to. rueidis sends unkeyed commands to any node, and
// messages that enter the cluster at different nodes can overtake each
// other on the way to the subscriber's node; sending each channel's
// messages through one node keeps one publisher's messages in order, and
// subscribing on that node too means a message reaches exactly the
// subscriptions that node had when it was published.
type nodeCache struct {
	snap atomic.Pointer[nodeSnapshot]
	mu   sync.Mutex // one refresh at a time
}

type nodeSnapshot struct {
	nodes   []rueidis.Client // sorted by address
	fetched time.Time
}

// nodeCacheTTL bounds how long a topology snapshot is used.
const nodeCacheTTL = 10 * time.Second

func (c *nodeCache) pick(client rueidis.Client, channel string) rueidis.Client {
	snap := c.snap.Load()
	if snap == nil || time.Since(snap.fetched) > nodeCacheTTL {
		snap = c.refresh(client)
	}
	if len(snap.nodes) == 0 {
		return client
	}
	// FNV-1a, inline to stay allocation-free.
	h := uint32(2166136261)
	for i := 0; i < len(channel); i++ {
		h = (h ^ uint32(channel[i])) * 16777619
	}
	return snap.nodes[h%uint32(len(snap.nodes))]
}

func (c *nodeCache) refresh(client rueidis.Client) *nodeSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if snap := c.snap.Load(); snap != nil && time.Since(snap.fetched) <= nodeCacheTTL {
		return snap // another publisher refreshed it
	}
	byAddr := client.Nodes()
	addrs := make([]string, 0, len(byAddr))
	for a := range byAddr {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	snap := &nodeSnapshot{fetched: time.Now()}
	for _, a := range addrs {
		snap.nodes = append(snap.nodes, byAddr[a])
	}
	c.snap.Store(snap)
	return snap
}

func (c *nodeCache) forget() { c.snap.Store(nil) }

// newOrigin returns a random name for a Layer, unique across processes.
func newOrigin() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
