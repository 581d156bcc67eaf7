// Package schemasuite loads the differential cases that hold other
// validators to the Go target's: every schema of the draft-07
// JSON-Schema-Test-Suite (/work/shared/corpus, beside the repository) and
// of the Go target's typed cases (codegen/golang/testdata/typed) that the
// Go target generates code for, each held in the required member "v" of
// an object as a payload is held in a chanx frame, with the suite's
// instances and seeded mutations of them. GoVerdicts builds the Go
// target's validators for the cases and reports the problems each
// instance gets; Compare holds another validator's verdicts to them.
//
// The TypeScript target's differential test (codegen/typescript) and the
// docs page console's (runtime/apidocs) use it. It is test support,
// linked by no library package.
package schemasuite

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

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/golang"
	"github.com/chanxgo/chanx/internal/tempmod"
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

// Case is one schema of the suite.
type Case struct {
	// Keyword is the suite file's name ("minLength"; "typed-<name>" for
	// the Go target's typed cases), Group the test group's description.
	Keyword, Group string
	// Name is the Go (and TypeScript) type name of the wrapping object.
	Name string
	// JSON is the schema as the suite writes it, Schema as analyzed.
	JSON   json.RawMessage
	Schema *ir.Schema
}

// Instance is one value to validate against a case's schema, held in
// member "v".
type Instance struct {
	Case *Case
	Data json.RawMessage
	What string
}

// Wrapped is c's schema held in the required member "v" of an object, as
// a payload is held in a chanx frame.
func Wrapped(c *Case) *ir.Schema {
	return &ir.Schema{Type: []string{"object"}, Properties: []*ir.Property{{Name: "v", Schema: c.Schema}}, Required: []string{"v"}}
}

// Load reads the suite's cases that the oracle compiles, the analyzer
// reads and the Go target generates alone, and that keep (nil: all)
// accepts, and their instances: the suite's own and seeded mutations of
// them. It skips the test when the suite is missing; skipped counts the
// cases left out.
func Load(t testing.TB, keep func(*Case) bool) (cases []*Case, instances []*Instance, skipped int) {
	t.Helper()
	root := tempmod.ModuleRoot(t)
	dir := filepath.Join(root, "..", "shared", "corpus", "json-schema-test-suite", "draft7")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skipf("the JSON-Schema-Test-Suite is not at %s", dir)
	}
	typed, _ := filepath.Glob(filepath.Join(root, "codegen", "golang", "testdata", "typed", "*.json"))
	files = append(files, typed...)
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
			c := &Case{Keyword: keyword, Group: g.Description, Name: fmt.Sprintf("Case%s%d", golang.ExportedName(keyword), gi+1), JSON: g.Schema, Schema: s}
			if _, _, err := golang.Schemas([]golang.Root{{Name: c.Name, Schema: Wrapped(c)}}, golang.Options{Package: "main"}); err != nil {
				skipped++
				continue
			}
			if keep != nil && !keep(c) {
				continue
			}
			cases = append(cases, c)
			var pool []any
			for _, tc := range g.Tests {
				instances = append(instances, &Instance{Case: c, Data: tc.Data, What: tc.Description})
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
					instances = append(instances, &Instance{Case: c, Data: d, What: "random " + string(d)})
				}
			}
		}
	}
	return cases, instances, skipped
}

// Input is the instances as JSON lines {"Case": name, "Data": {"v": data}},
// what GoVerdicts' program reads.
func Input(instances []*Instance) []byte {
	var input bytes.Buffer
	for _, in := range instances {
		w := append(append([]byte(`{"v":`), in.Data...), '}')
		line, _ := json.Marshal(map[string]any{"Case": in.Case.Name, "Data": json.RawMessage(w)})
		input.Write(line)
		input.WriteByte('\n')
	}
	return input.Bytes()
}

// GoVerdicts generates the Go target's types and validators for cases,
// builds them into a program and returns, for each instance, the JSON of
// its problems (null when valid): decoded with encoding/json and
// validated, as a generated server reads a frame.
func GoVerdicts(t testing.TB, cases []*Case, instances []*Instance) []string {
	t.Helper()
	var roots []golang.Root
	for _, c := range cases {
		roots = append(roots, golang.Root{Name: c.Name, Schema: Wrapped(c)})
	}
	src, _, err := golang.Schemas(roots, golang.Options{Package: "main", Source: "draft7"})
	if err != nil {
		t.Fatal(err)
	}
	var prog bytes.Buffer
	prog.WriteString("package main\n\nimport (\n\t\"bufio\"\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/chanxgo/chanx/runtime/wire\"\n)\n\n")
	prog.WriteString("var cases = map[string]func([]byte) error{\n")
	for _, c := range cases {
		fmt.Fprintf(&prog, "\t%q: func(data []byte) error { var v %s; if err := json.Unmarshal(data, &v); err != nil { return err }; return v.Validate() },\n", c.Name, c.Name)
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
	goDir, _ := tempmod.Build(t, map[string][]byte{"gen.go": src, "main.go": prog.Bytes()}, "build", "-o", "diff.bin", ".")
	cmd := exec.Command(filepath.Join(goDir, "diff.bin"))
	cmd.Stdin = bytes.NewReader(Input(instances))
	goOut, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the Go validators: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(goOut), "\n"), "\n")
}

// Compare holds other's verdicts (the JSON of each instance's problems,
// null or [] when valid, one line each) to the Go ones: valid or invalid
// alike everywhere, and the very problems — types, locations and
// messages, in order. It reports up to 40 verdicts and 20 problem lists
// that differ and logs the tally.
func Compare(t testing.TB, name string, cases []*Case, skipped int, instances []*Instance, goLines, otherLines []string) {
	t.Helper()
	if len(goLines) != len(instances) || len(otherLines) != len(instances) {
		t.Fatalf("%d instances, %d Go verdicts, %d %s verdicts", len(instances), len(goLines), len(otherLines), name)
	}
	failures, locMismatch, same := 0, 0, 0
	for i, in := range instances {
		gp, tp := problems(t, goLines[i]), problems(t, otherLines[i])
		id := in.Case.Keyword + "/" + in.Case.Group + "/" + in.What
		if (len(gp) == 0) != (len(tp) == 0) {
			if failures++; failures <= 40 {
				t.Errorf("%s (%s): Go says valid=%v, %s valid=%v\nGo: %s\n%s: %s", id, in.Case.Name, len(gp) == 0, name, len(tp) == 0, goLines[i], name, otherLines[i])
			}
			continue
		}
		if cmp.Equal(gp, tp) {
			same++
			continue
		}
		if locMismatch++; locMismatch <= 20 {
			t.Errorf("%s (%s): problems differ (-Go +%s):\n%s", id, in.Case.Name, name, cmp.Diff(gp, tp))
		}
	}
	t.Logf("%d schemas (%d not generated by Go), %d instances: %d verdicts differ, %d problem lists differ, %d the very same", len(cases), skipped, len(instances), failures, locMismatch, same)
}

func problems(t testing.TB, line string) []map[string]any {
	t.Helper()
	var ps []map[string]any
	if err := json.Unmarshal([]byte(line), &ps); err != nil {
		t.Fatalf("verdict %q: %v", line, err)
	}
	return ps
}
