package golang

import (
	"bytes"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/wire"
	"github.com/chanxgo/chanx/templates"
)

// Root is a schema that gets a named Go type: a message payload, a named
// schema of the document, a test case.
type Root struct {
	// Name is the wanted Go name; it is made an exported identifier and
	// unique.
	Name   string
	Schema *ir.Schema
	// Doc documents the root's type when its schema has no title or
	// description of its own (a message's summary, say).
	Doc string
}

// Options control generation.
type Options struct {
	// Package is the Go package name of the output. Default "api".
	Package string
	// Source is the schema file named in the "// source:" header line.
	Source string
	// NoFormat skips go/format; the output is still checked to parse.
	NoFormat bool
	// TypedFormats holds date-time strings as time.Time (decoding then
	// checks the format, by RFC 3339 as package time reads it). Default:
	// formats stay strings, checked by the oracle's rules.
	TypedFormats bool
}

// RootType tells, for each root, the Go type chanx declared for it.
type RootType struct {
	Root     string // the Root's Name
	Type     string // the Go type
	IsStruct bool   // Validate has a pointer receiver
}

// Schemas renders the Go types and validators for roots (and everything
// they reach) as one gofmt'ed file. It is a pure function of its input:
// the same roots give the same bytes.
func Schemas(roots []Root, opts Options) ([]byte, []RootType, error) {
	b := newBuilder()
	b.typedFormats = opts.TypedFormats
	b.reserve(roots)
	var types []RootType
	for _, r := range roots {
		t := b.root(r)
		types = append(types, RootType{Root: r.Name, Type: t.Name, IsStruct: t.PtrRecv})
	}
	if len(b.errs) > 0 {
		return nil, nil, fmt.Errorf("golang: %s", strings.Join(b.errs, "; "))
	}
	m := b.model(opts)
	src, err := render("schemas.go.tmpl", m, !opts.NoFormat)
	if err != nil {
		return nil, nil, err
	}
	return src, types, nil
}

type builder struct {
	ns      *namespace
	shapes  *shape.Set
	reps    map[*shape.Shape]*rep
	types   []*namedType
	funcs   map[funcKey]*checkFunc
	order   []*checkFunc
	vars    []*pkgVar
	varIdx  map[string]string
	imports map[string]bool
	errs    []string
	// reserved holds the Go names set aside for named schemas.
	reserved     map[*ir.Schema]string
	typedFormats bool
}

func newBuilder() *builder {
	return &builder{
		ns:       newNamespace(),
		shapes:   shape.NewSet(),
		reps:     map[*shape.Shape]*rep{},
		funcs:    map[funcKey]*checkFunc{},
		varIdx:   map[string]string{},
		imports:  map[string]bool{},
		reserved: map[*ir.Schema]string{},
	}
}

func (b *builder) errorf(s *ir.Schema, format string, args ...any) {
	where := s.Pointer
	if !s.Pos.IsZero() {
		where = s.Pos.String()
	}
	b.errs = append(b.errs, where+": "+fmt.Sprintf(format, args...))
}

// addVar declares a package variable once per distinct value.
func (b *builder) addVar(kind, value string) string {
	if name, ok := b.varIdx[kind+"\x00"+value]; ok {
		return name
	}
	name := "chanx" + kind + strconv.Itoa(len(b.vars)+1)
	b.vars = append(b.vars, &pkgVar{Name: name, Value: value})
	b.varIdx[kind+"\x00"+value] = name
	return name
}

// root declares the named type of a root schema: its own struct, union or
// enum when it has one, otherwise a defined type over its representation,
// or a box around a JSON value (Go allows no methods on interface types).
func (b *builder) root(r Root) *namedType {
	want := exportedName(r.Name)
	s := r.Schema
	sh := b.shapes.Of(s)
	rep := b.repOf(sh, want)
	if rep.named != nil && rep.kind != repPtr && rep.named.owner == s {
		t := rep.named
		if r.Doc != "" && s.Description == "" {
			t.Doc = rootDoc(t.Name, r.Doc)
		}
		b.finishNamed(t)
		return t
	}
	name := b.ns.take(want, "Root")
	t := &namedType{Name: name, Kind: "defined", Doc: docLines(name, sh)}
	if r.Doc != "" && s.Description == "" {
		t.Doc = rootDoc(name, r.Doc)
	}
	// A root has no enclosing struct to notice nulls inside it.
	if rep.kind == repAny || rep.kind == repPtr || nullLost(rep) {
		t.Kind = "box"
		rep = anyRep
	}
	t.rep = rep
	t.Underlying = rep.goType()
	t.Check = b.check(s, rep)
	t.CheckArg = "x.Value"
	if t.Kind == "defined" {
		t.CheckArg = rep.goType() + "(x)"
		if rep.byPointer() {
			t.CheckArg = "(" + rep.param() + ")(x)"
			t.PtrRecv = true
		}
	}
	b.declare(t)
	return t
}

// rootDoc is a type's doc comment taken from its root (a message).
func rootDoc(name, doc string) []string {
	lines := strings.Split(name+": "+strings.TrimSpace(doc), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t\r")
	}
	return lines
}

func (b *builder) finishNamed(t *namedType) {
	if t.Check != "" {
		return
	}
	t.Check = b.check(t.owner, t.rep)
	switch t.Kind {
	case "struct", "union":
		t.PtrRecv = true
		t.CheckArg = "x"
	default:
		t.CheckArg = "x"
	}
}

func (b *builder) model(opts Options) *fileModel {
	// Every struct, union and enum gets a Validate method, roots or not.
	for i := 0; i < len(b.types); i++ {
		t := b.types[i]
		if t.Kind != "defined" && t.owner != nil {
			b.finishNamed(t)
		}
	}
	b.prune()
	markEncoders(b.types)
	pkg := opts.Package
	if pkg == "" {
		pkg = "api"
	}
	m := &fileModel{Source: opts.Source, Package: pkg, Types: b.types, Funcs: b.order, Vars: b.vars}
	imports := map[string]bool{"github.com/chanxgo/chanx/runtime/validate": true}
	for k := range b.imports {
		imports[k] = true
	}
	for _, t := range b.types {
		if t.Kind == "union" || t.Kind == "box" {
			imports["encoding/json"] = true
		}
	}
	for _, imp := range sortedStrings(imports) {
		if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			m.Imports = append(m.Imports, imp)
		} else {
			m.Std = append(m.Std, imp)
		}
	}
	return m
}

// render executes the file template and formats the result; when the
// output is not valid Go the error shows the numbered source, so the
// template bug is findable. A large file is formatted in pieces, in
// parallel: its check functions are independent declarations, which gofmt
// formats the same alone as in the whole file.
func render(name string, m *fileModel, gofmt bool) ([]byte, error) {
	t, err := template.New(name).Funcs(funcs).ParseFS(templates.Go, "go/"+name)
	if err != nil {
		return nil, fmt.Errorf("golang: parse templates: %w", err)
	}
	if !gofmt || len(m.Funcs) < parallelFormatFuncs {
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, m); err != nil {
			return nil, fmt.Errorf("golang: render %s: %w", name, err)
		}
		return formatPiece(name, buf.Bytes(), gofmt)
	}
	// The pieces, in file order: the header, the types, the variables,
	// the functions.
	type piece struct {
		tmpl string
		data any
	}
	head := *m
	head.Types, head.Vars, head.Funcs = nil, nil, nil
	pieces := []piece{{name, &head}}
	n := (len(m.Types) + parallelFormatPieces - 1) / parallelFormatPieces
	for i := 0; i < len(m.Types); i += n {
		pieces = append(pieces, piece{"types", m.Types[i:min(i+n, len(m.Types))]})
	}
	pieces = append(pieces, piece{"vars", m.Vars})
	n = (len(m.Funcs) + parallelFormatPieces - 1) / parallelFormatPieces
	for i := 0; i < len(m.Funcs); i += n {
		pieces = append(pieces, piece{"funcs", m.Funcs[i:min(i+n, len(m.Funcs))]})
	}
	out := make([][]byte, len(pieces))
	errs := make([]error, len(pieces))
	var wg sync.WaitGroup
	for i, pc := range pieces {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			if err := t.ExecuteTemplate(&buf, pc.tmpl, pc.data); err != nil {
				errs[i] = fmt.Errorf("golang: render %s: %w", name, err)
				return
			}
			if len(bytes.TrimSpace(buf.Bytes())) == 0 {
				return
			}
			out[i], errs[i] = formatPiece(name, buf.Bytes(), true)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var all bytes.Buffer
	for _, o := range out {
		if o = bytes.Trim(o, "\n"); len(o) == 0 {
			continue
		}
		if all.Len() > 0 {
			all.WriteByte('\n')
		}
		all.Write(o)
		all.WriteByte('\n')
	}
	return all.Bytes(), nil
}

// Formatting in pieces pays off from this many check functions on, split
// into this many pieces.
const (
	parallelFormatFuncs  = 400
	parallelFormatPieces = 8
)

// formatPiece formats (or, without gofmt, only parses) rendered source: a
// whole file, or a list of declarations.
func formatPiece(name string, src []byte, gofmt bool) ([]byte, error) {
	out, err := FormatSource(name, src, gofmt)
	if err != nil {
		return nil, fmt.Errorf("golang: %w", err)
	}
	return out, nil
}

// FormatSource formats generated Go source with go/format, or with gofmt
// false only checks that it parses. When it does not, the error shows the
// numbered source, so the template bug behind it is findable. Every Go
// target of codegen formats through it.
func FormatSource(name string, src []byte, gofmt bool) ([]byte, error) {
	if !gofmt {
		if _, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution); err != nil {
			return nil, fmt.Errorf("generated code for %s does not parse: %w\n%s", name, err, numbered(src))
		}
		return src, nil
	}
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("generated code for %s does not parse: %w\n%s", name, err, numbered(src))
	}
	return out, nil
}

func numbered(src []byte) string {
	var b strings.Builder
	for i, line := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%5d  %s\n", i+1, line)
	}
	return b.String()
}

var funcs = template.FuncMap{
	"join":    strings.Join,
	"problem": problemArgs,
}

// problemArgs renders the type and message of a problem whose message is
// fixed, from the wire registry, as the arguments of Problems.Add.
func problemArgs(typ string) (string, error) {
	for _, k := range wire.ProblemKinds {
		if k.Type == typ && !strings.Contains(k.Template, "{") {
			return strconv.Quote(k.Type) + ", " + strconv.Quote(k.Template), nil
		}
	}
	return "", fmt.Errorf("no fixed-message problem type %q in the wire registry", typ)
}
