package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

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
	got := s.Validate(MustJSON(`{"action": "new_chat_message", "payload": {"message": "", "tags": ["ok", "long"], "extra": 1}}`))
	want := []wire.Problem{
		{Type: TypeExtra, Loc: []any{"payload", "extra"}, Msg: "extra fields not permitted"},
		{Type: TypeStringTooShort, Loc: []any{"payload", "message"}, Msg: "minLength: got 0, want 1"},
		{Type: TypeMissing, Loc: []any{"payload", "name"}, Msg: "field required"},
		{Type: TypeStringTooLong, Loc: []any{"payload", "tags", 1}, Msg: "maxLength: got 4, want 2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if p := s.Validate(MustJSON(`{"action": "new_chat_message", "payload": {"message": "hi", "name": "a"}}`)); p != nil {
		t.Errorf("valid frame: got %v", p)
	}
}

func TestCompileRejectsRemoteRef(t *testing.T) {
	_, err := Compile([]byte(`{"$ref": "http://example.com/x.json"}`))
	if err == nil {
		t.Fatal("compiled a schema with a remote $ref")
	}
	if want := `validate: compile schema: failing loading "http://example.com/x.json": validate: schema refers to http://example.com/x.json: only the schema itself is available`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestValidateConvertsGoValues(t *testing.T) {
	s := MustCompile([]byte(`{"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}`))
	type v struct {
		N int `json:"n"`
	}
	got := s.ValidateAt([]any{"payload"}, v{N: 2})
	if len(got) != 1 || got[0].Type != TypeGreaterEqual || wire.LocString(got[0].Loc) != "payload.n" {
		t.Errorf("got %+v", got)
	}
}

func TestMultipleOfIsExact(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		m    string
		want bool
	}{
		{0.0075, "0.0001", true},
		{0.00751, "0.0001", false},
		{19.99, "0.01", true},
		{4.5, "1.5", true},
		{35, "1.5", false},
		{10, "2", true},
		{7, "2", false},
		{1e308, "0.5", true},
		{0.3, "0.1", true},
		{-12, "4", true},
	} {
		if got := MultipleOf(tc.x, ParseDecimal(tc.m)); got != tc.want {
			t.Errorf("MultipleOf(%v, %s) = %v, want %v", tc.x, tc.m, got, tc.want)
		}
	}
	if !MultipleOfAny(json.Number("123456789012345678901234567890"), ParseDecimal("10")) {
		t.Error("big json.Number is a multiple of 10")
	}
	if MultipleOfAny(json.Number("0.3000000000000000001"), ParseDecimal("0.1")) {
		t.Error("0.3000000000000000001 is not a multiple of 0.1")
	}
}

func TestEqual(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{`1`, `1.0`, true},
		{`{"a": [1, 2], "b": null}`, `{"b": null, "a": [1.0, 2]}`, true},
		{`[1, 2]`, `[2, 1]`, false},
		{`false`, `0`, false},
		{`"1"`, `1`, false},
		{`null`, `null`, true},
	} {
		if got := Equal(MustJSON(tc.a), MustJSON(tc.b)); got != tc.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	var f any = 1.0
	if !Equal(f, MustJSON("1")) {
		t.Error("float64 1 equals json.Number 1")
	}
}

func TestObjectScan(t *testing.T) {
	var o Object
	data := []byte(` { "b" : null, "x\u0041": [1, {"a": "}"}], "a": "s\"" } `)
	if err := o.Scan(data, NewKeys([]string{"a", "b", "c"}, true)); err != nil {
		t.Fatal(err)
	}
	if !o.Has(0) || !o.Has(1) || o.Has(2) || !o.IsNull(1) || o.IsNull(0) || o.Count() != 3 {
		t.Errorf("got %+v", o)
	}
	if diff := cmp.Diff([]string{"xA"}, o.Unknown()); diff != "" {
		t.Errorf("unknown (-want +got):\n%s", diff)
	}
	var zero Object
	if !zero.Has(5) || zero.Count() != -1 {
		t.Error("a Go-built value has every field")
	}
}

func TestPeekString(t *testing.T) {
	data := []byte(`{"payload": {"action": "inner"}, "action": "outer"}`)
	if got, ok := PeekString(data, "action"); !ok || got != "outer" {
		t.Errorf("got %q %v", got, ok)
	}
	if _, ok := PeekString([]byte(`{"action": 3}`), "action"); ok {
		t.Error("a number is not a string")
	}
	// As encoding/json reads it: the last duplicate, U+FFFD for a bad byte.
	for data, want := range map[string]string{
		`{"action": "a", "action": "b"}`: "b",
		"{\"action\": \"\x8d\"}":         "\uFFFD",
		`{"action": 1, "action": "c"}`:   "c",
	} {
		if got, ok := PeekString([]byte(data), "action"); !ok || got != want {
			t.Errorf("PeekString(%s) = %q, %v; want %q", data, got, ok, want)
		}
	}
	if _, ok := PeekString([]byte(`{"action": "a", "action": null}`), "action"); ok {
		t.Error("the last action is null, not a string")
	}
}

func TestProblemsZeroAlloc(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		var p Problems
		var root *Path
		a := root.Key("payload")
		b := a.Key("message")
		if RuneCount("héllo") < 1 {
			p.Add(&b, TypeStringTooShort, "too short")
		}
		_ = p.Err()
	})
	if allocs != 0 {
		t.Errorf("valid path allocated %v times", allocs)
	}
	var p Problems
	var root *Path
	a := root.Key("payload")
	b := a.Index(2)
	p.Add(&b, TypeMissing, "x")
	if got := wire.LocString(p.List()[0].Loc); got != "payload[2]" {
		t.Errorf("loc %q", got)
	}
}

func TestObjectScanFindsNullElements(t *testing.T) {
	var o Object
	data := []byte(`{"tags": ["a", null, "b", null], "scores": {"x": 1, "y": null}, "other": [null]}`)
	if err := o.Scan(data, NewKeys([]string{"tags", "scores", "other"}, false, 0, 1)); err != nil {
		t.Fatal(err)
	}
	var p Problems
	o.CheckNullElement(&p, nil, 0, "tags")
	o.CheckNullElement(&p, nil, 1, "scores")
	o.CheckNullElement(&p, nil, 2, "other")
	var got []string
	for _, pr := range p.List() {
		got = append(got, wire.LocString(pr.Loc))
	}
	if diff := cmp.Diff([]string{"tags[1]", "tags[3]", "scores.y"}, got); diff != "" {
		t.Errorf("null elements (-want +got):\n%s", diff)
	}
}

func TestValidateFrame(t *testing.T) {
	s := MustCompile([]byte(`{"type": "object", "required": ["payload"]}`))
	if err := s.ValidateFrame([]byte(`{"payload": null}`)); err != nil {
		t.Errorf("valid frame: %v", err)
	}
	if err := s.ValidateFrame([]byte(`{}`)); err == nil || err.Error() != "invalid message: payload: field required" {
		t.Errorf("missing payload: got %v", err)
	}
	err := s.ValidateFrame([]byte(`{"payload": `))
	var ve *wire.ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Type != wire.ProblemJSONInvalid {
		t.Errorf("truncated frame: got %v", err)
	}
}

func TestUnmarshalIntegralNumbers(t *testing.T) {
	var v struct {
		N  int64   `json:"n"`
		F  float64 `json:"f"`
		S  string  `json:"s"`
		Ns []int64 `json:"ns"`
	}
	known := NewKeys([]string{"n", "f", "s", "ns"}, false)
	if err := Unmarshal([]byte(`{"s": "1.0 \" 2.0", "n": 1.0, "F": "not this", "f": 2.5, "ns": [1e2, -3.00]}`), &v, known); err != nil {
		t.Fatal(err)
	}
	if v.N != 1 || v.F != 2.5 || v.S != `1.0 " 2.0` || len(v.Ns) != 2 || v.Ns[0] != 100 || v.Ns[1] != -3 {
		t.Errorf("got %+v", v)
	}
	if err := Unmarshal([]byte(`{"n": 1.5}`), &v, known); err == nil {
		t.Error("1.5 decoded into an int64")
	}
}

func TestFormatUsesTheOraclesRule(t *testing.T) {
	var p Problems
	Format("email").Check(&p, nil, "a@b.example")
	Format("date-time").Check(&p, nil, "2024-01-02T03:04:05Z")
	Format("no-such-format").Check(&p, nil, "anything")
	if !p.OK() {
		t.Fatalf("valid strings: %v", p.List())
	}
	Format("date-time").Check(&p, nil, "yesterday")
	if p.Len() != 1 || p.List()[0].Type != TypeFormat {
		t.Errorf("got %v", p.List())
	}
	if n := testing.AllocsPerRun(100, func() {
		var q Problems
		Format("uuid").Check(&q, nil, "123e4567-e89b-12d3-a456-426614174000")
	}); n > 2 {
		t.Errorf("a valid uuid costs %v allocations", n)
	}
}

// TestLazyFallback: the oracle compiled on first use, for a keyword with no
// generated code, reports at the path it is given.
func TestLazyFallback(t *testing.T) {
	l := NewLazy(`{"type": "string", "format": "email"}`)
	var p Problems
	var root *Path
	at := root.Key("payload")
	at2 := at.Key("mail")
	l.Check(&p, &at2, "nobody")
	if p.Len() != 1 || wire.LocString(p.List()[0].Loc) != "payload.mail" || p.List()[0].Type != TypeFormat {
		t.Errorf("got %+v", p.List())
	}
	q := Quiet()
	l.Check(&q, &at2, "a@b.example")
	if !q.OK() {
		t.Error("a valid address failed")
	}
	bad := NewLazy(`{"type": 3}`)
	var r Problems
	bad.Check(&r, nil, "x")
	if r.Len() != 1 || r.List()[0].Type != TypeValue {
		t.Errorf("a schema that does not compile: got %+v", r.List())
	}
}

// TestObjectScanManyKeys: presence is tracked past the 64th key, and keys
// are found through an index when there are many.
func TestObjectScanManyKeys(t *testing.T) {
	names := make([]string, 130)
	for i := range names {
		names[i] = fmt.Sprintf("k%d", i)
	}
	var o Object
	if err := o.Scan([]byte(`{"k3": 1, "k70": null, "k129": [null], "other": 2}`), NewKeys(names, true, 129)); err != nil {
		t.Fatal(err)
	}
	for i := range names {
		want := i == 3 || i == 70 || i == 129
		if o.Has(i) != want {
			t.Errorf("Has(%d) = %v", i, o.Has(i))
		}
	}
	if !o.IsNull(70) || o.IsNull(3) || !o.HasOthers() || len(o.Unknown()) != 1 {
		t.Errorf("got %+v", o)
	}
	var p Problems
	o.CheckNullElement(&p, nil, 129, "k129")
	if p.Len() != 1 {
		t.Errorf("null element past the 64th key: %v", p.List())
	}
}
