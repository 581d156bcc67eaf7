package analyze

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// TestUnionTag pins the rule ir.Schema.Union follows: the discriminator
// keyword, else a member with a distinct non-empty string const (or
// one-value enum) in every variant, found through allOf; nil when no
// member tells the variants apart by strings.
func TestUnionTag(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   *ir.Tag
	}{
		{"discriminator keyword", `{"oneOf": [{"$ref": "#/definitions/Circle"}, {"$ref": "#/definitions/Square"}], "discriminator": "kind",
			"definitions": {
				"Circle": {"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}}},
				"Square": {"type": "object", "properties": {"kind": {"const": "square"}, "side": {"type": "number"}}}}}`,
			&ir.Tag{Property: "kind", ByDiscriminator: true, Values: []string{"circle", "square"}}},
		{"discriminator names the schema when no const", `{"oneOf": [{"$ref": "#/definitions/Cat"}, {"$ref": "#/definitions/Dog"}], "discriminator": "pet",
			"definitions": {
				"Cat": {"type": "object", "properties": {"pet": {"type": "string"}}},
				"Dog": {"type": "object", "properties": {"pet": {"type": "string"}}}}}`,
			&ir.Tag{Property: "pet", ByDiscriminator: true, Values: []string{"Cat", "Dog"}}},
		{"const member", `{"anyOf": [
				{"type": "object", "properties": {"v": {"const": 1}, "event": {"const": "a"}}},
				{"type": "object", "properties": {"v": {"const": 2}, "event": {"enum": ["b"]}}}]}`,
			&ir.Tag{Property: "event", Values: []string{"a", "b"}}},
		{"through allOf", `{"oneOf": [
				{"allOf": [{"properties": {"type": {"const": "hb"}}}, {"type": "object"}]},
				{"allOf": [{"properties": {"type": {"const": "up"}}}, {"type": "object"}]}]}`,
			&ir.Tag{Property: "type", Values: []string{"hb", "up"}}},
		{"preferred name first", `{"oneOf": [
				{"type": "object", "properties": {"kind": {"const": "x"}, "action": {"const": "a"}}},
				{"type": "object", "properties": {"kind": {"const": "y"}, "action": {"const": "b"}}}]}`,
			&ir.Tag{Property: "action", Values: []string{"a", "b"}}},
		{"untagged", `{"oneOf": [
				{"type": "object", "properties": {"id": {"type": "integer"}}},
				{"type": "object", "properties": {"name": {"type": "string"}}}]}`, nil},
		{"same value twice", `{"oneOf": [
				{"type": "object", "properties": {"type": {"const": "a"}}},
				{"type": "object", "properties": {"type": {"const": "a"}, "x": {}}}]}`, nil},
		{"numbers are not tags", `{"oneOf": [
				{"type": "object", "properties": {"type": {"const": 1}}},
				{"type": "object", "properties": {"type": {"const": 2}}}]}`, nil},
		{"empty string is not a tag", `{"oneOf": [
				{"type": "object", "properties": {"type": {"const": ""}}},
				{"type": "object", "properties": {"type": {"const": "b"}}}]}`, nil},
		{"nullable", `{"anyOf": [{"type": "object", "properties": {"type": {"const": "a"}}}, {"type": "null"}]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SchemaFromJSON(context.Background(), "union.json", []byte(tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.Union); diff != "" {
				t.Errorf("Union (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoneVersionNumberIsNoTag: one message needs no tag, so a number
// pinned under a name that is no conventional tag passes validate and
// routes nothing; under "action" it is the error of
// testdata/broken/numeric-discriminator.
func TestLoneVersionNumberIsNoTag(t *testing.T) {
	src := `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  ws:
    address: /ws
    messages:
      hello:
        payload:
          type: object
          properties:
            version: {const: 2}
`
	doc, err := spec.Parse("lone.yaml", []byte(src), spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	api, diags := Build(context.Background(), doc)
	if len(diags) > 0 {
		t.Fatalf("want no diagnostics, got:\n%s", render(diags))
	}
	for _, d := range api.Channels[0].Dispatch {
		if d.Property != "" {
			t.Errorf("%s: dispatch property %q, want none", d.Action, d.Property)
		}
	}
}
