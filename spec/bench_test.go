package spec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// largeDocument writes an AsyncAPI document with the given number of
// channels, each with a parameter, WebSocket bindings, three messages with
// payload schemas and two operations, about 2.4 KB per channel.
func largeDocument(channels int) []byte {
	var b strings.Builder
	b.WriteString("asyncapi: 3.0.0\ninfo:\n  title: Large\n  version: 1.0.0\nchannels:\n")
	for i := range channels {
		fmt.Fprintf(&b, `  room%[1]d:
    address: /ws/rooms/%[1]d/{room}
    description: Room number %[1]d, generated to measure validation of large documents.
    bindings:
      ws:
        method: GET
        query:
          type: object
          properties:
            token: {type: string, description: An access token for room %[1]d.}
    parameters:
      room:
        description: The room name.
    messages:
      join%[1]d:
        $ref: '#/components/messages/join%[1]d'
      chat%[1]d:
        name: chat
        summary: A chat message in room %[1]d.
        description: |
          A member of room %[1]d says something to everyone in the room. The
          server checks the text, stores it and relays it to every member.
        contentType: application/json
        tags:
          - name: chat
          - name: room%[1]d
        headers:
          type: object
          properties:
            traceId: {type: string, pattern: '^[0-9a-f]{32}$'}
        examples:
          - name: hello
            summary: A greeting.
            payload:
              action: chat
              payload: {text: Hello room %[1]d, sentAt: '2026-11-22T00:00:00Z', mentions: [alice, bob]}
        payload:
          type: object
          required: [action, payload]
          properties:
            action:
              const: chat
              type: string
            payload:
              type: object
              properties:
                text: {type: string, maxLength: 4096, description: The message text.}
                sentAt: {type: string, format: date-time}
                mentions: {type: array, items: {type: string}}
      left%[1]d:
        payload:
          type: object
          properties:
            action: {const: left, type: string}
            payload: {type: 'null'}
`, i)
	}
	b.WriteString("operations:\n")
	for i := range channels {
		fmt.Fprintf(&b, `  receive%[1]d:
    action: receive
    channel: {$ref: '#/channels/room%[1]d'}
    messages:
      - $ref: '#/channels/room%[1]d/messages/chat%[1]d'
      - $ref: '#/channels/room%[1]d/messages/join%[1]d'
  send%[1]d:
    action: send
    channel: {$ref: '#/channels/room%[1]d'}
    messages:
      - $ref: '#/channels/room%[1]d/messages/left%[1]d'
`, i)
	}
	b.WriteString("components:\n  messages:\n")
	for i := range channels {
		fmt.Fprintf(&b, `    join%[1]d:
      name: join
      payload:
        type: object
        properties:
          action: {const: join, type: string}
          payload:
            type: object
            properties:
              user: {type: string, minLength: 1}
`, i)
	}
	return []byte(b.String())
}

// BenchmarkValidateLarge loads and validates a generated 2,000-channel
// document of about 4.7 MB (target: under 2 s on a 2-vCPU machine).
func BenchmarkValidateLarge(b *testing.B) {
	data := largeDocument(2000)
	path := filepath.Join(b.TempDir(), "large.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(data))/(1<<20), "MB")
	ctx := context.Background()
	if _, err := officialSchema("3.0.0"); err != nil { // compile outside the timing
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		doc, err := Load(ctx, path, Options{NoRemote: true})
		if err != nil {
			b.Fatal(err)
		}
		if diags := Validate(ctx, doc); len(diags) > 0 {
			b.Fatal(diags.Err())
		}
	}
}

// TestLargeDocumentErrorsAreLinear checks that many errors in a large
// document are located without rescanning it for each one.
func TestLargeDocumentErrors(t *testing.T) {
	data := strings.ReplaceAll(string(largeDocument(300)), "action: send", "action: publish")
	doc, err := Parse("large.yaml", []byte(data), Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	diags := Validate(context.Background(), doc)
	if len(diags) != 300 {
		t.Fatalf("got %d diagnostics, want 300", len(diags))
	}
	if !strings.HasPrefix(diags[0].String(), `large.yaml:`) || !strings.Contains(diags[0].String(), `.action: value must be one of "send", "receive"`) {
		t.Errorf("first: %s", diags[0])
	}
}
