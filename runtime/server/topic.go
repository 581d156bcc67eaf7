package server

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/wire"
)

// TopicOptions declares one topic class on a channel (Python Chanx's
// Topic subclass; a document's x-topic channel).
type TopicOptions struct {
	// Name is the topic class's name, such as "RoomTopic": the layer group
	// of topic T is TopicGroup(Name, T), as Python Chanx names it, so every
	// route declaring the class shares the group. Required.
	Name string

	// Pattern is the topic pattern, such as "room:{id}": literal text with
	// {name} parameters, matched whole and case-sensitively, each
	// parameter one or more characters other than ':'. Required.
	Pattern string

	// Dedicated serves the topic on the channel's own route (Python
	// Chanx's Topic.as_consumer()): connecting subscribes to the topic the
	// URL's path parameters fill the pattern with (unprompted: the
	// subscribed frame carries no ref), and frames without a topic belong
	// to it. Each pattern parameter must be a parameter of the channel's
	// address. A channel has at most one dedicated topic. Default: false,
	// the channel is a hub: clients subscribe to topics by name, and frames
	// without a topic go to the channel's own handlers.
	Dedicated bool

	// Authorize, when set, decides whether c may subscribe to the topic
	// whose parameters are params (name → value). false is answered with
	// the topic error "unauthorized"; an error is answered with the
	// generic failure frame and logged. Default: nil, everyone may.
	Authorize func(ctx context.Context, c *Conn, params map[string]string) (bool, error)

	// OnSubscribe runs once a subscription has been answered with
	// subscribed (and any recovered pushes): the place to send the topic's
	// initial state with s.Send, whose frames carry the topic and no ref.
	// An error is logged; the subscription stays. Default: nil.
	OnSubscribe func(ctx context.Context, s *Subscription) error

	// OnUnsubscribe runs when a subscription ends: on unsubscribe (before
	// the unsubscribed frame; s.Send still carries its ref) and when the
	// connection ends (nothing can be sent then). Default: nil.
	OnUnsubscribe func(ctx context.Context, s *Subscription)

	// History, when set, keeps the topic's pushes in the layer's history
	// (the layer must implement layer.History): the server assigns every
	// push its seq, and a subscriber that resubscribes with its last
	// position is sent what it missed (PROTOCOL.md §2.1). Default: nil, no
	// history; a push's seq is the one its caller gives, if any.
	History *layer.Retention
}

// Topic is one topic class declared on a channel. Its methods are safe
// for concurrent use.
type Topic struct {
	srv     *Server
	ch      *Channel // the channel that serves it
	opts    TopicOptions
	pat     *topicPattern
	hist    layer.History // set with opts.History
	keep    layer.Retention
	handler *Channel // holds the topic's own routes; never mounted
}

// Name returns the topic class's name.
func (t *Topic) Name() string { return t.opts.Name }

// Pattern returns the topic pattern.
func (t *Topic) Pattern() string { return t.opts.Pattern }

// topicSet is a channel's topics, in declaration order: the first whose
// pattern matches a topic serves it.
type topicSet struct {
	list      []*Topic
	dedicated *Topic
}

// Topic declares a topic class on ch. Declare topics and their handlers
// (HandleTopic) before the server serves; a channel with topics routes
// every frame carrying a non-null "topic" to them. It fails for a missing
// name, a malformed pattern (unbalanced braces, an empty or repeated
// parameter, two parameters with nothing between them), a second
// dedicated topic, a dedicated pattern naming a parameter the address
// lacks, or History on a layer without one.
func (ch *Channel) Topic(opts TopicOptions) (*Topic, error) {
	where := fmt.Sprintf("server: channel %q: topic %q", ch.pattern, opts.Pattern)
	if opts.Name == "" {
		return nil, errors.New(where + ": no Name")
	}
	pat, err := parseTopicPattern(opts.Pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	t := &Topic{srv: ch.srv, ch: ch, opts: opts, pat: pat}
	if opts.History != nil {
		h, ok := ch.srv.layer.(layer.History)
		if !ok {
			return nil, fmt.Errorf("%s: History needs a layer that keeps one (layer.History); %T does not", where, ch.srv.layer)
		}
		t.hist, t.keep = h, *opts.History
	}
	if opts.Dedicated {
		for _, p := range pat.params {
			if !strings.Contains(ch.pattern, "{"+p+"}") && !strings.Contains(ch.pattern, "{"+p+"...}") {
				return nil, fmt.Errorf("%s: dedicated topic parameter %q is not a parameter of the address", where, p)
			}
		}
	}
	hopts := ch.opts
	hopts.OnConnect, hopts.OnDisconnect, hopts.Route = nil, nil, nil
	t.handler = &Channel{srv: ch.srv, pattern: ch.pattern, opts: hopts, env: ch.env}

	ch.mu.Lock()
	defer ch.mu.Unlock()
	next := &topicSet{}
	if cur := ch.topics.Load(); cur != nil {
		next.list = append(next.list, cur.list...)
		next.dedicated = cur.dedicated
	}
	if opts.Dedicated {
		if next.dedicated != nil {
			return nil, fmt.Errorf("%s: the channel already serves topic %q on its route", where, next.dedicated.opts.Pattern)
		}
		next.dedicated = t
	}
	next.list = append(next.list, t)
	ch.topics.Store(next)
	return t, nil
}

// Hub returns the channel at address, mounting it (as Channel does, with
// opts) on the first call for that address: so code that declares topic
// classes one at a time, such as one generated Mount function per x-topic
// channel of a document, can put several on one address without the
// second mount conflicting with the first. Later calls' opts are ignored;
// an address already mounted with Channel is refused as Channel refuses
// it.
func (s *Server) Hub(address string, opts ChannelOptions) (*Channel, error) {
	pattern := address
	if !strings.HasPrefix(pattern, "/") {
		pattern = "/" + pattern
	}
	r := &s.topicGroups
	r.hubMu.Lock()
	defer r.hubMu.Unlock()
	if ch := r.hubs[pattern]; ch != nil {
		return ch, nil
	}
	ch, err := s.Channel(address, opts)
	if err != nil {
		return nil, err
	}
	if r.hubs == nil {
		r.hubs = make(map[string]*Channel)
	}
	r.hubs[pattern] = ch
	return ch, nil
}

// match finds the channel's first topic whose pattern matches topic.
func (ts *topicSet) match(topic string) (*Topic, map[string]string) {
	if ts == nil {
		return nil, nil
	}
	for _, t := range ts.list {
		if params, ok := t.pat.match(topic); ok {
			return t, params
		}
	}
	return nil, nil
}

// HandleTopic routes the frames addressed to one of t's topics whose
// discriminator is action to h, as Handle does for a channel: decoded
// into a new T, validated, and h's reply sent back. The frame's envelope
// keys are removed before it is decoded. Replies, error frames and
// `complete` carry the topic and the request's ref; s.Send inside h does
// too. Names may repeat across topics and the channel's own handlers.
func HandleTopic[T, R any](t *Topic, action string, h func(ctx context.Context, s *Subscription, msg *T) (R, error), opts ...HandleOption) {
	Handle(t.handler, action, func(ctx context.Context, c *Conn, msg *T) (R, error) {
		return h(ctx, subscriptionOf(ctx), msg)
	}, opts...)
}

// HandleTopicNoReply is HandleTopic for messages that have no reply.
func HandleTopicNoReply[T any](t *Topic, action string, h func(ctx context.Context, s *Subscription, msg *T) error, opts ...HandleOption) {
	HandleTopic(t, action, func(ctx context.Context, s *Subscription, msg *T) (any, error) {
		return nil, h(ctx, s, msg)
	}, opts...)
}

// PushOption tunes Topic.Push.
type PushOption func(*pushConfig)

type pushConfig struct {
	seq    uint64
	hasSeq bool
}

// WithSeq stamps a push with the caller's seq, as Python Chanx's
// Topic.broadcast(topic, event, seq=n) does: for a client's gap
// detection only, nothing is replayed. Not allowed on a topic with
// History, whose seqs the server assigns.
func WithSeq(seq uint64) PushOption {
	return func(c *pushConfig) { c.seq, c.hasSeq = seq, true }
}

// Push sends frame (an encoded []byte or a value for encoding/json) to
// every subscriber of topic, in every process sharing the server's layer.
// Subscribers receive it with "version", "topic" and, when there is one,
// "seq" added, and no ref. On a topic with History the push is appended
// to the history and gets the topic's next seq, which Push returns; else
// the seq returned is WithSeq's, or 0. topic must match t's pattern.
func (t *Topic) Push(ctx context.Context, topic string, frame any, opts ...PushOption) (uint64, error) {
	var cfg pushConfig
	for _, o := range opts {
		o(&cfg)
	}
	if !t.pat.re.MatchString(topic) {
		return 0, fmt.Errorf("server: push to topic %q: it does not match %s's pattern %q", topic, t.opts.Name, t.opts.Pattern)
	}
	if cfg.hasSeq && t.hist != nil {
		return 0, fmt.Errorf("server: push to topic %q: WithSeq on a topic with History, whose seqs the server assigns", topic)
	}
	b, err := encodeFrame(frame)
	if err != nil {
		return 0, fmt.Errorf("server: push to topic %q: %w", topic, err)
	}
	// The seq travels beside the frame (layer.Message.Seq) and is written
	// into it by the receiving servers, which stamp the completion marker
	// with it too; only a seq of 0, which Message.Seq cannot carry, is
	// written here.
	b = wire.AppendStamp(b, wire.Stamp{Topic: topic, HasSeq: cfg.hasSeq && cfg.seq == 0})
	group := TopicGroup(t.opts.Name, topic)
	m := layer.Message{Kind: layer.Event, Frame: b, Seq: cfg.seq}
	if t.hist != nil {
		pos, err := t.hist.Append(ctx, group, m, t.keep)
		t.srv.met.LayerPublished(err != nil)
		if err != nil {
			return pos.Seq, fmt.Errorf("server: push to topic %q: %w", topic, err)
		}
		return pos.Seq, nil
	}
	err = t.srv.layer.Publish(ctx, group, m)
	t.srv.met.LayerPublished(err != nil)
	if err != nil {
		return 0, fmt.Errorf("server: push to topic %q: %w", topic, err)
	}
	return cfg.seq, nil
}

// Subscription is one connection's subscription to one topic: what topic
// handlers and hooks get. Its methods are safe for concurrent use.
type Subscription struct {
	c      *Conn
	t      *Topic
	topic  string
	params map[string]string
	group  string

	// Live pushes wait in buf while the subscription is being answered
	// (subscribed, then any replay), so none goes out before subscribed
	// or twice; live says they go straight to the connection.
	live   atomic.Bool
	floor  atomic.Uint64 // pushes with a seq at or below it were replayed
	closed atomic.Bool   // ended: Send fails, pushes are dropped
	mu     sync.Mutex
	buf    []pendingPush
}

type pendingPush struct {
	frame []byte
	seq   uint64
}

// Conn returns the subscribed connection.
func (s *Subscription) Conn() *Conn { return s.c }

// Topic returns the topic, such as "room:lobby".
func (s *Subscription) Topic() string { return s.topic }

// TopicClass returns the topic class the subscription belongs to.
func (s *Subscription) TopicClass() *Topic { return s.t }

// Param returns the topic parameter name ({name} in the pattern), "" when
// there is none.
func (s *Subscription) Param(name string) string { return s.params[name] }

// Send queues frame for this connection stamped with the topic, and with
// the ref of the request ctx belongs to (a topic handler's, or
// OnUnsubscribe's), as Conn.Send queues it (it may wait for room). It
// fails with ErrClosed once the subscription has ended.
func (s *Subscription) Send(ctx context.Context, frame any) error {
	if s.closed.Load() {
		return fmt.Errorf("server: send to %s on topic %q: %w", s.c.id, s.topic, ErrClosed)
	}
	b, err := encodeFrame(frame)
	if err != nil {
		return fmt.Errorf("server: send to %s on topic %q: %w", s.c.id, s.topic, err)
	}
	st := wire.Stamp{Topic: s.topic}
	if r := requestOf(ctx); r != nil && r.sub == s {
		st.Ref = r.ref
	}
	if err := s.c.enqueueFrom(ctx, s.c.outgoing(wire.AppendStamp(b, st)), nil, modeWait); err != nil {
		return fmt.Errorf("server: send to %s on topic %q: %w", s.c.id, s.topic, err)
	}
	return nil
}

// topicRequest is what a topic handler's context carries: the
// subscription the frame was addressed to and the ref it carried.
type topicRequest struct {
	sub *Subscription
	ref string
}

type topicRequestKey struct{}

func withRequest(ctx context.Context, s *Subscription, ref string) context.Context {
	return context.WithValue(ctx, topicRequestKey{}, &topicRequest{sub: s, ref: ref})
}

func requestOf(ctx context.Context) *topicRequest {
	r, _ := ctx.Value(topicRequestKey{}).(*topicRequest)
	return r
}

func subscriptionOf(ctx context.Context) *Subscription {
	if r := requestOf(ctx); r != nil {
		return r.sub
	}
	return nil
}

// TopicGroup returns the layer group of topic in the topic class named
// className, as Python Chanx names it: "<className>.<topic>", every run of
// characters outside [A-Za-z0-9._-] replaced by one '-', '-' stripped at
// both ends; a name over 99 characters keeps its first 86, then '.' and
// the 12 hex digits of its 6-byte BLAKE2s digest.
func TopicGroup(className, topic string) string {
	name := className + "." + topic
	if groupSafe(name) {
		return name // the common case: nothing to replace, short enough
	}
	var b strings.Builder
	b.Grow(len(name))
	dash := false
	for _, r := range name {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	g := strings.Trim(b.String(), "-")
	if len(g) > 99 {
		sum := blake2s([]byte(g), 6)
		g = g[:86] + "." + hex.EncodeToString(sum)
	}
	return g
}

// groupSafe reports whether name is a group name as it is: at most 99
// characters of [A-Za-z0-9._-], '-' at neither end.
func groupSafe(name string) bool {
	if len(name) > 99 || name == "" || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// topicPattern is a parsed topic pattern.
type topicPattern struct {
	re     *regexp.Regexp
	params []string
	parts  []string // literal text around the parameters: len(params)+1 parts
}

func parseTopicPattern(p string) (*topicPattern, error) {
	if p == "" {
		return nil, errors.New("empty pattern")
	}
	tp := &topicPattern{}
	var re strings.Builder
	re.WriteString(`^`)
	lit := strings.Builder{}
	seen := map[string]bool{}
	prevParam := false
	for i := 0; i < len(p); {
		switch p[i] {
		case '{':
			j := strings.IndexByte(p[i:], '}')
			if j < 0 {
				return nil, fmt.Errorf("'{' at offset %d is not closed", i)
			}
			name := p[i+1 : i+j]
			if name == "" || strings.ContainsAny(name, "{:") {
				return nil, fmt.Errorf("parameter at offset %d has no valid name", i)
			}
			if seen[name] {
				return nil, fmt.Errorf("parameter %q appears twice", name)
			}
			if prevParam {
				return nil, fmt.Errorf("parameter %q follows another with nothing between them", name)
			}
			seen[name] = true
			tp.parts = append(tp.parts, lit.String())
			re.WriteString(regexp.QuoteMeta(lit.String()))
			lit.Reset()
			re.WriteString(`([^:]+)`)
			tp.params = append(tp.params, name)
			prevParam = true
			i += j + 1
		case '}':
			return nil, fmt.Errorf("'}' at offset %d closes nothing", i)
		default:
			lit.WriteByte(p[i])
			prevParam = false
			i++
		}
	}
	tp.parts = append(tp.parts, lit.String())
	re.WriteString(regexp.QuoteMeta(lit.String()))
	re.WriteString(`$`)
	tp.re = regexp.MustCompile(re.String())
	return tp, nil
}

// match reports whether topic matches the pattern, with its parameters.
func (tp *topicPattern) match(topic string) (map[string]string, bool) {
	m := tp.re.FindStringSubmatch(topic)
	if m == nil {
		return nil, false
	}
	params := make(map[string]string, len(tp.params))
	for i, name := range tp.params {
		params[name] = m[i+1]
	}
	return params, true
}

// fill builds the topic from parameter values (a dedicated route's URL
// parameters).
func (tp *topicPattern) fill(value func(name string) string) string {
	var b strings.Builder
	for i, name := range tp.params {
		b.WriteString(tp.parts[i])
		b.WriteString(value(name))
	}
	b.WriteString(tp.parts[len(tp.parts)-1])
	return b.String()
}
