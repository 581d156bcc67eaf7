package analyze

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/chanxgo/chanx/spec"
)

// TestBuildSurvivesMutations damages every corpus and testdata document
// in many seeded, reproducible ways — entries deleted, nodes replaced by
// values of the wrong kind, $refs pointed elsewhere — and checks that Build
// never panics and always returns. The official schema would reject most
// of these documents; Build must still cope, since it may run on documents
// that failed validation.
func TestBuildSurvivesMutations(t *testing.T) {
	var paths []string
	if dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus", "asyncapi-3.0.0-examples")); err == nil {
		if _, err := os.Stat(dir); err == nil {
			_, files := corpusFiles(t)
			for _, f := range files {
				paths = append(paths, filepath.Join(dir, f))
			}
		}
	}
	local, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	broken, _ := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	paths = append(append(paths, local...), broken...)
	paths = append(paths, filepath.Join("testdata", "chanx-chat.json"))
	rounds := 30
	if testing.Short() {
		rounds = 5
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for round := range rounds {
			seed := int64(round)*7919 + int64(len(data))
			doc, err := spec.Parse(path, data, spec.Options{NoRemote: true})
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			rng := rand.New(rand.NewSource(seed))
			mutate(rng, doc.Root.Node, 1+rng.Intn(6))
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s seed %d: Build panicked: %v", path, seed, r)
					}
				}()
				Build(context.Background(), doc)
			}()
		}
	}
}

// mutate applies n random changes to the tree under root.
func mutate(rng *rand.Rand, root *yaml.Node, n int) {
	for range n {
		var all []*yaml.Node
		var walk func(*yaml.Node)
		walk = func(x *yaml.Node) {
			all = append(all, x)
			for _, c := range x.Content {
				walk(c)
			}
		}
		walk(root)
		target := all[rng.Intn(len(all))]
		switch rng.Intn(6) {
		case 0: // delete an entry or item
			if len(target.Content) == 0 {
				continue
			}
			if target.Kind == yaml.MappingNode {
				i := rng.Intn(len(target.Content)/2) * 2
				target.Content = append(target.Content[:i], target.Content[i+2:]...)
			} else {
				i := rng.Intn(len(target.Content))
				target.Content = append(target.Content[:i], target.Content[i+1:]...)
			}
		case 1: // a scalar where anything was
			*target = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x", Line: target.Line, Column: target.Column}
		case 2: // null
			*target = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null", Line: target.Line, Column: target.Column}
		case 3: // an empty sequence
			*target = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: target.Line, Column: target.Column}
		case 4: // an empty mapping
			*target = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: target.Line, Column: target.Column}
		case 5: // redirect a $ref
			targets := []string{"#", "#/", "#/channels", "#/components/schemas", "#/info/title", "#/nope", "other.yaml#/x", "#/channels/~1", fmt.Sprintf("#/%d", rng.Intn(3))}
			for _, x := range all {
				if x.Kind == yaml.MappingNode && spec.MapGet(x, "$ref") != nil && rng.Intn(2) == 0 {
					spec.MapGet(x, "$ref").Value = targets[rng.Intn(len(targets))]
					break
				}
			}
		}
	}
}
