package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check an AsyncAPI document and report every problem at file:line:col",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "schema", Aliases: []string{"s"}, Usage: "the AsyncAPI document: a file path or an http(s) URL"},
		},
		Action: func(c *cli.Context) error {
			loc := c.String("schema")
			if loc == "" {
				return cli.Exit("chanx validate: --schema is required (see 'chanx validate --help')", 2)
			}
			doc, err := spec.Load(c.Context, loc, spec.Options{})
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			api, diags := analyze.Build(c.Context, doc)
			for _, d := range diags {
				fmt.Fprintln(c.App.ErrWriter, d.String())
			}
			if diags.HasErrors() {
				return cli.Exit("", 1)
			}
			fmt.Fprintf(c.App.Writer, "ok: %d channels, %d operations, %d messages\n", len(api.Channels), len(api.Operations), len(api.Messages))
			return nil
		},
	}
}
