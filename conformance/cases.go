package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/conformance/match"
	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/wire"
)

// fence is a request the server was seen to answer.
type fence struct {
	op    *opPlan
	frame testFrame
}

// caseRun is one case in progress: its transcript and what the
// server-frames-declared check saw.
type caseRun struct {
	r    *runner
	p    *channelPlan
	rec  *transcript
	seen int
	// undeclared is the first frame the document does not allow, and why.
	undeclared string
	// noted counts the frames noted as undeclared in the transcript.
	noted int
	// dialErr is a handshake that failed in the middle of the run: the
	// server went away or stopped accepting.
	dialErr string
	// raw: connections are used as they come, without waiting for the
	// frames the server sends unprompted (while those are being learnt).
	raw bool
	// conns are the case's connections, in the order they were opened.
	conns []*conn
	// noJoin: connections to a topic channel are not subscribed on
	// dial (the topic checks subscribe themselves).
	noJoin bool
	// topicErr is a subscription that failed in the middle of the run.
	topicErr string
}

func (r *runner) newCase(p *channelPlan) *caseRun {
	return &caseRun{r: r, p: p, rec: &transcript{}}
}

// dial opens a connection for the case and waits for what the server
// sends unprompted when it joins (see attribution.go): its welcome, and
// the joined notices on the case's connections already open.
func (cr *caseRun) dial(ctx context.Context, name, path string) (*conn, error) {
	c, _, err := dialConn(ctx, name, cr.r.url(path), cr.r.o.header, cr.r.o.timeout, cr.rec, cr.observe)
	if err != nil {
		if cr.dialErr == "" && ctx.Err() == nil {
			cr.dialErr = fmt.Sprintf("handshake to %s failed in the middle of the run: %v", path, err)
			cr.r.checkAlive(ctx, cr.p)
		}
		return nil, err
	}
	c.sent = cr.r.noteSent
	c.dropped = func() { cr.r.dropSeen = true }
	c.tp = cr.p.newTopicConn()
	var before []string
	if c.tp != nil && !cr.noJoin {
		var why string
		if before, why = cr.r.join(ctx, cr.p, c); why != "" {
			if cr.topicErr == "" {
				cr.topicErr = why
			}
			c.close()
			return nil, errors.New(why)
		}
	}
	if !cr.raw {
		cr.r.expect(ctx, cr.p, c, subtract(cr.p.welcome, before), "sent on connect")
		for _, o := range cr.conns {
			if !o.isClosed() {
				cr.r.expect(ctx, cr.p, o, cr.p.joined, "sent when "+name+" joined")
			}
		}
	}
	cr.conns = append(cr.conns, c)
	return c, nil
}

// maxNotes is how many undeclared frames of one case get a reason in the
// transcript.
const maxNotes = 10

// observe judges every frame the server sends against the document; the
// reason a frame is not allowed goes on its transcript line.
func (cr *caseRun) observe(c *conn, f frame) string {
	cr.seen++
	if cr.noted >= maxNotes {
		// The verdict is in; validating a flood of frames for notes
		// nobody reads would only slow the run down.
		return ""
	}
	why := cr.p.envelopeProblem(c, f)
	if why == "" {
		why = cr.p.undeclared(f)
	}
	if why != "" {
		cr.noted++
	}
	if why != "" && cr.undeclared == "" {
		cr.undeclared = fmt.Sprintf("connection %s received %s\n%s", c.name, short(f.data), why)
	}
	if why != "" {
		return "undeclared: " + strings.ReplaceAll(strings.ReplaceAll(why, "\n  ", "; "), "\n", "; ")
	}
	return ""
}

// verdicts returns the server-frames-declared verdict of the case, when
// the server sent anything.
func (cr *caseRun) verdicts() verdicts {
	v := verdicts{}
	if cr.r.shrinking {
		return v
	}
	if cr.seen > 0 {
		v[CheckServerFrames] = cr.undeclared
	}
	if cr.dialErr != "" {
		v[CheckHandshake] = cr.dialErr
	}
	if cr.topicErr != "" {
		v[CheckTopicSubscribe] = cr.topicErr
	}
	return v
}

// decode parses a text frame holding JSON, numbers kept exact.
func decode(f frame) (any, bool) {
	if f.typ != websocket.MessageText {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(f.data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	return v, true
}

func short(data []byte) string {
	const n = 300
	if len(data) > n {
		return string(data[:n]) + fmt.Sprintf("… (%d bytes)", len(data))
	}
	return string(data)
}

// undeclared says why f is not a frame the server may send on p, "" when
// it is one.
func (p *channelPlan) undeclared(f frame) string {
	if f.typ != websocket.MessageText {
		return "a binary frame: the document's messages are JSON text frames"
	}
	v, ok := decode(f)
	if !ok {
		return "the frame is not JSON"
	}
	res := p.out.Match(v)
	if res.Message != nil {
		return ""
	}
	if p.builtins {
		if obj, ok := v.(map[string]any); ok {
			if a, ok := obj[p.key].(string); ok && p.isBuiltin(a) && !p.declaresOut(a) {
				return ""
			}
		}
	}
	if res.Closest == nil {
		return fmt.Sprintf("the document declares no message the server may send on channel %s", p.ch.Name)
	}
	var b strings.Builder
	if obj, ok := v.(map[string]any); ok && p.outProp != "" {
		if d, ok := obj[p.outProp].(string); ok && !p.declaresOut(d) {
			var names []string
			for _, m := range p.out.Messages() {
				names = append(names, p.out.Value(m))
			}
			fmt.Fprintf(&b, "%s %q names no message the server may send on channel %s (it may send %s)\n", p.outProp, d, p.ch.Name, strings.Join(names, ", "))
		}
	}
	fmt.Fprintf(&b, "not a message the server may send on channel %s; closest: %s", p.ch.Name, res.Closest.Name)
	for i, pr := range res.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "\n  … %d more", len(res.Problems)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s", pr)
	}
	return b.String()
}

func (p *channelPlan) declaresOut(value string) bool {
	for _, m := range p.out.Messages() {
		if p.out.Value(m) == value {
			return true
		}
	}
	return false
}

// isError reports whether v is an error frame of the chanx protocol,
// written under the channel's key.
func (p *channelPlan) isError(v any) bool {
	obj, ok := v.(map[string]any)
	return ok && obj[p.key] == wire.ActionError
}

// isFenceReply reports whether v answers the fence request.
func (p *channelPlan) isFenceReply(v any) bool {
	return p.fence != nil && p.fence.op.replies.Match(v).Message != nil
}

// replyNames names op's reply messages, for failure messages.
func replyNames(op *opPlan) string {
	var names []string
	for _, m := range op.replies.Messages() {
		names = append(names, m.Name)
	}
	return strings.Join(names, " or ")
}

// runFrameCase runs a valid or invalid case again (for shrinking and
// replay).
func (r *runner) runFrameCase(ctx context.Context, p *channelPlan, op *opPlan, kind string, tf testFrame, judge map[string]bool) (verdicts, []Event) {
	switch kind {
	case "valid":
		return r.validCase(ctx, p, op, tf, judge)
	case "invalid":
		return r.invalidCase(ctx, p, op, tf, judge)
	case "isolation":
		return r.isolationCase(ctx, p, op, tf)
	}
	return verdicts{}, nil
}

// awaitFence sends the fence on c and waits for its reply; every other
// decoded frame on the way goes to onFrame.
func (r *runner) awaitFence(ctx context.Context, p *channelPlan, c *conn, onFrame func(any)) error {
	c.send(ctx, websocket.MessageText, p.fence.frame.json(), r.o.timeout)
	deadline := time.Now().Add(r.o.timeout)
	for {
		f, err := c.next(ctx, time.Until(deadline))
		if err != nil {
			return err
		}
		v, ok := decode(f)
		if !ok {
			continue
		}
		if p.isFenceReply(v) {
			return nil
		}
		if onFrame != nil {
			onFrame(v)
		}
	}
}

// unknownFrame is a frame with a discriminator no message has: a
// server that answers it with an error frame gives the tester a marker.
func (p *channelPlan) unknownFrame() []byte {
	b, _ := json.Marshal(map[string]any{p.inProp: "chanx_conformance_unknown", "payload": nil})
	return b
}

// probeMarker finds out whether the server answers a frame with an
// unknown discriminator with an error frame, unless the malformed cases
// already did. Its frames are judged by server-frames-declared only.
func (r *runner) probeMarker(ctx context.Context, p *channelPlan) {
	if p.answersUnknown || p.inProp == "" || r.stopped() {
		return
	}
	cr := r.newCase(p)
	a, err := cr.dial(ctx, "A", p.paths[0])
	if err != nil {
		return
	}
	if r.awaitMarker(ctx, p, a, nil) == nil {
		p.answersUnknown = true
	}
	a.close()
	r.record(ctx, p, nil, Case{Kind: "probe", Path: p.paths[0], Frame: p.unknownFrame()}, nil, cr.verdicts(), cr.rec.list())
}

// awaitMarker sends the unknown-discriminator frame on c and waits for its
// error frame; every other decoded frame on the way goes to onFrame, and
// every frame at all to onAny when set.
func (r *runner) awaitMarker(ctx context.Context, p *channelPlan, c *conn, onFrame func(any), onAny ...func(frame)) error {
	c.send(ctx, websocket.MessageText, p.unknownFrame(), r.o.timeout)
	deadline := time.Now().Add(r.o.timeout)
	for {
		f, err := c.next(ctx, time.Until(deadline))
		if err != nil {
			return err
		}
		v, ok := decode(f)
		if ok && p.isError(v) {
			return nil
		}
		for _, g := range onAny {
			g(f)
		}
		if ok && onFrame != nil {
			onFrame(v)
		}
	}
}

// validCase sends one valid frame: it must not be answered with an error,
// and when the operation declares a reply, the reply must come.
func (r *runner) validCase(ctx context.Context, p *channelPlan, op *opPlan, tf testFrame, judge map[string]bool) (verdicts, []Event) {
	cr := r.newCase(p)
	a, err := cr.dial(ctx, "A", p.paths[0])
	if err != nil {
		return cr.verdicts(), cr.rec.list()
	}
	defer a.close()
	// An observer on the same channel sees what the server broadcasts, so
	// that those frames are checked against the document too.
	var b *conn
	if p.fence != nil && p.out.Len() > 0 && !r.shrinking {
		if b, err = cr.dial(ctx, "B", p.paths[0]); err == nil {
			defer b.close()
			_ = r.awaitFence(ctx, p, b, nil)
		}
	}
	v := verdicts{}
	data := tf.json()
	a.send(ctx, websocket.MessageText, data, r.o.timeout)
	ref := ""
	if a.tp != nil {
		ref = a.tp.last
	}
	var others []string
	errorFrame := func(x any) string {
		raw, _ := json.Marshal(x)
		return fmt.Sprintf("the valid frame %s was answered with an error: %s", data, raw)
	}
	// The answer is awaited whatever is judged: server-frames-declared
	// (alone, or in a replay) needs the frames the request brings.
	settled := false
	if op.replies.Len() > 0 {
		deadline := time.Now().Add(r.o.timeout)
	wait:
		for {
			f, err := a.next(ctx, time.Until(deadline))
			var ce *closedError
			switch {
			case errors.As(err, &ce):
				if judge[CheckValidAccepted] {
					v[CheckValidAccepted] = fmt.Sprintf("the valid frame %s was answered by closing the connection (%d)", data, ce.Code)
				}
				break wait
			case err != nil:
				if judge[CheckReply] {
					msg := fmt.Sprintf("no reply (%s) to %s within %s", replyNames(op), data, r.o.timeout)
					if len(others) > 0 {
						msg += "; received instead: " + strings.Join(others, ", ")
					}
					v[CheckReply] = msg
				}
				if judge[CheckValidAccepted] {
					v[CheckValidAccepted] = ""
				}
				break wait
			}
			x, ok := decode(f)
			if !ok {
				others = appendCapped(others, short(f.data))
				continue
			}
			if p.isPeriodic(f) && op.replies.Match(x).Message == nil {
				continue
			}
			if p.isError(x) {
				if judge[CheckValidAccepted] {
					v[CheckValidAccepted] = errorFrame(x)
				}
				break wait
			}
			if m := op.replies.Match(x).Message; m != nil {
				if judge[CheckReply] {
					v[CheckReply] = correlation(tf, m, x)
					if v[CheckReply] == "" {
						v[CheckReply] = p.replyRef(op, f, m, ref)
					}
				}
				if judge[CheckValidAccepted] {
					v[CheckValidAccepted] = ""
				}
				settled = true
				break wait
			}
			others = appendCapped(others, short(f.data))
		}
		// What the server sends after the reply (a second frame for the
		// same request) is in once a fence comes back.
		if settled && p.fence != nil && !r.shrinking {
			_ = r.awaitFence(ctx, p, a, nil)
		}
	} else {
		if judge[CheckValidAccepted] {
			v[CheckValidAccepted] = ""
		}
		onFrame := func(x any) {
			if p.isError(x) && judge[CheckValidAccepted] && v[CheckValidAccepted] == "" {
				v[CheckValidAccepted] = errorFrame(x)
			}
		}
		var err error
		if p.fence != nil {
			err = r.awaitFence(ctx, p, a, onFrame)
		} else {
			err = listen(ctx, a, r.o.quiet, onFrame)
		}
		var ce *closedError
		if errors.As(err, &ce) && judge[CheckValidAccepted] && v[CheckValidAccepted] == "" {
			v[CheckValidAccepted] = fmt.Sprintf("the valid frame %s was answered by closing the connection (%d)", data, ce.Code)
		}
	}
	if b != nil && p.fence != nil {
		_ = r.awaitFence(ctx, p, b, nil)
	}
	a.close()
	if b != nil {
		b.close()
	}
	for k, x := range cr.verdicts() {
		v[k] = x
	}
	return v, cr.rec.list()
}

// listen reads frames for d, handing each decoded one to onFrame; it
// returns the *closedError when the connection ends.
func listen(ctx context.Context, c *conn, d time.Duration, onFrame func(any)) error {
	deadline := time.Now().Add(d)
	for {
		f, err := c.next(ctx, time.Until(deadline))
		if errors.Is(err, errTimeout) {
			return nil
		}
		if err != nil {
			return err
		}
		if x, ok := decode(f); ok && onFrame != nil {
			onFrame(x)
		}
	}
}

// correlation checks that a reply echoes the request's correlation id
// when both messages declare one in the payload; "" when it does or when
// there is nothing to compare.
func correlation(req testFrame, reply *ir.Message, got any) string {
	if req.msg.CorrelationID == nil || reply.CorrelationID == nil {
		return ""
	}
	want, ok1 := locate(req.value, req.msg.CorrelationID.Location)
	have, ok2 := locate(got, reply.CorrelationID.Location)
	if !ok1 {
		return ""
	}
	if !ok2 {
		return fmt.Sprintf("the reply %s carries no correlation id at %s (the request had %v)", reply.Name, reply.CorrelationID.Location, want)
	}
	if match.Key(want) != match.Key(have) {
		return fmt.Sprintf("the reply %s has correlation id %v at %s, the request had %v", reply.Name, have, reply.CorrelationID.Location, want)
	}
	return ""
}

// locate reads a "$message.payload#/pointer" runtime expression from v.
func locate(v any, expr string) (any, bool) {
	ptr, ok := strings.CutPrefix(expr, "$message.payload#")
	if !ok {
		return nil, false // headers do not exist on a WebSocket frame
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" && ptr == "" {
			break
		}
		tok = jsonptr.Unescape(tok)
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[tok]; !ok {
			return nil, false
		}
	}
	return v, true
}

// badOutcome is what happened after a bad input.
type badOutcome struct {
	rejected bool   // an error frame came
	errors   []any  // the error frames, decoded
	success  string // a reply came, as if the input were fine
	closed   *closedError
	fenceOK  bool // the fence sent after the bad input was answered
	fenced   bool // a fence was sent
}

// afterBad watches what follows a bad input the caller has just sent on
// a: error frames, a reply as if the input were fine, a close, and — when
// useFence — the answer to a fence sent right after it. waitReject keeps
// it listening for a rejection up to the timeout.
func (r *runner) afterBad(ctx context.Context, p *channelPlan, a *conn, op *opPlan, waitReject bool, useFence bool) badOutcome {
	var out badOutcome
	if useFence {
		a.send(ctx, websocket.MessageText, p.fence.frame.json(), r.o.timeout)
		out.fenced = true
	}
	deadline := time.Now().Add(r.o.timeout)
	if !useFence && !waitReject {
		deadline = time.Now().Add(r.o.quiet)
	}
	for {
		if (out.rejected || out.success != "") && (!useFence || out.fenceOK) {
			return out
		}
		if out.fenceOK && !waitReject {
			return out
		}
		f, err := a.next(ctx, time.Until(deadline))
		var ce *closedError
		if errors.As(err, &ce) {
			out.closed = ce
			return out
		}
		if err != nil {
			return out
		}
		x, ok := decode(f)
		if !ok {
			continue
		}
		if p.isPeriodic(f) {
			continue // a push, not an answer
		}
		switch {
		case p.isError(x):
			out.rejected = true
			out.errors = append(out.errors, x)
		case useFence && p.isFenceReply(x) && !out.fenceOK:
			out.fenceOK = true
			if !out.rejected {
				// In-order servers have answered by now; give a
				// concurrent one a moment more.
				deadline = time.Now().Add(r.o.quiet)
			}
		case op != nil && !useFence && op.replies.Match(x).Message != nil:
			out.success = short(f.data)
		case op != nil && useFence && p.fence.op != op && op.replies.Match(x).Message != nil:
			out.success = short(f.data)
		}
	}
}

// recovered checks, after a bad input, that the server still answers the
// fence: on the same connection when it is open, else on a new one.
func (r *runner) recovered(ctx context.Context, cr *caseRun, a *conn, out badOutcome, what string) string {
	if out.fenceOK {
		return ""
	}
	c := a
	if out.closed != nil || a.isClosed() {
		var err error
		c, err = cr.dial(ctx, "C", cr.p.paths[0])
		if err != nil {
			if r.down != nil {
				return notRun
			}
			return fmt.Sprintf("after %s closed the connection, a new handshake failed: %v", what, err)
		}
		defer c.close()
	} else if out.fenced {
		// The fence already went out and was not answered in time.
		return fmt.Sprintf("after %s the server did not answer %s within %s", what, cr.p.fence.frame.json(), r.o.timeout)
	}
	if err := r.awaitFence(ctx, cr.p, c, nil); err != nil {
		where := "on the same connection"
		if c != a {
			where = "on a new connection"
		}
		return fmt.Sprintf("after %s the server did not answer %s %s: %v", what, cr.p.fence.frame.json(), where, err)
	}
	return ""
}

// invalidCase sends one invalid frame: it must be rejected, not answered
// as a success, and the server must answer a valid request afterwards.
func (r *runner) invalidCase(ctx context.Context, p *channelPlan, op *opPlan, tf testFrame, judge map[string]bool) (verdicts, []Event) {
	cr := r.newCase(p)
	a, err := cr.dial(ctx, "A", p.paths[0])
	if err != nil {
		return cr.verdicts(), cr.rec.list()
	}
	defer a.close()
	data := tf.json()
	a.send(ctx, websocket.MessageText, data, r.o.timeout)
	useFence := p.fence != nil && p.fence.op != op && judge[CheckRecovers]
	out := r.afterBad(ctx, p, a, op, judge[CheckInvalid], useFence)
	v := verdicts{}
	if judge[CheckInvalid] {
		switch {
		case out.success != "":
			v[CheckInvalid] = fmt.Sprintf("the invalid frame %s (%s) was answered as a success: %s", data, tf.origin, out.success)
		case out.rejected:
			v[CheckInvalid] = attribute(p, tf, out.errors)
		case out.closed != nil && (out.closed.Code == int(websocket.StatusInvalidFramePayloadData) || out.closed.Code == int(websocket.StatusPolicyViolation)):
			v[CheckInvalid] = unverified + "closed with " + fmt.Sprint(out.closed.Code)
		case r.o.noConvention:
			v[CheckInvalid] = unverified + "no rejection seen, which the document does not require (conventions off)"
		case out.closed != nil:
			v[CheckInvalid] = fmt.Sprintf("the invalid frame %s (%s) was answered with %v; want an error frame or close 1007/1008 (a convention check: --no-conventions turns this part off)", data, tf.origin, out.closed)
		default:
			v[CheckInvalid] = fmt.Sprintf("the invalid frame %s (%s) was not rejected: no error frame within %s and the connection stayed open (a convention check: --no-conventions turns this part off)", data, tf.origin, r.o.timeout)
		}
	}
	if judge[CheckRecovers] && p.fence != nil {
		v[CheckRecovers] = r.recovered(ctx, cr, a, out, fmt.Sprintf("the invalid frame %s", data))
	}
	a.close()
	for k, x := range cr.verdicts() {
		v[k] = x
	}
	return v, cr.rec.list()
}

// malformedCase sends one malformed frame: the server must not drop the
// connection or close it as an internal error, and must still answer.
func (r *runner) malformedCase(ctx context.Context, p *channelPlan, c Case, judge map[string]bool) (verdicts, []Event) {
	cr := r.newCase(p)
	a, err := cr.dial(ctx, "A", c.Path)
	if err != nil {
		return cr.verdicts(), cr.rec.list()
	}
	defer a.close()
	typ, data := r.malformedBytes(p, c)
	a.send(ctx, typ, data, r.o.timeout)
	useFence := p.fence != nil && judge[CheckRecovers]
	out := r.afterBad(ctx, p, a, nil, false, useFence)
	if c.Malformed == "unknown-discriminator" && len(out.errors) > 0 && out.closed == nil {
		p.answersUnknown = true
	}
	v := verdicts{}
	what := fmt.Sprintf("the %s frame", c.Malformed)
	if judge[CheckMalformed] {
		v[CheckMalformed] = ""
		if out.closed != nil && (out.closed.Code == int(websocket.StatusAbnormalClosure) || out.closed.Code == int(websocket.StatusInternalError)) {
			v[CheckMalformed] = fmt.Sprintf("after %s %s", what, out.closed)
		}
	}
	if judge[CheckRecovers] && p.fence != nil {
		v[CheckRecovers] = r.recovered(ctx, cr, a, out, what)
	}
	a.close()
	for k, x := range cr.verdicts() {
		v[k] = x
	}
	return v, cr.rec.list()
}

// isolationCase sends a request on A while B listens on the same channel:
// B must not get A's reply.
func (r *runner) isolationCase(ctx context.Context, p *channelPlan, op *opPlan, tf testFrame) (verdicts, []Event) {
	cr := r.newCase(p)
	a, err := cr.dial(ctx, "A", p.paths[0])
	if err != nil {
		return cr.verdicts(), cr.rec.list()
	}
	defer a.close()
	b, err := cr.dial(ctx, "B", p.paths[0])
	if err != nil {
		return cr.verdicts(), cr.rec.list()
	}
	defer b.close()
	// B's own request and reply first: the server has surely joined B to
	// the channel's audience by then.
	if p.fence != nil {
		_ = r.awaitFence(ctx, p, b, nil)
	}
	v := verdicts{}
	data := tf.json()
	leaks := map[string]string{}
	leak := func(to, from string, req []byte) func(any) {
		return func(x any) {
			if m := op.replies.Match(x).Message; m != nil && leaks[to] == "" {
				raw, _ := json.Marshal(x)
				leaks[to] = fmt.Sprintf("connection %s received the reply %s meant for connection %s's request %s", to, raw, from, req)
			}
		}
	}
	// settle reads c until everything the server sent it so far is in,
	// by a request whose answer is told apart from op's reply, or for the
	// quiet period when there is none.
	settle := func(c *conn, onFrame func(any)) {
		switch {
		case p.fence != nil && p.fence.op != op:
			_ = r.awaitFence(ctx, p, c, onFrame)
		case p.answersUnknown:
			// The server answers this frame with an error, after
			// everything it sent c before.
			_ = r.awaitMarker(ctx, p, c, onFrame)
		default:
			_ = listen(ctx, c, r.o.quiet, onFrame)
		}
	}
	if p.fence != nil {
		// B's warm-up reply must not have reached A either; and A must
		// have read everything before its own request goes out.
		settle(a, leak("A", "B", p.fence.frame.json()))
	}
	a.send(ctx, websocket.MessageText, data, r.o.timeout)
	got := false
	deadline := time.Now().Add(r.o.timeout)
	for !got {
		f, err := a.next(ctx, time.Until(deadline))
		if err != nil {
			break
		}
		if x, ok := decode(f); ok && op.replies.Match(x).Message != nil {
			got = true
		}
	}
	if got {
		// B asked for nothing since its warm-up: every reply it got
		// before its own settling answer is A's.
		settle(b, leak("B", "A", data))
		v[CheckIsolation] = leaks["B"]
		if v[CheckIsolation] == "" {
			v[CheckIsolation] = leaks["A"]
		}
	}
	a.close()
	b.close()
	for k, x := range cr.verdicts() {
		v[k] = x
	}
	return v, cr.rec.list()
}

// handshakeCase connects to path and listens for the quiet period: the
// upgrade must succeed and the connection must stay open. A chanx server
// in accept-then-authenticate mode reports a refusal in an authentication
// frame and closes, which fails the handshake too. On a channel the
// server only pushes on, it listens until the first frame comes (up to
// the timeout), so that server-frames-declared has something to judge
// even when the server pushes less often than the quiet period. A server
// that greets with an Engine.IO packet speaks Socket.IO: the run stops
// there with one unsupported-protocol result.
func (r *runner) handshakeCase(ctx context.Context, p *channelPlan, path string) (verdicts, []Event) {
	cr := r.newCase(p)
	a, _, err := dialConn(ctx, "A", r.url(path), r.o.header, r.o.timeout, cr.rec, nil)
	if err != nil {
		return verdicts{CheckHandshake: fmt.Sprintf("handshake to %s failed: %v", path, err)}, cr.rec.list()
	}
	// Addressed frames (a dedicated route's subscribed) are read without
	// their envelope; nothing subscribes here.
	a.tp = p.newTopicConn()
	v := verdicts{CheckHandshake: ""}
	wait := r.o.quiet
	if p.pushOnly() {
		wait = r.o.timeout
	}
	deadline := time.Now().Add(wait)
	got := 0
	for {
		if p.pushOnly() && got > 0 {
			break
		}
		f, err := a.next(ctx, time.Until(deadline))
		var ce *closedError
		if errors.As(err, &ce) && v[CheckHandshake] == "" {
			v[CheckHandshake] = fmt.Sprintf("the server closed the connection to %s right after the handshake: %v", path, ce)
		}
		if err != nil {
			break
		}
		got++
		if got == 1 && socketIO(f) && r.unsupported == "" {
			r.unsupported = fmt.Sprintf("the server speaks Socket.IO (it greeted %s with the Engine.IO packet %s); chanx conformance tests plain WebSocket servers whose frames are the document's JSON messages", path, short(f.data))
			a.close()
			return verdicts{}, cr.rec.list()
		}
		// Judged like every other frame, after the protocol is known.
		cr.rec.annotateLast(cr.observe(a, f))
		x, ok := decode(f)
		obj, isObj := x.(map[string]any)
		if !ok || !isObj || !p.builtins || obj[p.key] != wire.ActionAuthentication || v[CheckHandshake] != "" {
			continue
		}
		payload, _ := obj["payload"].(map[string]any)
		code, _ := payload["status_code"].(json.Number)
		if n, err := code.Int64(); err == nil && n >= 400 {
			raw, _ := json.Marshal(x)
			v[CheckHandshake] = fmt.Sprintf("the server refused the connection to %s: %s", path, raw)
		}
	}
	a.seen = cr.observe
	a.close()
	for k, x := range cr.verdicts() {
		v[k] = x
	}
	return v, cr.rec.list()
}

// appendCapped keeps the first few unexpected frames for a message.
func appendCapped(list []string, s string) []string {
	const keep = 5
	switch {
	case len(list) < keep:
		return append(list, s)
	case len(list) == keep:
		return append(list, "…")
	}
	return list
}

// unverified marks a verdict that passes but cannot tell why the server
// rejected the frame; record counts them for the result's note.
const unverified = "\x00unverified: "

// attribute judges a rejection of an invalid frame: it counts only when it
// is about the rule the frame breaks. A problem list in the Chanx style
// ([{"type", "loc", "msg"}]) whose loc points at the mutated member, or at
// a member above or below it, is; one whose every loc points elsewhere is
// a rejection for another reason (a business rule, state left by an
// earlier case), which fails. Error frames without any loc (a generic
// detail) are a rejection whose reason cannot be checked.
func attribute(p *channelPlan, tf testFrame, errs []any) string {
	disc := ""
	if obj, ok := tf.value.(map[string]any); ok && p.inProp != "" {
		disc, _ = obj[p.inProp].(string)
	}
	var elsewhere []string
	for _, e := range errs {
		obj, _ := e.(map[string]any)
		list, _ := obj["payload"].([]any)
		for _, item := range list {
			pr, _ := item.(map[string]any)
			loc, ok := pr["loc"].([]any)
			if !ok || len(loc) == 0 {
				continue
			}
			ptr := locPointer(loc, disc, tf.value)
			if ptr == "" {
				continue // the frame as a whole: says nothing of which rule
			}
			if related(ptr, tf.path) {
				return ""
			}
			elsewhere = append(elsewhere, ptr)
		}
	}
	if len(elsewhere) == 0 {
		return unverified + "the error frames carry no loc"
	}
	raw, _ := json.Marshal(errs[0])
	at := tf.path
	if at == "" {
		at = "/"
	}
	return fmt.Sprintf("the invalid frame %s (%s) was rejected, but not for the rule it breaks (%s at %s): the error points at %s: %s", tf.json(), tf.origin, tf.keyword, at, strings.Join(elsewhere, ", "), raw)
}

// locPointer turns a loc into a JSON pointer inside the frame. Python
// Chanx starts every loc with the message's tag (["chat", "payload",
// "message"]); that first entry is dropped when it is the frame's
// discriminator value and not a member of the frame.
func locPointer(loc []any, disc string, frame any) string {
	var toks []string
	for i, l := range loc {
		var t string
		switch x := l.(type) {
		case string:
			t = x
		case json.Number:
			t = x.String()
		default:
			t = fmt.Sprint(x)
		}
		if i == 0 && disc != "" && t == disc {
			if obj, ok := frame.(map[string]any); !ok || obj[t] == nil {
				continue
			}
		}
		toks = append(toks, t)
	}
	return jsonptr.Format(toks)
}
