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
}

// opPlan is one receive operation.
type opPlan struct {
	op      *ir.Operation
	msgs    []*ir.Message
	replies *match.Set
	// replyElsewhere: the reply goes to another channel, which a
	// WebSocket connection to this one does not see.
	replyElsewhere bool
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
		paths, err := channelPaths(ch, o.params)
		if err != nil {
			p.skip = err.Error()
			continue
		}
		p.paths = paths

		// Channels that share an address share a WebSocket connection: what
		// the server sends on any of them arrives on this one too.
		sameAddr := func(c *ir.Channel) bool {
			return c == nil || c == ch || c.Address == ch.Address
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
				p.ops = append(p.ops, &opPlan{op: op, msgs: op.Messages, replies: rs, replyElsewhere: elsewhere})
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
func channelPaths(ch *ir.Channel, params map[string]string) ([]string, error) {
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
		path := paramRE.ReplaceAllStringFunc(ch.Address, func(m string) string {
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
		count := 0
		for _, base := range valid {
			for _, mu := range gen.Invalid(m.Payload, base.value, keep, 4*perMsg) {
				if count >= perMsg {
					break
				}
				if p.in.Validate(m, mu.Value) == nil {
					continue // another branch still accepts it
				}
				if obj, ok := mu.Value.(map[string]any); p.inProp != "" && (!ok || obj[p.inProp] != disc) {
					continue // not routable: a malformed frame, not invalid input
				}
				k := string(testFrame{value: mu.Value}.json())
				if seenI[k] {
					continue
				}
				seenI[k] = true
				op.invalid = append(op.invalid, testFrame{msg: m, value: mu.Value, origin: "mutation: " + mu.Description})
				count++
			}
		}
	}
}
