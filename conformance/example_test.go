package conformance_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// A go test that checks a server against its document.
func ExampleRun() {
	var t *testing.T // the test's *testing.T
	doc, err := spec.Load(context.Background(), "asyncapi.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, _ := analyze.Build(context.Background(), doc)
	conformance.Run(t, api, "ws://127.0.0.1:8000", conformance.WithSeed(1), conformance.WithTimeout(time.Second))
}

// A run outside of go test, reported as JUnit XML.
func ExampleCheck() {
	ctx := context.Background()
	doc, err := spec.Load(ctx, "asyncapi.yaml", spec.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	api, _ := analyze.Build(ctx, doc)
	rep, err := conformance.Check(ctx, api, "ws://127.0.0.1:8000", conformance.WithParam("room", "lobby"))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = rep.WriteJUnit(os.Stdout)
	if rep.Failed() {
		os.Exit(1)
	}
}
