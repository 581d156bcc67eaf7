package golang

import (
	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
)

// repKind is how a schema's values are held in Go.
type repKind int

const (
	repAny    repKind = iota // any: a decoded JSON value
	repString                // string
	repInt                   // int64
	repFloat                 // float64
	repBool                  // bool
	repSlice                 // []elem
	repMap                   // map[string]elem
	repStruct                // a generated struct
	repUnion                 // a generated union
	repPtr                   // *elem: a nullable value
	repTime                  // time.Time: a date-time string, when asked for
)

// rep is the Go representation chosen for a schema.
type rep struct {
	kind  repKind
	elem  *rep
	named *namedType // enums, structs and unions
}

var anyRep = &rep{kind: repAny}

// goType is the Go type expression.
func (r *rep) goType() string {
	if r.named != nil && r.kind != repPtr {
		return r.named.Name
	}
	switch r.kind {
	case repString:
		return "string"
	case repInt:
		return "int64"
	case repFloat:
		return "float64"
	case repBool:
		return "bool"
	case repSlice:
		return "[]" + r.elem.goType()
	case repMap:
		return "map[string]" + r.elem.goType()
	case repPtr:
		return "*" + r.elem.goType()
	case repTime:
		return "time.Time"
	}
	return "any"
}

// param is the parameter type of check functions for values of r: structs
// and unions are passed by pointer.
func (r *rep) param() string {
	if r.kind == repStruct || r.kind == repUnion {
		return "*" + r.goType()
	}
	return r.goType()
}

// byPointer reports whether check functions take the address of a value.
func (r *rep) byPointer() bool { return r.kind == repStruct || r.kind == repUnion }

// jsonKind is the JSON Schema type a value of r always has, "" for any.
func (r *rep) jsonKind() string {
	switch r.kind {
	case repString, repTime:
		return "string"
	case repInt:
		return "integer"
	case repFloat:
		return "number"
	case repBool:
		return "boolean"
	case repSlice:
		return "array"
	case repMap, repStruct, repUnion:
		return "object"
	}
	return ""
}

// comparable reports whether values of r can be compared with ==.
func (r *rep) comparable() bool {
	switch r.kind {
	case repString, repInt, repFloat, repBool:
		return true
	}
	return false
}

// hasAssertions reports whether s constrains a value at all.
func hasAssertions(s *ir.Schema) bool { return shape.HasAssertions(s) }

// nullableInner returns T when s is anyOf/oneOf [T, {type: null}].
func nullableInner(s *ir.Schema) *ir.Schema { return shape.NullableInner(s) }

// allowsNull reports whether null satisfies s's type keyword.
func allowsNull(s *ir.Schema) bool {
	if nullableInner(s) != nil {
		return true
	}
	if len(s.Type) == 0 {
		return true
	}
	for _, t := range s.Type {
		if t == "null" {
			return true
		}
	}
	return false
}
