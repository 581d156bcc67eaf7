package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chanxgo/chanx/runtime/wire"
)

// Topic errors, the reasons of PROTOCOL.md's topic error frames; a
// *TopicError matches its reason's sentinel with errors.Is.
var (
	ErrUnknownTopic  = errors.New("client: unknown topic")
	ErrUnauthorized  = errors.New("client: not allowed to subscribe")
	ErrNotSubscribed = errors.New("client: not subscribed")
	// ErrSubscribed: NewSubscription or Subscribe named a topic the client
	// already has a subscription for.
	ErrSubscribed = errors.New("client: topic already has a subscription")
)

// The reasons of topic error frames (Python Chanx's).
const (
	ReasonUnknownTopic  = "unknown_topic"
	ReasonUnauthorized  = "unauthorized"
	ReasonNotSubscribed = "not_subscribed"
)

// ResubscribeTimeout bounds each automatic resubscribe (after a reconnect
// or a seq gap), as Python Chanx's client bounds a request.
const ResubscribeTimeout = 10 * time.Second

// TopicError is a topic error frame:
// {"action": "error", "payload": {"reason": ..., "detail": ...}, "topic": ..., "ref": ...}.
type TopicError struct {
	Topic string
	// Reason is ReasonUnknownTopic, ReasonUnauthorized or
	// ReasonNotSubscribed, or another server's reason.
	Reason string
	// Detail is the server's text, e.g. "Not allowed to subscribe to 'private:secret'".
	Detail string
	// Server is the error frame decoded as any other.
	Server *ServerError
}

func (e *TopicError) Error() string {
	return fmt.Sprintf("client: topic %q: %s: %s", e.Topic, e.Reason, e.Detail)
}

// Is matches ErrUnknownTopic, ErrUnauthorized and ErrNotSubscribed by
// Reason.
func (e *TopicError) Is(target error) bool {
	switch target {
	case ErrUnknownTopic:
		return e.Reason == ReasonUnknownTopic
	case ErrUnauthorized:
		return e.Reason == ReasonUnauthorized
	case ErrNotSubscribed:
		return e.Reason == ReasonNotSubscribed
	}
	return false
}

func (e *TopicError) Unwrap() error { return e.Server }

// SubscribeOptions configure a Subscription; the zero value subscribes as
// Python Chanx's clients do (no recovery).
type SubscribeOptions struct {
	// Recover asks the server to keep this subscription's place (PROTOCOL.md
	// §2.1): subscribe sends {"recover": true}, and after a reconnect, or a
	// push whose seq is not the next one, the client resubscribes with the
	// last epoch and seq it processed, so the pushes missed meanwhile are
	// replayed. Pushes are then delivered in seq order, each once.
	Recover bool
	// From is a position to resume from on the first subscribe (one kept
	// from an earlier client); zero means the topic's current end.
	From Position
	// OnPush receives the topic's pushes no action handler
	// (HandleTopic, Subscription.HandleFrame) takes; nil drops them, counted
	// in Client.DroppedTopicFrames.
	OnPush func(ctx context.Context, f Frame) error
	// OnHistoryLost receives the history_lost frame: the pushes after the
	// subscription's position can no longer be replayed, so the
	// application must refetch the topic's state by other means. Pushes
	// after it continue from lost.Seq.
	OnHistoryLost func(ctx context.Context, lost HistoryLost)
	// OnError receives a failed automatic resubscribe (after a reconnect
	// or a seq gap), e.g. a *TopicError when the server now refuses it;
	// nil reports it to Hooks.OnConnectionError.
	OnError func(ctx context.Context, err error)
}

// Position is a place in a topic's history: the epoch naming one life of
// it and the last seq processed.
type Position struct {
	Epoch string
	Seq   int64
}

// IsZero reports whether p names no position.
func (p Position) IsZero() bool { return p.Epoch == "" && p.Seq == 0 }

// HistoryLost is the history_lost frame's payload: the topic is now at
// Epoch/Seq, its history keeps seqs from Earliest (0: none), and the
// subscription asked to resume from FromEpoch/FromSeq.
type HistoryLost struct {
	Epoch     string `json:"epoch"`
	Seq       int64  `json:"seq"`
	Earliest  int64  `json:"earliest"`
	FromEpoch string `json:"fromEpoch"`
	FromSeq   int64  `json:"fromSeq"`
}

// Subscribed is the payload of a recover subscribe's subscribed reply.
type Subscribed struct {
	Epoch     string `json:"epoch"`
	Seq       int64  `json:"seq"`
	Recovered bool   `json:"recovered"`
}

// Subscription is the client's side of one topic on the connection:
// handlers for the topic's pushes, Send and Request addressed to it, and
// its place in the topic's history. It lives in the client's registry from
// NewSubscription until Unsubscribe, and is subscribed again, in creation
// order, after every reconnect.
type Subscription struct {
	c     *Client
	topic string
	opts  SubscribeOptions

	handlersMu sync.Mutex
	handlers   atomic.Pointer[map[string]topicHandler]

	// Position and delivery state, touched in route order (the receive
	// goroutine) and by resubscribe; mu guards it.
	mu         sync.Mutex
	pos        Position
	tracking   bool // the server gave a position: pushes are ordered by seq
	resyncing  bool // a resubscribe for a seq gap is on its way
	duplicates atomic.Int64
}

// NewSubscription registers a subscription to topic without subscribing
// yet, so that its handlers can be registered before any push arrives;
// Subscribe then subscribes. opts may be nil.
func (c *Client) NewSubscription(topic string, opts *SubscribeOptions) (*Subscription, error) {
	if topic == "" {
		return nil, errors.New("client: subscription: empty topic")
	}
	s := &Subscription{c: c, topic: topic}
	if opts != nil {
		s.opts = *opts
	}
	s.pos = s.opts.From
	s.tracking = s.opts.Recover && !s.pos.IsZero()
	empty := map[string]topicHandler{}
	s.handlers.Store(&empty)
	c.subsMu.Lock()
	defer c.subsMu.Unlock()
	if c.subs == nil {
		c.subs = map[string]*Subscription{}
	}
	if _, ok := c.subs[topic]; ok {
		return nil, fmt.Errorf("%w: %q", ErrSubscribed, topic)
	}
	c.subs[topic] = s
	c.subOrder = append(c.subOrder, s)
	return s, nil
}

// Subscribe is NewSubscription then Subscription.Subscribe, for
// subscriptions whose pushes go to opts.OnPush. On failure the
// subscription is removed again.
func (c *Client) Subscribe(ctx context.Context, topic string, opts *SubscribeOptions) (*Subscription, error) {
	s, err := c.NewSubscription(topic, opts)
	if err != nil {
		return nil, err
	}
	if err := s.Subscribe(ctx); err != nil {
		s.forget()
		return nil, err
	}
	return s, nil
}

// Subscribe sends subscribe (with its position when the subscription
// recovers) and waits for subscribed; a topic error frame is returned as a
// *TopicError. The subscription stays registered either way (Unsubscribe
// removes it), and is subscribed again after a reconnect.
func (s *Subscription) Subscribe(ctx context.Context) error {
	f, err := s.subscribe(ctx)
	if err != nil || !s.opts.Recover {
		return err
	}
	// The receive goroutine takes the position too, in arrival order;
	// taking a first one here as well makes Position right on return.
	var sub Subscribed
	if p := f.Payload(); len(p) > 0 && json.Unmarshal(p, &sub) == nil && sub.Epoch != "" {
		s.mu.Lock()
		if s.pos.IsZero() {
			s.pos, s.tracking = Position{Epoch: sub.Epoch, Seq: sub.Seq}, true
		}
		s.mu.Unlock()
	}
	return nil
}

// Topic is the topic's name, e.g. "room:lobby".
func (s *Subscription) Topic() string { return s.topic }

// Position is the last place processed in the topic's history (zero
// before a recover subscribe was answered with one).
func (s *Subscription) Position() Position {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos
}

// Duplicates counts pushes dropped because their seq was already
// delivered.
func (s *Subscription) Duplicates() int64 { return s.duplicates.Load() }

// HandleFrame registers fn for the topic's pushes named action; the frame
// it gets has the envelope keys removed from Data and set in Topic, Ref
// and Seq. Handlers run as Handle's do: one at a time, in arrival order,
// on the receive goroutine.
func (s *Subscription) HandleFrame(action string, fn func(ctx context.Context, f Frame) error) {
	s.setHandler(action, fn)
}

// topicHandler is a push handler: the frame, without its envelope keys,
// which are in its fields.
type topicHandler func(ctx context.Context, f Frame) error

// HandleTopic registers fn for the topic's pushes named action, each
// decoded (envelope keys removed) into a new T and validated when *T
// implements wire.Validator, as Handle does for a channel's frames.
func HandleTopic[T any](s *Subscription, action string, fn func(ctx context.Context, msg *T) error) {
	s.setHandler(action, func(ctx context.Context, f Frame) error {
		msg := new(T)
		if err := decodeValid(f.Data, msg); err != nil {
			return &invalidError{fmt.Errorf("client: topic %q: %q frame: %w", s.topic, action, err)}
		}
		return fn(ctx, msg)
	})
}

func (s *Subscription) setHandler(action string, h topicHandler) {
	s.handlersMu.Lock()
	defer s.handlersMu.Unlock()
	m := make(map[string]topicHandler, len(*s.handlers.Load())+1)
	for k, v := range *s.handlers.Load() {
		m[k] = v
	}
	m[action] = h
	s.handlers.Store(&m)
}

// Send sends {"action": action, "payload": payload, "version": 1, "topic": T}.
func (s *Subscription) Send(ctx context.Context, action string, payload any) error {
	data, err := s.c.encodeAction(action, payload)
	if err != nil {
		return err
	}
	return s.c.write(ctx, nil, wire.AppendStamp(data, wire.Stamp{Topic: s.topic}))
}

// SendFrame sends v (a generated message, encoded as Client.SendFrame
// does) addressed to the topic.
func (s *Subscription) SendFrame(ctx context.Context, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("client: send: encode frame: %w", err)
	}
	return s.c.write(ctx, nil, wire.AppendStamp(data, wire.Stamp{Topic: s.topic}))
}

// Request sends frame (encoded as SendFrame does) addressed to the topic
// with a fresh ref and returns the first frame carrying that ref: the
// reply, or an error frame (a *TopicError for topic errors, a *ServerError
// otherwise). A first frame of another action than replyAction ("" takes
// any) is an error too, returned with the frame. The reply does not go to
// the topic's handlers.
func (s *Subscription) Request(ctx context.Context, frame any, replyAction string) (Frame, error) {
	data, err := json.Marshal(frame)
	if err != nil {
		return Frame{}, fmt.Errorf("client: request: encode frame: %w", err)
	}
	return s.c.topicRequest(ctx, s.topic, data, replyAction)
}

// RequestTopicAs is Subscription.Request decoding (and validating, when *T
// implements wire.Validator) the reply into a new T.
func RequestTopicAs[T any](ctx context.Context, s *Subscription, frame any, replyAction string) (*T, error) {
	f, err := s.Request(ctx, frame, replyAction)
	if err != nil {
		return nil, err
	}
	msg := new(T)
	if err := decodeValid(f.Data, msg); err != nil {
		return nil, fmt.Errorf("client: request: topic %q: %q reply: %w", s.topic, replyAction, err)
	}
	return msg, nil
}

// RequestStream is Client.RequestStream addressed to the topic: the frames
// carrying the request's ref are its partial replies until the final one.
func (s *Subscription) RequestStream(ctx context.Context, frame any, partialActions []string, finalAction string) (*Stream, error) {
	data, err := json.Marshal(frame)
	if err != nil {
		return nil, fmt.Errorf("client: request stream: encode frame: %w", err)
	}
	w := &waiter{action: finalAction, topic: s.topic, res: make(chan waitResult, 1), partial: partialActions, stream: &streamQueue{ready: make(chan struct{}, 1)}}
	if err := s.c.sendWaiter(ctx, w, data); err != nil {
		return nil, err
	}
	return &Stream{c: s.c, w: w, final: finalAction}, nil
}

// Unsubscribe sends unsubscribe, waits for unsubscribed and removes the
// subscription from the registry: no resubscribe follows, and pushes still
// in flight are dropped. The subscription is removed even when the
// request fails (the connection dropped: nothing is subscribed then).
func (s *Subscription) Unsubscribe(ctx context.Context) error {
	s.forget()
	_, err := s.c.topicRequest(ctx, s.topic, unsubscribeFrame(s.c.env), wire.ActionUnsubscribed)
	return err
}

func unsubscribeFrame(env *wire.Envelope) []byte {
	b, _ := env.Frame(wire.ActionUnsubscribe, nil) // null always encodes
	return b
}

func (s *Subscription) forget() {
	c := s.c
	c.subsMu.Lock()
	defer c.subsMu.Unlock()
	if c.subs[s.topic] == s {
		delete(c.subs, s.topic)
	}
	for i, x := range c.subOrder {
		if x == s {
			c.subOrder = append(c.subOrder[:i:i], c.subOrder[i+1:]...)
			break
		}
	}
}

func (s *Subscription) registered() bool {
	s.c.subsMu.Lock()
	defer s.c.subsMu.Unlock()
	return s.c.subs[s.topic] == s
}

// subscribe sends one subscribe with the current position and waits for
// its answer.
func (s *Subscription) subscribe(ctx context.Context) (Frame, error) {
	var payload any
	if s.opts.Recover {
		s.mu.Lock()
		p := map[string]any{"recover": true}
		if !s.pos.IsZero() {
			p["epoch"], p["seq"] = s.pos.Epoch, s.pos.Seq
		}
		s.mu.Unlock()
		payload = p
	}
	data, err := s.c.env.Frame(wire.ActionSubscribe, payload)
	if err != nil {
		return Frame{}, err
	}
	return s.c.topicRequest(ctx, s.topic, data, wire.ActionSubscribed)
}

// resubscribe subscribes again in the background (a seq gap), reporting a
// failure to OnError.
func (s *Subscription) resubscribe(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, ResubscribeTimeout)
	defer cancel()
	_, err := s.subscribe(ctx)
	if err == nil {
		return
	}
	s.mu.Lock()
	s.resyncing = false
	s.mu.Unlock()
	if s.registered() && s.c.stopCtx.Err() == nil && refused(err) {
		s.report(ctx, fmt.Errorf("client: topic %q: resubscribe: %w", s.topic, err))
	}
}

func (s *Subscription) report(ctx context.Context, err error) {
	if s.opts.OnError != nil {
		s.opts.OnError(ctx, err)
		return
	}
	if h := s.c.opts.Hooks.OnConnectionError; h != nil {
		h(ctx, err)
		return
	}
	s.c.logger.Warn("chanx client: topic", "error", err.Error())
}

// resubscribeAll subscribes every registered subscription again, in
// creation order, one at a time: the client just reconnected. It runs on
// a goroutine of its own, with the connection's reader open, so the
// replayed pushes are read (and handled) while it waits.
func (c *Client) resubscribeAll(ctx context.Context) {
	c.subsMu.Lock()
	subs := append([]*Subscription(nil), c.subOrder...)
	c.subsMu.Unlock()
	for _, s := range subs {
		if ctx.Err() != nil {
			return
		}
		if !s.registered() {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, ResubscribeTimeout)
		_, err := s.subscribe(sctx)
		cancel()
		if err != nil && s.registered() && c.stopCtx.Err() == nil {
			if !refused(err) {
				return // the connection is gone: the next one resubscribes
			}
			s.report(ctx, fmt.Errorf("client: topic %q: resubscribe: %w", s.topic, err))
		}
	}
}

// refused reports whether a resubscribe failed for a reason of its own:
// the server answered with an error frame, or it did not answer in time.
// Anything else is the connection failing, which the reconnect that
// follows resubscribes after.
func refused(err error) bool {
	var se *ServerError
	return errors.As(err, &se) || errors.Is(err, context.DeadlineExceeded)
}

// topicRequest sends data addressed to topic with a fresh ref and waits
// for the first frame carrying it.
func (c *Client) topicRequest(ctx context.Context, topic string, data []byte, replyAction string) (Frame, error) {
	w := &waiter{action: replyAction, topic: topic, res: make(chan waitResult, 1)}
	if err := c.sendWaiter(ctx, w, data); err != nil {
		return Frame{}, err
	}
	select {
	case r := <-w.res:
		if r.err != nil {
			return r.frame, fmt.Errorf("client: request: topic %q: waiting for %q: %w", topic, replyAction, r.err)
		}
		if replyAction != "" && r.frame.Action != replyAction {
			return r.frame, fmt.Errorf("client: request: topic %q: the reply is %q, want %q", topic, r.frame.Action, replyAction)
		}
		return r.frame, nil
	case <-ctx.Done():
		c.removeWaiter(w)
		return Frame{}, fmt.Errorf("client: request: topic %q: waiting for %q: %w", topic, replyAction, ctx.Err())
	}
}

// sendWaiter gives w the connection's next ref, queues it and writes data
// stamped with w's topic and ref on that connection.
func (c *Client) sendWaiter(ctx context.Context, w *waiter, data []byte) error {
	c.mu.Lock()
	conn, err := c.current()
	if err != nil {
		c.mu.Unlock()
		return err
	}
	c.refs++
	w.ref = strconv.FormatUint(c.refs, 10)
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	data = wire.AppendStamp(data, wire.Stamp{Topic: w.topic, Ref: w.ref})
	if err := c.write(ctx, conn, data); err != nil {
		c.removeWaiter(w)
		return err
	}
	return nil
}

// DroppedTopicFrames counts frames addressed to a topic the client has no
// subscription for (unsubscribed, or never subscribed), and pushes of a
// subscription with no handler for them: Python Chanx's client drops
// them too.
func (c *Client) DroppedTopicFrames() int64 { return c.droppedTopic.Load() }

// addressing is a received frame's envelope keys.
type addressing struct {
	topic, ref string
	hasTopic   bool
	seq        int64
	hasSeq     bool
}

// readAddressing reads the envelope keys of a JSON object frame, and
// returns the frame without them (Data of topic frames, so generated
// types that forbid extra members accept it). Frames with neither a
// "topic" nor a "ref" are returned as they are, at the cost of one scan.
func readAddressing(data []byte) (addressing, []byte) {
	if !bytes.Contains(data, []byte(`"topic"`)) && !bytes.Contains(data, []byte(`"ref"`)) {
		return addressing{}, data
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return addressing{}, data
	}
	var a addressing
	if v, ok := m[wire.KeyTopic]; ok && json.Unmarshal(v, &a.topic) == nil && a.topic != "" {
		a.hasTopic = true
	}
	if v, ok := m[wire.KeyRef]; ok {
		_ = json.Unmarshal(v, &a.ref) // a non-string ref is no ref of ours
	}
	if v, ok := m[wire.KeySeq]; ok && json.Unmarshal(v, &a.seq) == nil && string(v) != "null" {
		a.hasSeq = true
	}
	if !a.hasTopic && a.ref == "" {
		return a, data
	}
	for _, k := range []string{wire.KeyVersion, wire.KeyTopic, wire.KeyRef, wire.KeySeq} {
		delete(m, k)
	}
	rest, err := json.Marshal(m)
	if err != nil {
		return a, data
	}
	return a, rest
}

// routeTopic runs what a frame addressed to a subscribed topic goes to, in
// arrival order: the protocol frames update the subscription, pushes go
// to its handlers, in seq order when the subscription tracks a position.
func (c *Client) routeTopic(ctx context.Context, f received) {
	c.subsMu.Lock()
	s := c.subs[f.addr.topic]
	c.subsMu.Unlock()
	if s == nil {
		c.droppedTopic.Add(1)
		return
	}
	switch f.action {
	case wire.ActionSubscribed:
		s.onSubscribed(f)
		return
	case wire.ActionUnsubscribed:
		return
	case ActionHistoryLost:
		var lost HistoryLost
		if err := json.Unmarshal(payloadOf(f.data), &lost); err != nil {
			if h := c.opts.Hooks.OnInvalidMessage; h != nil {
				h(ctx, f.data, fmt.Errorf("client: topic %q: history_lost: %w", s.topic, err))
			}
			return
		}
		if lost.FromEpoch == "" {
			// Camelize on: keys arrive snake_cased.
			var snake struct {
				FromEpoch string `json:"from_epoch"`
				FromSeq   int64  `json:"from_seq"`
			}
			_ = json.Unmarshal(payloadOf(f.data), &snake)
			lost.FromEpoch, lost.FromSeq = snake.FromEpoch, snake.FromSeq
		}
		s.mu.Lock()
		s.pos = Position{Epoch: lost.Epoch, Seq: lost.Seq}
		s.tracking, s.resyncing = true, false
		s.mu.Unlock()
		if s.opts.OnHistoryLost != nil {
			s.opts.OnHistoryLost(ctx, lost)
		}
		return
	}
	if f.addr.hasSeq && !s.accept(ctx, f.addr.seq) {
		return
	}
	h := (*s.handlers.Load())[f.action]
	if h == nil {
		h = s.opts.OnPush
	}
	if h == nil {
		if !isBuiltin(f.action) {
			c.droppedTopic.Add(1)
		}
		return
	}
	fr := Frame{Action: f.action, Data: f.data, Topic: s.topic, Ref: f.addr.ref, Seq: f.addr.seq, HasSeq: f.addr.hasSeq}
	c.call(ctx, f.action, func(ctx context.Context, _ []byte) error { return h(ctx, fr) }, f.data)
}

// ActionHistoryLost is chanx's recovery frame (PROTOCOL.md §2.1).
const ActionHistoryLost = "history_lost"

// onSubscribed takes the position a recover subscribe was answered with.
func (s *Subscription) onSubscribed(f received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.opts.Recover {
		return
	}
	p := payloadOf(f.data)
	if len(p) == 0 || string(p) == "null" {
		s.tracking = false // no history on this topic: nothing to order by
		return
	}
	var sub Subscribed
	if json.Unmarshal(p, &sub) != nil {
		return
	}
	switch {
	case sub.Recovered:
		// The pushes after s.pos follow; the position stays.
		s.resyncing = false
	case s.pos.IsZero():
		s.pos = Position{Epoch: sub.Epoch, Seq: sub.Seq}
		s.resyncing = false
	default:
		// history_lost follows and sets the new position; until then
		// keep resyncing so that no push is taken against the old one.
	}
	s.tracking = true
}

// accept decides whether a push with seq is delivered: with a position
// tracked, only the next seq is; an older one is a duplicate (dropped), a
// gap or a lower seq that is not a duplicate of this epoch makes the
// subscription resubscribe with its position (PROTOCOL.md §2.1).
func (s *Subscription) accept(ctx context.Context, seq int64) bool {
	s.mu.Lock()
	if !s.opts.Recover || !s.tracking {
		s.mu.Unlock()
		return true
	}
	if seq == s.pos.Seq+1 {
		// The next push, live or replayed after a resubscribe.
		s.pos.Seq = seq
		s.mu.Unlock()
		return true
	}
	if seq <= s.pos.Seq {
		// Delivered already; a lower seq outside a resubscribe may also
		// be a new epoch, which the resubscribe tells.
		s.duplicates.Add(1)
		if seq == s.pos.Seq || s.resyncing {
			s.mu.Unlock()
			return false
		}
	}
	start := !s.resyncing
	s.resyncing = true
	s.mu.Unlock()
	if start {
		go s.resubscribe(s.c.stopCtx)
	}
	return false
}

// payloadOf returns a frame's payload, nil when it has none.
func payloadOf(data []byte) json.RawMessage {
	return Frame{Data: data}.Payload()
}
