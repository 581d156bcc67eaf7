package nodetest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/nodetest"
)

// TestPinnedVersions checks that the tools Require installs are the
// versions js/package.json pins, so a test never runs with a stray global
// tsc or esbuild.
func TestPinnedVersions(t *testing.T) {
	tools := nodetest.Require(t)
	for _, c := range []struct {
		bin  string
		arg  string
		want string
	}{
		{tools.Tsc(), "--version", "Version 7.0.2"},
		{tools.Esbuild(), "--version", "0.28.2"},
		{tools.Pyright(), "--version", "pyright 1.1.414"},
	} {
		out := tools.Run(t, tools.Dir, time.Minute, c.bin, c.arg)
		if !strings.Contains(out, c.want) {
			t.Errorf("%s %s printed %q, want it to contain %q", c.bin, c.arg, out, c.want)
		}
	}
}

// TestRequireTwice returns the same tools without installing again.
func TestRequireTwice(t *testing.T) {
	a, b := nodetest.Require(t), nodetest.Require(t)
	if a != b {
		t.Fatalf("Require returned %p then %p", a, b)
	}
}
