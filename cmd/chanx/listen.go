package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
)

// listenCommand is 'chanx listen': every frame a channel's server sends,
// decoded and validated, one JSON line each.
func listenCommand() *cli.Command {
	return &cli.Command{
		Name:      "listen",
		Usage:     "print every frame a running server sends on a channel, validated",
		ArgsUsage: " ",
		Description: "Connects to --channel and prints each incoming frame as one JSON line\n" +
			"{\"message\": name or null, \"valid\": bool, \"problems\": [...], \"frame\": ...}, checked\n" +
			"against the messages the document says the server sends there. Stops after --count\n" +
			"frames or at --timeout.\n" +
			"Exit status: 0 --count frames came or --timeout passed; 1 the document has problems;\n" +
			"2 unusable arguments (an unknown channel too); 3 could not connect to the server, or\n" +
			"the connection was lost.",
		Flags: append(append(talkFlags(),
			&cli.IntFlag{Name: "count", Usage: "stop after `N` frames (0: no limit)"},
			&cli.DurationFlag{Name: "timeout", Usage: "stop after this long (0: no limit; connecting is bounded by 10s)"},
		), loadFlags()...),
		Action: runListen,
	}
}

func runListen(c *cli.Context) error {
	if c.Args().Present() {
		return talkUsage("listen", "unexpected argument %q", c.Args().First())
	}
	if c.Int("count") < 0 {
		return talkUsage("listen", "--count %d: want 0 or more", c.Int("count"))
	}
	if c.Duration("timeout") < 0 {
		return talkUsage("listen", "--timeout %v: want 0 or more", c.Duration("timeout"))
	}
	t, err := openTalk(c, "listen")
	if err != nil {
		return err
	}
	ctx := c.Context
	if d := c.Duration("timeout"); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	dialCtx, cancelDial := context.WithTimeout(ctx, 10*time.Second)
	cl, frames, err := t.dial(dialCtx)
	cancelDial()
	if err != nil {
		if ctx.Err() != nil {
			return nil // --timeout ended the run while connecting
		}
		return t.connectError(err)
	}
	defer cl.CloseNow()
	// Only a "ready" line on stderr tells a script (or a test) that
	// frames sent from now on will be seen.
	fmt.Fprintf(c.App.ErrWriter, "chanx listen: connected to %s\n", t.url)
	count := c.Int("count")
	for got := 0; count == 0 || got < count; {
		select {
		case r := <-frames:
			printLine(c.App.Writer, t.judge(r.data))
			got++
		case <-cl.Done():
			// Frames read before the end are still printed.
		drain:
			for count == 0 || got < count {
				select {
				case r := <-frames:
					printLine(c.App.Writer, t.judge(r.data))
					got++
				default:
					break drain
				}
			}
			if count != 0 && got >= count {
				return nil
			}
			return cli.Exit(fmt.Sprintf("chanx listen: the connection to %s was lost: %v", t.url, cl.Err()), exitNoServer)
		case <-ctx.Done():
			return nil
		}
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = cl.Close(closeCtx)
	return nil
}
