package typescript

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/golang"
	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/nodetest"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/validate/oracle"
	"github.com/chanxgo/chanx/spec/analyze"
)

type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
	} `json:"tests"`
}

type diffCase struct {
	keyword, group, name string
	schema               *ir.Schema
}

type diffInstance struct {
	c    *diffCase
	data json.RawMessage
	what string
}

// wrapped holds a case's schema in the required member "v" of an object,
// as a payload is held in a chanx frame (the Go differential test's
// wrapping).
func wrapped(c *diffCase) *ir.Schema {
	return &ir.Schema{Type: []string{"object"}, Properties: []*ir.Property{{Name: "v", Schema: c.schema}}, Required: []string{"v"}}
}

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
	dir := filepath.Join(gentest.ModuleRoot(t), "..", "shared", "corpus", "json-schema-test-suite", "draft7")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skipf("the JSON-Schema-Test-Suite is not at %s", dir)
	}
	typed, _ := filepath.Glob(filepath.Join(gentest.ModuleRoot(t), "codegen", "golang", "testdata", "typed", "*.json"))
	files = append(files, typed...)
	var cases []*diffCase
	var instances []*diffInstance
	skipped := 0
	for _, f := range files {
		keyword := strings.TrimSuffix(filepath.Base(f), ".json")
		if strings.Contains(f, "typed") {
			keyword = "typed-" + keyword
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var groups []suiteGroup
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for gi, g := range groups {
			if _, err := oracle.Compile(g.Schema); err != nil {
				skipped++
				continue
			}
			s, err := analyze.SchemaFromJSON(context.Background(), keyword+".json", g.Schema)
			if err != nil {
				skipped++
				continue
			}
			c := &diffCase{keyword: keyword, group: g.Description, name: fmt.Sprintf("Case%s%d", golang.ExportedName(keyword), gi+1), schema: s}
			// Both targets must generate it alone, as the Go test asks.
			if _, _, err := golang.Schemas([]golang.Root{{Name: c.name, Schema: wrapped(c)}}, golang.Options{Package: "main"}); err != nil {
				skipped++
				continue
			}
			if _, _, err := validatorsFor(map[string]*ir.Schema{c.name: wrapped(c)}, []string{c.name}); err != nil {
				t.Errorf("%s/%s: the Go target generates it, the TypeScript one does not: %v", keyword, g.Description, err)
				continue
			}
			cases = append(cases, c)
			var pool []any
			for _, tc := range g.Tests {
				instances = append(instances, &diffInstance{c: c, data: tc.Data, what: tc.Description})
				pool = append(pool, validate.MustJSON(string(tc.Data)))
			}
			rng := rand.New(rand.NewSource(int64(len(cases))))
			n := 12
			if strings.HasPrefix(keyword, "typed-") {
				n = 200
			}
			for i := 0; i < n; i++ {
				d, err := json.Marshal(randomValue(rng, pool, 0))
				if err == nil {
					instances = append(instances, &diffInstance{c: c, data: d, what: "random " + string(d)})
				}
			}
		}
	}
	// The Go side: the Go target's types, decoded and validated.
	var roots []golang.Root
	tsRoots := map[string]*ir.Schema{}
	var order []string
	for _, c := range cases {
		roots = append(roots, golang.Root{Name: c.name, Schema: wrapped(c)})
		tsRoots[c.name] = wrapped(c)
		order = append(order, c.name)
	}
	src, _, err := golang.Schemas(roots, golang.Options{Package: "main", Source: "draft7"})
	if err != nil {
		t.Fatal(err)
	}
	var prog bytes.Buffer
	prog.WriteString("package main\n\nimport (\n\t\"bufio\"\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/chanxgo/chanx/runtime/wire\"\n)\n\n")
	prog.WriteString("var cases = map[string]func([]byte) error{\n")
	for _, c := range cases {
		fmt.Fprintf(&prog, "\t%q: func(data []byte) error { var v %s; if err := json.Unmarshal(data, &v); err != nil { return err }; return v.Validate() },\n", c.name, c.name)
	}
	prog.WriteString(`}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<24)
	for in.Scan() {
		var line struct{ Case string; Data json.RawMessage }
		if err := json.Unmarshal(in.Bytes(), &line); err != nil {
			panic(err)
		}
		var out []wire.Problem
		if err := cases[line.Case](line.Data); err != nil {
			out = wire.DecodeProblems(err)
		}
		b, _ := json.Marshal(out)
		fmt.Println(string(b))
	}
}
`)
	goDir, _ := gentest.BuildModule(t, map[string][]byte{"gen.go": src, "main.go": prog.Bytes()}, "build", "-o", "diff.bin", ".")
	var input bytes.Buffer
	for _, in := range instances {
		w := append(append([]byte(`{"v":`), in.data...), '}')
		line, _ := json.Marshal(map[string]any{"Case": in.c.name, "Data": json.RawMessage(w)})
		input.Write(line)
		input.WriteByte('\n')
	}
	cmd := exec.Command(filepath.Join(goDir, "diff.bin"))
	cmd.Stdin = bytes.NewReader(input.Bytes())
	goOut, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the Go validators: %v", err)
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
	writeFiles(t, ws, map[string][]byte{"main.ts": []byte(main.String()), "input.jsonl": input.Bytes()})
	tools.LinkModules(t, ws)
	tools.Run(t, ws, 2*time.Minute, tools.Esbuild(), "main.ts", "--bundle", "--format=esm", "--platform=node", "--log-level=warning", "--outfile=main.mjs")
	tsOut := tools.Run(t, ws, 5*time.Minute, tools.Node, "main.mjs", "input.jsonl")

	goLines := strings.Split(strings.TrimSuffix(string(goOut), "\n"), "\n")
	tsLines := strings.Split(strings.TrimSuffix(tsOut, "\n"), "\n")
	if len(goLines) != len(instances) || len(tsLines) != len(instances) {
		t.Fatalf("%d instances, %d Go verdicts, %d TypeScript verdicts", len(instances), len(goLines), len(tsLines))
	}
	failures, locMismatch, same := 0, 0, 0
	for i, in := range instances {
		gp, tp := problems(t, goLines[i]), problems(t, tsLines[i])
		id := in.c.keyword + "/" + in.c.group + "/" + in.what
		if (len(gp) == 0) != (len(tp) == 0) {
			if failures++; failures <= 40 {
				t.Errorf("%s (%s): Go says valid=%v, TypeScript valid=%v\nGo: %s\nTS: %s", id, in.c.name, len(gp) == 0, len(tp) == 0, goLines[i], tsLines[i])
			}
			continue
		}
		if cmp.Equal(gp, tp) {
			same++
			continue
		}
		if locMismatch++; locMismatch <= 20 {
			t.Errorf("%s (%s): problems differ (-Go +TypeScript):\n%s", id, in.c.name, cmp.Diff(gp, tp))
		}
	}
	t.Logf("%d schemas (%d not generated by Go), %d instances: %d verdicts differ, %d problem lists differ, %d the very same", len(cases), skipped, len(instances), failures, locMismatch, same)
}

func problems(t *testing.T, line string) []map[string]any {
	t.Helper()
	var ps []map[string]any
	if err := json.Unmarshal([]byte(line), &ps); err != nil {
		t.Fatalf("verdict %q: %v", line, err)
	}
	return ps
}

// randomValue builds a JSON value: often a mutation of one from the pool,
// sometimes a fresh one.
func randomValue(rng *rand.Rand, pool []any, depth int) any {
	if len(pool) > 0 && rng.Intn(3) > 0 && depth == 0 {
		return mutate(rng, pool[rng.Intn(len(pool))], depth)
	}
	switch n := rng.Intn(8); {
	case n == 0 || depth > 2:
		return []any{nil, true, false, "", "a", "foo", json.Number("0"), json.Number("1"), json.Number("-1.5"), json.Number("2.5"), json.Number("10")}[rng.Intn(11)]
	case n <= 2:
		m := map[string]any{}
		for i := rng.Intn(4); i > 0; i-- {
			m[[]string{"foo", "bar", "baz", "a", "b", "c", "quux"}[rng.Intn(7)]] = randomValue(rng, nil, depth+1)
		}
		return m
	case n <= 4:
		a := []any{}
		for i := rng.Intn(4); i > 0; i-- {
			a = append(a, randomValue(rng, nil, depth+1))
		}
		return a
	}
	return randomValue(rng, nil, 3)
}

func mutate(rng *rand.Rand, v any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for _, k := range validate.SortedKeys(x) {
			e := x[k]
			if rng.Intn(5) == 0 {
				continue
			}
			if rng.Intn(4) == 0 {
				e = mutate(rng, e, depth+1)
			}
			m[k] = e
		}
		if rng.Intn(4) == 0 {
			m["quux"] = randomValue(rng, nil, depth+1)
		}
		return m
	case []any:
		a := []any{}
		for _, e := range x {
			if rng.Intn(5) == 0 {
				continue
			}
			a = append(a, e)
		}
		if rng.Intn(3) == 0 {
			a = append(a, randomValue(rng, nil, depth+1))
		}
		return a
	case string:
		return x + []string{"", "x", "é", "1"}[rng.Intn(4)]
	case json.Number:
		return []json.Number{x, "0", "1.5", "-3", "100", "3.0000001"}[rng.Intn(6)]
	}
	return randomValue(rng, nil, depth+1)
}
