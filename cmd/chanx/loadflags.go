package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// The flags below are the reference policy of every command that loads a
// document (validate, gen types|server|client, conformance), defined once:
// what a document may make chanx read and fetch. By default local $refs
// read regular files in the document's folder and below, and remote $refs
// fetch public addresses within a time and byte budget for the whole run
// (spec.Options documents each bound).

// loadFlags returns the reference-policy flags, for a command's Flags.
func loadFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "no-remote", Usage: "never fetch http(s) $refs; each one becomes an error (the document itself may still be a URL)"},
		&cli.StringFlag{Name: "ref-root", Usage: "the `DIR` local $refs may read, with its subfolders (default: the document's folder)", TakesFile: true,
			Action: func(c *cli.Context, dir string) error {
				st, err := os.Stat(dir)
				if err != nil || !st.IsDir() {
					return cli.Exit(fmt.Sprintf("chanx: --ref-root %s: not a folder (see '%s --help')", dir, c.Command.HelpName), 2)
				}
				return nil
			}},
		&cli.BoolFlag{Name: "allow-private-refs", Usage: "let remote $refs reach loopback, link-local and private addresses (checked on the address dialled)"},
		&cli.DurationFlag{Name: "remote-budget", DefaultText: "20s", Usage: "the time all remote $refs of the run may take together",
			Action: positive[time.Duration]("--remote-budget")},
		&cli.Int64Flag{Name: "remote-max-bytes", DefaultText: "67108864 (64 MiB)", Usage: "the bytes all remote $refs of the run may fetch together",
			Action: positive[int64]("--remote-max-bytes")},
	}
}

func positive[T time.Duration | int64](flag string) func(*cli.Context, T) error {
	return func(c *cli.Context, v T) error {
		if v <= 0 {
			return cli.Exit(fmt.Sprintf("chanx: %s %v: want a positive value (see '%s --help')", flag, v, c.Command.HelpName), 2)
		}
		return nil
	}
}

// loadOptions is the spec.Options the loadFlags of c ask for.
func loadOptions(c *cli.Context) spec.Options {
	return spec.Options{
		NoRemote:       c.Bool("no-remote"),
		FileRoot:       c.String("ref-root"),
		AllowPrivate:   c.Bool("allow-private-refs"),
		RemoteBudget:   c.Duration("remote-budget"),
		RemoteMaxBytes: c.Int64("remote-max-bytes"),
	}
}

// loadDocument loads the document at loc and follows every $ref it holds,
// so that a refused or broken $ref anywhere (in an example or a
// description too, which analysis does not follow but the bundle a
// generated server embeds does) stops the command with its position before
// anything is generated. The bundle is kept in doc, so analyze.Build does
// not build it again.
func loadDocument(ctx context.Context, loc string, opts spec.Options) (*spec.Document, error) {
	doc, err := spec.Load(ctx, loc, opts)
	if err != nil {
		return nil, err
	}
	if _, err := spec.BundleJSON(ctx, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// schemaAndOutput reads the --schema and --output every generating command
// requires, refusing positional arguments; name is the command as the
// user typed it, for the messages (exit status 2).
func schemaAndOutput(c *cli.Context, name string) (loc, out string, err error) {
	loc, out = c.String("schema"), c.String("output")
	switch {
	case c.Args().Present():
		return "", "", cli.Exit(fmt.Sprintf("%s: unexpected argument %q (the document is given with --schema)", name, c.Args().First()), 2)
	case loc == "":
		return "", "", cli.Exit(fmt.Sprintf("%s: --schema is required (see '%s --help')", name, name), 2)
	case out == "":
		return "", "", cli.Exit(fmt.Sprintf("%s: --output is required (see '%s --help')", name, name), 2)
	}
	return loc, out, nil
}

// analyzedDocument loads the document at loc with c's reference policy and
// analyzes it for generation: every diagnostic goes to the error stream,
// and any error-level one stops the command (exit status 1) before
// anything is written.
func analyzedDocument(c *cli.Context, name, loc string) (*ir.API, error) {
	doc, err := loadDocument(c.Context, loc, loadOptions(c))
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("%s: %v", name, err), 1)
	}
	api, diags := analyze.Build(c.Context, doc)
	for _, d := range diags {
		fmt.Fprintln(c.App.ErrWriter, d.String())
	}
	if diags.HasErrors() {
		return nil, cli.Exit(name+": the document has problems; nothing generated", 1)
	}
	return api, nil
}
