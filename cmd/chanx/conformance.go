package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// conformanceCommand is 'chanx conformance': it tests a running server
// against its AsyncAPI document. Exit 0 when every check passes, 1 when
// one fails, 2 when the arguments (or the document) are unusable, 3 when
// the server or document speaks a protocol chanx does not test
// (Socket.IO, msgpack…).
func conformanceCommand() *cli.Command {
	return &cli.Command{
		Name:  "conformance",
		Usage: "test a running WebSocket server against its AsyncAPI document",
		Description: "Connects to every channel of the document at --url, sends the document's examples,\n" +
			"valid, boundary and random frames, invalid and malformed ones, and checks every answer.\n" +
			"Failures are shrunk to a minimal frame; --seed reproduces a run exactly.\n" +
			"Exit status: 0 all checks pass, 1 a check failed, 2 unusable arguments,\n" +
			"3 the server or document speaks a protocol chanx does not test (Socket.IO, msgpack...).",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "schema", Aliases: []string{"s"}, Usage: "the AsyncAPI document: a file path or an http(s) URL"},
			&cli.StringFlag{Name: "url", Usage: "the server's base WebSocket URL, ws://host:port; each channel's address is appended"},
			&cli.StringSliceFlag{Name: "param", Usage: "a channel address parameter, `name=value` (repeatable); default: its enum, examples or default"},
			&cli.StringSliceFlag{Name: "header", Usage: "an HTTP header for every handshake, `'Name: value'` (repeatable); never written to reports"},
			&cli.Uint64Flag{Name: "seed", DefaultText: "random, printed in the report", Usage: "seed of the generated frames; the same seed repeats the run exactly"},
			&cli.IntFlag{Name: "max-examples", Value: 10, Usage: "how many valid and how many invalid frames to send per operation"},
			&cli.DurationFlag{Name: "timeout", Value: 2 * time.Second, Usage: "how long to wait for a reply or an error frame"},
			&cli.DurationFlag{Name: "quiet-period", Value: 250 * time.Millisecond, Usage: "how long to listen for frames that must not come (a leaked reply, a late error)"},
			&cli.StringSliceFlag{Name: "check", Usage: "run only this check `id` (repeatable; see --list)"},
			&cli.BoolFlag{Name: "no-conventions", Usage: "hold the server to the document only: drop what the chanx protocol expects but the document does not say (--list marks those checks)"},
			&cli.StringFlag{Name: "junit", Usage: "also write the report as JUnit XML to `FILE`"},
			&cli.StringFlag{Name: "save", Usage: "also write the JSON report, transcripts included, to `FILE` (for --replay)"},
			&cli.BoolFlag{Name: "json", Usage: "write the report as JSON on stdout instead of text"},
			&cli.StringFlag{Name: "replay", Usage: "re-run the failures recorded in `FILE` (a --json/--save report) instead of a full run"},
			&cli.BoolFlag{Name: "list", Usage: "list the checks with their ids and exit"},
		}, loadFlags()...),
		Action: runConformance,
	}
}

func conformanceUsage(format string, args ...any) error {
	return cli.Exit(fmt.Sprintf("chanx conformance: "+format+" (see 'chanx conformance --help')", args...), 2)
}

func runConformance(c *cli.Context) error {
	out := c.App.Writer
	if c.Bool("list") {
		for _, ch := range conformance.Checks {
			line := fmt.Sprintf("%-26s %s", ch.ID, ch.Description)
			if ch.Convention != "" {
				line += " [convention: " + ch.Convention + "]"
			}
			fmt.Fprintln(out, line)
		}
		return nil
	}
	if c.Args().Present() {
		return conformanceUsage("unexpected argument %q", c.Args().First())
	}
	loc, base := c.String("schema"), c.String("url")
	if loc == "" {
		return conformanceUsage("--schema is required")
	}
	if base == "" {
		return conformanceUsage("--url is required")
	}
	opts, err := conformanceOptions(c)
	if err != nil {
		return err
	}
	api, err := loadForConformance(c.Context, loc, loadOptions(c))
	if err != nil {
		return cli.Exit(err.Error(), 2)
	}
	if f := c.String("replay"); f != "" {
		return replayConformance(c, api, base, f, opts)
	}
	seed := c.Uint64("seed")
	if !c.IsSet("seed") {
		seed = randomSeed()
	}
	opts = append(opts, conformance.WithSeed(seed))
	stopProgress := func() {}
	if !c.Bool("json") {
		if f, ok := c.App.ErrWriter.(*os.File); ok && isTerminal(f) {
			opts = append(opts, conformance.WithProgress(func(line string) {
				fmt.Fprintf(f, "\r\x1b[K%s", line)
			}))
			stopProgress = func() { fmt.Fprint(f, "\r\x1b[K") }
		}
	}
	rep, err := conformance.Check(c.Context, api, base, opts...)
	stopProgress()
	if err != nil {
		return cli.Exit(fmt.Sprintf("chanx %v", err), 2)
	}
	rep.Document = loc
	if f := c.String("junit"); f != "" {
		if err := writeReportFile(f, rep.WriteJUnit); err != nil {
			return cli.Exit(err.Error(), 2)
		}
	}
	if f := c.String("save"); f != "" {
		if err := writeReportFile(f, rep.WriteJSON); err != nil {
			return cli.Exit(err.Error(), 2)
		}
	}
	if c.Bool("json") {
		err = rep.WriteJSON(out)
	} else {
		err = rep.WriteText(out)
		if rep.Failed() {
			args := append([]string{"-s", loc, "--url", base}, repeatedFlags(c)...)
			hint := "reproduce: " + shellLine(append(args, "--seed", fmt.Sprint(rep.Seed)))
			if f := c.String("save"); f != "" {
				hint += "\nreplay the failures: " + shellLine(append(args, "--replay", f))
			}
			fmt.Fprintln(out, hint)
		}
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("chanx conformance: write report: %v", err), 2)
	}
	switch {
	case rep.Unsupported != "":
		return cli.Exit("", 3)
	case rep.Failed():
		return cli.Exit("", 1)
	}
	return nil
}

// repeatedFlags are the flags that change what a run does, as the user
// gave them, for the reproduce line. Header values stay out of it (they
// are often credentials, and never written to reports): the line says
// where each goes.
func repeatedFlags(c *cli.Context) []string {
	var out []string
	for _, p := range c.StringSlice("param") {
		out = append(out, "--param", p)
	}
	for _, h := range c.StringSlice("header") {
		name, _, _ := strings.Cut(h, ":")
		out = append(out, "--header", strings.TrimSpace(name)+": $VALUE")
	}
	for _, id := range c.StringSlice("check") {
		out = append(out, "--check", id)
	}
	for _, name := range []string{"max-examples", "timeout", "quiet-period"} {
		if c.IsSet(name) {
			out = append(out, "--"+name, c.Generic(name).(fmt.Stringer).String())
		}
	}
	if c.Bool("no-conventions") {
		out = append(out, "--no-conventions")
	}
	return out
}

// shellLine writes a chanx conformance command line a POSIX shell reads
// back as the same arguments.
func shellLine(args []string) string {
	parts := []string{"chanx", "conformance"}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// conformanceOptions turns the flags shared by a run and a replay into
// options, rejecting malformed ones.
func conformanceOptions(c *cli.Context) ([]conformance.Option, error) {
	var opts []conformance.Option
	for _, p := range c.StringSlice("param") {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return nil, conformanceUsage("--param %q: want name=value", p)
		}
		opts = append(opts, conformance.WithParam(name, value))
	}
	for _, h := range c.StringSlice("header") {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(strings.TrimSpace(name), " \t") {
			return nil, conformanceUsage("--header %q: want 'Name: value'", h)
		}
		opts = append(opts, conformance.WithHeader(strings.TrimSpace(name), strings.TrimSpace(value)))
	}
	if n := c.Int("max-examples"); n < 1 {
		return nil, conformanceUsage("--max-examples %d: want at least 1", n)
	} else {
		opts = append(opts, conformance.WithMaxExamples(n))
	}
	if d := c.Duration("timeout"); d <= 0 {
		return nil, conformanceUsage("--timeout %s: want a positive duration such as 2s", d)
	} else {
		opts = append(opts, conformance.WithTimeout(d))
	}
	if d := c.Duration("quiet-period"); d <= 0 {
		return nil, conformanceUsage("--quiet-period %s: want a positive duration such as 250ms", d)
	} else {
		opts = append(opts, conformance.WithQuiet(d))
	}
	if ids := c.StringSlice("check"); len(ids) > 0 {
		for _, id := range ids {
			if !conformance.KnownCheck(id) {
				return nil, conformanceUsage("--check %q: no such check", id)
			}
		}
		opts = append(opts, conformance.WithChecks(ids...))
	}
	if c.Bool("no-conventions") {
		opts = append(opts, conformance.WithoutConventions())
	}
	return opts, nil
}

func loadForConformance(ctx context.Context, loc string, opts spec.Options) (*ir.API, error) {
	doc, err := loadDocument(ctx, loc, opts)
	if err != nil {
		return nil, fmt.Errorf("chanx conformance: %w", err)
	}
	api, diags := analyze.Build(ctx, doc)
	if diags.HasErrors() || api == nil {
		var b strings.Builder
		fmt.Fprintf(&b, "chanx conformance: the document %s has errors (run 'chanx validate -s %s'):", loc, loc)
		for _, d := range diags {
			if d.Severity == spec.Error {
				b.WriteString("\n" + d.String())
			}
		}
		return nil, fmt.Errorf("%s", b.String())
	}
	return api, nil
}

func replayConformance(c *cli.Context, api *ir.API, base, file string, opts []conformance.Option) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return conformanceUsage("--replay: %v", err)
	}
	failures, err := conformance.ReadFailures(data)
	if err != nil {
		return conformanceUsage("--replay %s: %v", file, err)
	}
	out := c.App.Writer
	still := 0
	for _, f := range failures {
		where := f.Channel
		if f.Operation != "" {
			where += "/" + f.Operation
		}
		nf, tr, err := conformance.Replay(c.Context, api, base, f, opts...)
		if err != nil {
			return cli.Exit(fmt.Sprintf("chanx conformance: %v", err), 2)
		}
		status := "PASS"
		if nf != nil {
			status = "FAIL"
			still++
		}
		fmt.Fprintf(out, "%s %s %s\n", status, f.Check, where)
		if nf != nil {
			fmt.Fprintln(out, nf.Message)
		}
		for _, e := range tr {
			fmt.Fprintf(out, "  %s\n", e)
		}
	}
	fmt.Fprintf(out, "%d of %d recorded failures still fail\n", still, len(failures))
	if still > 0 {
		return cli.Exit("", 1)
	}
	return nil
}

func writeReportFile(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("chanx conformance: write %s: %w", path, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("chanx conformance: %w", err)
	}
	return nil
}

func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) >> 1
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
