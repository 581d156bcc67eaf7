package golang

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	goldenfile "github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/spec/analyze"
)

// goldenInputs are the focused schemas, one per feature of the Go types.
func goldenInputs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	return files
}

func generateGolden(t *testing.T, input string) []byte {
	t.Helper()
	data, err := os.ReadFile(input)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSuffix(filepath.Base(input), ".json")
	s, err := analyze.SchemaFromJSON(context.Background(), filepath.Base(input), data)
	if err != nil {
		t.Fatal(err)
	}
	// name_typed.json is generated with typed formats.
	opts := Options{Package: goldenPackage(name), Source: filepath.Base(input), TypedFormats: strings.HasSuffix(name, "_typed")}
	src, _, err := Schemas([]Root{{Name: name, Schema: s}}, opts)
	if err != nil {
		t.Fatalf("%s: %v", input, err)
	}
	return src
}

func goldenPackage(name string) string { return strings.ReplaceAll(name, "_", "") + "types" }

// TestGolden compares the generated file for each focused schema with its
// golden copy; -update rewrites them.
func TestGolden(t *testing.T) {
	for _, input := range goldenInputs(t) {
		got := generateGolden(t, input)
		golden := strings.TrimSuffix(input, ".json") + ".go.golden"
		goldenfile.Check(t, golden, got)
		if goldenfile.Updating() {
			continue
		}
		// Generation is deterministic: a second run gives the same bytes.
		if again := generateGolden(t, input); string(again) != string(got) {
			t.Errorf("%s: a second generation differs", input)
		}
	}
}

// TestGoldenCompiles builds and vets every golden file as its own package.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet in a temporary module")
	}
	files := map[string][]byte{}
	for _, input := range goldenInputs(t) {
		name := strings.TrimSuffix(filepath.Base(input), ".json")
		golden, err := os.ReadFile(strings.TrimSuffix(input, ".json") + ".go.golden")
		if err != nil {
			t.Fatal(err)
		}
		files[goldenPackage(name)+"/"+name+".go"] = golden
	}
	gentest.BuildModule(t, files, "vet", "./...")
	// And they behave: a program drives them (testdata/goldencheck).
	check, err := os.ReadFile(filepath.Join("testdata", "goldencheck", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	files["goldencheck/main.go"] = check
	gentest.BuildModule(t, files, "run", "./goldencheck")
}

// TestBenchFrameIsCurrent checks the committed generated packages the
// benchmarks use (codegen/golang/internal/benchframe, and
// runtime/internal/benchchat for runtime/server's); -update rewrites them.
func TestBenchFrameIsCurrent(t *testing.T) {
	for _, c := range []struct{ schema, pkg, out string }{
		{"testdata/bench/frame.json", "benchframe", "internal/benchframe/frame.go"},
		{"testdata/golden/frame.json", "benchchat", "../../runtime/internal/benchchat/chat.go"},
	} {
		data, err := os.ReadFile(filepath.FromSlash(c.schema))
		if err != nil {
			t.Fatal(err)
		}
		s, err := analyze.SchemaFromJSON(context.Background(), "frame.json", data)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := Schemas([]Root{{Name: "Frame", Schema: s}}, Options{Package: c.pkg, Source: "codegen/golang/" + c.schema})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.FromSlash(c.out)
		goldenfile.Check(t, path, got)
	}
}
