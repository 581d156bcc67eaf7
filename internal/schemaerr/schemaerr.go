package schemaerr

import (
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Hook decides for one node of the tree whether it stands for its whole
// subtree: when ok, Leaves reports leaves in place of the node's own.
// Callers use it for failed unions (anyOf, oneOf), reporting the union
// once or only the alternative the author most likely meant.
type Hook func(e *jsonschema.ValidationError) (leaves []*jsonschema.ValidationError, ok bool)

// Leaves returns the errors under e that have no causes, depth first in
// the library's order; at, when not nil, is asked first at every node.
func Leaves(e *jsonschema.ValidationError, at Hook) []*jsonschema.ValidationError {
	var out []*jsonschema.ValidationError
	walk(e, at, &out)
	return out
}

func walk(e *jsonschema.ValidationError, at Hook, out *[]*jsonschema.ValidationError) {
	if at != nil {
		if leaves, ok := at(e); ok {
			*out = append(*out, leaves...)
			return
		}
	}
	if len(e.Causes) == 0 {
		*out = append(*out, e)
		return
	}
	for _, c := range e.Causes {
		walk(c, at, out)
	}
}

// UnionAsOne is the Hook that reports a failed anyOf, oneOf or contains
// as one error at its own place: listing every alternative's (every
// item's) complaints would blame the value for each.
func UnionAsOne(e *jsonschema.ValidationError) ([]*jsonschema.ValidationError, bool) {
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf, *kind.Contains:
		if len(e.Causes) > 0 {
			return []*jsonschema.ValidationError{e}, true
		}
	}
	return nil, false
}

// Grouping reports whether e only says where (a schema, a $ref, a
// group) rather than what is wrong: such a node with no causes carries no
// message worth showing.
func Grouping(e *jsonschema.ValidationError) bool {
	switch e.ErrorKind.(type) {
	case *kind.Schema, *kind.Reference, *kind.Group:
		return true
	}
	return false
}
