package match_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/conformance/match"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec/analyze"
)

func schema(t testing.TB, src string) *ir.Schema {
	t.Helper()
	s, err := analyze.SchemaFromJSON(context.Background(), "test.json", []byte(src))
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	return s
}

func value(t *testing.T, src string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(src))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRecursiveSchemaExportsWithDefinitions(t *testing.T) {
	s := schema(t, `{
	  "definitions": {"Node": {"type": "object", "required": ["name"], "properties": {
	    "name": {"type": "string", "minLength": 1},
	    "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}}}},
	  "$ref": "#/definitions/Node"}`)
	c, err := match.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Validate(value(t, `{"name": "a", "children": [{"name": "b", "children": []}]}`)); p != nil {
		t.Errorf("valid tree rejected: %v", p)
	}
	got := c.Validate(value(t, `{"name": "a", "children": [{"name": ""}]}`))
	want := []match.Problem{{Path: "/children/0/name", Keyword: "minLength", Message: "minLength: got 0, want 1"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func chatSet(t testing.TB) (*match.Set, []*ir.Message) {
	ping := &ir.Message{Name: "ping", Payload: schema(t, `{"type": "object", "properties": {"action": {"const": "ping"}, "payload": {"type": "null"}}}`)}
	chat := &ir.Message{Name: "new_chat_message", Payload: schema(t, `{"type": "object", "required": ["payload"], "properties": {
	  "action": {"const": "new_chat_message"},
	  "payload": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string", "maxLength": 3}}}}}`)}
	msgs := []*ir.Message{ping, chat}
	set, err := match.NewSet("action", []ir.DispatchCase{{Value: "ping", Message: ping}, {Value: "new_chat_message", Message: chat}})
	if err != nil {
		t.Fatal(err)
	}
	return set, msgs
}

func TestMatchNamesTheClosestMessagePathAndKeyword(t *testing.T) {
	set, msgs := chatSet(t)
	if r := set.Match(value(t, `{"action": "ping", "payload": null}`)); r.Message != msgs[0] {
		t.Errorf("ping frame matched %v", r)
	}
	r := set.Match(value(t, `{"action": "new_chat_message", "payload": {"message": "toolong"}}`))
	if r.Message != nil || r.Closest != msgs[1] {
		t.Fatalf("got message %v closest %v", r.Message, r.Closest)
	}
	want := []match.Problem{{Path: "/payload/message", Keyword: "maxLength", Message: "maxLength: got 7, want 3"}}
	if diff := cmp.Diff(want, r.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	// No discriminator: the message with the fewest problems is closest.
	r = set.Match(value(t, `{"payload": 5}`))
	if r.Message != nil || r.Closest != msgs[0] {
		t.Errorf("closest %v, want ping", r.Closest)
	}
}
