package spec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// corpusDir returns ../shared/corpus/<sub> or skips the test when the
// shared corpus is not beside the module.
func corpusDir(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus not found at %s (it sits beside the module in the chanx workspace and in CI): %v", dir, err)
	}
	return dir
}

// corpusDocuments lists the 24 official AsyncAPI 3.0.0 examples, the
// social-media set included.
func corpusDocuments(t testing.TB) []string {
	dir := corpusDir(t, "asyncapi-3.0.0-examples")
	docs, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	social, _ := filepath.Glob(filepath.Join(dir, "social-media", "*", "asyncapi.yaml"))
	docs = append(docs, social...)
	if len(docs) != 24 {
		t.Fatalf("found %d corpus documents in %s, want 24", len(docs), dir)
	}
	return docs
}

// noNetwork is an HTTP client that fails the test if anything is fetched.
func noNetwork(t *testing.T) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected fetch of %s", r.URL)
		return nil, errors.New("no network in this test")
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCorpusValidates(t *testing.T) {
	for _, path := range corpusDocuments(t) {
		name := strings.TrimPrefix(path, filepath.Join("..", "..", "shared", "corpus", "asyncapi-3.0.0-examples")+string(filepath.Separator))
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// The social-media documents share ../common: their root is the
			// corpus folder.
			doc, err := Load(ctx, path, Options{HTTPClient: noNetwork(t), FileRoot: corpusDir(t, "asyncapi-3.0.0-examples")})
			if err != nil {
				t.Fatal(err)
			}
			diags := Validate(ctx, doc)
			if diags.HasErrors() {
				t.Fatalf("errors:\n%v", diags.Err())
			}
			if strings.HasPrefix(name, "adeo-kafka") {
				if len(diags) == 0 {
					t.Fatal("adeo-kafka: want the warning about its Kafka binding key")
				}
				for _, d := range diags {
					if !strings.Contains(d.Pointer, "/bindings/kafka/") {
						t.Errorf("adeo-kafka: warning outside the Kafka bindings: %s", d)
					}
				}
			} else if len(diags) > 0 {
				t.Fatalf("warnings:\n%v", diags)
			}
			// The bundle stands alone and validates the same way.
			data, err := BundleJSON(ctx, doc)
			if err != nil {
				t.Fatal(err)
			}
			single, err := Parse("bundle.json", data, Options{NoRemote: true})
			if err != nil {
				t.Fatal(err)
			}
			if again := Validate(ctx, single); len(again) != len(diags) || again.HasErrors() {
				t.Errorf("the bundle validates differently:\n%v", again)
			}
		})
	}
}

func TestSocialMediaReadsEveryFile(t *testing.T) {
	dir := corpusDir(t, "asyncapi-3.0.0-examples")
	path := filepath.Join(dir, "social-media", "backend", "asyncapi.yaml")
	doc, err := Load(context.Background(), path, Options{NoRemote: true, FileRoot: filepath.Join(dir, "social-media")})
	if err != nil {
		t.Fatal(err)
	}
	if diags := Validate(context.Background(), doc); len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	var got []string
	for _, f := range doc.Files() {
		got = append(got, filepath.ToSlash(f.Location))
	}
	common := filepath.ToSlash(filepath.Join(dir, "social-media", "common"))
	want := []string{filepath.ToSlash(path), common + "/messages.yaml", common + "/parameters.yaml", common + "/schemas.yaml", common + "/servers.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files read (-want +got):\n%s", diff)
	}
}

func TestValidDocuments(t *testing.T) {
	docs, _ := filepath.Glob("testdata/valid/*.yaml")
	more, _ := filepath.Glob("testdata/valid/*.json")
	docs = append(append(docs, more...), "testdata/valid/multi/asyncapi.yaml")
	for _, path := range docs {
		t.Run(filepath.Base(path), func(t *testing.T) {
			// pointer-through-ref.yaml borrows ../broken/refs.
			if got := check(t, path, Options{NoRemote: true, FileRoot: "testdata"}); got != "" {
				t.Fatalf("diagnostics:\n%s", got)
			}
		})
	}
}

func TestJSONIsReadAsJSON(t *testing.T) {
	y, err := Load(context.Background(), "testdata/valid/chat-3.0.0.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := Load(context.Background(), "testdata/valid/chat-3.0.0.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	yv, _ := Value(y.Root.Node)
	jv, _ := Value(j.Root.Node)
	if diff := cmp.Diff(yv, jv); diff != "" {
		t.Errorf("YAML and JSON forms differ (-yaml +json):\n%s", diff)
	}
	title := MapGet(MapGet(j.Root.Node, "info"), "title")
	if got := j.Root.Pos(title).String(); got != "testdata/valid/chat-3.0.0.json:4:12" {
		t.Errorf("position of info.title = %s", got)
	}
	// A JSON file on one line: positions by column, computed in one pass.
	doc, err := Parse("min.json", []byte(`{"asyncapi":"3.0.0","info":{"title":"T","version":"1"},"channels":{"a":{"address":7}}}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	diags := Validate(context.Background(), doc)
	want := `min.json:1:83: channels.a.address: must be null or a string, not a number (at /channels/a/address)`
	if len(diags) != 1 || diags[0].String() != want {
		t.Errorf("got %v, want %s", diags, want)
	}
}

func TestLookupEscapes(t *testing.T) {
	doc, err := Parse("esc.yaml", []byte("a/b:\n  x~y:\n    'c d': 1\nlist: [zero, one]\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for ptr, want := range map[string]string{
		"/a~1b/x~0y/c d":     "1",
		"/a~1b/x~0y/c%20d":   "1",
		"/a%7E1b/x~0y/c%20d": "1",
		"/list/1":            "one",
	} {
		n, err := Lookup(doc.Root.Node, ptr)
		if err != nil || n.Value != want {
			t.Errorf("Lookup(%q) = %v, %v; want %q", ptr, n, err, want)
		}
	}
	for ptr, want := range map[string]string{
		"/a~1b/x~0z": `no key "x~z" at /a~1b (did you mean "x~y"?)`,
		"/list/2":    `no index "2" at /list (it holds 2 items)`,
		"/list/01":   `no index "01" at /list (it holds 2 items)`,
		"a":          `JSON pointer "a" must start with /`,
	} {
		if _, err := Lookup(doc.Root.Node, ptr); err == nil || err.Error() != want {
			t.Errorf("Lookup(%q) error = %v, want %s", ptr, err, want)
		}
	}
}

// remoteDoc is a document whose message comes from url.
func remoteDoc(url string) []byte {
	return []byte(`asyncapi: 3.0.0
info: {title: Remote, version: 1.0.0}
channels:
  room:
    address: /room
    messages:
      chat:
        $ref: '` + url + `'
`)
}

func TestRemoteRefs(t *testing.T) {
	var mu sync.Mutex
	fetched := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetched[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/messages.yaml":
			w.Write([]byte("chat:\n  payload:\n    $ref: './schemas.json#/Chat'\nbad:\n  contentType: 42\n"))
		case "/schemas.json":
			w.Write([]byte(`{"Chat": {"type": "object"}}`))
		case "/big.yaml":
			w.Write([]byte("chat:\n  description: '" + strings.Repeat("x", 4096) + "'\n"))
		case "/slow.yaml":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "/doc.yaml":
			w.Write(remoteDoc("./messages.yaml#/chat"))
		case "/evil.yaml":
			w.Write(remoteDoc("file:///etc/passwd"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	// The test server is on loopback, which remote $refs may reach only
	// when allowed.
	validate := func(data []byte, opts Options) string {
		opts.AllowPrivate = true
		doc, err := Parse("doc.yaml", data, opts)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, d := range Validate(ctx, doc) {
			lines = append(lines, d.String())
		}
		return strings.Join(lines, "\n")
	}

	t.Run("fetched once, relative refs resolve against the URL", func(t *testing.T) {
		if got := validate(remoteDoc(srv.URL+"/messages.yaml#/chat"), Options{}); got != "" {
			t.Fatal(got)
		}
		mu.Lock()
		defer mu.Unlock()
		if fetched["/messages.yaml"] != 1 || fetched["/schemas.json"] != 1 {
			t.Errorf("fetches: %v", fetched)
		}
	})
	t.Run("error inside a remote file is reported there", func(t *testing.T) {
		got := validate(remoteDoc(srv.URL+"/messages.yaml#/bad"), Options{})
		want := srv.URL + `/messages.yaml:5:16: channels.room.messages.chat.contentType: must be a string, not a number (at /bad/contentType)`
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("forbidden", func(t *testing.T) {
		got := validate(remoteDoc(srv.URL+"/schemas.json#/Chat"), Options{NoRemote: true})
		want := `doc.yaml:8:15: $ref "` + srv.URL + `/schemas.json#/Chat": fetch ` + srv.URL + `/schemas.json: remote references are disabled (--no-remote) (at /channels/room/messages/chat/$ref)`
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("size limit", func(t *testing.T) {
		got := validate(remoteDoc(srv.URL+"/big.yaml#/chat"), Options{MaxBytes: 1024})
		if !strings.Contains(got, "response is larger than 1024 bytes") {
			t.Errorf("got %s", got)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		got := validate(remoteDoc(srv.URL+"/slow.yaml#/chat"), Options{Timeout: 100 * time.Millisecond})
		if !strings.Contains(got, "slow.yaml: no complete answer within 100ms, the time each remote $ref may take") {
			t.Errorf("got %s", got)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("the timeout did not stop the fetch (took %v)", d)
		}
	})
	t.Run("not found", func(t *testing.T) {
		got := validate(remoteDoc(srv.URL+"/nope.yaml#/chat"), Options{})
		if !strings.Contains(got, `/nope.yaml: 404 Not Found (at /channels/room/messages/chat/$ref)`) {
			t.Errorf("got %s", got)
		}
	})
	t.Run("document loaded from a URL", func(t *testing.T) {
		// Its own host is allowed although it is loopback: the caller
		// named it.
		doc, err := Load(ctx, srv.URL+"/doc.yaml", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if diags := Validate(ctx, doc); len(diags) > 0 {
			t.Fatal(diags)
		}
		// NoRemote forbids its $refs, not the document named by the caller.
		doc, err = Load(ctx, srv.URL+"/doc.yaml", Options{NoRemote: true})
		if err != nil {
			t.Fatal(err)
		}
		diags := Validate(ctx, doc)
		if len(diags) != 1 || !strings.HasSuffix(diags[0].Message, "messages.yaml: remote references are disabled (--no-remote)") {
			t.Errorf("got %v", diags)
		}
	})
	t.Run("a document from a URL cannot read local files", func(t *testing.T) {
		doc, err := Load(ctx, srv.URL+"/evil.yaml", Options{})
		if err != nil {
			t.Fatal(err)
		}
		diags := Validate(ctx, doc)
		if len(diags) != 1 || !strings.Contains(diags[0].Message, "may only refer to http(s) URLs, not file:") {
			t.Errorf("got %v", diags)
		}
	})
}

func TestFileRoot(t *testing.T) {
	dir := t.TempDir()
	inner := filepath.Join(dir, "api")
	if err := os.MkdirAll(filepath.Join(inner, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "outside.yaml"), []byte("chat:\n  payload: {type: object}\n"), 0o644)
	os.WriteFile(filepath.Join(inner, "sub", "inside.yaml"), []byte("chat:\n  payload: {type: object}\n"), 0o644)
	validate := func(ref string, opts Options) string {
		path := filepath.Join(inner, "asyncapi.yaml")
		os.WriteFile(path, remoteDoc(ref), 0o644)
		doc, err := Load(context.Background(), path, opts)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(Validate(context.Background(), doc))
	}
	if got := validate("./sub/inside.yaml#/chat", Options{}); got != "[]" {
		t.Errorf("a file below the document's folder: %s", got)
	}
	want := `$ref "../outside.yaml#/chat": read ` + filepath.Join(dir, "outside.yaml") + ": the file is outside " + inner + ", the folder local $refs may read (--ref-root DIR widens it)"
	if got := validate("../outside.yaml#/chat", Options{}); !strings.Contains(got, want) {
		t.Errorf("by default a file $ref stays in the document's folder:\ngot  %s\nwant %s", got, want)
	}
	if got := validate("../outside.yaml#/chat", Options{FileRoot: dir}); got != "[]" {
		t.Errorf("FileRoot widens the sandbox: %s", got)
	}
	want = "the file is outside " + filepath.Join(inner, "sub") + ", the folder local $refs may read"
	if got := validate("../outside.yaml#/chat", Options{FileRoot: filepath.Join(inner, "sub")}); !strings.Contains(got, want) {
		t.Errorf("FileRoot narrows it too:\ngot  %s\nwant %s", got, want)
	}
}

func TestBundleJSON(t *testing.T) {
	doc, err := Load(context.Background(), "testdata/valid/multi/asyncapi.yaml", Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := BundleJSON(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	if strings.Contains(string(data), ".yaml") {
		t.Errorf("an external $ref survived:\n%s", data)
	}
	// Keys keep document order; local $refs are kept; the recursive Node
	// schema from schemas.yaml refers to its own first copy.
	for _, want := range []string{
		`{"asyncapi":"3.1.0","info":{"title":"Multi-file chat","version":"1.0.0"},"channels":{"room":{"address":"/ws/chat/{room}"`,
		`"operations":{"receiveChat":{"action":"receive","channel":{"$ref":"#/channels/room"}`,
		`"payload":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/channels/room/messages/treeMessage/payload/properties/payload"}}}}`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("bundle lacks %s:\n%s", want, data)
		}
	}
	// The bundle is itself a valid single-file document.
	single, err := Parse("bundle.json", data, Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	if diags := Validate(context.Background(), single); len(diags) > 0 {
		t.Errorf("the bundle does not validate: %v", diags)
	}
	// A document with a broken $ref has no bundle.
	broken, err := Load(context.Background(), "testdata/broken/dangling-file-ref.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BundleJSON(context.Background(), broken); err == nil || !strings.Contains(err.Error(), `no key "chatMesage"`) {
		t.Errorf("BundleJSON of a dangling $ref: %v", err)
	}
}

// TestSchemaFormatNotFetched: the Avro payload and the Kafka key of
// adeo-kafka point at remote .avsc files; they must not be fetched even when
// remote fetches are allowed.
func TestSchemaFormatNotFetched(t *testing.T) {
	doc, err := Parse("avro.yaml", []byte(`asyncapi: 3.0.0
info: {title: Avro, version: 1.0.0}
channels:
  costing:
    address: costing
    messages:
      request:
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema:
            $ref: 'https://example.invalid/CostingRequest.avsc'
        bindings:
          kafka:
            key:
              $ref: 'https://example.invalid/CostingKey.avsc'
`), Options{HTTPClient: noNetwork(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Validate(context.Background(), doc) {
		if d.Severity == Error {
			t.Errorf("error: %s", d)
		}
	}
	if _, err := BundleJSON(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
}

func TestValidateConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "testdata/broken/misspelled-action.yaml"
			switch i % 3 {
			case 1:
				path = "testdata/broken/schema-3.1.0-error.yaml"
			case 2:
				path = "testdata/broken/unknown-property.yaml" // looks a sub-schema up
			}
			errs <- check(t, path, Options{})
		}()
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		if !strings.Contains(got, "value must be one of") && !strings.Contains(got, "must be at least 0") && !strings.Contains(got, `did you mean "address"?`) {
			t.Errorf("got %s", got)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"comments only":      {"# nothing\n", "x.yaml: the file holds no YAML document, only comments or blank lines"},
		"recursive alias":    {"a: &a [1, *a]\n", `x.yaml:1:11: YAML alias *a refers to a node that contains it: the value would be infinite`},
		"infinity":           {"a: .inf\n", "x.yaml:1:4: .inf is not a number JSON can hold"},
		"complex key":        {"? [a]\n: 1\n", "x.yaml:1:3: a mapping key must be a plain value, not an array"},
		"json trailing data": {`{"a": 1} x`, "x.yaml:1:10: invalid JSON: unexpected data after the top-level value"},
		"json eof":           {`{"a": [1,`, "x.yaml:1:10: invalid JSON: unexpected end of file"},
		"json dup":           {`{"a": 1, "a": 2}`, `x.yaml:1:10: duplicate key "a" (first defined at line 1, column 2)`},
		"nul":                {"a: 1\nb: \x00\n", "x.yaml:2:4: the file is not text (character U+0000 is not allowed in YAML or JSON): is it a binary file?"},
		"non-character":      {"a: \ufffe\n", "x.yaml:1:4: the file is not text (character U+FFFE is not allowed in YAML or JSON): is it a binary file?"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.data), Options{})
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestFileRefEscapes: a file $ref may percent-encode its path, and its
// fragment uses JSON-pointer escapes.
func TestFileRefEscapes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "shared messages.yaml"), []byte("chat/v1:\n  payload: {type: object}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "asyncapi.yaml"), remoteDoc("./shared%20messages.yaml#/chat~1v1"), 0o644)
	doc, err := Load(context.Background(), filepath.Join(dir, "asyncapi.yaml"), Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	if diags := Validate(context.Background(), doc); len(diags) > 0 {
		t.Fatal(diags)
	}
	if files := doc.Files(); len(files) != 2 || filepath.Base(files[1].Location) != "shared messages.yaml" {
		t.Errorf("files: %v", files)
	}
}
