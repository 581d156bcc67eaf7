package goapi

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
)

// TestRefusesTopics: until the Go target generates topics, a document
// with x-topic channels is refused at the first topic's x-topic, naming
// the channel, by the server and the client generators, instead of a
// server that mounts the topic channels as plain ones beside the hub
// (each claiming /ws/topics) and a client that sends topic frames
// unsubscribed.
func TestRefusesTopics(t *testing.T) {
	api := gentest.Load(t, filepath.Join("..", "plan", "testdata", "topics.yaml"))
	for name, gen := range map[string]func(context.Context) error{
		"server": func(ctx context.Context) error { _, err := GenerateServer(ctx, api, Options{}); return err },
		"client": func(ctx context.Context) error { _, err := GenerateClient(ctx, api, Options{}); return err },
	} {
		err := gen(context.Background())
		want := `topics.yaml:54:7: channel "room_topic": x-topic "room_topic" (pattern "room:{room_name}"): topics are not generated for the Go ` + name + ` yet (issue 13)`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, want)
		}
	}
}
