package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
)

// JSON types as a bit set, for the type keyword on dynamic values.
const (
	TNull    = 1 << iota // null
	TBoolean             // true, false
	TInteger             // a number with no fractional part
	TNumber              // any number (implies TInteger)
	TString
	TArray
	TObject
)

// HasType reports whether the JSON value v is of one of the types in the
// set (TNull|TString, ...).
func HasType(v any, set int) bool {
	switch x := v.(type) {
	case nil:
		return set&TNull != 0
	case bool:
		return set&TBoolean != 0
	case string:
		return set&TString != 0
	case []any:
		return set&TArray != 0
	case map[string]any:
		return set&TObject != 0
	default:
		if _, ok := Num(x); ok || isNumber(x) {
			if set&TNumber != 0 {
				return true
			}
			return set&TInteger != 0 && IsInteger(x)
		}
	}
	return false
}

// TypeName names the JSON type of v, for messages.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	if isNumber(v) {
		return "number"
	}
	return "unknown"
}

func isNumber(v any) bool {
	switch v.(type) {
	case float64, float32, json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// Num returns the JSON number v as a float64; ok is false when v is not a
// number.
func Num(v any) (f float64, ok bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil || isRangeErr(err)
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int16:
		return float64(x), true
	case int8:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint8:
		return float64(x), true
	case float32:
		return float64(x), true
	}
	return 0, false
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// IsInteger reports whether the number v has no fractional part (1.0 is an
// integer, as in JSON Schema).
func IsInteger(v any) bool {
	switch x := v.(type) {
	case float64:
		return x == math.Trunc(x) && !math.IsInf(x, 0)
	case float32:
		return float64(x) == math.Trunc(float64(x))
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		return ok && r.IsInt()
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// rat returns the number v exactly.
func rat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case json.Number:
		return new(big.Rat).SetString(string(x))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(x), true
	}
	if f, ok := Num(v); ok {
		return new(big.Rat).SetFloat64(f), true
	}
	return nil, false
}

// Equal reports whether two JSON values are equal as JSON Schema's enum,
// const and uniqueItems see it: numbers by value (1 equals 1.0), objects
// regardless of key order, no coercion between types.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	}
	if !isNumber(a) || !isNumber(b) {
		return false
	}
	if fa, ok := a.(float64); ok {
		if fb, ok := b.(float64); ok {
			return fa == fb
		}
	}
	ra, ok1 := rat(a)
	rb, ok2 := rat(b)
	return ok1 && ok2 && ra.Cmp(rb) == 0
}

// OneOf reports whether v equals one of the values (the enum keyword).
func OneOf(v any, values []any) bool {
	for _, e := range values {
		if Equal(v, e) {
			return true
		}
	}
	return false
}

// Unique reports whether the JSON values are pairwise distinct; when not,
// i and j are the first equal pair.
func Unique(xs []any) (i, j int, ok bool) {
	for i := 0; i < len(xs); i++ {
		for j := i + 1; j < len(xs); j++ {
			if Equal(xs[i], xs[j]) {
				return i, j, false
			}
		}
	}
	return 0, 0, true
}

// UniqueComparable is Unique for slices of a comparable Go type.
func UniqueComparable[T comparable](xs []T) (i, j int, ok bool) {
	if len(xs) > 32 {
		seen := make(map[T]int, len(xs))
		for j, x := range xs {
			if i, dup := seen[x]; dup {
				return i, j, false
			}
			seen[x] = j
		}
		return 0, 0, true
	}
	for i := 0; i < len(xs); i++ {
		for j := i + 1; j < len(xs); j++ {
			if xs[i] == xs[j] {
				return i, j, false
			}
		}
	}
	return 0, 0, true
}

// UniqueJSON is Unique for slices of any Go type: elements are compared as
// the JSON encoding/json makes of them.
func UniqueJSON[T any](xs []T) (i, j int, ok bool) {
	vals := make([]any, len(xs))
	for k, x := range xs {
		v, err := JSONValue(x)
		if err != nil {
			return 0, 0, true
		}
		vals[k] = v
	}
	return Unique(vals)
}

// SortedKeys returns the keys of the object in order, so problems come out
// in a stable order.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SortedMapKeys is SortedKeys for maps of any value type.
func SortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ParseJSON decodes one JSON value, numbers kept exact as json.Number.
func ParseJSON(data []byte) (any, error) { return decodeJSON(data) }

// MustJSON decodes a JSON literal embedded by generated code (enum and
// const values), numbers kept exact.
func MustJSON(lit string) any {
	v, err := decodeJSON([]byte(lit))
	if err != nil {
		panic("validate: bad JSON literal " + lit + ": " + err.Error())
	}
	return v
}

// JSONValue returns v as a JSON value (what MustJSON returns, and what the
// oracle in runtime/validate/oracle accepts). Values that
// already are one come back unchanged; anything else goes through
// encoding/json, numbers kept exact as json.Number.
func JSONValue(v any) (any, error) {
	if isJSONValue(v, 0) {
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("validate: convert %T to JSON: %w", v, err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("validate: convert %T to JSON: %w", v, err)
	}
	return out, nil
}

func isJSONValue(v any, depth int) bool {
	if depth > 10000 {
		return false
	}
	switch x := v.(type) {
	case nil, string, bool, json.Number, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case map[string]any:
		for _, e := range x {
			if !isJSONValue(e, depth+1) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !isJSONValue(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
