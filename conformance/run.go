package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/conformance/gen"
	"github.com/chanxgo/chanx/conformance/match"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/wire"
)

// Check tests the server at baseURL (ws:// or wss://, host and optional
// path prefix; each channel's address is appended) against api and
// returns the report. The error is for unusable input (a bad URL, a
// document without channels, a schema that does not compile); everything
// the server does wrong is in the report.
func Check(ctx context.Context, api *ir.API, baseURL string, opts ...Option) (*Report, error) {
	o := newOptions(opts)
	base, query, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	if api == nil || len(api.Channels) == 0 {
		return nil, errors.New("conformance: the document declares no channels")
	}
	o.urlHasPath = hasPath(base)
	plans, err := plan(api, o)
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	r := &runner{o: o, base: base, query: query, results: map[string]*Result{}}
	r.unsupported = unsupportedContent(api, plans)
	start := time.Now()
	for _, p := range plans {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("conformance: %w", err)
		}
		r.channel(ctx, p)
	}
	rep := &Report{URL: base + query, Seed: o.seed, MaxExamples: o.maxExamples, Duration: time.Since(start), Unsupported: r.unsupported}
	if r.down != nil {
		rep.ServerDown = r.down.Message
	}
	for _, res := range r.list {
		if res.Status == Pass && res.unverified > 0 {
			res.Note = fmt.Sprintf("rejected, reason unverified in %d of %d cases (%s)", res.unverified, res.Cases, res.unverifiedWhy)
		}
		if res.Status == "" {
			switch {
			case r.down != nil:
				res.Status, res.Reason = Skip, downReason
			case r.unsupported != "":
				res.Status, res.Reason = Skip, unsupportedReason
			default:
				// Set up to be judged, but no case got that far
				// (connections kept failing, for one).
				res.Status, res.Reason = Skip, "no case reached a verdict"
			}
		}
		rep.Results = append(rep.Results, res)
	}
	rep.sort()
	return rep, nil
}

// parseBase splits the --url into the base every channel path is
// appended to and its query ("?a=b", or ""), which every handshake
// carries after the channel's path.
func parseBase(raw string) (base, query string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("conformance: url %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return "", "", fmt.Errorf("conformance: url %q: want ws:// or wss://", raw)
	}
	if u.Host == "" {
		return "", "", fmt.Errorf("conformance: url %q: no host", raw)
	}
	if u.RawQuery != "" {
		query = "?" + u.RawQuery
	}
	u.RawQuery, u.Fragment, u.ForceQuery = "", "", false
	return strings.TrimRight(u.String(), "/"), query, nil
}

// hasPath reports whether a base from parseBase has a path.
func hasPath(base string) bool {
	u, err := url.Parse(base)
	return err == nil && strings.Trim(u.Path, "/") != ""
}

// url is the address to dial for a channel path: the base, the path, and
// the --url's query merged with the path's own.
func (r *runner) url(path string) string {
	q := r.query
	if q != "" && strings.Contains(path, "?") {
		q = "&" + q[1:]
	}
	return r.base + path + q
}

// runner runs the checks and keeps their results.
type runner struct {
	o       *options
	base    string
	query   string
	results map[string]*Result
	list    []*Result
	// shrinking is set while a failure is being shrunk: verdicts then
	// only feed the shrinker.
	shrinking bool
	// sentCount and lastSent: the frames sent in the run, and the last.
	sentCount int
	lastSent  [2]string
	// down is set once the server stopped accepting connections.
	down *outage
	// dropSeen: a connection of the case being recorded ended without a
	// close frame; record checks the server is still up first.
	dropSeen bool
	// unsupported says why the server or document is not one chanx
	// tests (Socket.IO, msgpack…); nothing runs after it is set.
	unsupported string
}

func (r *runner) result(check, ch, op string) *Result {
	k := check + "\x00" + ch + "\x00" + op
	res, ok := r.results[k]
	if !ok {
		res = &Result{Check: check, Channel: ch, Operation: op, Convention: convention(check)}
		switch {
		case !r.enabled(check):
			res.Status, res.Reason = Skip, "not selected"
		case check == CheckMalformed && r.o.noConvention:
			res.Status, res.Reason = Skip, "a convention check, turned off"
		}
		r.results[k] = res
		r.list = append(r.list, res)
	}
	return res
}

func (r *runner) enabled(check string) bool {
	return r.o.only == nil || r.o.only[check]
}

// judging reports whether check still needs verdicts on ch/op: it is
// selected and has not failed there yet.
func (r *runner) judging(check, ch, op string) bool {
	if r.stopped() {
		return false
	}
	res := r.result(check, ch, op)
	return res.Status != Fail && res.Status != Skip
}

// stopped reports whether the run is over: the server went down or
// speaks a protocol chanx does not test.
func (r *runner) stopped() bool { return r.down != nil || r.unsupported != "" }

func (r *runner) skip(check, ch, op, reason string) {
	res := r.result(check, ch, op)
	if res.Status == "" {
		res.Status, res.Reason = Skip, reason
	}
}

func (r *runner) progress(format string, args ...any) {
	if r.o.progress != nil {
		r.o.progress(fmt.Sprintf(format, args...))
	}
}

// record applies a case's verdicts. A failure is shrunk first when the
// case sent a generated frame.
func (r *runner) record(ctx context.Context, p *channelPlan, op *opPlan, c Case, tf *testFrame, v verdicts, tr []Event) {
	chName := p.ch.Name
	if r.dropSeen && !r.shrinking {
		r.dropSeen = false
		if r.down == nil {
			r.checkAlive(ctx, p)
			if r.down != nil {
				// The server resets every connection now: this case's
				// failures are the outage's, reported once as such.
				for check, msg := range v {
					if msg != "" {
						delete(v, check)
					}
				}
			}
		}
	}
	for _, check := range orderedChecks(v) {
		msg := v[check]
		opName := ""
		if op != nil && !channelLevel[check] {
			opName = op.op.Name
		}
		res := r.result(check, chName, opName)
		if res.Status == Fail || res.Status == Skip && res.Reason != "" || msg == notRun {
			continue
		}
		if r.down != nil && msg != "" && check == CheckHandshake {
			continue // the outage is reported once, as the root cause
		}
		res.Cases++
		if why, ok := strings.CutPrefix(msg, unverified); ok {
			res.unverified++
			if res.unverifiedWhy == "" {
				res.unverifiedWhy = why
			}
			msg = ""
		}
		if msg == "" {
			res.Status = Pass
			continue
		}
		f := &Failure{Check: check, Channel: chName, Operation: opName, Message: msg, Seed: r.o.seed, Case: c, Transcript: tr}
		if tf != nil && op != nil && check != CheckServerFrames && (c.Kind == "valid" || c.Kind == "invalid") && !r.shrinking && !r.stopped() {
			// The same frame again, alone on a fresh connection: when it
			// passes now, the verdict depends on what ran before (state a
			// stateful server kept), and the report says so.
			r.shrinking = true
			again, _ := r.runFrameCase(ctx, p, op, c.Kind, *tf, map[string]bool{check: true})
			r.shrinking = false
			if again[check] == "" && !r.stopped() {
				f.OrderDependent = true
				f.Message += "\n(order-dependent: the same frame sent again on a fresh connection passed; an earlier case may have left state on the server)"
			} else {
				r.shrink(ctx, p, op, f, *tf)
			}
		}
		res.Status, res.Reason, res.Failure = Fail, firstLine(f.Message), f
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func orderedChecks(v verdicts) []string {
	var out []string
	for _, c := range Checks {
		if _, ok := v[c.ID]; ok {
			out = append(out, c.ID)
		}
	}
	return out
}

// shrink reduces the failing frame of f while the same check keeps
// failing, and stores the smallest failing case in f.
func (r *runner) shrink(ctx context.Context, p *channelPlan, op *opPlan, f *Failure, tf testFrame) {
	budget := r.o.shrinkBudget
	if budget == 0 {
		return
	}
	var keep []string
	if p.inProp != "" {
		keep = []string{p.inProp}
	}
	r.shrinking = true
	defer func() { r.shrinking = false }()
	runs := 0
	original := f.Case.Frame
	// An invalid frame shrinks only to frames that break the same rule:
	// the same keywords, on the mutated member's branch. Otherwise the
	// shrunk frame would be about another problem than the one found.
	rule := problemKeywords(p.in.Validate(tf.msg, tf.value))
	gen.Shrink(tf.value, keep, 50*budget, func(v any) bool {
		if runs >= budget || ctx.Err() != nil || r.stopped() {
			return false
		}
		probs := p.in.Validate(tf.msg, v)
		valid := probs == nil
		if valid != (f.Case.Kind == "valid") {
			return false
		}
		if !valid && (!oneRule(probs, tf.path) || problemKeywords(probs) != rule) {
			return false
		}
		if obj, ok := v.(map[string]any); p.inProp != "" && (!ok || obj[p.inProp] != tf.value.(map[string]any)[p.inProp]) {
			return false
		}
		runs++
		cand := testFrame{msg: tf.msg, value: v, origin: tf.origin, path: tf.path, keyword: tf.keyword}
		c := f.Case
		c.Frame = cand.json()
		got, tr := r.runFrameCase(ctx, p, op, c.Kind, cand, map[string]bool{f.Check: true})
		if got[f.Check] == "" {
			return false
		}
		f.Case, f.Message, f.Transcript = c, got[f.Check], tr
		return true
	})
	if !bytes.Equal(original, f.Case.Frame) {
		f.Original = original
	}
}

// problemKeywords is the sorted set of keywords of probs, as one string.
func problemKeywords(probs []match.Problem) string {
	var kws []string
	for _, pr := range probs {
		if !slices.Contains(kws, pr.Keyword) {
			kws = append(kws, pr.Keyword)
		}
	}
	slices.Sort(kws)
	return strings.Join(kws, ",")
}

// channelLevel are the checks judged per channel, not per operation.
var channelLevel = map[string]bool{CheckHandshake: true, CheckServerFrames: true, CheckMalformed: true, CheckRecovers: true, CheckTopicSubscribe: true, CheckTopicErrors: true}

// verdicts maps a check id to "" (passed) or why it failed, for the checks
// a case judged.
type verdicts map[string]string

// channel runs every check on one channel.
func (r *runner) channel(ctx context.Context, p *channelPlan) {
	name := p.ch.Name
	if p.skip != "" {
		for _, c := range Checks {
			if p.applies(c.ID) {
				r.skip(c.ID, name, "", p.skip)
			}
		}
		return
	}
	// Once the run stops (the server went down, or speaks a protocol
	// chanx does not test), every result this channel would have has
	// an entry, so the report says each was not run.
	defer func() {
		if !r.stopped() {
			return
		}
		for _, c := range Checks {
			if !p.applies(c.ID) {
				continue
			}
			if channelLevel[c.ID] || len(p.ops) == 0 {
				r.result(c.ID, name, "")
				continue
			}
			for _, op := range p.ops {
				r.result(c.ID, name, op.op.Name)
			}
		}
	}()
	if r.stopped() {
		return
	}
	// Handshake, for every parameter value.
	r.progress("%s %s", CheckHandshake, name)
	handshakeOK := true
	for i, path := range p.paths {
		v, tr := r.handshakeCase(ctx, p, path)
		if v[CheckHandshake] != "" && i == 0 {
			handshakeOK = false
		}
		r.record(ctx, p, nil, Case{Kind: "handshake", Path: path}, nil, v, tr)
	}
	if r.stopped() {
		return
	}
	if !handshakeOK {
		for _, c := range Checks[1:] {
			if p.applies(c.ID) {
				r.skip(c.ID, name, "", "the handshake failed")
			}
		}
		return
	}
	if p.topic != nil {
		r.topicChecks(ctx, p)
		if r.stopped() {
			return
		}
		if p.topicSkip != "" {
			for _, c := range Checks {
				if c.ID != CheckHandshake && c.ID != CheckTopicSubscribe && c.ID != CheckTopicErrors {
					r.skip(c.ID, name, "", p.topicSkip)
				}
			}
			return
		}
	}
	r.learnUnprompted(ctx, p)
	if len(p.ops) == 0 {
		for _, id := range []string{CheckReply, CheckValidAccepted, CheckInvalid, CheckIsolation, CheckRecovers} {
			r.skip(id, name, "", "the channel has no receive operation")
		}
	}
	r.findFence(ctx, p)
	for _, op := range p.ops {
		r.operation(ctx, p, op)
	}
	r.malformed(ctx, p)
	r.probeMarker(ctx, p)
	for _, op := range p.ops {
		if r.stopped() {
			return
		}
		if op.replies.Len() == 0 {
			r.skip(CheckIsolation, name, op.op.Name, "the operation declares no reply")
			continue
		}
		if len(op.valid) == 0 {
			r.skip(CheckIsolation, name, op.op.Name, "no valid frame could be generated")
			continue
		}
		if op.shared != "" {
			r.skip(CheckIsolation, name, op.op.Name, "the document says the reply is not private: "+op.shared)
			continue
		}
		if !r.judging(CheckIsolation, name, op.op.Name) {
			continue
		}
		if res := r.result(CheckReply, name, op.op.Name); res.Status == Fail {
			r.skip(CheckIsolation, name, op.op.Name, "the operation's reply did not come (see reply-received)")
			continue
		}
		r.progress("%s %s/%s", CheckIsolation, name, op.op.Name)
		tf := op.valid[0]
		c := Case{Kind: "isolation", Path: p.paths[0], Frame: tf.json(), Origin: tf.origin}
		v, tr := r.isolationCase(ctx, p, op, tf)
		if _, judged := v[CheckIsolation]; !judged {
			r.skip(CheckIsolation, name, op.op.Name, "the request got no reply, so there was nothing to leak")
		}
		r.record(ctx, p, op, c, &tf, v, tr)
	}
	if r.stopped() {
		return
	}
	if p.fence == nil {
		r.skip(CheckRecovers, name, "", "no request with a reply was answered, so recovery cannot be observed")
	}
	r.skip(CheckServerFrames, name, "", "the server sent no frame")
}

// findFence looks for a request the server answers, to use as a fence.
func (r *runner) findFence(ctx context.Context, p *channelPlan) {
	for _, op := range p.ops {
		if op.replies.Len() == 0 || len(op.valid) == 0 {
			continue
		}
		cr := r.newCase(p)
		tf := op.valid[0]
		a, err := cr.dial(ctx, "A", p.paths[0])
		if err != nil {
			r.record(ctx, p, nil, Case{Kind: "probe", Path: p.paths[0], Frame: tf.json()}, nil, cr.verdicts(), cr.rec.list())
			return
		}
		a.send(ctx, websocket.MessageText, tf.json(), r.o.timeout)
		ok := false
		deadline := time.Now().Add(r.o.timeout)
		for !ok {
			f, err := a.next(ctx, time.Until(deadline))
			if err != nil {
				break
			}
			if v, isJSON := decode(f); isJSON && op.replies.Match(v).Message != nil {
				ok = true
			}
		}
		a.close()
		r.record(ctx, p, nil, Case{Kind: "probe", Path: p.paths[0], Frame: tf.json()}, nil, cr.verdicts(), cr.rec.list())
		if ok {
			p.fence = &fence{op: op, frame: tf}
			return
		}
	}
}

// operation runs the valid and invalid frames of one receive operation.
func (r *runner) operation(ctx context.Context, p *channelPlan, op *opPlan) {
	ch, name := p.ch.Name, op.op.Name
	if op.replyElsewhere {
		r.skip(CheckReply, ch, name, "the reply goes to another channel")
		r.skip(CheckIsolation, ch, name, "the reply goes to another channel")
	}
	if op.replies.Len() == 0 {
		r.skip(CheckReply, ch, name, "the operation declares no reply")
	}
	if len(op.valid) == 0 {
		reason := "no valid frame could be generated from the message schemas"
		if len(op.unreadable) > 0 {
			reason = "no payload schema chanx can read for " + strings.Join(op.unreadable, ", ")
		}
		r.skip(CheckValidAccepted, ch, name, reason)
		r.skip(CheckReply, ch, name, reason)
		r.skip(CheckInvalid, ch, name, reason)
		return
	}
	for i, tf := range op.valid {
		if !r.judging(CheckValidAccepted, ch, name) && !r.judging(CheckReply, ch, name) && !r.judging(CheckServerFrames, ch, "") {
			break
		}
		r.progress("valid %s/%s %d/%d", ch, name, i+1, len(op.valid))
		c := Case{Kind: "valid", Path: p.paths[0], Frame: tf.json(), Origin: tf.origin}
		v, tr := r.validCase(ctx, p, op, tf, r.judgeSet(p, op, CheckValidAccepted, CheckReply))
		r.record(ctx, p, op, c, &tf, v, tr)
	}
	if len(op.invalid) == 0 {
		r.skip(CheckInvalid, ch, name, "no invalid variant could be made: the schemas accept any value")
		return
	}
	for i, tf := range op.invalid {
		if !r.judging(CheckInvalid, ch, name) && !r.judging(CheckRecovers, ch, "") {
			break
		}
		r.progress("invalid %s/%s %d/%d", ch, name, i+1, len(op.invalid))
		c := Case{Kind: "invalid", Path: p.paths[0], Frame: tf.json(), Origin: tf.origin}
		v, tr := r.invalidCase(ctx, p, op, tf, r.judgeSet(p, op, CheckInvalid, CheckRecovers))
		r.record(ctx, p, op, c, &tf, v, tr)
	}
}

// judgeSet is the checks among ids still to be judged.
func (r *runner) judgeSet(p *channelPlan, op *opPlan, ids ...string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		opName := op.op.Name
		if id == CheckRecovers {
			opName = ""
		}
		if r.judging(id, p.ch.Name, opName) {
			out[id] = true
		}
	}
	return out
}

// malformed sends each malformed frame on a fresh connection.
func (r *runner) malformed(ctx context.Context, p *channelPlan) {
	for _, c := range r.malformedCases(p) {
		if !r.judging(CheckMalformed, p.ch.Name, "") && !r.judging(CheckRecovers, p.ch.Name, "") {
			break
		}
		r.progress("malformed %s %s", p.ch.Name, c.Malformed)
		judge := map[string]bool{}
		for _, id := range []string{CheckMalformed, CheckRecovers} {
			if r.judging(id, p.ch.Name, "") {
				judge[id] = true
			}
		}
		v, tr := r.malformedCase(ctx, p, c, judge)
		r.record(ctx, p, nil, c, nil, v, tr)
	}
}

func (r *runner) malformedCases(p *channelPlan) []Case {
	path := p.paths[0]
	ping := fmt.Sprintf(`{%q: %q, "payload": null}`, p.key, wire.ActionPing)
	cases := []Case{
		{Kind: "malformed", Malformed: "not-json", Raw: strings.TrimSuffix(ping, "null}")},
		{Kind: "malformed", Malformed: "empty", Raw: ""},
		{Kind: "malformed", Malformed: "not-object", Frame: json.RawMessage(`[1,2,3]`)},
		{Kind: "malformed", Malformed: "not-object", Frame: json.RawMessage(`"chanx"`)},
		{Kind: "malformed", Malformed: "not-object", Frame: json.RawMessage(`null`)},
		{Kind: "malformed", Malformed: "binary", Raw: ping},
		{Kind: "malformed", Malformed: "oversize", Size: r.o.oversize},
	}
	if p.inProp != "" {
		cases = append(cases, Case{Kind: "malformed", Malformed: "unknown-discriminator", Frame: p.unknownFrame()})
	}
	for i := range cases {
		cases[i].Path = path
	}
	return cases
}

// malformedBytes is what a malformed case sends.
func (r *runner) malformedBytes(p *channelPlan, c Case) (websocket.MessageType, []byte) {
	switch c.Malformed {
	case "binary":
		return websocket.MessageBinary, []byte(c.Raw)
	case "oversize":
		// A frame that would be valid but for its size: the discriminator
		// of the first message and one huge string.
		prop := p.inProp
		if prop == "" {
			prop = p.key
		}
		disc := "chanx"
		if ms := p.in.Messages(); len(ms) > 0 && p.in.Value(ms[0]) != "" {
			disc = p.in.Value(ms[0])
		}
		head := fmt.Sprintf(`{%q: %q, "payload": "`, prop, disc)
		n := max(c.Size-len(head)-2, 0)
		return websocket.MessageText, []byte(head + strings.Repeat("x", n) + `"}`)
	}
	if len(c.Frame) > 0 {
		return websocket.MessageText, c.Frame
	}
	return websocket.MessageText, []byte(c.Raw)
}
