package golang

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/validate/oracle"
	"github.com/chanxgo/chanx/runtime/wire"
	"github.com/chanxgo/chanx/spec/analyze"
)

// suiteGroup is one schema of the JSON-Schema-Test-Suite with its tests.
type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

type diffCase struct {
	keyword string // the test-suite file
	group   string
	name    string // Go type name
	oracle  *oracle.Schema
	schema  *ir.Schema
}

type diffInstance struct {
	c     *diffCase
	data  json.RawMessage
	what  string
	valid bool // the oracle's verdict
	suite bool // from the test suite (else random)
}

// knownDivergence lists instances where generated code and the oracle
// disagree by design, each with the reason. Nothing else may differ.
// randomSchemas is how many seeded random schemas join the suite's.
const randomSchemas = 150

var knownDivergence = map[string]string{}

// TestDifferentialJSONSchemaSuite generates validators for every schema of
// the draft-07 JSON-Schema-Test-Suite (required tests), builds them into
// one program and runs every test instance, and seeded random instances,
// through both the generated code and santhosh-tekuri/jsonschema. They must
// agree on valid or invalid. Each schema is held in a property of an
// object, as a payload is in a chanx frame.
func TestDifferentialJSONSchemaSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program; skipped in -short")
	}
	dir := filepath.Join(gentest.ModuleRoot(t), "..", "shared", "corpus", "json-schema-test-suite", "draft7")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skipf("the JSON-Schema-Test-Suite is not at %s", dir)
	}
	// Our own cases, in the suite's format, for the typed paths (structs,
	// unions, enums, nullable fields) the suite's mostly untyped schemas
	// do not reach.
	typed, _ := filepath.Glob(filepath.Join("testdata", "typed", "*.json"))
	files = append(files, typed...)
	var cases []*diffCase
	var instances []*diffInstance
	skipped := map[string][]string{}
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
			oracle, err := oracle.Compile(g.Schema)
			if err != nil {
				skipped[keyword] = append(skipped[keyword], g.Description+": oracle: "+err.Error())
				continue
			}
			s, err := analyze.SchemaFromJSON(context.Background(), keyword+".json", g.Schema)
			if err != nil {
				skipped[keyword] = append(skipped[keyword], g.Description+": "+firstLine(err.Error()))
				continue
			}
			c := &diffCase{keyword: keyword, group: g.Description, name: fmt.Sprintf("Case%s%d", exportedName(keyword), gi+1), oracle: oracle, schema: s}
			// Check the schema generates on its own, so that one bad
			// schema does not take the rest down.
			if _, _, err := Schemas([]Root{wrapRoot(c)}, Options{Package: "main"}); err != nil {
				skipped[keyword] = append(skipped[keyword], g.Description+": "+firstLine(err.Error()))
				continue
			}
			cases = append(cases, c)
			for _, tc := range g.Tests {
				instances = append(instances, &diffInstance{c: c, data: tc.Data, what: tc.Description, valid: tc.Valid, suite: true})
			}
		}
	}
	// Seeded random schemas, with instances built for them.
	// CHANX_RANDOM_SCHEMAS=n,seed explores further than the default.
	count, seed := randomSchemas, int64(11)
	if env := os.Getenv("CHANX_RANDOM_SCHEMAS"); env != "" {
		if _, err := fmt.Sscanf(env, "%d,%d", &count, &seed); err != nil {
			t.Fatalf("CHANX_RANDOM_SCHEMAS=%q: want n,seed: %v", env, err)
		}
	}
	gen := &schemaGen{rng: rand.New(rand.NewSource(seed))}
	for i := 0; i < count; i++ {
		gen.defs = map[string]any{}
		root := gen.schema(0)
		if len(gen.defs) > 0 {
			root["definitions"] = gen.defs
		}
		data, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		oracle, err := oracle.Compile(data)
		if err != nil {
			t.Fatalf("random schema %d: %v\n%s", i, err, data)
		}
		s, err := analyze.SchemaFromJSON(context.Background(), "random.json", data)
		if err != nil {
			t.Fatalf("random schema %d: %v\n%s", i, err, data)
		}
		c := &diffCase{keyword: "random-schemas", group: string(data), name: fmt.Sprintf("Random%d", i), oracle: oracle, schema: s}
		if _, _, err := Schemas([]Root{wrapRoot(c)}, Options{Package: "main"}); err != nil {
			t.Fatalf("random schema %d: %v\n%s", i, err, data)
		}
		cases = append(cases, c)
		for j := 0; j < 30; j++ {
			v := gen.instance(root, 0)
			d, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			instances = append(instances, &diffInstance{c: c, data: d, what: "instance " + string(d),
				valid: oracle.Valid(validate.MustJSON(string(d)))})
		}
	}
	// The test suite's own verdicts must be the oracle's, or the oracle is
	// not one.
	for _, in := range instances {
		if !in.suite {
			continue
		}
		if got := in.c.oracle.Valid(validate.MustJSON(string(in.data))); got != in.valid {
			t.Errorf("oracle disagrees with the test suite on %s/%s/%s", in.c.keyword, in.c.group, in.what)
		}
	}
	// Seeded random instances for the suite's schemas: mutations of the suite's data and values
	// built from the schema's literals.
	rng := rand.New(rand.NewSource(7))
	suiteCount := len(instances)
	for _, c := range cases {
		if c.keyword == "random-schemas" {
			continue
		}
		var pool []any
		for _, in := range instances[:suiteCount] {
			if in.c == c {
				pool = append(pool, validate.MustJSON(string(in.data)))
			}
		}
		n := 12
		if strings.HasPrefix(c.keyword, "typed-") {
			n = 200
		}
		for i := 0; i < n; i++ {
			v := randomValue(rng, pool, 0)
			data, err := json.Marshal(v)
			if err != nil {
				continue
			}
			instances = append(instances, &diffInstance{c: c, data: data, what: "random " + string(data),
				valid: c.oracle.Valid(validate.MustJSON(string(data)))})
		}
	}

	roots := make([]Root, len(cases))
	for i, c := range cases {
		roots[i] = wrapRoot(c)
	}
	src, _, err := Schemas(roots, Options{Package: "main", Source: "draft7"})
	if err != nil {
		t.Fatal(err)
	}
	var prog bytes.Buffer
	prog.WriteString("package main\n\nimport (\n\t\"bufio\"\n\t\"encoding/json\"\n\t\"errors\"\n\t\"fmt\"\n\t\"os\"\n\t\"sort\"\n\n\t\"github.com/chanxgo/chanx/runtime/wire\"\n)\n\n")
	prog.WriteString("var cases = map[string]func([]byte) ([]byte, error){\n")
	for _, c := range cases {
		fmt.Fprintf(&prog, "\t%q: func(data []byte) ([]byte, error) { var v, w %s; err := json.Unmarshal(data, &v); direct(data, &w, err); if err != nil { return nil, err }; err = v.Validate(); same(data, err, w.Validate()); if err != nil { return nil, err }; return json.Marshal(v) },\n", c.name, c.name)
	}
	// A verdict line is 1, or 0 and the problems' locs, so that where the
	// problems are can be compared too.
	prog.WriteString(`}

// direct decodes data by calling UnmarshalJSON itself, as a caller
// skipping json.Unmarshal would: it must accept and reject the same.
func direct(data []byte, w any, err error) {
	u, ok := w.(json.Unmarshaler)
	if !ok {
		return
	}
	derr := u.UnmarshalJSON(data)
	if (err == nil) != (derr == nil) {
		panic(fmt.Sprintf("%s: json.Unmarshal: %v; UnmarshalJSON: %v", data, err, derr))
	}
}

func same(data []byte, a, b error) {
	if fmt.Sprint(a) != fmt.Sprint(b) {
		panic(fmt.Sprintf("%s: decoded through json.Unmarshal: %v; through UnmarshalJSON: %v", data, a, b))
	}
}

func verdict(again []byte, err error) string {
	if err == nil {
		return "1 " + string(again)
	}
	var ve *wire.ValidationError
	if !errors.As(err, &ve) {
		return "0 decode"
	}
	var locs []string
	for _, p := range ve.Problems {
		locs = append(locs, wire.LocString(p.Loc))
	}
	sort.Strings(locs)
	b, _ := json.Marshal(locs)
	return "0 " + string(b)
}
`)
	prog.WriteString("\nfunc main() {\n\tin := bufio.NewScanner(os.Stdin)\n\tin.Buffer(nil, 1<<24)\n\tfor in.Scan() {\n")
	prog.WriteString("\t\tvar line struct{ Case string; Data json.RawMessage }\n\t\tif err := json.Unmarshal(in.Bytes(), &line); err != nil {\n\t\t\tpanic(err)\n\t\t}\n")
	prog.WriteString("\t\tfmt.Println(verdict(cases[line.Case](line.Data)))\n\t}\n}\n")
	dir, _ = gentest.BuildModule(t, map[string][]byte{"gen.go": src, "main.go": prog.Bytes()}, "build", "-o", "diff.bin", ".")

	var input bytes.Buffer
	for _, in := range instances {
		wrapped := append(append([]byte(`{"v":`), in.data...), '}')
		line, _ := json.Marshal(map[string]any{"Case": in.c.name, "Data": json.RawMessage(wrapped)})
		input.Write(line)
		input.WriteByte('\n')
	}
	cmd := exec.Command(filepath.Join(dir, "diff.bin"))
	cmd.Stdin = &input
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the generated validators: %v", err)
	}
	verdicts := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	// A valid value, encoded again by its Go type, is still valid: what
	// chanx accepts it can send back.
	var echoes int
	for i, v := range verdicts {
		again, ok := strings.CutPrefix(v, "1 ")
		if !ok {
			continue
		}
		verdicts[i] = "1"
		var wrapped struct{ V json.RawMessage }
		if err := json.Unmarshal([]byte(again), &wrapped); err != nil {
			t.Fatalf("%s: re-encoded %s: %v", instances[i].c.name, again, err)
		}
		echoes++
		if !instances[i].c.oracle.Valid(validate.MustJSON(string(wrapped.V))) {
			t.Errorf("%s/%s: valid, but encoded again it is not: %s", instances[i].c.group, instances[i].what, wrapped.V)
		}
	}
	t.Logf("%d valid values encoded again and still valid", echoes)
	if len(verdicts) != len(instances) {
		t.Fatalf("got %d verdicts for %d instances", len(verdicts), len(instances))
	}
	type tally struct{ suite, suiteOK, random, randomOK, known, valid int }
	per := map[string]*tally{}
	failures := 0
	for i, in := range instances {
		k := per[in.c.keyword]
		if k == nil {
			k = &tally{}
			per[in.c.keyword] = k
		}
		got := verdicts[i] == "1"
		if in.valid {
			k.valid++
		}
		if !got && !in.valid && (strings.HasPrefix(in.c.keyword, "typed-") || in.c.keyword == "random-schemas") {
			locsAgree(t, in, strings.TrimPrefix(verdicts[i], "0 "))
		}
		id := in.c.keyword + "/" + in.c.group + "/" + in.what
		agree := got == in.valid
		if in.suite {
			k.suite++
		} else {
			k.random++
		}
		if agree {
			if in.suite {
				k.suiteOK++
			} else {
				k.randomOK++
			}
			continue
		}
		if _, ok := knownDivergence[id]; ok {
			k.known++
			continue
		}
		if failures++; failures <= 40 {
			t.Errorf("%s (%s): generated says valid=%v, oracle says valid=%v", id, in.c.name, got, in.valid)
		}
	}
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := per[k]
		t.Logf("%-24s suite %3d/%3d  random %4d/%4d  (valid %4d)  known divergences %d", k, p.suiteOK, p.suite, p.randomOK, p.random, p.valid, p.known)
	}
	for k, reasons := range skipped {
		for _, r := range reasons {
			t.Logf("not generated: %s: %s", k, r)
		}
	}
}

// locsAgree checks, for an invalid instance of our typed cases, that the
// generated validator reports problems at the places the oracle does,
// where the oracle names a place (not for a failed union as a whole).
func locsAgree(t *testing.T, in *diffInstance, got string) {
	t.Helper()
	if got == "decode" {
		return
	}
	problems := in.c.oracle.ValidateAt([]any{"v"}, validate.MustJSON(string(in.data)))
	seen := map[string]bool{}
	var want []string
	for _, p := range problems {
		if p.Type == wire.ProblemUnion || p.Type == wire.ProblemNot {
			return
		}
		if l := wire.LocString(p.Loc); !seen[l] {
			seen[l] = true
			want = append(want, l)
		}
	}
	sort.Strings(want)
	var gotLocs []string
	if err := json.Unmarshal([]byte(got), &gotLocs); err != nil {
		t.Fatalf("verdict %q: %v", got, err)
	}
	gotSet := map[string]bool{}
	for _, l := range gotLocs {
		gotSet[l] = true
	}
	var gotList []string
	for l := range gotSet {
		gotList = append(gotList, l)
	}
	sort.Strings(gotList)
	// Every place the oracle names is named; a place named beyond those is
	// an ancestor of one (a null element read as zero can make a slice
	// look non-unique, next to the null itself).
	ok := true
	for _, w := range want {
		ok = ok && gotSet[w]
	}
	for _, g := range gotList {
		ancestor := slices.Contains(want, g)
		for _, w := range want {
			ancestor = ancestor || strings.HasPrefix(w, g+".") || strings.HasPrefix(w, g+"[")
		}
		ok = ok && ancestor
	}
	if !ok {
		t.Errorf("%s/%s: problems at %v, the oracle's at %v", in.c.group, in.what, gotList, want)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// wrapRoot holds the case's schema in the required property "v" of an
// object.
func wrapRoot(c *diffCase) Root {
	return Root{Name: c.name, Schema: &ir.Schema{
		Type:       []string{"object"},
		Properties: []*ir.Property{{Name: "v", Schema: c.schema}},
		Required:   []string{"v"},
	}}
}

// randomValue builds a JSON value: often a mutation of one from the pool,
// sometimes a fresh one.
func randomValue(rng *rand.Rand, pool []any, depth int) any {
	if len(pool) > 0 && rng.Intn(3) > 0 && depth == 0 {
		return mutate(rng, pool[rng.Intn(len(pool))], pool, depth)
	}
	switch n := rng.Intn(8); {
	case n == 0 || depth > 2:
		return []any{nil, true, false, "", "a", "foo", json.Number("0"), json.Number("1"), json.Number("-1.5"), json.Number("2.5"), json.Number("10")}[rng.Intn(11)]
	case n <= 2:
		m := map[string]any{}
		for i := rng.Intn(4); i > 0; i-- {
			m[[]string{"foo", "bar", "baz", "a", "b", "c", "quux"}[rng.Intn(7)]] = randomValue(rng, pool, depth+1)
		}
		return m
	case n <= 4:
		a := []any{}
		for i := rng.Intn(4); i > 0; i-- {
			a = append(a, randomValue(rng, pool, depth+1))
		}
		return a
	default:
		return randomValue(rng, nil, 3)
	}
}

func mutate(rng *rand.Rand, v any, pool []any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		// In key order: the same seed must give the same instances.
		for _, k := range validate.SortedKeys(x) {
			e := x[k]
			if rng.Intn(5) == 0 {
				continue
			}
			if rng.Intn(4) == 0 {
				e = randomValue(rng, nil, depth+1)
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
