package analyze_test

import (
	"context"
	"fmt"

	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// A document as a Python Chanx server writes it: Build finds that the
// "action" property tells the messages apart.
func ExampleBuild() {
	doc, err := spec.Parse("chat.yaml", []byte(`
asyncapi: 3.0.0
info: {title: Chat, version: 1.0.0}
channels:
  room:
    address: /ws/chat/{room}
    parameters:
      room: {description: Path parameter room}
    messages:
      ping: {$ref: '#/components/messages/ping'}
      pong: {$ref: '#/components/messages/pong'}
operations:
  handle_ping:
    action: receive
    channel: {$ref: '#/channels/room'}
    messages: [{$ref: '#/channels/room/messages/ping'}]
    reply:
      channel: {$ref: '#/channels/room'}
      messages: [{$ref: '#/channels/room/messages/pong'}]
components:
  messages:
    ping:
      payload: {type: object, properties: {action: {const: ping, default: ping, type: string}}}
    pong:
      payload: {type: object, properties: {action: {const: pong, default: pong, type: string}}}
`), spec.Options{NoRemote: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	api, diags := analyze.Build(context.Background(), doc)
	for _, d := range diags {
		fmt.Println(d)
	}
	for _, ch := range api.Channels {
		for _, d := range ch.Dispatch {
			fmt.Printf("%s %s: by %q, %d message(s)\n", ch.Name, d.Action, d.Property, len(d.Cases))
		}
	}
	// Output:
	// room receive: by "action", 1 message(s)
	// room send: by "action", 1 message(s)
}

// Two messages that nothing tells apart are a warning naming both.
func ExampleBuild_indistinguishable() {
	doc, _ := spec.Parse("events.yaml", []byte(`
asyncapi: 3.0.0
info: {title: Events, version: 1.0.0}
channels:
  events:
    address: events
    messages:
      created: {payload: {type: object, properties: {id: {type: string}}}}
      deleted: {payload: {type: object, properties: {id: {type: string}}}}
operations:
  publish:
    action: send
    channel: {$ref: '#/channels/events'}
`), spec.Options{NoRemote: true})
	_, diags := analyze.Build(context.Background(), doc)
	for _, d := range diags {
		fmt.Println(d)
	}
	// Output:
	// events.yaml:5:3: warning: channel "events": sent messages "created" and "deleted" cannot be told apart at run time: no payload property holds a different const value in each (at /channels/events)
}

// SchemaFromJSON reads a bare JSON Schema; a recursive $ref becomes a
// cycle in the graph.
func ExampleSchemaFromJSON() {
	s, err := analyze.SchemaFromJSON(context.Background(), "node.json", []byte(`{
  "type": "object",
  "properties": {"value": {"type": "integer"}, "next": {"$ref": "#"}}
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Type, s.Property("value").Type, s.Property("next") == s)
	// Output:
	// [object] [integer] true
}
