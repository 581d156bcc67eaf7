package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/wire"
)

// ChannelOptions configures one channel. The zero value is valid.
type ChannelOptions struct {
	// OnConnect runs after the upgrade (and authentication), before the
	// first frame is read: the place to Join groups taken from the path.
	// An error closes the connection with 1011 (internal error), or with
	// the code of a websocket.CloseError it wraps. ctx is the one handlers
	// get (see Handle). Default: nil.
	OnConnect func(ctx context.Context, c *Conn) error

	// OnDisconnect runs once the connection has ended, after it left its
	// groups. ctx is no longer the connection's (that one is done); it
	// carries the connection's values. Default: nil.
	OnDisconnect func(ctx context.Context, c *Conn)

	// Authenticate overrides Options.Authenticate for this channel.
	// Default: nil, the server's applies.
	Authenticate func(r *http.Request) (principal any, err error)

	// Discriminator overrides Options.Discriminator for this channel: the
	// key its clients' frames are routed by and the server's own frames
	// are written with. Default: "", the server's applies.
	Discriminator string

	// Route, when set, names the message of each client frame instead of
	// the discriminator's value: for channels whose messages are told
	// apart by the members they have or by schema (ir.StrategyMembers,
	// ir.StrategySchema), with wire.RouteByMembers or wire.RouteBySchema.
	// It returns the action the frame's handler was registered under; a
	// *wire.RouteError is answered with its problems. A frame it refuses
	// whose discriminator is "ping" still gets the built-in pong.
	// Generated Mount functions set it. Default: nil, the discriminator.
	Route func(frame []byte) (action string, err error)

	// MaxConnections caps the connections open on this channel in this
	// process, as Options.MaxConnections caps the server's: the next
	// upgrade request is answered 503. Default: 0, no cap of its own.
	MaxConnections int

	// ConcurrentHandlers runs every handler of the channel as Concurrent
	// does: each frame on its own goroutine as soon as it is read, up to
	// Options.InboundQueue at once per connection. The built-in ping and
	// error answers keep their order. Default: false, one at a time in
	// arrival order.
	ConcurrentHandlers bool

	// PublishAck makes every Conn.Broadcast of the channel wait for the
	// layer's acknowledgement (Redis's reply) and return its error, as
	// the WaitAck option does for one call. Default: false: with a layer
	// that talks to other processes (Redis) broadcasts are pipelined, and
	// a failure reaches the sender later as an error frame (see
	// Conn.Broadcast for what each mode's return means).
	PublishAck bool
}

// Channel is one mounted AsyncAPI channel: its address pattern, its hooks
// and the handlers its frames are routed to by discriminator.
type Channel struct {
	srv     *Server
	pattern string
	opts    ChannelOptions
	env     *wire.Envelope // the frame shape: discriminator key, built-in frames

	mu     sync.Mutex // serializes Handle calls
	routes atomic.Pointer[routeTable]
	open   atomic.Int64             // connections holding a slot, with MaxConnections
	topics atomic.Pointer[topicSet] // the channel's topics (topic.go), nil for none
}

// routeTable is replaced, never modified, when a handler is added, so the
// per-frame lookup takes no lock.
type routeTable struct {
	byAction   map[string]*route
	known      []string // actions clients may send, sorted, for unknown-action errors
	concurrent bool     // some route is concurrent: the read loop peeks at frames
}

// Pattern returns the http.ServeMux pattern the channel is mounted at.
func (ch *Channel) Pattern() string { return ch.pattern }

// route decodes, validates and handles one action.
type route struct {
	action string
	// serve handles frame number id (the connection's count of frames
	// read, which orders a cancel after the requests it may cancel).
	serve func(ctx context.Context, c *Conn, id uint64, frame []byte) (reply any, err error)
	// failed is the generic handler-error frame for action, encoded once.
	failed []byte
	// concurrent routes run on a goroutine of their own (Concurrent).
	concurrent bool
}

// invalidFrame carries the problems of a frame that failed to decode or
// validate, so the dispatcher tells it apart from a handler failure.
type invalidFrame struct{ problems []wire.Problem }

func (e *invalidFrame) Error() string { return "server: invalid frame" }

// HandleOption tunes one handler.
type HandleOption func(*handleConfig)

type handleConfig struct {
	validateFrame func(frame []byte) error
	concurrent    bool
	cancelKey     any // func(*T) string, set by CancelKey
	cancels       any // func(*T) string, set by Cancels: the route cancels, then h runs
}

// Concurrent lets the handler's frames run as soon as they are read, each
// on a goroutine of its own, instead of one at a time after the frames
// before them: for independent requests (a lookup that need not wait for a
// long generation) and for cancel operations (HandleCancel). Its replies
// go out when each finishes, so they can overtake earlier answers.
// Concurrent frames count towards Options.InboundQueue while they run.
func Concurrent() HandleOption {
	return func(cfg *handleConfig) { cfg.concurrent = true }
}

// ValidateWith sets a validator for the raw frame, run before decoding:
// typically a JSON Schema compiled at start-up, the fallback for message
// types without a wire.Validator or for keywords theirs does not check
// (both run when both exist). It returns nil or a *wire.ValidationError
// (any other error is reported as one problem of type "value_error"). It
// must not keep the frame.
func ValidateWith(validate func(frame []byte) error) HandleOption {
	return func(cfg *handleConfig) { cfg.validateFrame = validate }
}

// Handle routes frames whose discriminator is action to h: the frame is
// decoded once into a new T, validated (the ValidateWith fallback on the
// raw frame, then T's wire.Validator), and passed to h. What h returns is sent to the
// sender, unless it is nil; an error is answered with the handler-error
// frame, except a *wire.ValidationError, answered with its problems, and
// an *Error, answered with its code and message.
//
// The frame is decoded as json.Unmarshal decodes it; for a struct chanx
// generated, by calling its UnmarshalJSON directly, which checks the text
// the same way and spares json.Unmarshal's two extra scans of the frame.
// The reply is encoded as json.Marshal encodes it; for a value that also
// implements validate.JSONAppender, by appending it to a pooled buffer.
// Registering an action twice replaces the handler; a "ping" handler
// replaces the built-in pong.
//
// A connection's handlers run one at a time in the order its frames
// arrive, off the loop that reads it, unless Concurrent is given; ctx is
// cancelled when the connection starts to end, with the reason as its
// cause (see the package documentation), and the reply waits for room in
// the send queue like Conn.Send.
func Handle[T, R any](ch *Channel, action string, h func(ctx context.Context, c *Conn, msg *T) (R, error), opts ...HandleOption) {
	var cfg handleConfig
	for _, o := range opts {
		o(&cfg)
	}
	_, isValidator := any(new(T)).(wire.Validator)
	direct := checksOwnText[T]()
	validateFrame := cfg.validateFrame
	var keyOf func(*T) string
	if cfg.cancelKey != nil {
		var ok bool
		if keyOf, ok = cfg.cancelKey.(func(*T) string); !ok {
			panic(fmt.Sprintf("server: Handle %q: CancelKey takes a %T, the handler's message is %T", action, cfg.cancelKey, new(T)))
		}
	}
	var cancelsOf func(*T) string
	if cfg.cancels != nil {
		var ok bool
		if cancelsOf, ok = cfg.cancels.(func(*T) string); !ok {
			panic(fmt.Sprintf("server: Handle %q: Cancels takes a %T, the handler's message is %T", action, cfg.cancels, new(T)))
		}
	}
	concurrent := cfg.concurrent || ch.opts.ConcurrentHandlers
	ch.add(&route{action: action, failed: ch.env.HandlerError(action), concurrent: concurrent, serve: func(ctx context.Context, c *Conn, id uint64, frame []byte) (any, error) {
		if validateFrame != nil {
			if err := validateFrame(frame); err != nil {
				return nil, &invalidFrame{problemsOf(err)}
			}
		}
		msg := new(T)
		var err error
		if direct {
			err = any(msg).(json.Unmarshaler).UnmarshalJSON(frame)
		} else {
			err = json.Unmarshal(frame, msg)
		}
		if err != nil {
			return nil, &invalidFrame{wire.DecodeProblems(err)}
		}
		if isValidator {
			if err := any(msg).(wire.Validator).Validate(); err != nil {
				return nil, &invalidFrame{problemsOf(err)}
			}
		}
		if cancelsOf != nil {
			c.cancelUpTo(cancelsOf(msg), id) // then h answers, if it does
		}
		if keyOf != nil {
			var release func()
			ctx, release = c.registerCancel(ctx, keyOf(msg), id)
			defer release()
		}
		reply, err := h(ctx, c, msg)
		if err != nil {
			return nil, err
		}
		return replyValue(reply), nil
	}})
}

// HandleNoReply is Handle for messages that have no reply.
func HandleNoReply[T any](ch *Channel, action string, h func(ctx context.Context, c *Conn, msg *T) error, opts ...HandleOption) {
	Handle(ch, action, func(ctx context.Context, c *Conn, msg *T) (any, error) {
		return nil, h(ctx, c, msg)
	}, opts...)
}

// checksOwnText reports whether Handle may call *T's UnmarshalJSON on a
// frame itself instead of through json.Unmarshal, which first scans the
// whole frame for syntax errors and then scans it again to find the
// value's end before it calls UnmarshalJSON (a third of the decode). That
// is only the same when UnmarshalJSON rejects every text json.Unmarshal
// rejects, with the same error: true of the structs chanx generates,
// which decode through validate.Decoder.Members (it checks the text as
// encoding/json's scanner does and returns its *json.SyntaxError;
// runtime/validate's FuzzReader and codegen/golang's differential test
// hold that) and carry a validate.Object recording the members present.
// That field is the mark looked for: a hand-written UnmarshalJSON (or
// json.RawMessage's, which accepts anything) keeps json.Unmarshal.
func checksOwnText[T any]() bool {
	if _, ok := any(new(T)).(json.Unmarshaler); !ok {
		return false
	}
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return false
	}
	obj := reflect.TypeFor[validate.Object]()
	for i := range t.NumField() {
		if t.Field(i).Type == obj {
			return true
		}
	}
	return false
}

// replyValue boxes a handler's reply, turning a typed nil pointer into nil
// so that "no reply" needs no special type.
func replyValue[R any](r R) any {
	v := any(r)
	if v == nil {
		return nil
	}
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice) && rv.IsNil() {
		return nil
	}
	return v
}

// problemsOf turns a ValidateWith error into the problems of an error
// frame: wire.DecodeProblems for the errors it knows (validation, syntax,
// type), a value_error carrying the message for anything else.
func problemsOf(err error) []wire.Problem {
	var ve *wire.ValidationError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &ve) || errors.As(err, &se) || errors.As(err, &te) {
		return wire.DecodeProblems(err)
	}
	return []wire.Problem{{Type: wire.ProblemValueError, Loc: []any{}, Msg: wire.MsgValueError(err.Error())}}
}

func (ch *Channel) add(r *route) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	next := &routeTable{byAction: make(map[string]*route)}
	if cur := ch.routes.Load(); cur != nil {
		maps.Copy(next.byAction, cur.byAction)
	}
	next.byAction[r.action] = r
	for a, r := range next.byAction {
		next.known = append(next.known, a)
		next.concurrent = next.concurrent || r.concurrent
	}
	if _, ok := next.byAction[wire.ActionPing]; !ok {
		next.known = append(next.known, wire.ActionPing)
	}
	slices.Sort(next.known)
	ch.routes.Store(next)
}

func (ch *Channel) lookup(action []byte) *route {
	t := ch.routes.Load()
	if t == nil {
		return nil
	}
	return t.byAction[string(action)]
}

func (ch *Channel) knownActions() []string {
	if t := ch.routes.Load(); t != nil {
		return t.known
	}
	return []string{wire.ActionPing}
}

// ServeHTTP authenticates the request and upgrades it; the connection is
// then served on a goroutine of its own, and ServeHTTP returns. A
// middleware around a channel therefore sees the upgrade, not the
// connection's life (Server.Shutdown and the Metrics see that); the
// request's context values stay with the connection (Conn.Context), its
// cancellation when ServeHTTP returns does not.
//
// Returning is what keeps an idle connection small: net/http's goroutine
// ends, and with it the stack the upgrade grew and net/http's frames under
// the read loop, and net/http's per-connection state becomes garbage. The
// connection's goroutine holds only small frames (serve, Conn.run and the
// read loop) while it waits, so the garbage collector shrinks the stack
// that handling a frame grew.
func (ch *Channel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !ch.reserve(w, r) {
		return
	}
	c := ch.accept(w, r)
	if c == nil {
		ch.release()
		return
	}
	go ch.serve(c)
}

// serve runs an accepted connection until it ends.
// net/http no longer stands behind it, so a panic that escapes the
// runtime's own recovery (handlers and hooks have theirs) is logged and
// ends this connection, not the process.
func (ch *Channel) serve(c *Conn) {
	defer ch.release()
	defer ch.srv.unregister(c)
	defer func() {
		if p := recover(); p != nil {
			c.srv.log.LogAttrs(c.ctx, slog.LevelError, "chanx: panic serving connection",
				slog.String("conn", c.id), slog.String("channel", ch.pattern),
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			c.kill(fmt.Errorf("%w: panic serving connection: %v", ErrConnectionLost, p))
		}
	}()
	c.run()
}

// accept authenticates and upgrades the request and registers the
// connection; nil means the request was answered and nothing is left to do.
//
//go:noinline
func (ch *Channel) accept(w http.ResponseWriter, r *http.Request) *Conn {
	s := ch.srv
	s.mu.RLock()
	closing := s.closing
	s.mu.RUnlock()
	if closing {
		s.met.ConnectionRejected(ch.pattern, "shutdown")
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return nil
	}
	auth := ch.opts.Authenticate
	if auth == nil {
		auth = s.opts.Authenticate
	}
	var (
		principal any
		authErr   error
	)
	if auth != nil {
		principal, authErr = auth(r)
		if authErr != nil && s.opts.AuthMode == AuthReject {
			status, detail := authStatus(authErr)
			s.met.ConnectionRejected(ch.pattern, "auth")
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "chanx: connection rejected",
				slog.String("channel", ch.pattern), slog.String("reason", "auth"), slog.Int("status", status),
				slog.String("remote", r.RemoteAddr), slog.String("error", authErr.Error()))
			http.Error(w, detail, status)
			return nil
		}
	}
	sw := s.sizedBuffers(w)
	ws, err := websocket.Accept(sw, r, &websocket.AcceptOptions{
		Subprotocols:         s.opts.Subprotocols,
		OriginPatterns:       s.opts.OriginPatterns,
		InsecureSkipVerify:   s.opts.InsecureSkipOriginCheck,
		CompressionMode:      s.opts.Compression,
		CompressionThreshold: s.opts.CompressionThreshold,
	})
	if err != nil {
		// Accept has answered the request (403 for a foreign origin, 426
		// without an upgrade).
		s.met.ConnectionRejected(ch.pattern, "upgrade")
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "chanx: upgrade failed",
			slog.String("channel", ch.pattern), slog.String("error", err.Error()))
		return nil
	}
	ws.SetReadLimit(s.opts.ReadLimit)
	c := newConn(s, ch, ws, rawConn(sw), r, principal)
	attachSocket(c, sw)
	c.authErr, c.authenticated = authErr, auth != nil
	if !s.register(c) {
		// Shutdown began during the upgrade: drop the connection, as no
		// reader is left to see a close handshake through.
		s.met.ConnectionRejected(ch.pattern, "shutdown")
		c.kill(ErrShutdown)
		c.wait()
		return nil
	}
	return c
}

// authStatus picks the HTTP status and client-visible detail for a failed
// authentication.
func authStatus(err error) (int, string) {
	var ae *AuthError
	if errors.As(err, &ae) && ae.StatusCode >= 400 && ae.StatusCode < 600 {
		detail := ae.Detail
		if detail == "" {
			detail = http.StatusText(ae.StatusCode)
		}
		return ae.StatusCode, detail
	}
	return http.StatusUnauthorized, "Authentication credentials were not provided or are invalid."
}

// dispatch answers client frame number id: built-in answers and error
// frames here, routed frames in handle.
func (c *Conn) dispatch(id uint64, frame []byte) {
	s := c.srv
	if s.opts.Camelize {
		frame = wire.SnakeizeKeys(frame)
	}
	var topical bool
	if frame, topical = c.topicFrame(id, frame); topical { // envelope keys, topic traffic (topic_conn.go)
		return
	}
	env := c.ch.env
	var action []byte
	var err error
	if route := c.ch.opts.Route; route != nil {
		action, err = c.route(route, frame)
	} else {
		action, err = env.Peek(frame, s.opts.MaxDepth)
	}
	if err != nil {
		s.met.FrameReceived(c.ch.pattern, "unknown")
		s.met.FrameError(c.ch.pattern, peekReason(err))
		c.logFrame(id, slog.LevelDebug, "chanx: frame rejected", slog.String("error", err.Error()))
		var re *wire.RouteError
		if errors.As(err, &re) && len(re.Problems) > 0 {
			c.answer(env.Problems(re.Problems))
			return
		}
		p := wire.PeekProblem(err, env.Key())
		if errors.Is(err, wire.ErrNotString) {
			p = wire.TagNotStringProblem(frame, env.Key(), c.ch.knownActions())
		}
		c.answer(env.Problems([]wire.Problem{p}))
		return
	}
	r := c.ch.lookup(action)
	if r == nil {
		if string(action) == wire.ActionPing {
			s.met.FrameReceived(c.ch.pattern, wire.ActionPing)
			if !json.Valid(frame) {
				s.met.FrameError(c.ch.pattern, metrics.ReasonInvalidJSON)
				c.answer(env.Problems([]wire.Problem{wire.PeekProblem(wire.ErrNotJSON, env.Key())}))
				return
			}
			c.answer(env.Pong())
			return
		}
		s.met.FrameReceived(c.ch.pattern, "unknown")
		s.met.FrameError(c.ch.pattern, metrics.ReasonUnknownAction)
		c.logFrame(id, slog.LevelDebug, "chanx: frame rejected", slog.String("action", string(action)),
			slog.String("error", "unknown action"))
		c.answer(env.Problems([]wire.Problem{wire.UnknownActionProblem(env.Key(), string(action), c.ch.knownActions())}))
		return
	}
	c.handle(id, r, frame)
}

// route names frame's action with ChannelOptions.Route; a frame it
// refuses that is the protocol's ping stays a ping.
func (c *Conn) route(route func([]byte) (string, error), frame []byte) ([]byte, error) {
	name, err := route(frame)
	if err == nil {
		return []byte(name), nil
	}
	if a, perr := c.ch.env.Peek(frame, c.srv.opts.MaxDepth); perr == nil && string(a) == wire.ActionPing {
		return a, nil
	}
	return nil, err
}

// handle runs route r for frame number id (snake_case keys) and answers
// it.
func (c *Conn) handle(id uint64, r *route, frame []byte) {
	s := c.srv
	env := c.ch.env
	s.met.FrameReceived(c.ch.pattern, r.action)
	debug := c.logger().Enabled(c.ctx, slog.LevelDebug)
	var start time.Time
	if debug || s.timed {
		start = time.Now()
	}
	ctx := c.hctx
	var end func(error)
	if hook := s.opts.HandlerHook; hook != nil {
		ctx, end = hook(ctx, c, r.action)
	}
	reply, err := c.call(ctx, id, r, frame)
	err = partialDelivery(err)
	if end != nil {
		end(err)
	}
	if debug || s.timed {
		took := time.Since(start)
		if s.timed {
			s.met.HandlerDuration(c.ch.pattern, r.action, took)
		}
		if debug {
			c.logFrame(id, slog.LevelDebug, "chanx: frame handled", slog.String("action", r.action),
				slog.Duration("duration", took), slog.Bool("ok", err == nil))
		}
	}
	if err != nil {
		var inv *invalidFrame
		var ce *Error
		var ve *wire.ValidationError
		switch {
		case errors.As(err, &inv):
			s.met.FrameError(c.ch.pattern, metrics.ReasonValidation)
			c.answer(env.Problems(inv.problems))
		case errors.As(err, &ce):
			// A coded error is an answer the handler chose: logged below
			// Warn, with its code.
			s.met.FrameError(c.ch.pattern, ce.reason())
			c.logFrame(id, slog.LevelInfo, "chanx: handler failed", slog.String("action", r.action),
				slog.String("code", ce.code), slog.String("error", err.Error()))
			c.answer(ce.frame(env, r.action))
		case errors.As(err, &ve):
			s.met.FrameError(c.ch.pattern, metrics.ReasonValidation)
			c.answer(env.Problems(ve.Problems))
		default:
			if !errors.Is(err, errPanicked) {
				s.met.FrameError(c.ch.pattern, metrics.ReasonHandler)
				c.logFrame(id, slog.LevelWarn, "chanx: handler failed", slog.String("action", r.action),
					slog.String("error", err.Error()))
			}
			c.answer(r.failed)
		}
		return
	}
	if reply == nil {
		c.answer(nil)
		return
	}
	if b, ok := wire.PreEncoded(reply); ok {
		c.answer(c.outgoing(b))
		return
	}
	// Encode into a pooled buffer: written inline, the reply costs no
	// allocation of its own.
	eb := getEncoder()
	defer eb.put()
	b, err := eb.encode(reply)
	if err != nil {
		s.met.FrameError(c.ch.pattern, metrics.ReasonHandler)
		c.logFrame(id, slog.LevelWarn, "chanx: encode reply failed", slog.String("action", r.action),
			slog.String("error", err.Error()))
		c.answer(r.failed)
		return
	}
	c.answerBorrowed(c.outgoing(b))
}

var errPanicked = errors.New("server: handler panicked")

// logFrame logs msg about frame number id, with the connection id and
// the frame's msg_id in front of attrs, when level is enabled.
func (c *Conn) logFrame(id uint64, level slog.Level, msg string, attrs ...slog.Attr) {
	log := c.logger()
	if !log.Enabled(c.ctx, level) {
		return
	}
	log.LogAttrs(c.ctx, level, msg,
		append([]slog.Attr{slog.String("conn", c.id), slog.Uint64("msg_id", id)}, attrs...)...)
}

// call runs a route on ctx (the handlers' context, or what HandlerHook
// made of it), turning a panic into
// errPanicked after logging it.
func (c *Conn) call(ctx context.Context, id uint64, r *route, frame []byte) (reply any, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.met.FrameError(c.ch.pattern, metrics.ReasonPanic)
			c.logFrame(id, slog.LevelError, "chanx: handler panicked", slog.String("action", r.action),
				slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(stack())))
			reply, err = nil, errPanicked
		}
	}()
	return r.serve(ctx, c, id, frame)
}

func peekReason(err error) string {
	switch {
	case errors.Is(err, wire.ErrNotObject):
		return metrics.ReasonNotObject
	case errors.Is(err, wire.ErrNoDiscriminator), errors.Is(err, wire.ErrNotString):
		return metrics.ReasonNoDiscriminator
	case errors.Is(err, wire.ErrTooDeep):
		return metrics.ReasonTooDeep
	}
	return metrics.ReasonInvalidJSON
}
