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
	}
	l.unreachable.Store(err != nil)
	l.updateHealth()
}

// groupLost records that g's subscription ended with err while g was
// wanted and had been confirmed.
func (l *Layer) groupLost(g *group, err error) {
	select {
	case <-g.ready:
	default:
		return // never subscribed: Subscribe reports that itself
	}
	l.hmu.Lock()
	defer l.hmu.Unlock()
	if g.stopped || g.lost {
		return
	}
	g.lost = true
	l.h.lost++
	if l.h.lastErr == nil {
		l.h.lastErr = err
	}
	l.updateHealth()
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

// healthLoop PINGs Redis every HealthInterval and calls OnHealthChange
// with each change, until ctx is cancelled (by Close).
func (l *Layer) healthLoop(ctx context.Context) {
	defer l.running.Done()
	t := time.NewTicker(l.opts.HealthInterval)
	defer t.Stop()
	notified := true // NewWithClient reported the first state
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.healthChanged:
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
