package goapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/scanner"
	"go/token"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v4"

	"github.com/chanxgo/chanx/codegen"
	"github.com/chanxgo/chanx/codegen/golang"
	"github.com/chanxgo/chanx/codegen/plan"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/templates"
)

// Options control generation. The zero value is usable.
type Options struct {
	// Package is the Go package name of the output. Default "api".
	Package string
	// Source is the document named in each file's "// source:" line.
	// Default: none.
	Source string
	// NoFormat skips go/format (the output is still checked to parse).
	NoFormat bool
	// TypedFormats holds date-time strings as time.Time in types.go.
	TypedFormats bool
	// NoReadme leaves README.md out of a client package.
	NoReadme bool
	// TypesPackage, when set, is the import path of a package
	// GenerateTypes wrote for the same document: the server or client
	// package then declares no message types of its own and its types.go
	// holds aliases of that package's, so a program that is both server
	// and client sees one type per message. Default: the package declares
	// its own.
	TypesPackage string
}

// GenerateServer returns the files of a server package for api:
// types.go, server.go and the document it embeds (asyncapi.json and
// asyncapi.yaml). It fails when a channel's received messages cannot be
// told apart, naming both, since the server could not route them.
func GenerateServer(ctx context.Context, api *ir.API, opts Options) (map[string][]byte, error) {
	if api != nil {
		for _, cp := range plan.Build(api).Channels {
			if cp.Server.Ambiguous != "" {
				return nil, fmt.Errorf("goapi: a server cannot route %s", cp.Server.Ambiguous)
			}
			if err := implemented(cp, cp.Server); err != nil {
				return nil, err
			}
			if err := topicRoutable(cp, cp.Server); err != nil {
				return nil, err
			}
			if err := followable(cp); err != nil {
				return nil, err
			}
		}
	}
	files, g, err := start(ctx, api, opts)
	if err != nil {
		return nil, err
	}
	m := g.serverModel()
	if err := g.share(files, m, replyNames(m)); err != nil {
		return nil, err
	}
	src, err := render("server.go.tmpl", m, !opts.NoFormat)
	if err != nil {
		return nil, err
	}
	files["server.go"] = src
	docJSON, docYAML, err := documents(api)
	if err != nil {
		return nil, err
	}
	files["asyncapi.json"], files["asyncapi.yaml"] = docJSON, docYAML
	return files, nil
}

// GenerateClient returns the files of a client package for api: types.go,
// client.go and, unless opts.NoReadme, README.md. Messages a client
// receives that share a discriminator value (or have none) are told apart
// at run time by trying each: exactly one must decode and validate.
func GenerateClient(ctx context.Context, api *ir.API, opts Options) (map[string][]byte, error) {
	if api != nil {
		for _, cp := range plan.Build(api).Channels {
			if err := implemented(cp, cp.Client); err != nil {
				return nil, err
			}
			if err := topicRoutable(cp, cp.Client); err != nil {
				return nil, err
			}
			if err := followable(cp); err != nil {
				return nil, err
			}
		}
	}
	files, g, err := start(ctx, api, opts)
	if err != nil {
		return nil, err
	}
	m := g.clientModel()
	var incoming []string
	for _, c := range m.Channels {
		incoming = append(incoming, c.Incoming)
	}
	if err := g.share(files, m, incoming); err != nil {
		return nil, err
	}
	src, err := render("client.go.tmpl", m, !opts.NoFormat)
	if err != nil {
		return nil, err
	}
	files["client.go"] = src
	if !opts.NoReadme {
		readme, err := render("readme.md.tmpl", m, false)
		if err != nil {
			return nil, err
		}
		files["README.md"] = readme
	}
	return files, nil
}

// implemented refuses a channel whose dispatch strategy the Go target does
// not route by.
func implemented(cp *plan.Channel, side *plan.Side) error {
	switch side.Strategy {
	case ir.StrategyNone, ir.StrategyConst, ir.StrategyDiscriminator, ir.StrategyEnum:
		return nil
	case ir.StrategyMembers, ir.StrategySchema:
		if side.Role == plan.Server && len(cp.Together) > 1 {
			return fmt.Errorf("goapi: channel %q shares its address with other channels and its messages are told apart by strategy %q: the Go server routes such channels one to an address only", cp.Name, side.Strategy)
		}
		return nil
	}
	return fmt.Errorf("goapi: channel %q: the Go %s cannot route messages told apart by strategy %q", cp.Name, side.Role, side.Strategy)
}

// topicRoutable refuses a topic channel a message of which has no
// discriminator value: the runtime routes a topic's frames, and the
// client its pushes, by that value only.
func topicRoutable(cp *plan.Channel, side *plan.Side) error {
	t := cp.Topic
	if t == nil {
		return nil
	}
	for _, r := range side.Receives {
		if r.Value == "" {
			return fmt.Errorf("%s: channel %q: x-topic %q: message %q has no discriminator value: the Go %s routes a topic's messages by it (give its payload a const %q property)", t.Pos, cp.Name, t.Name, r.Message.Name, side.Role, firstOf(side.Key, "action"))
		}
	}
	return nil
}

// followable refuses a channel whose x-chanx-stream or x-chanx-cancels
// cannot be followed (plan.Receive.Problem), at the operation.
func followable(cp *plan.Channel) error {
	for _, r := range cp.Server.Receives {
		if r.Problem != "" {
			return fmt.Errorf("%s: operation %q: %s", r.Operation.Pos, r.Operation.Name, r.Problem)
		}
	}
	return nil
}

// share turns a side package into one that refers to the shared types
// package of Options.TypesPackage: types.go becomes aliases, and what the
// shared package declares (raw-JSON message types, the interfaces named
// in ifaces and their marker methods) is left out of m.
func (g *gen) share(files map[string][]byte, m *fileModel, ifaces []string) error {
	if g.opts.TypesPackage == "" {
		return nil
	}
	extra := append([]string(nil), ifaces...)
	for _, msg := range g.wraps {
		extra = append(extra, g.msgType[msg])
	}
	src, err := g.aliases(files["types.go"], extra)
	if err != nil {
		return err
	}
	files["types.go"] = src
	m.Shared, m.TypesPackage, m.Wraps, m.ReplyIfaces, m.Markers = true, g.opts.TypesPackage, nil, nil, nil
	return nil
}

func replyNames(m *fileModel) []string {
	var out []string
	for _, i := range m.ReplyIfaces {
		out = append(out, i.Name)
	}
	return out
}

// start generates types.go and prepares the naming of everything else
// around the names it declared.
func start(ctx context.Context, api *ir.API, opts Options) (map[string][]byte, *gen, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("goapi: %w", err)
	}
	if api == nil {
		return nil, nil, errors.New("goapi: no API to generate")
	}
	if opts.Package == "" {
		opts.Package = "api"
	}
	if !token.IsIdentifier(opts.Package) || token.IsKeyword(opts.Package) {
		return nil, nil, fmt.Errorf("goapi: package name %q is not a Go identifier", opts.Package)
	}
	roots := codegen.Roots(api)
	src, types, err := golang.Schemas(roots, golang.Options{Package: opts.Package, Source: opts.Source, NoFormat: opts.NoFormat, TypedFormats: opts.TypedFormats})
	if err != nil {
		return nil, nil, fmt.Errorf("goapi: %w", err)
	}
	decls, err := declared(src)
	if err != nil {
		return nil, nil, fmt.Errorf("goapi: types.go: %w", err)
	}
	g := &gen{api: api, plan: plan.Build(api), opts: opts, ns: newNamespace(), msgType: map[*ir.Message]string{}}
	for name := range decls {
		g.ns.reserve(name)
	}
	// A message's Go type is its payload root's; a message without a
	// payload (or whose type cannot carry methods) is kept as raw JSON in
	// a struct of its own, declared beside the handlers.
	for i, r := range roots {
		for _, msg := range api.Messages {
			if msg.Payload != nil && msg.Payload == r.Schema && msg.Name == r.Name && i < len(types) {
				if kind, ok := decls[types[i].Type]; ok && kind != declInterface {
					g.msgType[msg] = types[i].Type
				}
			}
		}
	}
	for _, msg := range api.Messages {
		if _, ok := g.msgType[msg]; !ok {
			g.msgType[msg] = g.ns.take(goName(msg.Name, "Message") + "Message")
			g.wraps = append(g.wraps, msg)
		}
	}
	return map[string][]byte{"types.go": src}, g, nil
}

type declKind int

const (
	declOther declKind = iota
	declInterface
)

// declared lists the top-level names of a Go file, telling interface types
// apart (they cannot carry the marker methods of sealed interfaces). It
// reads tokens rather than building a syntax tree: types.go can be large,
// and only its declarations' names matter here.
func declared(src []byte) (map[string]declKind, error) {
	file := token.NewFileSet().AddFile("types.go", -1, len(src))
	var s scanner.Scanner
	var errs []string
	s.Init(file, src, func(pos token.Position, msg string) { errs = append(errs, pos.String()+": "+msg) }, 0)
	out := map[string]declKind{}
	var (
		depth      int         // nesting of (), [] and {}
		group      token.Token // the keyword of the open var/const/type group
		groupDepth = -1        // the depth inside that group's parenthesis
		lineStart  = true
	)
	scan := func() (token.Token, string) {
		_, tok, lit := s.Scan()
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth < groupDepth {
				group, groupDepth = 0, -1
			}
		}
		return tok, lit
	}
	// names reads the names a spec of kw declares, starting at tok.
	names := func(kw, tok token.Token, lit string) {
		for tok == token.IDENT {
			kind := declOther
			tok2, _ := scan()
			if kw == token.TYPE && (tok2 == token.INTERFACE || tok2 == token.MUL || tok2 == token.LBRACK) {
				kind = declInterface
			}
			out[lit] = kind
			if kw == token.TYPE || tok2 != token.COMMA {
				return
			}
			tok, lit = scan()
		}
	}
	for {
		tok, lit := scan()
		if tok == token.EOF {
			break
		}
		switch {
		case tok == token.SEMICOLON:
			lineStart = true
			continue
		case depth == 0 && (tok == token.TYPE || tok == token.VAR || tok == token.CONST):
			tok2, lit2 := scan()
			if tok2 == token.LPAREN {
				group, groupDepth = tok, depth
				lineStart = true
				continue
			} else {
				names(tok, tok2, lit2)
			}
		case depth == 0 && tok == token.FUNC:
			if tok2, lit2 := scan(); tok2 == token.IDENT {
				out[lit2] = declOther
			}
		case tok == token.IDENT && group != 0 && lineStart && depth == groupDepth:
			names(group, tok, lit)
		}
		lineStart = false
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return out, nil
}

// documents renders the document as the server serves it: JSON with every
// external $ref inlined, indented, and the same tree as YAML.
func documents(api *ir.API) (docJSON, docYAML []byte, err error) {
	if len(api.Bundled) == 0 {
		return nil, nil, errors.New("goapi: the document could not be bundled into one JSON value (does it have problems?)")
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, api.Bundled, "", "  "); err != nil {
		return nil, nil, fmt.Errorf("goapi: bundled document: %w", err)
	}
	buf.WriteByte('\n')
	var n yaml.Node
	if err := yaml.Unmarshal(api.Bundled, &n); err != nil {
		return nil, nil, fmt.Errorf("goapi: bundled document as YAML: %w", err)
	}
	blockStyle(&n)
	var y bytes.Buffer
	enc := yaml.NewEncoder(&y)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, nil, fmt.Errorf("goapi: encode YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, nil, fmt.Errorf("goapi: encode YAML: %w", err)
	}
	return buf.Bytes(), y.Bytes(), nil
}

// blockStyle clears the flow style JSON input leaves on every node, so the
// YAML reads like a hand-written document; strings that need quotes keep
// them.
func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && n.Tag == "!!str" {
			n.Style = 0
			// Let the encoder quote what would otherwise read as
			// another type or break the syntax.
		} else {
			n.Style &^= yaml.FlowStyle
		}
	} else {
		n.Style &^= yaml.FlowStyle
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// render executes a template of the Go target over a view model and, for
// Go files, formats the result; when the output is not valid Go the error
// shows the numbered source, so the template bug is findable.
func render(name string, m any, goSource bool) ([]byte, error) {
	t, err := template.New(name).ParseFS(templates.Go, "go/"+name)
	if err != nil {
		return nil, fmt.Errorf("goapi: parse template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, m); err != nil {
		return nil, fmt.Errorf("goapi: render %s: %w", name, err)
	}
	if !strings.HasSuffix(name, ".go.tmpl") {
		return buf.Bytes(), nil
	}
	out, err := golang.FormatSource(name, buf.Bytes(), goSource)
	if err != nil {
		return nil, fmt.Errorf("goapi: %w", err)
	}
	return out, nil
}
