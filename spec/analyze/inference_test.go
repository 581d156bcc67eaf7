package analyze

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/chanxgo/chanx"

// inferenceFields are the ir.Schema fields a tag is inferred from: the
// discriminator keyword and the values a property is pinned to.
var inferenceFields = map[string]bool{"Discriminator": true, "Const": true, "HasConst": true, "Enum": true}

// TestDispatchInferredOnlyHere is the grep-level proof that spec/analyze is
// the one owner of dispatch inference: no function in any other package of
// the module reads the discriminator keyword of an ir.Schema, and none
// reads the const or enum of a property schema it looked up by name or
// walked to through Properties — the two moves every tag inference makes
// (inferTag here; codegen's old discriminator/tagOf, conformance's old
// ConstOf). Codegen and conformance read ir.Channel.Dispatch and
// ir.Schema.Union instead. Reading const or enum of a schema for what it
// is (an enum type, a validator, an example value) is not inference and
// passes.
func TestDispatchInferredOnlyHere(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string][]string{} // dir -> files
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			pkgs[filepath.Dir(path)] = append(pkgs[filepath.Dir(path)], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	imp := &irOnlyImporter{fset: fset, root: root, pkgs: map[string]*types.Package{}}
	var found []string
	for dir, files := range pkgs {
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		if rel == "spec/analyze" || rel == "ir" {
			continue
		}
		var parsed []*ast.File
		for _, f := range files {
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			parsed = append(parsed, af)
		}
		info := &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: imp, Error: func(error) {}}
		conf.Check(module+"/"+rel, fset, parsed, info)
		for _, af := range parsed {
			for _, decl := range af.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				if why := inferenceIn(fn, info); why != "" {
					found = append(found, fset.Position(fn.Pos()).String()[len(root)+1:]+": "+fn.Name.Name+" "+why)
				}
			}
		}
	}
	sort.Strings(found)
	for _, f := range found {
		t.Errorf("%s; read ir.Channel.Dispatch or ir.Schema.Union instead", f)
	}
}

// inferenceIn says how fn infers a tag, "" when it does not.
func inferenceIn(fn *ast.FuncDecl, info *types.Info) string {
	// fromProperty holds the variables fn sets to a property's schema.
	fromProperty := map[types.Object]bool{}
	var isProp func(e ast.Expr) bool
	isProp = func(e ast.Expr) bool {
		switch e := ast.Unparen(e).(type) {
		case *ast.Ident:
			return fromProperty[info.Uses[e]] || fromProperty[info.Defs[e]]
		case *ast.SelectorExpr: // p.Schema of an *ir.Property
			sel := info.Selections[e]
			return sel != nil && e.Sel.Name == "Schema" && isIRType(sel.Recv(), "Property")
		case *ast.CallExpr: // s.Property(name)
			f, ok := e.Fun.(*ast.SelectorExpr)
			if !ok {
				return false
			}
			sel := info.Selections[f]
			return sel != nil && f.Sel.Name == "Property" && isIRType(sel.Recv(), "Schema")
		}
		return false
	}
	var disc, pinned bool
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && isProp(n.Rhs[i]) {
						if o := info.Defs[id]; o != nil {
							fromProperty[o] = true
						} else if o := info.Uses[id]; o != nil {
							fromProperty[o] = true
						}
					}
				}
			}
		case *ast.SelectorExpr:
			sel := info.Selections[n]
			if sel == nil || sel.Kind() != types.FieldVal || !isIRType(sel.Recv(), "Schema") {
				return true
			}
			switch name := n.Sel.Name; {
			case name == "Discriminator":
				disc = true
			case inferenceFields[name] && isProp(n.X):
				pinned = true
			}
		}
		return true
	})
	switch {
	case disc:
		return "reads ir.Schema.Discriminator"
	case pinned:
		return "reads the const or enum of a property's schema"
	}
	return ""
}

func isIRType(t types.Type, name string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == module+"/ir" && n.Obj().Name() == name
}

// irOnlyImporter type-checks the module's ir package from source and
// hands out empty packages for every other import: the test needs the
// types of ir values only, and an unknown name elsewhere is no error here.
type irOnlyImporter struct {
	fset *token.FileSet
	root string
	pkgs map[string]*types.Package
}

func (im *irOnlyImporter) Import(path string) (*types.Package, error) {
	if p, ok := im.pkgs[path]; ok {
		return p, nil
	}
	var p *types.Package
	if path == module+"/ir" {
		dir := filepath.Join(im.root, "ir")
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var files []*ast.File
		for _, e := range entries {
			if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				f, err := parser.ParseFile(im.fset, filepath.Join(dir, n), nil, 0)
				if err != nil {
					return nil, err
				}
				files = append(files, f)
			}
		}
		conf := types.Config{Importer: importer.ForCompiler(im.fset, "source", nil)}
		p, err = conf.Check(path, im.fset, files, nil)
		if err != nil {
			return nil, err
		}
	} else {
		p = types.NewPackage(path, filepath.Base(path))
		p.MarkComplete()
	}
	im.pkgs[path] = p
	return p, nil
}
