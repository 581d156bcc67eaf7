package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/wire"
)

// connTopics is one connection's subscriptions, under a lock of its own:
// many topics on one connection never wait for another connection.
type connTopics struct {
	mu        sync.Mutex
	subs      map[string]*Subscription
	done      bool   // the connection ended: no more subscriptions
	dedicated string // the topic a dedicated route subscribed on connect
}

// maxBufferedPushes bounds the live pushes held for a subscription while
// it is answered (subscribed and the replay); past it pushes are dropped
// and counted, and the client sees a gap in seq and resubscribes.
const maxBufferedPushes = 4096

// topicFrame is the inbound hook for channels with topics and frames
// that may carry envelope keys: it reads and removes the envelope keys
// and handles the frame when it is topic traffic, reporting true; else it
// returns the frame without envelope keys for the channel's own routes.
func (c *Conn) topicFrame(id uint64, frame []byte) ([]byte, bool) {
	ts := c.ch.topics.Load()
	if ts == nil && !wire.MayHaveEnvelope(frame) {
		return frame, false
	}
	a, rest, problems := wire.SplitEnvelope(frame, c.srv.opts.MaxDepth)
	if problems != nil {
		// Python Chanx answers a bad envelope unstamped and with no
		// completion marker.
		c.srv.met.FrameReceived(c.ch.pattern, "unknown")
		c.srv.met.FrameError(c.ch.pattern, metrics.ReasonValidation)
		_ = c.enqueueFrom(c.ctx, c.outgoing(c.ch.env.Problems(problems)), nil, modeInline|modeWait)
		return nil, true
	}
	topic := a.Topic
	if !a.HasTopic {
		if ts == nil || ts.dedicated == nil {
			return rest, false
		}
		c.topics.mu.Lock()
		topic = c.topics.dedicated
		c.topics.mu.Unlock()
	}
	c.topicRequest(id, ts, topic, a.Ref, rest)
	return nil, true
}

// topicRequest handles a frame addressed to topic (subscribe,
// unsubscribe, or a message of the topic's own).
func (c *Conn) topicRequest(id uint64, ts *topicSet, topic, ref string, frame []byte) {
	env := c.ch.env
	st := wire.Stamp{Topic: topic, Ref: ref}
	action, err := env.Peek(frame, c.srv.opts.MaxDepth)
	if err == nil {
		switch string(action) {
		case wire.ActionSubscribe:
			c.srv.met.FrameReceived(c.ch.pattern, wire.ActionSubscribe)
			t, params := ts.match(topic)
			if t == nil {
				c.topicError(st, wire.ReasonUnknownTopic, "Unknown topic "+pyRepr(topic))
				return
			}
			c.subscribe(t, topic, params, ref, frame)
			return
		case wire.ActionUnsubscribe:
			c.srv.met.FrameReceived(c.ch.pattern, wire.ActionUnsubscribe)
			c.unsubscribe(topic, ref)
			return
		}
	}
	c.topics.mu.Lock()
	sub := c.topics.subs[topic]
	c.topics.mu.Unlock()
	if sub == nil {
		c.srv.met.FrameReceived(c.ch.pattern, "unknown")
		c.topicError(st, wire.ReasonNotSubscribed, "Not subscribed to "+pyRepr(topic))
		return
	}
	h := sub.t.handler
	if err != nil {
		c.srv.met.FrameReceived(c.ch.pattern, "unknown")
		c.srv.met.FrameError(c.ch.pattern, peekReason(err))
		p := wire.PeekProblem(err, env.Key())
		if errors.Is(err, wire.ErrNotString) {
			p = wire.TagNotStringProblem(frame, env.Key(), topicActions(h))
		}
		c.answerTopic(env.Problems([]wire.Problem{p}), st)
		return
	}
	r := h.lookup(action)
	if r == nil {
		c.srv.met.FrameReceived(c.ch.pattern, "unknown")
		c.srv.met.FrameError(c.ch.pattern, metrics.ReasonUnknownAction)
		c.answerTopic(env.Problems([]wire.Problem{wire.UnknownActionProblem(env.Key(), string(action), topicActions(h))}), st)
		return
	}
	c.handleTopic(id, sub, r, frame, st)
}

// topicActions lists the actions a topic's handlers take, sorted (the
// built-in ping is not one of them: a topic answers ping only when it
// declares it).
func topicActions(h *Channel) []string {
	t := h.routes.Load()
	if t == nil {
		return []string{}
	}
	out := make([]string, 0, len(t.known))
	for _, a := range t.known {
		if _, ok := t.byAction[a]; ok {
			out = append(out, a)
		}
	}
	return out
}

// handleTopic runs a topic route for frame number id, stamping its answer.
func (c *Conn) handleTopic(id uint64, sub *Subscription, r *route, frame []byte, st wire.Stamp) {
	s := c.srv
	s.met.FrameReceived(c.ch.pattern, r.action)
	var start time.Time
	if s.timed {
		start = time.Now()
	}
	ctx := withRequest(c.hctx, sub, st.Ref)
	var end func(error)
	if hook := s.opts.HandlerHook; hook != nil {
		ctx, end = hook(ctx, c, r.action)
	}
	reply, err := c.call(ctx, id, r, frame)
	err = partialDelivery(err)
	if end != nil {
		end(err)
	}
	if s.timed {
		s.met.HandlerDuration(c.ch.pattern, r.action, time.Since(start))
	}
	if err != nil {
		c.answerTopic(c.failureFrame(id, r, err), st)
		return
	}
	if reply == nil {
		c.answerTopic(nil, st)
		return
	}
	b, err := encodeFrame(reply)
	if err != nil {
		s.met.FrameError(c.ch.pattern, metrics.ReasonHandler)
		c.logFrame(id, slog.LevelWarn, "chanx: encode reply failed", slog.String("action", r.action),
			slog.String("error", err.Error()))
		b = r.failed
	}
	c.answerTopic(b, st)
}

// failureFrame is the frame answering a handler's error, as handle
// answers it.
func (c *Conn) failureFrame(id uint64, r *route, err error) []byte {
	s := c.srv
	env := c.ch.env
	var inv *invalidFrame
	var ce *Error
	var ve *wire.ValidationError
	switch {
	case errors.As(err, &inv):
		s.met.FrameError(c.ch.pattern, metrics.ReasonValidation)
		return env.Problems(inv.problems)
	case errors.As(err, &ce):
		s.met.FrameError(c.ch.pattern, ce.reason())
		c.logFrame(id, slog.LevelInfo, "chanx: handler failed", slog.String("action", r.action),
			slog.String("code", ce.code), slog.String("error", err.Error()))
		return ce.frame(env, r.action)
	case errors.As(err, &ve):
		s.met.FrameError(c.ch.pattern, metrics.ReasonValidation)
		return env.Problems(ve.Problems)
	}
	if !errors.Is(err, errPanicked) {
		s.met.FrameError(c.ch.pattern, metrics.ReasonHandler)
		c.logFrame(id, slog.LevelWarn, "chanx: handler failed", slog.String("action", r.action),
			slog.String("error", err.Error()))
	}
	return r.failed
}

// answerTopic queues the stamped answer to a topic request (nil for
// none), then the stamped `complete` when completions are on.
func (c *Conn) answerTopic(frame []byte, st wire.Stamp) {
	var marker []byte
	if c.srv.opts.Completions {
		marker = c.outgoing(wire.AppendStamp(c.ch.env.Complete(wire.ActionComplete), st))
	}
	if frame == nil {
		frame, marker = marker, nil
	} else {
		frame = c.outgoing(wire.AppendStamp(frame, st))
	}
	if frame != nil {
		_ = c.enqueueFrom(c.ctx, frame, marker, modeInline|modeWait)
	}
}

// sendStamped queues a topic protocol frame (subscribed, unsubscribed, a
// topic error, history_lost): stamped, never followed by `complete`.
func (c *Conn) sendStamped(frame []byte, st wire.Stamp) {
	_ = c.enqueueFrom(c.ctx, c.outgoing(wire.AppendStamp(frame, st)), nil, modeInline|modeWait)
}

// topicError answers with a topic error frame: {"reason", "detail"}.
func (c *Conn) topicError(st wire.Stamp, reason, detail string) {
	c.srv.met.FrameError(c.ch.pattern, reason)
	b, err := c.ch.env.Frame(wire.ActionError, wire.ErrorDetail{Reason: reason, Detail: detail})
	if err != nil {
		b = c.ch.env.ProcessingError()
	}
	c.sendStamped(b, st)
}

// recoverRequest is the payload of a subscribe that asks for recovery
// (PROTOCOL.md §2.1). Python Chanx's clients send none.
type recoverRequest struct {
	Recover bool    `json:"recover"`
	Epoch   *string `json:"epoch"`
	Seq     *uint64 `json:"seq"`
}

// recovered is the payload of subscribed to a recover subscribe.
type recovered struct {
	Epoch     string `json:"epoch"`
	Seq       uint64 `json:"seq"`
	Recovered bool   `json:"recovered"`
}

// historyLost is the payload of history_lost.
type historyLost struct {
	Epoch     string `json:"epoch"`
	Seq       uint64 `json:"seq"`
	Earliest  uint64 `json:"earliest"`
	FromEpoch string `json:"fromEpoch"`
	FromSeq   uint64 `json:"fromSeq"`
}

// readRecover reads a subscribe's payload: ok is false when it asks for
// no recovery (absent, null, not an object, recover not true), problems
// when it asks with members of the wrong type.
func readRecover(frame []byte) (req recoverRequest, ok bool, problems []wire.Problem) {
	var f struct {
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(frame, &f) != nil || len(f.Payload) == 0 || f.Payload[0] != '{' {
		return req, false, nil
	}
	var probe struct {
		Recover json.RawMessage `json:"recover"`
	}
	if json.Unmarshal(f.Payload, &probe) != nil || string(probe.Recover) != "true" {
		return req, false, nil
	}
	if err := json.Unmarshal(f.Payload, &req); err != nil {
		ps := wire.DecodeProblems(err)
		for i := range ps {
			ps[i].Loc = append([]any{wire.ActionSubscribe, wire.KeyPayload}, ps[i].Loc...)
		}
		return req, false, ps
	}
	return req, true, nil
}

// subscribe answers a subscribe to topic, which t serves.
func (c *Conn) subscribe(t *Topic, topic string, params map[string]string, ref string, frame []byte) {
	st := wire.Stamp{Topic: topic, Ref: ref}
	env := c.ch.env
	rec, recover, problems := readRecover(frame)
	if problems != nil {
		c.srv.met.FrameError(c.ch.pattern, metrics.ReasonValidation)
		c.sendStamped(env.Problems(problems), st)
		return
	}
	c.topics.mu.Lock()
	if c.topics.done {
		c.topics.mu.Unlock()
		return
	}
	cur := c.topics.subs[topic]
	c.topics.mu.Unlock()
	if cur != nil {
		if recover && t.hist != nil && rec.Epoch != nil && rec.Seq != nil {
			// A resubscribe to fill a gap: replay from the client's
			// position, holding live pushes meanwhile.
			cur.mu.Lock()
			cur.live.Store(false)
			cur.mu.Unlock()
			c.answerSubscribed(cur, st, rec, true)
			return
		}
		c.sendStamped(nullFrame(env, wire.ActionSubscribed), st)
		return
	}
	if a := t.opts.Authorize; a != nil {
		var ok bool
		err := c.runHook("Authorize", func() error {
			var err error
			ok, err = a(c.hctx, c, params)
			return err
		})
		if err != nil {
			c.sendStamped(env.HandlerError(wire.ActionSubscribe), st)
			return
		}
		if !ok {
			c.topicError(st, wire.ReasonUnauthorized, "Not allowed to subscribe to "+pyRepr(topic))
			return
		}
	}
	sub := &Subscription{c: c, t: t, topic: topic, params: params, group: TopicGroup(t.opts.Name, topic)}
	c.topics.mu.Lock()
	if c.topics.done || c.topics.subs[topic] != nil {
		c.topics.mu.Unlock()
		return
	}
	if c.topics.subs == nil {
		c.topics.subs = make(map[string]*Subscription)
	}
	c.topics.subs[topic] = sub
	c.topics.mu.Unlock()
	if err := c.srv.joinTopic(c.hctx, sub); err != nil {
		c.topics.mu.Lock()
		delete(c.topics.subs, topic)
		c.topics.mu.Unlock()
		c.logger().LogAttrs(c.ctx, slog.LevelWarn, "chanx: subscribe failed", slog.String("conn", c.id),
			slog.String("topic", topic), slog.String("error", err.Error()))
		c.sendStamped(env.HandlerError(wire.ActionSubscribe), st)
		return
	}
	c.topics.mu.Lock()
	ended := c.topics.done && sub.closed.Load()
	c.topics.mu.Unlock()
	if ended {
		// The connection ended while it joined: endTopics left before
		// the join, so leave again.
		c.srv.leaveTopic(sub)
		return
	}
	c.answerSubscribed(sub, st, rec, recover)
	if h := t.opts.OnSubscribe; h != nil {
		ctx := withRequest(c.hctx, sub, "")
		_ = c.runHook("OnSubscribe", func() error { return h(ctx, sub) })
	}
}

// answerSubscribed sends subscribed (with the position, on a recover
// subscribe to a topic with history), the replay or history_lost, then
// lets the pushes held meanwhile through, without duplicates, and the
// subscription goes live. The subscription's layer group was joined
// before, so no push between the history read and going live is missed.
func (c *Conn) answerSubscribed(sub *Subscription, st wire.Stamp, rec recoverRequest, recover bool) {
	env := c.ch.env
	t := sub.t
	if !recover || t.hist == nil {
		c.sendStamped(nullFrame(env, wire.ActionSubscribed), st)
		sub.goLive(0)
		return
	}
	from := layer.Position{}
	resume := rec.Epoch != nil && rec.Seq != nil
	if resume {
		from = layer.Position{Epoch: *rec.Epoch, Seq: *rec.Seq}
	}
	msgs, pos, err := t.hist.Since(c.hctx, sub.group, from)
	var lost *layer.HistoryLostError
	switch {
	case errors.As(err, &lost):
		c.sendRecovered(st, recovered{Epoch: lost.Current.Epoch, Seq: lost.Current.Seq})
		b, _ := env.Frame(wire.ActionHistoryLost, historyLost{
			Epoch: lost.Current.Epoch, Seq: lost.Current.Seq, Earliest: lost.Earliest,
			FromEpoch: lost.From.Epoch, FromSeq: lost.From.Seq,
		})
		c.sendStamped(b, wire.Stamp{Topic: st.Topic})
		sub.goLive(lost.Current.Seq)
		return
	case err != nil:
		c.logger().LogAttrs(c.ctx, slog.LevelWarn, "chanx: reading topic history failed", slog.String("conn", c.id),
			slog.String("topic", st.Topic), slog.String("error", err.Error()))
		c.sendStamped(env.HandlerError(wire.ActionSubscribe), st)
		sub.goLive(0)
		return
	}
	c.sendRecovered(st, recovered{Epoch: pos.Epoch, Seq: pos.Seq, Recovered: resume})
	last := from.Seq
	if resume {
		for _, m := range msgs {
			if m.Seq <= last || m.Seq > pos.Seq {
				continue
			}
			_ = c.enqueueFrom(c.ctx, c.outgoing(wire.AppendSeq(m.Frame, m.Seq)), c.pushMarker(st.Topic, m.Seq), modeWait)
			last = m.Seq
		}
	}
	sub.goLive(pos.Seq)
}

func (c *Conn) sendRecovered(st wire.Stamp, p recovered) {
	b, err := c.ch.env.Frame(wire.ActionSubscribed, p)
	if err != nil {
		b = c.ch.env.ProcessingError()
	}
	c.sendStamped(b, st)
}

// pushMarker is the stamped event_complete that follows a topic push when
// completions are on, nil otherwise.
func (c *Conn) pushMarker(topic string, seq uint64) []byte {
	if !c.srv.opts.Completions {
		return nil
	}
	return c.outgoing(wire.AppendStamp(c.ch.env.Complete(wire.ActionEventComplete),
		wire.Stamp{Topic: topic, Seq: int64(seq), HasSeq: seq != 0}))
}

// push delivers one live push (stamped, seq included) to the
// subscription's connection, or holds it while the subscription is
// answered. It never blocks: a full queue drops it, as a broadcast.
func (s *Subscription) push(frame []byte, seq uint64) {
	if s.closed.Load() {
		return
	}
	if !s.live.Load() {
		s.mu.Lock()
		if !s.live.Load() {
			if len(s.buf) < maxBufferedPushes {
				s.buf = append(s.buf, pendingPush{frame, seq})
			} else {
				s.c.srv.met.FrameDropped(s.c.ch.pattern)
			}
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
	if seq != 0 && seq <= s.floor.Load() {
		return // replayed already
	}
	_ = s.c.enqueue(s.c.outgoing(frame), s.c.pushMarker(s.topic, seq))
}

// goLive sends the pushes held while the subscription was answered, but
// those at or below floor (the replay's end), and lets the next go
// straight through.
func (s *Subscription) goLive(floor uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.floor.Store(floor)
	for _, p := range s.buf {
		if p.seq != 0 && p.seq <= floor {
			continue
		}
		_ = s.c.enqueue(s.c.outgoing(p.frame), s.c.pushMarker(s.topic, p.seq))
	}
	s.buf = nil
	s.live.Store(true)
}

// unsubscribe answers an unsubscribe: OnUnsubscribe and leaving the group
// when subscribed, then unsubscribed in every case.
func (c *Conn) unsubscribe(topic, ref string) {
	c.topics.mu.Lock()
	sub := c.topics.subs[topic]
	delete(c.topics.subs, topic)
	c.topics.mu.Unlock()
	if sub != nil {
		c.endSubscription(sub, withRequest(c.hctx, sub, ref))
	}
	c.sendStamped(nullFrame(c.ch.env, wire.ActionUnsubscribed), wire.Stamp{Topic: topic, Ref: ref})
}

// endSubscription runs OnUnsubscribe and leaves the topic's group.
func (c *Conn) endSubscription(sub *Subscription, ctx context.Context) {
	if h := sub.t.opts.OnUnsubscribe; h != nil {
		_ = c.runHook("OnUnsubscribe", func() error { h(ctx, sub); return nil })
	}
	sub.closed.Store(true)
	c.srv.leaveTopic(sub)
}

// subscribeDedicated subscribes a dedicated route's connection to the
// topic its URL parameters name, unprompted (no ref).
func (c *Conn) subscribeDedicated() {
	ts := c.ch.topics.Load()
	if ts == nil || ts.dedicated == nil {
		return
	}
	t := ts.dedicated
	topic := t.pat.fill(c.Param)
	c.topics.mu.Lock()
	c.topics.dedicated = topic
	c.topics.mu.Unlock()
	params, ok := t.pat.match(topic)
	if !ok {
		c.topicError(wire.Stamp{Topic: topic}, wire.ReasonUnknownTopic, "Unknown topic "+pyRepr(topic))
		return
	}
	c.subscribe(t, topic, params, "", nil)
}

// endTopics ends every subscription of a connection that is going away:
// OnUnsubscribe runs for each, nothing is sent.
func (c *Conn) endTopics() {
	c.topics.mu.Lock()
	c.topics.done = true
	subs := c.topics.subs
	c.topics.subs = nil
	c.topics.mu.Unlock()
	ctx := context.WithoutCancel(c.ctx)
	for _, sub := range subs {
		sub.closed.Store(true) // OnUnsubscribe can no longer send
		c.endSubscription(sub, ctx)
	}
}

// Subscriptions returns the topics the connection is subscribed to, in no
// particular order.
func (c *Conn) Subscriptions() []string {
	c.topics.mu.Lock()
	defer c.topics.mu.Unlock()
	out := make([]string, 0, len(c.topics.subs))
	for t := range c.topics.subs {
		out = append(out, t)
	}
	return out
}

// pyRepr writes s as Python's repr() writes a str, which Python Chanx's
// topic error details quote the topic with: single quotes, unless s holds
// a single quote and no double quote.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case !unicode.IsPrint(r) && r != ' ':
			switch {
			case r < 0x100:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r < 0x10000:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// nullFrame is {"<key>": name, "payload": null}.
func nullFrame(env *wire.Envelope, name string) []byte {
	b, _ := env.Frame(name, nil) // nil always encodes
	return b
}
