package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/wire"
)

// Topics.
//
// A channel with an x-topic (ir.Channel.Topic) carries one topic class's
// frames (docs/PROTOCOL.md §2, Python Chanx's topics). The tester
// subscribes every connection to one topic of the class — the pattern
// filled with --param values, the address's on a dedicated route, else
// "conformance" — before it sends anything: on a hub with a subscribe
// frame carrying a ref, on a dedicated route by connecting, which
// subscribes unprompted. On a hub every frame it sends then carries
// "version": 1, "topic" and a fresh "ref"; on a dedicated route only the
// ref. What comes back addressed to the topic is judged without its
// envelope keys, as a receiver decodes it, and a reply to a request must
// echo the request's ref (reply-received), unless the document makes the
// reply a broadcast, which carries none.
//
// The topic protocol's own frames (subscribed, unsubscribed, topic error
// frames, history_lost) are allowed on a topic channel without being
// declared. Two checks of their own judge them: topic-subscribe
// (subscribed with the ref, again on a second subscribe, unsubscribed
// with the ref even when not subscribed; on a dedicated route the
// unprompted subscribed) and topic-errors (unknown_topic and
// not_subscribed with PROTOCOL.md's detail texts, the topic and the ref).
// A subscription refused with unauthorized is a correct answer: the
// channel's other checks are then skipped, saying so.

// topicPlan is what the tester needs about a topic channel.
type topicPlan struct {
	t *ir.Topic
	// name is the topic subscribed to: the pattern filled.
	name string
	// unknown is a topic no pattern at the channel's address matches, ""
	// when none could be made.
	unknown string
}

// newTopicPlan returns the topic plan of ch, nil when it has no x-topic.
func newTopicPlan(api *ir.API, ch *ir.Channel, params map[string]string) *topicPlan {
	if ch.Topic == nil {
		return nil
	}
	values := map[string]string{}
	for _, n := range ch.Topic.Parameters {
		values[n] = paramValue(ch, n, params)
	}
	tp := &topicPlan{t: ch.Topic, name: ch.Topic.Fill(values)}
	var pats []*regexp.Regexp
	for _, c := range api.Channels {
		if c.Topic != nil && c.Address == ch.Address {
			pats = append(pats, topicRegexp(c.Topic))
		}
	}
	// A pattern parameter takes no ':', so some number of colons escapes
	// every pattern but one that is a parameter and nothing else.
	for u, i := "chanx-conformance-unknown", 0; i < 8; u, i = u+":x", i+1 {
		if !slices.ContainsFunc(pats, func(re *regexp.Regexp) bool { return re.MatchString(u) }) {
			tp.unknown = u
			break
		}
	}
	return tp
}

// paramValue is the value the tester gives parameter name of ch, by the
// rule of channelPaths' first path: --param, enum, examples, default,
// then a placeholder.
func paramValue(ch *ir.Channel, name string, params map[string]string) string {
	if v := params[name]; v != "" {
		return v
	}
	for _, p := range ch.Parameters {
		if p.Name != name {
			continue
		}
		switch {
		case len(p.Enum) > 0:
			return p.Enum[0]
		case len(p.Examples) > 0:
			return p.Examples[0]
		case p.Default != "":
			return p.Default
		}
	}
	return "conformance"
}

// topicRegexp matches the topics of t's pattern.
func topicRegexp(t *ir.Topic) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := range t.Parameters {
		b.WriteString(regexp.QuoteMeta(t.Parts[i]))
		b.WriteString("[^:]+")
	}
	b.WriteString(regexp.QuoteMeta(t.Parts[len(t.Parts)-1]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// pyRepr writes s as Python's repr of a str, as Chanx's topic error
// details quote the topic.
func pyRepr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// topicDetail is PROTOCOL.md's detail text of a topic error.
func topicDetail(reason, topic string) string {
	switch reason {
	case wire.ReasonUnknownTopic:
		return "Unknown topic " + pyRepr(topic)
	case wire.ReasonUnauthorized:
		return "Not allowed to subscribe to " + pyRepr(topic)
	case wire.ReasonNotSubscribed:
		return "Not subscribed to " + pyRepr(topic)
	}
	return ""
}

// topicBuiltins are the topic protocol's server frames, allowed on a
// topic channel without being declared.
var topicBuiltins = map[string]bool{
	wire.ActionSubscribed:   true,
	wire.ActionUnsubscribed: true,
	wire.ActionHistoryLost:  true,
}

// isBuiltin reports whether name is a protocol frame the server may send
// on p without the document declaring it.
func (p *channelPlan) isBuiltin(name string) bool {
	return serverBuiltins[name] || p.topic != nil && topicBuiltins[name]
}

// applies reports whether check is judged on p: the topic checks only on
// topic channels.
func (p *channelPlan) applies(check string) bool {
	return p.topic != nil || check != CheckTopicSubscribe && check != CheckTopicErrors
}

// envelope is what the envelope keys of a received frame said.
type envelope struct {
	topic   string
	version any
	ref     string
	hasRef  bool
	seq     any
}

// topicConn stamps what a connection to a topic channel sends and strips
// what comes back.
type topicConn struct {
	topic string
	// hub: frames are addressed with version and topic; on a dedicated
	// route they carry only a ref.
	hub bool
	// n is the last ref handed out ("1", "2", …); last is its text.
	n    int
	last string
}

func (p *channelPlan) newTopicConn() *topicConn {
	if p.topic == nil {
		return nil
	}
	return &topicConn{topic: p.topic.name, hub: !p.topic.t.Dedicated}
}

func (tc *topicConn) nextRef() string {
	tc.n++
	tc.last = strconv.Itoa(tc.n)
	return tc.last
}

// stamp adds the envelope keys to a JSON object frame; anything else (the
// malformed inputs) goes out as it is.
func (tc *topicConn) stamp(data []byte) []byte {
	t := bytes.TrimSpace(data)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' || !json.Valid(t) {
		return data
	}
	inner := bytes.TrimSpace(t[:len(t)-1])
	var b bytes.Buffer
	b.Write(inner)
	if len(inner) > 1 {
		b.WriteByte(',')
	}
	if tc.hub {
		topic, _ := json.Marshal(tc.topic)
		fmt.Fprintf(&b, `"version":1,"topic":%s,`, topic)
	}
	fmt.Fprintf(&b, `"ref":%q}`, tc.nextRef())
	return b.Bytes()
}

// strip removes the envelope keys of a frame addressed to a topic and
// records them in f.env; other frames are returned as they are.
func (tc *topicConn) strip(f frame) frame {
	v, ok := decode(f)
	obj, isObj := v.(map[string]any)
	if !ok || !isObj {
		return f
	}
	topic, ok := obj[wire.KeyTopic].(string)
	if !ok {
		return f
	}
	env := &envelope{topic: topic, version: obj[wire.KeyVersion], seq: obj[wire.KeySeq]}
	env.ref, env.hasRef = obj[wire.KeyRef].(string)
	rest := make(map[string]any, len(obj))
	for k, x := range obj {
		if k == wire.KeyPayload || !slices.Contains(wire.ReservedKeys, k) {
			rest[k] = x
		}
	}
	data, err := json.Marshal(rest)
	if err != nil {
		return f
	}
	return frame{typ: f.typ, data: data, env: env}
}

// issued reports whether ref is one the connection sent.
func (tc *topicConn) issued(ref string) bool {
	n, err := strconv.Atoi(ref)
	return err == nil && n >= 1 && n <= tc.n && strconv.Itoa(n) == ref
}

// envelopeProblem says why a stamped frame's envelope is wrong on c, ""
// when it is right: the topic is the connection's, version is 1, ref (when
// present) is one the connection sent, seq (when present) an integer.
func (p *channelPlan) envelopeProblem(c *conn, f frame) string {
	if f.env == nil || c == nil || c.tp == nil {
		return ""
	}
	e := f.env
	switch {
	case e.topic != c.tp.topic && e.topic != p.topic.unknown:
		return fmt.Sprintf("a frame for topic %q on a connection subscribed to %q only", e.topic, c.tp.topic)
	case e.version == nil || fmt.Sprint(e.version) != "1":
		return fmt.Sprintf(`"version" is %v on a topic frame, want 1 (docs/PROTOCOL.md §2)`, jsonText(e.version))
	case e.hasRef && !c.tp.issued(e.ref):
		return fmt.Sprintf(`"ref" %q echoes no frame sent on this connection`, e.ref)
	}
	if e.seq != nil {
		if n, ok := e.seq.(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
			return fmt.Sprintf(`"seq" is %s, want an integer`, jsonText(e.seq))
		}
	}
	return ""
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// topicAnswer is what came back to a subscribe or unsubscribe.
type topicAnswer struct {
	f     frame
	obj   map[string]any
	other string // an answer without the topic: the server ignored it
}

// awaitTopic reads c until a frame addressed to topic that answers ref
// arrives (a protocol frame of the topic counts even without the ref, so a
// server that drops it is caught), or until an error frame without any
// topic (a server that does not know topics answers that way). It
// returns the kinds of the other frames read on the way.
func (r *runner) awaitTopic(ctx context.Context, p *channelPlan, c *conn, topic, ref string) (topicAnswer, []string, error) {
	var kinds []string
	deadline := time.Now().Add(r.o.timeout)
	for {
		f, err := c.next(ctx, time.Until(deadline))
		if err != nil {
			return topicAnswer{}, kinds, err
		}
		v, _ := decode(f)
		obj, _ := v.(map[string]any)
		if f.env == nil {
			if obj != nil && p.isError(obj) {
				return topicAnswer{f: f, obj: obj, other: short(f.data)}, kinds, nil
			}
			kinds = append(kinds, p.kindOf(f))
			continue
		}
		name, _ := obj[p.key].(string)
		if f.env.topic == topic && (ref != "" && f.env.ref == ref || name == wire.ActionSubscribed || name == wire.ActionUnsubscribed || name == wire.ActionError) {
			return topicAnswer{f: f, obj: obj}, kinds, nil
		}
		kinds = append(kinds, p.kindOf(f))
	}
}

// subscribe sends a subscribe (or unsubscribe) for topic on c and returns
// the ref it carried and the answer.
func (r *runner) subscribe(ctx context.Context, p *channelPlan, c *conn, action, topic string) (string, topicAnswer, []string, error) {
	ref := c.tp.nextRef()
	b, _ := json.Marshal(map[string]any{p.key: action, wire.KeyVersion: 1, wire.KeyTopic: topic, wire.KeyRef: ref})
	c.sendRaw(ctx, websocket.MessageText, b, r.o.timeout)
	ans, kinds, err := r.awaitTopic(ctx, p, c, topic, ref)
	return ref, ans, kinds, err
}

// judgeAnswer checks a subscribe's or unsubscribe's answer: want (the
// name of the frame expected) with payload null, the topic and the ref
// ("" on a dedicated route's unprompted subscribed, which carries none).
// A topic error is returned as its reason and detail instead.
func (p *channelPlan) judgeAnswer(ans topicAnswer, err error, what, want, topic, ref string) (reason, detail, fail string) {
	var ce *closedError
	switch {
	case errors.As(err, &ce):
		return "", "", fmt.Sprintf("%s: the server closed the connection (%v) instead of answering %s", what, ce, want)
	case err != nil:
		return "", "", fmt.Sprintf("%s: no %s addressed to %q within the timeout", what, want, topic)
	case ans.other != "":
		return "", "", fmt.Sprintf("%s was answered with %s, an error frame without \"topic\": the server does not serve topics (want %s with \"topic\": %q%s, docs/PROTOCOL.md §2)", what, ans.other, want, topic, refText(ref))
	}
	raw := string(ans.f.data)
	if ans.f.env != nil {
		raw = fmt.Sprintf("%s (envelope: topic %q, ref %s)", raw, ans.f.env.topic, refShown(ans.f.env))
	}
	name, _ := ans.obj[p.key].(string)
	if name == wire.ActionError {
		pl, _ := ans.obj["payload"].(map[string]any)
		reason, _ := pl["reason"].(string)
		detail, _ := pl["detail"].(string)
		switch {
		case reason == "":
			return "", "", fmt.Sprintf("%s was answered with the error %s, which carries no topic error reason (unknown_topic, unauthorized or not_subscribed)", what, raw)
		case topicDetail(reason, topic) == "":
			return "", "", fmt.Sprintf("%s was answered with the error %s: %q is not a topic error reason (unknown_topic, unauthorized or not_subscribed)", what, raw, reason)
		case detail != topicDetail(reason, topic):
			return "", "", fmt.Sprintf("%s was answered with the error %s: the detail of %s is %q", what, raw, reason, topicDetail(reason, topic))
		}
		if msg := refProblem(ans.f.env, ref); msg != "" {
			return "", "", fmt.Sprintf("%s was answered with the error %s, %s", what, raw, msg)
		}
		return reason, detail, ""
	}
	if name != want {
		return "", "", fmt.Sprintf("%s was answered with %s, want %s", what, raw, want)
	}
	if x, ok := ans.obj["payload"]; !ok || x != nil {
		return "", "", fmt.Sprintf("%s was answered with %s: its payload must be null (a subscribe without \"recover\", docs/PROTOCOL.md §2.1)", what, raw)
	}
	if msg := refProblem(ans.f.env, ref); msg != "" {
		return "", "", fmt.Sprintf("%s was answered with %s, %s", what, raw, msg)
	}
	return "", "", ""
}

func refText(ref string) string {
	if ref == "" {
		return ""
	}
	return fmt.Sprintf(" and \"ref\": %q", ref)
}

func refShown(e *envelope) string {
	if !e.hasRef {
		return "absent"
	}
	return strconv.Quote(e.ref)
}

// refProblem says what is wrong with the ref of an answer, "" when it is
// the one wanted; want "" means none is expected.
func refProblem(e *envelope, want string) string {
	switch {
	case want == "":
		return ""
	case !e.hasRef:
		return fmt.Sprintf("without the ref %q the request carried (an answer on a topic echoes its request's ref)", want)
	case e.ref != want:
		return fmt.Sprintf("with ref %q, but the request carried %q", e.ref, want)
	}
	return ""
}

// join subscribes a case's connection before anything is sent on it: a
// subscribe on a hub, the unprompted subscribed on a dedicated route. It
// returns the kinds of the other frames read meanwhile (unprompted ones,
// which the welcome the case waits for then need not include), and why
// the subscription did not take effect.
func (r *runner) join(ctx context.Context, p *channelPlan, c *conn) ([]string, string) {
	var (
		ans   topicAnswer
		kinds []string
		err   error
		ref   string
		what  string
	)
	if p.topic.t.Dedicated {
		what = fmt.Sprintf("connecting to the dedicated route of %q", p.topic.name)
		ans, kinds, err = r.awaitTopic(ctx, p, c, p.topic.name, "")
	} else {
		what = fmt.Sprintf("subscribe to %q", p.topic.name)
		ref, ans, kinds, err = r.subscribe(ctx, p, c, wire.ActionSubscribe, p.topic.name)
	}
	reason, detail, fail := p.judgeAnswer(ans, err, what, wire.ActionSubscribed, p.topic.name, ref)
	if name, _ := ans.obj[p.key].(string); fail != "" && name == wire.ActionSubscribed {
		// Subscribed, only not as PROTOCOL.md writes it: topic-subscribe
		// says so; the other checks can still run.
		return kinds, ""
	}
	switch {
	case fail != "":
		return kinds, fail
	case reason != "":
		return kinds, fmt.Sprintf("%s was refused: %s (%s)", what, detail, reason)
	}
	return kinds, ""
}

// topicChecks runs topic-subscribe and topic-errors on p. When the
// subscription is refused or fails, p.topicSkip says why, and the
// channel's other checks are skipped.
func (r *runner) topicChecks(ctx context.Context, p *channelPlan) {
	name := p.ch.Name
	r.progress("%s %s", CheckTopicSubscribe, name)
	cr := r.newCase(p)
	cr.raw, cr.noJoin = true, true
	a, err := cr.dial(ctx, "A", p.paths[0])
	if err != nil {
		p.topicSkip = "the handshake failed"
		r.record(ctx, p, nil, Case{Kind: "topic", Path: p.paths[0]}, nil, cr.verdicts(), cr.rec.list())
		return
	}
	topic := p.topic.name
	v := cr.verdicts()
	steps := func() string {
		if p.topic.t.Dedicated {
			ans, _, err := r.awaitTopic(ctx, p, a, topic, "")
			reason, detail, fail := p.judgeAnswer(ans, err, fmt.Sprintf("connecting to the dedicated route of %q", topic), wire.ActionSubscribed, topic, "")
			switch n, _ := ans.obj[p.key].(string); {
			case reason != "":
				p.topicSkip = refused(topic, reason, detail)
			case fail != "" && n != wire.ActionSubscribed:
				p.topicSkip = fmt.Sprintf("the subscription to %q failed (see %s)", topic, CheckTopicSubscribe)
			}
			return fail
		}
		ref, ans, _, err := r.subscribe(ctx, p, a, wire.ActionSubscribe, topic)
		what := fmt.Sprintf("subscribe to %q (ref %q)", topic, ref)
		reason, detail, fail := p.judgeAnswer(ans, err, what, wire.ActionSubscribed, topic, ref)
		switch {
		case reason == wire.ReasonUnauthorized:
			p.topicSkip = refused(topic, reason, detail)
			return ""
		case reason != "":
			return fmt.Sprintf("%s was answered %s (%q) although the document declares the pattern %q", what, reason, detail, p.topic.t.Pattern)
		case fail != "":
			if n, _ := ans.obj[p.key].(string); n != wire.ActionSubscribed {
				p.topicSkip = fmt.Sprintf("the subscription to %q failed (see %s)", topic, CheckTopicSubscribe)
			}
			return fail
		}
		for _, step := range []struct{ action, want, what string }{
			{wire.ActionSubscribe, wire.ActionSubscribed, "a second subscribe to %q (ref %q), already subscribed,"},
			{wire.ActionUnsubscribe, wire.ActionUnsubscribed, "unsubscribe from %q (ref %q)"},
			{wire.ActionUnsubscribe, wire.ActionUnsubscribed, "unsubscribe from %q (ref %q), no longer subscribed,"},
		} {
			ref, ans, _, err := r.subscribe(ctx, p, a, step.action, topic)
			what := fmt.Sprintf(step.what, topic, ref)
			reason, detail, fail := p.judgeAnswer(ans, err, what, step.want, topic, ref)
			if reason != "" {
				return fmt.Sprintf("%s was answered with the topic error %s (%q), want %s", what, reason, detail, step.want)
			}
			if fail != "" {
				return fail
			}
		}
		return ""
	}
	v[CheckTopicSubscribe] = steps()
	a.close()
	for k, x := range cr.verdicts() {
		v[k] = x
	}
	r.record(ctx, p, nil, Case{Kind: "topic", Path: p.paths[0]}, nil, v, cr.rec.list())
	if r.stopped() {
		return
	}

	switch {
	case p.topic.t.Dedicated:
		r.skip(CheckTopicErrors, name, "", "a dedicated route subscribes on connect: unknown_topic and not_subscribed are a hub's answers")
		return
	case p.topic.unknown == "":
		r.skip(CheckTopicErrors, name, "", "every topic matches a pattern at this address, so none is unknown")
		return
	}
	r.progress("%s %s", CheckTopicErrors, name)
	cr = r.newCase(p)
	cr.raw, cr.noJoin = true, true
	b, err := cr.dial(ctx, "A", p.paths[0])
	if err != nil {
		r.record(ctx, p, nil, Case{Kind: "topic", Path: p.paths[0]}, nil, cr.verdicts(), cr.rec.list())
		return
	}
	v = verdicts{}
	v[CheckTopicErrors] = func() string {
		u := p.topic.unknown
		ref, ans, _, err := r.subscribe(ctx, p, b, wire.ActionSubscribe, u)
		what := fmt.Sprintf("subscribe to %q (ref %q), which matches no pattern,", u, ref)
		reason, _, fail := p.judgeAnswer(ans, err, what, wire.ActionError, u, ref)
		switch {
		case fail != "":
			return fail
		case reason != wire.ReasonUnknownTopic:
			return fmt.Sprintf("%s was answered %s, want unknown_topic", what, reason)
		}
		// A request before subscribing: any frame of the topic will do,
		// the server refuses it before it reads the message.
		data := p.unknownFrame()
		for _, op := range p.ops {
			if len(op.valid) > 0 {
				data = op.valid[0].json()
				break
			}
		}
		b.send(ctx, websocket.MessageText, data, r.o.timeout)
		ref = b.tp.last
		ans, _, err = r.awaitTopic(ctx, p, b, topic, ref)
		what = fmt.Sprintf("a request to %q (ref %q) before subscribing", topic, ref)
		reason, _, fail = p.judgeAnswer(ans, err, what, wire.ActionError, topic, ref)
		switch {
		case fail != "":
			return fail
		case reason != wire.ReasonNotSubscribed:
			return fmt.Sprintf("%s was answered %s, want not_subscribed", what, reason)
		}
		return ""
	}()
	b.close()
	for k, x := range cr.verdicts() {
		v[k] = x
	}
	r.record(ctx, p, nil, Case{Kind: "topic", Path: p.paths[0]}, nil, v, cr.rec.list())
}

func refused(topic, reason, detail string) string {
	return fmt.Sprintf("the server refused the subscription to %q (%s: %s); a --param value it authorizes lets these checks run", topic, reason, detail)
}

// replyRef checks that the reply f to a topic request carries the
// request's ref; "" when it does or when no ref is owed (not a topic
// channel, or a reply the document makes a broadcast).
func (p *channelPlan) replyRef(op *opPlan, f frame, m *ir.Message, ref string) string {
	if p.topic == nil || op.shared != "" || ref == "" {
		return ""
	}
	if f.env == nil {
		return fmt.Sprintf("the reply %s to a request on topic %q came without \"topic\" and \"ref\"; replies on a topic carry both (docs/PROTOCOL.md §2)", m.Name, p.topic.name)
	}
	if msg := refProblem(f.env, ref); msg != "" {
		return fmt.Sprintf("the reply %s came %s", m.Name, msg)
	}
	return ""
}

// subtract removes from kinds one of each kind in seen.
func subtract(kinds, seen []string) []string {
	out := slices.Clone(kinds)
	for _, k := range seen {
		if i := slices.Index(out, k); i >= 0 {
			out = slices.Delete(out, i, i+1)
		}
	}
	return out
}
