package oracle_test

import (
	"fmt"

	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/validate/oracle"
	"github.com/chanxgo/chanx/runtime/wire"
)

// The oracle fallback: compile a draft-07 schema once at start-up, then
// validate decoded frames and send the problems in an error frame.
func ExampleCompile() {
	schema, err := oracle.Compile([]byte(`{
		"type": "object",
		"required": ["payload"],
		"properties": {
			"payload": {
				"type": "object",
				"required": ["message", "name"],
				"properties": {"message": {"type": "string", "minLength": 1}}
			}
		}
	}`))
	if err != nil {
		panic(err)
	}
	frame := validate.MustJSON(`{"action": "new_chat_message", "payload": {"message": ""}}`)
	for _, p := range schema.Validate(frame) {
		fmt.Println(wire.LocString(p.Loc), p.Type)
	}
	// Output:
	// payload.message string_too_short
	// payload.name missing
}
