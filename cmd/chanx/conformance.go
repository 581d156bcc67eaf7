package main

import "github.com/urfave/cli/v2"

// conformanceCommand is 'chanx conformance'.
func conformanceCommand() *cli.Command {
	return &cli.Command{
		Name:  "conformance",
		Usage: "test a running WebSocket server against its AsyncAPI document",
		Action: func(c *cli.Context) error {
			return cli.Exit("chanx conformance: not implemented yet", 2)
		},
	}
}
