package shape_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/codegen/shape"
	goldenfile "github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec/analyze"
)

func schemaOf(t *testing.T, doc string) *ir.Schema {
	t.Helper()
	s, err := analyze.SchemaFromJSON(context.Background(), "test.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDecisions pins what each kind of schema becomes, one line each in
// Describe's notation.
func TestDecisions(t *testing.T) {
	cases := []struct{ name, schema, want string }{
		{"scalars", `{"type": "object", "properties": {"s": {"type": "string", "format": "email"}, "i": {"type": "integer"}, "n": {"type": "number"}, "b": {"type": "boolean"}, "z": {"type": "null"}}, "required": ["s"]}`,
			"object{s: string<email>, i?: integer, n?: number, b?: boolean, z?: null}"},
		{"enum", `{"enum": ["red", "green", "red"]}`, "enum[red green]"},
		{"string const", `{"const": "join"}`, `string const "join"`},
		{"numeric enum stays a number", `{"type": "integer", "enum": [1, 2]}`, "integer"},
		{"several types", `{"type": ["string", "integer"]}`, "any(string|integer)"},
		{"nullable by anyOf", `{"anyOf": [{"type": "string"}, {"type": "null"}]}`, "nullable(string)"},
		{"nullable by type", `{"type": ["integer", "null"]}`, "nullable(integer)"},
		{"list", `{"type": "array", "items": {"type": "string"}}`, "list(string)"},
		{"list of anything", `{"type": "array"}`, "list(any)"},
		{"tuple", `{"type": "array", "items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false}`, "tuple(string, integer)"},
		{"open tuple", `{"type": "array", "items": [{"type": "string"}]}`, "tuple(string, ...any)"},
		{"map", `{"type": "object", "additionalProperties": {"type": "integer"}}`, "map(integer)"},
		{"object with pattern members is a map", `{"type": "object", "properties": {"a": {}}, "patternProperties": {"^x": {}}}`, "map(any)"},
		{"closed object with default", `{"type": "object", "properties": {"a": {"type": "string", "default": "x"}}, "additionalProperties": false}`, `object closed{a?: string = "x"}`},
		{"allOf merged", `{"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, {"properties": {"b": {"type": "integer"}}}]}`,
			"object{a: string, b?: integer}"},
		{"object without type is not an object", `{"properties": {"a": {}}}`, "any"},
		{"tagged union", `{"oneOf": [
			{"type": "object", "title": "Join", "properties": {"action": {"const": "join"}, "room": {"type": "string"}}, "required": ["action", "room"]},
			{"type": "object", "properties": {"action": {"const": "leave"}}, "required": ["action"]}]}`,
			`union oneOf tag action{"join": object{action: string const "join", room: string}, "leave": object{action: string const "leave"}}`},
		{"untagged union", `{"anyOf": [
			{"type": "object", "properties": {"a": {"type": "string"}}},
			{"type": "object", "properties": {"b": {"type": "string"}}}]}`,
			"union anyOf{object{a?: string}, object{b?: string}}"},
		{"union of scalars", `{"oneOf": [{"type": "string"}, {"type": "integer"}]}`, "union oneOf{string, integer}"},
		{"union of mixed kinds", `{"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "array", "items": {"type": "string"}}]}`,
			"union anyOf{object{a?: string}, list(string)}"},
		{"combined checks are no union", `{"anyOf": [{"minLength": 2}, {"maxLength": 0}]}`, "any"},
		{"typed combined checks are no union", `{"type": "string", "oneOf": [{"format": "email"}, {"format": "uri"}]}`, "string"},
		{"recursive JSON value", `{"$ref": "#/definitions/J", "definitions": {"J": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "array", "items": {"$ref": "#/definitions/J"}}]}}}`,
			"union J anyOf{string, number, list(any(recursive))}"},
		{"recursive object", `{"$ref": "#/definitions/Node", "definitions": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/Node"}, "kids": {"type": "array", "items": {"$ref": "#/definitions/Node"}}}}}}`,
			"object Node{next?: Node, kids?: list(Node)}"},
		{"recursion without an object", `{"$ref": "#/definitions/L", "definitions": {"L": {"type": "array", "items": {"$ref": "#/definitions/L"}}}}`,
			"list(any(recursive))"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := shape.Describe(shape.NewSet().Of(schemaOf(t, c.schema)))
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestConstraints: the checks a target renders validators from arrive as
// data, with the numbers as the document wrote them.
func TestConstraints(t *testing.T) {
	s := schemaOf(t, `{"type": "object", "properties": {
		"name": {"type": "string", "minLength": 1, "maxLength": 20, "pattern": "^[a-z]+$", "description": "who"},
		"age": {"type": "integer", "minimum": 0, "exclusiveMaximum": 150, "multipleOf": 1},
		"tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 5, "uniqueItems": true}
	}, "required": ["name"]}`)
	sh := shape.NewSet().Of(s)
	if sh.Kind != shape.Object || len(sh.Members) != 3 {
		t.Fatalf("got %s", shape.Describe(sh))
	}
	name, age, tags := sh.Members[0], sh.Members[1], sh.Members[2]
	if !name.Required || age.Required || name.Description != "who" {
		t.Errorf("name required %v, age required %v, description %q", name.Required, age.Required, name.Description)
	}
	nc := name.Shape.Constraints
	if *nc.MinLength != 1 || *nc.MaxLength != 20 || nc.Pattern != "^[a-z]+$" {
		t.Errorf("name constraints: %+v", nc)
	}
	ac := age.Shape.Constraints
	if *ac.Minimum != "0" || *ac.ExclusiveMaximum != "150" || *ac.MultipleOf != "1" || ac.Maximum != nil {
		t.Errorf("age constraints: %+v", ac)
	}
	tc := tags.Shape.Constraints
	if *tc.MinItems != 1 || *tc.MaxItems != 5 || !tc.UniqueItems {
		t.Errorf("tags constraints: %+v", tc)
	}
}

// TestUnionTagFromIR: a union's tag is the one spec/analyze recorded in
// ir.Schema.Union, not one the shape layer finds itself.
func TestUnionTagFromIR(t *testing.T) {
	s := schemaOf(t, `{"oneOf": [
		{"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
		{"type": "object", "properties": {"kind": {"const": "b"}}, "required": ["kind"]}]}`)
	s.Union = &ir.Tag{Property: "kind", Values: []string{"a", "b"}}
	sh := shape.NewSet().Of(s)
	if sh.Tag != s.Union {
		t.Fatalf("tag %+v, want the ir's %+v", sh.Tag, s.Union)
	}
}

// TestSharedSchemaOneShape: a schema reached twice has one shape.
func TestSharedSchemaOneShape(t *testing.T) {
	s := schemaOf(t, `{"type": "object", "properties": {"a": {"$ref": "#/definitions/P"}, "b": {"$ref": "#/definitions/P"}},
		"definitions": {"P": {"type": "object", "properties": {"x": {"type": "string"}}}}}`)
	sh := shape.NewSet().Of(s)
	if sh.Members[0].Shape != sh.Members[1].Shape {
		t.Errorf("two shapes for one schema: %s", shape.Describe(sh))
	}
}

// TestGolden describes the shapes of the Go target's focused schemas and
// of the documents' payloads, one root per line, in testdata; -update
// rewrites them. They are the reference of what every target reads.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join("..", "golang", "testdata", "golden", "*.json"))
	if len(inputs) == 0 {
		t.Fatal("no schemas")
	}
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		s, err := analyze.SchemaFromJSON(context.Background(), filepath.Base(in), data)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		got := name + ": " + shape.Describe(shape.NewSet().Of(s)) + "\n"
		goldenfile.Check(t, filepath.Join("testdata", name+".txt"), []byte(got))
	}
	for _, doc := range []string{"../../examples/chat/asyncapi.yaml", "../testdata/golden/chanx-frames.yaml"} {
		api := gentest.Load(t, doc)
		shapes, desc := shape.OfAPI(api), shape.NewDescriber()
		var b strings.Builder
		for _, m := range api.Messages {
			if sh := shapes.Payloads[m]; sh != nil {
				fmt.Fprintf(&b, "message %s: %s\n", m.Name, desc.Describe(sh))
			}
			if sh := shapes.Headers[m]; sh != nil {
				fmt.Fprintf(&b, "headers %s: %s\n", m.Name, desc.Describe(sh))
			}
		}
		for i, s := range api.Schemas {
			fmt.Fprintf(&b, "schema %s: %s\n", s.Name, desc.Describe(shapes.Schemas[i]))
		}
		name := strings.TrimSuffix(filepath.Base(doc), ".yaml")
		if name == "asyncapi" {
			name = "chat"
		}
		goldenfile.Check(t, filepath.Join("testdata", name+".txt"), []byte(b.String()))
	}
}
