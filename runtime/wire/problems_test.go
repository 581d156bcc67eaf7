package wire

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// templateRE turns a registry template into a pattern its messages match:
// each {placeholder} stands for any text.
func templateRE(t *testing.T, tmpl string) *regexp.Regexp {
	t.Helper()
	parts := regexp.MustCompile(`\{[a-z_]+\}`).Split(tmpl, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

// checkRegistered reports problems whose type is not in the registry or
// whose message does not follow the type's template.
func checkRegistered(t *testing.T, ps ...Problem) {
	t.Helper()
	for _, p := range ps {
		tmpl, ok := "", false
		for _, k := range ProblemKinds {
			if k.Type == p.Type {
				tmpl, ok = k.Template, true
			}
		}
		if !ok {
			t.Errorf("problem type %q is not in the registry (%q)", p.Type, p.Msg)
			continue
		}
		if !templateRE(t, tmpl).MatchString(p.Msg) {
			t.Errorf("%s: message %q does not follow the template %q", p.Type, p.Msg, tmpl)
		}
	}
}

// TestRegistryListsEveryType: each Problem* constant declared in
// problems.go has exactly one entry in ProblemKinds, and each entry one
// constant.
func TestRegistryListsEveryType(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "problems.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if strings.HasPrefix(n.Name, "Problem") {
					v, _ := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
					consts[v] = n.Name
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, k := range ProblemKinds {
		if seen[k.Type] {
			t.Errorf("%s is listed twice", k.Type)
		}
		seen[k.Type] = true
		if consts[k.Type] == "" {
			t.Errorf("%s has no Problem constant", k.Type)
		}
	}
	for v, name := range consts {
		if !seen[v] {
			t.Errorf("%s (%q) is not in ProblemKinds", name, v)
		}
	}
}

// TestMessagesFollowTheirTemplates renders every message function and
// checks it against the template registered for its type.
func TestMessagesFollowTheirTemplates(t *testing.T) {
	typeProblem := func(types []string, class string) Problem {
		typ, msg := TypeProblem(types, class)
		return Problem{Type: typ, Msg: msg}
	}
	formatProblem := func(format string) Problem {
		typ, msg := FormatProblem(format, "bad")
		return Problem{Type: typ, Msg: msg}
	}
	checkRegistered(t,
		Problem{Type: ProblemJSONInvalid, Msg: MsgJSONInvalid("unexpected end")},
		Problem{Type: ProblemTagNotFound, Msg: MsgTagNotFound("action")},
		Problem{Type: ProblemTagInvalid, Msg: MsgTagInvalid("action", "nope", []string{"chat", "ping"})},
		Problem{Type: ProblemDependency, Msg: MsgDependency("a")},
		Problem{Type: ProblemModelType, Msg: MsgModelType("ChatPayload")},
		Problem{Type: ProblemStringTooShort, Msg: MsgStringTooShort(1)},
		Problem{Type: ProblemStringTooLong, Msg: MsgStringTooLong(5)},
		Problem{Type: ProblemPatternMismatch, Msg: MsgPatternMismatch("^a+$")},
		Problem{Type: ProblemGreaterThan, Msg: MsgBound(ProblemGreaterThan, "1")},
		Problem{Type: ProblemGreaterThanEqual, Msg: MsgBound(ProblemGreaterThanEqual, "1")},
		Problem{Type: ProblemLessThan, Msg: MsgBound(ProblemLessThan, "1.5")},
		Problem{Type: ProblemLessThanEqual, Msg: MsgBound(ProblemLessThanEqual, "1e3")},
		Problem{Type: ProblemMultipleOf, Msg: MsgMultipleOf("0.5")},
		Problem{Type: ProblemTooShort, Msg: MsgTooShort("List", 2, 1)},
		Problem{Type: ProblemTooLong, Msg: MsgTooLong("Dictionary", 1, 3)},
		Problem{Type: ProblemUniqueItems, Msg: MsgUniqueItems(0, 2)},
		Problem{Type: ProblemUnion, Msg: MsgUnionOf([]string{"A", "B"})},
		Problem{Type: ProblemUnion, Msg: MsgUnionAny},
		Problem{Type: ProblemUnion, Msg: MsgUnionSeveral},
		Problem{Type: ProblemValueError, Msg: MsgValueError("x")},
		Problem{Type: ProblemLiteral, Msg: MsgExpected([]any{"chat"})},
		Problem{Type: ProblemEnum, Msg: MsgExpected([]any{"a", 1.5, nil, true})},
		Problem{Type: ProblemContains, Msg: MsgContains},
		Problem{Type: ProblemNot, Msg: MsgNot},
		Problem{Type: ProblemFalseSchema, Msg: MsgFalseSchema},
		Problem{Type: ProblemTooDeep, Msg: MsgTooDeep},
		typeProblem([]string{"string"}, ""), typeProblem([]string{"integer", "null"}, ""),
		typeProblem([]string{"number"}, ""), typeProblem([]string{"boolean"}, ""),
		typeProblem([]string{"array"}, ""), typeProblem([]string{"object"}, ""),
		typeProblem([]string{"object"}, "Payload"), typeProblem([]string{"null"}, ""),
		typeProblem([]string{"string", "integer"}, ""), typeProblem(nil, ""),
		formatProblem("date-time"), formatProblem("date"), formatProblem("time"),
		formatProblem("uuid"), formatProblem("uri"), formatProblem("ipv4"),
		PeekProblem(ErrNotJSON, "action"), PeekProblem(ErrNotObject, "action"),
		PeekProblem(ErrNoDiscriminator, "action"), PeekProblem(ErrTooDeep, "action"),
		UnknownActionProblem("type", "x", []string{"a"}),
		TagNotStringProblem([]byte(`{"action": 5}`), "action", []string{"a"}),
	)
}

// TestPydanticTexts pins the texts PROTOCOL.md records from Pydantic.
func TestPydanticTexts(t *testing.T) {
	for got, want := range map[string]string{
		MsgMissing:                  "Field required",
		MsgStringType:               "Input should be a valid string",
		MsgIntParsing:               "Input should be a valid integer, unable to parse string as an integer",
		MsgIntType:                  "Input should be a valid integer",
		MsgNoneRequired:             "Input should be None",
		MsgExtraForbidden:           "Extra inputs are not permitted",
		MsgModelType("ChatPayload"): "Input should be a valid dictionary or instance of ChatPayload",
		MsgStringTooLong(5):         "String should have at most 5 characters",
		MsgStringTooShort(1):        "String should have at least 1 character",
		MsgTagInvalid("action", "nope", []string{"chat", "ping"}): "Input tag 'nope' found using 'action' does not match any of the expected tags: 'chat', 'ping'",
		MsgTagNotFound("action"):                                  "Unable to extract tag using discriminator 'action'",
		MsgExpected([]any{"a", "b", "c"}):                         "Input should be 'a', 'b' or 'c'",
		MsgExpected([]any{"new_chat_message"}):                    "Input should be 'new_chat_message'",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestDecodeProblemsFollowPydantic: a value of the wrong type is the Pydantic type
// problem of the Go type it was decoded into.
func TestDecodeProblemsFollowPydantic(t *testing.T) {
	type Payload struct {
		S string   `json:"s"`
		I int64    `json:"i"`
		F float64  `json:"f"`
		B bool     `json:"b"`
		L []string `json:"l"`
	}
	type frame struct {
		Payload Payload `json:"payload"`
	}
	for data, want := range map[string]Problem{
		`{"payload": {"s": 1}}`:     {ProblemStringType, []any{"payload", "s"}, MsgStringType},
		`{"payload": {"i": "x"}}`:   {ProblemIntParsing, []any{"payload", "i"}, MsgIntParsing},
		`{"payload": {"i": 1.5}}`:   {ProblemIntFromFloat, []any{"payload", "i"}, MsgIntFromFloat},
		`{"payload": {"i": 1e30}}`:  {ProblemIntType, []any{"payload", "i"}, MsgIntType},
		`{"payload": {"i": true}}`:  {ProblemIntType, []any{"payload", "i"}, MsgIntType},
		`{"payload": {"f": "x"}}`:   {ProblemFloatParsing, []any{"payload", "f"}, MsgFloatParsing},
		`{"payload": {"f": 1e400}}`: {ProblemFiniteNumber, []any{"payload", "f"}, MsgFiniteNumber},
		`{"payload": {"b": 1}}`:     {ProblemBoolType, []any{"payload", "b"}, MsgBoolType},
		`{"payload": {"l": {}}}`:    {ProblemListType, []any{"payload", "l"}, MsgListType},
		`{"payload": []}`:           {ProblemModelType, []any{"payload"}, MsgModelType("Payload")},
	} {
		var f frame
		ps := DecodeProblems(json.Unmarshal([]byte(data), &f))
		if len(ps) != 1 || !reflect.DeepEqual(ps[0], want) {
			t.Errorf("%s: got %+v, want %+v", data, ps, want)
		}
		checkRegistered(t, ps...)
	}
	ps := DecodeProblems(json.Unmarshal([]byte(`{`), new(frame)))
	if len(ps) != 1 || ps[0].Type != ProblemJSONInvalid || ps[0].Msg != "Invalid JSON: unexpected end of JSON input" {
		t.Errorf("syntax error: got %+v", ps)
	}
}

// TestInUnion: locs inside a message start with its tag, as Pydantic
// writes them for a discriminated union; frame-level problems keep [].
func TestInUnion(t *testing.T) {
	ps := InUnion("chat", []Problem{
		{Type: ProblemMissing, Loc: []any{"payload", "message"}, Msg: MsgMissing},
		{Type: ProblemJSONInvalid, Loc: []any{}, Msg: MsgJSONInvalid("x")},
	})
	if !reflect.DeepEqual(ps[0].Loc, []any{"chat", "payload", "message"}) || len(ps[1].Loc) != 0 {
		t.Errorf("got %+v", ps)
	}
}

// TestTagNotString: a discriminator that is not a string reads as Python
// prints it, as PROTOCOL.md records Chanx's answer.
func TestTagNotString(t *testing.T) {
	for frame, tag := range map[string]string{`{"action": null}`: "None", `{"action": 5}`: "5", `{"action": true}`: "True"} {
		p := TagNotStringProblem([]byte(frame), "action", []string{"chat", "ping"})
		want := Problem{Type: ProblemTagInvalid, Loc: []any{}, Msg: "Input tag '" + tag + "' found using 'action' does not match any of the expected tags: 'chat', 'ping'"}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("%s: got %+v, want %+v", frame, p, want)
		}
	}
}
