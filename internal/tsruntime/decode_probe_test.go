package tsruntime_test

import (
	"encoding/json"
	"fmt"

	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/wire"
)

// probe is what the Go generator writes for an object with one member of
// each decode kind (string, bool, int, float, list, dict, model), so that
// TestHelpersAgreeWithGo can hold the TypeScript decode pass
// (decodeField, decodeNumber) to the Go decoder on every kind, which the
// chat document (strings only) does not reach.
type probe struct {
	S string         `json:"string"`
	B bool           `json:"bool"`
	I int64          `json:"int"`
	F float64        `json:"float"`
	L []any          `json:"list"`
	D map[string]any `json:"dict"`
	M probeModel     `json:"model"`

	obj validate.Object
}

var probeKeys = validate.NewKeys([]string{"string", "bool", "int", "float", "list", "dict", "model"}, false)

func (x *probe) UnmarshalJSON(data []byte) error {
	*x = probe{}
	var d validate.Decoder
	return d.Members(data, x, &x.obj, probeKeys, func(i int) {
		switch i {
		case 0:
			d.String(&x.S)
		case 1:
			d.Bool(&x.B)
		case 2:
			d.Int(&x.I)
		case 3:
			d.Float(&x.F)
		case 4:
			d.JSON(&x.L)
		case 5:
			d.JSON(&x.D)
		case 6:
			d.Object(&x.M)
		}
	})
}

// probeModel is a generated struct with no members.
type probeModel struct {
	obj validate.Object
}

var probeModelKeys = validate.NewKeys(nil, false)

func (x *probeModel) UnmarshalJSON(data []byte) error {
	*x = probeModel{}
	var d validate.Decoder
	return d.Members(data, x, &x.obj, probeModelKeys, func(int) {})
}

// probeKinds are the decode kinds the probe has, by member.
var probeKinds = []string{"string", "bool", "int", "float", "list", "dict", "model"}

// probeValues are JSON values put in each member of the probe.
var probeValues = []string{
	`null`, `true`, `0`, `7`, `-1.5`, `1.0`, `2e0`, `1e300`, `1e400`, `-1e400`, `9.2e18`, `9.3e18`, `""`, `"x"`, `"1"`,
	`[]`, `[1]`, `{}`, `{"a":1}`,
}

// goDecode is the problem the Go decoder reports for value in member
// kind of a probe, or nil.
func goDecode(kind, value string) *wire.Problem {
	var p probe
	err := json.Unmarshal([]byte(fmt.Sprintf(`{%q:%s}`, kind, value)), &p)
	if err == nil {
		return nil
	}
	ps := wire.DecodeProblems(err)
	if len(ps) != 1 {
		panic(fmt.Sprintf("%s %s: %d problems", kind, value, len(ps)))
	}
	return &ps[0]
}
