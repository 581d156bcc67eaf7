package typescript

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/nodetest"
	"github.com/chanxgo/chanx/internal/schemasuite"
	"github.com/chanxgo/chanx/ir"
)

// wrapped holds a case's schema in the required member "v" of an object,
// as a payload is held in a chanx frame (the Go differential test's
// wrapping).
func wrapped(c *schemasuite.Case) *ir.Schema { return schemasuite.Wrapped(c) }

// validatorsFor generates the TypeScript types and validators of roots,
// one exported validate<Name> each, as the target lays them out.
func validatorsFor(roots map[string]*ir.Schema, order []string) (types, validators []byte, err error) {
	g := newGen(&ir.API{}, Options{})
	for _, name := range order {
		sh := g.shapes.Set.Of(roots[name])
		d := g.declOf(sh, name)
		g.validator[d] = "validate" + name
		r := g.vg.repOf(sh)
		g.frameChecks = append(g.frameChecks, &frameCheckView{decl: d, check: g.vg.check(sh.Schema, r), decode: g.vg.decoderOf(r)})
	}
	if len(g.vg.errs) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(g.vg.errs, "; "))
	}
	g.vg.prune()
	g.finishDocs()
	if types, err = execute("types.ts.tmpl", g.typesFile()); err != nil {
		return nil, nil, err
	}
	validators, err = execute("validators.ts.tmpl", g.validatorsFile())
	return types, validators, err
}

// TestValidatorsAgreeWithGo generates TypeScript and Go validators for
// every schema of the draft-07 JSON-Schema-Test-Suite and the Go target's
// typed cases (codegen/golang/testdata/typed), each held in a member of an
// object as the Go differential test holds them, and runs every test
// instance and seeded mutations of them through both: the Go ones decode
// and Validate, the TypeScript ones run under Node. They must agree on
// valid or invalid everywhere, and on the very problems: types,
// locations and messages, in order.
func TestValidatorsAgreeWithGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program and runs Node")
	}
	tools := nodetest.Require(t)
	cases, instances, skipped := schemasuite.Load(t, func(c *schemasuite.Case) bool {
		if _, _, err := validatorsFor(map[string]*ir.Schema{c.Name: wrapped(c)}, []string{c.Name}); err != nil {
			t.Errorf("%s/%s: the Go target generates it, the TypeScript one does not: %v", c.Keyword, c.Group, err)
			return false
		}
		return true
	})
	goLines := schemasuite.GoVerdicts(t, cases, instances)
	tsRoots := map[string]*ir.Schema{}
	var order []string
	for _, c := range cases {
		tsRoots[c.Name] = wrapped(c)
		order = append(order, c.Name)
	}
	// The TypeScript side, under Node.
	types, validators, err := validatorsFor(tsRoots, order)
	if err != nil {
		t.Fatal(err)
	}
	ws := t.TempDir()
	writeFiles(t, filepath.Join(ws, "gen"), map[string][]byte{"types.ts": types, "validators.ts": validators})
	base, err := Generate(context.Background(), &ir.API{}, Options{NoReadme: true})
	if err != nil {
		t.Fatal(err)
	}
	for n, b := range base {
		if strings.HasPrefix(n, BaseDir+"/") {
			writeFiles(t, filepath.Join(ws, "gen"), map[string][]byte{n: b})
		}
	}
	var main strings.Builder
	main.WriteString("import * as gen from \"./gen/validators.js\";\nimport * as v from \"./gen/base/validate.js\";\nimport { readFileSync } from \"node:fs\";\n\n")
	main.WriteString("const checks: Record<string, v.Check> = {\n")
	for _, name := range order {
		fmt.Fprintf(&main, "  %s: gen.validate%s,\n", name, name)
	}
	main.WriteString("};\n\nconst out: string[] = [];\nfor (const line of readFileSync(process.argv[2]!, \"utf8\").split(\"\\n\")) {\n  if (line === \"\") continue;\n  const { Case, Data } = JSON.parse(line) as { Case: string; Data: unknown };\n  const ps = v.validate(checks[Case]!, Data);\n  out.push(JSON.stringify(ps.length === 0 ? null : ps));\n}\nprocess.stdout.write(out.join(\"\\n\") + \"\\n\");\n")
	writeFiles(t, ws, map[string][]byte{"main.ts": []byte(main.String()), "input.jsonl": schemasuite.Input(instances)})
	tools.LinkModules(t, ws)
	tools.Run(t, ws, 2*time.Minute, tools.Esbuild(), "main.ts", "--bundle", "--format=esm", "--platform=node", "--log-level=warning", "--outfile=main.mjs")
	tsOut := tools.Run(t, ws, 5*time.Minute, tools.Node, "main.mjs", "input.jsonl")

	tsLines := strings.Split(strings.TrimSuffix(tsOut, "\n"), "\n")
	schemasuite.Compare(t, "TypeScript", cases, skipped, instances, goLines, tsLines)
}
