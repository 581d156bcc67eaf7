package analyze

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/spec"
)

// largeDocument writes a Chanx-style document with n channels, each with a
// path parameter, a received message with a reply and a sent event, every
// payload a named schema with nested properties.
func largeDocument(n int) []byte {
	var sb strings.Builder
	sb.WriteString("asyncapi: 3.0.0\ninfo:\n  title: Large\n  version: 1.0.0\nchannels:\n")
	for i := range n {
		fmt.Fprintf(&sb, `  room_%[1]d:
    address: /ws/rooms/%[1]d/{member_id}
    parameters:
      member_id:
        description: Path parameter member_id
    messages:
      post_%[1]d:
        $ref: '#/components/messages/post_%[1]d'
      posted_%[1]d:
        $ref: '#/components/messages/posted_%[1]d'
      joined_%[1]d:
        $ref: '#/components/messages/joined_%[1]d'
`, i)
	}
	sb.WriteString("operations:\n")
	for i := range n {
		fmt.Fprintf(&sb, `  handle_post_%[1]d:
    action: receive
    channel:
      $ref: '#/channels/room_%[1]d'
    messages:
      - $ref: '#/channels/room_%[1]d/messages/post_%[1]d'
    reply:
      channel:
        $ref: '#/channels/room_%[1]d'
      messages:
        - $ref: '#/channels/room_%[1]d/messages/posted_%[1]d'
  send_joined_%[1]d:
    action: send
    channel:
      $ref: '#/channels/room_%[1]d'
    messages:
      - $ref: '#/channels/room_%[1]d/messages/joined_%[1]d'
`, i)
	}
	sb.WriteString("components:\n  messages:\n")
	for i := range n {
		for _, kind := range []string{"post", "posted", "joined"} {
			fmt.Fprintf(&sb, "    %[2]s_%[1]d:\n      payload:\n        $ref: '#/components/schemas/%[2]s%[1]d'\n", i, kind)
		}
	}
	sb.WriteString("  schemas:\n    Body:\n      type: object\n      properties:\n        text:\n          type: string\n        tags:\n          type: array\n          items:\n            type: string\n")
	for i := range n {
		for _, kind := range []string{"post", "posted", "joined"} {
			fmt.Fprintf(&sb, `    %[2]s%[1]d:
      type: object
      properties:
        action:
          const: %[2]s_%[1]d
          default: %[2]s_%[1]d
          type: string
        payload:
          type: object
          properties:
            body:
              $ref: '#/components/schemas/Body'
            at:
              anyOf:
                - type: string
                  format: date-time
                - type: 'null'
              default: null
      required: [payload]
`, i, kind)
		}
	}
	return []byte(sb.String())
}

// TestBuildLarge checks that the generated document is one Build accepts,
// so that BenchmarkBuildLarge measures the real path.
func TestBuildLarge(t *testing.T) {
	doc, err := spec.Parse("large.yaml", largeDocument(200), spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	api, diags := Build(context.Background(), doc)
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", render(diags))
	}
	if len(api.Channels) != 200 || len(api.Operations) != 400 || len(api.Messages) != 600 {
		t.Fatalf("got %d channels, %d operations, %d messages", len(api.Channels), len(api.Operations), len(api.Messages))
	}
	for _, ch := range api.Channels {
		if len(ch.Dispatch) != 2 || ch.Dispatch[1].Property != "action" || len(ch.Dispatch[1].Cases) != 2 {
			t.Fatalf("channel %s: unexpected dispatch %+v", ch.Name, ch.Dispatch)
		}
	}
}

// BenchmarkBuildLarge builds a 2,000-channel document (6,000 messages and
// schemas); parsing is outside the timed loop.
func BenchmarkBuildLarge(b *testing.B) {
	data := largeDocument(2000)
	b.SetBytes(int64(len(data)))
	docs := make([]*spec.Document, 0, b.N)
	for range b.N {
		doc, err := spec.Parse("large.yaml", data, spec.Options{NoRemote: true})
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, doc)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, diags := Build(context.Background(), docs[i]); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
