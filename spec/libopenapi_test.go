package spec

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi/index"
	"go.yaml.in/yaml/v4"
)

// TestResolutionAgreesWithLibopenapi uses libopenapi's rolodex, which
// indexes AsyncAPI documents correctly but does not fit as chanx's resolver
// (see the comment at the top of bundle.go), as an independent oracle: for
// every $ref it finds in every file of a multi-file document, our Resolve
// must land on the same file, line and column.
func TestResolutionAgreesWithLibopenapi(t *testing.T) {
	docs := []string{"testdata/valid/multi/asyncapi.yaml"}
	if dir := filepath.Join("..", "..", "shared", "corpus", "asyncapi-3.0.0-examples", "social-media"); dirExists(dir) {
		m, _ := filepath.Glob(filepath.Join(dir, "*", "asyncapi.yaml"))
		docs = append(docs, m...)
	}
	for _, path := range docs {
		t.Run(path, func(t *testing.T) {
			abs, err := filepath.Abs(path)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			// The set's folder is the root, so ../common is inside.
			doc, err := Load(ctx, abs, Options{NoRemote: true, FileRoot: filepath.Dir(filepath.Dir(abs))})
			if err != nil {
				t.Fatal(err)
			}
			if diags := Validate(ctx, doc); diags.HasErrors() {
				t.Fatal(diags.Err())
			}
			files := map[string]*File{}
			for _, f := range doc.Files() {
				files[f.Location] = f
			}

			base := filepath.Dir(filepath.Dir(abs)) // the set's folder, so ../common is inside
			cfg := index.CreateClosedAPIIndexConfig()
			cfg.BasePath = filepath.Dir(abs)
			cfg.SpecAbsolutePath = abs
			cfg.AllowFileLookup = true
			rolo := index.NewRolodex(cfg)
			rolo.SetRootNode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc.Root.Node}})
			lfs, err := index.NewLocalFSWithConfig(&index.LocalFSConfig{BaseDirectory: base, IndexConfig: cfg})
			if err != nil {
				t.Fatal(err)
			}
			rolo.AddLocalFS(base, lfs)
			_ = rolo.IndexTheRolodex(ctx) // recursive schemas are reported as circular; not an error here

			checked := 0
			for _, idx := range append([]*index.SpecIndex{rolo.GetRootIndex()}, rolo.GetIndexes()...) {
				src := idx.GetSpecAbsolutePath()
				if filepath.Dir(src) == filepath.Dir(abs) && filepath.Base(src) == "root.yaml" {
					src = abs // the rolodex names the root node it was given root.yaml
				}
				from := files[src]
				if from == nil {
					t.Errorf("libopenapi indexed %s, which Validate never read", src)
					continue
				}
				for _, ref := range idx.GetRawReferencesSequenced() {
					mapped := idx.GetMappedReferences()[ref.FullDefinition]
					if mapped == nil || mapped.Node == nil {
						continue
					}
					tf, tn, err := doc.Resolve(ctx, from, ref.RawRef)
					if err != nil {
						t.Errorf("%s: $ref %q: libopenapi resolves it, we fail: %v", src, ref.RawRef, err)
						continue
					}
					wantFile, _, _ := strings.Cut(mapped.FullDefinition, "#")
					if wantFile == filepath.Join(filepath.Dir(abs), "root.yaml") {
						wantFile = abs
					}
					got := fmt.Sprintf("%s:%d:%d", tf.Location, tn.Line, tn.Column)
					want := fmt.Sprintf("%s:%d:%d", wantFile, mapped.Node.Line, mapped.Node.Column)
					if got != want {
						t.Errorf("%s: $ref %q: we resolve to %s, libopenapi to %s", src, ref.RawRef, got, want)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("libopenapi found no $refs to compare")
			}
		})
	}
}
