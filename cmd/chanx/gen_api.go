package main

import (
	"context"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/chanxgo/chanx/codegen"
	"github.com/chanxgo/chanx/codegen/goapi"
	"github.com/chanxgo/chanx/codegen/python"
	"github.com/chanxgo/chanx/codegen/typescript"
	"github.com/chanxgo/chanx/ir"
)

const genServerDescription = `Generates a Go server package from the AsyncAPI document, over chanx's
server runtime: the message types and validators (types.go), and in
server.go, per channel, a handler interface with one method per receive
operation (typed reply when the operation declares one), an
Unimplemented<Channel>Handler to embed, typed path parameters, typed senders
(to the connection, to a group with or without the sender, and from outside
any connection by group or connection id) and Mount<Channel>, which mounts
the channel on a *server.Server. The document is embedded (asyncapi.json,
asyncapi.yaml) and MountDocs serves it with a readable page at
/asyncapi/docs (and /asyncapi/docs/, /asyncapi/).

Topics (x-topic channels) are generated per topic: <Topic>Params from the
pattern's parameters, a <Topic>Handler (Authorize, OnSubscribe,
OnUnsubscribe and a typed method per message subscribers send) with
Unimplemented<Topic>Handler to embed, a <Topic> pusher with
Push<Message>(ctx, params, msg) and Mount<Topic>, which declares the topic
on its hub and on its dedicated route.

A channel whose received messages cannot be told apart is refused, naming
both messages. Regenerating the same document gives the same bytes; with
--check nothing is written and the command exits 1 with a diff when the
directory is stale. Works from //go:generate:
   //go:generate chanx gen server -s asyncapi.yaml -o ./api

Exit status: 0 done (or up to date), 1 the document has problems or the
output is stale, 2 unusable arguments.`

const genClientDescription = `Generates a client package from the AsyncAPI document in the language
--lang names: go (the default), typescript or python.

A Python client (Pydantic v2 models and a client class per channel over
the runtime in base/) is written exactly as 'chanx generate-client'
writes it, with the same meaning of each flag: a regeneration keeps an
existing base/, which users customise (--override-base writes it anew),
and clears the files chanx wrote in channel folders (--no-clear-channels
keeps them); --clear-output first removes every file chanx wrote, base/
included; --formatter is a command run on the written .py files (default:
ruff format, else black, when on PATH; the output is black-clean without
them); --check compares everything but a kept base/. --typed-formats and
--types-package are for Go.

The TypeScript client has no dependencies (ES modules, browsers and Node 20+):

   DIR/types.ts        an interface per message frame and payload, enums as
                       string-literal unions, <Channel>Incoming/Outgoing
                       unions a switch on the discriminator narrows
   DIR/validators.ts   plain validator functions reporting the problems the
                       Go server reports ({type, loc, msg})
   DIR/<channel>.ts    <Channel>Client: connect, close, send<Message>,
                       request<Message> for messages with a reply, on<Message>
   DIR/index.ts        everything, re-exported; import it
   DIR/README.md       usage in a browser bundle and in Node (--no-readme)
   DIR/base/           the client runtime

Like the Python client's, an existing base/ is kept as it is, so it may be
customised (--override-base writes it anew; --check then compares it too);
--clear-output first removes every file chanx wrote in DIR, base/ included,
and leaves your own files.

The Go client is over chanx's client runtime: the message types and validators (types.go), and in
client.go, per channel, New<Channel>Client (typed path parameters; ws, wss,
http or https base URLs; headers, hooks and reconnection through
client.Options), a typed Send per message the client may send (Request when
the document declares a reply), typed handlers and an IncomingMessage
interface for exhaustive type switches; per topic (x-topic),
New<Topic>Subscription and Subscribe<Topic> return a subscription with typed
push handlers and Send/Request methods, answered by ref. README.md explains
its use (--no-readme leaves it out).

Regenerating the same document gives the same bytes; with --check nothing
is written and the command exits 1 with a diff when the directory is
stale. Works from //go:generate:
   //go:generate chanx gen client -s asyncapi.yaml -o ./client

Exit status: 0 done (or up to date), 1 the document has problems or the
output is stale, 2 unusable arguments.`

// genServerTargets are the languages of 'chanx gen server'.
var genServerTargets = codegen.NewTargets("server").Add("go", goapiTarget(goapi.GenerateServer))

// genClientTargets are the languages of 'chanx gen client --lang'.
var genClientTargets = codegen.NewTargets("client").
	Add("go", goapiTarget(goapi.GenerateClient)).
	Add("typescript", typescript.Target).
	Add("python", python.Target)

// goapiTarget makes a goapi generator a codegen.Target.
func goapiTarget(generate func(context.Context, *ir.API, goapi.Options) (map[string][]byte, error)) codegen.Target {
	return codegen.TargetFunc(func(ctx context.Context, api *ir.API, o codegen.Options) (map[string][]byte, error) {
		return generate(ctx, api, goapi.Options{Package: o.Package, Source: o.Source, NoFormat: o.NoFormat, TypedFormats: o.TypedFormats, NoReadme: o.NoReadme, TypesPackage: o.TypesPackage, Version: o.Version})
	})
}

// genServerCommand is 'chanx gen server': a typed server package.
func genServerCommand(flags []cli.Flag) *cli.Command {
	return &cli.Command{Name: "server", Usage: "generate a typed Go server package for a document's channels",
		UsageText: "chanx gen server -s PATH|URL -o DIR [--package NAME] [--check]", Description: genServerDescription, Flags: flags,
		Action: func(c *cli.Context) error { return runGen(c, "server", genServerTargets) }}
}

// genClientCommand is 'chanx gen client': a typed client package.
func genClientCommand(flags []cli.Flag) *cli.Command {
	lang := &cli.StringFlag{Name: "lang", Value: "go",
		Usage: "the client's language: " + strings.Join(genClientTargets.Languages(), ", ")}
	return &cli.Command{Name: "client", Usage: "generate a typed client package for a document's channels",
		UsageText: "chanx gen client -s PATH|URL -o DIR [--lang go|typescript|python] [--package NAME] [--no-readme] [--check] [--override-base] [--no-clear-channels]", Description: genClientDescription,
		Flags: append(append([]cli.Flag{lang}, flags...),
			&cli.BoolFlag{Name: "override-base", Usage: "python, typescript: write base/ anew even when it exists (default: an existing base/ is kept)"},
			&cli.BoolFlag{Name: "no-clear-channels", Usage: "python: keep the files chanx wrote in channel folders instead of clearing them first"}),
		Action: func(c *cli.Context) error { return runGen(c, "client", genClientTargets) }}
}
