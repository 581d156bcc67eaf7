package analyze

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestSchemaSuite reads every schema of the JSON-Schema-Test-Suite's
// draft-07 required tests with SchemaFromJSON: none may panic, and the
// ones it refuses are exactly those in testdata/jsonschema-refused.golden —
// schemas that locate their $ref targets by $id or by remote URL, which
// AsyncAPI documents do not need and chanx does not resolve.
func TestSchemaSuite(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus", "json-schema-test-suite", "draft7"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skipf("JSON-Schema-Test-Suite not found at %s (it lives in the shared workspace, beside the module)", dir)
	}
	var refused []string
	count := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var groups []struct {
			Description string          `json:"description"`
			Schema      json.RawMessage `json:"schema"`
		}
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, g := range groups {
			count++
			name := filepath.Base(path) + ": " + g.Description
			s, err := SchemaFromJSON(context.Background(), filepath.Join(dir, "schema.json"), g.Schema)
			if err != nil {
				// Paths are relative to the suite, so the golden does not
				// depend on where the checkout sits.
				msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
				msg = strings.ReplaceAll(msg, dir, "<suite>")
				refused = append(refused, name+"\n    "+strings.ReplaceAll(msg, "\n", "\n    "))
				continue
			}
			if s == nil {
				t.Errorf("%s: nil schema and no error", name)
			}
		}
	}
	if count < 250 {
		t.Fatalf("read %d schemas, want the suite's ~257", count)
	}
	sort.Strings(refused)
	golden(t, filepath.Join("testdata", "jsonschema-refused.golden"), strings.Join(refused, "\n")+"\n")
}
