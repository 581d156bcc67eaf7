package analyze

import (
	"context"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/spec"
)

// resolver resolves $refs like spec.Document.Resolve, with a fast path
// for local pointers through mappings (looked up with the Document's key
// index, spec.Document.KeyIndex) that builds no error for a miss, and
// remembers the $ref chains builder.follow walks. Anything the fast path
// cannot answer — other files, URLs, sequences, pointers that do not
// resolve — goes to spec.Document.Resolve, so results and error messages
// are the loader's.
type resolver struct {
	doc *spec.Document
	// steps and ends memoize $ref chains (see builder.follow).
	steps map[*yaml.Node]chainStep
	ends  map[*yaml.Node]chainEnd
}

func newResolver(doc *spec.Document) *resolver {
	return &resolver{doc: doc, steps: map[*yaml.Node]chainStep{}, ends: map[*yaml.Node]chainEnd{}}
}

// resolve returns the target of ref written in file f, and the target's
// JSON pointer within its file.
func (r *resolver) resolve(ctx context.Context, f *spec.File, ref string) (*spec.File, *yaml.Node, string, error) {
	target, frag, _ := strings.Cut(ref, "#")
	ptr := unescapeFragment(frag)
	if target == "" {
		if n := r.lookup(f.Node, ptr); n != nil {
			return f, n, ptr, nil
		}
	}
	tf, tn, err := r.doc.Resolve(ctx, f, ref)
	return tf, tn, ptr, err
}

// lookup evaluates an unescaped-fragment JSON pointer, or returns nil.
func (r *resolver) lookup(n *yaml.Node, ptr string) *yaml.Node {
	if ptr == "" {
		return n
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil
	}
	cur := n
	for _, tok := range strings.Split(ptr[1:], "/") {
		cur = deAlias(cur)
		if cur == nil || cur.Kind != yaml.MappingNode {
			return nil // sequences and errors: leave them to spec
		}
		i, ok := r.keyIndex(cur, jsonptr.Unescape(tok))
		if !ok {
			return nil
		}
		cur = cur.Content[i+1]
	}
	return cur
}

// keyIndex finds key in mapping m and returns the index of its key node
// in m.Content.
func (r *resolver) keyIndex(m *yaml.Node, key string) (int, bool) {
	return r.doc.KeyIndex(m, key)
}

// maxHops is how many of the reference objects a chain passes through
// follow records in builder.hops. Real documents chain two or three $refs;
// recording every link of a 10,000-link chain for each of its links would
// make following them all quadratic.
const maxHops = 64

// chainEnd is where the $ref chain from a reference object ends, as follow
// found it: the node that is not a reference object (ok), or the link
// whose $ref fails (err, reported again by every follow that reaches it,
// each with its own prefix), or a cycle (reported once, when found).
type chainEnd struct {
	end loc
	ok  bool
	err error
}

// chainStep is one link of a chain: the target of a reference object's $ref.
type chainStep struct {
	to  loc
	err error
}

// step resolves the $ref of reference object l once; later calls for the
// same node return the first answer.
func (r *resolver) step(ctx context.Context, l loc, ref string) chainStep {
	if s, ok := r.steps[l.n]; ok {
		return s
	}
	tf, tn, tptr, err := r.resolve(ctx, l.f, ref)
	s := chainStep{to: loc{f: tf, n: tn, ptr: tptr}, err: err}
	if ctx.Err() == nil {
		r.steps[l.n] = s
	}
	return s
}
