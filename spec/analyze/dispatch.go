package analyze

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// buildDispatch fills Channel.Dispatch: for each channel and direction, how
// a receiver tells the messages apart. Messages of a channel that no
// operation uses may flow either way and count for both directions.
func (b *builder) buildDispatch() {
	type flow struct {
		msgs [2][]*ir.Message
		has  [2]map[*ir.Message]bool
		used map[*ir.Message]bool
	}
	flows := map[*ir.Channel]*flow{}
	get := func(ch *ir.Channel) *flow {
		fl := flows[ch]
		if fl == nil {
			fl = &flow{has: [2]map[*ir.Message]bool{{}, {}}, used: map[*ir.Message]bool{}}
			flows[ch] = fl
		}
		return fl
	}
	dirs := [2]ir.Action{ir.Receive, ir.Send}
	add := func(fl *flow, d int, m *ir.Message) {
		if !fl.has[d][m] {
			fl.has[d][m] = true
			fl.msgs[d] = append(fl.msgs[d], m)
		}
	}
	for _, u := range b.uses {
		if u.ch == nil {
			continue
		}
		d := 0
		switch u.action {
		case ir.Receive:
		case ir.Send:
			d = 1
		default:
			continue
		}
		fl := get(u.ch)
		for _, m := range u.msgs {
			if !b.chanMsgs[u.ch][m] {
				continue // reported: not a message of the channel
			}
			add(fl, d, m)
			fl.used[m] = true
		}
	}
	for _, ch := range b.api.Channels {
		fl := get(ch)
		for _, m := range ch.Messages {
			if !fl.used[m] {
				add(fl, 0, m)
				add(fl, 1, m)
			}
		}
		// Keep the channel's own order; messages from elsewhere (already
		// reported) go last.
		order := map[*ir.Message]int{}
		for i, m := range ch.Messages {
			order[m] = i
		}
		for d, action := range dirs {
			msgs := fl.msgs[d]
			if len(msgs) == 0 {
				continue
			}
			sort.SliceStable(msgs, func(i, j int) bool {
				oi, iok := order[msgs[i]]
				oj, jok := order[msgs[j]]
				if iok != jok {
					return iok
				}
				return oi < oj
			})
			ch.Dispatch = append(ch.Dispatch, b.dispatch(ch, action, msgs))
		}
	}
}

// dispatch finds how the messages of one channel and direction are told
// apart (inferTag over their payloads). Failing that, it warns naming two
// messages that cannot be told apart; code generation turns that into an
// error.
func (b *builder) dispatch(ch *ir.Channel, action ir.Action, msgs []*ir.Message) *ir.Dispatch {
	d := &ir.Dispatch{Action: action}
	where := b.located[ch]
	which := "received"
	if action == ir.Send {
		which = "sent"
	}
	payloads := make([]*ir.Schema, len(msgs))
	for i, m := range msgs {
		payloads[i] = m.Payload
	}
	disc := ""
	if len(msgs) > 1 {
		disc = commonDiscriminator(msgs)
	}
	t := inferTag(payloads, disc)
	if t.notString >= 0 && len(msgs) == 1 && !t.byDiscriminator && !slices.Contains(preferred, t.property) {
		// One message needs no tag, and a number pinned under a name
		// that is no conventional tag (a version) is not meant as one.
		t = tagging{notString: -1, values: make([]string, len(msgs))}
	}
	if t.notString >= 0 {
		for _, m := range msgs {
			if p, ok := pinnedIn(m.Payload, t.property, map[*ir.Schema]bool{}); ok && !p.isString {
				b.notRoutable(ch, which, m, t.property)
			}
		}
	}
	if t.property != "" {
		d.Property, d.ByDiscriminator, d.Strategy = t.property, t.byDiscriminator, ir.StrategyConst
		if t.byDiscriminator {
			d.Strategy = ir.StrategyDiscriminator
		}
		for i, m := range msgs {
			if t.byDiscriminator && t.values[i] == "" {
				b.warnf(where, "channel %q: %s message %q gives no value for discriminator %q: its property has no const and its payload schema no name", ch.Name, which, m.Name, t.property)
			}
			d.Cases = append(d.Cases, ir.DispatchCase{Value: t.values[i], Message: m})
		}
		b.checkDistinct(where, ch, which, d)
		return d
	}
	for _, m := range msgs {
		d.Cases = append(d.Cases, ir.DispatchCase{Message: m})
	}
	if len(msgs) < 2 {
		return d
	}
	// Name a pair that no property tells apart, when there is one.
	pins := make([]map[string]pin, len(msgs))
	for i, m := range msgs {
		pins[i] = pinnedProperties(m.Payload)
	}
	for i := range msgs {
		for j := i + 1; j < len(msgs); j++ {
			if !anyDiffers(pins[i], pins[j]) {
				b.ambiguous(d, where, "channel %q: %s messages %q and %q cannot be told apart at run time: no payload property holds a different const value in each", ch.Name, which, msgs[i].Name, msgs[j].Name)
				return d
			}
		}
	}
	names := make([]string, len(msgs))
	for i, m := range msgs {
		names[i] = fmt.Sprintf("%q", m.Name)
	}
	b.ambiguous(d, where, "channel %q: %s messages %s cannot be told apart at run time: no single payload property holds a distinct const value in every one", ch.Name, which, strings.Join(names, ", "))
	return d
}

// checkDistinct warns about two cases with the same value.
func (b *builder) checkDistinct(where loc, ch *ir.Channel, which string, d *ir.Dispatch) {
	first := map[string]*ir.Message{}
	for _, c := range d.Cases {
		if c.Value == "" {
			continue
		}
		if prev, dup := first[c.Value]; dup {
			b.ambiguous(d, where, "channel %q: %s messages %q and %q cannot be told apart at run time: both have %s %q", ch.Name, which, prev.Name, c.Message.Name, d.Property, c.Value)
			continue
		}
		first[c.Value] = c.Message
	}
}

func anyDiffers(a, b map[string]pin) bool {
	for k, va := range a {
		if vb, ok := b[k]; ok && va != vb {
			return true
		}
	}
	return false
}

// commonDiscriminator returns the discriminator property every payload
// declares, or "".
func commonDiscriminator(msgs []*ir.Message) string {
	prop := ""
	for _, m := range msgs {
		p := discriminatorOf(m.Payload, map[*ir.Schema]bool{})
		if p == "" || (prop != "" && p != prop) {
			return ""
		}
		prop = p
	}
	return prop
}

// ambiguous warns that two messages of d cannot be told apart and records
// the first such reason on d, so code generation can refuse the channel.
func (b *builder) ambiguous(d *ir.Dispatch, where loc, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.warnf(where, "%s", msg)
	if d.Ambiguous == "" {
		d.Ambiguous = msg
	}
}

// notRoutable reports a message whose tag value is a number or boolean:
// the runtimes route frames on string values only (wire.Peek answers any
// other value "should be a string"), so the channel could never deliver
// it. The error is at the property's schema.
func (b *builder) notRoutable(ch *ir.Channel, which string, m *ir.Message, property string) {
	p, _ := pinnedIn(m.Payload, property, map[*ir.Schema]bool{})
	what := "a number"
	if p.text == "true" || p.text == "false" {
		what = "a boolean"
	}
	msg := fmt.Sprintf("channel %q: %s message %q: property %q, which tells the channel's messages apart, is pinned to %s, %s; chanx routes frames on string values only, so make it a string (const: %q)", ch.Name, which, m.Name, property, p.text, what, p.text)
	if ps := pinnedSchema(m.Payload, property, map[*ir.Schema]bool{}); ps != nil && !ps.Pos.IsZero() {
		b.diags = append(b.diags, diagAt(ps.Pos, pointerOf(ps), msg))
		return
	}
	b.errorf(b.located[m], "%s", msg)
}

// pinnedSchema is the schema of the property that pinnedIn takes the
// value from.
func pinnedSchema(s *ir.Schema, name string, seen map[*ir.Schema]bool) *ir.Schema {
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	if p := s.Property(name); p != nil {
		if _, ok := pinnedValue(p); ok {
			return p
		}
	}
	for _, list := range [][]*ir.Schema{s.AllOf, s.OneOf, s.AnyOf} {
		for _, a := range list {
			if p := pinnedSchema(a, name, seen); p != nil {
				return p
			}
		}
	}
	return nil
}
