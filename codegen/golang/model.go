package golang

import (
	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
)

// The view model: everything the templates render, with every name, type
// and expression decided. Templates only loop over it.

// fileModel is one generated Go file.
type fileModel struct {
	Source  string
	Package string
	Imports []string
	// Std are the standard library imports, listed before Imports.
	Std   []string
	Types []*namedType
	Funcs []*checkFunc
	Vars  []*pkgVar
}

// namedType is one declared Go type.
type namedType struct {
	Name string
	Doc  []string
	// Kind is "struct", "union", "enum" or "defined".
	Kind string
	// Underlying is the Go type of an enum or defined type.
	Underlying string
	Fields     []*field
	Consts     []*enumConst
	// Union.
	Variants      []*variant
	Interface     string
	Marker        string
	Discriminator string
	Exclusive     bool
	// Struct plumbing.
	KeysVar     string
	KeepUnknown bool
	ConstFields []*field
	// Encode is the body of the struct's chanxEncode method, "" when no
	// MarshalJSON needs one (encoding/json's reflection writes the struct).
	Encode string
	// Check is the function validating a value of this type; Receiver is
	// how Validate passes the value to it ("x" or "&x"... see templates).
	Check    string
	PtrRecv  bool
	CheckArg string

	rep      *rep
	owner    *ir.Schema
	building bool
}

// field is one struct field.
type field struct {
	Name     string
	Type     string
	JSON     string // the json tag
	Key      string // the JSON key, quoted for Go
	Doc      []string
	Const    string // quoted Go literal of a const string field, "" if none
	Index    int    // position in KeysVar
	Decode   string // the statement decoding the field's JSON value
	rep      *rep
	shapes   []*shape.Shape // one per declaration (allOf members)
	schemas  []*ir.Schema   // the shapes' schemas
	jsonKey  string
	required bool
	ptr      bool
	null     bool
}

type enumConst struct {
	Name  string
	Value string // Go literal
	Doc   string
}

type variant struct {
	Type  string // the variant's Go type (a struct)
	Tag   string // quoted discriminator value, "" when not discriminated
	Check string

	schema *ir.Schema
	rep    *rep
}

// checkFunc is one generated validation function:
// func Name(p *validate.Problems, at *validate.Path, x Param).
type checkFunc struct {
	Name  string
	Param string
	Doc   string
	Body  []*stmt
}

// pkgVar is a package-level variable the checks use: compiled patterns,
// enum values, multipleOf decimals, oracle fallbacks, struct key lists.
type pkgVar struct {
	Name  string
	Value string
}

// stmt is one statement of a check function. Kind selects its template.
type stmt struct {
	Kind     string
	Cond     string // a Go condition that means the value is wrong
	Type     string // the problem type constant
	Msg      string // Go expression of the message
	Key      string // quoted key for a child path
	Index    string // Go expression of an array index
	Func     string // check function called
	X        string // value expression passed
	Body     []*stmt
	Else     []*stmt
	Cases    []*typeCase
	Ret      bool
	Loop     *loop
	Branches []*branch
	Var      string     // package variable used (pattern, values, format)
	Vals     []string   // Go literals of a switch over enum values
	Union    *namedType // the union a "union" statement checks
}

// branch is one arm of an if / else if / else chain; Cond "" is the else.
type branch struct {
	Cond string
	Body []*stmt
}

// typeCase is one case of the type switch a dynamic check makes.
type typeCase struct {
	Case string // "string", "map[string]any", "[]any", "bool", "nil", "number"
	Body []*stmt
}

// loop describes iterating the members of an object, for
// patternProperties, additionalProperties and propertyNames.
type loop struct {
	Known []string // quoted keys that are declared properties
	Pats  []*patCheck
	// Additional: "" none, "false" forbidden, else a check function.
	Additional string
	AddArg     string
	Names      string // propertyNames check function, "" none
	NeedKnown  bool
	UsesValue  bool
}

type patCheck struct {
	Var  string
	Func string
	Arg  string
}
