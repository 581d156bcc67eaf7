package spec

import (
	"context"
	"strings"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"go.yaml.in/yaml/v4"
)

// chainEnd is where the $ref chain of a reference object ends: the node
// that is not itself a reference object, or the error that stops the chain.
type chainEnd struct {
	f   *File
	n   *yaml.Node
	err error // a *RefError
	// cycle is the cycle the chain runs into, when it does.
	cycle *refCycle
}

// refCycle is a chain of reference objects that comes back to itself.
type refCycle struct {
	members map[*yaml.Node]bool
	// diag is the one diagnostic the cycle gets, whichever of its members
	// or of the chains running into it is met first: it starts from the
	// member whose label sorts first, so every way in gives the same text.
	diag Diagnostic
}

// Deref follows n while it is a reference object ({$ref: ...}), across
// files, and returns the file and node it ends at. A chain that comes back
// to itself is an error naming the cycle. Errors are *RefError values.
func (d *Document) Deref(ctx context.Context, f *File, n *yaml.Node) (*File, *yaml.Node, error) {
	end := d.chain(ctx, f, n)
	if end.err != nil {
		return nil, nil, end.err
	}
	return end.f, end.n, nil
}

// cycleThrough returns the $ref cycle n is a member of, or nil.
func (d *Document) cycleThrough(ctx context.Context, f *File, n *yaml.Node) *refCycle {
	if end := d.chain(ctx, f, n); end.cycle != nil && end.cycle.members[n] {
		return end.cycle
	}
	return nil
}

// chain follows the $ref chain from n (in file f) to its end. Every
// reference object it passes gets the same end, remembered in d.chains, so
// a chain of 10,000 links costs 10,000 resolutions however many of its
// links are followed: the bundler follows each of them.
func (d *Document) chain(ctx context.Context, f *File, n *yaml.Node) chainEnd {
	type link struct {
		f     *File
		n     *yaml.Node
		label string // how the $ref that led here names this node
	}
	var (
		path   []link
		onPath = map[*yaml.Node]int{}
		end    chainEnd
		label  string
	)
	for {
		ref := RefOf(n)
		if ref == "" {
			end = chainEnd{f: f, n: n}
			break
		}
		d.mu.Lock()
		known, ok := d.chains[n]
		d.mu.Unlock()
		if ok {
			end = known
			break
		}
		if i, ok := onPath[n]; ok {
			path[i].label = label
			members := make([]CycleMember, 0, len(path)-i)
			for _, l := range path[i:] {
				members = append(members, CycleMember{File: l.f, Node: l.n, Label: l.label})
			}
			c := newRefCycle(members)
			end = chainEnd{err: &RefError{Pos: c.diag.Pos, Ref: RefOf(members[0].Node), Msg: c.diag.Message}, cycle: c}
			break
		}
		onPath[n] = len(path)
		path = append(path, link{f: f, n: n, label: label})
		nf, nn, err := d.Resolve(ctx, f, ref)
		if err != nil {
			end = chainEnd{err: &RefError{Pos: f.Pos(MapGet(n, "$ref")), Ref: ref, Msg: err.Error(), Err: err}}
			break
		}
		label = "#" + fragmentOf(ref)
		if nf != d.Root {
			label = nf.Location + label
		}
		f, n = nf, nn
	}
	if ctx.Err() == nil {
		d.mu.Lock()
		for _, l := range path {
			d.chains[l.n] = end
		}
		d.mu.Unlock()
	}
	return end
}

// CycleMember is one reference object of a $ref cycle: the file it is
// in, the node ({$ref: ...}), and its label, how the cycle's text names it:
// "#" and its JSON pointer, after the file's Location when the file is not
// the root document.
type CycleMember struct {
	File  *File
	Node  *yaml.Node
	Label string
}

// CycleDiagnostic is the one error a $ref cycle gets, members in chain
// order: "$ref cycle: A -> B -> A", at the $ref of the member whose label
// sorts first, so that every way into the cycle gives the same text.
// spec's bundler and spec/analyze's resolver both report cycles with it.
func CycleDiagnostic(members []CycleMember) Diagnostic {
	start := 0
	for i, m := range members {
		if m.Label < members[start].Label {
			start = i
		}
	}
	var b strings.Builder
	b.WriteString(CyclePrefix)
	for i := range members {
		b.WriteString(members[(start+i)%len(members)].Label)
		b.WriteString(" -> ")
	}
	first := members[start]
	b.WriteString(first.Label)
	_, frag, _ := strings.Cut(first.Label, "#")
	return Diagnostic{
		Pos:      first.File.Pos(MapGet(first.Node, "$ref")),
		Severity: Error,
		Pointer:  jsonptr.Format(append(pointerTokens(frag), "$ref")),
		Message:  b.String(),
	}
}

// CyclePrefix starts the message of every $ref cycle diagnostic.
const CyclePrefix = "$ref cycle: "

// newRefCycle describes the cycle of members, in chain order.
func newRefCycle(members []CycleMember) *refCycle {
	c := &refCycle{members: make(map[*yaml.Node]bool, len(members)), diag: CycleDiagnostic(members)}
	for _, m := range members {
		c.members[m.Node] = true
	}
	return c
}
