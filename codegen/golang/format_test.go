package golang

import (
	"strings"
	"testing"
)

// A template bug must be findable: source that does not parse is reported
// with its name, the parser's position and the source numbered by line.
func TestFormatSourceShowsNumberedSource(t *testing.T) {
	src := []byte("package p\n\nfunc f() {\n\treturn 1 +\n}\n")
	for _, gofmt := range []bool{true, false} {
		_, err := FormatSource("p.go", src, gofmt)
		if err == nil {
			t.Fatalf("gofmt=%v: malformed source was accepted", gofmt)
		}
		msg := err.Error()
		for _, want := range []string{"generated code for p.go does not parse: ", "5:1: expected operand, found '}'", "    4  \treturn 1 +\n"} {
			if !strings.Contains(msg, want) {
				t.Errorf("gofmt=%v: error lacks %q:\n%s", gofmt, want, msg)
			}
		}
	}
	out, err := FormatSource("p.go", []byte("package p\nvar  x=1\n"), true)
	if err != nil || string(out) != "package p\n\nvar x = 1\n" {
		t.Errorf("formatting valid source: %q, %v", out, err)
	}
}
