package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chanxgo/chanx/codegen"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// generateDoc loads, validates, analyzes and generates one document, as
// `chanx gen` does minus the disk writes.
func generateDoc(ctx context.Context, doc *spec.Document) error {
	if diags := spec.Validate(ctx, doc); diags.HasErrors() {
		return diags.Err()
	}
	api, diags := analyze.Build(ctx, doc)
	if diags.HasErrors() {
		return diags.Err()
	}
	_, err := codegen.Generate(ctx, api, codegen.Options{Package: "api"})
	return err
}

// codegenCorpus times generating the 24 official AsyncAPI examples, read
// from ../shared/corpus.
func codegenCorpus(ctx context.Context, _ servers, _ config) (figure, error) {
	dir, err := repoDir("../shared/corpus/asyncapi-3.0.0-examples")
	if err != nil {
		return figure{}, fmt.Errorf("the AsyncAPI corpus is in ../shared/corpus (absent here): %w", err)
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return figure{}, err
	}
	social, _ := filepath.Glob(filepath.Join(dir, "social-media", "*", "asyncapi.yaml"))
	files = append(files, social...)
	start := time.Now()
	for _, f := range files {
		// The corpus folder is the $ref root: social-media shares ../common.
		doc, err := spec.Load(ctx, f, spec.Options{NoRemote: true, FileRoot: dir})
		if err == nil {
			err = generateDoc(ctx, doc)
		}
		if err != nil {
			return figure{}, fmt.Errorf("%s: %w", f, err)
		}
	}
	return figure{value: time.Since(start).Seconds() * 1000}, nil
}

// codegenLarge times generating a synthetic document of 2,000 messages
// (200 channels of 10 Chanx-style frames each).
func codegenLarge(ctx context.Context, _ servers, _ config) (figure, error) {
	src := largeDocument(200, 10)
	start := time.Now()
	doc, err := spec.Parse("large.yaml", src, spec.Options{NoRemote: true})
	if err == nil {
		err = generateDoc(ctx, doc)
	}
	if err != nil {
		return figure{}, err
	}
	return figure{value: time.Since(start).Seconds() * 1000}, nil
}

func largeDocument(channels, perChannel int) []byte {
	var b strings.Builder
	b.WriteString("asyncapi: 3.0.0\ninfo:\n  title: large\n  version: 1.0.0\nchannels:\n")
	for c := range channels {
		fmt.Fprintf(&b, "  room%d:\n    address: /ws/room%d/{id}\n    parameters:\n      id:\n        description: id\n    messages:\n", c, c)
		for m := range perChannel {
			fmt.Fprintf(&b, "      m%d_%d:\n        $ref: '#/components/messages/m%d_%d'\n", c, m, c, m)
		}
	}
	b.WriteString("operations:\n")
	for c := range channels {
		fmt.Fprintf(&b, "  recv%d:\n    action: receive\n    channel:\n      $ref: '#/channels/room%d'\n", c, c)
	}
	b.WriteString("components:\n  messages:\n")
	for c := range channels {
		for m := range perChannel {
			fmt.Fprintf(&b, `    m%d_%d:
      payload:
        type: object
        required: [action, payload]
        properties:
          action: {type: string, const: m%d_%d}
          payload:
            type: object
            required: [text]
            properties:
              text: {type: string, minLength: 1, maxLength: 2000}
              count: {type: integer, minimum: 0}
              tags: {type: array, items: {type: string}, maxItems: 10}
              kind: {type: string, enum: [a, b, c]}
`, c, m, c, m)
		}
	}
	return []byte(b.String())
}
