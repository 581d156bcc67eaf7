package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/spec"
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
					return cli.Exit(fmt.Sprintf("chanx: --ref-root %s: not a folder (see 'chanx %s --help')", dir, c.Command.Name), 2)
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
			return cli.Exit(fmt.Sprintf("chanx: %s %v: want a positive value (see 'chanx %s --help')", flag, v, c.Command.Name), 2)
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
