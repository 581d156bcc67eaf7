package goapi

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
)

// generatedNames are the package-level names the server, client and
// shared types packages declare for a document with one channel "chat"
// (receiving join, with two possible replies, and note; sending news and
// the payload-less blob) on the server "production".
var generatedNames = []string{
	// server.go
	"MountDocs", "Document", "DocumentYAML", "ErrNotImplemented",
	"ChatAddress", "ChatDiscriminator", "ChatParams", "ChatConn", "ChatEvents", "NewChatEvents",
	"ChatHandler", "UnimplementedChatHandler", "RegisterChat", "MountChat",
	"ChatJoinReply", "BlobMessage",
	// client.go
	"ServerProduction", "ChatClient", "NewChatClient", "ChatHandlers", "ChatIncomingMessage",
	// types.go and the shared layout's messages.go
	"SupportPackageIsVersion3", "JoinPayload", "NotePayload",
}

// clashDocument uses every generated name as the name of a message of
// its own, sent by clients on the channel, plus the messages that make
// the generator declare those names.
func clashDocument() string {
	var msgs, refs, recv strings.Builder
	msg := func(name string, payload bool) {
		fmt.Fprintf(&refs, "      %s: {$ref: '#/components/messages/%s'}\n", name, name)
		if !payload {
			fmt.Fprintf(&msgs, "    %s: {summary: no payload}\n", name)
			return
		}
		fmt.Fprintf(&msgs, `    %s:
      payload:
        type: object
        required: [action, payload]
        properties:
          action: {type: string, const: %s}
          payload: {type: object, properties: {text: {type: string}}}
`, name, name)
	}
	for _, n := range []string{"join", "joined", "refused", "note", "news"} {
		msg(n, true)
	}
	msg("blob", false)
	for _, n := range generatedNames {
		msg(n, true)
		fmt.Fprintf(&recv, "      - {$ref: '#/channels/chat/messages/%s'}\n", n)
	}
	return `asyncapi: 3.0.0
info: {title: clashes, version: 1.0.0}
servers:
  production: {host: example.com, protocol: wss}
channels:
  chat:
    address: /chat
    messages:
` + refs.String() + `operations:
  join:
    action: receive
    channel: {$ref: '#/channels/chat'}
    messages: [{$ref: '#/channels/chat/messages/join'}]
    reply:
      messages: [{$ref: '#/channels/chat/messages/joined'}, {$ref: '#/channels/chat/messages/refused'}]
  note:
    action: receive
    channel: {$ref: '#/channels/chat'}
    messages: [{$ref: '#/channels/chat/messages/note'}]
  names:
    action: receive
    channel: {$ref: '#/channels/chat'}
    messages:
` + recv.String() + `  tell:
    action: send
    channel: {$ref: '#/channels/chat'}
    messages: [{$ref: '#/channels/chat/messages/news'}, {$ref: '#/channels/chat/messages/blob'}]
components:
  messages:
` + msgs.String()
}

// TestGeneratedNamesNeverClash is issue 19's item 3: a document whose
// messages are named after every declaration the generated packages make
// (MountDocs, Document, DocumentYAML, the Unimplemented handler,
// ErrNotImplemented, the Params and Conn types, the client's types…)
// generates server and client packages, with their own types and with one
// shared types package, that build: the generated names step aside the
// way clashing message types do, and every message keeps its type.
func TestGeneratedNamesNeverClash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	path := filepath.Join(t.TempDir(), "clashes.yaml")
	if err := os.WriteFile(path, []byte(clashDocument()), 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	generateBoth(t, files, path, "own")
	generateShared(t, files, path, "shared")
	if t.Failed() {
		return
	}
	// Every message is still a type of its own name.
	types := string(files["own/server/types.go"])
	for _, n := range generatedNames {
		if !strings.Contains(types, "\ntype "+n+" struct") {
			t.Errorf("types.go declares no message type %s", n)
		}
	}
	// A program that is server and client at once, over the shared types.
	files["both/main.go"] = []byte(`package main

import (
	client "chanxgen.test/shared/client"
	server "chanxgen.test/shared/server"
	types "chanxgen.test/shared/types"
)

func main() {
	var m *types.MountDocs = &server.MountDocs{}
	var _ *client.MountDocs = m
	_ = server.MountDocs2
	_ = server.Document2
	_ = server.DocumentYAML2
	_ = client.NewChat2Client
}
`)
	gentest.BuildModule(t, files, "vet", "./...")
}
