package validate

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fields is what the two decoders under test store: the Go types a
// generated struct holds, one of each kind the Decoder has a method for,
// and JSON values for the encoding/json fallback.
type fields struct {
	S  string             `json:"s"`
	C  string             `json:"c"`
	I  int64              `json:"i"`
	F  float64            `json:"f"`
	B  bool               `json:"b"`
	PS *string            `json:"ps"`
	PI *int64             `json:"pi"`
	A  any                `json:"a"`
	L  []int64            `json:"l"`
	M  map[string]any     `json:"m"`
	LS []string           `json:"ls"`
	LP []*int64           `json:"lp"`
	MI map[string]int64   `json:"mi"`
	MP map[string]*string `json:"mp"`
}

var readerKeys = NewKeys([]string{"s", "c", "i", "f", "b", "ps", "pi", "a", "l", "m", "n", "pn", "ls", "lp", "ln", "mi", "mp", "mn"}, true, 8, 12, 15)

// fastObj decodes with Decoder.Members, as generated code does.
type fastObj struct {
	fields
	N   fastInner            `json:"n"`
	PN  *fastInner           `json:"pn"`
	LN  []fastInner          `json:"ln"`
	MN  map[string]fastInner `json:"mn"`
	obj Object
}

type fastInner struct {
	fields
	obj Object
}

func (x *fastInner) UnmarshalJSON(data []byte) error {
	*x = fastInner{}
	var d Decoder
	return d.Members(data, x, &x.obj, readerKeys, func(i int) { decodeFields(&d, i, &x.fields) })
}

func (x *fastObj) UnmarshalJSON(data []byte) error {
	*x = fastObj{}
	var d Decoder
	return d.Members(data, x, &x.obj, readerKeys, func(i int) {
		switch i {
		case 10:
			d.Object(&x.N)
		case 11:
			if p := Alloc(&d, &x.PN); p != nil {
				d.Object(p)
			}
		case 14:
			for a := Array(&x.LN); a.Next(&d); {
				d.Object(a.Elem())
			}
		case 17:
			for m := Map(&x.MN); m.Next(&d); {
				d.Object(m.Value())
			}
		default:
			decodeFields(&d, i, &x.fields)
		}
	})
}

func decodeFields(d *Decoder, i int, x *fields) {
	switch i {
	case 0:
		d.String(&x.S)
	case 1:
		d.Const(&x.C, "fixed")
	case 2:
		d.Int(&x.I)
	case 3:
		d.Float(&x.F)
	case 4:
		d.Bool(&x.B)
	case 5:
		if p := Alloc(d, &x.PS); p != nil {
			d.String(p)
		}
	case 6:
		if p := Alloc(d, &x.PI); p != nil {
			d.Int(p)
		}
	case 7:
		d.JSON(&x.A)
	case 8:
		d.JSON(&x.L)
	case 9:
		d.JSON(&x.M)
	case 12:
		for a := Array(&x.LS); a.Next(d); {
			d.String(a.Elem())
		}
	case 13:
		for a := Array(&x.LP); a.Next(d); {
			if p := Alloc(d, a.Elem()); p != nil {
				d.Int(p)
			}
		}
	case 15:
		for m := Map(&x.MI); m.Next(d); {
			d.Int(m.Value())
		}
	case 16:
		for m := Map(&x.MP); m.Next(d); {
			if p := Alloc(d, m.Value()); p != nil {
				d.String(p)
			}
		}
	}
}

// slowObj decodes the way generated code did before the Decoder:
// encoding/json, then Object.Scan, clearing fields matched only
// case-insensitively. It is the oracle.
type slowObj struct {
	fields
	N   slowInner            `json:"n"`
	PN  *slowInner           `json:"pn"`
	LN  []slowInner          `json:"ln"`
	MN  map[string]slowInner `json:"mn"`
	obj Object
}

type slowInner struct {
	fields
	obj Object
}

func (x *slowInner) UnmarshalJSON(data []byte) error {
	type plain slowInner
	*x = slowInner{}
	if err := Unmarshal(data, (*plain)(x), readerKeys); err != nil {
		return err
	}
	return x.obj.Scan(data, readerKeys)
}

func (x *slowObj) UnmarshalJSON(data []byte) error {
	type plain slowObj
	*x = slowObj{}
	if err := Unmarshal(data, (*plain)(x), readerKeys); err != nil {
		return err
	}
	return x.obj.Scan(data, readerKeys)
}

// caseVariant reports whether data has a key, at any depth, that equals a
// known key only when case is ignored: the old decoder let such a key's
// value win over the exact key's when it came later, and blamed it for
// type errors; the Decoder ignores it (it is not that field).
func caseVariant(data []byte) bool {
	d := json.NewDecoder(strings.NewReader(string(data)))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if s, ok := tok.(string); ok {
			for _, k := range readerKeys.names {
				if s != k && strings.EqualFold(s, k) {
					return true
				}
			}
		}
	}
}

type objState struct {
	Decoded, WasNull bool
	Has, Null        []bool
	Count            int
	Unknown          []string
}

func stateOf(o *Object) objState {
	s := objState{Decoded: o.Decoded(), WasNull: o.WasNull(), Count: o.Count(), Unknown: o.Unknown()}
	for i := range readerKeys.names {
		s.Has = append(s.Has, o.Has(i))
		s.Null = append(s.Null, o.IsNull(i))
	}
	return s
}

// FuzzReader holds Decoder.Members to encoding/json: the same texts are
// rejected (with encoding/json's syntax error), the same values decoded,
// the same members seen, and a type error names the same field.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `"x"`, `1`, ` {"s": "a\u00e9\n", "c": "fixed", "i": 3, "f": -1.5e3, "b": true} `,
		`{"ps": null, "pi": 7, "a": {"x": [1, null, "y"]}, "l": [1, 2.0, 3e0], "m": {"k": false}}`,
		`{"n": {"s": "in", "i": 1.0}, "pn": {"pi": null}, "zz": [{}]}`, `{"n": null, "pn": null}`,
		`{"s": 1}`, `{"i": 1.5}`, `{"i": 1e400}`, `{"f": 1e400}`, `{"n": {"l": ["x"]}}`, `{"s": "a", "s": null}`,
		`{"s": "\ud800"}`, "{\"s\": \"\xff\"}", `{"s": "x",}`, `{"s" "x"}`, `{"i": 01}`, `{"i": -}`, `{"b": tru}`,
		`{"S": 1, "s": "x"}`, `{"\u0073": "escaped key"}`, `{"c": "other"}`, `{"i": 9223372036854775807}`,
		`{"i": 9223372036854775808}`, `{"i": -92233720368547758.08e2}`, `{"i": 100e-2}`, `{"a": 1}{}`,
		`{"ls": ["a", "b"], "lp": [1, null, 2.0], "ln": [{"s": "x"}, {"n": {"i": 2}}]}`, `{"ls": [], "lp": null, "ln": [null]}`,
		`{"ls": "x"}`, `{"ls": [1]}`, `{"ln": [{"i": "x"}]}`, `{"ls": ["a", "b"], "ls": ["c"]}`, `{"ls": [null]}`,
		`{"mi": {"a": 1, "b": 2.0, "a": 3}, "mp": {"x": null, "y": "s", "\u00e9": "k"}, "mn": {"k": {"s": "v"}, "n": null}}`,
		`{"mi": {"a": 1}, "mi": {"b": 2}}`, `{"mi": {"a": "x"}}`, `{"mi": []}`, `{"mi": null}`, `{"mn": {"k": {"i": "x"}}}`, `{"mi": {"a": null}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast fastObj
		fastErr := json.Unmarshal(data, &fast)
		var fastDirect fastObj
		directErr := fastDirect.UnmarshalJSON(data)
		var slow slowObj
		slowErr := json.Unmarshal(data, &slow)
		valid := json.Valid(data)
		if Valid(data) != valid {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", data, !valid, valid)
		}
		if err := CheckJSON(data); (err == nil) != valid || (err != nil && err.Error() != json.Unmarshal(data, new(any)).Error()) {
			t.Fatalf("CheckJSON(%q) = %v, encoding/json says %v", data, err, json.Unmarshal(data, new(any)))
		}
		// Called directly, the Decoder checks the text itself.
		var se *json.SyntaxError
		if !valid {
			if !errors.As(directErr, &se) || directErr.Error() != json.Unmarshal(data, new(any)).Error() {
				t.Fatalf("UnmarshalJSON(%q) = %v, want encoding/json's syntax error %v", data, directErr, json.Unmarshal(data, new(any)))
			}
			return
		}
		if (fastErr == nil) != (directErr == nil) {
			t.Fatalf("%q: through json.Unmarshal: %v; directly: %v", data, fastErr, directErr)
		}
		if (fastErr == nil) != (slowErr == nil) {
			t.Fatalf("%q: Decoder: %v; encoding/json: %v", data, fastErr, slowErr)
		}
		variant := caseVariant(data)
		var fte, ste *json.UnmarshalTypeError
		if errors.As(fastErr, &fte) != errors.As(slowErr, &ste) {
			t.Fatalf("%q: Decoder: %v; encoding/json: %v", data, fastErr, slowErr)
		}
		if fte != nil && !variant && fte.Field != strings.ReplaceAll(ste.Field, "fields.", "") {
			t.Fatalf("%q: Decoder blames %q, encoding/json %q", data, fte.Field, ste.Field)
		}
		if fastErr != nil || variant {
			return
		}
		if diff := cmp.Diff(stateOf(&slow.obj), stateOf(&fast.obj)); diff != "" {
			t.Fatalf("%q: members (-encoding/json +Decoder):\n%s", data, diff)
		}
		want, _ := json.Marshal(slow)
		got, _ := json.Marshal(fast)
		if string(got) != string(want) {
			t.Fatalf("%q: decoded\n%s\nencoding/json decoded\n%s", data, got, want)
		}
	})
}

// TestDecoderDepthLimit: arrays nested in a member count from the object,
// and the limit is encoding/json's.
func TestDecoderDepthLimit(t *testing.T) {
	for _, n := range []int{maxDepth - 2, maxDepth - 1, maxDepth, maxDepth + 1} {
		for _, member := range []string{"a", "l", "ls"} {
			data := []byte(`{"` + member + `": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
			var x fastObj
			err := x.UnmarshalJSON(data)
			if valid := json.Valid(data); (err == nil) != valid && !(valid && member != "a") {
				t.Errorf("%s nested %d deep: %v, encoding/json says valid=%v", member, n, err, valid)
			}
			if !json.Valid(data) && (err == nil || !strings.Contains(err.Error(), "exceeded max depth")) {
				t.Errorf("%s nested %d deep: %v, want encoding/json's depth error", member, n, err)
			}
		}
	}
}

// TestDecoderCaseVariantKeyIsNotTheField: encoding/json would store "S"
// into the field tagged "s"; JSON Schema, and so chanx, does not.
func TestDecoderCaseVariantKeyIsNotTheField(t *testing.T) {
	var x fastObj
	if err := x.UnmarshalJSON([]byte(`{"s": "exact", "S": "variant", "I": "wrong type is not an error"}`)); err != nil {
		t.Fatal(err)
	}
	if x.S != "exact" || x.I != 0 || x.obj.Has(2) || x.obj.Count() != 3 {
		t.Errorf("got S=%q I=%d Has(i)=%v Count=%d", x.S, x.I, x.obj.Has(2), x.obj.Count())
	}
}

// TestDecoderTypeErrorNamesTheField checks the error a frame's problem
// is built from.
func TestDecoderTypeErrorNamesTheField(t *testing.T) {
	for _, c := range []struct{ data, field, value string }{
		{`{"s": 1}`, "s", "number"},
		{`{"i": 1.5}`, "i", "number 1.5"},
		{`{"n": {"ls": [1]}}`, "n.ls", "number"},
		{`{"ln": [{}, {"b": "x"}]}`, "ln.b", "string"},
		{`{"n": "x"}`, "n", "string"},
		// A nested struct's error wins over an earlier type error, as in
		// encoding/json; 10.0 is an integer, so mp is the one at fault.
		{`{"b": [""], "n": []}`, "n", "array"},
		{`{"mi": {"0": 10, "0": 10.0}, "mp": {"0": {}}}`, "mp", "object"},
	} {
		var x fastObj
		err := json.Unmarshal([]byte(c.data), &x)
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || te.Field != c.field || te.Value != c.value {
			t.Errorf("%s: got %#v, want field %q value %q", c.data, err, c.field, c.value)
		}
	}
}

// TestDecoderAllocatesOnlyWhatItStores: the walk itself allocates
// nothing; the strings of a small object share one copy of the text.
func TestDecoderAllocatesOnlyWhatItStores(t *testing.T) {
	data := []byte(`{"s": "hello", "c": "fixed", "i": 12, "f": 1.5, "b": true, "a": null, "n": {"s": "x", "c": "fixed"}}`)
	var x fastObj
	if n := testing.AllocsPerRun(100, func() {
		if err := x.UnmarshalJSON(data); err != nil {
			t.Fatal(err)
		}
	}); n > 2 {
		t.Errorf("UnmarshalJSON allocates %v times, want 2 (one string copy per object)", n)
	}
	if x.S != "hello" || x.C != "fixed" || x.N.S != "x" || x.I != 12 || !x.B {
		t.Errorf("decoded %+v", x)
	}
}

func TestIntegralInt(t *testing.T) {
	for lit, want := range map[string]int64{
		"1.0": 1, "1e2": 100, "2.50e1": 25, "100e-2": 1, "-0.0": 0, "0e99999999999": 0,
		"-9223372036854775808.0": math.MinInt64, "92233720368547758.07e2": math.MaxInt64,
	} {
		if got, ok := integralInt([]byte(lit)); !ok || got != want {
			t.Errorf("integralInt(%s) = %d, %v; want %d", lit, got, ok, want)
		}
	}
	for _, lit := range []string{"1.5", "1e-1", "9223372036854775808.0", "1e19", "1e99999999999", "123e-2"} {
		if got, ok := integralInt([]byte(lit)); ok {
			t.Errorf("integralInt(%s) = %d, want not an int64", lit, got)
		}
	}
}
