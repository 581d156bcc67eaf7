package analyze

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// Build checks what the AsyncAPI JSON Schema cannot express and builds the
// ir.API of a loaded document. It returns every diagnostic found; the API
// is nil only when the document is too broken to model.
//
// Build assumes nothing about the document's shape beyond it being parsed,
// and runs on documents that failed spec.Validate too: what the official
// schema reports (a missing field, a value of the wrong type) is skipped
// here rather than reported again. API.Bundled is set when the document
// has no errors and spec.BundleJSON succeeds (it also fails on a dangling
// $ref in a part of the document Build does not follow, which
// spec.Validate reports).
func Build(ctx context.Context, doc *spec.Document) (*ir.API, spec.Diagnostics) {
	if doc == nil || doc.Root == nil || doc.Root.Node == nil {
		return nil, spec.Diagnostics{{Severity: spec.Error, Message: "no document to analyze"}}
	}
	b := &builder{
		ctx:        ctx,
		doc:        doc,
		root:       doc.Root,
		api:        &ir.API{Source: doc.Root.Data},
		chans:      map[*yaml.Node]*ir.Channel{},
		chanMsgs:   map[*ir.Channel]map[*ir.Message]bool{},
		chanMsgKey: map[*ir.Channel]map[*ir.Message]string{},
		inline:     map[*ir.Message]bool{},
		qualified:  map[*ir.Message]bool{},
		msgs:       map[*yaml.Node]*ir.Message{},
		servers:    map[*yaml.Node]*ir.Server{},
		located:    map[any]loc{},
		cycles:     map[string]bool{},
		topicAt:    map[*ir.Channel]loc{},
	}
	b.schemas = newSchemaBuilder(ctx, doc, &b.diags)
	if doc.Root.Node.Kind != yaml.MappingNode {
		b.errorf(loc{f: doc.Root, n: doc.Root.Node}, "an AsyncAPI document must be an object, not %s", spec.DescribeNode(doc.Root.Node))
		b.diags.Sort()
		return nil, b.diags
	}
	b.build()
	if !b.diags.HasErrors() {
		if data, err := spec.BundleJSON(ctx, doc); err == nil {
			b.api.Bundled = data
		}
	}
	b.diags.Sort()
	return b.api, b.diags
}

// builder holds the state of one Build: what has been converted so far,
// keyed by the YAML node a $ref chain ends at, so that every element the
// document defines once is one shared ir value.
type builder struct {
	ctx     context.Context
	doc     *spec.Document
	root    *spec.File
	api     *ir.API
	diags   spec.Diagnostics
	schemas *schemaBuilder

	// chans maps both a channels entry and the node its $ref chain ends
	// at to the channel.
	chans    map[*yaml.Node]*ir.Channel
	chanMsgs map[*ir.Channel]map[*ir.Message]bool
	// chanMsgKey is the key under a channel's messages each of its
	// messages is written with.
	chanMsgKey map[*ir.Channel]map[*ir.Message]string
	// inline holds the messages written inside a channel's messages
	// rather than under components.messages; qualified those
	// qualifyMessages renamed.
	inline, qualified map[*ir.Message]bool
	msgs              map[*yaml.Node]*ir.Message
	servers           map[*yaml.Node]*ir.Server
	// located remembers where each channel, message and operation was
	// defined, for diagnostics written after the model is built.
	located map[any]loc
	// uses records, per operation, the message lists the checks need.
	uses []opUse
	// cycles holds the $ref cycles reported so far.
	cycles map[string]bool
	// clientView is set when the document says its operations are
	// written from the client's side (x-chanx-perspective: client).
	clientView bool
	// hops holds the reference objects the last successful follow went
	// through, in order (the first maxHops of them).
	hops []loc
	// topicAt is where each channel's x-topic is written (readTopics).
	topicAt map[*ir.Channel]loc
}

// loc is a node with the file it is in and its JSON pointer there.
type loc struct {
	f   *spec.File
	n   *yaml.Node
	ptr string
}

// at returns the location of the value of key in l's mapping, or a
// location with a nil node when there is none.
func (l loc) at(key string) loc {
	return loc{f: l.f, n: spec.MapGet(deAlias(l.n), key), ptr: l.ptr + "/" + jsonptr.Escape(key)}
}

// index returns the location of the i-th item of l's sequence.
func (l loc) index(i int) loc {
	return loc{f: l.f, n: deAlias(l.n).Content[i], ptr: fmt.Sprintf("%s/%d", l.ptr, i)}
}

func (l loc) pos() ir.Pos { return l.f.Pos(l.n) }

func (l loc) valid() bool { return l.f != nil && l.n != nil }

// entry is one key/value pair of a mapping.
type entry struct {
	key string
	kn  *yaml.Node // the key node, where diagnostics about the entry point
	val loc
}

// entries lists the pairs of l's mapping in document order; anything else
// has none.
func (l loc) entries() []entry {
	n := deAlias(l.n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]entry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		out = append(out, entry{key: k.Value, kn: k, val: loc{f: l.f, n: deAlias(n.Content[i+1]), ptr: l.ptr + "/" + jsonptr.Escape(k.Value)}})
	}
	return out
}

// items lists the elements of l's sequence; anything else has none.
func (l loc) items() []loc {
	n := deAlias(l.n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]loc, len(n.Content))
	for i := range n.Content {
		out[i] = l.index(i)
		out[i].n = deAlias(out[i].n)
	}
	return out
}

// str returns the string value of a scalar, "" for anything else.
func (l loc) str() string {
	n := deAlias(l.n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return ""
	}
	return n.Value
}

func deAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func (b *builder) errorf(l loc, format string, args ...any) {
	b.report(spec.Error, l, format, args...)
}

func (b *builder) warnf(l loc, format string, args ...any) {
	b.report(spec.Warning, l, format, args...)
}

func (b *builder) report(sev spec.Severity, l loc, format string, args ...any) {
	pos := ir.Pos{}
	if l.f != nil {
		pos = l.f.Pos(l.n)
	}
	b.diags = append(b.diags, spec.Diagnostic{Pos: pos, Pointer: l.ptr, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

// follow resolves l while it is a reference object and returns where the
// chain ends. A dangling $ref or a chain that comes back to itself is an
// error at the $ref that fails; ok is false then. A cycle is reported once,
// however many chains run into it. Where each reference object's chain
// ends is remembered (resolver.ends), so following every link of a long
// chain stays linear.
func (b *builder) follow(l loc) (loc, bool) {
	res := b.schemas.res
	var (
		path   []loc // the reference objects passed, in order
		onPath map[*yaml.Node]int
		end    chainEnd
		known  bool // end came from an earlier follow, reached at l
	)
	for {
		l.n = deAlias(l.n)
		ref := spec.RefOf(l.n)
		if ref == "" {
			end = chainEnd{end: l, ok: l.n != nil}
			break
		}
		if e, ok := res.ends[l.n]; ok {
			end, known = e, true
			if e.err != nil {
				b.errorf(e.end.at("$ref"), "%v", e.err)
			}
			break
		}
		if i, ok := onPath[l.n]; ok {
			b.reportCycle(path[i:])
			end = chainEnd{end: l}
			break
		}
		if onPath == nil {
			onPath = map[*yaml.Node]int{}
		}
		onPath[l.n] = len(path)
		path = append(path, l)
		s := res.step(b.ctx, l, ref)
		if s.err != nil {
			b.errorf(l.at("$ref"), "%v", s.err)
			end = chainEnd{end: l, err: s.err}
			break
		}
		l = s.to
	}
	if b.ctx.Err() == nil {
		for _, p := range path {
			res.ends[p.n] = end
		}
	}
	if !end.ok {
		return end.end, false
	}
	if len(path) > maxHops {
		path = path[:maxHops]
	}
	for known && len(path) < maxHops && spec.RefOf(l.n) != "" {
		// The rest of the chain was walked before: its links are known.
		path = append(path, l)
		l = res.steps[l.n].to
		l.n = deAlias(l.n)
	}
	b.hops = path
	return end.end, true
}

// reportCycle reports a cycle of reference objects once, worded and
// placed by spec.CycleDiagnostic as the bundler does.
func (b *builder) reportCycle(members []loc) {
	cycle := make([]spec.CycleMember, len(members))
	for i, m := range members {
		cycle[i] = spec.CycleMember{File: m.f, Node: m.n, Label: "#" + m.ptr}
		if m.f != b.root {
			cycle[i].Label = m.f.Location + cycle[i].Label
		}
	}
	d := spec.CycleDiagnostic(cycle)
	if b.cycles[d.Message] {
		return
	}
	b.cycles[d.Message] = true
	b.diags = append(b.diags, d)
}

// keyOf returns the key node under which l's value is written, so that a
// diagnostic about a named element points at its name; l's own node when
// there is no such key.
func (b *builder) keyOf(l loc) loc {
	i := strings.LastIndexByte(l.ptr, '/')
	if i < 0 {
		return l
	}
	parent := deAlias(b.schemas.res.lookup(l.f.Node, l.ptr[:i]))
	if parent == nil || parent.Kind != yaml.MappingNode {
		return l
	}
	if j, ok := b.schemas.res.keyIndex(parent, jsonptr.Unescape(l.ptr[i+1:])); ok && deAlias(parent.Content[j+1]) == l.n {
		return loc{f: l.f, n: parent.Content[j], ptr: l.ptr}
	}
	return l
}

// lastToken is the unescaped last reference token of a JSON pointer.
func lastToken(ptr string) string {
	return jsonptr.Unescape(ptr[strings.LastIndexByte(ptr, '/')+1:])
}

func (b *builder) build() {
	top := loc{f: b.root, n: b.root.Node}
	b.api.AsyncAPI = top.at("asyncapi").str()
	b.api.ID = top.at("id").str()
	b.api.DefaultContentType = top.at("defaultContentType").str()
	if info, ok := b.follow(top.at("info")); ok {
		b.api.Info = ir.Info{Title: info.at("title").str(), Version: info.at("version").str(), Description: info.at("description").str()}
	}
	b.buildServers(top.at("servers"))
	b.buildChannels(top.at("channels"))
	b.readTopics()
	b.perspective(top.at("x-chanx-perspective"))
	b.buildOperations(top.at("operations"))
	b.buildComponents(top.at("components"))
	b.qualifyMessages()
	b.checkNames()
	b.checkReceivers()
	b.buildDispatch()
	b.checkDiscriminators()
	b.schemas.fillUnions()

	sort.SliceStable(b.api.Servers, func(i, j int) bool { return b.api.Servers[i].Name < b.api.Servers[j].Name })
	sort.SliceStable(b.api.Channels, func(i, j int) bool { return b.api.Channels[i].Name < b.api.Channels[j].Name })
	sort.SliceStable(b.api.Operations, func(i, j int) bool { return b.api.Operations[i].Name < b.api.Operations[j].Name })
	sort.SliceStable(b.api.Messages, func(i, j int) bool {
		mi, mj := b.api.Messages[i], b.api.Messages[j]
		if mi.Name != mj.Name {
			return mi.Name < mj.Name
		}
		return mi.Pos.String() < mj.Pos.String()
	})
	sort.SliceStable(b.api.Schemas, func(i, j int) bool { return b.api.Schemas[i].Name < b.api.Schemas[j].Name })
}
