package main

import (
	"github.com/urfave/cli/v2"
)

// genServerCommand is 'chanx gen server': a typed server package.
func genServerCommand(flags []cli.Flag) *cli.Command {
	return &cli.Command{Name: "server", Usage: "generate a typed server package (not implemented yet)", Flags: flags, Action: func(c *cli.Context) error {
		return cli.Exit("chanx gen server: not implemented yet; 'chanx gen types' generates the message types and validators", 2)
	}}
}

// genClientCommand is 'chanx gen client': a typed client package.
func genClientCommand(flags []cli.Flag) *cli.Command {
	return &cli.Command{Name: "client", Usage: "generate a typed client package (not implemented yet)", Flags: flags, Action: func(c *cli.Context) error {
		return cli.Exit("chanx gen client: not implemented yet; 'chanx gen types' generates the message types and validators", 2)
	}}
}
