package conformance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/internal/topicpeer"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

func topicAPI(t testing.TB) *ir.API {
	t.Helper()
	ctx := context.Background()
	doc, err := spec.Load(ctx, topicpeer.Document(), spec.Options{NoRemote: true})
	if err != nil {
		t.Fatalf("load topicpeer document: %v", err)
	}
	api, diags := analyze.Build(ctx, doc)
	if diags.HasErrors() {
		t.Fatalf("topicpeer document: %v", diags)
	}
	return api
}

func checkTopicPeer(t *testing.T, flags ...string) *conformance.Report {
	t.Helper()
	base := topicpeer.StartServer(t, flags...)
	rep, err := conformance.Check(t.Context(), topicAPI(t), base, conformance.WithSeed(13), conformance.WithTimeout(5*time.Second), conformance.WithQuiet(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func reportText(rep *conformance.Report) string {
	var b strings.Builder
	rep.WriteText(&b)
	return b.String()
}

// result finds one result of rep, failing the test when there is none.
func result(t *testing.T, rep *conformance.Report, check, channel, op string) *conformance.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Check == check && r.Channel == channel && r.Operation == op {
			return r
		}
	}
	t.Fatalf("no %s result for %s/%s in:\n%s", check, channel, op, reportText(rep))
	return nil
}

// TestTopicPeerPasses runs the tester against the Node topic server of
// internal/topicpeer, written without chanx: a hub with two topic
// classes and a topic on its own route. Every check passes on the public
// topics; the private one is refused, which is a correct answer.
func TestTopicPeerPasses(t *testing.T) {
	rep := checkTopicPeer(t)
	text := reportText(rep)
	if rep.Failed() {
		t.Fatalf("the topic server failed:\n%s", text)
	}
	for _, want := range []struct{ check, channel, op string }{
		{conformance.CheckTopicSubscribe, "topic_hub_room_topic", ""},
		{conformance.CheckTopicErrors, "topic_hub_room_topic", ""},
		{conformance.CheckTopicSubscribe, "room_topic", ""},
		{conformance.CheckTopicSubscribe, "topic_hub_private_topic", ""},
		{conformance.CheckTopicErrors, "topic_hub_private_topic", ""},
		{conformance.CheckReply, "topic_hub_room_topic", "topic_hub_handle_echo"},
		{conformance.CheckReply, "room_topic", "room_topic_handle_echo"},
		{conformance.CheckValidAccepted, "topic_hub_room_topic", "topic_hub_handle_shout"},
		{conformance.CheckInvalid, "topic_hub_room_topic", "topic_hub_handle_echo"},
		{conformance.CheckServerFrames, "topic_hub_room_topic", ""},
		{conformance.CheckIsolation, "topic_hub_room_topic", "topic_hub_handle_echo"},
		{conformance.CheckReply, "topic_hub", "handle_ping"},
	} {
		if r := result(t, rep, want.check, want.channel, want.op); r.Status != conformance.Pass {
			t.Errorf("%s %s/%s: %s %s, want pass\n%s", want.check, want.channel, want.op, r.Status, r.Reason, text)
		}
	}
	r := result(t, rep, conformance.CheckReply, "topic_hub_private_topic", "")
	if r.Status != conformance.Skip || !strings.Contains(r.Reason, `the server refused the subscription to "private:conformance" (unauthorized: Not allowed to subscribe to 'private:conformance')`) {
		t.Errorf("the private topic's reply-received: %s %q, want a skip naming the refusal", r.Status, r.Reason)
	}
	// The hub's own channel knows no topic checks.
	for _, res := range rep.Results {
		if res.Channel == "topic_hub" && strings.HasPrefix(res.Check, "topic-") {
			t.Errorf("the hub's own channel has a %s result: %s", res.Check, res.Reason)
		}
	}
}

// TestTopicPeerBroken holds the tester to its verdicts on servers broken
// on purpose: one that does not echo ref, and one without topics (it
// answers subscribe with union_tag_invalid, as a server without topics
// does).
func TestTopicPeerBroken(t *testing.T) {
	t.Run("no ref", func(t *testing.T) {
		rep := checkTopicPeer(t, topicpeer.NoRef)
		text := reportText(rep)
		r := result(t, rep, conformance.CheckTopicSubscribe, "topic_hub_room_topic", "")
		want := `subscribe to "room:conformance" (ref "1") was answered with {"action":"subscribed","payload":null} (envelope: topic "room:conformance", ref absent), without the ref "1" the request carried`
		if r.Status != conformance.Fail || !strings.HasPrefix(r.Reason, want) {
			t.Errorf("topic-subscribe: %s %q\nwant fail %q\n%s", r.Status, r.Reason, want, text)
		}
		r = result(t, rep, conformance.CheckReply, "topic_hub_room_topic", "topic_hub_handle_echo")
		if r.Status != conformance.Fail || !strings.Contains(r.Reason, `the reply echo_reply came without the ref "`) {
			t.Errorf("reply-received: %s %q, want a failure naming the missing ref\n%s", r.Status, r.Reason, text)
		}
	})
	t.Run("no topics", func(t *testing.T) {
		rep := checkTopicPeer(t, topicpeer.NoTopics)
		text := reportText(rep)
		r := result(t, rep, conformance.CheckTopicSubscribe, "topic_hub_room_topic", "")
		want := `subscribe to "room:conformance" (ref "1") was answered with {"action":"error","payload":[{"type":"union_tag_invalid"`
		if r.Status != conformance.Fail || !strings.HasPrefix(r.Reason, want) || !strings.Contains(r.Reason, "the server does not serve topics") {
			t.Errorf("topic-subscribe: %s %q\nwant fail starting %q\n%s", r.Status, r.Reason, want, text)
		}
		r = result(t, rep, conformance.CheckReply, "topic_hub_room_topic", "")
		if r.Status != conformance.Skip || !strings.Contains(r.Reason, `the subscription to "room:conformance" failed (see topic-subscribe)`) {
			t.Errorf("reply-received: %s %q, want a skip pointing at topic-subscribe", r.Status, r.Reason)
		}
	})
}
