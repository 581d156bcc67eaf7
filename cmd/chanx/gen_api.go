package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/codegen/goapi"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

const genServerDescription = `Generates a Go server package from the AsyncAPI document, over chanx's
server runtime: the message types and validators (types.go), and in
server.go, per channel, a handler interface with one method per receive
operation (typed reply when the operation declares one), an
Unimplemented<Channel>Handler to embed, typed path parameters, typed senders
(to the connection, to a group with or without the sender, and from outside
any connection by group or connection id) and Mount<Channel>, which mounts
the channel on a *server.Server. The document is embedded (asyncapi.json,
asyncapi.yaml) and MountDocs serves it with a readable page at
/asyncapi/docs.

A channel whose received messages cannot be told apart is refused, naming
both messages. Regenerating the same document gives the same bytes; with
--check nothing is written and the command exits 1 with a diff when the
directory is stale. Works from //go:generate:
   //go:generate chanx gen server -s asyncapi.yaml -o ./api

Exit status: 0 done (or up to date), 1 the document has problems or the
output is stale, 2 unusable arguments.`

const genClientDescription = `Generates a Go client package from the AsyncAPI document, over chanx's
client runtime: the message types and validators (types.go), and in
client.go, per channel, New<Channel>Client (typed path parameters; ws, wss,
http or https base URLs; headers, hooks and reconnection through
client.Options), a typed Send per message the client may send (Request when
the document declares a reply), typed handlers and an IncomingMessage
interface for exhaustive type switches. README.md explains its use
(--no-readme leaves it out).

Regenerating the same document gives the same bytes; with --check nothing
is written and the command exits 1 with a diff when the directory is
stale. Works from //go:generate:
   //go:generate chanx gen client -s asyncapi.yaml -o ./client

Exit status: 0 done (or up to date), 1 the document has problems or the
output is stale, 2 unusable arguments.`

// genServerCommand is 'chanx gen server': a typed server package.
func genServerCommand(flags []cli.Flag) *cli.Command {
	return &cli.Command{Name: "server", Usage: "generate a typed Go server package for a document's channels",
		UsageText: "chanx gen server -s PATH|URL -o DIR [--package NAME] [--check]", Description: genServerDescription, Flags: flags,
		Action: func(c *cli.Context) error { return runGenAPI(c, "server", goapi.GenerateServer) }}
}

// genClientCommand is 'chanx gen client': a typed client package.
func genClientCommand(flags []cli.Flag) *cli.Command {
	return &cli.Command{Name: "client", Usage: "generate a typed Go client package for a document's channels",
		UsageText: "chanx gen client -s PATH|URL -o DIR [--package NAME] [--no-readme] [--check]", Description: genClientDescription, Flags: flags,
		Action: func(c *cli.Context) error { return runGenAPI(c, "client", goapi.GenerateClient) }}
}

// runGenAPI is 'chanx gen server' and 'chanx gen client': everything is
// generated and formatted in memory first, so bad input leaves the output
// directory untouched.
func runGenAPI(c *cli.Context, target string, generate func(context.Context, *ir.API, goapi.Options) (map[string][]byte, error)) error {
	name := "chanx gen " + target
	loc, out := c.String("schema"), c.String("output")
	switch {
	case c.Args().Present():
		return cli.Exit(fmt.Sprintf("%s: unexpected argument %q (the document is given with --schema)", name, c.Args().First()), 2)
	case loc == "":
		return cli.Exit(fmt.Sprintf("%s: --schema is required (see '%s --help')", name, name), 2)
	case out == "":
		return cli.Exit(fmt.Sprintf("%s: --output is required (see '%s --help')", name, name), 2)
	}
	pkg := c.String("package")
	if pkg == "" {
		pkg = packageName(out)
	}
	doc, err := spec.Load(c.Context, loc, spec.Options{NoRemote: c.Bool("no-remote")})
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), 1)
	}
	api, diags := analyze.Build(c.Context, doc)
	for _, d := range diags {
		fmt.Fprintln(c.App.ErrWriter, d.String())
	}
	if diags.HasErrors() {
		return cli.Exit(name+": the document has problems; nothing generated", 1)
	}
	formatter := c.String("formatter")
	files, err := generate(c.Context, api, goapi.Options{
		Package:      pkg,
		Source:       filepath.ToSlash(loc),
		NoFormat:     c.Bool("no-format") || formatter != "",
		TypedFormats: c.Bool("typed-formats"),
		NoReadme:     c.Bool("no-readme"),
		TypesPackage: c.String("types-package"),
	})
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), 1)
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
	if c.Bool("check") {
		stale, report := checkOutput(out, files)
		if stale {
			fmt.Fprint(c.App.Writer, report)
			return cli.Exit(fmt.Sprintf("%s: %s is stale; regenerate it", name, out), 1)
		}
		return nil
	}
	if err := writeOutput(out, files, c.Bool("clear-output")); err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), 1)
	}
	return nil
}
