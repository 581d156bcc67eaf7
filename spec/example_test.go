package spec_test

import (
	"context"
	"fmt"

	"github.com/chanxgo/chanx/spec"
)

func ExampleValidate() {
	doc, err := spec.Parse("asyncapi.yaml", []byte(`asyncapi: 3.0.0
info:
  title: Chat
  version: 1.0.0
channels:
  room:
    address: /ws/chat/{room}
operations:
  sendMessage:
    action: publish
    channel:
      $ref: '#/channels/room'
`), spec.Options{NoRemote: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range spec.Validate(context.Background(), doc) {
		fmt.Println(d)
	}
	// Output:
	// asyncapi.yaml:10:13: operations.sendMessage.action: value must be one of "send", "receive" (at /operations/sendMessage/action)
}

func ExampleBundleJSON() {
	doc, err := spec.Load(context.Background(), "testdata/valid/multi/asyncapi.yaml", spec.Options{NoRemote: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := spec.BundleJSON(context.Background(), doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(data[:60]))
	// Output:
	// {"asyncapi":"3.1.0","info":{"title":"Multi-file chat","versi
}
