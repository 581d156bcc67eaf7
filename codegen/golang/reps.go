package golang

import (
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

// annotation keywords never constrain a value.
func hasAssertions(s *ir.Schema) bool {
	return s.Bool != nil || len(s.Type) > 0 || s.HasConst || s.Enum != nil || s.Format != "" ||
		s.MultipleOf != nil || s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil ||
		s.MinLength != nil || s.MaxLength != nil || s.Pattern != "" ||
		s.Items != nil || s.TupleItems != nil || s.AdditionalItems != nil || s.MinItems != nil || s.MaxItems != nil || s.UniqueItems || s.Contains != nil ||
		len(s.Properties) > 0 || len(s.Required) > 0 || s.AdditionalProperties != nil || len(s.PatternProperties) > 0 || s.PropertyNames != nil ||
		s.MinProperties != nil || s.MaxProperties != nil || len(s.Dependencies) > 0 ||
		len(s.AllOf) > 0 || len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.Not != nil || s.If != nil
}

// isNullOnly reports whether s is exactly {type: null}.
func isNullOnly(s *ir.Schema) bool {
	if s.Bool != nil || len(s.Type) != 1 || s.Type[0] != "null" {
		return false
	}
	c := *s
	c.Type = nil
	return !hasAssertions(&c)
}

// nullableInner returns T when s is anyOf/oneOf [T, {type: null}] and
// nothing else: the way Pydantic writes an optional field.
func nullableInner(s *ir.Schema) *ir.Schema {
	if s.Bool != nil {
		return nil
	}
	list := s.AnyOf
	if len(list) == 0 {
		list = s.OneOf
	} else if len(s.OneOf) > 0 {
		return nil
	}
	if len(list) != 2 {
		return nil
	}
	c := *s
	c.AnyOf, c.OneOf = nil, nil
	if hasAssertions(&c) {
		return nil
	}
	switch {
	case isNullOnly(list[1]) && !isNullOnly(list[0]):
		return list[0]
	case isNullOnly(list[0]) && !isNullOnly(list[1]):
		return list[1]
	}
	return nil
}

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

func nonNullTypes(s *ir.Schema) (types []string, nullable bool) {
	for _, t := range s.Type {
		if t == "null" {
			nullable = true
			continue
		}
		types = append(types, t)
	}
	return types, nullable
}

// onlyStrings reports whether every value is a string.
func onlyStrings(vals []any) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}
