package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"go.yaml.in/yaml/v4"
)

// Reference resolution is this package's own (Document.Resolve, Deref and
// the bundler below), not libopenapi's index/rolodex, although libopenapi
// v0.40.1 indexes AsyncAPI documents correctly (DEPENDENCY-NOTES §2). It
// does not fit three rules AsyncAPI imposes on chanx:
//   - The rolodex indexes every $ref it sees, eagerly. chanx must not fetch
//     some of them at all: the payload of a message whose schemaFormat it
//     cannot read (Avro, RAML, Protobuf) and anything inside the bindings of
//     protocols other than WebSockets (adeo-kafka's remote .avsc files).
//   - Its file system and HTTP lookups are its own: no FileRoot sandbox
//     (it read ../../outside.yaml), no per-fetch size limit, and a second
//     HTTP policy beside Options.
//   - Its circular-reference analysis applies OpenAPI's rules (schemas only)
//     and reports cycles in its own words and positions; chanx needs every
//     problem as a Diagnostic at the $ref's own file:line:col.
// What the rolodex would add on top — positions of $ref targets in their own
// file, cycle detection, inlining across files — is what the code here does
// in a few hundred lines over the same yaml/v4 nodes. libopenapi does serve
// where it fits: TestResolutionAgreesWithLibopenapi indexes multi-file
// documents with the rolodex and checks that every $ref lands on the same
// file:line:col with both resolvers.

// wsProtocols are the binding protocols chanx serves. Bindings of any other
// protocol are carried along untouched: their $refs are not followed and
// their schema problems are warnings (see the corpus README: adeo-kafka).
var wsProtocols = map[string]bool{"ws": true, "wss": true}

// ReadableSchemaFormat reports whether chanx reads payload schemas written
// in schemaFormat: the AsyncAPI Schema Object and JSON Schema draft-07, in
// any serialization ("" means the default, the AsyncAPI Schema Object).
func ReadableSchemaFormat(format string) bool {
	f := strings.ToLower(strings.TrimSpace(format))
	if f == "" {
		return true
	}
	for _, p := range []string{"application/vnd.aai.asyncapi;", "application/vnd.aai.asyncapi+json;", "application/vnd.aai.asyncapi+yaml;",
		"application/schema+json;version=draft-07", "application/schema+yaml;version=draft-07"} {
		if strings.HasPrefix(f, p) || f == strings.TrimSuffix(p, ";") {
			return true
		}
	}
	return false
}

// schemaMapKeywords are the JSON Schema keywords whose value maps names to
// schemas; a key under them is a name chosen by the author, never an
// AsyncAPI field, so "bindings" there is just a property called bindings.
var schemaMapKeywords = map[string]bool{"properties": true, "patternProperties": true, "definitions": true, "$defs": true, "dependencies": true}

// componentBindings are the components sections whose entries are bindings
// objects (protocol → binding).
var componentBindings = map[string]bool{"serverBindings": true, "channelBindings": true, "operationBindings": true, "messageBindings": true}

// foreignBinding reports whether the document path lies inside the binding
// of a protocol chanx does not serve, and names that protocol.
func foreignBinding(path []string) (string, bool) {
	for i := 0; i+1 < len(path); i++ {
		if path[i] == "bindings" && (i == 0 || !schemaMapKeywords[path[i-1]]) {
			return path[i+1], !wsProtocols[path[i+1]]
		}
	}
	if len(path) > 3 && path[0] == "components" && componentBindings[path[1]] {
		return path[3], !wsProtocols[path[3]]
	}
	return "", false
}

// bundler builds the document as one tree: external $refs (to other files
// and URLs, and every $ref written in such a file) are replaced by a copy of
// their target, $refs local to the root file are kept. Copies keep their
// nodes' line:col; which file a node came from is recovered by walking the
// original files (see Document.locateTokens), so no per-node map is kept.
type bundler struct {
	ctx   context.Context
	doc   *Document
	diags Diagnostics
	// first maps an external target to the document pointer of its first
	// copy; later $refs to it become local $refs to that copy. This keeps
	// the bundle finite for recursive schemas spread over files and linear
	// in size when many $refs share a target.
	first map[*yaml.Node]string
	// checked holds the $ref nodes already checked, so each problem is
	// reported once however often the walk meets its $ref.
	checked map[*yaml.Node]bool
	// cycles holds the $ref cycles reported, each once.
	cycles map[*refCycle]bool
	// path is the current node's path in the bundle.
	path []string
}

// bundle returns the bundled tree and the $ref problems met building it:
// dangling $refs (local, to files, to URLs), $ref cycles, files that cannot
// be read or parsed, remote $refs when they are forbidden. A $ref that
// cannot be followed stays in the tree as it was written.
//
// The tree is built once per Document and shared: callers must not modify
// it. A bundle cut short by ctx is not kept.
func (d *Document) bundle(ctx context.Context) (*yaml.Node, Diagnostics) {
	d.mu.Lock()
	root, diags := d.bundled, d.bundleDiags
	d.mu.Unlock()
	if root != nil {
		return root, slices.Clone(diags)
	}
	b := &bundler{ctx: ctx, doc: d, first: map[*yaml.Node]string{}, checked: map[*yaml.Node]bool{}, cycles: map[*refCycle]bool{}}
	root = b.node(d.Root, d.Root.Node, nil, 0, false)
	if ctx.Err() == nil {
		d.mu.Lock()
		d.bundled, d.bundleDiags = root, slices.Clone(b.diags)
		d.mu.Unlock()
	}
	return root, b.diags
}

// node returns n, written in file f, with its external $refs inlined (a copy
// where anything below changed, n itself otherwise). b.path is n's path in
// the bundle; n's pointer within f is fbase followed by b.path[fstart:].
// foreign is true inside bindings of other protocols and inside payloads
// chanx cannot read.
func (b *bundler) node(f *File, n *yaml.Node, fbase []string, fstart int, foreign bool) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		if ref := RefOf(n); ref != "" {
			return b.ref(f, n, ref, fbase, fstart, foreign)
		}
		unreadable := false
		if sf := MapGet(n, "schemaFormat"); sf != nil && sf.Kind == yaml.ScalarNode && !ReadableSchemaFormat(sf.Value) {
			unreadable = true
		}
		var content []*yaml.Node // nil while every child is unchanged
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			b.path = append(b.path, k.Value)
			childForeign := foreign || (unreadable && k.Value == "schema")
			if !childForeign {
				_, childForeign = foreignBinding(b.path)
			}
			v := b.node(f, n.Content[i+1], fbase, fstart, childForeign)
			b.path = b.path[:len(b.path)-1]
			content = changed(content, n.Content, i+1, v)
		}
		return withContent(n, content)
	case yaml.SequenceNode:
		var content []*yaml.Node
		for i, v := range n.Content {
			b.path = append(b.path, strconv.Itoa(i))
			v = b.node(f, v, fbase, fstart, foreign)
			b.path = b.path[:len(b.path)-1]
			content = changed(content, n.Content, i, v)
		}
		return withContent(n, content)
	}
	return n
}

// changed records child i's new value v: the copy of orig's content is made
// only once a child differs, so the parts of the root file without external
// $refs are shared, not copied (most of a large document).
func changed(content, orig []*yaml.Node, i int, v *yaml.Node) []*yaml.Node {
	if content == nil {
		if v == orig[i] {
			return nil
		}
		content = append([]*yaml.Node(nil), orig...)
	}
	content[i] = v
	return content
}

func withContent(n *yaml.Node, content []*yaml.Node) *yaml.Node {
	if content == nil {
		return n
	}
	c := *n
	c.Content = content
	return &c
}

// ref handles the reference object n ({$ref: ref}).
func (b *bundler) ref(f *File, n *yaml.Node, ref string, fbase []string, fstart int, foreign bool) *yaml.Node {
	if foreign {
		// Not followed, not fetched: chanx does not use it.
		return n
	}
	// Each $ref node is checked once, and a problem is reported at the
	// $ref that has it: a chain A -> B -> missing reports at B only, since
	// the walk reaches B on its own.
	first := !b.checked[n]
	b.checked[n] = true
	_, frag, _ := strings.Cut(ref, "#")
	tf, tn, err := b.doc.Resolve(b.ctx, f, ref)
	if err != nil {
		if first {
			b.refError(f, n, err, fbase, fstart)
		}
		return n
	}
	if RefOf(tn) != "" {
		if c := b.doc.cycleThrough(b.ctx, f, n); c != nil {
			if !b.cycles[c] {
				b.cycles[c] = true
				b.diags = append(b.diags, c.diag)
			}
			return n
		}
	}
	if tf == b.doc.Root && f == b.doc.Root {
		return n // a local $ref: kept
	}
	if tf == b.doc.Root {
		return refNode(n, "#"+frag)
	}
	if p, ok := b.first[tn]; ok {
		return refNode(n, "#"+p)
	}
	b.first[tn] = jsonptr.Format(b.path)
	return b.node(tf, tn, pointerTokens(frag), len(b.path), false)
}

// refNode is a reference object standing where n stood.
func refNode(n *yaml.Node, ref string) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "$ref", Line: n.Line, Column: n.Column},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: ref, Line: n.Line, Column: n.Column},
	}}
}

func (b *bundler) refError(f *File, n *yaml.Node, err error, fbase []string, fstart int) {
	ptr := jsonptr.Format(append(append(append([]string(nil), fbase...), b.path[fstart:]...), "$ref"))
	pos := f.Pos(MapGet(n, "$ref"))
	msg := err.Error()
	var re *RefError
	if errors.As(err, &re) {
		pos, msg = re.Pos, re.Msg
	}
	var de *DiagnosticsError
	if errors.As(err, &de) {
		b.diags = append(b.diags, de.Diagnostics...)
		ref := RefOf(n)
		if re != nil {
			ref = re.Ref
		}
		msg = fmt.Sprintf("$ref %q: the file it refers to has errors", ref)
	}
	b.diags = append(b.diags, Diagnostic{Pos: pos, Severity: Error, Pointer: ptr, Message: msg})
}

// pointerTokens splits a URI fragment holding a JSON pointer into its
// unescaped tokens.
func pointerTokens(frag string) []string {
	if p, err := pathUnescape(frag); err == nil {
		frag = p
	}
	if frag == "" || frag == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(frag, "/"), "/")
	for i, t := range parts {
		parts[i] = jsonptr.Unescape(t)
	}
	return parts
}

// BundleJSON returns the whole document as one JSON value, keys in document
// order: every external $ref (to another file or a URL) is replaced by its
// target, $refs local to the root file are kept, so the result stands alone
// (it is what a server publishes as /asyncapi.json). A second $ref to the
// same external target, and a recursive one, becomes a local $ref to the
// first copy. $refs inside bindings of protocols other than ws/wss and
// inside payloads of a schemaFormat chanx cannot read are kept as written.
// It fails with a *DiagnosticsError when a $ref cannot be followed.
func BundleJSON(ctx context.Context, doc *Document) ([]byte, error) {
	root, diags := doc.bundle(ctx)
	diags.Sort()
	if err := diags.Err(); err != nil {
		return nil, err
	}
	w := &jsonWriter{}
	w.enc = json.NewEncoder(&w.scratch)
	w.enc.SetEscapeHTML(false)
	if err := w.write(root); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", doc.Root.Location, err)
	}
	return w.buf.Bytes(), nil
}

type jsonWriter struct {
	buf, scratch bytes.Buffer
	enc          *json.Encoder
}

func (w *jsonWriter) write(n *yaml.Node) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		w.buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if err := w.scalar(n.Content[i].Value); err != nil {
				return err
			}
			w.buf.WriteByte(':')
			if err := w.write(n.Content[i+1]); err != nil {
				return err
			}
		}
		w.buf.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		w.buf.WriteByte('[')
		for i, v := range n.Content {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if err := w.write(v); err != nil {
				return err
			}
		}
		w.buf.WriteByte(']')
		return nil
	}
	v, err := Value(n)
	if err != nil {
		return err
	}
	return w.scalar(v)
}

func (w *jsonWriter) scalar(v any) error {
	w.scratch.Reset()
	if err := w.enc.Encode(v); err != nil {
		return err
	}
	w.buf.Write(bytes.TrimSuffix(w.scratch.Bytes(), []byte("\n")))
	return nil
}

func pathUnescape(s string) (string, error) { return url.PathUnescape(s) }
