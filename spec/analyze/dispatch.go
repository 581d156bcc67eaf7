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
		for d := range dirs {
			msgs := fl.msgs[d]
			sort.SliceStable(msgs, func(i, j int) bool {
				oi, iok := order[msgs[i]]
				oj, jok := order[msgs[j]]
				if iok != jok {
					return iok
				}
				return oi < oj
			})
		}
	}
	for _, group := range b.dispatchGroups() {
		for d, action := range dirs {
			var union []*ir.Message
			seen := map[*ir.Message]bool{}
			for _, ch := range group {
				for _, m := range flows[ch].msgs[d] {
					if !seen[m] {
						seen[m] = true
						union = append(union, m)
					}
				}
			}
			if len(union) == 0 {
				continue
			}
			if len(group) == 1 {
				ch := group[0]
				group[0].Dispatch = append(ch.Dispatch, b.dispatch(b.located[ch], fmt.Sprintf("channel %q", ch.Name), action, union))
				continue
			}
			// One endpoint carries every channel of the group: the
			// receiver tells the union of their messages apart, and each
			// channel records its own cases of that one rule.
			names := make([]string, len(group))
			for i, ch := range group {
				names[i] = fmt.Sprintf("%q", ch.Name)
			}
			who := fmt.Sprintf("channels %s (one address, %q)", strings.Join(names, ", "), group[0].Address)
			all := b.dispatch(b.located[group[0]], who, action, union)
			for _, ch := range group {
				own := *all
				own.Cases = nil
				for _, c := range all.Cases {
					if slices.Contains(flows[ch].msgs[d], c.Message) {
						own.Cases = append(own.Cases, c)
					}
				}
				if len(own.Cases) == 0 {
					continue
				}
				ch.Dispatch = append(ch.Dispatch, &own)
			}
		}
	}
}

// addressGroups lists the channels by the route a server mounts them at,
// in document order: channels that share an address (ticker, depth and
// trades on /v1/realtime) are one group, served by one endpoint. A
// channel without an address is a group of its own.
func (b *builder) addressGroups() [][]*ir.Channel {
	var groups [][]*ir.Channel
	at := map[string]int{}
	for _, ch := range b.api.Channels {
		if ch.Address == "" {
			groups = append(groups, []*ir.Channel{ch})
			continue
		}
		key := mountPattern(ch.Address)
		if i, ok := at[key]; ok {
			groups[i] = append(groups[i], ch)
			continue
		}
		at[key] = len(groups)
		groups = append(groups, []*ir.Channel{ch})
	}
	return groups
}

// dispatchGroups is addressGroups with every topic channel (one with an
// x-topic) in a group of its own: a frame is routed by its topic before
// its discriminator is read, so a topic's messages are told apart among
// themselves only, and their names may repeat across topics and the hub.
func (b *builder) dispatchGroups() [][]*ir.Channel {
	var out [][]*ir.Channel
	for _, group := range b.addressGroups() {
		var rest []*ir.Channel
		for _, ch := range group {
			if _, topic := b.topicAt[ch]; topic {
				out = append(out, []*ir.Channel{ch})
			} else {
				rest = append(rest, ch)
			}
		}
		if len(rest) > 0 {
			out = append(out, rest)
		}
	}
	return out
}

// dispatch finds how the messages of one channel and direction are told
// apart (inferTag over their payloads). Failing that, it warns naming two
// messages that cannot be told apart; code generation turns that into an
// error.
func (b *builder) dispatch(where loc, who string, action ir.Action, msgs []*ir.Message) *ir.Dispatch {
	d := &ir.Dispatch{Action: action}
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
				b.notRoutable(who, which, m, t.property)
			}
		}
	}
	if t.property != "" && (t.routable() || t.notString >= 0 || len(msgs) < 2 || !slices.Contains(t.values, "")) {
		// Every message gives the tag a value: a value two share is
		// reported (checkDistinct), and a client still tells those apart
		// by schema within the value.
		return b.byTag(d, where, who, which, t, msgs)
	}
	if len(msgs) >= 2 {
		if b.structural(d, where, who, which, payloads, msgs) {
			return d
		}
	}
	if t.property != "" {
		return b.byTag(d, where, who, which, t, msgs)
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
				b.ambiguous(d, where, "%s: %s messages %q and %q cannot be told apart at run time: no payload property holds a different const value in each", who, which, msgs[i].Name, msgs[j].Name)
				return d
			}
		}
	}
	names := make([]string, len(msgs))
	for i, m := range msgs {
		names[i] = fmt.Sprintf("%q", m.Name)
	}
	b.ambiguous(d, where, "%s: %s messages %s cannot be told apart at run time: no single payload property holds a distinct const value in every one", who, which, strings.Join(names, ", "))
	return d
}

// byTag records a const or discriminator tag (inferTag's), warning
// about the values that do not tell the messages apart.
func (b *builder) byTag(d *ir.Dispatch, where loc, who, which string, t tagging, msgs []*ir.Message) *ir.Dispatch {
	d.Property, d.ByDiscriminator, d.Strategy = t.property, t.byDiscriminator, ir.StrategyConst
	if t.byDiscriminator {
		d.Strategy = ir.StrategyDiscriminator
	}
	var named []string
	for i, m := range msgs {
		if t.byDiscriminator && t.values[i] == "" {
			b.warnf(where, "%s: %s message %q gives no value for discriminator %q: its property has no const and its payload schema no name", who, which, m.Name, t.property)
		}
		d.Cases = append(d.Cases, ir.DispatchCase{Value: t.values[i], Message: m})
		named = append(named, fmt.Sprintf("%q is %s", t.values[i], m.Name))
	}
	if len(msgs) > 1 {
		how := "const"
		if t.byDiscriminator {
			how = "discriminator"
		}
		d.Why = fmt.Sprintf("the %s value of member %q: %s", how, t.property, strings.Join(named, ", "))
	}
	b.checkDistinct(where, who, which, d)
	return d
}

// structural tries, in turn, the strategies for messages that no single
// const tells apart (enum values, required members, schema match in
// declared order) and records the first that works. It fails, leaving d
// alone, when two messages have the same payload: no strategy can ever
// tell those apart.
func (b *builder) structural(d *ir.Dispatch, where loc, who, which string, payloads []*ir.Schema, msgs []*ir.Message) bool {
	seen := map[string]bool{}
	for _, p := range payloads {
		k := "-"
		if p != nil {
			k = schemaKey(p, 0)
		}
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	if e, ok := inferEnum(payloads); ok {
		d.Property, d.Strategy = e.property, ir.StrategyEnum
		var named []string
		for i, m := range msgs {
			d.Cases = append(d.Cases, ir.DispatchCase{Value: e.values[i][0], Values: e.values[i], Message: m})
			named = append(named, fmt.Sprintf("%s is %s", quoteAll(e.values[i], " or "), m.Name))
		}
		d.Why = fmt.Sprintf("the enum value of member %q: %s", e.property, strings.Join(named, ", "))
		return true
	}
	if sets, ok := inferMembers(payloads); ok {
		d.Strategy = ir.StrategyMembers
		var named []string
		rest := ""
		// The message claiming no member of its own goes last.
		for pass := 0; pass < 2; pass++ {
			for i, m := range msgs {
				if (len(sets[i]) == 0) != (pass == 1) {
					continue
				}
				d.Cases = append(d.Cases, ir.DispatchCase{Message: m, Members: sets[i]})
				if len(sets[i]) == 0 {
					rest = fmt.Sprintf("; any other frame is %s", m.Name)
					continue
				}
				named = append(named, fmt.Sprintf("%s names %s", quoteAll(sets[i], " or "), m.Name))
			}
		}
		d.Why = fmt.Sprintf("the members each requires and no other declares: %s%s", strings.Join(named, ", "), rest)
		return true
	}
	d.Strategy = ir.StrategySchema
	names := make([]string, len(msgs))
	for i, m := range msgs {
		d.Cases = append(d.Cases, ir.DispatchCase{Message: m})
		names[i] = fmt.Sprintf("%q", m.Name)
	}
	d.Why = fmt.Sprintf("nothing on the wire names them: a frame is the first of %s, in declared order, it is valid as", strings.Join(names, ", "))
	b.warnf(where, "%s: %s messages %s are told apart by schema in declared order: no member's value, nor any member only one of them requires, names them, so a receiver decodes and validates each frame as each message in turn (up to %d decodes a frame) and a frame valid as several is always the first", who, which, strings.Join(names, ", "), len(msgs))
	return true
}

// quoteAll quotes each of list and joins them with sep.
func quoteAll(list []string, sep string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, sep)
}

// checkDistinct warns about two cases with the same value.
func (b *builder) checkDistinct(where loc, who string, which string, d *ir.Dispatch) {
	first := map[string]*ir.Message{}
	for _, c := range d.Cases {
		if c.Value == "" {
			continue
		}
		if prev, dup := first[c.Value]; dup {
			b.ambiguous(d, where, "%s: %s messages %q and %q cannot be told apart at run time: both have %s %q", who, which, prev.Name, c.Message.Name, d.Property, c.Value)
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
func (b *builder) notRoutable(who string, which string, m *ir.Message, property string) {
	p, _ := pinnedIn(m.Payload, property, map[*ir.Schema]bool{})
	what := "a number"
	if p.text == "true" || p.text == "false" {
		what = "a boolean"
	}
	msg := fmt.Sprintf("%s: %s message %q: property %q, which tells the channel's messages apart, is pinned to %s, %s; chanx routes frames on string values only, so make it a string (const: %q)", who, which, m.Name, property, p.text, what, p.text)
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
