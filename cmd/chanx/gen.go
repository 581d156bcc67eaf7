package main

import "github.com/urfave/cli/v2"

// genCommand is 'chanx gen server|client'.
func genCommand() *cli.Command {
	return &cli.Command{
		Name:  "gen",
		Usage: "generate Go packages from an AsyncAPI document",
		Action: func(c *cli.Context) error {
			return cli.Exit("chanx gen: not implemented yet", 2)
		},
	}
}
