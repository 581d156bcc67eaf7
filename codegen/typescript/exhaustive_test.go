package typescript

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/nodetest"
)

// TestExhaustivenessBites: on a freshly generated client
// (testdata/features.yaml's shapes channel), a switch over ShapesIncoming
// with a case per message and a never check compiles, and without one of
// the cases tsc refuses the never check, naming the message left out.
func TestExhaustivenessBites(t *testing.T) {
	tools := nodetest.Require(t)
	api := gentest.Load(t, filepath.Join("testdata", "features.yaml"))
	files, err := Generate(context.Background(), api, Options{Package: "features"})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	writeFiles(t, filepath.Join(root, "features"), files)
	tools.LinkModules(t, root)
	switchOver := func(leaveOut string) string {
		var b strings.Builder
		b.WriteString("import type { ShapesIncoming } from \"./features/index.js\";\n\nexport function describe(m: ShapesIncoming): string {\n  switch (m.action) {\n")
		for _, v := range []string{"drawn", "pong", "tree"} {
			if v != leaveOut {
				b.WriteString("    case \"" + v + "\":\n      return \"" + v + "\";\n")
			}
		}
		b.WriteString("    default: {\n      const unreachable: never = m;\n      return unreachable;\n    }\n  }\n}\n")
		return b.String()
	}
	config := strings.Replace(strictConfig, `"include": ["*/**/*.ts"]`, `"include": ["features/**/*.ts", "exhaustive.ts"]`, 1)
	writeFiles(t, root, map[string][]byte{"tsconfig.json": []byte(config), "exhaustive.ts": []byte(switchOver(""))})
	tools.Run(t, root, 2*time.Minute, tools.Tsc(), "-p", "tsconfig.json")
	if err := os.WriteFile(filepath.Join(root, "exhaustive.ts"), []byte(switchOver("tree")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := tools.Try(t, root, 2*time.Minute, tools.Tsc(), "-p", "tsconfig.json")
	if err == nil {
		t.Fatalf("tsc accepted a switch missing the tree case:\n%s", out)
	}
	if want := "Type 'Tree' is not assignable to type 'never'."; !strings.Contains(out, want) {
		t.Fatalf("tsc failed without %q:\n%s", want, out)
	}
}
