package python

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
)

// TestRefusesTopics: a document with x-topic channels is refused at the
// first topic's x-topic, naming the channel and saying the Python
// target does not generate topics yet, instead of a client that treats
// the topic channels as plain ones (frames sent without subscribing,
// which a topic server answers with not_subscribed).
func TestRefusesTopics(t *testing.T) {
	doc := filepath.Join(gentest.ModuleRoot(t), "spec", "analyze", "testdata", "chanx-topics.yaml")
	_, err := Generate(context.Background(), gentest.Load(t, doc), Options{})
	want := `chanx-topics.yaml:54:7: channel "room_topic": x-topic "room_topic" (pattern "room:{room_name}"): topics are not generated for Python clients yet (issue 13)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an error containing %q", err, want)
	}
}
