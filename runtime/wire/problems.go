package wire

import (
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// The registry of problem types: every "type" an error frame's problem can
// carry, whoever reports it — Peek, the frame decoder, generated
// validators, the JSON Schema oracle. Python Chanx clients switch on these
// names, so where Pydantic has a check for the same thing the name and the
// message are Pydantic's (capitalised, as pydantic-core writes them); the
// few without a Pydantic counterpart (JSON Schema keywords Pydantic has no
// constraint for) are chanx's own, worded the same way. Messages are built
// only by the Msg functions below, so one type always reads one way.
const (
	// The frame as a whole.
	ProblemJSONInvalid = "json_invalid"          // not JSON
	ProblemTooDeep     = "json_too_deep"         // chanx: nested past the depth limit
	ProblemNotObject   = "model_attributes_type" // a frame or union value that is not an object
	ProblemTagNotFound = "union_tag_not_found"   // no discriminator
	ProblemTagInvalid  = "union_tag_invalid"     // a discriminator no handler or variant has

	// Members.
	ProblemMissing        = "missing"
	ProblemExtraForbidden = "extra_forbidden"
	ProblemDependency     = "dependency" // chanx: dependencies / dependentRequired

	// Types. A null where the type does not allow it is the type's problem,
	// as Pydantic reports None.
	ProblemStringType   = "string_type"
	ProblemIntType      = "int_type"
	ProblemIntParsing   = "int_parsing"    // a string where an integer belongs
	ProblemIntFromFloat = "int_from_float" // a number with a fractional part
	ProblemFloatType    = "float_type"
	ProblemFloatParsing = "float_parsing" // a string where a number belongs
	ProblemFiniteNumber = "finite_number" // a number beyond float64
	ProblemBoolType     = "bool_type"
	ProblemListType     = "list_type"
	ProblemDictType     = "dict_type"
	ProblemModelType    = "model_type" // a generated struct's value
	ProblemNoneRequired = "none_required"
	ProblemTypeMismatch = "type_error" // chanx: a type keyword listing several types

	// Values.
	ProblemLiteral          = "literal_error" // const
	ProblemEnum             = "enum"
	ProblemStringTooShort   = "string_too_short"
	ProblemStringTooLong    = "string_too_long"
	ProblemPatternMismatch  = "string_pattern_mismatch"
	ProblemGreaterThan      = "greater_than"
	ProblemGreaterThanEqual = "greater_than_equal"
	ProblemLessThan         = "less_than"
	ProblemLessThanEqual    = "less_than_equal"
	ProblemMultipleOf       = "multiple_of"
	ProblemTooShort         = "too_short" // minItems, minProperties
	ProblemTooLong          = "too_long"  // maxItems, maxProperties, additionalItems: false
	ProblemDatetimeParsing  = "datetime_parsing"
	ProblemDateParsing      = "date_parsing"
	ProblemTimeParsing      = "time_parsing"
	ProblemUUIDParsing      = "uuid_parsing"
	ProblemURLParsing       = "url_parsing"
	ProblemValueError       = "value_error" // anything else, other formats

	// JSON Schema keywords Pydantic has no constraint for.
	ProblemUniqueItems = "unique_items"
	ProblemContains    = "contains"
	ProblemUnion       = "union" // anyOf, oneOf, an untagged union
	ProblemNot         = "not"
	ProblemFalseSchema = "false_schema"
)

// ProblemKind is one registry entry: the type and its message template,
// with Pydantic's placeholders ({min_length}, {expected_plural}, ...).
type ProblemKind struct {
	Type     string
	Template string
}

// ProblemKinds lists every problem type in the registry with its message
// template, for documentation and for tests that check an emitted problem
// belongs to the registry.
var ProblemKinds = []ProblemKind{
	{ProblemJSONInvalid, "Invalid JSON: {error}"},
	{ProblemTooDeep, "Input nests objects and arrays too deep"},
	{ProblemNotObject, "Input should be a valid dictionary or object to extract fields from"},
	{ProblemTagNotFound, "Unable to extract tag using discriminator {discriminator}"},
	{ProblemTagInvalid, "Input tag '{tag}' found using {discriminator} does not match any of the expected tags: {expected_tags}"},
	{ProblemMissing, "Field required"},
	{ProblemExtraForbidden, "Extra inputs are not permitted"},
	{ProblemDependency, "Field required when {field} is present"},
	{ProblemStringType, "Input should be a valid string"},
	{ProblemIntType, "Input should be a valid integer"},
	{ProblemIntParsing, "Input should be a valid integer, unable to parse string as an integer"},
	{ProblemIntFromFloat, "Input should be a valid integer, got a number with a fractional part"},
	{ProblemFloatType, "Input should be a valid number"},
	{ProblemFloatParsing, "Input should be a valid number, unable to parse string as a number"},
	{ProblemFiniteNumber, "Input should be a finite number"},
	{ProblemBoolType, "Input should be a valid boolean"},
	{ProblemListType, "Input should be a valid list"},
	{ProblemDictType, "Input should be a valid dictionary"},
	{ProblemModelType, "Input should be a valid dictionary or instance of {class_name}"},
	{ProblemNoneRequired, "Input should be None"},
	{ProblemTypeMismatch, "Input should be a valid {expected}"},
	{ProblemLiteral, "Input should be {expected}"},
	{ProblemEnum, "Input should be {expected}"},
	{ProblemStringTooShort, "String should have at least {min_length} character{expected_plural}"},
	{ProblemStringTooLong, "String should have at most {max_length} character{expected_plural}"},
	{ProblemPatternMismatch, "String should match pattern '{pattern}'"},
	{ProblemGreaterThan, "Input should be greater than {gt}"},
	{ProblemGreaterThanEqual, "Input should be greater than or equal to {ge}"},
	{ProblemLessThan, "Input should be less than {lt}"},
	{ProblemLessThanEqual, "Input should be less than or equal to {le}"},
	{ProblemMultipleOf, "Input should be a multiple of {multiple_of}"},
	{ProblemTooShort, "{field_type} should have at least {min_length} item{expected_plural} after validation, not {actual_length}"},
	{ProblemTooLong, "{field_type} should have at most {max_length} item{expected_plural} after validation, not {actual_length}"},
	{ProblemDatetimeParsing, "Input should be a valid datetime, {error}"},
	{ProblemDateParsing, "Input should be a valid date in the format YYYY-MM-DD, {error}"},
	{ProblemTimeParsing, "Input should be in a valid time format, {error}"},
	{ProblemUUIDParsing, "Input should be a valid UUID, {error}"},
	{ProblemURLParsing, "Input should be a valid URL, {error}"},
	{ProblemValueError, "Value error, {error}"},
	{ProblemUniqueItems, "List should have unique items, items {first} and {second} are equal"},
	{ProblemContains, "List should contain at least one matching item"},
	{ProblemUnion, "Input should match {expected}"},
	{ProblemNot, "Input should not match the schema"},
	{ProblemFalseSchema, "No value is allowed here"},
}

// Fixed messages.
const (
	MsgTooDeep        = "Input nests objects and arrays too deep"
	MsgNotObject      = "Input should be a valid dictionary or object to extract fields from"
	MsgMissing        = "Field required"
	MsgExtraForbidden = "Extra inputs are not permitted"
	MsgStringType     = "Input should be a valid string"
	MsgIntType        = "Input should be a valid integer"
	MsgIntParsing     = "Input should be a valid integer, unable to parse string as an integer"
	MsgIntFromFloat   = "Input should be a valid integer, got a number with a fractional part"
	MsgFloatType      = "Input should be a valid number"
	MsgFloatParsing   = "Input should be a valid number, unable to parse string as a number"
	MsgFiniteNumber   = "Input should be a finite number"
	MsgBoolType       = "Input should be a valid boolean"
	MsgListType       = "Input should be a valid list"
	MsgDictType       = "Input should be a valid dictionary"
	MsgNoneRequired   = "Input should be None"
	MsgContains       = "List should contain at least one matching item"
	MsgNot            = "Input should not match the schema"
	MsgFalseSchema    = "No value is allowed here"
	MsgUnionAny       = "Input should match at least one of the allowed schemas"
	MsgUnionSeveral   = "Input should match exactly one of the allowed schemas, not several"
)

// MsgJSONInvalid reads "Invalid JSON: <detail>".
func MsgJSONInvalid(detail string) string { return "Invalid JSON: " + detail }

// MsgTagNotFound is union_tag_not_found's message for the discriminator key.
func MsgTagNotFound(key string) string {
	return "Unable to extract tag using discriminator '" + key + "'"
}

// MsgTagInvalid is union_tag_invalid's message: tag is the value found (as
// Python prints it: a string as is, null as None, a number as written),
// expected the tags there are, in order.
func MsgTagInvalid(key, tag string, expected []string) string {
	var b strings.Builder
	b.WriteString("Input tag '")
	b.WriteString(tag)
	b.WriteString("' found using '")
	b.WriteString(key)
	b.WriteString("' does not match any of the expected tags: ")
	for i, k := range expected {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('\'')
		b.WriteString(k)
		b.WriteByte('\'')
	}
	return b.String()
}

// MsgDependency is the dependency problem's message.
func MsgDependency(field string) string { return "Field required when " + field + " is present" }

// MsgModelType is model_type's message for the struct (Pydantic: model)
// named className.
func MsgModelType(className string) string {
	return "Input should be a valid dictionary or instance of " + className
}

// MsgStringTooShort and the functions after it render the messages of
// the constraint problems with the schema's bound.
func MsgStringTooShort(n int) string {
	return "String should have at least " + strconv.Itoa(n) + plural(n, " character")
}

// MsgStringTooLong is string_too_long's message.
func MsgStringTooLong(n int) string {
	return "String should have at most " + strconv.Itoa(n) + plural(n, " character")
}

// MsgPatternMismatch is string_pattern_mismatch's message.
func MsgPatternMismatch(pattern string) string {
	return "String should match pattern '" + pattern + "'"
}

// MsgBound renders greater_than, greater_than_equal, less_than and
// less_than_equal for the bound as the schema writes it; typ is one of
// those four types.
func MsgBound(typ, bound string) string {
	switch typ {
	case ProblemGreaterThan:
		return "Input should be greater than " + bound
	case ProblemGreaterThanEqual:
		return "Input should be greater than or equal to " + bound
	case ProblemLessThan:
		return "Input should be less than " + bound
	}
	return "Input should be less than or equal to " + bound
}

// MsgMultipleOf is multiple_of's message.
func MsgMultipleOf(d string) string { return "Input should be a multiple of " + d }

// MsgTooShort is too_short's message: fieldType is "List" or "Dictionary".
func MsgTooShort(fieldType string, min, actual int) string {
	return fieldType + " should have at least " + strconv.Itoa(min) + plural(min, " item") +
		" after validation, not " + strconv.Itoa(actual)
}

// MsgTooLong is too_long's message.
func MsgTooLong(fieldType string, max, actual int) string {
	return fieldType + " should have at most " + strconv.Itoa(max) + plural(max, " item") +
		" after validation, not " + strconv.Itoa(actual)
}

// MsgUniqueItems is unique_items' message for the first equal pair.
func MsgUniqueItems(i, j int) string {
	return "List should have unique items, items " + strconv.Itoa(i) + " and " + strconv.Itoa(j) + " are equal"
}

// MsgUnionOf is an untagged union's message, naming its variants.
func MsgUnionOf(variants []string) string {
	return "Input should match one of " + strings.Join(variants, ", ")
}

// MsgValueError reads "Value error, <detail>".
func MsgValueError(detail string) string { return "Value error, " + detail }

// MsgExpected renders the values a literal_error or enum expects as
// Pydantic does: 'a', 'a' or 'b', 'a', 'b' or 'c'. values are JSON
// values (encoding/json's); strings are quoted, null reads None, booleans
// True and False, anything else its JSON text.
func MsgExpected(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = pyRepr(v)
	}
	s := "Input should be "
	if len(parts) > 1 {
		s += strings.Join(parts[:len(parts)-1], ", ") + " or "
	}
	if len(parts) > 0 {
		s += parts[len(parts)-1]
	}
	return s
}

func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		if strings.ContainsRune(x, '\'') && !strings.ContainsRune(x, '"') {
			return `"` + x + `"`
		}
		return "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// TypeProblem is the problem for a value that is not of the JSON Schema
// type (or types) listed, null included: what Pydantic reports for the
// Python type the schema describes. className names the struct a value of
// type "object" decodes into (model_type), or is empty for a map
// (dict_type). null among several types is dropped, as Pydantic reports an
// Optional's inner type.
func TypeProblem(types []string, className string) (typ, msg string) {
	if len(types) > 1 {
		var rest []string
		for _, t := range types {
			if t != "null" {
				rest = append(rest, t)
			}
		}
		if len(rest) != 1 {
			names := make([]string, len(rest))
			for i, t := range rest {
				names[i] = typeWord(t)
			}
			return ProblemTypeMismatch, "Input should be a valid " + strings.Join(names, " or ")
		}
		types = rest
	}
	if len(types) == 0 {
		return ProblemNotObject, MsgNotObject
	}
	switch types[0] {
	case "string":
		return ProblemStringType, MsgStringType
	case "integer":
		return ProblemIntType, MsgIntType
	case "number":
		return ProblemFloatType, MsgFloatType
	case "boolean":
		return ProblemBoolType, MsgBoolType
	case "array":
		return ProblemListType, MsgListType
	case "null":
		return ProblemNoneRequired, MsgNoneRequired
	}
	if className != "" {
		return ProblemModelType, MsgModelType(className)
	}
	return ProblemDictType, MsgDictType
}

func typeWord(t string) string {
	switch t {
	case "integer":
		return "integer"
	case "number":
		return "number"
	case "boolean":
		return "boolean"
	case "array":
		return "list"
	case "object":
		return "dictionary"
	case "null":
		return "None"
	}
	return t
}

// FormatProblem is the problem for a string that is not of the format:
// Pydantic's parsing error for the formats it has a type for (date-time,
// date, time, uuid, uri), a value_error naming the format otherwise.
// detail says what is wrong.
func FormatProblem(format, detail string) (typ, msg string) {
	switch format {
	case "date-time":
		return ProblemDatetimeParsing, "Input should be a valid datetime, " + detail
	case "date":
		return ProblemDateParsing, "Input should be a valid date in the format YYYY-MM-DD, " + detail
	case "time":
		return ProblemTimeParsing, "Input should be in a valid time format, " + detail
	case "uuid":
		return ProblemUUIDParsing, "Input should be a valid UUID, " + detail
	case "uri", "url":
		return ProblemURLParsing, "Input should be a valid URL, " + detail
	}
	return ProblemValueError, MsgValueError("value is not a valid " + format + ": " + detail)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// InUnion puts tag, the discriminator value the frame was routed by, in
// front of every problem's loc, as Pydantic writes locs inside a
// discriminated union: ["chat", "payload", "message"]. Frame-level problems
// (an empty loc: the tag itself, invalid JSON) stay as they are. It
// modifies problems in place and returns them.
func InUnion(tag string, problems []Problem) []Problem {
	for i := range problems {
		if len(problems[i].Loc) == 0 {
			continue
		}
		loc := make([]any, 0, len(problems[i].Loc)+1)
		problems[i].Loc = append(append(loc, tag), problems[i].Loc...)
	}
	return problems
}

// PeekProblem turns an error from Peek into the problem reported to the
// client. key is the discriminator key.
func PeekProblem(err error, key string) Problem {
	if p, ok := routeProblem(err); ok {
		return p
	}
	switch {
	case errors.Is(err, ErrNotObject):
		return Problem{Type: ProblemNotObject, Loc: []any{}, Msg: MsgNotObject}
	case errors.Is(err, ErrNoDiscriminator):
		return Problem{Type: ProblemTagNotFound, Loc: []any{}, Msg: MsgTagNotFound(key)}
	case errors.Is(err, ErrNotString):
		return Problem{Type: ProblemTagInvalid, Loc: []any{key}, Msg: "Input tag found using '" + key + "' should be a string"}
	case errors.Is(err, ErrTooDeep):
		return Problem{Type: ProblemTooDeep, Loc: []any{}, Msg: MsgTooDeep}
	}
	return Problem{Type: ProblemJSONInvalid, Loc: []any{}, Msg: MsgJSONInvalid("the frame is not a JSON text")}
}

// TagNotStringProblem reports a discriminator that is not a string as
// Pydantic does: union_tag_invalid at the frame, naming the value as
// Python prints it (null is None, 5 is 5) and the tags there are. frame
// is the frame Peek refused with ErrNotString; key the discriminator.
func TagNotStringProblem(frame []byte, key string, known []string) Problem {
	var members map[string]json.RawMessage
	tag := "?"
	if json.Unmarshal(frame, &members) == nil {
		var v any
		if raw, ok := members[key]; ok && json.Unmarshal(raw, &v) == nil {
			tag = pyRepr(v)
		}
	}
	return Problem{Type: ProblemTagInvalid, Loc: []any{}, Msg: MsgTagInvalid(key, tag, known)}
}

// UnknownActionProblem reports a discriminator value no handler is
// registered for, listing the ones that are (in the order given).
func UnknownActionProblem(key, action string, known []string) Problem {
	return Problem{Type: ProblemTagInvalid, Loc: []any{}, Msg: MsgTagInvalid(key, action, known)}
}

// DecodeProblems turns an encoding/json error from decoding a frame into
// the problems reported to the client: a type mismatch names the field
// (loc from its JSON path) and the type it needed, anything else is
// invalid JSON. A *ValidationError passes through unchanged.
func DecodeProblems(err error) []Problem {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Problems
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		loc := []any{}
		if te.Field != "" {
			for _, part := range strings.Split(te.Field, ".") {
				loc = append(loc, part)
			}
		}
		typ, msg := ProblemValueError, MsgValueError("the value has the wrong type")
		if te.Type != nil {
			typ, msg = decodeTypeProblem(te.Type, te.Value)
		}
		return []Problem{{Type: typ, Loc: loc, Msg: msg}}
	}
	return []Problem{{Type: ProblemJSONInvalid, Loc: []any{}, Msg: MsgJSONInvalid(err.Error())}}
}

// decodeTypeProblem is the problem for a JSON value of kind value
// (UnmarshalTypeError.Value: "string", "number 1.5", ...) that does not
// fit the Go type t.
func decodeTypeProblem(t reflect.Type, value string) (string, string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return ProblemStringType, MsgStringType
	case reflect.Bool:
		return ProblemBoolType, MsgBoolType
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if value == "string" {
			return ProblemIntParsing, MsgIntParsing
		}
		if lit, ok := strings.CutPrefix(value, "number "); ok {
			if r, ok := new(big.Rat).SetString(lit); ok && !r.IsInt() {
				return ProblemIntFromFloat, MsgIntFromFloat
			}
		}
		return ProblemIntType, MsgIntType
	case reflect.Float32, reflect.Float64:
		switch {
		case value == "string":
			return ProblemFloatParsing, MsgFloatParsing
		case strings.HasPrefix(value, "number"):
			return ProblemFiniteNumber, MsgFiniteNumber
		}
		return ProblemFloatType, MsgFloatType
	case reflect.Slice, reflect.Array:
		return ProblemListType, MsgListType
	case reflect.Map:
		return ProblemDictType, MsgDictType
	case reflect.Struct:
		if t.Name() != "" {
			return ProblemModelType, MsgModelType(t.Name())
		}
		return ProblemDictType, MsgDictType
	}
	return ProblemValueError, MsgValueError("the value has the wrong type")
}
