package typescript

import (
	"strings"
	"unicode"

	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
)

// repKind is how the Go runtime holds a value of a schema. The TypeScript
// validators read a frame as the Go runtime does — a decode pass that
// stops at the first member its Go type cannot hold, then the checks — so
// both sides report the same problems; the representation is what the Go
// target (codegen/golang) chooses, rule for rule, from the same shapes.
type repKind int

const (
	repAny repKind = iota
	repString
	repInt
	repFloat
	repBool
	repSlice
	repMap
	repStruct
	repUnion
	repPtr
)

type rep struct {
	kind repKind
	elem *rep
	// sh is the Object or Union of a struct or union, owner its schema.
	sh    *shape.Shape
	owner *ir.Schema
}

var anyRep = &rep{kind: repAny}

func (r *rep) jsonKind() string {
	switch r.kind {
	case repString:
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

func (r *rep) comparable() bool {
	switch r.kind {
	case repString, repInt, repFloat, repBool:
		return true
	}
	return false
}

// repOf is the Go representation of sh (codegen/golang's computeRep).
func (vg *vgen) repOf(sh *shape.Shape) *rep {
	if r, ok := vg.reps[sh]; ok {
		return r
	}
	r := vg.computeRep(sh)
	vg.reps[sh] = r
	return r
}

func (vg *vgen) computeRep(sh *shape.Shape) *rep {
	s := sh.Schema
	switch sh.Kind {
	case shape.Nullable:
		r := vg.repOf(sh.Elem)
		if sh.Elem.Schema != s {
			if r.kind == repAny || r.kind == repPtr {
				return anyRep
			}
			return &rep{kind: repPtr, elem: r}
		}
		if r.kind == repAny || r.kind == repSlice || r.kind == repMap {
			return anyRep
		}
		return &rep{kind: repPtr, elem: r}
	case shape.Enum, shape.String:
		return &rep{kind: repString}
	case shape.Integer:
		return &rep{kind: repInt}
	case shape.Number:
		return &rep{kind: repFloat}
	case shape.Boolean:
		return &rep{kind: repBool}
	case shape.List:
		return &rep{kind: repSlice, elem: comparedElem(sh, vg.elemRep(sh.Elem))}
	case shape.Tuple:
		return &rep{kind: repSlice, elem: anyRep}
	case shape.Map:
		return &rep{kind: repMap, elem: comparedElem(sh, vg.elemRep(sh.Elem))}
	case shape.Object:
		if goObject(sh) {
			r := &rep{kind: repStruct, sh: sh, owner: s}
			vg.reps[sh] = r
			for _, m := range sh.Members {
				vg.fieldRep(m)
			}
			return r
		}
		return objectFallback(sh)
	case shape.Union:
		if sh.ObjectsOnly {
			ok := true
			for _, v := range sh.Variants {
				ok = ok && goObject(v)
			}
			if ok {
				r := &rep{kind: repUnion, sh: sh, owner: s}
				vg.reps[sh] = r
				for _, v := range sh.Variants {
					vg.repOf(v)
				}
				return r
			}
		}
		return objectFallback(sh)
	}
	return anyRep
}

// fieldRep is the one representation of a member declared by one or
// more schemas: the one they agree on, else any.
func (vg *vgen) fieldRep(m *shape.Member) *rep {
	if r, ok := vg.fields[m]; ok {
		return r
	}
	var chosen *rep
	for _, d := range m.Declared {
		r := vg.repOf(d)
		if r.kind == repAny {
			continue
		}
		if chosen == nil {
			chosen = r
		} else if goType(chosen) != goType(r) {
			chosen = anyRep
			break
		}
	}
	if chosen == nil {
		chosen = anyRep
	}
	if len(m.Declared) > 1 && (chosen.kind == repStruct || chosen.kind == repUnion || chosen.kind == repPtr) {
		chosen = anyRep
	}
	vg.fields[m] = chosen
	return chosen
}

// goType tells representations apart as Go types do.
func goType(r *rep) string {
	switch r.kind {
	case repSlice:
		return "[]" + goType(r.elem)
	case repMap:
		return "map" + goType(r.elem)
	case repPtr:
		return "*" + goType(r.elem)
	case repStruct, repUnion:
		return "T" + r.owner.Pointer + "\x00" + string(rune('0'+len(r.sh.Members)))
	}
	return string(rune('a' + int(r.kind)))
}

func (vg *vgen) elemRep(sh *shape.Shape) *rep {
	r := vg.repOf(sh)
	if r.kind == repSlice || r.kind == repMap {
		return anyRep
	}
	return r
}

func comparedElem(sh *shape.Shape, elem *rep) *rep {
	c := sh.Constraints
	if (c.UniqueItems || c.Enum != nil || c.HasConst) && elem.kind != repAny && !elem.comparable() {
		return anyRep
	}
	return elem
}

func objectFallback(sh *shape.Shape) *rep {
	for _, t := range sh.Schema.Type {
		if t == "object" {
			return &rep{kind: repMap, elem: anyRep}
		}
	}
	return anyRep
}

// goObject reports whether a Go struct can hold the Object: encoding/json
// must be able to name every member in a struct tag.
func goObject(sh *shape.Shape) bool {
	for _, m := range sh.Members {
		if !validTag(m.Name) {
			return false
		}
	}
	return true
}

func validTag(name string) bool {
	if name == "" || name == "-" {
		return false
	}
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// nullLost reports whether the Go runtime turns a null element of a value
// of r into a zero value (and reports the null itself).
func nullLost(r *rep) bool {
	if r.kind != repSlice && r.kind != repMap {
		return false
	}
	switch r.elem.kind {
	case repAny, repPtr, repStruct, repUnion:
		return false
	}
	return true
}

func allowsNull(s *ir.Schema) bool {
	if shape.NullableInner(s) != nil || len(s.Type) == 0 {
		return true
	}
	for _, t := range s.Type {
		if t == "null" {
			return true
		}
	}
	return false
}
