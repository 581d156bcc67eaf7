package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/urfave/cli/v2"

	chanplan "github.com/chanxgo/chanx/codegen/plan"
	"github.com/chanxgo/chanx/conformance/match"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/client"
	rtvalidate "github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/validate/oracle"
	"github.com/chanxgo/chanx/runtime/wire"
)

// Exit codes of 'chanx send' and 'chanx listen', for scripts.
const (
	exitOK       = 0
	exitInvalid  = 1 // the message is invalid, or the server answered with an error frame
	exitUsage    = 2
	exitNoServer = 3 // could not connect, or the connection was lost
)

const sendExitCodes = "Exit status: 0 success; 1 the message is invalid (nothing is sent), the server\n" +
	"answered with an error frame, or fewer than --wait replies came before --timeout;\n" +
	"2 unusable arguments (an unknown channel or message too); 3 could not connect to the\n" +
	"server, or the connection was lost."

// talkFlags are the flags 'chanx send' and 'chanx listen' share.
func talkFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "schema", Aliases: []string{"s"}, Usage: "the AsyncAPI document: a file path or an http(s) URL"},
		&cli.StringFlag{Name: "url", Usage: "the server's WebSocket URL, ws://host:port; the channel's address is joined to its origin"},
		&cli.StringFlag{Name: "channel", Usage: "the channel `NAME` (its key under channels:)"},
		&cli.StringSliceFlag{Name: "param", Usage: "a channel address parameter, `name=value` (repeatable); default: its default, enum or example"},
		&cli.StringSliceFlag{Name: "header", Usage: "an HTTP header for the handshake, `'Name: value'` (repeatable)"},
	}
}

// sendCommand is 'chanx send': one message, validated before it leaves,
// and the replies it gets.
func sendCommand() *cli.Command {
	return &cli.Command{
		Name:      "send",
		Usage:     "send one message on a channel of a running server and print the replies",
		ArgsUsage: "MESSAGE [JSON|-]",
		Description: "MESSAGE is the name (or discriminator value) of a message the client may send on\n" +
			"--channel; JSON is the whole frame (read from stdin when absent or \"-\"); the\n" +
			"discriminator is filled in when the frame lacks it. --field path=value sets payload\n" +
			"members from flags instead (flags go before MESSAGE). The frame is validated against the\n" +
			"document before connecting: an invalid one is not sent, and its problems are printed\n" +
			"as the server would report them (type, loc, msg). Each frame the server sends back is\n" +
			"printed as one JSON line {\"message\", \"valid\", \"problems\", \"frame\"}, until --wait\n" +
			"replies came (default: the replies the operation declares) or --timeout.\n" +
			sendExitCodes,
		Flags: append(append(talkFlags(),
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Second, Usage: "how long to connect and wait for the replies"},
			&cli.IntFlag{Name: "wait", Value: -1, DefaultText: "the replies the operation declares, 1 or 0", Usage: "how many replies to wait for"},
			&cli.StringSliceFlag{Name: "field", Aliases: []string{"f"}, Usage: "a payload member, `path=value` (repeatable; a.b for nested objects); value is JSON when it parses as JSON, else a string; set over the JSON frame"},
		), loadFlags()...),
		Action: runSend,
	}
}

func talkUsage(name, format string, args ...any) error {
	return cli.Exit(fmt.Sprintf("chanx %s: "+format+" (see 'chanx %s --help')", append(append([]any{name}, args...), name)...), exitUsage)
}

// talk is what send and listen know about the channel before connecting.
type talk struct {
	name string // the command, for messages
	ch   *ir.Channel
	url  string
	// in are the messages the client may send (the server receives), out
	// those the server sends, each told apart by its side's key.
	in, out *match.Set
	plan    *chanplan.Channel
	// receives are the discriminator values of out, for the handlers.
	receives []string
	key      string // the key built-in frames (error, pong) are written under
	header   map[string][]string
	// schemas are the server-format validators of every message, made once.
	schemas map[*ir.Message]*oracle.Schema
}

// openTalk reads the flags send and listen share, loads the document and
// finds the channel.
func openTalk(c *cli.Context, name string) (*talk, error) {
	loc, base, chName := c.String("schema"), c.String("url"), c.String("channel")
	switch {
	case loc == "":
		return nil, talkUsage(name, "--schema is required")
	case base == "":
		return nil, talkUsage(name, "--url is required")
	case chName == "":
		return nil, talkUsage(name, "--channel is required")
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http" && u.Scheme != "https") {
		return nil, talkUsage(name, "--url %q: want ws://host:port or wss://host:port", base)
	}
	params := map[string]string{}
	for _, p := range c.StringSlice("param") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, talkUsage(name, "--param %q: want name=value", p)
		}
		params[k] = v
	}
	header := map[string][]string{}
	for _, h := range c.StringSlice("header") {
		k, v, ok := strings.Cut(h, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, talkUsage(name, "--header %q: want 'Name: value'", h)
		}
		header[k] = append(header[k], strings.TrimSpace(v))
	}
	api, err := analyzedDocument(c, "chanx "+name, loc)
	if err != nil {
		return nil, err
	}
	t := &talk{name: name, header: header, schemas: map[*ir.Message]*oracle.Schema{}}
	var names []string
	for _, ch := range api.Channels {
		names = append(names, ch.Name)
		if ch.Name == chName {
			t.ch = ch
		}
	}
	if t.ch == nil {
		return nil, talkUsage(name, "--channel %q: no such channel; the document has %s", chName, orNone(names))
	}
	if t.ch.Address == "" {
		return nil, talkUsage(name, "--channel %q: the channel has no address to connect to", chName)
	}
	for _, p := range t.ch.Parameters {
		if _, ok := params[p.Name]; ok {
			continue
		}
		switch {
		case p.Default != "":
			params[p.Name] = p.Default
		case len(p.Enum) > 0:
			params[p.Name] = p.Enum[0]
		case len(p.Examples) > 0:
			params[p.Name] = p.Examples[0]
		default:
			return nil, talkUsage(name, "channel %s: no value for address parameter %s (use --param %s=VALUE)", chName, p.Name, p.Name)
		}
	}
	address := t.ch.Address
	if a, err := url.Parse(address); err == nil && a.Host != "" {
		address = a.Path // a whole URL as address: the host is --url's
	}
	t.url, err = client.BuildURL(u.Scheme+"://"+u.Host, address, params)
	if err != nil {
		return nil, talkUsage(name, "channel %s: %v", chName, strings.TrimPrefix(err.Error(), "client: build url: "))
	}
	// The dispatch values come from the plan (spec/analyze's dispatch), as
	// conformance's do. Channels at the same address (outside topics)
	// share the connection, so what the server sends on any of them
	// arrives here too.
	pl := chanplan.Build(api)
	t.plan = pl.Channel(t.ch)
	var in, out []ir.DispatchCase
	for _, s := range t.plan.Client.Sends {
		if !slices.ContainsFunc(in, func(d ir.DispatchCase) bool { return d.Message == s.Message }) {
			in = append(in, ir.DispatchCase{Value: s.Value, Message: s.Message})
		}
	}
	for _, cp := range pl.Channels {
		if cp != t.plan && (cp.Address != t.ch.Address || cp.Topic != nil || t.ch.Topic != nil) {
			continue
		}
		for _, r := range cp.Client.Receives {
			if !slices.ContainsFunc(out, func(d ir.DispatchCase) bool { return d.Message == r.Message }) {
				out = append(out, ir.DispatchCase{Value: r.Value, Message: r.Message})
				t.receives = append(t.receives, r.Value)
			}
		}
	}
	if t.in, err = match.NewSet(t.plan.Server.Key, in); err != nil {
		return nil, cli.Exit(fmt.Sprintf("chanx %s: channel %s: %v", name, chName, err), exitInvalid)
	}
	if t.out, err = match.NewSet(t.plan.Client.Key, out); err != nil {
		return nil, cli.Exit(fmt.Sprintf("chanx %s: channel %s: %v", name, chName, err), exitInvalid)
	}
	t.key = t.plan.Server.Key
	if t.key == "" {
		t.key = t.plan.Client.Key
	}
	if t.key == "" {
		t.key = wire.DefaultKey
	}
	return t, nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// problems validates v as m and returns the problems in the server's
// format (PROTOCOL.md §4.1), nil when v is valid. The set decides; the
// wording comes from the runtime's schema fallback, which words problems
// as generated validators do, and match's own problems are converted when
// that fallback cannot compile the schema.
func (t *talk) problems(set *match.Set, m *ir.Message, v any) []wire.Problem {
	ps := set.Validate(m, v)
	if ps == nil {
		return nil
	}
	if o := t.oracle(m); o != nil {
		if wp := o.Validate(v); wp != nil {
			return wp
		}
	}
	return wireProblems(ps)
}

func (t *talk) oracle(m *ir.Message) *oracle.Schema {
	if s, ok := t.schemas[m]; ok {
		return s
	}
	var s *oracle.Schema
	if m.Payload != nil {
		if b, err := json.Marshal(match.Export(m.Payload)); err == nil {
			s, _ = oracle.Compile(b)
		}
	}
	t.schemas[m] = s
	return s
}

// wireProblems converts match's problems (JSON pointer, keyword) to the
// wire shape (loc, type, msg).
func wireProblems(ps []match.Problem) []wire.Problem {
	out := make([]wire.Problem, 0, len(ps))
	for _, p := range ps {
		loc := []any{}
		if p.Path != "" {
			for _, seg := range strings.Split(strings.TrimPrefix(p.Path, "/"), "/") {
				seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
				if n, err := strconv.Atoi(seg); err == nil {
					loc = append(loc, n)
				} else {
					loc = append(loc, seg)
				}
			}
		}
		out = append(out, wire.Problem{Type: wire.ProblemValueError, Loc: loc, Msg: p.Message})
	}
	return out
}

// frameLine is one printed frame.
type frameLine struct {
	Message  *string        `json:"message"`
	Valid    bool           `json:"valid"`
	Problems []wire.Problem `json:"problems"`
	Frame    any            `json:"frame"`
}

// judge decodes and validates one frame the server sent. A built-in frame
// (error, pong) the document does not declare is named and valid.
func (t *talk) judge(data []byte) frameLine {
	line := frameLine{Problems: []wire.Problem{}}
	v, err := rtvalidate.ParseJSON(data)
	if err != nil {
		line.Frame = string(data)
		line.Problems = []wire.Problem{{Type: wire.ProblemJSONInvalid, Loc: []any{}, Msg: "Invalid JSON: " + err.Error()}}
		return line
	}
	line.Frame = v
	r := t.out.Match(v)
	if r.Message != nil {
		name := r.Message.Name
		line.Message, line.Valid = &name, true
		return line
	}
	if obj, ok := v.(map[string]any); ok {
		if act, ok := obj[t.key].(string); ok && isServerBuiltin(act) {
			line.Message, line.Valid = &act, true
			return line
		}
		// A discriminator value no message has: no message, as the
		// server words an unknown tag.
		if p := t.out.Property; p != "" {
			if tag, ok := obj[p].(string); ok && !t.hasValue(tag) {
				line.Problems = []wire.Problem{{Type: wire.ProblemTagInvalid, Loc: []any{p}, Msg: wire.MsgTagInvalid(p, tag, slices.DeleteFunc(slices.Clone(t.receives), func(v string) bool { return v == "" }))}}
				return line
			}
		}
	}
	if r.Closest != nil {
		name := r.Closest.Name
		line.Message = &name
		line.Problems = t.problems(t.out, r.Closest, v)
		if len(line.Problems) == 0 {
			line.Problems = wireProblems(r.Problems)
		}
		return line
	}
	line.Problems = wireProblems(r.Problems)
	return line
}

// hasValue reports whether a message the server sends has tag as its
// discriminator value.
func (t *talk) hasValue(tag string) bool {
	return slices.Contains(t.receives, tag)
}

// received is a frame from the server, or the end of the connection.
type received struct {
	data []byte
	err  bool // an error frame
}

// dial connects to the channel, handing every frame the server sends to
// the returned channel in arrival order.
func (t *talk) dial(ctx context.Context) (*client.Client, <-chan received, error) {
	frames := make(chan received, 64)
	push := func(r received) {
		select {
		case frames <- r:
		default: // the reader is far behind; a CLI prints what it can
		}
	}
	opts := &client.Options{
		Header:        t.header,
		Discriminator: t.key,
		ReadLimit:     -1,
		Hooks: client.Hooks{
			OnError: func(_ context.Context, se *client.ServerError) {
				frame, _ := json.Marshal(map[string]any{t.key: wire.ActionError, wire.KeyPayload: se.Payload})
				push(received{data: frame, err: true})
			},
			OnInvalidMessage: func(_ context.Context, frame []byte, _ error) { push(received{data: frame}) },
			OnRawData: func(_ context.Context, _ websocket.MessageType, data []byte) {
				push(received{data: data})
			},
		},
	}
	c, err := client.New(t.url, opts)
	if err != nil {
		return nil, nil, err
	}
	handle := func(_ context.Context, f client.Frame) error {
		push(received{data: append([]byte(nil), f.Data...)})
		return nil
	}
	for _, v := range t.receives {
		if v != "" {
			c.HandleFrame(v, handle)
		}
	}
	for _, b := range wire.Builtins {
		if b.Direction == wire.ServerToClient && b.Name != wire.ActionError && !b.Topics {
			c.HandleFrame(b.Name, handle)
		}
	}
	if err := c.Connect(ctx); err != nil {
		return nil, nil, err
	}
	return c, frames, nil
}

func (t *talk) connectError(err error) error {
	var de *client.DialError
	if errors.As(err, &de) {
		msg := fmt.Sprintf("chanx %s: could not connect to %s", t.name, de.URL)
		if de.StatusCode != 0 {
			msg += fmt.Sprintf(": the server answered HTTP %d", de.StatusCode)
			if body := strings.TrimSpace(string(de.Body)); body != "" {
				msg += " (" + body + ")"
			}
		} else {
			msg += ": " + strings.TrimPrefix(de.Err.Error(), "failed to WebSocket dial: ")
		}
		return cli.Exit(msg, exitNoServer)
	}
	return cli.Exit(fmt.Sprintf("chanx %s: could not connect to %s: %v", t.name, t.url, err), exitNoServer)
}

func printLine(w io.Writer, l frameLine) {
	b, _ := json.Marshal(l)
	fmt.Fprintf(w, "%s\n", b)
}

func runSend(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 {
		return talkUsage("send", "MESSAGE is required: the name of the message to send")
	}
	if len(args) > 2 {
		return talkUsage("send", "unexpected argument %q", args[2])
	}
	if c.Int("wait") < -1 {
		return talkUsage("send", "--wait %d: want 0 or more", c.Int("wait"))
	}
	if c.Duration("timeout") <= 0 {
		return talkUsage("send", "--timeout %v: want a positive value", c.Duration("timeout"))
	}
	t, err := openTalk(c, "send")
	if err != nil {
		return err
	}
	msgName := args[0]
	var msg *ir.Message
	var names []string
	for _, m := range t.in.Messages() {
		names = append(names, m.Name)
		if m.Name == msgName || (t.in.Value(m) != "" && t.in.Value(m) == msgName) {
			msg = m
		}
	}
	if msg == nil {
		return talkUsage("send", "message %q: the client sends no such message on channel %s; it sends %s", msgName, t.ch.Name, orNone(names))
	}
	var raw []byte
	// With no JSON argument, stdin holds the frame unless it is a terminal
	// (nobody is typing one in: the message has no members to give, as ping).
	fromStdin := len(args) == 2 && args[1] == "-"
	if len(args) == 1 {
		f, ok := c.App.Reader.(*os.File)
		fromStdin = !ok || !isTerminal(f)
	}
	if len(args) == 2 && !fromStdin {
		raw = []byte(args[1])
	} else if fromStdin {
		if raw, err = io.ReadAll(c.App.Reader); err != nil {
			return cli.Exit(fmt.Sprintf("chanx send: read stdin: %v", err), exitUsage)
		}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	v, err := rtvalidate.ParseJSON(raw)
	if err != nil {
		printProblems(c.App.Writer, []wire.Problem{{Type: wire.ProblemJSONInvalid, Loc: []any{}, Msg: "Invalid JSON: " + err.Error()}})
		return cli.Exit("chanx send: the message is not JSON; nothing sent", exitInvalid)
	}
	if fields := c.StringSlice("field"); len(fields) > 0 {
		if v, err = setFields(v, fields); err != nil {
			return talkUsage("send", "%v", err)
		}
	}
	if obj, ok := v.(map[string]any); ok && t.in.Property != "" && t.in.Value(msg) != "" {
		if _, has := obj[t.in.Property]; !has {
			obj[t.in.Property] = t.in.Value(msg)
		}
	}
	if ps := t.problems(t.in, msg, v); ps != nil {
		printProblems(c.App.Writer, ps)
		return cli.Exit(fmt.Sprintf("chanx send: %s is invalid; nothing sent", msg.Name), exitInvalid)
	}
	frame, _ := json.Marshal(v)

	wait := c.Int("wait")
	if wait < 0 {
		wait = t.declaredReplies(msg)
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	cl, frames, err := t.dial(ctx)
	if err != nil {
		return t.connectError(err)
	}
	defer cl.CloseNow()
	if err := cl.SendText(ctx, frame); err != nil {
		return cli.Exit(fmt.Sprintf("chanx send: send to %s: %v", t.url, err), exitNoServer)
	}
	failed := false
	for got := 0; got < wait; {
		select {
		case r := <-frames:
			printLine(c.App.Writer, t.judge(r.data))
			got++
			failed = failed || r.err
		case <-cl.Done():
			return cli.Exit(fmt.Sprintf("chanx send: the connection to %s was lost after %d of %d replies", t.url, got, wait), exitNoServer)
		case <-ctx.Done():
			return cli.Exit(fmt.Sprintf("chanx send: %d of %d replies within --timeout %v", got, wait, c.Duration("timeout")), exitInvalid)
		}
	}
	closeCtx, cancelClose := context.WithTimeout(context.Background(), time.Second)
	defer cancelClose()
	_ = cl.Close(closeCtx)
	if failed {
		return cli.Exit("chanx send: the server answered with an error", exitInvalid)
	}
	return nil
}

// setFields sets each --field path=value under the frame's payload,
// creating the objects on the way. A value that parses as JSON is that
// JSON ("3", "true", "null", "[1]", "\"3\""); anything else is a string.
func setFields(frame any, fields []string) (any, error) {
	obj, ok := frame.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("--field needs a frame that is a JSON object")
	}
	for _, f := range fields {
		path, value, ok := strings.Cut(f, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("--field %q: want path=value", f)
		}
		var val any
		if parsed, err := rtvalidate.ParseJSON([]byte(value)); err == nil {
			val = parsed
		} else {
			val = value
		}
		at := obj
		keys := append([]string{"payload"}, strings.Split(path, ".")...)
		for i, k := range keys {
			if k == "" {
				return nil, fmt.Errorf("--field %q: empty member name in the path", f)
			}
			if i == len(keys)-1 {
				at[k] = val
				break
			}
			next, ok := at[k].(map[string]any)
			if !ok {
				if at[k] != nil {
					return nil, fmt.Errorf("--field %q: %s is not an object", f, strings.Join(keys[:i+1], "."))
				}
				next = map[string]any{}
				at[k] = next
			}
			at = next
		}
	}
	return obj, nil
}

// declaredReplies is how many replies the client waits for by default:
// one when the operation that receives msg declares a reply, else none.
func (t *talk) declaredReplies(msg *ir.Message) int {
	for _, r := range t.plan.Server.Receives {
		if r.Message == msg && (len(r.Replies) > 0 || r.Pong) {
			return 1
		}
	}
	return 0
}

func printProblems(w io.Writer, ps []wire.Problem) {
	b, _ := json.Marshal(ps)
	fmt.Fprintf(w, "%s\n", b)
}

func isServerBuiltin(name string) bool {
	_, ok := wire.LookupBuiltin(name, wire.ServerToClient)
	return ok
}
