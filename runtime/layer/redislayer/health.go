package redislayer

import (
	"context"
	"errors"
	"time"

	"github.com/redis/rueidis"

	"github.com/chanxgo/chanx/runtime/layer"
)

var _ layer.HealthReporter = (*Layer)(nil)

// Healthy reports whether the layer reaches the other processes now: the
// last PING or PUBLISH was answered by Redis, and every group whose
// subscription dropped with the connection is subscribed again (Redis
// confirmed it). After Redis comes back, the layer reports itself healthy
// only once its subscriptions are restored, so a readiness check that
// waits for Healthy does not send traffic to a process that would miss
// the other processes' messages. A health check PINGs Redis every
// HealthInterval; a failed Publish marks Redis unreachable at once.
// Healthy is false after Close.
func (l *Layer) Healthy() bool {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	return l.h.healthy
}

// setReachable records the outcome of a PING or PUBLISH: err nil when
// Redis answered.
func (l *Layer) setReachable(err error) {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	l.h.reachable = err == nil
	if err != nil {
		l.h.lastErr = err
		if l.h.back == nil {
			l.h.back = make(chan struct{})
		}
	} else if l.h.back != nil {
		close(l.h.back)
		l.h.back = nil
	}
	l.unreachable.Store(err != nil)
	l.updateHealth()
}

// closedChan is returned by redisBack while Redis is reachable.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// redisBack returns a channel closed once Redis answers again (at once
// when it is reachable now).
func (l *Layer) redisBack() <-chan struct{} {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	if l.h.back == nil {
		return closedChan
	}
	return l.h.back
}

// groupLost records that g's subscription ended with err while g was
// wanted and had been confirmed, and reports whether it was.
func (l *Layer) groupLost(g *group, err error) bool {
	var re *rueidis.RedisError
	if errors.As(err, &re) {
		return false // a refusal, not a lost connection: Receive reports it
	}
	select {
	case <-g.ready:
	default:
		return false // never subscribed: Subscribe reports that itself
	}
	l.hmu.Lock()
	defer l.hmu.Unlock()
	if g.stopped {
		return false
	}
	if g.lost {
		return true
	}
	g.lost = true
	l.h.lost++
	if l.h.lastErr == nil {
		l.h.lastErr = err
	}
	l.updateHealth()
	return true
}

// groupBack records a confirmation of g's subscription.
func (l *Layer) groupBack(g *group) {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	if !g.lost {
		return
	}
	g.lost = false
	l.h.lost--
	l.updateHealth()
}

// updateHealth recomputes Healthy, logs a change and wakes the health
// loop to report it; l.hmu is held.
func (l *Layer) updateHealth() {
	h := &l.h
	healthy := h.reachable && h.lost == 0 && !h.closed
	if healthy == h.healthy {
		return
	}
	now := time.Now()
	took := now.Sub(h.since)
	h.healthy, h.since = healthy, now
	switch {
	case healthy:
		l.opts.Logger.Info("redislayer: healthy again: Redis answers and every subscription is restored",
			"unhealthy_for", took)
	case h.closed:
	default:
		h.unhealthy++
		l.opts.Logger.Warn("redislayer: unhealthy: messages published now may not reach other processes",
			"redis_reachable", h.reachable, "lost_subscriptions", h.lost, "error", h.lastErr)
	}
	select {
	case l.healthChanged <- struct{}{}:
	default:
	}
}

// unreachablePingInterval is how often the health check PINGs a Redis
// found unreachable.
const unreachablePingInterval = 100 * time.Millisecond

// healthLoop PINGs Redis every HealthInterval and calls OnHealthChange
// with each change, until ctx is cancelled (by Close).
func (l *Layer) healthLoop(ctx context.Context) {
	defer l.running.Done()
	// While Redis is unreachable the loop PINGs more often, so that the
	// groups waiting for it (redisBack) resubscribe soon after it is back.
	fast := min(l.opts.HealthInterval, unreachablePingInterval)
	t := time.NewTimer(l.opts.HealthInterval)
	defer t.Stop()
	notified := true // NewWithClient reported the first state
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.healthChanged:
			if l.unreachable.Load() {
				t.Reset(fast)
			}
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, l.opts.PublishTimeout)
			err := l.client.Do(pctx, l.client.B().Ping().Build()).Error()
			cancel()
			if ctx.Err() != nil || errors.Is(err, rueidis.ErrClosing) {
				return
			}
			var re *rueidis.RedisError
			if errors.As(err, &re) {
				err = nil // Redis answered, if only to refuse (an ACL)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				err = errors.New("redislayer: PING: Redis did not answer within PublishTimeout")
			}
			l.setReachable(err)
			if err != nil {
				t.Reset(fast)
			} else {
				t.Reset(l.opts.HealthInterval)
			}
		}
		if l.opts.OnHealthChange == nil {
			continue
		}
		if h := l.Healthy(); h != notified {
			notified = h
			l.opts.OnHealthChange(h)
		}
	}
}
