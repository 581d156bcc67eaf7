package conformance

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	chanplan "github.com/chanxgo/chanx/codegen/plan"
	"github.com/chanxgo/chanx/conformance/gen"
	"github.com/chanxgo/chanx/conformance/match"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/wire"
)

// serverBuiltins are the names of the chanx wire protocol's frames a
// server sends outside topic traffic (wire.Builtins), which documents need
// not declare.
var serverBuiltins = func() map[string]bool {
	out := map[string]bool{}
	for _, b := range wire.Builtins {
		if b.Direction == wire.ServerToClient && !b.Topics {
			out[b.Name] = true
		}
	}
	return out
}()

// channelPlan is everything the tester needs about one channel.
type channelPlan struct {
	ch *ir.Channel
	// paths are the addresses to connect to, parameters filled in: the
	// first is used by every case, the rest only for the handshake.
	paths []string
	// skip, when set, is why nothing can be tested on this channel.
	skip string
	// in are the messages the server receives, told apart by inProp.
	in     *match.Set
	inProp string
	// out are the messages the server may send.
	out     *match.Set
	outProp string
	// builtins: the chanx protocol's own frames are allowed too.
	builtins bool
	// key is the member a chanx server writes its built-in frames (error,
	// pong, authentication…) under: the channel's discriminator, which
	// generated servers mount the channel with, wire.DefaultKey when the
	// document has none.
	key string
	ops []*opPlan
	// fence is a request the server answered at the start; sending it and
	// waiting for its reply tells that earlier frames were handled.
	fence *fence
	// unsupported: the channel's frames are not JSON (msgpack, Protobuf…).
	unsupported bool
	// welcome, joined and periodic are what the server sends unprompted,
	// learnt at the start (attribution.go).
	welcome, joined []string
	periodic        map[string]bool
	// topic is set on a channel that carries one topic's frames (its
	// x-topic): every connection subscribes first (topics.go).
	topic *topicPlan
	// topicSkip, once set, is why the channel's checks after the topic
	// checks cannot run (the subscription was refused or failed).
	topicSkip string
	// answersUnknown: a frame with an unknown discriminator is answered
	// with an error frame, which makes it a marker: everything the
	// server sent on the connection before it is in.
	answersUnknown bool
}

// opPlan is one receive operation.
type opPlan struct {
	op      *ir.Operation
	msgs    []*ir.Message
	replies *match.Set
	// replyElsewhere: the reply goes to another channel, which a
	// WebSocket connection to this one does not see.
	replyElsewhere bool
	// shared says why the reply may also reach other connections (the
	// document says the server sends it to the group too), "" when the
	// reply is private to the requester. See sharedReply.
	shared string
	// unreadable names the messages without a schema to generate from.
	unreadable []string
	valid      []testFrame
	invalid    []testFrame
}

// testFrame is a generated frame and the message it was made for.
type testFrame struct {
	msg    *ir.Message
	value  any
	origin string
	// path and keyword are the one rule an invalid frame breaks: the JSON
	// pointer of the mutated member and the schema keyword.
	path, keyword string
}

func (f testFrame) json() []byte {
	b, _ := json.Marshal(f.value)
	return b
}

var paramRE = regexp.MustCompile(`\{([^{}]+)\}`)

// plan builds the channel plans of api, generating every frame up front
// so that a seed fixes them all.
func plan(api *ir.API, o *options) ([]*channelPlan, error) {
	g := gen.New(o.seed)
	pl := chanplan.Build(api)
	var out []*channelPlan
	for _, ch := range api.Channels {
		p := &channelPlan{ch: ch}
		out = append(out, p)
		if ch.Address == "" {
			p.skip = "the channel has no address"
			continue
		}
		if why := notWebSocket(api, ch); why != "" {
			p.skip = why
			continue
		}
		if why := notJSON(api, ch); why != "" {
			p.skip, p.unsupported = why, true
			continue
		}
		paths, err := channelPaths(ch, o.params, serverPathname(api, ch, o))
		if err != nil {
			p.skip = err.Error()
			continue
		}
		p.paths = paths
		p.topic = newTopicPlan(api, ch, o.params)

		// Channels that share an address share a WebSocket connection: what
		// the server sends on any of them arrives on this one too.
		//
		// Except on a hub: its topic channels' frames arrive only on a
		// connection subscribed to the topic, stamped with it, so a topic
		// channel shares the connection with its own class (the same
		// topic on other channels at the address) and the hub's own
		// channel, and the hub's own channel with no topic.
		sameAddr := func(c *ir.Channel) bool {
			if c == nil || c == ch {
				return true
			}
			if c.Address != ch.Address {
				return false
			}
			switch {
			case ch.Topic == nil:
				return c.Topic == nil
			case c.Topic == nil:
				return c == ch.Topic.Hub
			}
			return c.Topic.Name == ch.Topic.Name
		}
		// The values that route each message come from the plan (and so
		// from spec/analyze's dispatch); nothing is inferred here.
		cp := pl.Channel(ch)
		inValue, outValue := map[*ir.Message]string{}, map[*ir.Message]string{}
		replyTo := map[*ir.Operation]*chanplan.Receive{}
		outKey := cp.Client.Key
		for _, c := range pl.Channels {
			if !sameAddr(c.Channel) {
				continue
			}
			if outKey == "" {
				outKey = c.Client.Key
			}
			for _, snd := range c.Server.Sends {
				setOnce(outValue, snd.Message, snd.Value)
			}
			for _, r := range c.Server.Receives {
				if c == cp {
					setOnce(inValue, r.Message, r.Value)
					if replyTo[r.Operation] == nil {
						replyTo[r.Operation] = r
					}
				}
				for _, rp := range r.Replies {
					setOnce(outValue, rp.Message, rp.Value)
				}
			}
		}
		var inMsgs, outMsgs []*ir.Message
		for _, op := range api.Operations {
			if op.Channel == nil || !sameAddr(op.Channel) {
				continue
			}
			own := op.Channel == ch
			switch op.Action {
			case ir.Receive:
				var replies []ir.DispatchCase
				elsewhere := false
				if op.Reply != nil {
					if sameAddr(op.Reply.Channel) {
						for _, m := range op.Reply.Messages {
							outMsgs = appendNew(outMsgs, m)
						}
						if r := replyTo[op]; r != nil {
							for _, rp := range r.Replies {
								replies = append(replies, ir.DispatchCase{Value: rp.Value, Message: rp.Message})
							}
						}
					} else {
						elsewhere = true
					}
				}
				if !own {
					continue
				}
				inMsgs = appendNew(inMsgs, op.Messages...)
				replyKey := cp.Client.Key
				if op.Reply != nil && op.Reply.Channel != nil {
					if rc := pl.Channel(op.Reply.Channel); rc != nil && rc.Client.Key != "" {
						replyKey = rc.Client.Key
					}
				}
				rs, err := match.NewSet(replyKey, replies)
				if err != nil {
					return nil, fmt.Errorf("channel %s: operation %s: %w", ch.Name, op.Name, err)
				}
				p.ops = append(p.ops, &opPlan{op: op, msgs: op.Messages, replies: rs, replyElsewhere: elsewhere, shared: sharedReply(api, op, sameAddr)})
			case ir.Send:
				outMsgs = appendNew(outMsgs, op.Messages...)
			}
		}
		if p.in, err = match.NewSet(cp.Server.Key, casesOf(inMsgs, inValue)); err != nil {
			return nil, fmt.Errorf("channel %s: %w", ch.Name, err)
		}
		if p.out, err = match.NewSet(outKey, casesOf(outMsgs, outValue)); err != nil {
			return nil, fmt.Errorf("channel %s: %w", ch.Name, err)
		}
		p.inProp, p.outProp = p.in.Property, p.out.Property
		p.key = builtinKey(cp)
		p.builtins = !o.noBuiltins
		for _, op := range p.ops {
			op.generate(g, p, o.maxExamples)
		}
	}
	return out, nil
}

// builtinKey is the key a chanx server writes cp's built-in frames under:
// the discriminator of what it receives, else of what it sends (a channel
// clients send nothing on), else wire.DefaultKey — the key generated
// servers set as the channel's server.ChannelOptions.Discriminator.
func builtinKey(cp *chanplan.Channel) string {
	switch {
	case cp.Server.Key != "":
		return cp.Server.Key
	case cp.Client.Key != "":
		return cp.Client.Key
	}
	return wire.DefaultKey
}

func appendNew(list []*ir.Message, msgs ...*ir.Message) []*ir.Message {
	for _, m := range msgs {
		if !slices.Contains(list, m) {
			list = append(list, m)
		}
	}
	return list
}

// sharedReply says why op's reply may reach other connections than the
// requester's, "" when the document makes it private. AsyncAPI's reply
// goes to the sender; but Python Chanx documents a handler that
// broadcasts its output to a group as a receive operation whose reply is
// that output, and nothing in the reply marks the difference. A reply is
// shared when the document says so in one of two ways:
//
//   - the reply's message is also one the server sends on its own on the
//     channel (a send operation lists it), so any connection may get it;
//   - the operation carries x-chanx-broadcast: true.
func sharedReply(api *ir.API, op *ir.Operation, sameAddr func(*ir.Channel) bool) string {
	if op.Reply == nil {
		return ""
	}
	if b, _ := op.Extensions["x-chanx-broadcast"].(bool); b {
		return "the operation is marked x-chanx-broadcast: its reply goes to the group"
	}
	for _, m := range op.Reply.Messages {
		for _, o := range api.Operations {
			if o.Action == ir.Send && o.Channel != nil && sameAddr(o.Channel) && slices.Contains(o.Messages, m) {
				return fmt.Sprintf("the reply %s is also sent to the group (operation %s)", m.Name, o.Name)
			}
		}
	}
	return ""
}

// serverPathname is the pathname of the WebSocket server ch is available
// on, put before its address when --url has no path; "" otherwise.
func serverPathname(api *ir.API, ch *ir.Channel, o *options) string {
	if o.urlHasPath {
		return ""
	}
	for _, s := range api.Servers {
		if len(ch.Servers) > 0 && !slices.Contains(ch.Servers, s.Name) {
			continue
		}
		if p := strings.ToLower(s.Protocol); (p == "ws" || p == "wss") && s.Pathname != "" && s.Pathname != "/" {
			return s.Pathname
		}
	}
	return ""
}

// notJSON says why ch's frames are not the JSON text frames chanx tests:
// every message on it has a content type that is not JSON (msgpack,
// Avro, Protobuf, CBOR…) or a Protobuf schema. "" when they are JSON.
func notJSON(api *ir.API, ch *ir.Channel) string {
	var kinds []string
	for _, m := range ch.Messages {
		ct := m.ContentType
		if ct == "" {
			ct = api.DefaultContentType
		}
		lct, lsf := strings.ToLower(ct), strings.ToLower(m.SchemaFormat)
		switch {
		case ct != "" && !strings.Contains(lct, "json"):
			kinds = appendNewString(kinds, ct)
		case ct == "" && strings.Contains(lsf, "protobuf"):
			kinds = appendNewString(kinds, m.SchemaFormat)
		default:
			return ""
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	return "the channel's messages are " + strings.Join(kinds, ", ") + ", which chanx conformance does not test (it tests JSON text frames)"
}

func appendNewString(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// unsupportedReason is the skip reason of every check once the run found
// the server or document unsupported.
const unsupportedReason = "not run: unsupported protocol (see the report's unsupported line)"

// unsupportedContent says why the whole document is one chanx does not
// test: every channel with an address carries frames that are not JSON.
func unsupportedContent(api *ir.API, plans []*channelPlan) string {
	var why string
	for _, p := range plans {
		if p.ch.Address == "" {
			continue
		}
		if !p.unsupported {
			return ""
		}
		why = p.skip
	}
	if why == "" {
		return ""
	}
	return "the document's frames are not JSON: " + strings.TrimPrefix(why, "the channel's ")
}

// notWebSocket says why ch cannot be tested over WebSocket: every server it
// is available on speaks another protocol (ir.API.OtherTransports). ""
// when it can.
func notWebSocket(api *ir.API, ch *ir.Channel) string {
	if others := api.OtherTransports(ch); others != nil {
		return "the channel is served over " + strings.Join(others, ", ") + ", not WebSocket"
	}
	return ""
}

// setOnce records m's value unless one is known.
func setOnce(values map[*ir.Message]string, m *ir.Message, v string) {
	if values[m] == "" {
		values[m] = v
	}
}

// casesOf pairs each message with its value.
func casesOf(msgs []*ir.Message, values map[*ir.Message]string) []ir.DispatchCase {
	out := make([]ir.DispatchCase, len(msgs))
	for i, m := range msgs {
		out[i] = ir.DispatchCase{Value: values[m], Message: m}
	}
	return out
}

// channelPaths fills the address parameters: --param first, then the
// parameter's enum (every value, for the handshake), examples, default,
// and a placeholder as the last resort.
//
// An address that is a whole URL (ws://localhost:8080/ws/x, seen in real
// documents) contributes its path and query only: the host is --url's.
// prefix is the server's pathname, put before the address when --url has
// no path of its own.
func channelPaths(ch *ir.Channel, params map[string]string, prefix string) ([]string, error) {
	address := ch.Address
	if u, err := url.Parse(address); err == nil && u.Host != "" && (u.Scheme == "ws" || u.Scheme == "wss" || u.Scheme == "http" || u.Scheme == "https") {
		address = u.Path
		if u.RawQuery != "" {
			address += "?" + u.RawQuery
		}
	}
	address = strings.TrimRight(prefix, "/") + "/" + strings.TrimPrefix(address, "/")
	values := map[string][]string{}
	for _, p := range ch.Parameters {
		switch {
		case params[p.Name] != "":
			values[p.Name] = []string{params[p.Name]}
		case len(p.Enum) > 0:
			values[p.Name] = p.Enum
		case len(p.Examples) > 0:
			values[p.Name] = p.Examples[:1]
		case p.Default != "":
			values[p.Name] = []string{p.Default}
		default:
			values[p.Name] = []string{"conformance"}
		}
	}
	fill := func(pick func(name string) string) (string, error) {
		var missing []string
		path := paramRE.ReplaceAllStringFunc(address, func(m string) string {
			name := m[1 : len(m)-1]
			v := pick(name)
			if v == "" {
				missing = append(missing, name)
			}
			return url.PathEscape(v)
		})
		if missing != nil {
			return "", fmt.Errorf("no value for address parameter %s (use --param %s=VALUE)", strings.Join(missing, ", "), missing[0])
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		return path, nil
	}
	first, err := fill(func(name string) string {
		if v := values[name]; len(v) > 0 {
			return v[0]
		}
		if params[name] != "" {
			return params[name]
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	paths := []string{first}
	// Every enum value of each parameter gets a handshake of its own.
	for _, p := range ch.Parameters {
		for i, v := range values[p.Name] {
			if i == 0 || i > 8 {
				continue
			}
			path, err := fill(func(name string) string {
				if name == p.Name {
					return v
				}
				return values[name][0]
			})
			if err == nil {
				paths = append(paths, path)
			}
		}
	}
	return paths, nil
}

// generate makes the operation's valid and invalid frames. Each message's
// examples come first; every frame carries its message's discriminator so
// the server can route it, and is checked against the schema so that a
// "valid" frame is valid and an "invalid" one invalid.
func (op *opPlan) generate(g *gen.Generator, p *channelPlan, n int) {
	seenV, seenI := map[string]bool{}, map[string]bool{}
	var keep []string
	if p.inProp != "" {
		keep = []string{p.inProp}
	}
	perMsg := (n + len(op.msgs) - 1) / max(len(op.msgs), 1)
	for _, m := range op.msgs {
		if m.Payload == nil {
			// Nothing to generate from: no payload, or a schema format
			// (Avro, Protobuf…) chanx does not read.
			op.unreadable = append(op.unreadable, m.Name)
			continue
		}
		disc := p.in.Value(m)
		pin := func(v any) any {
			if obj, ok := v.(map[string]any); ok && p.inProp != "" && disc != "" {
				c := make(map[string]any, len(obj)+1)
				for k, x := range obj {
					c[k] = x
				}
				c[p.inProp] = disc
				return c
			}
			return v
		}
		var examples []gen.Value
		for i, e := range m.Examples {
			name := e.Name
			if name == "" {
				name = fmt.Sprintf("#%d", i)
			}
			examples = append(examples, gen.Value{Value: e.Payload, Origin: "example " + name})
		}
		var valid []testFrame
		for _, v := range g.Valid(m.Payload, examples, 4*perMsg) {
			fv := pin(v.Value)
			if p.in.Validate(m, fv) != nil {
				continue
			}
			k := string(testFrame{value: fv}.json())
			if seenV[k] || len(valid) >= perMsg {
				continue
			}
			seenV[k] = true
			valid = append(valid, testFrame{msg: m, value: fv, origin: v.Origin})
		}
		op.valid = append(op.valid, valid...)
		if len(valid) == 0 {
			continue
		}
		op.invalid = append(op.invalid, invalidFrames(p, m, valid, keep, disc, seenI, max(perMsg, invalidPerMsg))...)
	}
}

// invalidPerMsg is how many invalid frames a message gets at least: one
// per rule of its schema, at every depth, up to this many.
const invalidPerMsg = 48

// invalidFrames makes the invalid frames of message m from its valid
// ones: every mutation that breaks exactly one rule (every problem the
// validator finds lies at or under the mutated member, or is the member's
// parent's) and still routes as m. Each rule — a member's path and the
// keyword broken — is covered once before any is covered twice, the rules
// in schema order from the first valid frame, so that nested members and
// enum values are reached within the budget.
func invalidFrames(p *channelPlan, m *ir.Message, valid []testFrame, keep []string, disc string, seen map[string]bool, n int) []testFrame {
	var first, rest []testFrame
	rules := map[string]bool{}
	for _, base := range valid {
		for _, mu := range gen.Invalid(m.Payload, base.value, keep, 16*n) {
			probs := p.in.Validate(m, mu.Value)
			if probs == nil {
				continue // another branch still accepts it
			}
			if !oneRule(probs, mu.Path) {
				continue
			}
			if obj, ok := mu.Value.(map[string]any); p.inProp != "" && (!ok || obj[p.inProp] != disc) {
				continue // not routable: a malformed frame, not invalid input
			}
			k := string(testFrame{value: mu.Value}.json())
			if seen[k] {
				continue
			}
			seen[k] = true
			tf := testFrame{msg: m, value: mu.Value, origin: "mutation: " + mu.Description, path: mu.Path, keyword: mu.Keyword}
			rule := mu.Path + "\x00" + mu.Keyword
			if rules[rule] {
				rest = append(rest, tf)
				continue
			}
			rules[rule] = true
			first = append(first, tf)
		}
	}
	out := append(first, rest...)
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// oneRule reports whether every problem lies on the mutated member's
// branch: at it, under it, or at a member above it (a validator may name
// the enclosing object, as for a missing property).
func oneRule(probs []match.Problem, path string) bool {
	for _, pr := range probs {
		if !related(pr.Path, path) {
			return false
		}
	}
	return true
}

// related reports whether JSON pointers a and b lie on one branch: one is
// the other or above it.
func related(a, b string) bool {
	return a == b || strings.HasPrefix(b, a+"/") || strings.HasPrefix(a, b+"/") || a == "" || b == ""
}
