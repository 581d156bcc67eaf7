package spec

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/chanxgo/chanx/internal/golden"
)

// check loads and validates the document at path the way 'chanx validate'
// does and returns every diagnostic as text, one per line.
func check(t *testing.T, path string, opts Options) string {
	t.Helper()
	doc, err := Load(context.Background(), path, opts)
	var diags Diagnostics
	if err != nil {
		var de *DiagnosticsError
		if !errors.As(err, &de) {
			return err.Error() + "\n"
		}
		diags = de.Diagnostics
	} else {
		diags = Validate(context.Background(), doc)
	}
	var sb strings.Builder
	for _, d := range diags {
		sb.WriteString(d.String())
		sb.WriteByte('\n')
	}
	return sb.String()
}

// golden compares got with the golden file, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	goldenfile.Check(t, path, []byte(got))
}

// TestBroken is the table of documents broken one way each: every file in
// testdata/broken (YAML or JSON) has a .txt beside it holding the exact
// diagnostics, positions included. Remote fetches are forbidden, so no case
// touches the network.
func TestBroken(t *testing.T) {
	var cases []string
	for _, pattern := range []string{"testdata/broken/*.yaml", "testdata/broken/*.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, m...)
	}
	if len(cases) < 22 {
		t.Fatalf("only %d broken documents", len(cases))
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		t.Run(name, func(t *testing.T) {
			got := check(t, path, Options{NoRemote: true})
			if got == "" {
				t.Fatalf("%s: no diagnostics", path)
			}
			golden(t, strings.TrimSuffix(path, filepath.Ext(path))+".txt", got)
		})
	}
}
