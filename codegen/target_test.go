package codegen_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chanxgo/chanx/codegen"
	"github.com/chanxgo/chanx/ir"
)

func TestTargetsLookup(t *testing.T) {
	called := false
	goTarget := codegen.TargetFunc(func(context.Context, *ir.API, codegen.Options) (map[string][]byte, error) {
		called = true
		return map[string][]byte{"a.go": nil}, nil
	})
	ts := codegen.NewTargets("client").Add("go", goTarget).Add("typescript", nil).Add("python", nil)
	if got := ts.Languages(); len(got) != 3 || got[0] != "go" || got[1] != "typescript" || got[2] != "python" {
		t.Errorf("Languages() = %v", got)
	}
	tg, err := ts.Lookup("go")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.Generate(context.Background(), &ir.API{}, codegen.Options{}); err != nil || !called {
		t.Errorf("Generate: %v, called %v", err, called)
	}
	_, err = ts.Lookup("rust")
	if want := `unknown language "rust" for a client; want one of go, typescript, python`; !errors.Is(err, codegen.ErrUnknownLanguage) || err.Error() != want {
		t.Errorf("Lookup(rust) = %v, want %s", err, want)
	}
	_, err = ts.Lookup("typescript")
	if want := "a client in typescript is not available yet; available: go"; !errors.Is(err, codegen.ErrNotAvailable) || err.Error() != want {
		t.Errorf("Lookup(typescript) = %v, want %s", err, want)
	}
}

func TestTargetsAddTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("adding go twice did not panic")
		}
	}()
	codegen.NewTargets("client").Add("go", nil).Add("go", nil)
}

// TestGoTypesIsGenerate: the types target is Generate.
func TestGoTypesIsGenerate(t *testing.T) {
	files, err := codegen.GoTypes.Generate(context.Background(), &ir.API{}, codegen.Options{Package: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["types.go"]; !ok || len(files) != 1 {
		t.Errorf("files: %v", files)
	}
}
