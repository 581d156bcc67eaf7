package goapi

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
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
