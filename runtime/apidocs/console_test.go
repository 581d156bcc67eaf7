package apidocs_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/nodetest"
	"github.com/chanxgo/chanx/internal/schemasuite"
	"github.com/chanxgo/chanx/templates"
)

// consoleWorkspace is a folder holding the console's TypeScript sources
// (web/*.ts) with the TypeScript client runtime they import as base/
// (templates/typescript/base), and js/node_modules linked.
func consoleWorkspace(t *testing.T, tools *nodetest.Tools) string {
	t.Helper()
	dir := t.TempDir()
	base, err := fs.Sub(templates.TypeScriptBase, "typescript/base")
	if err != nil {
		t.Fatal(err)
	}
	copyTree(t, base, filepath.Join(dir, "base"))
	srcs, _ := filepath.Glob(filepath.Join("web", "*.ts"))
	for _, src := range srcs {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, filepath.Base(src)), data)
	}
	tools.LinkModules(t, dir)
	return dir
}

// TestConsoleAgreesWithGo runs the console's validator (web/schema.ts,
// bundled with the TypeScript client runtime) under Node on every
// JSON-Schema-Test-Suite case the Go target generates code for — the
// cases and instances of the TypeScript target's differential test
// (internal/schemasuite), each schema held in member "v" of a frame — and
// holds its problems to the Go target's validators': valid or invalid
// alike, and the same problem lists (types, locations, messages, in
// order).
func TestConsoleAgreesWithGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program and runs Node")
	}
	tools := nodetest.Require(t)
	cases, instances, skipped := schemasuite.Load(t, nil)
	goLines := schemasuite.GoVerdicts(t, cases, instances)

	dir := consoleWorkspace(t, tools)
	schemas := map[string]json.RawMessage{}
	for _, c := range cases {
		schemas[c.Name] = c.JSON
	}
	table, err := json.Marshal(schemas)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cases.json"), table)
	writeFile(t, filepath.Join(dir, "input.jsonl"), schemasuite.Input(instances))
	writeFile(t, filepath.Join(dir, "main.ts"), []byte(`import { readFileSync } from "node:fs";
import { parseJSON } from "./json.js";
import { Validator, type Schema } from "./schema.js";

const { value, literals } = parseJSON(readFileSync("cases.json", "utf8"));
const cases = value as Record<string, Schema>;
const out: string[] = [];
for (const line of readFileSync("input.jsonl", "utf8").split("\n")) {
  if (line === "") continue;
  const { Case, Data } = JSON.parse(line) as { Case: string; Data: unknown };
  const schema = cases[Case]!;
  // The frame holds the case's schema in member v; its $refs point into
  // the case's schema.
  const frame: Schema = { type: "object", properties: { v: schema }, required: ["v"] };
  const ps = new Validator(schema, literals).validate(frame, Data, Case);
  out.push(JSON.stringify(ps.length === 0 ? null : ps));
}
process.stdout.write(out.join("\n") + "\n");
`))
	tools.Run(t, dir, 2*time.Minute, tools.Esbuild(), "main.ts", "--bundle", "--format=esm", "--platform=node", "--log-level=warning", "--outfile=main.mjs")
	jsOut := tools.Run(t, dir, 5*time.Minute, tools.Node, "main.mjs")
	jsLines := strings.Split(strings.TrimSuffix(jsOut, "\n"), "\n")
	schemasuite.Compare(t, "console", cases, skipped, instances, goLines, jsLines)
}

// copyTree copies the files of src into dst.
func copyTree(t *testing.T, src fs.FS, dst string) {
	t.Helper()
	err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, path)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(src, path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy into %s: %v", dst, err)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
