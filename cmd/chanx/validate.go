package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

const validateDescription = `Reads the AsyncAPI 3.0.0 or 3.1.0 document (YAML or JSON, told apart by its
content) and every file and URL its $refs lead to, checks it against the
official AsyncAPI JSON Schema and against what that schema cannot express
(operations name existing channels and messages, every {param} of an
address is declared, messages on one channel and direction can be told
apart at run time), and reports every problem, sorted, at the file:line:col
of the node it is about — in the file a $ref led to when the node is there.

Text output: problems on stderr, one per line,
   file:line:col: [warning: ]message (at /json/pointer)
where the pointer locates the node within its file; on success a summary
line on stdout, then one line per channel and direction carrying several
messages, saying how a receiver tells them apart (const, discriminator,
enum, members or schema) and by what:
   ok: 3 channels, 7 operations, 12 messages (discriminator: action)
     channel "chat", received: const by the const value of member "action": "ping" is ping, ...

JSON output (--format json): one object on stdout, whatever the outcome:
   {"valid": bool, "errors": n, "warnings": n,
    "diagnostics": [{"file", "line", "column", "severity": "error"|"warning",
                     "message", "pointer"}],
    "summary": {"channels", "operations", "messages", "discriminators": [...],
                "dispatch": [{"channel", "direction": "received"|"sent", "strategy",
                              "property", "why", "cases": [{"message", "value",
                              "values", "members"}]}]}}
("summary" only when the document is valid).

What a document may make chanx read is bounded (the same on every command
that loads one): local $refs read regular files in the document's folder
and below (--ref-root DIR widens it); remote $refs reach public addresses
only (--allow-private-refs), within --remote-budget and --remote-max-bytes
for the whole run, or none at all with --no-remote.

Problems inside bindings of protocols other than ws/wss, and payloads in a
schemaFormat chanx does not read (Avro, RAML, Protobuf), are warnings;
their $refs are not fetched.

Exit status: 0 valid (warnings allowed), 1 problems found, 2 unusable
arguments.`

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:        "validate",
		Usage:       "check an AsyncAPI document and report every problem at file:line:col",
		UsageText:   "chanx validate --schema PATH|URL [--format text|json] [--no-remote] [--ref-root DIR] [--allow-private-refs]",
		Description: validateDescription,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "schema", Aliases: []string{"s"}, Usage: "the AsyncAPI document to check: a file path or an http(s) URL (required)"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output: \"text\" (problems on stderr, a summary line on stdout) or \"json\" (one object on stdout)"},
		}, loadFlags()...),
		Action: runValidate,
	}
}

func runValidate(c *cli.Context) error {
	loc := c.String("schema")
	switch {
	case c.Args().Present():
		hint := ""
		if loc == "" {
			hint = fmt.Sprintf("; to check it, run 'chanx validate -s %s'", c.Args().First())
		}
		return cli.Exit(fmt.Sprintf("chanx validate: unexpected argument %q (the document is given with --schema%s)", c.Args().First(), hint), 2)
	case loc == "":
		return cli.Exit("chanx validate: --schema is required (see 'chanx validate --help')", 2)
	}
	format := c.String("format")
	if format != "text" && format != "json" {
		return cli.Exit(fmt.Sprintf("chanx validate: --format must be text or json, not %q", format), 2)
	}
	r := validate(c.Context, loc, loadOptions(c))
	if format == "json" {
		if err := writeJSONReport(c.App.Writer, r); err != nil {
			return cli.Exit(fmt.Sprintf("chanx validate: %v", err), 1)
		}
	} else {
		writeTextReport(c.App.Writer, c.App.ErrWriter, r)
	}
	if r.diags.HasErrors() {
		return cli.Exit("", 1)
	}
	return nil
}

// report is the outcome of checking one document.
type report struct {
	diags spec.Diagnostics
	api   *ir.API // nil when the document has errors
}

// validate runs the whole check: load, schema validation, semantic
// analysis. Analysis runs on documents with schema errors too, so that all
// problems come out at once; where both stages complain about the same
// node, the schema's message is kept.
func validate(ctx context.Context, loc string, opts spec.Options) report {
	doc, err := spec.Load(ctx, loc, opts)
	if err != nil {
		var de *spec.DiagnosticsError
		if errors.As(err, &de) {
			return report{diags: de.Diagnostics}
		}
		// The document cannot be read at all; the message names it.
		return report{diags: spec.Diagnostics{{Severity: spec.Error, Message: err.Error()}}}
	}
	diags := spec.Validate(ctx, doc)
	if len(diags) == 1 && diags[0].Pointer == "/asyncapi" || isWholeDocument(diags) {
		// Wrong version or not a document at all: nothing to analyze.
		return report{diags: diags}
	}
	api, more := analyze.Build(ctx, doc)
	flagged := map[spec.Pos]bool{}
	for _, d := range diags {
		if d.Severity == spec.Error {
			flagged[d.Pos] = true
		}
	}
	for _, d := range more {
		if !flagged[d.Pos] {
			diags = append(diags, d)
		}
	}
	diags.Sort()
	if diags.HasErrors() {
		api = nil
	}
	return report{diags: diags, api: api}
}

// isWholeDocument reports a problem with the document as a whole (not an
// object, no asyncapi field), which makes analysis pointless.
func isWholeDocument(diags spec.Diagnostics) bool {
	return len(diags) == 1 && diags[0].Pointer == "" && diags[0].Pos.Line == 1 && diags[0].Pos.Col == 1 &&
		(strings.HasPrefix(diags[0].Message, "an AsyncAPI document must be") || strings.HasPrefix(diags[0].Message, `missing required property "asyncapi"`))
}

func writeTextReport(stdout, stderr io.Writer, r report) {
	for _, d := range r.diags {
		fmt.Fprintln(stderr, d.String())
	}
	errs, warns := count(r.diags)
	if errs > 0 {
		fmt.Fprintf(stderr, "%s, %s\n", plural(errs, "error"), plural(warns, "warning"))
		return
	}
	prefix := "ok"
	if warns > 0 {
		prefix = "ok with " + plural(warns, "warning")
	}
	fmt.Fprintf(stdout, "%s: %s\n", prefix, summaryLine(r.api))
	for _, d := range dispatchSummary(r.api) {
		fmt.Fprintf(stdout, "  channel %q, %s: %s: %s\n", d.Channel, d.Direction, d.Strategy, d.Why)
	}
}

// dispatchSummary lists, per channel and direction with more than one
// message, the strategy spec/analyze found to tell the messages apart and
// why, naming the members read.
func dispatchSummary(api *ir.API) []jsonDispatch {
	out := []jsonDispatch{}
	if api == nil {
		return out
	}
	for _, ch := range api.Channels {
		for _, d := range ch.Dispatch {
			if d == nil || (len(d.Cases) < 2 && d.Why == "") {
				continue
			}
			jd := jsonDispatch{Channel: ch.Name, Direction: "received", Strategy: string(d.Strategy), Property: d.Property, Why: d.Why}
			if d.Action == ir.Send {
				jd.Direction = "sent"
			}
			if d.Strategy == ir.StrategyNone {
				jd.Strategy = "none"
				jd.Why = d.Ambiguous
			}
			for _, c := range d.Cases {
				jd.Cases = append(jd.Cases, jsonCase{Message: c.Message.Name, Value: c.Value, Values: c.Values, Members: c.Members})
			}
			out = append(out, jd)
		}
	}
	return out
}

func count(diags spec.Diagnostics) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == spec.Error {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// summaryLine counts the document's channels, operations and messages and
// names the properties its receivers dispatch on.
func summaryLine(api *ir.API) string {
	if api == nil {
		return "document read"
	}
	s := fmt.Sprintf("%s, %s, %s", plural(len(api.Channels), "channel"), plural(len(api.Operations), "operation"), plural(len(api.Messages), "message"))
	props, needed := discriminators(api)
	switch {
	case len(props) == 1:
		s += fmt.Sprintf(" (discriminator: %s)", props[0])
	case len(props) > 1:
		s += fmt.Sprintf(" (discriminators: %s)", strings.Join(props, ", "))
	case !needed:
		s += " (discriminator: none needed)"
	case len(strategies(api)) > 0:
		s += fmt.Sprintf(" (dispatch: %s)", strings.Join(strategies(api), ", "))
	default:
		s += " (discriminator: none found)"
	}
	return s
}

// discriminators returns the distinct properties channels dispatch on, and
// whether any channel direction carries several messages at all.
func discriminators(api *ir.API) ([]string, bool) {
	seen := map[string]bool{}
	needed := false
	for _, ch := range api.Channels {
		for _, d := range ch.Dispatch {
			if d == nil {
				continue
			}
			if len(d.Cases) > 1 || d.Property != "" {
				needed = true
			}
			if d.Property != "" {
				seen[d.Property] = true
			}
		}
	}
	props := make([]string, 0, len(seen))
	for p := range seen {
		props = append(props, p)
	}
	sort.Strings(props)
	return props, needed
}

// strategies lists the strategies other than by a member's value that
// channels use, sorted.
func strategies(api *ir.API) []string {
	seen := map[string]bool{}
	for _, ch := range api.Channels {
		for _, d := range ch.Dispatch {
			if d != nil && d.Property == "" && d.Strategy != ir.StrategyNone {
				seen[string(d.Strategy)] = true
			}
		}
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// jsonReport is the --format json output.
type jsonReport struct {
	Valid       bool             `json:"valid"`
	Errors      int              `json:"errors"`
	Warnings    int              `json:"warnings"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	Summary     *jsonSummary     `json:"summary,omitempty"`
}

type jsonDiagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Pointer  string `json:"pointer"`
}

type jsonSummary struct {
	Channels       int      `json:"channels"`
	Operations     int      `json:"operations"`
	Messages       int      `json:"messages"`
	Discriminators []string `json:"discriminators"`
	// Dispatch is how each channel and direction with several messages
	// tells them apart.
	Dispatch []jsonDispatch `json:"dispatch"`
}

// jsonDispatch is one channel and direction's ir.Dispatch.
type jsonDispatch struct {
	Channel   string     `json:"channel"`
	Direction string     `json:"direction"` // "received" or "sent", by the application the document describes
	Strategy  string     `json:"strategy"`  // const, discriminator, enum, members, schema, none
	Property  string     `json:"property,omitempty"`
	Why       string     `json:"why"`
	Cases     []jsonCase `json:"cases"`
}

type jsonCase struct {
	Message string   `json:"message"`
	Value   string   `json:"value,omitempty"`
	Values  []string `json:"values,omitempty"`
	Members []string `json:"members,omitempty"`
}

func writeJSONReport(w io.Writer, r report) error {
	errs, warns := count(r.diags)
	out := jsonReport{Valid: errs == 0, Errors: errs, Warnings: warns, Diagnostics: []jsonDiagnostic{}}
	for _, d := range r.diags {
		out.Diagnostics = append(out.Diagnostics, jsonDiagnostic{
			File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Col,
			Severity: d.Severity.String(), Message: d.Message, Pointer: d.Pointer,
		})
	}
	if errs == 0 && r.api != nil {
		props, _ := discriminators(r.api)
		out.Summary = &jsonSummary{Channels: len(r.api.Channels), Operations: len(r.api.Operations), Messages: len(r.api.Messages), Discriminators: props, Dispatch: dispatchSummary(r.api)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
