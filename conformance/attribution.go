package conformance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// Frame attribution.
//
// A server may send frames nobody asked for: a welcome on connect, a
// "user joined" notice to the others when a connection joins, a periodic
// push. When such a frame is of a reply's type, taking "the next frame"
// as the answer blames (or credits) the wrong request. So before testing a
// channel the tester learns, from a connection it opens and then a second
// one, what the server sends unprompted:
//
//   - welcome: what a new connection receives before it sends anything;
//   - joined: what an open connection receives when another one joins;
//   - periodic: what keeps arriving on an idle connection after that.
//
// Every case then waits, on each connection it opens, for the welcome
// frames (and on the connections already open for the joined ones) before
// it sends its first frame, so that what it reads afterwards answers what
// it sent. Periodic frames never decide a verdict meant for a reply.

// kindOf names what a frame is for attribution: the declared message it
// matches, the built-in frame it is, or "other".
func (p *channelPlan) kindOf(f frame) string {
	v, ok := decode(f)
	if !ok {
		return "other"
	}
	if m := p.out.Match(v).Message; m != nil {
		return "message " + m.Name
	}
	if obj, ok := v.(map[string]any); ok {
		if a, ok := obj[p.key].(string); ok && p.isBuiltin(a) {
			return "builtin " + a
		}
	}
	return "other"
}

// isPeriodic reports whether v is a frame the server was seen to push
// unprompted over and over.
func (p *channelPlan) isPeriodic(f frame) bool {
	return len(p.periodic) > 0 && p.periodic[p.kindOf(f)]
}

// learnUnprompted opens two connections to p and records what the server
// sends on its own (see the package comment above). The frames are
// judged by server-frames-declared like any others.
//
// When the server answers a frame with an unknown discriminator with an
// error frame, that frame is the marker: what arrives before its answer
// was sent unprompted, whatever the timing (an in-order server writes
// its welcome before it reads the marker). Otherwise the tester listens
// for the quiet period. Periodic frames are what keeps arriving on the
// idle connection for a quiet period after that.
func (r *runner) learnUnprompted(ctx context.Context, p *channelPlan) {
	if p.inProp != "" && r.learnWith(ctx, p, true) {
		p.answersUnknown = true
		return
	}
	r.learnWith(ctx, p, false)
}

// learnWith learns with the marker or the quiet period; false when the
// marker did not work (nothing is recorded then).
func (r *runner) learnWith(ctx context.Context, p *channelPlan, marker bool) bool {
	cr := r.newCase(p)
	cr.raw = true
	gather := func(c *conn) ([]string, bool) {
		if !marker {
			return collect(ctx, c, p, r.o.quiet), true
		}
		var kinds []string
		err := r.awaitMarker(ctx, p, c, nil, func(f frame) { kinds = append(kinds, p.kindOf(f)) })
		return kinds, err == nil
	}
	a, err := cr.dial(ctx, "A", p.paths[0])
	if err != nil {
		r.record(ctx, p, nil, Case{Kind: "connect", Path: p.paths[0]}, nil, cr.verdicts(), cr.rec.list())
		return true
	}
	welcome, ok := gather(a)
	var b *conn
	var joined []string
	if ok {
		if b, err = cr.dial(ctx, "B", p.paths[0]); err == nil {
			// B's own marker answered: the server has handled B's
			// arrival; then A's tells what reached A because of it.
			if _, ok = gather(b); ok {
				joined, ok = gather(a)
			}
		}
	}
	var late []string
	if ok {
		late = collect(ctx, a, p, r.o.quiet)
	}
	if b != nil {
		b.close()
	}
	a.close()
	if !ok {
		return false
	}
	p.periodic = map[string]bool{}
	for _, k := range late {
		p.periodic[k] = true
	}
	drop := func(kinds []string) []string {
		var out []string
		for _, k := range kinds {
			if !p.periodic[k] {
				out = append(out, k)
			}
		}
		return out
	}
	p.welcome, p.joined = drop(welcome), drop(joined)
	r.record(ctx, p, nil, Case{Kind: "connect", Path: p.paths[0]}, nil, cr.verdicts(), cr.rec.list())
	return true
}

// collect reads what arrives on c for d and returns the frames' kinds.
func collect(ctx context.Context, c *conn, p *channelPlan, d time.Duration) []string {
	var kinds []string
	deadline := time.Now().Add(d)
	for {
		f, err := c.next(ctx, time.Until(deadline))
		if err != nil {
			return kinds
		}
		kinds = append(kinds, p.kindOf(f))
	}
}

// expect waits on c for frames of the given kinds, in any order, at most
// timeout; frames of other kinds that arrive meanwhile are consumed too
// (they are unprompted: nothing was sent yet). It notes on the transcript
// how many were absorbed.
func (r *runner) expect(ctx context.Context, p *channelPlan, c *conn, kinds []string, why string) {
	if len(kinds) == 0 {
		return
	}
	want := map[string]int{}
	for _, k := range kinds {
		want[k]++
	}
	missing := len(kinds)
	deadline := time.Now().Add(r.o.timeout)
	n := 0
	for missing > 0 {
		f, err := c.next(ctx, time.Until(deadline))
		if err != nil {
			break
		}
		n++
		if k := p.kindOf(f); want[k] > 0 {
			want[k]--
			missing--
		}
	}
	note := fmt.Sprintf("%d frame(s) %s, not answers to anything sent", n, why)
	if missing > 0 {
		note += fmt.Sprintf("; %d expected one(s) did not come", missing)
	}
	c.rec.add(Event{Conn: c.name, Kind: "unprompted", Note: note})
}

// pushOnly reports whether the channel only pushes: clients send nothing
// on it, so an idle connection is all there is to observe.
func (p *channelPlan) pushOnly() bool {
	return len(p.ops) == 0 && p.out.Len() > 0
}

// socketIO recognises the Engine.IO open packet a Socket.IO server sends
// first ("0" then a JSON object with a sid), and Socket.IO event packets
// ("42[...]"), which no JSON document describes.
func socketIO(f frame) bool {
	if f.typ != websocket.MessageText || len(f.data) < 2 {
		return false
	}
	s := string(f.data)
	if strings.HasPrefix(s, `0{`) && strings.Contains(s, `"sid"`) {
		return true
	}
	return strings.HasPrefix(s, "42[") || strings.HasPrefix(s, "40{") || s == "40"
}
