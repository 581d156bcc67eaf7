package conformance

import (
	"context"
	"errors"
	"fmt"

	"github.com/coder/websocket"
)

// notRun is the verdict of a check a case could not judge because the
// server went down during it; record drops it, and the check ends up
// skipped as "not run: server down".
const notRun = "\x00not run"

// downReason is the skip reason of every check left once the server is
// down.
const downReason = "not run: the server is down (see handshake)"

// outage is a server that stopped accepting connections, or resets every
// one, in the middle of a run.
type outage struct {
	// Message names the root cause: the last frame sent before it.
	Message string
}

// noteSent counts the frames sent in the whole run and keeps the last,
// so that an outage can name the frame after which the server died.
func (r *runner) noteSent(c *conn, typ websocket.MessageType, data []byte) {
	r.sentCount++
	what := short(data)
	if typ == websocket.MessageBinary {
		what = fmt.Sprintf("a binary frame of %d bytes", len(data))
	} else if len(data) == 0 {
		what = "an empty text frame"
	} else {
		what = "the frame " + what
	}
	r.lastSent[0], r.lastSent[1] = r.lastSent[1], fmt.Sprintf("%s on connection %s", what, c.name)
}

// checkAlive runs when a handshake failed in the middle of the run: it
// tries once more, and when the server refuses again (or accepts only to
// drop the connection at once) it is down. The outage is reported once,
// on the handshake check of the channel where it was found, and every
// check not judged yet is skipped.
func (r *runner) checkAlive(ctx context.Context, p *channelPlan) {
	if r.down != nil || ctx.Err() != nil {
		return
	}
	cr := r.newCase(p)
	cr.raw = true
	c, _, err := dialConn(ctx, "L", r.url(p.paths[0]), r.o.header, r.o.timeout, cr.rec, cr.observe)
	why, detail := "", ""
	switch {
	case err != nil:
		why, detail = "the server stopped accepting connections", err.Error()
	default:
		if p.fence != nil {
			err = r.awaitFence(ctx, p, c, nil)
		} else {
			err = listen(ctx, c, r.o.quiet, nil)
		}
		var ce *closedError
		if errors.As(err, &ce) && ce.Code == int(websocket.StatusAbnormalClosure) {
			why, detail = "the server resets every connection", ce.Error()
		}
		c.close()
	}
	if why == "" {
		return
	}
	after := "before any frame was sent"
	if r.sentCount > 0 {
		after = fmt.Sprintf("after frame %d of the run, %s", r.sentCount, r.lastSent[1])
		if r.lastSent[0] != "" {
			after = fmt.Sprintf("after frame %d of the run (the last two sent: %s, then %s)", r.sentCount, r.lastSent[0], r.lastSent[1])
		}
	}
	msg := fmt.Sprintf("%s %s: %s", why, after, detail)
	r.down = &outage{Message: msg}
	res := r.result(CheckHandshake, p.ch.Name, "")
	res.Cases++
	res.Status, res.Reason = Fail, firstLine(msg)
	res.Failure = &Failure{Check: CheckHandshake, Channel: p.ch.Name, Message: msg, Seed: r.o.seed, Case: Case{Kind: "handshake", Path: p.paths[0]}, Transcript: cr.rec.list()}
}
