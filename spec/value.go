package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Value converts a YAML node into a JSON value: map[string]any, []any,
// string, bool, nil or json.Number. Unlike decoding YAML into any, keys are
// always strings (200: becomes "200"), timestamps stay strings, and what
// JSON cannot hold (duplicate keys, merge keys, .inf, NaN) is an error naming
// the line.
func Value(n *yaml.Node) (any, error) {
	return value(n, 0)
}

const maxValueDepth = 10000

// DescribeNode names what a node holds, for messages about wrong types:
// "an object", "an array", "null", "a boolean", "a number", or the string
// itself when it is short (`the string "x"`) and "a string" otherwise.
// Aliases are followed. spec and spec/analyze word every wrong-type
// message with it.
func DescribeNode(n *yaml.Node) string {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return "nothing"
		}
		return DescribeNode(n.Content[0])
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "an array"
	case yaml.AliasNode:
		return "an unknown alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	}
	if len(n.Value) <= 40 && !strings.ContainsAny(n.Value, "\n\r") {
		return fmt.Sprintf("the string %q", n.Value)
	}
	return "a string"
}

func value(n *yaml.Node, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("line %d: nested more than %d levels deep", n.Line, maxValueDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return value(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unknown alias", n.Line)
		}
		return value(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
			}
			if k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0) {
				return nil, fmt.Errorf("line %d: YAML merge keys (<<) are not supported", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		a := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := value(c, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		return a, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			return b, nil
		case "!!int":
			var i int64
			if err := n.Decode(&i); err == nil {
				return json.Number(strconv.FormatInt(i, 10)), nil
			}
			var u uint64
			if err := n.Decode(&u); err == nil {
				return json.Number(strconv.FormatUint(u, 10)), nil
			}
			return json.Number(n.Value), nil
		case "!!float":
			if isJSONNumber(n.Value) {
				return json.Number(n.Value), nil
			}
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, n.Value)
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

func isJSONNumber(s string) bool {
	var v json.Number
	return json.Unmarshal([]byte(s), &v) == nil
}
