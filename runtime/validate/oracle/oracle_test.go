package oracle

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/wire"
)

func TestSchemaValidateReportsLoc(t *testing.T) {
	s, err := Compile([]byte(`{
		"type": "object",
		"required": ["action", "payload"],
		"properties": {
			"action": {"const": "new_chat_message"},
			"payload": {
				"type": "object",
				"required": ["message", "name"],
				"additionalProperties": false,
				"properties": {
					"message": {"type": "string", "minLength": 1},
					"name": {"type": "string"},
					"tags": {"type": "array", "items": {"type": "string", "maxLength": 2}}
				}
			}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Validate(validate.MustJSON(`{"action": "new_chat_message", "payload": {"message": "", "tags": ["ok", "long"], "extra": 1}}`))
	want := []wire.Problem{
		{Type: "extra_forbidden", Loc: []any{"payload", "extra"}, Msg: "Extra inputs are not permitted"},
		{Type: "string_too_short", Loc: []any{"payload", "message"}, Msg: "String should have at least 1 character"},
		{Type: "missing", Loc: []any{"payload", "name"}, Msg: "Field required"},
		{Type: "string_too_long", Loc: []any{"payload", "tags", 1}, Msg: "String should have at most 2 characters"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if p := s.Validate(validate.MustJSON(`{"action": "new_chat_message", "payload": {"message": "hi", "name": "a"}}`)); p != nil {
		t.Errorf("valid frame: got %v", p)
	}
}

func TestCompileRejectsRemoteRef(t *testing.T) {
	_, err := Compile([]byte(`{"$ref": "http://example.com/x.json"}`))
	if err == nil {
		t.Fatal("compiled a schema with a remote $ref")
	}
	if want := `oracle: compile schema: failing loading "http://example.com/x.json": oracle: schema refers to http://example.com/x.json: only the schema itself is available`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestValidateConvertsGoValues(t *testing.T) {
	s := MustCompile([]byte(`{"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}`))
	type v struct {
		N int `json:"n"`
	}
	got := s.ValidateAt([]any{"payload"}, v{N: 2})
	if len(got) != 1 || got[0].Type != wire.ProblemGreaterThanEqual || got[0].Msg != "Input should be greater than or equal to 3" || wire.LocString(got[0].Loc) != "payload.n" {
		t.Errorf("got %+v", got)
	}
}

func TestValidateFrame(t *testing.T) {
	s := MustCompile([]byte(`{"type": "object", "required": ["payload"]}`))
	if err := s.ValidateFrame([]byte(`{"payload": null}`)); err != nil {
		t.Errorf("valid frame: %v", err)
	}
	if err := s.ValidateFrame([]byte(`{}`)); err == nil || err.Error() != "invalid message: payload: Field required" {
		t.Errorf("missing payload: got %v", err)
	}
	err := s.ValidateFrame([]byte(`{"payload": `))
	var ve *wire.ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Type != wire.ProblemJSONInvalid {
		t.Errorf("truncated frame: got %v", err)
	}
}

func TestFormatUsesTheOraclesRule(t *testing.T) {
	var p validate.Problems
	Format("email").Check(&p, nil, "a@b.example")
	Format("date-time").Check(&p, nil, "2024-01-02T03:04:05Z")
	Format("no-such-format").Check(&p, nil, "anything")
	if !p.OK() {
		t.Fatalf("valid strings: %v", p.List())
	}
	Format("date-time").Check(&p, nil, "yesterday")
	if p.Len() != 1 || p.List()[0].Type != wire.ProblemDatetimeParsing {
		t.Errorf("got %v", p.List())
	}
	if n := testing.AllocsPerRun(100, func() {
		var q validate.Problems
		Format("uuid").Check(&q, nil, "123e4567-e89b-12d3-a456-426614174000")
	}); n > 2 {
		t.Errorf("a valid uuid costs %v allocations", n)
	}
}

// TestLazyFallback: the oracle compiled on first use, for a keyword with no
// generated code, reports at the path it is given.
func TestLazyFallback(t *testing.T) {
	l := NewLazy(`{"type": "string", "format": "email"}`)
	var p validate.Problems
	var root *validate.Path
	at := root.Key("payload")
	at2 := at.Key("mail")
	l.Check(&p, &at2, "nobody")
	if p.Len() != 1 || wire.LocString(p.List()[0].Loc) != "payload.mail" || p.List()[0].Type != wire.ProblemValueError {
		t.Errorf("got %+v", p.List())
	}
	q := validate.Quiet()
	l.Check(&q, &at2, "a@b.example")
	if !q.OK() {
		t.Error("a valid address failed")
	}
	bad := NewLazy(`{"type": 3}`)
	var r validate.Problems
	bad.Check(&r, nil, "x")
	if r.Len() != 1 || r.List()[0].Type != wire.ProblemValueError {
		t.Errorf("a schema that does not compile: got %+v", r.List())
	}
}
