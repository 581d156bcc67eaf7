package codegen

import (
	"context"
	"fmt"
	"go/token"

	"github.com/chanxgo/chanx/codegen/golang"
	"github.com/chanxgo/chanx/ir"
)

// Options control Generate. The zero value is usable.
type Options struct {
	// Package is the Go package name of the output. Default "api".
	Package string
	// Source is the document path written in each file's "// source:"
	// line. Default: none.
	Source string
	// NoFormat skips go/format (the output still has to parse).
	NoFormat bool
	// TypedFormats holds date-time strings as time.Time instead of string
	// (Go targets).
	TypedFormats bool
	// NoReadme leaves out the README.md a client package gets.
	NoReadme bool
	// TypesPackage, for server and client packages, is the import path of
	// a shared types package (SharedTypes) to take the message types
	// from instead of declaring them. Default: they declare their own.
	TypesPackage string
	// SharedTypes, for a types package, also declares what server and
	// client packages generated with TypesPackage naming it need beside
	// the types (goapi.GenerateTypes).
	SharedTypes bool
}

// Generate turns an API into the Go files of one package: today types.go,
// holding a type per message payload and per named schema, with their
// validators. It is a pure function: it never touches the disk, and the
// same API and options give the same bytes.
func Generate(ctx context.Context, api *ir.API, opts Options) (map[string][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	if opts.Package == "" {
		opts.Package = "api"
	}
	if !token.IsIdentifier(opts.Package) {
		return nil, fmt.Errorf("codegen: package name %q is not a Go identifier", opts.Package)
	}
	src, _, err := golang.Schemas(Roots(api), golang.Options{Package: opts.Package, Source: opts.Source, NoFormat: opts.NoFormat, TypedFormats: opts.TypedFormats})
	if err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	return map[string][]byte{"types.go": src}, nil
}

// Roots lists the schemas of an API that get named Go types: every
// message payload (named after the message) and headers, then every named
// schema of components.schemas. A schema reached twice gets one type.
func Roots(api *ir.API) []golang.Root {
	var roots []golang.Root
	for _, m := range api.Messages {
		doc := m.Description
		if doc == "" {
			doc = m.Summary
		}
		if doc == "" {
			doc = m.Title
		}
		if m.Payload != nil {
			roots = append(roots, golang.Root{Name: m.Name, Schema: m.Payload, Doc: doc})
		}
		if m.Headers != nil {
			roots = append(roots, golang.Root{Name: m.Name + "Headers", Schema: m.Headers, Doc: "the headers of " + m.Name + "."})
		}
	}
	for _, s := range api.Schemas {
		roots = append(roots, golang.Root{Name: s.Name, Schema: s})
	}
	return roots
}
