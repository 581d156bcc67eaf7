package server

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/wire"
)

// RateLimit bounds how many frames one connection may send: a token
// bucket of Burst frames refilled at PerSecond. A frame that finds the
// bucket empty is not handled: it is answered with the error frame
//
//	{"action": "error", "payload": {"detail": "...", "code": "rate_limited"}}
//
// and counted (metrics.ReasonRateLimited). A client that keeps sending
// while refused is closed with 1008 "rate limit exceeded": once it has
// been refused CloseAfter frames since its bucket was last full, the next
// refused frame closes it. Other connections are not affected.
type RateLimit struct {
	// PerSecond is the sustained rate; 0 (the default) disables the
	// limit.
	PerSecond float64
	// Burst is how many frames may arrive at once after a quiet spell.
	// Default: PerSecond rounded up, at least 1.
	Burst int
	// CloseAfter is how many refused frames are answered before the
	// connection is closed; negative never closes. Default: Burst.
	CloseAfter int
}

// CodeRateLimited is the code of the error frame answering a frame over
// Options.RateLimit.
const CodeRateLimited = "rate_limited"

// ErrRateLimited is the cause handlers see when a connection is closed for
// sending over Options.RateLimit (1008 "rate limit exceeded").
var ErrRateLimited = errors.New("server: rate limit exceeded")

func (l RateLimit) withDefaults() RateLimit {
	if l.PerSecond <= 0 {
		return RateLimit{}
	}
	if l.Burst <= 0 {
		l.Burst = max(1, int(math.Ceil(l.PerSecond)))
	}
	if l.CloseAfter == 0 {
		l.CloseAfter = l.Burst
	}
	return l
}

// bucket is a connection's token bucket. Only the goroutine reading the
// connection touches it (reading moves between goroutines with a
// happens-before edge, see Conn.inline), so it takes no lock.
type bucket struct {
	tokens  float64
	last    int64 // mono() of the last refill, 0 before the first frame
	refused int   // frames refused since the bucket was last full
}

// allow takes a token for a frame arriving now, and reports whether there
// was one, and whether the connection has been refused too often.
func (b *bucket) allow(l *RateLimit, now int64) (ok, closeIt bool) {
	burst := float64(l.Burst)
	if b.last == 0 {
		b.tokens = burst
	} else {
		b.tokens = min(burst, b.tokens+float64(now-b.last)*l.PerSecond/1e9)
	}
	b.last = now
	if b.tokens >= burst {
		b.refused = 0
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, false
	}
	b.refused++
	return false, l.CloseAfter >= 0 && b.refused > l.CloseAfter
}

// rateLimited answers a frame over the rate limit, or closes the
// connection when it keeps sending. The answer is queued without waiting,
// so a flooding client that does not read only has its answers dropped.
//
//go:noinline
func (c *Conn) rateLimited(closeIt bool) {
	s := c.srv
	s.met.FrameReceived(c.ch.pattern, "unknown")
	s.met.FrameError(c.ch.pattern, metrics.ReasonRateLimited)
	if closeIt {
		const reason = "rate limit exceeded"
		if c.closeWith(websocket.StatusPolicyViolation, reason,
			fmt.Errorf("%w: %w", ErrRateLimited, websocket.CloseError{Code: websocket.StatusPolicyViolation, Reason: reason})) {
			c.logger().LogAttrs(c.ctx, slog.LevelWarn, "chanx: closing client over its rate limit",
				slog.String("conn", c.id), slog.String("channel", c.ch.pattern),
				slog.Float64("per_second", s.opts.RateLimit.PerSecond), slog.Int("burst", s.opts.RateLimit.Burst))
		}
		return
	}
	l := s.opts.RateLimit
	detail := "Too many messages: at most " + strconv.FormatFloat(l.PerSecond, 'g', -1, 64) +
		" per second, in bursts of " + strconv.Itoa(l.Burst) + "; this one was not processed"
	var marker []byte
	if s.opts.Completions {
		marker = c.ch.env.Complete(wire.ActionComplete) // as every answered frame
	}
	_ = c.enqueue(c.outgoing(c.ch.env.CodedError(CodeRateLimited, detail)), marker)
}

// reserve takes a connection slot on the server and on ch before the
// upgrade, or answers 503 and reports false when either is full.
func (ch *Channel) reserve(w http.ResponseWriter, r *http.Request) bool {
	s := ch.srv
	if s.opts.MaxConnections > 0 && s.open.Add(1) > int64(s.opts.MaxConnections) {
		s.open.Add(-1)
		ch.refuseCapacity(w, r, "server", s.opts.MaxConnections)
		return false
	}
	if ch.opts.MaxConnections > 0 && ch.open.Add(1) > int64(ch.opts.MaxConnections) {
		ch.open.Add(-1)
		if s.opts.MaxConnections > 0 {
			s.open.Add(-1)
		}
		ch.refuseCapacity(w, r, "channel", ch.opts.MaxConnections)
		return false
	}
	return true
}

// release gives back what reserve took.
func (ch *Channel) release() {
	if ch.srv.opts.MaxConnections > 0 {
		ch.srv.open.Add(-1)
	}
	if ch.opts.MaxConnections > 0 {
		ch.open.Add(-1)
	}
}

func (ch *Channel) refuseCapacity(w http.ResponseWriter, r *http.Request, scope string, limit int) {
	s := ch.srv
	s.met.ConnectionRejected(ch.pattern, metrics.RejectCapacity)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "chanx: connection rejected",
		slog.String("channel", ch.pattern), slog.String("reason", metrics.RejectCapacity),
		slog.String("scope", scope), slog.Int("max_connections", limit), slog.String("remote", r.RemoteAddr))
	w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	http.Error(w, "chanx: the "+scope+" is at capacity ("+strconv.Itoa(limit)+
		" connections open); try again later", http.StatusServiceUnavailable)
}

// retryAfter is what a 503 at capacity suggests a client waits.
const retryAfter = 5 * time.Second
