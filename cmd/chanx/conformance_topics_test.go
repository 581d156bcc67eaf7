package main

import (
	"strings"
	"testing"

	"github.com/chanxgo/chanx/internal/topicpeer"
)

// TestConformanceCLITopicServer runs 'chanx conformance' against the
// Node topic server of internal/topicpeer (written without chanx): it
// passes, with the topic checks among the results; the same server
// without topics fails topic-subscribe, exit 1, naming the answer.
func TestConformanceCLITopicServer(t *testing.T) {
	url := topicpeer.StartServer(t)
	code, out, errOut := runConformanceCLI(t, "-s", topicpeer.Document(), "--url", url, "--seed", "3", "--timeout", "5s", "--param", "room=lobby")
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"PASS topic-subscribe            topic_hub_room_topic", "PASS topic-errors               topic_hub_room_topic", "PASS topic-subscribe            room_topic", "PASS reply-received             topic_hub_room_topic/topic_hub_handle_echo"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}

	broken := topicpeer.StartServer(t, topicpeer.NoTopics)
	code, out, _ = runConformanceCLI(t, "-s", topicpeer.Document(), "--url", broken, "--seed", "3", "--timeout", "2s", "--check", "topic-subscribe")
	if code != 1 {
		t.Fatalf("exit %d against a server without topics, want 1:\n%s", code, out)
	}
	if want := `FAIL topic-subscribe            topic_hub_room_topic: subscribe to "room:conformance" (ref "1") was answered with {"action":"error","payload":[{"type":"union_tag_invalid"`; !strings.Contains(out, want) {
		t.Errorf("the report lacks %q:\n%s", want, out)
	}
}
