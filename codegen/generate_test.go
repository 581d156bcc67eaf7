package codegen

import (
	"context"
	"fmt"
	"go/format"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	goldenfile "github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/ir"
)

func load(t testing.TB, path string) *ir.API { return gentest.Load(t, path) }

// TestCorpusGeneratesAndCompiles generates the types of every official
// AsyncAPI 3.0.0 example and vets them, each as its own package, in one
// temporary module.
func TestCorpusGeneratesAndCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet in a temporary module")
	}
	docs := gentest.Corpus(t)
	files := map[string][]byte{}
	for i, path := range docs {
		api := load(t, path)
		pkg := fmt.Sprintf("doc%d", i)
		out, err := Generate(context.Background(), api, Options{Package: pkg, Source: filepath.Base(path)})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		// Byte-identical on a second run.
		again, err := Generate(context.Background(), load(t, path), Options{Package: pkg, Source: filepath.Base(path)})
		if err != nil || string(again["types.go"]) != string(out["types.go"]) {
			t.Errorf("%s: a second generation differs", path)
		}
		for name, data := range out {
			files[pkg+"/"+name] = data
		}
	}
	gentest.BuildModule(t, files, "vet", "./...")
}

// TestGoldenDocuments generates each focused AsyncAPI document under
// testdata/golden and compares with its golden package; -update rewrites
// them. The goldens are vetted in a temporary module.
func TestGoldenDocuments(t *testing.T) {
	docs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.yaml"))
	if len(docs) == 0 {
		t.Fatal("no golden documents")
	}
	built := map[string][]byte{}
	for _, doc := range docs {
		name := strings.TrimSuffix(filepath.Base(doc), ".yaml")
		pkg := strings.ReplaceAll(name, "-", "")
		files, err := Generate(context.Background(), load(t, doc), Options{Package: pkg, Source: filepath.Base(doc)})
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		for file, got := range files {
			golden := filepath.Join("testdata", "golden", name, file+".golden")
			built[pkg+"/"+file] = got
			goldenfile.Check(t, golden, got)
		}
	}
	if !testing.Short() {
		gentest.BuildModule(t, built, "vet", "./...")
	}
}

func TestGenerateRejectsBadPackage(t *testing.T) {
	_, err := Generate(context.Background(), &ir.API{}, Options{Package: "my-api"})
	if err == nil || err.Error() != `codegen: package name "my-api" is not a Go identifier` {
		t.Errorf("got %v", err)
	}
}

// bigAPI is a document with n messages, each with its own payload.
func bigAPI(n int) *ir.API {
	api := &ir.API{}
	for i := 0; i < n; i++ {
		payload := &ir.Schema{
			Name: fmt.Sprintf("Payload%d", i),
			Type: []string{"object"},
			Properties: []*ir.Property{
				{Name: "action", Schema: &ir.Schema{Type: []string{"string"}, Const: fmt.Sprintf("action_%d", i), HasConst: true}},
				{Name: "payload", Schema: &ir.Schema{Type: []string{"object"}, Required: []string{"message"}, Properties: []*ir.Property{
					{Name: "message", Schema: &ir.Schema{Type: []string{"string"}, MinLength: ptr(1), MaxLength: ptr(2000)}},
					{Name: "count", Schema: &ir.Schema{Type: []string{"integer"}, Minimum: num("0")}},
					{Name: "tags", Schema: &ir.Schema{Type: []string{"array"}, Items: &ir.Schema{Type: []string{"string"}, Pattern: "^[a-z]+$"}}},
				}}},
			},
			Required: []string{"payload"},
		}
		api.Messages = append(api.Messages, &ir.Message{Name: fmt.Sprintf("message_%d", i), Payload: payload})
	}
	return api
}

func ptr(i int) *int { return &i }

func num(s string) *ir.Number { n := ir.Number(s); return &n }

// TestLargeOutputFormatsLikeOneFile: a large package is formatted in
// parallel pieces; the result must be what gofmt makes of the whole file.
func TestLargeOutputFormatsLikeOneFile(t *testing.T) {
	api := bigAPI(300)
	got, err := Generate(context.Background(), api, Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Generate(context.Background(), api, Options{NoFormat: true})
	if err != nil {
		t.Fatal(err)
	}
	want, err := format.Source(raw["types.go"])
	if err != nil {
		t.Fatal(err)
	}
	if string(got["types.go"]) != string(want) {
		t.Error("formatting in pieces differs from formatting the whole file")
	}
}

// BenchmarkGenerate2000Messages generates the types of a 2,000-message
// document (target: under 2 s).
func BenchmarkGenerate2000Messages(b *testing.B) {
	api := bigAPI(2000)
	for b.Loop() {
		out, err := Generate(context.Background(), api, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(string(out["types.go"]), "type Payload1999 struct") {
			b.Fatal("missing a type")
		}
	}
}
