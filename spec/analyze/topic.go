package analyze

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// topicKeys are the members of an x-topic chanx reads, as Python Chanx
// writes them.
var topicKeys = []string{"name", "pattern", "parameters"}

// readTopics reads every channel's x-topic into Channel.Topic, checks it
// and decides, per address, how the topics there are served: a topic
// alone at an address whose parameters fill its pattern is served on its
// own route (Dedicated); any other is served by the hub at its address,
// whose own channel, when the document has one, is Topic.Hub. Two topics
// with one pattern at one address, and one topic name with two patterns,
// are errors.
func (b *builder) readTopics() {
	for _, ch := range b.api.Channels {
		if at, ok := b.topicAt[ch]; ok {
			ch.Topic = b.readTopic(at, ch)
		}
	}
	byName := map[string]*ir.Channel{}
	for _, group := range b.addressGroups() {
		var hub *ir.Channel
		for _, ch := range group {
			if ch.Topic == nil && hub == nil && b.topicAt[ch].n == nil {
				hub = ch
			}
		}
		byPattern := map[string]*ir.Channel{}
		for _, ch := range group {
			t := ch.Topic
			if t == nil {
				continue
			}
			where := b.topicAt[ch]
			if prev := byPattern[t.Pattern]; prev != nil {
				b.errorf(where.at("pattern"), "channel %q: x-topic pattern %q is also channel %q's (%s), at the same address %q: a server routes a topic to the first pattern that matches it, so this channel's frames would never reach it; give one of them another pattern", ch.Name, t.Pattern, prev.Name, prev.Topic.Pos, ch.Address)
			} else {
				byPattern[t.Pattern] = ch
			}
			if prev := byName[t.Name]; prev != nil && prev.Topic.Pattern != t.Pattern {
				b.errorf(where.at("name"), "channel %q: x-topic %q has pattern %q here and %q on channel %q (%s): one topic class has one pattern; rename one of them", ch.Name, t.Name, t.Pattern, prev.Topic.Pattern, prev.Name, prev.Topic.Pos)
			} else if prev == nil {
				byName[t.Name] = ch
			}
			t.Hub = hub
			if len(group) == 1 && ch.Address != "" {
				addr, _ := addressParams(ch.Address)
				t.Dedicated = true
				for _, p := range t.Parameters {
					if !slices.Contains(addr, p) {
						t.Dedicated = false
					}
				}
			}
		}
	}
}

// readTopic reads one x-topic value; nil when it is unusable (reported).
func (b *builder) readTopic(at loc, ch *ir.Channel) *ir.Topic {
	who := fmt.Sprintf("channel %q: x-topic", ch.Name)
	if n := deAlias(at.n); n == nil || n.Kind != yaml.MappingNode {
		b.errorf(at, "%s must be an object with name, pattern and parameters (Python Chanx's topic extension, such as {name: room_topic, pattern: \"room:{room_name}\", parameters: [room_name]}), not %s", who, spec.DescribeNode(at.n))
		return nil
	}
	ok := true
	for _, e := range at.entries() {
		if !slices.Contains(topicKeys, e.key) {
			b.warnf(loc{f: at.f, n: e.kn, ptr: e.val.ptr}, "%s: member %q is not one chanx reads (%s); it is ignored", who, e.key, strings.Join(topicKeys, ", "))
		}
	}
	str := func(key, what string) (string, bool) {
		l := at.at(key)
		n := deAlias(l.n)
		switch {
		case n == nil:
			b.errorf(at, "%s: missing %q: %s", who, key, what)
		case n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str":
			b.errorf(l, "%s: %s must be a string (%s), not %s", who, key, what, spec.DescribeNode(n))
		case n.Value == "":
			b.errorf(l, "%s: %s is empty: %s", who, key, what)
		default:
			return n.Value, true
		}
		return "", false
	}
	t := &ir.Topic{Pos: at.pos()}
	var good bool
	t.Name, good = str("name", `the topic class's name, such as "room_topic"`)
	ok = ok && good
	if good && identKey(t.Name) == "" {
		b.errorf(at.at("name"), "%s: name %q has no letter or digit to make an identifier from", who, t.Name)
		ok = false
	}
	t.Pattern, good = str("pattern", `the topics it serves, such as "room:{room_name}"`)
	if good {
		var err error
		t.Parameters, t.Parts, err = parseTopicPattern(t.Pattern)
		if err != nil {
			b.errorf(at.at("pattern"), "%s: pattern %q: %v", who, t.Pattern, err)
			good = false
		}
	}
	ok = ok && good
	if good {
		ok = b.topicParameters(at, who, t) && ok
	}
	if !ok {
		return nil
	}
	return t
}

// topicParameters checks x-topic.parameters against the pattern's: the
// same names (Chanx writes them in pattern order), no two that would
// become one identifier.
func (b *builder) topicParameters(at loc, who string, t *ir.Topic) bool {
	pl := at.at("parameters")
	var declared []string
	ok := true
	if n := deAlias(pl.n); n != nil {
		if n.Kind != yaml.SequenceNode {
			b.errorf(pl, "%s: parameters must be a list of the pattern's parameter names, not %s", who, spec.DescribeNode(n))
			return false
		}
		for _, it := range pl.items() {
			if it.n.Kind != yaml.ScalarNode || it.n.ShortTag() != "!!str" {
				b.errorf(it, "%s: parameters: each item must be a parameter name (a string), not %s", who, spec.DescribeNode(it.n))
				ok = false
				continue
			}
			if !slices.Contains(t.Parameters, it.n.Value) {
				b.errorf(it, "%s: parameter %q is not in the pattern %q", who, it.n.Value, t.Pattern)
				ok = false
			}
			declared = append(declared, it.n.Value)
		}
	}
	where := pl
	if pl.n == nil {
		where = at.at("pattern")
	}
	for _, p := range t.Parameters {
		if !slices.Contains(declared, p) {
			b.errorf(where, "%s: pattern parameter %q is not declared in parameters", who, p)
			ok = false
		}
	}
	seen := map[string]string{}
	for _, p := range t.Parameters {
		k := identKey(p)
		if k == "" {
			b.errorf(at.at("pattern"), "%s: pattern parameter %q has no letter or digit to make an identifier from", who, p)
			ok = false
			continue
		}
		if prev, dup := seen[k]; dup {
			b.errorf(at.at("pattern"), "%s: pattern parameters %q and %q become the same identifier", who, prev, p)
			ok = false
		}
		seen[k] = p
	}
	return ok
}

// parseTopicPattern splits a topic pattern into its parameter names and
// the literal text around them, by the rules runtime/server matches
// topics with: braces balance, every parameter is named (no ':' or '{'
// in a name), none twice, and two parameters have literal text between
// them (a parameter stops at ':', so "{a}{b}" could not be split).
func parseTopicPattern(p string) (params, parts []string, err error) {
	var lit strings.Builder
	prevParam := false
	for i := 0; i < len(p); {
		switch p[i] {
		case '{':
			j := strings.IndexByte(p[i:], '}')
			if j < 0 {
				return nil, nil, fmt.Errorf("the { at offset %d is not closed", i)
			}
			name := p[i+1 : i+j]
			if name == "" || strings.ContainsAny(name, "{:") {
				return nil, nil, fmt.Errorf("the parameter at offset %d has no valid name (one or more characters, no ':' or '{')", i)
			}
			if slices.Contains(params, name) {
				return nil, nil, fmt.Errorf("parameter %q appears twice", name)
			}
			if prevParam {
				return nil, nil, fmt.Errorf("parameter %q follows another with nothing between them, so a topic could not be split into the two", name)
			}
			parts = append(parts, lit.String())
			lit.Reset()
			params = append(params, name)
			prevParam = true
			i += j + 1
		case '}':
			return nil, nil, fmt.Errorf("the } at offset %d closes nothing", i)
		default:
			lit.WriteByte(p[i])
			prevParam = false
			i++
		}
	}
	return params, append(parts, lit.String()), nil
}
