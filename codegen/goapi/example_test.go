package goapi_test

import (
	"context"
	"fmt"
	"sort"

	"github.com/chanxgo/chanx/codegen/goapi"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// The server and client packages of the chat example: the CLI writes these
// files (chanx gen server, chanx gen client).
func ExampleGenerateServer() {
	ctx := context.Background()
	doc, err := spec.Load(ctx, "../../examples/chat/asyncapi.yaml", spec.Options{NoRemote: true})
	if err != nil {
		panic(err)
	}
	api, diags := analyze.Build(ctx, doc)
	if diags.HasErrors() {
		panic(diags)
	}
	for _, gen := range []func(context.Context, *ir.API, goapi.Options) (map[string][]byte, error){goapi.GenerateServer, goapi.GenerateClient} {
		files, err := gen(ctx, api, goapi.Options{Package: "chat", Source: "asyncapi.yaml"})
		if err != nil {
			panic(err)
		}
		var names []string
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Println(names)
	}
	// Output:
	// [asyncapi.json asyncapi.yaml server.go types.go]
	// [README.md client.go types.go]
}
