package goapi

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"sort"
	"strings"
	"unicode"

	"github.com/chanxgo/chanx/internal/genheader"
	"github.com/chanxgo/chanx/ir"
)

// sharedModel is what shared.go.tmpl renders: the declarations of a
// shared types package beyond types.go.
type sharedModel struct {
	Source, Package string
	Wraps           []*wrapModel
	ReplyIfaces     []*ifaceModel
	Incomings       []*incomingIface
	Markers         []*markerModel
}

// incomingIface is a client channel's sealed interface of the messages
// the server sends on it.
type incomingIface struct {
	Name, Method, Channel string
	Types                 []string
}

// aliasModel is what aliases.go.tmpl renders: a side package's names for
// the shared package's declarations.
type aliasModel struct {
	Source, Package string
	Alias, Path     string
	Types, Consts   []string
}

// GenerateTypes returns the files of a types package that the server and
// client packages of api share when generated with Options.TypesPackage
// naming it: types.go (the message types and validators, as a server or
// client package holds them) and messages.go, which declares what both
// sides refer to beside the types — the raw-JSON types of messages without
// a payload schema, the server's reply interfaces and the client's
// incoming-message interfaces with their marker methods. A program that is
// both server and client then sees one type per message.
func GenerateTypes(ctx context.Context, api *ir.API, opts Options) (map[string][]byte, error) {
	opts.TypesPackage = ""
	files, gs, err := start(ctx, api, opts)
	if err != nil {
		return nil, err
	}
	_, gc, err := start(ctx, api, opts)
	if err != nil {
		return nil, err
	}
	srv, cli := gs.serverModel(), gc.clientModel()
	m := &sharedModel{Source: opts.Source, Package: gs.opts.Package, ReplyIfaces: srv.ReplyIfaces}
	for _, msg := range gs.wraps {
		m.Wraps = append(m.Wraps, &wrapModel{Name: gs.msgType[msg], Message: msg.Name})
	}
	for _, c := range cli.Channels {
		in := &incomingIface{Name: c.Incoming, Method: c.IncomingMark, Channel: c.Name}
		for _, i := range c.Incomings {
			in.Types = append(in.Types, "*"+i.Type)
		}
		m.Incomings = append(m.Incomings, in)
	}
	m.Markers = append(append(m.Markers, srv.Markers...), cli.Markers...)
	sort.SliceStable(m.Markers, func(i, j int) bool {
		return m.Markers[i].Method+m.Markers[i].Type < m.Markers[j].Method+m.Markers[j].Type
	})
	// Each side named its declarations apart from types.go's; here they
	// meet, so they must be apart from each other too.
	seen := map[string]string{}
	for _, w := range m.Wraps {
		seen[w.Name] = "a message type"
	}
	claim := func(name, what string) error {
		if prev, dup := seen[name]; dup {
			return fmt.Errorf("goapi: types package: %s %s has the name of %s; generate server and client packages with their own types instead", what, name, prev)
		}
		seen[name] = what
		return nil
	}
	for _, i := range m.ReplyIfaces {
		if err := claim(i.Name, "the server's reply interface"); err != nil {
			return nil, err
		}
	}
	for _, i := range m.Incomings {
		if err := claim(i.Name, "the client's incoming-message interface"); err != nil {
			return nil, err
		}
	}
	src, err := render("shared.go.tmpl", m, !opts.NoFormat)
	if err != nil {
		return nil, err
	}
	files["messages.go"] = src
	genheader.StampAll(files, opts.Version)
	return files, nil
}

// aliases renders a side package's types.go when it shares a types
// package: an alias for every exported type and constant of the shared
// types.go, and for what GenerateTypes declares beside it (named in
// extra). Every message type must be exported to be shared.
func (g *gen) aliases(typesSrc []byte, extra []string) ([]byte, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "types.go", typesSrc, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("goapi: types.go: %w", err)
	}
	m := &aliasModel{Source: g.opts.Source, Package: g.opts.Package, Path: g.opts.TypesPackage, Alias: importName(g.opts.TypesPackage)}
	if g.ns.used[m.Alias] {
		return nil, fmt.Errorf("goapi: --types-package %s: its import name %q is also a name this package declares", m.Path, m.Alias)
	}
	exported := map[string]bool{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range gd.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if s.Name.IsExported() {
					m.Types = append(m.Types, s.Name.Name)
					exported[s.Name.Name] = true
				}
			case *ast.ValueSpec:
				if gd.Tok != token.CONST {
					continue
				}
				for _, n := range s.Names {
					if n.IsExported() {
						m.Consts = append(m.Consts, n.Name)
					}
				}
			}
		}
	}
	for _, t := range g.msgType {
		if !exported[t] && !token.IsExported(t) {
			return nil, fmt.Errorf("goapi: --types-package %s: message type %s is not exported, so no other package can refer to it", m.Path, t)
		}
	}
	m.Types = append(m.Types, extra...)
	sort.Strings(m.Types)
	sort.Strings(m.Consts)
	return render("aliases.go.tmpl", m, !g.opts.NoFormat)
}

// importName is the identifier a package is imported under: its path's
// last element, made an identifier.
func importName(importPath string) string {
	var b strings.Builder
	for _, r := range path.Base(importPath) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if name == "" || unicode.IsDigit([]rune(name)[0]) || token.IsKeyword(name) {
		name = "types" + name
	}
	return name
}
