package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/wire"
)

// Defaults for the Options fields left zero.
const (
	DefaultReadLimit         = 1 << 20
	DefaultDiscriminator     = "action"
	DefaultSendQueue         = 256
	DefaultInboundQueue      = 64
	DefaultSlowClientTimeout = 5 * time.Second
	DefaultPingInterval      = 30 * time.Second
	DefaultPingTimeout       = 15 * time.Second
	DefaultCloseTimeout      = 5 * time.Second
	DefaultReadBufferSize    = 1 << 10
	DefaultWriteBufferSize   = 1 << 10
)

// maxInlineBudget bounds how long a handler runs on the goroutine that
// reads its connection before reading moves to another goroutine: long
// enough for a typical handler to answer with no goroutine hand-off,
// short against keepalive and close timings. The watchdog looks every
// budget, so a hand-off comes between one and two budgets in.
const maxInlineBudget = 5 * time.Millisecond

// AuthMode says what a server does when Authenticate rejects a request.
type AuthMode uint8

const (
	// AuthReject answers the HTTP upgrade request with 401 or 403 and never
	// opens a WebSocket: the safer default.
	AuthReject AuthMode = iota
	// AuthInBand is Python Chanx's behaviour: accept the WebSocket, send
	// an `authentication` frame with the outcome (also on success), and
	// close with 1008 on failure.
	AuthInBand
)

// Options configures a Server. The zero value serves with every default.
type Options struct {
	// Layer carries group broadcasts and events between processes.
	// Default: a private in-memory layer, so groups span this server only.
	// Share one layer (layer.NewMemory, redislayer) with the code that
	// calls Publish or SendToConn from outside a connection.
	Layer layer.Layer

	// Logger receives structured logs: connections opened, closed (code
	// and reason) and rejected by authentication at Info, frames handled
	// at Debug, handler failures at Warn, panics at Error. Conn.AddLogAttrs
	// adds attributes (the user) to a connection's lines. Default:
	// slog.Default().
	Logger *slog.Logger

	// Metrics receives counters and handler timings. Default:
	// metrics.Nop{} (and then no clock is read per frame for it).
	Metrics metrics.Metrics

	// ReadLimit is the largest frame in bytes a client may send; a bigger
	// one closes that connection with 1009. Default: 1 MiB
	// (DefaultReadLimit); negative disables the limit.
	ReadLimit int64

	// MaxDepth is the deepest nesting of objects and arrays accepted in a
	// frame; a deeper frame is answered with an error frame. Default:
	// wire.DefaultMaxDepth.
	MaxDepth int

	// Discriminator is the top-level field that names a frame's message
	// on channels that do not set ChannelOptions.Discriminator; the
	// server's own frames (errors, pong, completions, authentication) use
	// it too. It may not be a reserved envelope key (wire.ReservedKeys).
	// Default: "action".
	Discriminator string

	// OriginPatterns lists the other origins (host patterns such as
	// "*.example.com", or "scheme://host" patterns) allowed to open a
	// WebSocket from a browser. Default: none, so only same-host origins
	// and non-browser clients (no Origin header) connect.
	OriginPatterns []string

	// InsecureSkipOriginCheck accepts every Origin. Default: false. Only
	// for development: it lets any web page use a visitor's cookies here.
	InsecureSkipOriginCheck bool

	// Subprotocols the server may negotiate, in order of preference.
	// Default: none.
	Subprotocols []string

	// Authenticate, when set, runs on the upgrade request of every channel
	// that does not set its own; it returns the principal Conn.Principal
	// reports, or an error (an *AuthError picks the status code; any other
	// error means 401). Default: nil, everyone is accepted.
	Authenticate func(r *http.Request) (principal any, err error)

	// AuthMode picks how a failed Authenticate is reported. Default:
	// AuthReject.
	AuthMode AuthMode

	// Completions sends `complete` after each handled client frame,
	// `group_complete` after each group broadcast and `event_complete`
	// after each event delivered. Default: off.
	Completions bool

	// Camelize puts camelCase keys on the wire: outgoing frames are
	// rewritten from snake_case, incoming ones back to snake_case before
	// routing. Default: off.
	Camelize bool

	// SendQueue is how many frames may wait for one connection's writer.
	// A broadcast or event that finds the queue full is dropped and
	// counted; the connection's own traffic (handler replies, Conn.Send,
	// Stream.Send) waits for room instead. Default: 256
	// (DefaultSendQueue).
	SendQueue int

	// SlowClientTimeout is how long a connection's queue may stay full
	// before the connection is closed with 1008 and counted; a Send
	// waiting for room that long returns ErrSlowClient. Default: 5 s.
	SlowClientTimeout time.Duration

	// InboundQueue is how many frames one connection may have read and
	// not yet handled (waiting for the handler before them, or running
	// concurrently). The frame one more would make is not handled: the
	// connection is closed with 1008 "inbound queue full" and handlers see
	// ErrInboundOverrun. Each waiting frame holds its bytes, so the memory
	// a connection can take is at most InboundQueue × ReadLimit. Default:
	// 64 (DefaultInboundQueue).
	InboundQueue int

	// PingInterval is the time between keepalive pings. Default: 30 s;
	// negative disables keepalive.
	PingInterval time.Duration

	// PingTimeout is how long a pong may take before the connection is
	// dropped. Default: 15 s.
	PingTimeout time.Duration

	// CloseTimeout bounds a close handshake; past it the connection is
	// dropped without one. Default: 5 s.
	CloseTimeout time.Duration

	// ReadBufferSize and WriteBufferSize size the buffers a connection
	// reads frames through and writes them through, which it keeps while
	// it is open. net/http's are 4 KiB each, about a third of what an idle
	// connection costs; smaller ones save that memory at the price of an
	// extra system call where a frame does not fit (a frame bigger than
	// WriteBufferSize is written in two; frames larger than ReadBufferSize,
	// or several arriving together, take more reads). Default: 1 KiB each
	// (DefaultReadBufferSize, DefaultWriteBufferSize), which holds typical
	// chat frames whole; negative keeps net/http's buffers.
	ReadBufferSize  int
	WriteBufferSize int

	// MaxConnections caps the connections this server holds open (and
	// upgrading): the next upgrade request is answered 503 Service
	// Unavailable with a Retry-After header and a body saying the server
	// is at capacity, counted as ConnectionRejected reason "capacity" and
	// logged at Info. ChannelOptions.MaxConnections caps one channel.
	// Default: 0, no cap.
	MaxConnections int

	// RateLimit bounds the frames each connection may send per second
	// (see RateLimit). Default: none.
	RateLimit RateLimit

	// Compression turns on permessage-deflate (RFC 7692) for clients that
	// ask for it; others are served uncompressed. It costs memory and CPU
	// per connection: websocket.CompressionContextTakeover keeps a 32 KiB
	// window and a flate writer for the life of every connection that has
	// written a compressed frame (measured: 1.27 MB per connection, about
	// 47 times an uncompressed one) and compresses repetitive JSON best;
	// websocket.CompressionNoContextTakeover takes a writer from a pool
	// per message (measured: 7 KB more per connection) and compresses each
	// frame on its own (docs/PERFORMANCE.md, BenchmarkCompressionMemory).
	// Safari does not offer the extension. Default:
	// websocket.CompressionDisabled, off.
	Compression websocket.CompressionMode

	// HandlerHook, when set, runs around every routed frame's handler:
	// it gets the handlers' context, the connection and the action, and
	// returns the context the handler runs with (carrying a tracing span,
	// say) and a function the server calls with the handler's outcome
	// once it returns. runtime/otelchanx builds one for OpenTelemetry.
	// Built-in answers (pong, error frames for frames no handler takes)
	// do not go through it. Default: nil, nothing runs.
	HandlerHook func(ctx context.Context, c *Conn, action string) (context.Context, func(err error))

	// CompressionThreshold is the smallest frame, in bytes, that is
	// compressed when Compression is on. Default: the library's, 128
	// bytes with context takeover, 512 without.
	CompressionThreshold int

	// LayerTracing, when set, carries trace context through the channel
	// layer: the context of a handler's Broadcast (or of Server.Publish)
	// goes into layer.Message.Meta, and the process that fans the message
	// out to its connections starts its delivery there.
	// otelchanx.LayerTracing builds one for OpenTelemetry (W3C trace
	// context). Default: nil, no Meta is set and nothing runs per message.
	LayerTracing LayerTracing
}

// LayerTracing carries trace context through the channel layer (see
// Options.LayerTracing). Its methods are called once per published and
// per delivered message, and must be safe for concurrent use.
type LayerTracing interface {
	// Inject returns the Meta of a message published to group from ctx,
	// nil when ctx carries no trace.
	Inject(ctx context.Context, group string) map[string]string
	// Deliver is called as this process starts to fan a message of group
	// out to its connections, with the message's Meta (nil for none); it
	// returns a func the server calls once the message is queued for
	// every local member, with their number.
	Deliver(group string, meta map[string]string) (done func(members int))
}

// AuthError is returned by an Authenticate function to choose the HTTP
// status (401 or 403, say) and the detail the client sees. Other errors
// are reported as 401 with a generic detail, so nothing leaks.
type AuthError struct {
	StatusCode int
	Detail     string
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("server: authentication failed (%d): %s", e.StatusCode, e.Detail)
}

// Server is the chanx WebSocket server, an http.Handler. Mount channels
// with Channel before serving; Shutdown closes every connection.
type Server struct {
	opts     Options
	log      *slog.Logger
	met      metrics.Metrics
	timed    bool // met is not Nop: handlers are timed for HandlerDuration
	layer    layer.Layer
	ownLayer bool
	mux      *http.ServeMux
	prefix   string // process-unique start of every connection id
	// inlineBudget is how long a handler runs on the goroutine that reads
	// its connection before reading moves to another (Conn.inline).
	inlineBudget time.Duration
	// deferMax is how many frames may wait for a read loop's deferred
	// write (Conn.readLoop) before a sender writes them.
	deferMax int
	nextID   atomic.Uint64
	open     atomic.Int64 // connections holding a slot, with MaxConnections

	mu      sync.RWMutex
	conns   map[string]*Conn
	groups  map[string]*group
	closing bool

	topicGroups topicRegistry  // topic.go
	handler     sync.WaitGroup // running connection handlers
	// watching says the watchdog (watch) runs; it runs while conns is
	// not empty.
	watching bool

	inboxMu     sync.Mutex
	inboxCancel func()

	closeLayer sync.Once
}

// New returns a server configured by opts.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.Nop{}
	}
	if opts.ReadLimit == 0 {
		opts.ReadLimit = DefaultReadLimit
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = wire.DefaultMaxDepth
	}
	if opts.Discriminator == "" {
		opts.Discriminator = DefaultDiscriminator
	}
	if opts.SendQueue <= 0 {
		opts.SendQueue = DefaultSendQueue
	}
	if opts.InboundQueue <= 0 {
		opts.InboundQueue = DefaultInboundQueue
	}
	if opts.SlowClientTimeout <= 0 {
		opts.SlowClientTimeout = DefaultSlowClientTimeout
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.PingTimeout <= 0 {
		opts.PingTimeout = DefaultPingTimeout
	}
	if opts.CloseTimeout <= 0 {
		opts.CloseTimeout = DefaultCloseTimeout
	}
	opts.RateLimit = opts.RateLimit.withDefaults()
	if opts.ReadBufferSize == 0 {
		opts.ReadBufferSize = DefaultReadBufferSize
	}
	if opts.WriteBufferSize == 0 {
		opts.WriteBufferSize = DefaultWriteBufferSize
	}
	s := &Server{
		opts:   opts,
		log:    opts.Logger,
		met:    opts.Metrics,
		timed:  opts.Metrics != metrics.Metrics(metrics.Nop{}),
		layer:  opts.Layer,
		mux:    http.NewServeMux(),
		prefix: newPrefix(),
		conns:  make(map[string]*Conn),
		groups: make(map[string]*group),
	}
	s.inlineBudget = min(maxInlineBudget, opts.PingTimeout/4)
	s.deferMax = min(64, opts.SendQueue/2)
	if s.layer == nil {
		s.layer = layer.NewMemory()
		s.ownLayer = true
	}
	return s
}

// newPrefix returns 12 random hex digits: connection ids start with it, so
// SendToConn finds the process that holds a connection.
func newPrefix() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; a clock-based
		// prefix still keeps ids distinct between processes in practice.
		return fmt.Sprintf("%012x", time.Now().UnixNano()&0xffffffffffff)
	}
	return hex.EncodeToString(b[:])
}

// Layer returns the channel layer the server publishes to and subscribes
// from, for typed senders that run outside any connection.
func (s *Server) Layer() layer.Layer { return s.layer }

// ServeHTTP routes the request to the channel mounted at its path, or to
// an http.Handler mounted with HandleHTTP.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// HandleHTTP mounts a plain HTTP handler next to the channels (for
// example the AsyncAPI document). pattern is an http.ServeMux pattern.
func (s *Server) HandleHTTP(pattern string, h http.Handler) error {
	if err := s.mount(pattern, h); err != nil {
		return fmt.Errorf("server: mount %q: %w", pattern, err)
	}
	return nil
}

// mount registers h on the mux, turning the mux's panic on a bad or
// duplicate pattern into an error.
func (s *Server) mount(pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	s.mux.Handle(pattern, h)
	return nil
}

// Channel mounts a channel at address, an AsyncAPI channel address such as
// "/ws/chat/{room}" (a missing leading slash is added); {name} segments
// become path parameters read with Conn.Param. Register its handlers with
// Handle before the server serves.
func (s *Server) Channel(address string, opts ChannelOptions) (*Channel, error) {
	pattern := address
	if !strings.HasPrefix(pattern, "/") {
		pattern = "/" + pattern
	}
	key := opts.Discriminator
	if key == "" {
		key = s.opts.Discriminator
	}
	env, err := wire.NewEnvelope(key)
	if err != nil {
		return nil, fmt.Errorf("server: channel %q: %w", address, err)
	}
	ch := &Channel{srv: s, pattern: pattern, opts: opts, env: env}
	if err := s.mount(pattern, ch); err != nil {
		return nil, fmt.Errorf("server: channel %q: %w", address, err)
	}
	return ch, nil
}

// Publish sends frame as a server event to every member of group, in every
// process sharing the server's layer. frame is a []byte holding an encoded
// frame, or a value encoding/json turns into one.
func (s *Server) Publish(ctx context.Context, group string, frame any) error {
	return s.publish(ctx, group, layer.Event, frame, "")
}

// SendTo sends frame as a server event to the connection with id connID,
// wherever it lives; a connection of this server is served directly.
func (s *Server) SendTo(ctx context.Context, connID string, frame any) error {
	s.mu.RLock()
	c := s.conns[connID]
	s.mu.RUnlock()
	if c == nil {
		return s.sendToConn(ctx, connID, frame)
	}
	b, err := encodeFrame(frame)
	if err != nil {
		return fmt.Errorf("server: send to %s: %w", connID, err)
	}
	c.deliver(b, layer.Event, s.now())
	return nil
}

// now is the Sent time of a message published here: the clock is read
// only when this process measures deliveries (Metrics set) or may pass
// the message to others, who might.
func (s *Server) now() int64 {
	if !s.timed {
		return 0
	}
	return time.Now().UnixNano()
}

func (s *Server) sendToConn(ctx context.Context, connID string, frame any) error {
	err := SendToConn(ctx, s.layer, connID, frame)
	s.met.LayerPublished(err != nil)
	return err
}

func (s *Server) publish(ctx context.Context, group string, kind layer.Kind, frame any, exclude string) error {
	b, err := encodeFrame(frame)
	if err != nil {
		return fmt.Errorf("server: publish to %s: %w", group, err)
	}
	m := layer.Message{Kind: kind, Frame: b, Exclude: exclude, Sent: time.Now().UnixNano()}
	if t := s.opts.LayerTracing; t != nil {
		m.Meta = t.Inject(ctx, group)
	}
	err = s.layer.Publish(ctx, group, m)
	s.met.LayerPublished(err != nil)
	if err != nil {
		return fmt.Errorf("server: publish to %s: %w", group, err)
	}
	return nil
}

// Publish sends frame as a server event to every member of group through l,
// from code that holds the layer but no server or connection (a worker,
// another process). frame is an encoded []byte or a value for
// encoding/json.
func Publish(ctx context.Context, l layer.Layer, group string, frame any) error {
	b, err := encodeFrame(frame)
	if err != nil {
		return fmt.Errorf("server: publish to %s: %w", group, err)
	}
	if err := l.Publish(ctx, group, layer.Message{Kind: layer.Event, Frame: b, Sent: time.Now().UnixNano()}); err != nil {
		return fmt.Errorf("server: publish to %s: %w", group, err)
	}
	return nil
}

// SendToConn sends frame as a server event to one connection by id through
// l, from anywhere: the id names the process that holds the connection,
// and each server listens on one inbox group for its connections.
func SendToConn(ctx context.Context, l layer.Layer, connID string, frame any) error {
	inbox, ok := inboxOf(connID)
	if !ok {
		return fmt.Errorf("server: send to %q: not a connection id", connID)
	}
	b, err := encodeFrame(frame)
	if err != nil {
		return fmt.Errorf("server: send to %s: %w", connID, err)
	}
	if err := l.Publish(ctx, inbox, layer.Message{Kind: layer.Event, Frame: b, Target: connID, Sent: time.Now().UnixNano()}); err != nil {
		return fmt.Errorf("server: send to %s: %w", connID, err)
	}
	return nil
}

const inboxPrefix = "chanx.inbox."

func inboxOf(connID string) (string, bool) {
	i := strings.LastIndexByte(connID, '.')
	if i <= 0 || i == len(connID)-1 {
		return "", false
	}
	return inboxPrefix + connID[:i], true
}

// ensureInbox subscribes once to this process's inbox group, which carries
// SendToConn traffic. A failure is logged and retried at the next
// connection.
func (s *Server) ensureInbox(ctx context.Context) {
	s.inboxMu.Lock()
	defer s.inboxMu.Unlock()
	if s.inboxCancel != nil {
		return
	}
	cancel, err := layer.SubscribeInline(ctx, s.layer, inboxPrefix+s.prefix, s.deliverInbox)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "chanx: subscribe to inbox failed", slog.String("error", err.Error()))
		return
	}
	s.inboxCancel = cancel
}

func (s *Server) deliverInbox(m layer.Message) {
	s.met.LayerReceived()
	s.mu.RLock()
	c := s.conns[m.Target]
	s.mu.RUnlock()
	if c != nil {
		c.deliver(m.Frame, m.Kind, m.Sent)
	}
}

// Shutdown stops accepting connections, closes every connection with 1001
// (going away) and waits for their handlers to return, all bounded by ctx.
// When ctx ends first, the remaining connections are dropped and ctx's
// error is returned. Shutdown does not stop the http.Server serving s;
// call that one's Shutdown too.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(websocket.StatusGoingAway, "server shutting down",
			fmt.Errorf("%w: %w", ErrShutdown, websocket.CloseError{Code: websocket.StatusGoingAway, Reason: "server shutting down"}))
	}
	done := make(chan struct{})
	go func() {
		s.handler.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range conns {
			c.kill(fmt.Errorf("%w: %w", ErrShutdown, ctx.Err()))
		}
		err = fmt.Errorf("server: shutdown: %w", ctx.Err())
	}
	s.inboxMu.Lock()
	if s.inboxCancel != nil {
		s.inboxCancel()
		s.inboxCancel = nil
	}
	s.inboxMu.Unlock()
	if s.ownLayer {
		s.closeLayer.Do(func() {
			if cerr := s.layer.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("server: shutdown: %w", cerr)
			}
		})
	}
	return err
}

// register adds c to the live connections unless the server is closing.
func (s *Server) register(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c.id] = c
	s.handler.Add(1)
	if !s.watching {
		s.watching = true
		go s.watch()
	}
	return true
}

// watch is the server's watchdog: every inline budget (longer with many
// connections, so a scan costs about 1% of a core) it hands reading off
// the connections whose handler has run inline for the budget
// (Conn.inline). It exits when the server has no connections left;
// register starts it again.
func (s *Server) watch() {
	t := time.NewTimer(s.inlineBudget)
	defer t.Stop()
	for range t.C {
		s.mu.RLock()
		n := len(s.conns)
		for _, c := range s.conns {
			// The same frame inline on two looks: it has run for at
			// least the time between them.
			id := c.inlineFrame.Load()
			if id != 0 && id != handedOffMark && id == c.watchSeen {
				go c.takeOverReading(id)
			}
			c.watchSeen = id
		}
		s.mu.RUnlock()
		if n == 0 {
			s.mu.Lock()
			if len(s.conns) == 0 {
				s.watching = false
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
		}
		t.Reset(max(s.inlineBudget, time.Duration(n)*time.Microsecond))
	}
}

func (s *Server) unregister(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c.id)
	s.mu.Unlock()
	s.handler.Done()
}
