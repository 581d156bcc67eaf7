package analyze

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// preferred lists the property names a dispatch property is picked from
// first, when several would do; "action" is Chanx's.
var preferred = []string{"action", "type", "event", "kind", "op", "method"}

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
// apart: by a discriminator every payload declares, else by one top-level
// payload property pinned to a different value in each. Failing both, it
// warns naming two messages that cannot be told apart; code generation
// turns that into an error.
func (b *builder) dispatch(ch *ir.Channel, action ir.Action, msgs []*ir.Message) *ir.Dispatch {
	d := &ir.Dispatch{Action: action}
	where := b.located[ch]
	which := "received"
	if action == ir.Send {
		which = "sent"
	}
	if prop := commonDiscriminator(msgs); prop != "" && len(msgs) > 1 {
		d.Property, d.ByDiscriminator = prop, true
		for _, m := range msgs {
			v, ok := pinnedIn(m.Payload, prop, map[*ir.Schema]bool{})
			if !ok {
				v = m.Payload.Name
			}
			if v == "" {
				b.warnf(where, "channel %q: %s message %q gives no value for discriminator %q: its property has no const and its payload schema no name", ch.Name, which, m.Name, prop)
			}
			d.Cases = append(d.Cases, ir.DispatchCase{Value: v, Message: m})
		}
		b.checkDistinct(where, ch, which, d)
		return d
	}

	pins := make([]map[string]string, len(msgs))
	for i, m := range msgs {
		pins[i] = pinnedProperties(m.Payload)
	}
	// Candidates: properties pinned in every message, in the first
	// message's order.
	var candidates []string
	for _, name := range pinnedOrder(msgs[0].Payload) {
		inAll := true
		for _, p := range pins[1:] {
			if _, ok := p[name]; !ok {
				inAll = false
				break
			}
		}
		if inAll {
			candidates = append(candidates, name)
		}
	}
	distinct := func(name string) bool {
		seen := map[string]bool{}
		for _, p := range pins {
			if seen[p[name]] {
				return false
			}
			seen[p[name]] = true
		}
		return true
	}
	var good []string
	for _, c := range candidates {
		if distinct(c) {
			good = append(good, c)
		}
	}
	switch {
	case len(good) > 0:
		d.Property = pick(good)
	case len(candidates) > 0:
		d.Property = pick(candidates)
	}
	if d.Property != "" {
		for i, m := range msgs {
			d.Cases = append(d.Cases, ir.DispatchCase{Value: pins[i][d.Property], Message: m})
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

func anyDiffers(a, b map[string]string) bool {
	for k, va := range a {
		if vb, ok := b[k]; ok && va != vb {
			return true
		}
	}
	return false
}

// pick prefers the conventional discriminator names, then the first.
func pick(names []string) string {
	for _, p := range preferred {
		for _, n := range names {
			if n == p {
				return n
			}
		}
	}
	return names[0]
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

// discriminatorOf finds the discriminator of s or of a schema it extends
// through allOf.
func discriminatorOf(s *ir.Schema, seen map[*ir.Schema]bool) string {
	if s == nil || seen[s] {
		return ""
	}
	seen[s] = true
	if s.Discriminator != "" {
		return s.Discriminator
	}
	for _, a := range s.AllOf {
		if p := discriminatorOf(a, seen); p != "" {
			return p
		}
	}
	return ""
}

// pinnedProperties maps each top-level property of s that holds a single
// value to that value.
func pinnedProperties(s *ir.Schema) map[string]string {
	out := map[string]string{}
	for _, name := range pinnedOrder(s) {
		out[name], _ = pinnedIn(s, name, map[*ir.Schema]bool{})
	}
	return out
}

// pinnedOrder lists the names of the top-level properties of s that hold
// a single value, in document order.
func pinnedOrder(s *ir.Schema) []string {
	var names []string
	seenName := map[string]bool{}
	var walk func(s *ir.Schema, seen map[*ir.Schema]bool)
	walk = func(x *ir.Schema, seen map[*ir.Schema]bool) {
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		for _, p := range x.Properties {
			if seenName[p.Name] {
				continue
			}
			seenName[p.Name] = true
			if _, ok := pinnedIn(s, p.Name, map[*ir.Schema]bool{}); ok {
				names = append(names, p.Name)
			}
		}
		for _, list := range [][]*ir.Schema{x.AllOf, x.OneOf, x.AnyOf} {
			for _, a := range list {
				walk(a, seen)
			}
		}
	}
	walk(s, map[*ir.Schema]bool{})
	return names
}

// pinnedIn returns the single value property name holds in s: pinned by s
// itself, by a schema s extends through allOf, or by every oneOf (or
// anyOf) variant alike, as in a reply whose success and error shapes
// share one event name.
func pinnedIn(s *ir.Schema, name string, seen map[*ir.Schema]bool) (string, bool) {
	if s == nil || seen[s] {
		return "", false
	}
	seen[s] = true
	defer delete(seen, s)
	if v, ok := pinnedValue(s.Property(name)); ok {
		return v, true
	}
	for _, a := range s.AllOf {
		if v, ok := pinnedIn(a, name, seen); ok {
			return v, true
		}
	}
	for _, variants := range [][]*ir.Schema{s.OneOf, s.AnyOf} {
		if len(variants) == 0 {
			continue
		}
		agreed, ok := pinnedIn(variants[0], name, seen)
		for _, v := range variants[1:] {
			if !ok {
				break
			}
			var got string
			got, ok = pinnedIn(v, name, seen)
			ok = ok && got == agreed
		}
		if ok {
			return agreed, true
		}
	}
	return "", false
}

// pinnedValue returns the one value s allows, from const or a one-value
// enum, as text: strings as they are, numbers and booleans as JSON
// literals. Objects, arrays and null do not name a message.
func pinnedValue(s *ir.Schema) (string, bool) {
	if s == nil {
		return "", false
	}
	var v any
	switch {
	case s.HasConst:
		v = s.Const
	case len(s.Enum) == 1:
		v = s.Enum[0]
	default:
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return string(v), true
	case bool:
		return fmt.Sprint(v), true
	}
	return "", false
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
