package tsruntime_test

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/runtime/client"
	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/wire"
)

// TestHelpersAgreeWithGo holds the TypeScript runtime's helpers to the Go
// runtime's on the same inputs: multipleOf with exact decimals, string
// length in code points, Pydantic's rendering of expected values
// (wire.MsgExpected, in literal_error, enum and union_tag_invalid
// messages), the decode pass on every kind of member (decodeField,
// decodeNumber against validate.Decoder), the problem types (runtime/wire's
// registry), path escaping and URL building (client.BuildURL) and JSON equality (enum, const, uniqueItems).
func TestHelpersAgreeWithGo(t *testing.T) {
	type input struct {
		MultipleOf [][2]any    `json:"multipleOf"`
		Strings    []string    `json:"strings"`
		Equal      [][2]string `json:"equal"`
		Expected   []string    `json:"expected"`
		Decode     [][2]string `json:"decode"`
		URLs       [][3]any    `json:"urls"`
	}
	in := input{
		Strings: []string{"", "a", "é", "😀", "a😀b", "\u2028", "\u200b", "\u00a0", "\ue000", "\ufeff", "\U0001F600", "\U000E0001", "tab\there", "nl\n", "quote\"back\\", "\x01\x7f", "ü/ç?#:@&=+$!*'()", "a b", "\ufffd", "日本語"},
		Equal: [][2]string{
			{`1`, `1.0`}, {`1`, `"1"`}, {`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`}, {`[1,2]`, `[2,1]`}, {`null`, `false`},
			{`{"a":null}`, `{}`}, {`[]`, `{}`}, {`0`, `-0`}, {`"x"`, `"x"`}, {`{"a":{"b":1}}`, `{"a":{"b":1.0}}`},
		},
	}
	// Each a JSON array of the values expected, as a validator or the
	// server (a discriminator that is not a string) meets them.
	in.Expected = []string{
		`["ping"]`, `["a","b"]`, `["a","b","c"]`, `[null]`, `[true,false]`, `[1,2.5,-0,1e300,1e-7,1e21,123456789012]`,
		`["it's"]`, `["say \"hi\""]`, `["both ' and \""]`, `["é😀\n\t"]`, `[[1,"a"],{"b":1,"a":[null]}]`, `["<&>"]`, `[{"k":"<\u2028>"}]`, `[]`,
	}
	for _, c := range []struct {
		x   float64
		lit string
	}{
		{0.0075, "0.0001"}, {0.3, "0.1"}, {0.7, "0.1"}, {10, "2.5"}, {10.1, "2.5"}, {1e21, "7"}, {1e-7, "1e-8"},
		{3, "1.5"}, {4.5, "1.5"}, {-6, "3"}, {0, "0.3"}, {1.1e-5, "1.1e-6"}, {123456789.123, "0.001"}, {0.1 + 0.2, "0.1"},
		{5, "5"}, {4, "5"}, {1e300, "1e299"}, {2.5e-3, "5E-4"},
	} {
		in.MultipleOf = append(in.MultipleOf, [2]any{c.x, c.lit})
	}
	for _, u := range []struct {
		base, address string
		params        map[string]string
	}{
		{"ws://127.0.0.1:8000", "/ws/chat/{room}", map[string]string{"room": "lobby"}},
		{"http://h:1/", "ws/chat/{room}", map[string]string{"room": "a b/ç?#"}},
		{"https://h/prefix/", "/r/{a}/{b}", map[string]string{"a": "x:y@z", "b": "100%"}},
		{"wss://h/p?keep=1", "/{id}", map[string]string{"id": "é+&="}},
		{"ws://h", "/static", map[string]string{}},
	} {
		in.URLs = append(in.URLs, [3]any{u.base, u.address, u.params})
	}
	type answers struct {
		MultipleOf   []bool          `json:"multipleOf"`
		RuneCount    []int           `json:"runeCount"`
		PathEscape   []string        `json:"pathEscape"`
		Equal        []bool          `json:"equal"`
		Expected     []string        `json:"expected"`
		Decode       []*wire.Problem `json:"decode"`
		URLs         []string        `json:"urls"`
		ProblemTypes []string        `json:"problemTypes"`
	}
	var want answers
	for _, c := range in.MultipleOf {
		want.MultipleOf = append(want.MultipleOf, validate.MultipleOf(c[0].(float64), validate.ParseDecimal(c[1].(string))))
	}
	for _, s := range in.Strings {
		want.RuneCount = append(want.RuneCount, validate.RuneCount(s))
		want.PathEscape = append(want.PathEscape, url.PathEscape(s))
	}
	for _, c := range in.Equal {
		want.Equal = append(want.Equal, validate.Equal(validate.MustJSON(c[0]), validate.MustJSON(c[1])))
	}

	for _, e := range in.Expected {
		var vals []any
		if err := json.Unmarshal([]byte(e), &vals); err != nil {
			t.Fatalf("expected values %s: %v", e, err)
		}
		want.Expected = append(want.Expected, wire.MsgExpected(vals))
	}
	for _, kind := range probeKinds {
		for _, v := range probeValues {
			in.Decode = append(in.Decode, [2]string{kind, v})
			want.Decode = append(want.Decode, goDecode(kind, v))
		}
	}
	for _, k := range wire.ProblemKinds {
		want.ProblemTypes = append(want.ProblemTypes, k.Type)
	}
	sort.Strings(want.ProblemTypes)

	for _, u := range in.URLs {
		got, err := client.BuildURL(u[0].(string), u[1].(string), u[2].(map[string]string))
		if err != nil {
			t.Fatalf("client.BuildURL%v: %v", u, err)
		}
		want.URLs = append(want.URLs, got)
	}

	tools, dir := workspace(t)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "helpers.json"), string(data))
	bundle(t, tools, dir, "tests/helpers.ts", "out/helpers.mjs", "--platform=node", "--target=node20", "--packages=external")
	out := tools.Run(t, dir, time.Minute, tools.Node, "out/helpers.mjs", "helpers.json")
	var got answers
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("read the TypeScript answers: %v\n%s", err, out)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("helpers differ (-Go +TypeScript):\n%s", diff)
	}
}
