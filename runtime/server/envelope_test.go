package server

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"
)

// TestChannelDiscriminatorFrames: on a channel whose discriminator is
// "type", every frame the server writes itself (pong, the error frames,
// completions, authentication) carries "type", not "action"; a coded
// handler error carries its code. The server-wide key and a channel's own
// key both work, side by side.
func TestChannelDiscriminatorFrames(t *testing.T) {
	srv := New(Options{Completions: true, Authenticate: authByHeader, AuthMode: AuthInBand, Logger: quietLogger()})
	typed, err := srv.Channel("/ws/typed", ChannelOptions{Discriminator: "type"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := srv.Channel("/ws/plain", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range []*Channel{typed, plain} {
		HandleNoReply(ch, "fail", func(context.Context, *Conn, *struct{}) error { return errors.New("secret") })
		HandleNoReply(ch, "full", func(context.Context, *Conn, *struct{}) error {
			return WrapError("room_full", "The room is full", errors.New("secret"))
		})
	}
	hs := startServer(t, srv)
	dialKey := func(path string) *client {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, wsURL(hs, path), &websocket.DialOptions{HTTPHeader: http.Header{"X-Token": {"ann"}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		return &client{t: t, ws: ws}
	}
	for _, tt := range []struct{ path, key string }{{"/ws/typed", "type"}, {"/ws/plain", "action"}} {
		c := dialKey(tt.path)
		k := `{"` + tt.key + `":`
		got := []string{c.read()}
		for _, f := range []string{k + `"ping"}`, k + `"fail"}`, k + `"full"}`, k + `"dance"}`, `{"payload":1}`, k + `5}`} {
			c.send(f)
			got = append(got, c.read(), c.read())
		}
		want := []string{
			k + `"authentication","payload":{"status_code":200,"status_text":"OK","data":null}}`,
			k + `"pong","payload":null}`, k + `"complete","payload":null}`,
			k + `"error","payload":{"detail":"Failed to process message for fail"}}`, k + `"complete","payload":null}`,
			k + `"error","payload":{"detail":"The room is full","code":"room_full"}}`, k + `"complete","payload":null}`,
			k + `"error","payload":[{"type":"union_tag_invalid","loc":[],"msg":"Input tag 'dance' found using '` + tt.key + `' does not match any of the expected tags: 'fail', 'full', 'ping'"}]}`, k + `"complete","payload":null}`,
			k + `"error","payload":[{"type":"union_tag_not_found","loc":[],"msg":"Unable to extract tag using discriminator '` + tt.key + `'"}]}`, k + `"complete","payload":null}`,
			k + `"error","payload":[{"type":"union_tag_invalid","loc":[],"msg":"Input tag '5' found using '` + tt.key + `' does not match any of the expected tags: 'fail', 'full', 'ping'"}]}`, k + `"complete","payload":null}`,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s frames (-want +got):\n%s", tt.path, diff)
		}
	}
}

// TestUnknownMembersIgnored: members a message does not declare, at the
// top level or in its payload, are ignored (the schema of the message
// decides; this one does not forbid extras), and so are envelope keys on
// a frame without a topic.
func TestUnknownMembersIgnored(t *testing.T) {
	srv, hs := newChat(t, Options{})
	a := dial(t, hs, "/ws/chat/u")
	b := dial(t, hs, "/ws/chat/u")
	eventually(t, "join", func() bool { return memberCount(srv, "room.u") == 2 })
	if got := a.roundTrip(`{"action":"echo","payload":"hi","extra":[1,{"x":2}],"ref":"9","seq":3}`); got != `{"action":"echo","payload":"hi"}` {
		t.Errorf("echo with unknown members: %s", got)
	}
	a.send(`{"mood":"glad","action":"new_chat_message","payload":{"message":"hi","name":"ann","colour":"red"}}`)
	if got := b.read(); got != `{"action":"new_chat_message","payload":{"message":"hi","name":"ann"}}` {
		t.Errorf("member got %s", got)
	}
}

// TestCamelizedProblemsNameSnakeCaseMembers: with camelCase keys on the
// wire, a problem's loc still names the member as the schema does
// (snake_case): locs are values, which camelCase conversion leaves alone.
func TestCamelizedProblemsNameSnakeCaseMembers(t *testing.T) {
	srv := New(Options{Camelize: true, Logger: quietLogger()})
	ch, err := srv.Channel("/ws/camel", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type getUser struct {
		Action  string `json:"action"`
		Payload struct {
			UserName string `json:"user_name"`
		} `json:"payload"`
	}
	HandleNoReply(ch, "get_user", func(context.Context, *Conn, *getUser) error { return nil })
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/camel")
	if got, want := c.roundTrip(`{"action":"get_user","payload":{"userName":5}}`), `{"action":"error","payload":[{"type":"string_type","loc":["payload","user_name"],"msg":"Input should be a valid string"}]}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
