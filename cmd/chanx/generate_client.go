package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/codegen/python"
	"github.com/chanxgo/chanx/internal/genheader"
)

const generateClientDescription = `Generates a Python client package from the AsyncAPI document, as Python
Chanx's 'chanx generate-client' does and with its flags: Pydantic v2 models
of every message, and per channel a module with its client class
(<Channel>Client, over the runtime in base/), IncomingMessage and
OutgoingMessage unions for exhaustive match statements, and typed request
helpers where the document pairs a request with its reply.

   DIR/__init__.py       each channel's client
   DIR/README.md         how to use them (--no-readme leaves it out)
   DIR/base/             the client runtime
   DIR/shared/           messages several channels use
   DIR/<channel>/        __init__.py, client.py, messages.py

Regeneration keeps base/ as it is, so it may be customised (--override-base
writes it anew), and clears the channel folders of the files chanx wrote
before writing them again (--no-clear-channels leaves them). --clear-output
first removes every file chanx wrote in DIR, base/ included; files of your
own stay. The written files are formatted with --formatter, else with
'ruff format' or 'black' when one is on PATH; without them the output is
already PEP 8-clean (black's layout). The package needs Python 3.10+,
pydantic 2.11 or later and websockets 10.4 or later.

Exit status: 0 done, 1 the document has problems or writing or formatting
failed, 2 unusable arguments.`

// generateClientCommand is 'chanx generate-client': Python Chanx's
// client generator, over the Python target.
func generateClientCommand() *cli.Command {
	return &cli.Command{
		Name:        "generate-client",
		Usage:       "generate a Python client package (Pydantic models, a client per channel), as Python Chanx does",
		UsageText:   "chanx generate-client -s PATH|URL -o DIR [--formatter CMD | --no-format] [--no-readme] [--clear-output] [--override-base] [--no-clear-channels]",
		Description: generateClientDescription,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "schema", Aliases: []string{"s"}, Usage: "the AsyncAPI document, JSON or YAML: a file path or an http(s) URL (required)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the directory to write the package to; its name is the package's (required)"},
			&cli.StringFlag{Name: "formatter", Aliases: []string{"f"}, Usage: "a command run on the written .py files, e.g. \"ruff format\" or black (default: ruff format, else black, when on PATH)"},
			&cli.BoolFlag{Name: "no-format", Usage: "do not format the written files"},
			&cli.BoolFlag{Name: "no-readme", Usage: "do not write README.md"},
			&cli.BoolFlag{Name: "clear-output", Usage: "first remove every file chanx wrote in --output (base/ included); your own files stay"},
		}, append(pythonRegenFlags(""), loadFlags()...)...),
		Action: runGenerateClient,
	}
}

func runGenerateClient(c *cli.Context) error {
	const name = "chanx generate-client"
	loc, out, err := schemaAndOutput(c, name)
	if err != nil {
		return err
	}
	py, err := pythonClientFlags(c, name, out)
	if err != nil {
		return err
	}
	api, err := analyzedDocument(c, name, loc)
	if err != nil {
		return err
	}
	files, err := python.Generate(c.Context, api, python.Options{
		Package: packageName(out), Source: sourceName(loc, out), NoReadme: c.Bool("no-readme"),
		Version: buildVersion().Header(),
	})
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), 1)
	}
	return py.finish(c, files)
}

// pythonRegenFlags are the regeneration flags of a Python client that
// 'chanx generate-client' and 'chanx gen client --lang python' share (both
// also have --formatter, --no-format, --no-readme and --clear-output).
// prefix starts their usage text ("python: " where other languages
// share the command).
func pythonRegenFlags(prefix string) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "override-base", Usage: prefix + "write base/ anew even when it exists (default: an existing base/ is kept)"},
		&cli.BoolFlag{Name: "no-clear-channels", Usage: prefix + "keep the files chanx wrote in channel folders instead of clearing them first"},
	}
}

// pythonClient is how one run of either command writes (or, for 'chanx
// gen client --check', compares) a generated Python client package: one
// code path, so the two commands treat base/, clearing and formatting
// alike.
type pythonClient struct {
	name      string // the command as typed, for messages
	out       string
	how       clientWrite
	formatter string // the command run on the .py files; "" for none
	check     bool
}

// pythonClientFlags reads the flags of a Python client run of the command
// name: --formatter (else ruff, else black when on PATH) unless
// --no-format, --clear-output, --override-base, --no-clear-channels and,
// where the command has it, --check.
func pythonClientFlags(c *cli.Context, name, out string) (pythonClient, error) {
	switch {
	case c.IsSet("formatter") && c.Bool("no-format"):
		return pythonClient{}, cli.Exit(fmt.Sprintf("%s: --formatter and --no-format exclude each other", name), 2)
	case c.IsSet("formatter") && len(strings.Fields(c.String("formatter"))) == 0:
		return pythonClient{}, cli.Exit(fmt.Sprintf("%s: --formatter is empty", name), 2)
	}
	p := pythonClient{name: name, out: out, check: c.Bool("check"), how: clientWrite{
		clearOutput: c.Bool("clear-output"), overrideBase: c.Bool("override-base"), keepChannels: c.Bool("no-clear-channels"),
	}}
	if !c.Bool("no-format") {
		p.formatter = c.String("formatter")
		if p.formatter == "" {
			p.formatter = detectFormatter()
		}
	}
	return p, nil
}

// finish writes files as p says and formats the written .py files, or
// with --check compares the output with what writing would give.
func (p pythonClient) finish(c *cli.Context, files map[string][]byte) error {
	if p.check {
		return p.checkOutput(c, files)
	}
	written, keptBase, err := writeClient(p.out, files, p.how)
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", p.name, err), 1)
	}
	report := fmt.Sprintf("%s: wrote %d files to %s", p.name, len(written), p.out)
	if keptBase {
		report += " (kept base/; --override-base writes it anew)"
	}
	if p.formatter != "" {
		if err := formatFiles(c.Context, p.formatter, p.out, pyFiles(written)); err != nil {
			fmt.Fprintln(c.App.Writer, report)
			return cli.Exit(fmt.Sprintf("%s: formatter %q failed; the files are written unformatted: %v", p.name, p.formatter, err), 1)
		}
		report += ", formatted with " + p.formatter
	}
	fmt.Fprintln(c.App.Writer, report)
	return nil
}

// checkOutput is --check: the output is stale when a file writing would
// write differs or is missing, or when a file chanx wrote is no longer
// generated. An existing base/ is the user's and is not compared, unless
// --override-base or --clear-output would write it anew. With a formatter
// the files are formatted first, in a folder beside the output so that
// the formatter finds the same configuration (pyproject.toml) it would.
func (p pythonClient) checkOutput(c *cli.Context, files map[string][]byte) error {
	want := map[string][]byte{}
	keepBase := !p.how.overrideBase && !p.how.clearOutput
	if st, err := os.Stat(filepath.Join(p.out, python.BaseDir)); err != nil || !st.IsDir() {
		keepBase = false
	}
	for name, b := range files {
		if !(keepBase && strings.HasPrefix(name, python.BaseDir+"/")) {
			want[name] = b
		}
	}
	if p.formatter != "" {
		formatted, err := formatCopy(c.Context, p.formatter, p.out, want)
		if err != nil {
			return cli.Exit(fmt.Sprintf("%s: formatter %q failed: %v", p.name, p.formatter, err), 1)
		}
		want = formatted
	}
	var generated []string
	if !p.how.keepChannels {
		generated = markedBelow(p.out, true, writtenByGenerateClient)
	}
	if stale, report := compareOutput(p.out, want, generated); stale {
		fmt.Fprint(c.App.Writer, report)
		return cli.Exit(fmt.Sprintf("%s: %s is stale; regenerate it", p.name, p.out), 1)
	}
	return nil
}

// formatCopy writes files into a temporary folder beside out, runs the
// formatter on its .py files there and returns them as formatted.
func formatCopy(ctx context.Context, formatter, out string, files map[string][]byte) (map[string][]byte, error) {
	parent := filepath.Dir(out)
	if _, err := os.Stat(parent); err != nil {
		parent = ""
	}
	tmp, err := os.MkdirTemp(parent, ".chanx-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	written, _, err := writeClient(tmp, files, clientWrite{overrideBase: true, keepChannels: true})
	if err != nil {
		return nil, err
	}
	if err := formatFiles(ctx, formatter, tmp, pyFiles(written)); err != nil {
		return nil, err
	}
	formatted := map[string][]byte{}
	for name := range files {
		b, err := os.ReadFile(filepath.Join(tmp, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		formatted[name] = b
	}
	return formatted, nil
}

// pyFiles are the .py files among names.
func pyFiles(names []string) []string {
	var py []string
	for _, f := range names {
		if strings.HasSuffix(f, ".py") {
			py = append(py, f)
		}
	}
	return py
}

// clientWrite says how writeClient treats what the output already holds.
type clientWrite struct {
	clearOutput, overrideBase, keepChannels bool
	// written tells the files this target writes (they carry its marker);
	// nil is the Python target's.
	written func(file string) bool
}

// writeClient writes the package's files into dir: base/ only when it is
// missing (or overridden, or the output cleared), the rest always, after
// clearing what chanx wrote as asked. It returns the files written, as
// slash paths, and whether an existing base/ was kept.
func writeClient(dir string, files map[string][]byte, how clientWrite) (written []string, keptBase bool, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, false, fmt.Errorf("create %s: %w", dir, err)
	}
	baseDir := filepath.Join(dir, python.BaseDir)
	if how.written == nil {
		how.written = writtenByGenerateClient
	}
	var remove []string
	switch {
	case how.clearOutput:
		remove = markedBelow(dir, true, how.written)
		for name := range files {
			if strings.HasPrefix(name, python.BaseDir+"/") {
				if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
					remove = append(remove, name)
				}
			}
		}
	case !how.keepChannels:
		remove = markedBelow(dir, false, how.written)
	}
	for _, name := range remove {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil && !os.IsNotExist(err) {
			return nil, false, fmt.Errorf("clear %s: %w", dir, err)
		}
	}
	removeEmptyFolders(dir, remove)
	writeBase := how.overrideBase || how.clearOutput
	if !writeBase {
		if st, err := os.Stat(baseDir); err != nil || !st.IsDir() {
			writeBase = true
		} else {
			keptBase = true
		}
	}
	for _, name := range sortedNames(files) {
		if strings.HasPrefix(name, python.BaseDir+"/") && !writeBase {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, false, fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return nil, false, fmt.Errorf("write %s: %w", p, err)
		}
		written = append(written, name)
	}
	return written, keptBase, nil
}

// markedBelow lists, as slash paths, the files carrying chanx's generated
// marker in the folders of dir (the channel modules and shared/, stale
// ones included) and, with top, in dir itself. base/ is never searched:
// its files carry no marker, being the user's once written. A folder
// without any marked file, such as a package of your own, is left alone.
func markedBelow(dir string, top bool, written func(string) bool) []string {
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		switch {
		case e.IsDir() && e.Name() != python.BaseDir:
			sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			for _, s := range sub {
				name := path.Join(e.Name(), s.Name())
				if s.Type().IsRegular() && written(filepath.Join(dir, filepath.FromSlash(name))) {
					out = append(out, name)
				}
			}
		case top && e.Type().IsRegular() && written(filepath.Join(dir, e.Name())):
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// writtenByGenerateClient reports whether file is one the Python target
// writes: a .py file whose first line is the generated marker as a Python
// comment, or a README.md whose first line is it as an HTML comment.
// Files other chanx generators wrote (Go, TypeScript) are not.
func writtenByGenerateClient(file string) bool { return firstLineMarked(file, ".py", "# ") }

// writtenByTypeScript reports whether file is one the TypeScript target
// writes: a .ts file whose first line is the generated marker as a //
// comment, or its README.md.
func writtenByTypeScript(file string) bool { return firstLineMarked(file, ".ts", "// ") }

// firstLineMarked reports whether file, of extension ext or a README.md,
// starts with the generated marker in ext's comment (after prefix) or in
// an HTML comment.
func firstLineMarked(file, ext, prefix string) bool {
	var open, close string
	switch filepath.Ext(file) {
	case ext:
		open = prefix
	case ".md":
		open, close = "<!-- ", " -->"
	default:
		return false
	}
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	l, _, _ := bytes.Cut(head[:n], []byte("\n"))
	line := string(bytes.TrimSuffix(l, []byte("\r")))
	inner, ok := strings.CutPrefix(line, open)
	if !ok {
		return false
	}
	inner, ok = strings.CutSuffix(inner, close)
	return ok && strings.HasPrefix(inner, "Code generated by chanx") && genheader.Generated(inner)
}

// removeEmptyFolders removes the folders of removed files that are now
// empty but for Python's bytecode cache.
func removeEmptyFolders(dir string, removed []string) {
	folders := map[string]bool{}
	for _, name := range removed {
		if f := path.Dir(name); f != "." {
			folders[f] = true
		}
	}
	for f := range folders {
		p := filepath.Join(dir, filepath.FromSlash(f))
		entries, err := os.ReadDir(p)
		if err != nil {
			continue
		}
		empty := true
		for _, e := range entries {
			if e.Name() != "__pycache__" {
				empty = false
			}
		}
		if empty {
			os.RemoveAll(p)
		}
	}
}

// detectFormatter is "ruff format" when ruff is on PATH, else "black" when
// black is, else "".
func detectFormatter() string {
	if _, err := exec.LookPath("ruff"); err == nil {
		return "ruff format"
	}
	if _, err := exec.LookPath("black"); err == nil {
		return "black -q"
	}
	return ""
}

// formatFiles runs the formatter command on files (slash paths relative
// to dir) in dir; a failure carries the command's own output.
func formatFiles(ctx context.Context, command, dir string, files []string) error {
	if len(files) == 0 {
		return nil
	}
	args := strings.Fields(command)
	for _, f := range files {
		args = append(args, filepath.FromSlash(f))
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(output.String()); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}
