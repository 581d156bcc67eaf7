package analyze

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// corpusDir is the folder of the 24 official AsyncAPI 3.0.0 examples,
// beside the module in the shared workspace; tests that need it skip when
// it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus", "asyncapi-3.0.0-examples"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s (it lives in the shared workspace, beside the module): %v", dir, err)
	}
	return dir
}

// corpusFiles lists the 24 documents of the corpus by their path relative
// to it.
func corpusFiles(t testing.TB) (string, []string) {
	dir := corpusDir(t)
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Base(filepath.Dir(path)) == "common" {
			return nil
		}
		if strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml") {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, files
}

func load(t testing.TB, path string) *spec.Document {
	t.Helper()
	// The parent folder is the $ref root: the social-media documents
	// share ../common.
	doc, err := spec.Load(context.Background(), path, spec.Options{NoRemote: true, FileRoot: filepath.Dir(filepath.Dir(path))})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return doc
}

// render writes diagnostics one a line, with file names made relative by
// dropping the prefixes in trim.
func render(diags spec.Diagnostics, trim ...string) string {
	var sb strings.Builder
	for _, d := range diags {
		line := d.String()
		for _, p := range trim {
			line = strings.ReplaceAll(line, p, "")
		}
		sb.WriteString(line)
		sb.WriteString("\n")
	}
	return sb.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	goldenfile.Check(t, path, []byte(got))
}

func absTestdata(t testing.TB) string {
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return abs + string(filepath.Separator)
}

// TestGolden dumps the ir of hand-written documents (Chanx-written ones,
// 3.1.0 ones, a recursive schema, a discriminator over oneOf, allOf) and
// checks them against testdata/*.golden.
func TestGolden(t *testing.T) {
	for _, name := range []string{"chanx-chat.json", "chanx-assistants.yaml", "chanx-notifications.yaml", "chanx-topics.yaml", "pets-3.1.yaml", "ticker-3.1.yaml"} {
		t.Run(name, func(t *testing.T) {
			doc := load(t, filepath.Join("testdata", name))
			api, diags := Build(context.Background(), doc)
			if api == nil {
				t.Fatalf("no API; diagnostics:\n%s", render(diags))
			}
			trim := []string{absTestdata(t), "testdata/"}
			got := dump(api, trim...) + "diagnostics:\n" + render(diags, trim...)
			golden(t, filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name))+".golden"), got)
		})
	}
}

// TestGoldenCorpus does the same for a few official examples: a
// request/reply WebSocket API, the multi-file set and the Avro one.
func TestGoldenCorpus(t *testing.T) {
	dir := corpusDir(t)
	for _, name := range []string{
		"kraken-websocket-request-reply-message-filter-in-reply-asyncapi.yml",
		"social-media/backend/asyncapi.yaml",
		"adeo-kafka-request-reply-asyncapi.yml",
		"streetlights-operation-security-asyncapi.yml",
	} {
		t.Run(name, func(t *testing.T) {
			doc := load(t, filepath.Join(dir, name))
			api, diags := Build(context.Background(), doc)
			if api == nil {
				t.Fatalf("no API; diagnostics:\n%s", render(diags))
			}
			trim := []string{dir + string(filepath.Separator)}
			got := dump(api, trim...) + "diagnostics:\n" + render(diags, trim...)
			base := strings.ReplaceAll(strings.TrimSuffix(name, filepath.Ext(name)), "/", "-")
			golden(t, filepath.Join("testdata", "corpus-"+base+".golden"), got)
		})
	}
}

// corpusWarnings are the documents of the corpus Build warns about, and
// why each warning is right.
var corpusWarnings = map[string][]string{
	// Avro payloads: chanx cannot read them, and must not fetch the
	// remote .avsc they refer to.
	// The response shares the request's correlation id, which points at a
	// REQUEST_ID header the response's headers schema does not declare
	// (it has CORRELATION_ID).
	"adeo-kafka-request-reply-asyncapi.yml": {
		`message "costingResponse": correlationId: "$message.header#/REQUEST_ID": the headers schema declares no property "REQUEST_ID"`,
		`message "costingRequestV1": payload: schemaFormat "application/vnd.apache.avro;version=1.9.0" is not one chanx reads`,
		`message "costingResponse": payload: schemaFormat "application/vnd.apache.avro;version=1.9.0" is not one chanx reads`,
	},
	// An object payload and a bare "\r\n" string share one send
	// operation: no payload property tells them apart.
	// They are told apart by schema, in declared order.
	"gitter-streaming-asyncapi.yml": {
		`channel "rooms": sent messages "chatMessage", "heartbeat" are told apart by schema in declared order`,
	},
	// Mercure is served over HTTP at an absolute URL: chanx keeps its
	// path.
	"mercure-asyncapi.yml": {
		`channel "books": address "https://example.com/books/{id}" is an absolute URL: chanx serves the channel at its path "/books/{id}"`,
	},
	// test2's two messages differ only by which property they declare,
	// neither required: told apart by schema in declared order (every
	// object is the first).
	"oneof-asyncapi.yml": {
		`channel "test2": sent messages "objectWithKey", "objectWithKey2" are told apart by schema in declared order`,
	},
	// The document gives two pairs of events the same type enum value
	// (botChanged says "bot_added", emojiAdded and emojiRemoved both say
	// "emoji_changed"): a real ambiguity of the example.
	"slack-rtm-asyncapi.yml": {
		`channel "root": sent messages "botAdded" and "botChanged" cannot be told apart at run time: both have type "bot_added"`,
		`channel "root": sent messages "emojiRemoved" and "emojiAdded" cannot be told apart at run time: both have type "emoji_changed"`,
	},
}

// TestCorpus builds all 24 official examples: no errors, warnings only
// where corpusWarnings says why.
func TestCorpus(t *testing.T) {
	dir, files := corpusFiles(t)
	if len(files) != 24 {
		t.Fatalf("found %d corpus documents, want 24: %v", len(files), files)
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			api, diags := Build(context.Background(), load(t, filepath.Join(dir, name)))
			if api == nil {
				t.Fatalf("no API:\n%s", render(diags))
			}
			if diags.HasErrors() {
				t.Fatalf("errors:\n%s", render(diags))
			}
			want := corpusWarnings[name]
			if len(diags) != len(want) {
				t.Fatalf("got %d warnings, want %d:\n%s", len(diags), len(want), render(diags))
			}
			for i, d := range diags {
				if !strings.Contains(d.Message, want[i]) {
					t.Errorf("warning %d = %q, want it to contain %q", i, d.Message, want[i])
				}
			}
			if api.Bundled == nil {
				t.Errorf("Bundled is nil")
			}
		})
	}
}

// TestCorpusCounts pins what a few documents hold.
func TestCorpusCounts(t *testing.T) {
	dir := corpusDir(t)
	for _, tc := range []struct {
		name                  string
		channels, ops, msgs   int
		servers, schemas      int
		dispatchProp, dirName string
	}{
		{"slack-rtm-asyncapi.yml", 1, 2, 47, 1, 1, "type", "root"},
		{"kraken-websocket-request-reply-multiple-channels-asyncapi.yml", 7, 5, 8, 0, 20, "event", "currencyInfo"},
		{"streetlights-kafka-asyncapi.yml", 4, 4, 3, 2, 4, "", "lightingMeasured"},
		{"social-media/backend/asyncapi.yaml", 4, 4, 4, 2, 0, "", "newLikeComment"},
		{"rpc-server-asyncapi.yml", 2, 2, 2, 1, 0, "", "queue"},
		{"adeo-kafka-request-reply-asyncapi.yml", 2, 2, 2, 3, 10, "", "costingRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, _ := Build(context.Background(), load(t, filepath.Join(dir, tc.name)))
			got := [5]int{len(api.Channels), len(api.Operations), len(api.Messages), len(api.Servers), len(api.Schemas)}
			want := [5]int{tc.channels, tc.ops, tc.msgs, tc.servers, tc.schemas}
			if got != want {
				t.Errorf("channels, operations, messages, servers, schemas = %v, want %v", got, want)
			}
			ch := channel(api, tc.dirName)
			if ch == nil || len(ch.Dispatch) == 0 {
				t.Fatalf("channel %q has no dispatch", tc.dirName)
			}
			if ch.Dispatch[0].Property != tc.dispatchProp {
				t.Errorf("channel %q dispatch property = %q, want %q", tc.dirName, ch.Dispatch[0].Property, tc.dispatchProp)
			}
		})
	}
}

func channel(api *ir.API, name string) *ir.Channel {
	for _, ch := range api.Channels {
		if ch.Name == name {
			return ch
		}
	}
	return nil
}

// TestChanxDocuments: documents written by Python Chanx servers validate
// against the official schema, build without a single diagnostic, and
// every channel dispatches on "action" in both directions it uses.
func TestChanxDocuments(t *testing.T) {
	for _, tc := range []struct {
		name string
		dirs map[string]int // channel -> directions with messages
	}{
		{"chanx-chat.json", map[string]int{"chat_room": 2}},
		{"chanx-assistants.yaml", map[string]int{"conversation": 2}},
		{"chanx-notifications.yaml", map[string]int{"user_notifications": 2, "team_feed": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := load(t, filepath.Join("testdata", tc.name))
			if diags := spec.Validate(context.Background(), doc); diags.HasErrors() {
				t.Fatalf("official schema:\n%s", render(diags))
			}
			api, diags := Build(context.Background(), doc)
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", render(diags))
			}
			for _, ch := range api.Channels {
				if len(ch.Dispatch) != tc.dirs[ch.Name] {
					t.Errorf("channel %q: %d dispatch directions, want %d", ch.Name, len(ch.Dispatch), tc.dirs[ch.Name])
				}
				for _, d := range ch.Dispatch {
					if d.Property != "action" || d.ByDiscriminator {
						t.Errorf("channel %q %s: dispatch property %q (discriminator %v), want action by const", ch.Name, d.Action, d.Property, d.ByDiscriminator)
					}
					for _, c := range d.Cases {
						if c.Value != c.Message.Name {
							t.Errorf("channel %q %s: case %q -> %s, want the action to equal the message name", ch.Name, d.Action, c.Value, c.Message.Name)
						}
					}
				}
			}
		})
	}
}

// TestValidDocumentsPassOfficialSchema keeps the hand-written 3.1.0 and
// schema documents honest: they must be valid AsyncAPI.
func TestValidDocumentsPassOfficialSchema(t *testing.T) {
	for _, name := range []string{"pets-3.1.yaml", "ticker-3.1.yaml"} {
		doc := load(t, filepath.Join("testdata", name))
		if diags := spec.Validate(context.Background(), doc); diags.HasErrors() {
			t.Errorf("%s: official schema:\n%s", name, render(diags))
		}
	}
}

// brokenWant names, for each document under testdata/broken, the
// diagnostic it exists for. The golden file beside it holds every
// diagnostic, exactly, with its line:col.
var brokenWant = map[string]string{
	"undeclared-param":                   `broken/undeclared-param.yaml:7:14: channel "room": address parameter "member" is not declared in parameters`,
	"unused-param":                       `channel "room": parameter "member" is not used in the address "/rooms/{room}"`,
	"address-unclosed-brace":             `address "/rooms/{room": { without a matching }`,
	"address-repeated-param":             `address "/rooms/{room}/mirror/{room}" uses parameter "room" twice`,
	"address-wildcard-in-segment":        `broken/address-wildcard-in-segment.yaml:7:14: channel "room": address "/rooms/{org}-{room}": placeholder {org} must be a whole path segment`,
	"address-param-not-identifier":       `channel "user": address "/users/{user-id}": parameter name "user-id" is not a Go identifier`,
	"address-not-mountable":              `channel "chat": address "/chat room/{room}" cannot be mounted: parsing "/chat room/{room}": at offset 0: invalid method "/chat"`,
	"numeric-discriminator":              `broken/numeric-discriminator.yaml:14:15: channel "ws": received message "join": property "action", which tells the channel's messages apart, is pinned to 1, a number`,
	"boolean-discriminator":              `channel "ws": sent message "on": property "type", which tells the channel's messages apart, is pinned to true, a boolean`,
	"op-channel-missing":                 `operation "sayHello": channel: $ref "#/channels/chats"`,
	"op-channel-not-under-channels":      `operation "sayHello": channel: "#/components/channels/chat" is not a channel under channels`,
	"op-message-not-in-channel":          `operation "sayHello": message "headline" is not a message of channel "chat"`,
	"op-message-via-components":          `broken/op-message-via-components.yaml:19:15: operation "joinRoom": message "join": $ref "#/components/messages/join" does not lead through channel "room": Operation message does not belong to the specified channel`,
	"non-json-content-type":              `warning: message "tick": contentType "application/msgpack" is not JSON`,
	"absolute-url-address":               `warning: channel "stream": address "wss://stream.example.com/v1/stream/{market}" is an absolute URL: chanx serves the channel at its path "/v1/stream/{market}"`,
	"reply-message-not-in-reply-channel": `operation "handleAsk": reply: message "ask" is not a message of channel "answers"`,
	"reply-channel-missing":              `operation "handleAsk": reply: channel: $ref "#/channels/answers"`,
	"indistinguishable-messages":         `warning: channel "events": sent messages "userCreated" and "userDeleted" cannot be told apart at run time`,
	"same-const-value":                   `warning: channel "ws": received messages "ping" and "heartbeat" cannot be told apart at run time: both have action "ping"`,
	"colliding-names":                    `channel "user-signup" collides with channel "user_signup"`,
	"property-collision":                 `warning: property "userId" collides with property "user_id"`,
	"unreadable-schema-format":           `warning: message "costingRequest": payload: schemaFormat "application/vnd.apache.avro;version=1.9.0" is not one chanx reads`,
	"dangling-schema-ref":                `$ref "#/components/schemas/Ordr"`,
	"dangling-message-ref":               `channel "orders": message "orderPlaced": $ref "#/components/messages/orderPlacd"`,
	"dangling-file-ref":                  `missing-messages.yaml`,
	"message-ref-cycle":                  `$ref cycle`,
	"schema-ref-cycle":                   `$ref cycle`,
	"discriminator-missing-in-variant":   `discriminator property "petType" of schema "Pet" is missing in Dog`,
	"discriminator-not-a-property":       `discriminator property "kind" is not defined in the schema's properties`,
	"duplicate-receiver":                 `warning: operations "handlePost" and "auditPost" both receive message "post" on channel "chat"`,
	"correlation-id-unknown-property":    `warning: message "call": correlationId: "$message.payload#/request/id": the payload schema declares no property "id" under "request"`,
	"channel-server-missing":             `channel "chat": server: $ref "#/servers/production"`,
	"topic-missing-pattern":              `broken/topic-missing-pattern.yaml:9:7: channel "hub_room": x-topic: missing "pattern": the topics it serves, such as "room:{room_name}"`,
	"topic-undeclared-param":             `broken/topic-undeclared-param.yaml:11:19: channel "hub_room": x-topic: pattern parameter "part" is not declared in parameters`,
	"topic-same-pattern":                 `broken/topic-same-pattern.yaml:16:16: channel "hub_lobby": x-topic pattern "room:{id}" is also channel "hub_room"'s`,
	"topic-bad-pattern":                  `channel "hub_room": x-topic: pattern "room:{a}{b}": parameter "b" follows another with nothing between them`,
	"topic-not-object":                   `channel "hub_room": x-topic must be an object with name, pattern and parameters`,
	"topic-name-two-patterns":            `channel "room": x-topic "room_topic" has pattern "rooms:{id}" here and "room:{id}" on channel "hub_room"`,
	"security-scheme-missing":            `server "prod": security: $ref "#/components/securitySchemes/token"`,
}

// TestBroken builds each semantically broken document and compares every
// diagnostic, message and line:col, with testdata/broken/NAME.golden.
func TestBroken(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("found %d broken documents, want at least 12", len(files))
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := brokenWant[name]
			if !ok {
				t.Fatalf("add %s to brokenWant: the diagnostic it exists for", name)
			}
			_, diags := Build(context.Background(), load(t, path))
			got := render(diags, absTestdata(t), "testdata/")
			if !strings.Contains(got, want) {
				t.Errorf("diagnostics do not contain %q:\n%s", want, got)
			}
			golden(t, strings.TrimSuffix(path, ".yaml")+".golden", got)
		})
	}
	for name := range brokenWant {
		if !seen[name] {
			t.Errorf("brokenWant names %s, which has no testdata/broken/%s.yaml", name, name)
		}
	}
}

// recordingTransport fails every request and remembers its URL.
type recordingTransport struct{ urls []string }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.URL.String())
	return nil, fmt.Errorf("test transport: no network")
}

// TestNoFetchForUnreadablePayloads: with remote fetches allowed, building
// adeo-kafka (Avro payloads and a Kafka binding key that $ref remote .avsc
// files) must not make a single request.
func TestNoFetchForUnreadablePayloads(t *testing.T) {
	dir := corpusDir(t)
	rec := &recordingTransport{}
	opts := spec.Options{HTTPClient: &http.Client{Transport: rec}}
	doc, err := spec.Load(context.Background(), filepath.Join(dir, "adeo-kafka-request-reply-asyncapi.yml"), opts)
	if err != nil {
		t.Fatal(err)
	}
	api, diags := Build(context.Background(), doc)
	if diags.HasErrors() {
		t.Fatalf("errors:\n%s", render(diags))
	}
	if len(rec.urls) > 0 {
		t.Errorf("Build fetched %v", rec.urls)
	}
	for _, m := range api.Messages {
		if m.Payload != nil {
			t.Errorf("message %s: payload built from an Avro schema", m.Name)
		}
	}
	for _, m := range api.Messages {
		if m.Name != "costingResponse" {
			continue
		}
		kafka, _ := m.Bindings["kafka"].(map[string]any)
		key, _ := kafka["key"].(map[string]any)
		if ref, _ := key["$ref"].(string); !strings.HasSuffix(ref, "CostingResponseKey.avsc") {
			t.Errorf("kafka binding key lost its $ref: %v", m.Bindings)
		}
	}
}
