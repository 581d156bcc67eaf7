package goapi

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/ir"
)

// TestGeneratesTopics: a document with x-topic channels gets one handler
// interface, pusher and Mount per topic class on the server (the room
// topic's hub and dedicated channels are one class) and a typed
// subscription per class on the client, and no channel Mount or client of
// the topic channels themselves, which would claim the hub's address and
// send topic frames unsubscribed. testdata/topics (TestGolden) holds the
// whole output; topic_loopback_test.go runs it.
func TestGeneratesTopics(t *testing.T) {
	api := gentest.Load(t, filepath.Join("..", "plan", "testdata", "topics.yaml"))
	srv, err := GenerateServer(context.Background(), api, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := GenerateClient(context.Background(), api, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, src string
		want      []string
		not       []string
	}{
		{"server.go", string(srv["server.go"]),
			[]string{
				"func MountRoomTopic(srv *server.Server, h RoomTopicHandler, opts server.ChannelOptions, topt server.TopicOptions) (*RoomTopic, error)",
				"Authorize(ctx context.Context, c *server.Conn, p RoomTopicParams) (bool, error)",
				"HandleRoomChat(ctx context.Context, s RoomTopicSubscription, msg *RoomChatMessage) (*RoomEventMessage, error)",
				"func (t *RoomTopic) PushRoomEvent(ctx context.Context, p RoomTopicParams, msg *RoomEventMessage, opts ...server.PushOption) (uint64, error)",
				`{"/ws/topics/room/{room_name}", true}`,
				`{"/ws/topics", false}`,
				"srv.Hub(TopicHubAddress, opts)",
				"func MountDiscussionTopic(",
			},
			[]string{"func MountTopicHubRoomTopic(", "func MountRoomTopicChannel(", "srv.Channel(TopicHubAddress"}},
		{"client.go", string(cli["client.go"]),
			[]string{
				"func NewRoomTopicSubscription(c *client.Client, p RoomTopicParams, opts *client.SubscribeOptions) (*RoomTopicSubscription, error)",
				"func SubscribeDiscussionTopic(ctx context.Context, c *client.Client, p DiscussionTopicParams, opts *client.SubscribeOptions) (*DiscussionTopicSubscription, error)",
				"func (s *RoomTopicSubscription) OnRoomEvent(fn func(ctx context.Context, msg *RoomEventMessage) error)",
				"func (s *RoomTopicSubscription) RequestRoomChat(ctx context.Context, msg *RoomChatMessage) (*RoomEventMessage, error)",
				`func (p RoomTopicParams) Topic() string { return "room:" + p.RoomName }`,
			},
			[]string{"TopicHubRoomTopicClient", "RoomTopicClient struct"}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.src, w) {
				t.Errorf("%s lacks %s", c.file, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(c.src, n) {
				t.Errorf("%s has %s", c.file, n)
			}
		}
	}
}

// variant writes testdata/topics.yaml with each old replaced by its new
// into a temporary folder and loads it.
func variant(t *testing.T, pairs ...string) *ir.API {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(doc, pairs[i]) {
			t.Fatalf("topics.yaml lacks %q", pairs[i])
		}
		doc = strings.ReplaceAll(doc, pairs[i], pairs[i+1])
	}
	path := filepath.Join(t.TempDir(), "topics.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return gentest.Load(t, path)
}

// TestTopicPatternOfSeveralParameters: the Params struct has a field per
// pattern parameter and Topic fills the pattern with the literal text
// between them.
func TestTopicPatternOfSeveralParameters(t *testing.T) {
	api := variant(t, "pattern: 'discussion:{id}'", "pattern: 'discussion:{id}:part-{part}'", "parameters: [id]", "parameters: [id, part]")
	for name, gen := range map[string]func(context.Context, *ir.API, Options) (map[string][]byte, error){"server.go": GenerateServer, "client.go": GenerateClient} {
		files, err := gen(context.Background(), api, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := `func (p DiscussionTopicParams) Topic() string { return "discussion:" + p.ID + ":part-" + p.Part }`
		if !strings.Contains(string(files[name]), want) {
			t.Errorf("%s lacks %s", name, want)
		}
	}
}

// TestRefusesUnroutableTopicMessage: a topic message without a
// discriminator value is refused at the x-topic, naming it, since the
// runtime routes a topic's frames by that value only.
func TestRefusesUnroutableTopicMessage(t *testing.T) {
	api := variant(t, "action: {const: post_reply, type: string, default: post_reply}", "kind: {type: string}")
	_, err := GenerateServer(context.Background(), api, Options{})
	if err == nil || !strings.Contains(err.Error(), `x-topic "discussion_topic"`) || !strings.Contains(err.Error(), `"post_reply"`) {
		t.Fatalf("got %v, want the unroutable post_reply refused at discussion_topic's x-topic", err)
	}
	t.Log(err)
}
