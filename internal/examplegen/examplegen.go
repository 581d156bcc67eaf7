package examplegen

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/goapi"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// LoadAPI analyzes the asyncapi.yaml of the test's working directory (the
// example's folder) and fails the test on any error.
func LoadAPI(t testing.TB) *ir.API {
	t.Helper()
	doc, err := spec.Load(context.Background(), "asyncapi.yaml", spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	api, diags := analyze.Build(context.Background(), doc)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return api
}

// Packages names an example's three generated folders, relative to the
// example, and the example's import path.
type Packages struct {
	Example               string // import path of the example, e.g. github.com/chanxgo/chanx/examples/chat
	Types, Server, Client string // folder names, e.g. chattypes, chatapi, chatclient
}

// CheckCurrent regenerates the example's packages as its //go:generate
// lines do (types shared, server and client over them) and reports every
// committed file that differs, naming the go generate command to run.
func CheckCurrent(t *testing.T, api *ir.API, p Packages) {
	t.Helper()
	fix := "go generate ./" + filepath.Join("examples", filepath.Base(p.Example))
	for _, g := range []struct {
		dir string
		gen func(context.Context, *ir.API, goapi.Options) (map[string][]byte, error)
	}{
		{p.Types, goapi.GenerateTypes},
		{p.Server, goapi.GenerateServer},
		{p.Client, goapi.GenerateClient},
	} {
		opts := goapi.Options{Package: g.dir, Source: "../asyncapi.yaml"} // as chanx gen names it, from the output folder
		if g.dir != p.Types {
			opts.TypesPackage = p.Example + "/" + p.Types
		}
		files, err := g.gen(context.Background(), api, opts)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range files {
			have, err := os.ReadFile(filepath.Join(g.dir, name))
			if err != nil {
				t.Errorf("%v: run %s", err, fix)
				continue
			}
			if diff := cmp.Diff(string(have), string(want)); diff != "" {
				t.Errorf("%s/%s is stale; run %s (-committed +generated):\n%s", g.dir, name, fix, diff)
			}
		}
	}
}
