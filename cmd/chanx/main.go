package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code, so tests can
// drive the CLI in-process. 0 success, 1 the work found problems, 2 the
// arguments were unusable.
func run(args []string, stdout, stderr io.Writer) int {
	err := newApp(stdout, stderr).Run(args)
	if err == nil {
		return 0
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintln(stderr, "chanx:", err)
	return 1
}

// usageError makes urfave/cli report flag mistakes with exit code 2.
func usageError(c *cli.Context, err error, _ bool) error {
	return cli.Exit(fmt.Sprintf("chanx: %v (see '%s --help')", err, c.Command.HelpName), 2)
}

// stdin is what 'chanx send' reads a message from; tests replace it.
var stdin io.Reader = os.Stdin

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Reader: stdin,
		Name:   "chanx",
		Usage:  "schema-first WebSockets from an AsyncAPI 3 document",
		Description: "chanx reads one AsyncAPI 3 document (asyncapi.yaml) and checks it (validate),\n" +
			"generates typed Go server and client packages from it (gen), and tests a running\n" +
			"WebSocket server against it (conformance), and talks to one from the shell (send, listen).\n\n" +
			"Run 'chanx COMMAND --help' for the flags of a command. Exit codes: 0 success,\n" +
			"1 the command found problems, 2 the arguments were unusable.",
		Writer:         stdout,
		ErrWriter:      stderr,
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   usageError,
		Commands: []*cli.Command{
			validateCommand(),
			genCommand(),
			generateClientCommand(),
			conformanceCommand(),
			sendCommand(),
			listenCommand(),
			versionCommand(),
		},
		HideVersion: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Usage: "print the chanx version and exit"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				fmt.Fprintln(c.App.Writer, "chanx", buildVersion())
				return nil
			}
			if c.Args().Present() {
				return cli.Exit(fmt.Sprintf("chanx: unknown command %q (see 'chanx --help')", c.Args().First()), 2)
			}
			return cli.ShowAppHelp(c)
		},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = usageError
	}
	return app
}
