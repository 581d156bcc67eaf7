package goapi

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v4"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	goldenfile "github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/ir"
)

func load(t testing.TB, path string) *ir.API { return gentest.Load(t, path) }

// generateBoth generates the server and client packages of the document
// at path into files, under dir/server and dir/client.
func generateBoth(t testing.TB, files map[string][]byte, path, dir string) {
	t.Helper()
	api := load(t, path)
	for _, target := range []struct {
		name string
		gen  func(context.Context, *ir.API, Options) (map[string][]byte, error)
	}{{"server", GenerateServer}, {"client", GenerateClient}} {
		pkg := strings.ReplaceAll(dir, "/", "") + target.name
		out, err := target.gen(context.Background(), api, Options{Package: pkg, Source: filepath.Base(path)})
		if err != nil {
			t.Errorf("%s: %s: %v", path, target.name, err)
			continue
		}
		for name, data := range out {
			files[dir+"/"+target.name+"/"+name] = data
		}
	}
}

// addSides generates the server and client packages of api into files,
// as dir/<server> and dir/<client>, named so the test code beside them
// can import them.
func addSides(t testing.TB, files map[string][]byte, api *ir.API, source, dir, server, client string) {
	t.Helper()
	for _, side := range []struct {
		pkg string
		gen func(context.Context, *ir.API, Options) (map[string][]byte, error)
	}{{server, GenerateServer}, {client, GenerateClient}} {
		out, err := side.gen(context.Background(), api, Options{Package: side.pkg, Source: source})
		if err != nil {
			t.Fatalf("%s: %s: %v", source, side.pkg, err)
		}
		for name, data := range out {
			files[dir+"/"+side.pkg+"/"+name] = data
		}
	}
}

// generateShared generates, under dir, a types package (GenerateTypes) and
// server and client packages that import it (Options.TypesPackage).
func generateShared(t testing.TB, files map[string][]byte, path, dir string) {
	t.Helper()
	api := load(t, path)
	pkg := strings.ReplaceAll(dir, "/", "")
	types := "chanxgen.test/" + dir + "/types"
	for _, target := range []struct {
		name string
		gen  func(context.Context, *ir.API, Options) (map[string][]byte, error)
	}{{"types", GenerateTypes}, {"server", GenerateServer}, {"client", GenerateClient}} {
		opts := Options{Package: pkg + target.name, Source: filepath.Base(path)}
		if target.name != "types" {
			opts.TypesPackage = types
		}
		out, err := target.gen(context.Background(), api, opts)
		if err != nil {
			t.Errorf("%s: shared %s: %v", path, target.name, err)
			continue
		}
		for name, data := range out {
			files[dir+"/"+target.name+"/"+name] = data
		}
	}
}

// corpus lists the documents every generated package must build for: the
// official AsyncAPI 3.0.0 examples (when ../shared is there), documents
// written by Python Chanx servers and 3.1.0 documents.
func corpus(t testing.TB) []string {
	docs := gentest.Corpus(t)
	goldens, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	docs = append(docs, goldens...)
	return append(docs, filepath.Join(gentest.ModuleRoot(t), "examples", "chat", "asyncapi.yaml"))
}

// TestCorpusBuilds generates the server and client packages of every
// corpus document and vets them all in one temporary module, then runs the
// loopback test that drives a generated server with a generated client
// (loopback_test.go) in the same module, so everything compiles once.
func TestCorpusBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages in a temporary module")
	}
	files := map[string][]byte{}
	for i, path := range corpus(t) {
		generateBoth(t, files, path, fmt.Sprintf("doc%d", i))
		if !strings.Contains(path, "asyncapi-3.0.0-examples") {
			// One types package shared by server and client, for chanx's
			// own documents.
			generateShared(t, files, path, fmt.Sprintf("shared%d", i))
		}
	}
	addLoopback(t, files)
	dir, _ := gentest.BuildModule(t, files, "vet", "./...")
	runLoopback(t, dir)
}

// TestGolden generates each focused document under testdata and compares
// the packages with their goldens (all but types.go, which codegen/golang
// owns); -update rewrites them.
func TestGolden(t *testing.T) {
	docs, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if len(docs) == 0 {
		t.Fatal("no golden documents")
	}
	for _, doc := range docs {
		name := strings.TrimSuffix(filepath.Base(doc), ".yaml")
		files := map[string][]byte{}
		generateBoth(t, files, doc, name)
		for file, got := range files {
			if filepath.Base(file) == "types.go" {
				continue // codegen/golang's goldens cover the types
			}
			golden := filepath.Join("testdata", file+".golden")
			goldenfile.Check(t, golden, got)
		}
	}
}

// TestDeterministic: generating the same document twice gives the same
// bytes.
func TestDeterministic(t *testing.T) {
	for _, path := range corpus(t) {
		a, b := map[string][]byte{}, map[string][]byte{}
		generateBoth(t, a, path, "x")
		generateBoth(t, b, path, "x")
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s: a second generation differs:\n%s", path, diff)
		}
	}
}

// TestServerRefusesAmbiguousMessages: a server cannot route messages it
// cannot tell apart; generation names both.
func TestServerRefusesAmbiguousMessages(t *testing.T) {
	api := load(t, filepath.Join("testdata", "errors", "ambiguous.yaml"))
	_, err := GenerateServer(context.Background(), api, Options{})
	want := `goapi: a server cannot route channel "room": received messages "join" and "rejoin" cannot be told apart at run time: both have action "join"`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	// The client only sends them: it generates.
	if _, err := GenerateClient(context.Background(), api, Options{}); err != nil {
		t.Errorf("client: %v", err)
	}
}

func TestRejectsBadPackage(t *testing.T) {
	_, err := GenerateServer(context.Background(), &ir.API{}, Options{Package: "my-api"})
	if err == nil || err.Error() != `goapi: package name "my-api" is not a Go identifier` {
		t.Errorf("got %v", err)
	}
}

// bigAPI is a Chanx-style document with n messages on one channel, each
// received with a reply or sent.
func bigAPI(n int) *ir.API {
	ch := &ir.Channel{Name: "big", Address: "/ws/big/{id}", Parameters: []*ir.Parameter{{Name: "id"}}}
	api := &ir.API{Channels: []*ir.Channel{ch}, Bundled: []byte(`{"asyncapi":"3.0.0"}`)}
	recv := &ir.Dispatch{Action: ir.Receive, Property: "action"}
	send := &ir.Dispatch{Action: ir.Send, Property: "action"}
	for i := range n {
		action := fmt.Sprintf("action_%d", i)
		payload := &ir.Schema{
			Type: []string{"object"},
			Properties: []*ir.Property{
				{Name: "action", Schema: &ir.Schema{Type: []string{"string"}, Const: action, HasConst: true}},
				{Name: "payload", Schema: &ir.Schema{Type: []string{"object"}, Required: []string{"message"}, Properties: []*ir.Property{
					{Name: "message", Schema: &ir.Schema{Type: []string{"string"}}},
				}}},
			},
			Required: []string{"payload"},
		}
		m := &ir.Message{Name: fmt.Sprintf("message_%d", i), Payload: payload}
		api.Messages = append(api.Messages, m)
		ch.Messages = append(ch.Messages, m)
		op := &ir.Operation{Name: fmt.Sprintf("op_%d", i), Channel: ch, Messages: []*ir.Message{m}}
		if i%2 == 0 {
			op.Action = ir.Receive
			recv.Cases = append(recv.Cases, ir.DispatchCase{Value: action, Message: m})
		} else {
			op.Action = ir.Send
			send.Cases = append(send.Cases, ir.DispatchCase{Value: action, Message: m})
			prev := api.Operations[len(api.Operations)-1]
			prev.Reply = &ir.Reply{Messages: []*ir.Message{m}}
		}
		api.Operations = append(api.Operations, op)
	}
	ch.Dispatch = []*ir.Dispatch{recv, send}
	return api
}

// BenchmarkGenerate2000Messages generates the server and the client of a
// 2,000-message document (target: under 2 s for both).
func BenchmarkGenerate2000Messages(b *testing.B) {
	api := bigAPI(2000)
	for b.Loop() {
		srv, err := GenerateServer(context.Background(), api, Options{})
		if err != nil {
			b.Fatal(err)
		}
		cli, err := GenerateClient(context.Background(), api, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(string(srv["server.go"]), "Op1998(ctx context.Context") || !strings.Contains(string(cli["client.go"]), "SendMessage1998(") {
			b.Fatal("missing a method")
		}
	}
}

// TestDocumentYAML: the YAML form of the document holds the same values
// as the JSON, in block style, with strings that would read as something
// else quoted.
func TestDocumentYAML(t *testing.T) {
	bundled := `{"asyncapi":"3.0.0","info":{"title":"t","version":"1"},"x-values":{"a":"true","b":"1","c":"null","d":"x: y","e":"two\nlines","f":["- a","#b"],"g":1.5,"h":null,"i":false}}`
	j, y, err := documents(&ir.API{Bundled: []byte(bundled)})
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(y, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromJSON, fromYAML); diff != "" {
		t.Errorf("YAML differs from JSON (-json +yaml):\n%s\n%s", diff, y)
	}
	if !strings.HasPrefix(string(y), "asyncapi: 3.0.0\ninfo:\n  title: t\n") {
		t.Errorf("not block style:\n%s", y)
	}
}

// TestDeclared: the names read from types.go's tokens are the file's
// top-level declarations, interface types told apart.
func TestDeclared(t *testing.T) {
	src := []byte(`package p

import "fmt"

type A struct {
	B int
	c func() (int, error)
}

type I interface{ M() }

type P *A

type G[T any] []T

type (
	D string
	E = map[string]int
)

const F, F2 = 1, 2

const (
	H D = "h"
	J   = "j" +
		"k"
)

var (
	K = []int{
		1,
	}
	L, L2 = fmt.Sprint(), 0
)

var M = struct{ N int }{N: 1}

func O() {
	var notTopLevel int
	_ = notTopLevel
}

func (a *A) Method() {}
`)
	got, err := declared(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]declKind{"A": declOther, "I": declInterface, "P": declInterface, "G": declInterface, "D": declOther, "E": declOther,
		"F": declOther, "F2": declOther, "H": declOther, "J": declOther, "K": declOther, "L": declOther, "L2": declOther, "M": declOther, "O": declOther}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestServerRefusesStructuralSharedAddress: channels that share an
// address and whose messages are told apart by members (or schema) need
// one route function across them, which the Go server does not build
// yet: gen server refuses naming the channel and the strategy, rather than
// mounting one and losing the other's frames. The client generates.
func TestServerRefusesStructuralSharedAddress(t *testing.T) {
	api := load(t, filepath.Join("testdata", "errors", "shared-members.yaml"))
	_, err := GenerateServer(context.Background(), api, Options{})
	want := `goapi: channel "alpha" shares its address with other channels and its messages are told apart by strategy "members": the Go server routes such channels one to an address only`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if _, err := GenerateClient(context.Background(), api, Options{}); err != nil {
		t.Errorf("client: %v", err)
	}
}
