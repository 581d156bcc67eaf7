// Command goldencheck runs the golden packages: TestGoldenCompiles builds
// it next to them and expects exit 0. Each check prints what failed.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"chanxgen.test/enumtypes"
	"chanxgen.test/frametypes"
	"chanxgen.test/nullabletypes"
	"chanxgen.test/recursivetypes"
	"chanxgen.test/sharedtypes"
	"chanxgen.test/uniondiscriminatortypes"
	"chanxgen.test/unionplaintypes"
)

var failed bool

func expect(what string, err error, want string) {
	got := "<nil>"
	if err != nil {
		got = err.Error()
	}
	if want == "" {
		want = "<nil>"
	}
	if got != want {
		failed = true
		fmt.Printf("%s:\n got  %s\n want %s\n", what, got, want)
	}
}

func decode[T any](data string) *T {
	v := new(T)
	if err := json.Unmarshal([]byte(data), v); err != nil {
		failed = true
		fmt.Printf("decode %s: %v\n", data, err)
	}
	return v
}

func main() {
	// A frame built in Go has its fixed action and validates.
	f := frametypes.Frame{Payload: frametypes.ChatMessagePayload{Message: "hi", Name: "Ada"}}
	expect("Go-built frame", f.Validate(), "")
	data, _ := json.Marshal(f)
	if !strings.Contains(string(data), `"action":"new_chat_message"`) {
		failed = true
		fmt.Printf("Go-built frame marshalled without its action: %s\n", data)
	}
	expect("decoded frame", decode[frametypes.Frame](`{"payload": {"message": "", "name": "Ada"}}`).Validate(),
		"invalid message: payload.message: String should have at least 1 character")

	// Enums.
	expect("enum constant", (&enumtypes.Enum{Color: enumtypes.EnumColorRed}).Validate(), "")
	expect("enum empty constant", (&enumtypes.Enum{Color: enumtypes.EnumColorEmpty}).Validate(), "")
	expect("enum outside", (&enumtypes.Enum{Color: "pink"}).Validate(), `invalid message: color: Input should be 'red', 'dark-green', '' or 'Blue'`)

	// Nullable and required.
	expect("required null", decode[nullabletypes.Nullable](`{"required_plain": "a", "required_anyof_null": null}`).Validate(), "")
	expect("required missing", decode[nullabletypes.Nullable](`{"required_plain": "a"}`).Validate(), "invalid message: required_anyof_null: Field required")
	expect("optional null", decode[nullabletypes.Nullable](`{"required_plain": "a", "required_anyof_null": 1, "optional_plain": null}`).Validate(), "invalid message: optional_plain: Input should be a valid string")

	// A shared type, and a required slice left nil in Go.
	expect("nil required slice", (&sharedtypes.Shared{From: sharedtypes.Address{Email: "a@b"}}).Validate(), "invalid message: to: Input should be a valid list")
	expect("shared type in a slice", decode[sharedtypes.Shared](`{"from": {"email": "a@b"}, "to": [{"email": "x"}]}`).Validate(),
		"invalid message: to[0].email: String should have at least 3 characters")

	// Unions.
	u := decode[uniondiscriminatortypes.UnionDiscriminator](`{"kind": "square", "side": 2}`)
	if _, ok := u.Value.(*uniondiscriminatortypes.Square); !ok {
		failed = true
		fmt.Printf("discriminated union decoded %T\n", u.Value)
	}
	expect("union tag", decode[uniondiscriminatortypes.UnionDiscriminator](`{"kind": "hexagon"}`).Validate(), "invalid message: : Input tag 'hexagon' found using 'kind' does not match any of the expected tags: 'circle', 'square'")
	expect("union variant", decode[uniondiscriminatortypes.UnionDiscriminator](`{"kind": "circle", "radius": 0}`).Validate(), "invalid message: radius: Input should be greater than 0")
	expect("ambiguous union", decode[unionplaintypes.UnionPlain](`{"id": 1, "name": "x"}`).Validate(), "invalid message: : Input should match exactly one of the allowed schemas, not several")
	expect("Go-built union", (&unionplaintypes.UnionPlain{Value: &unionplaintypes.UnionPlainByID{ID: 1}}).Validate(), "")

	// Recursion.
	expect("tree", decode[recursivetypes.Recursive](`{"value": 1, "children": [{"value": 2, "parent": {"value": 1}}], "first": {"owner": {"value": 3}}}`).Validate(), "")
	expect("deep problem", decode[recursivetypes.Recursive](`{"value": 1, "children": [{"children": [{}]}]}`).Validate(),
		"invalid message: children[0].value: Field required; children[0].children[0].value: Field required")

	if failed {
		os.Exit(1)
	}
}
