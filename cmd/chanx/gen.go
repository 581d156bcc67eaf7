package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/aymanbagabas/go-udiff"
	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/codegen"
	"github.com/chanxgo/chanx/codegen/goapi"
	"github.com/chanxgo/chanx/codegen/typescript"
	"github.com/chanxgo/chanx/internal/genheader"
	"github.com/chanxgo/chanx/ir"
)

const genTypesDescription = `Generates one Go package from the AsyncAPI document: a type per message
payload and per named schema (structs, enums with constants, unions for
oneOf/anyOf), each with a Validate method that checks what the Go type
cannot express and reports problems with the loc of chanx error frames.

The output is written to --output, the directory created when missing;
regenerating the same document gives the same bytes. With --check nothing
is written: the command exits 1 and prints a diff when the directory is
stale, for CI. Works from //go:generate:
   //go:generate chanx gen types -s asyncapi.yaml -o ./api

Exit status: 0 done (or up to date), 1 the document has problems or the
output is stale, 2 unusable arguments.`

// genCommand is 'chanx gen types|server|client'.
func genCommand() *cli.Command {
	flags := func() []cli.Flag {
		return append([]cli.Flag{
			&cli.StringFlag{Name: "schema", Aliases: []string{"s"}, Usage: "the AsyncAPI document: a file path or an http(s) URL (required)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the directory to write the package to (required)"},
			&cli.StringFlag{Name: "package", Usage: "the Go package name (default: the output directory's name, made an identifier)"},
			&cli.StringFlag{Name: "formatter", Aliases: []string{"f"}, Usage: "a command that formats Go source from stdin to stdout, e.g. gofumpt (default: go/format, in process); python: a command run on the written .py files, e.g. \"ruff format\" (default: ruff format, else black, when on PATH)"},
			&cli.BoolFlag{Name: "no-format", Usage: "write the code as rendered, without formatting"},
			&cli.BoolFlag{Name: "no-readme", Usage: "do not write README.md (client packages)"},
			&cli.BoolFlag{Name: "clear-output", Usage: "first delete the files in --output that chanx generated"},
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 with a diff when --output is not what generation gives"},
			&cli.BoolFlag{Name: "typed-formats", Usage: "hold date-time strings as time.Time (default: formats stay strings)"},
			&cli.StringFlag{Name: "types-package", Usage: "server, client: the import path of a package 'chanx gen types --shared' wrote for the document; the message types come from it instead of a types.go of their own"},
			&cli.BoolFlag{Name: "shared", Usage: "types: also write messages.go, so server and client packages generated with --types-package share this package's types"},
		}, loadFlags()...)
	}
	sub := []*cli.Command{
		{Name: "types", Usage: "generate the Go types and validators of a document's messages", UsageText: "chanx gen types -s PATH|URL -o DIR [--package NAME] [--check]", Description: genTypesDescription, Flags: flags(), Action: func(c *cli.Context) error { return runGen(c, "types", genTypesTargets) }},
		genServerCommand(flags()),
		genClientCommand(flags()),
	}
	for _, s := range sub {
		s.OnUsageError = usageError
	}
	return &cli.Command{
		Name:        "gen",
		Usage:       "generate Go packages from an AsyncAPI document",
		Subcommands: sub,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return cli.Exit(fmt.Sprintf("chanx gen: unknown target %q (see 'chanx gen --help')", c.Args().First()), 2)
			}
			return cli.ShowSubcommandHelp(c)
		},
	}
}

// genTypesTargets are the languages of 'chanx gen types'.
var genTypesTargets = codegen.NewTargets("types package").Add("go", codegen.TargetFunc(func(ctx context.Context, api *ir.API, o codegen.Options) (map[string][]byte, error) {
	if o.SharedTypes {
		return goapi.GenerateTypes(ctx, api, goapi.Options{Package: o.Package, Source: o.Source, NoFormat: o.NoFormat, TypedFormats: o.TypedFormats, Version: o.Version})
	}
	return codegen.GoTypes.Generate(ctx, api, o)
}))

// runGen is 'chanx gen types|server|client': the document is loaded and
// analyzed, the target chosen by --lang (go where the command has no such
// flag) generates everything in memory, and only then is the output
// formatted and written, or compared with the directory for --check; bad
// input leaves the directory untouched.
func runGen(c *cli.Context, kind string, targets *codegen.Targets) error {
	name := "chanx gen " + kind
	loc, out, err := schemaAndOutput(c, name)
	if err != nil {
		return err
	}
	lang := "go"
	if c.IsSet("lang") {
		lang = c.String("lang")
	}
	target, err := targets.Lookup(lang)
	switch {
	case errors.Is(err, codegen.ErrUnknownLanguage):
		return cli.Exit(fmt.Sprintf("%s: unknown language %q for --lang; want one of %s (see '%s --help')", name, lang, strings.Join(targets.Languages(), ", "), name), 2)
	case errors.Is(err, codegen.ErrNotAvailable):
		return cli.Exit(fmt.Sprintf("%s: %v (see '%s --help')", name, err, name), 2)
	case err != nil:
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), 2)
	}
	// A Python client is written as 'chanx generate-client' writes it
	// (base/ kept, channel folders cleared, the .py files formatted in
	// place); flags of the other language are refused.
	var py pythonClient
	isPython := kind == "client" && lang == "python"
	for _, f := range []struct {
		flag  string
		langs []string
	}{
		{"typed-formats", []string{"go"}},
		{"types-package", []string{"go"}},
		{"override-base", []string{"python", "typescript"}},
		{"no-clear-channels", []string{"python"}},
	} {
		if c.IsSet(f.flag) && !slices.Contains(f.langs, lang) {
			return cli.Exit(fmt.Sprintf("%s: --%s is for --lang %s, not --lang %s (see '%s --help')", name, f.flag, strings.Join(f.langs, " or "), lang, name), 2)
		}
	}
	if isPython {
		if py, err = pythonClientFlags(c, name, out); err != nil {
			return err
		}
	}
	pkg := c.String("package")
	switch {
	case pkg != "":
	case lang == "typescript":
		// The README imports the client by its folder's name.
		pkg = filepath.Base(filepath.Clean(out))
	default:
		pkg = packageName(out)
	}
	api, err := analyzedDocument(c, name, loc)
	if err != nil {
		return err
	}
	formatter := c.String("formatter")
	files, err := target.Generate(c.Context, api, codegen.Options{
		Package:      pkg,
		Source:       sourceName(loc, out),
		NoFormat:     c.Bool("no-format") || formatter != "",
		TypedFormats: c.Bool("typed-formats"),
		NoReadme:     c.Bool("no-readme"),
		TypesPackage: c.String("types-package"),
		SharedTypes:  c.Bool("shared"),
		Version:      buildVersion().Header(),
	})
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), 1)
	}
	if isPython {
		return py.finish(c, files)
	}
	if formatter != "" && !c.Bool("no-format") {
		for _, file := range sortedNames(files) {
			if filepath.Ext(file) != ".go" {
				continue
			}
			formatted, err := runFormatter(c.Context, formatter, files[file])
			if err != nil {
				return cli.Exit(fmt.Sprintf("%s: --formatter %s on %s: %v", name, formatter, file, err), 1)
			}
			files[file] = formatted
		}
	}
	keepsBase := lang == "typescript"
	if keepsBase && !c.Bool("override-base") && !c.Bool("clear-output") {
		// An existing base/ is the user's: --check does not compare it.
		if st, err := os.Stat(filepath.Join(out, typescript.BaseDir)); err == nil && st.IsDir() && c.Bool("check") {
			for name := range files {
				if strings.HasPrefix(name, typescript.BaseDir+"/") {
					delete(files, name)
				}
			}
		}
	}
	if c.Bool("check") {
		stale, report := checkOutput(out, files)
		if stale {
			fmt.Fprint(c.App.Writer, report)
			return cli.Exit(fmt.Sprintf("%s: %s is stale; regenerate it", name, out), 1)
		}
		return nil
	}
	if keepsBase {
		if _, _, err := writeClient(out, files, clientWrite{clearOutput: c.Bool("clear-output"), overrideBase: c.Bool("override-base"),
			keepChannels: true, written: writtenByTypeScript}); err != nil {
			return cli.Exit(fmt.Sprintf("%s: %v", name, err), 1)
		}
		return nil
	}
	if err := writeOutput(out, files, c.Bool("clear-output")); err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), 1)
	}
	return nil
}

// packageName makes the output directory's name a Go package name.
// sourceName is how generated files name the document in their
// "// source:" line: its path relative to the output directory, slashed,
// so that the same document and output give the same bytes whatever
// folder chanx runs from (go generate, a README's commands, CI). When the
// two share no folder but the file system's root (an output in a
// temporary directory), the document's file name alone: a path up to the
// root would name this machine's layout. A URL is kept as given.
func sourceName(loc, out string) string {
	if strings.Contains(loc, "://") {
		return loc
	}
	doc, err1 := filepath.Abs(loc)
	dir, err2 := filepath.Abs(out)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(loc)
	}
	rel, err := filepath.Rel(dir, doc)
	if err != nil || filepath.IsAbs(rel) {
		return filepath.Base(doc)
	}
	// Climbing every folder of dir reaches the root: nothing is shared.
	if up := strings.Count(filepath.ToSlash(rel), "../"); up > 0 && up >= strings.Count(filepath.ToSlash(dir), "/") {
		return filepath.Base(doc)
	}
	return filepath.ToSlash(rel)
}

func packageName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	var b strings.Builder
	for _, r := range strings.ToLower(filepath.Base(abs)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if name == "" || unicode.IsDigit([]rune(name)[0]) {
		return "api"
	}
	return name
}

// runFormatter pipes src through the user's formatter command.
func runFormatter(ctx context.Context, command string, src []byte) ([]byte, error) {
	args := strings.Fields(command)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin = bytes.NewReader(src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// generatedFiles lists, as slash paths relative to dir, the files chanx
// generated in dir and in the folders below it that files (what
// generation gives now) writes into, known by the genheader marker (of any version) on their
// first line in any comment syntax (// in Go and TypeScript, # in
// Python). Other folders are left alone: an output directory may hold
// other packages.
func generatedFiles(dir string, files map[string][]byte) []string {
	folders := map[string]bool{".": true}
	for name := range files {
		folders[path.Dir(name)] = true
	}
	var out []string
	for folder := range folders {
		entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(folder)))
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := path.Join(folder, e.Name())
			if e.Type().IsRegular() && markedGenerated(filepath.Join(dir, filepath.FromSlash(name))) {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// markedGenerated reports whether the file's first line carries the
// generated marker of any chanx version, whatever its language's comment
// syntax.
func markedGenerated(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	line, _, _ := bytes.Cut(head[:n], []byte("\n"))
	return genheader.Generated(string(line))
}

func writeOutput(dir string, files map[string][]byte, clear bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if clear {
		for _, name := range generatedFiles(dir, files) {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
				return fmt.Errorf("clear %s: %w", dir, err)
			}
		}
	}
	for _, name := range sortedNames(files) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}

// checkOutput compares dir with what generation gives: a file that
// differs, is missing, or was generated by chanx but is no longer makes
// the directory stale.
func checkOutput(dir string, files map[string][]byte) (stale bool, report string) {
	return compareOutput(dir, files, generatedFiles(dir, files))
}

// compareOutput is checkOutput with the files chanx generated in dir
// given: each must still be among files.
func compareOutput(dir string, files map[string][]byte, generated []string) (stale bool, report string) {
	var b strings.Builder
	for _, name := range sortedNames(files) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		have, err := os.ReadFile(p)
		if err != nil {
			stale = true
			fmt.Fprintf(&b, "%s: missing\n", p)
			continue
		}
		if !bytes.Equal(have, files[name]) {
			stale = true
			b.WriteString(udiff.Unified(p+" (on disk)", p+" (generated)", string(have), string(files[name])))
		}
	}
	for _, name := range generated {
		if _, ok := files[name]; !ok {
			stale = true
			fmt.Fprintf(&b, "%s: generated by chanx but no longer generated\n", filepath.Join(dir, filepath.FromSlash(name)))
		}
	}
	return stale, b.String()
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
