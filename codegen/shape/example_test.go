package shape_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/spec/analyze"
)

// typeScript renders a shape as a TypeScript type expression: what a
// target does with the layer, with no Go in sight.
func typeScript(sh *shape.Shape) string {
	switch sh.Kind {
	case shape.String:
		if c := sh.Constraints; c.HasConst {
			if s, ok := c.Const.(string); ok {
				return strconv.Quote(s)
			}
		}
		return "string"
	case shape.Integer, shape.Number:
		return "number"
	case shape.Boolean:
		return "boolean"
	case shape.Null:
		return "null"
	case shape.Enum:
		var lits []string
		for _, v := range sh.Values {
			lits = append(lits, strconv.Quote(v))
		}
		return strings.Join(lits, " | ")
	case shape.Nullable:
		return typeScript(sh.Elem) + " | null"
	case shape.List:
		return "Array<" + typeScript(sh.Elem) + ">"
	case shape.Map:
		return "Record<string, " + typeScript(sh.Elem) + ">"
	case shape.Object:
		if sh.Name != "" {
			return sh.Name // declared once, elsewhere; recursion ends here
		}
		var members []string
		for _, m := range sh.Members {
			opt := "?"
			if m.Required {
				opt = ""
			}
			members = append(members, m.Name+opt+": "+typeScript(m.Shape))
		}
		return "{ " + strings.Join(members, "; ") + " }"
	case shape.Union:
		var variants []string
		for _, v := range sh.Variants {
			variants = append(variants, typeScript(v))
		}
		return strings.Join(variants, " | ")
	}
	return "unknown"
}

func Example() {
	doc := `{"oneOf": [
		{"type": "object", "properties": {
			"action": {"const": "join"},
			"room": {"type": "string", "maxLength": 64},
			"mood": {"enum": ["happy", "grumpy"]},
			"note": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
		 "required": ["action", "room"]},
		{"type": "object", "properties": {"action": {"const": "leave"}}, "required": ["action"]}]}`
	s, err := analyze.SchemaFromJSON(context.Background(), "frames.json", []byte(doc))
	if err != nil {
		panic(err)
	}
	sh := shape.NewSet().Of(s)
	fmt.Println(typeScript(sh))
	fmt.Println("tagged by", sh.Tag.Property, "with", sh.Tag.Values)
	room := sh.Variants[0].Members[1]
	fmt.Println(room.Name, "at most", *room.Shape.Constraints.MaxLength, "characters")
	// Output:
	// { action: "join"; room: string; mood?: "happy" | "grumpy"; note?: string | null } | { action: "leave" }
	// tagged by action with [join leave]
	// room at most 64 characters
}
