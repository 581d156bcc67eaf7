package ir

// Number is a JSON number kept as its decimal literal, so that 0.1 or a
// 20-digit integer survives exactly; code generators choose the Go type.
type Number string

// Schema is a JSON Schema (draft-07, as AsyncAPI 3 uses it, plus AsyncAPI's
// discriminator). A $ref is resolved: the referring place holds the same
// *Schema as the target, so recursive schemas are cyclic graphs. A field's
// zero value means the keyword is absent.
type Schema struct {
	// Name is the components.schemas key (or the $defs/definitions key) for
	// a named schema, "" for an inline one.
	Name string
	// Pointer is where the schema was defined: file#/json/pointer.
	Pointer string
	// Bool is non-nil for the boolean schemas true and false; all else is
	// then unset.
	Bool *bool

	Type        []string
	Title       string
	Description string
	Format      string
	Default     any
	HasDefault  bool
	Const       any
	HasConst    bool
	Enum        []any
	Examples    []any
	ReadOnly    bool
	WriteOnly   bool
	Deprecated  bool

	// Numbers.
	MultipleOf       *Number
	Minimum          *Number
	Maximum          *Number
	ExclusiveMinimum *Number
	ExclusiveMaximum *Number

	// Strings.
	MinLength        *int
	MaxLength        *int
	Pattern          string
	ContentEncoding  string
	ContentMediaType string

	// Arrays. Items is the single items schema; TupleItems holds the array
	// form of items, with AdditionalItems for the rest.
	Items           *Schema
	TupleItems      []*Schema
	AdditionalItems *Schema
	MinItems        *int
	MaxItems        *int
	UniqueItems     bool
	Contains        *Schema

	// Objects. Properties keep document order.
	Properties           []*Property
	Required             []string
	AdditionalProperties *Schema
	PatternProperties    []*Property
	PropertyNames        *Schema
	MinProperties        *int
	MaxProperties        *int
	Dependencies         []*Dependency

	// Composition.
	AllOf []*Schema
	AnyOf []*Schema
	OneOf []*Schema
	Not   *Schema
	If    *Schema
	Then  *Schema
	Else  *Schema

	// Definitions are the schema's definitions/$defs entries, kept so that
	// nothing the document declares is lost.
	Definitions []*Property
	// Discriminator is AsyncAPI's discriminator keyword: the property whose
	// value selects the oneOf/anyOf variant.
	Discriminator string
	// Union is spec/analyze's decision for a schema with oneOf or anyOf: the
	// member whose value names the variant, one value per variant. nil when
	// the variants are not told apart by a member (an untagged union), and
	// always nil for schemas without oneOf/anyOf. Code generators and
	// conformance read it; none of them infers a tag of its own.
	Union *Tag
	// Extensions holds the x-* keys, as JSON values.
	Extensions map[string]any

	Pos Pos
}

// Property is a named subschema: an object property, a pattern property
// (Name is the pattern) or a definition.
type Property struct {
	Name   string
	Schema *Schema
}

// Dependency is one entry of draft-07 dependencies: either a list of
// properties required when Name is present, or a schema applied then.
type Dependency struct {
	Name     string
	Required []string
	Schema   *Schema
}

// IsRequired reports whether the object schema lists name in required.
func (s *Schema) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// Property returns the schema of the named property, or nil.
func (s *Schema) Property(name string) *Schema {
	for _, p := range s.Properties {
		if p.Name == name {
			return p.Schema
		}
	}
	return nil
}

// Tag is how a reader tells a list of alternatives apart by one member: the
// variants of a union, or the messages of one channel and direction.
type Tag struct {
	// Property is the member (a top-level payload property for messages)
	// whose value names the alternative.
	Property string
	// ByDiscriminator is true when Property comes from the schema's
	// discriminator keyword rather than from const or single enum values.
	ByDiscriminator bool
	// Values holds, per alternative and in the schema's order (OneOf, else
	// AnyOf), the string value that selects it.
	Values []string
}
