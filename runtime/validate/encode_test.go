package validate

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// encoded is what FuzzEncoder writes both ways: through the Encoder, as
// generated chanxEncode methods do, and through encoding/json.
type encoded struct {
	S  string         `json:"s"`
	I  int64          `json:"i"`
	F  float64        `json:"f"`
	B  bool           `json:"b"`
	PS *string        `json:"ps,omitempty"`
	L  []string       `json:"l"`
	A  any            `json:"a"`
	M  map[string]any `json:"m,omitempty"`
}

func (x *encoded) encode(e *Encoder) {
	e.Open()
	e.Key(`"s":`)
	e.String(x.S)
	e.Key(`"i":`)
	e.Int(x.I)
	e.Key(`"f":`)
	e.Float(x.F)
	e.Key(`"b":`)
	e.Bool(x.B)
	if x.PS != nil {
		e.Key(`"ps":`)
		e.String(*x.PS)
	}
	e.Key(`"l":`)
	if x.L == nil {
		e.Null()
	} else {
		e.OpenArray()
		for i := range x.L {
			e.Elem()
			e.String(x.L[i])
		}
		e.CloseArray()
	}
	e.Key(`"a":`)
	e.JSON(x.A)
	if len(x.M) != 0 {
		e.Key(`"m":`)
		e.JSON(x.M)
	}
	e.Close()
}

// marshalled implements json.Marshaler with the Encoder, as a generated
// struct with const fields does.
type marshalled struct{ encoded }

func (x marshalled) MarshalJSON() ([]byte, error) {
	e := GetEncoder()
	x.encode(e)
	return e.Done()
}

// FuzzEncoder holds the Encoder to encoding/json: the same bytes for any
// string (invalid UTF-8, control characters, U+2028, HTML characters),
// number and container, through json.Marshal with and without HTML
// escaping, and the same refusal of NaN and the infinities.
func FuzzEncoder(f *testing.F) {
	f.Add("plain", int64(1), 1.5, true, "<a&b>", uint8(0))
	f.Add("\x00\b\f\n\r\t\"\\\x7f\u2028\u2029\xff\xc3", int64(-9223372036854775808), 1e21, false, "", uint8(1))
	f.Add("é", int64(0), 1e-7, false, "x", uint8(2))
	f.Add("", int64(42), -0.0, true, "y", uint8(3))
	f.Add("", int64(42), 123456789e300, true, "y", uint8(4))
	f.Fuzz(func(t *testing.T, s string, n int64, fl float64, b bool, other string, shape uint8) {
		x := encoded{S: s, I: n, F: fl, B: b, A: other}
		if shape&1 != 0 {
			x.PS = &other
			x.L = []string{s, other}
			x.A = map[string]any{other: []any{fl, s}}
		}
		if shape&2 != 0 {
			x.L = []string{}
			x.M = map[string]any{s: other}
		}
		if shape&4 != 0 {
			x.F = [...]float64{math.NaN(), math.Inf(1), math.Inf(-1)}[int(shape>>3)%3]
		}
		for _, html := range []bool{true, false} {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(html)
			wantErr := enc.Encode(x)
			var got bytes.Buffer
			enc = json.NewEncoder(&got)
			enc.SetEscapeHTML(html)
			gotErr := enc.Encode(marshalled{x})
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("%#v: encoding/json: %v; Encoder: %v", x, wantErr, gotErr)
			}
			if wantErr == nil && got.String() != want.String() {
				t.Fatalf("escapeHTML %v:\nEncoder:       %s\nencoding/json: %s", html, got.Bytes(), want.Bytes())
			}
		}
	})
}

// raceEnabled is set by race_test.go.
var raceEnabled bool

// TestEncoderAllocatesItsResultOnly: a MarshalJSON on the Encoder costs
// one allocation, the bytes it returns.
func TestEncoderAllocatesItsResultOnly(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	x := marshalled{encoded{S: "hello", I: 3, F: 2.5, L: []string{"a", "b"}}}
	x.A = nil
	if _, err := x.MarshalJSON(); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = x.MarshalJSON() }); n > 1 {
		t.Errorf("MarshalJSON allocates %v times, want 1", n)
	}
}
