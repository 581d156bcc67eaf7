package topicpeer_test

import (
	"strings"
	"testing"

	"github.com/chanxgo/chanx/internal/topicpeer"
)

// TestClientAgainstServer runs the literal client against the literal
// server: the two agree on PROTOCOL.md's topic frames before either is
// held against chanx.
func TestClientAgainstServer(t *testing.T) {
	base := topicpeer.StartServer(t)
	out, err := topicpeer.RunClient(t, base)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("client output: %q", out)
	}
}

// TestClientSeesBrokenServers shows the client's verdicts are about the
// frames: a server that does not echo ref, and one without topics, fail
// at the first subscribe with the frame it got.
func TestClientSeesBrokenServers(t *testing.T) {
	for _, tc := range []struct{ flag, want string }{
		{topicpeer.NoRef, `got  {"action":"subscribed","payload":null,"version":1,"topic":"room:lobby"}`},
		{topicpeer.NoTopics, `union_tag_invalid`},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			base := topicpeer.StartServer(t, tc.flag)
			out, err := topicpeer.RunClient(t, base)
			if err == nil {
				t.Fatalf("the client passed a server run with %s:\n%s", tc.flag, out)
			}
			if !strings.Contains(out, "FAIL: subscribe answers subscribed with the ref") || !strings.Contains(out, tc.want) {
				t.Fatalf("want a failure at the subscribe step naming %q, got:\n%s", tc.want, out)
			}
		})
	}
}
