package typescript

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/nodetest"
)

// strictConfig is the tsconfig every generated client must pass: --strict
// and the stricter flags careful projects turn on, with the ES library
// alone (the runtime needs no DOM and no Node types).
const strictConfig = `{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "target": "es2022",
    "module": "es2022",
    "moduleResolution": "bundler",
    "lib": ["es2022"],
    "types": [],
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "noImplicitOverride": true,
    "noUnusedLocals": true,
    "noUnusedParameters": true,
    "noFallthroughCasesInSwitch": true
  },
  "include": ["*/**/*.ts"]
}
`

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for n, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// corpusClients generates a client for every corpus document (and this
// package's own feature document) into root, one folder each, and
// returns the folders.
func corpusClients(t *testing.T, root string) []string {
	t.Helper()
	docs := append(gentest.Corpus(t), filepath.Join("testdata", "features.yaml"), filepath.Join("testdata", "clash.yaml"), filepath.Join("testdata", "empty.yaml"),
		assistantDoc(t), filepath.Join(filepath.Dir(assistantDoc(t)), "cancelreply.yaml"))
	var dirs []string
	for i, doc := range docs {
		rel := strings.TrimSuffix(filepath.Base(doc), filepath.Ext(doc))
		if rel == "asyncapi" {
			rel = filepath.Base(filepath.Dir(filepath.Dir(doc))) + "_" + filepath.Base(filepath.Dir(doc))
		}
		dir := "c" + strconv.Itoa(i) + "_" + strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(rel), "_"), "_")
		api := gentest.Load(t, doc)
		files, err := Generate(context.Background(), api, Options{Package: dir, Source: filepath.Base(doc)})
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		writeFiles(t, filepath.Join(root, dir), files)
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	return dirs
}

// TestCorpusCompiles: the client generated for every corpus document —
// the AsyncAPI 3.0.0 examples when ../shared holds them, Chanx's own
// documents, the 3.1.0 documents of spec/analyze's tests,
// testdata/features.yaml and goapi's streaming assistant.yaml and
// cancelreply.yaml — passes tsc --strict (with the stricter flags) in one
// run over all of them, and esbuild bundles each one.
func TestCorpusCompiles(t *testing.T) {
	tools := nodetest.Require(t)
	root := t.TempDir()
	dirs := corpusClients(t, root)
	if err := os.WriteFile(filepath.Join(root, "tsconfig.json"), []byte(strictConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	tools.LinkModules(t, root)
	tools.Run(t, root, 5*time.Minute, tools.Tsc(), "-p", "tsconfig.json")
	args := []string{"--bundle", "--format=esm", "--log-level=warning", "--outdir=out"}
	for _, d := range dirs {
		args = append(args, d+"/index.ts")
	}
	tools.Run(t, root, 2*time.Minute, tools.Esbuild(), args...)
	t.Logf("%d generated clients pass tsc --strict and esbuild", len(dirs))
}

// TestGeneratedNamesNeverClash: in a document whose messages, schemas,
// members and channels are named like what the target declares (a client
// class, a channel's unions and constants, the runtime's exports, the
// modules), messages keep their names where the runtime does not own
// them, and every module gets a name of its own.
func TestGeneratedNamesNeverClash(t *testing.T) {
	api := gentest.Load(t, filepath.Join("testdata", "clash.yaml"))
	files, err := Generate(context.Background(), api, Options{})
	if err != nil {
		t.Fatal(err)
	}
	types := string(files["types.ts"])
	for _, want := range []string{"export interface ChatClient {", "export interface ChatIncoming {", "export interface ChatParams {",
		"export interface Connection2 {", "export interface ServerError2 {", "export interface Record_ {", "export interface Promise_ {",
		"export type ChatIncoming2 =", "export interface ChatParams2 {"} {
		if !strings.Contains(types, want) {
			t.Errorf("types.ts has no %q", want)
		}
	}
	for _, want := range []string{"chat.ts", "typesChannel.ts", "indexChannel.ts"} {
		if _, ok := files[want]; !ok {
			t.Errorf("no module %s", want)
		}
	}
	if !strings.Contains(string(files["chat.ts"]), "export class ChatClient2 extends Connection<") {
		t.Errorf("chat.ts:\n%s", files["chat.ts"])
	}
}
