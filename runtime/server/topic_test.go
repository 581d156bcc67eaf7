package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chanxgo/chanx/internal/pyruntime"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/wire"
)

// strictPost forbids members it does not know, as a generated type whose
// schema has additionalProperties: false: it accepts an enveloped frame
// only because the envelope keys are removed before it is decoded.
type strictPost struct {
	Action  string `json:"action"`
	Payload struct {
		Body string `json:"body"`
	} `json:"payload"`
}

func (p *strictPost) UnmarshalJSON(b []byte) error {
	type plain strictPost
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode((*plain)(p))
}

type posted struct {
	Action  string `json:"action"`
	Payload string `json:"payload"`
}

// topicEvents records what the topic hooks saw.
type topicEvents struct {
	mu           sync.Mutex
	subscribed   []string
	unsubscribed []string
	unsubs       chan string
}

func (e *topicEvents) add(list *[]string, s string) {
	e.mu.Lock()
	*list = append(*list, s)
	e.mu.Unlock()
}

// topicServer mounts the hub of these tests: /ws/topics serves RoomTopic
// (room:{id}; "secret" refused; OnSubscribe sends state; OnUnsubscribe
// sends bye) and DiscussionTopic (discussion:{id}), both with a "post"
// handler, and the hub's own "hello"; /ws/topics/room/{room_name} serves
// RoomTopic on its own route.
func topicServer(t testing.TB, opts Options) (*Server, *Topic, *Topic, *topicEvents) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	srv := New(opts)
	ev := &topicEvents{unsubs: make(chan string, 16)}
	hub, err := srv.Channel("/ws/topics", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	roomOpts := TopicOptions{
		Name:    "RoomTopic",
		Pattern: "room:{id}",
		Authorize: func(ctx context.Context, c *Conn, p map[string]string) (bool, error) {
			return p["id"] != "secret", nil
		},
		OnSubscribe: func(ctx context.Context, s *Subscription) error {
			ev.add(&ev.subscribed, s.Topic())
			return s.Send(ctx, []byte(fmt.Sprintf(`{"action":"state","payload":%q}`, s.Param("id"))))
		},
		OnUnsubscribe: func(ctx context.Context, s *Subscription) {
			ev.add(&ev.unsubscribed, s.Topic())
			_ = s.Send(ctx, []byte(`{"action":"bye","payload":null}`))
			ev.unsubs <- s.Topic()
		},
	}
	room, err := hub.Topic(roomOpts)
	if err != nil {
		t.Fatal(err)
	}
	HandleTopic(room, "post", func(ctx context.Context, s *Subscription, m *strictPost) (*posted, error) {
		if m.Payload.Body == "push first" {
			// A push of the reply's own type, sent before the reply.
			if _, err := room.Push(ctx, s.Topic(), &posted{Action: "posted", Payload: "pushed"}); err != nil {
				return nil, err
			}
		}
		if m.Payload.Body == "fail" {
			return nil, NewError("room_closed", "The room is closed")
		}
		return &posted{Action: "posted", Payload: s.Topic() + ": " + m.Payload.Body}, nil
	})
	disc, err := hub.Topic(TopicOptions{Name: "DiscussionTopic", Pattern: "discussion:{id}"})
	if err != nil {
		t.Fatal(err)
	}
	HandleTopic(disc, "post", func(ctx context.Context, s *Subscription, m *strictPost) (*posted, error) {
		return &posted{Action: "posted", Payload: "discussion " + s.Param("id")}, nil
	})
	Handle(hub, "hello", func(ctx context.Context, c *Conn, m *strictPost) (*posted, error) {
		return &posted{Action: "hi", Payload: m.Payload.Body}, nil
	})

	ded, err := srv.Channel("/ws/topics/room/{room_name}", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dedOpts := roomOpts
	dedOpts.Pattern, dedOpts.Dedicated = "room:{room_name}", true
	dedOpts.Authorize = func(ctx context.Context, c *Conn, p map[string]string) (bool, error) {
		return p["room_name"] != "secret", nil
	}
	dedOpts.OnSubscribe = nil
	dt, err := ded.Topic(dedOpts)
	if err != nil {
		t.Fatal(err)
	}
	HandleTopic(dt, "post", func(ctx context.Context, s *Subscription, m *strictPost) (*posted, error) {
		return &posted{Action: "posted", Payload: "dedicated " + s.Param("room_name") + ": " + m.Payload.Body}, nil
	})
	return srv, room, disc, ev
}

func expectEq(t testing.TB, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func expectFrame(t testing.TB, c *client, want string) {
	t.Helper()
	if got := c.read(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// The subscribe flow of PROTOCOL.md "Topics", frame for frame.
func TestTopicSubscribe(t *testing.T) {
	srv, _, _, ev := topicServer(t, Options{})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")

	c.send(`{"topic": "room:lobby", "ref": "1", "action": "subscribe"}`)
	expectFrame(t, c, `{"action":"subscribed","payload":null,"version":1,"topic":"room:lobby","ref":"1"}`)
	expectFrame(t, c, `{"action":"state","payload":"lobby","version":1,"topic":"room:lobby"}`)

	// Already subscribed: subscribed again, no authorize, no hook.
	c.send(`{"action": "subscribe", "topic": "room:lobby", "ref": "2", "version": 1}`)
	expectFrame(t, c, `{"action":"subscribed","payload":null,"version":1,"topic":"room:lobby","ref":"2"}`)
	expectEq(t, c.roundTrip(`{"action":"ping"}`), `{"action":"pong","payload":null}`)
	ev.mu.Lock()
	if len(ev.subscribed) != 1 {
		t.Errorf("OnSubscribe ran %d times, want 1", len(ev.subscribed))
	}
	ev.mu.Unlock()

	// A topic request, routed to the topic's own handler and answered
	// with its topic and ref; the strict type never sees the envelope.
	c.send(`{"action": "post", "payload": {"body": "hi"}, "version": 1, "topic": "room:lobby", "ref": "3"}`)
	expectFrame(t, c, `{"action":"posted","payload":"room:lobby: hi","version":1,"topic":"room:lobby","ref":"3"}`)
	// Without ref: stamped with the topic only.
	c.send(`{"action": "post", "payload": {"body": "no ref"}, "topic": "room:lobby"}`)
	expectFrame(t, c, `{"action":"posted","payload":"room:lobby: no ref","version":1,"topic":"room:lobby"}`)
	// A coded error, stamped.
	c.send(`{"action": "post", "payload": {"body": "fail"}, "topic": "room:lobby", "ref": "4"}`)
	expectFrame(t, c, `{"action":"error","payload":{"detail":"The room is closed","code":"room_closed"},"version":1,"topic":"room:lobby","ref":"4"}`)
	// Validation problems, stamped: loc as the topic's own union has it.
	c.send(`{"action": "post", "payload": {"body": "x", "extra": 1}, "topic": "room:lobby", "ref": "5"}`)
	if got := c.read(); !strings.Contains(got, `"action":"error"`) || !strings.HasSuffix(got, `,"version":1,"topic":"room:lobby","ref":"5"}`) {
		t.Errorf("invalid post answered %s", got)
	}
	// An action the topic does not take: its own actions are listed.
	c.send(`{"action": "hello", "topic": "room:lobby", "ref": "6"}`)
	expectFrame(t, c, `{"action":"error","payload":[{"type":"union_tag_invalid","loc":[],"msg":"Input tag 'hello' found using 'action' does not match any of the expected tags: 'post'"}],"version":1,"topic":"room:lobby","ref":"6"}`)

	// Frames without a topic go to the hub's own handlers, unstamped,
	// with a ref ignored.
	expectEq(t, c.roundTrip(`{"action":"hello","payload":{"body":"hub"},"ref":"7"}`), `{"action":"hi","payload":"hub"}`)
}

// Topic errors, with Python Chanx's reasons and details.
func TestTopicErrors(t *testing.T) {
	srv, _, _, _ := topicServer(t, Options{})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")

	c.send(`{"topic": "private:secret", "ref": "1", "action": "subscribe"}`)
	expectFrame(t, c, `{"action":"error","payload":{"reason":"unknown_topic","detail":"Unknown topic 'private:secret'"},"version":1,"topic":"private:secret","ref":"1"}`)
	c.send(`{"topic": "room:secret", "ref": "2", "action": "subscribe"}`)
	expectFrame(t, c, `{"action":"error","payload":{"reason":"unauthorized","detail":"Not allowed to subscribe to 'room:secret'"},"version":1,"topic":"room:secret","ref":"2"}`)
	c.send(`{"topic": "room:lobby", "ref": "3", "action": "post", "payload": {"body": "x"}}`)
	expectFrame(t, c, `{"action":"error","payload":{"reason":"not_subscribed","detail":"Not subscribed to 'room:lobby'"},"version":1,"topic":"room:lobby","ref":"3"}`)
	// A parameter stops at ':': room:a:b matches no pattern.
	c.send(`{"topic": "room:a:b", "ref": "4", "action": "subscribe"}`)
	expectFrame(t, c, `{"action":"error","payload":{"reason":"unknown_topic","detail":"Unknown topic 'room:a:b'"},"version":1,"topic":"room:a:b","ref":"4"}`)
	// unsubscribe is always answered.
	c.send(`{"topic": "room:lobby", "ref": "5", "action": "unsubscribe"}`)
	expectFrame(t, c, `{"action":"unsubscribed","payload":null,"version":1,"topic":"room:lobby","ref":"5"}`)

	// Bad envelope values: unstamped problems, loc the key.
	c.send(`{"action": "hello", "topic": 5, "ref": 7, "version": "x", "seq": 1.5}`)
	expectFrame(t, c, `{"action":"error","payload":[`+
		`{"type":"int_parsing","loc":["version"],"msg":"Input should be a valid integer, unable to parse string as an integer"},`+
		`{"type":"string_type","loc":["topic"],"msg":"Input should be a valid string"},`+
		`{"type":"string_type","loc":["ref"],"msg":"Input should be a valid string"},`+
		`{"type":"int_from_float","loc":["seq"],"msg":"Input should be a valid integer, got a number with a fractional part"}]}`)
	// Lax ints and null strings pass; null topic is the hub's own frame.
	expectEq(t, c.roundTrip(`{"action":"hello","payload":{"body":"lax"},"version":"1","topic":null,"ref":null,"seq":"3"}`), `{"action":"hi","payload":"lax"}`)
	// The topic's quote follows Python's repr.
	c.send(`{"topic": "it's", "ref": "6", "action": "subscribe"}`)
	expectFrame(t, c, `{"action":"error","payload":{"reason":"unknown_topic","detail":"Unknown topic \"it's\""},"version":1,"topic":"it's","ref":"6"}`)
}

// A reply is told from a push of the same type by its ref.
func TestTopicPushAndReplyByRef(t *testing.T) {
	srv, room, _, _ := topicServer(t, Options{})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")
	other := dial(t, hs, "/ws/topics")
	for _, cl := range []*client{c, other} {
		cl.send(`{"action":"subscribe","topic":"room:lobby","ref":"1"}`)
		expectFrame(t, cl, `{"action":"subscribed","payload":null,"version":1,"topic":"room:lobby","ref":"1"}`)
		expectFrame(t, cl, `{"action":"state","payload":"lobby","version":1,"topic":"room:lobby"}`)
	}
	c.send(`{"action":"post","payload":{"body":"push first"},"topic":"room:lobby","ref":"9"}`)
	expectFrame(t, c, `{"action":"posted","payload":"pushed","version":1,"topic":"room:lobby"}`)
	expectFrame(t, c, `{"action":"posted","payload":"room:lobby: push first","version":1,"topic":"room:lobby","ref":"9"}`)
	expectFrame(t, other, `{"action":"posted","payload":"pushed","version":1,"topic":"room:lobby"}`)

	// A caller's seq, as Chanx's Topic.broadcast(seq=7).
	if _, err := room.Push(context.Background(), "room:lobby", []byte(`{"action":"room_event","payload":{"body":"hi","author":"anonymous"}}`), WithSeq(7)); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*client{c, other} {
		expectFrame(t, cl, `{"action":"room_event","payload":{"body":"hi","author":"anonymous"},"version":1,"topic":"room:lobby","seq":7}`)
	}
	if _, err := room.Push(context.Background(), "discussion:1", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("push to a topic of another pattern: %v", err)
	}
}

// Unsubscribe runs OnUnsubscribe (its frames still carry the ref), leaves
// the group and answers; pushes stop.
func TestTopicUnsubscribe(t *testing.T) {
	srv, room, _, ev := topicServer(t, Options{})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")
	c.send(`{"action":"subscribe","topic":"room:lobby","ref":"1"}`)
	expectFrame(t, c, `{"action":"subscribed","payload":null,"version":1,"topic":"room:lobby","ref":"1"}`)
	expectFrame(t, c, `{"action":"state","payload":"lobby","version":1,"topic":"room:lobby"}`)
	c.send(`{"action":"unsubscribe","topic":"room:lobby","ref":"2"}`)
	expectFrame(t, c, `{"action":"bye","payload":null,"version":1,"topic":"room:lobby","ref":"2"}`)
	expectFrame(t, c, `{"action":"unsubscribed","payload":null,"version":1,"topic":"room:lobby","ref":"2"}`)
	if n := srv.localTopicGroups(); n != 0 {
		t.Errorf("%d topic groups after the last unsubscribe, want 0", n)
	}
	if _, err := room.Push(context.Background(), "room:lobby", []byte(`{"action":"late","payload":null}`)); err != nil {
		t.Fatal(err)
	}
	expectEq(t, c.roundTrip(`{"action":"ping"}`), `{"action":"pong","payload":null}`)
	c.send(`{"action":"post","payload":{"body":"x"},"topic":"room:lobby","ref":"3"}`)
	expectFrame(t, c, `{"action":"error","payload":{"reason":"not_subscribed","detail":"Not subscribed to 'room:lobby'"},"version":1,"topic":"room:lobby","ref":"3"}`)
	<-ev.unsubs
}

// A dedicated route subscribes on connect, unprompted; frames without a
// topic belong to it; it shares the hub's group.
func TestTopicDedicatedRoute(t *testing.T) {
	srv, room, _, _ := topicServer(t, Options{})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics/room/lobby")
	expectFrame(t, c, `{"action":"subscribed","payload":null,"version":1,"topic":"room:lobby"}`)
	c.send(`{"action":"post","payload":{"body":"hi"},"ref":"5"}`)
	expectFrame(t, c, `{"action":"posted","payload":"dedicated lobby: hi","version":1,"topic":"room:lobby","ref":"5"}`)
	// ping is not the topic's: refused, stamped.
	c.send(`{"action":"ping"}`)
	expectFrame(t, c, `{"action":"error","payload":[{"type":"union_tag_invalid","loc":[],"msg":"Input tag 'ping' found using 'action' does not match any of the expected tags: 'post'"}],"version":1,"topic":"room:lobby"}`)
	// The hub's RoomTopic pushes to the same group.
	if _, err := room.Push(context.Background(), "room:lobby", []byte(`{"action":"room_event","payload":1}`)); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, c, `{"action":"room_event","payload":1,"version":1,"topic":"room:lobby"}`)

	// Refused: the topic error, and the socket stays open.
	s := dial(t, hs, "/ws/topics/room/secret")
	expectFrame(t, s, `{"action":"error","payload":{"reason":"unauthorized","detail":"Not allowed to subscribe to 'room:secret'"},"version":1,"topic":"room:secret"}`)
	s.send(`{"action":"post","payload":{"body":"hi"},"ref":"1"}`)
	expectFrame(t, s, `{"action":"error","payload":{"reason":"not_subscribed","detail":"Not subscribed to 'room:secret'"},"version":1,"topic":"room:secret","ref":"1"}`)
}

// A connection that goes away ends its subscriptions: OnUnsubscribe runs
// for each, nothing is sent, the groups are left.
func TestTopicDisconnectUnsubscribes(t *testing.T) {
	srv, _, _, ev := topicServer(t, Options{})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")
	for i, topic := range []string{"room:a", "room:b", "discussion:1"} {
		c.send(fmt.Sprintf(`{"action":"subscribe","topic":%q,"ref":"%d"}`, topic, i))
		if got := c.read(); action(t, got) != wire.ActionSubscribed {
			t.Fatalf("subscribe %s: %s", topic, got)
		}
		if strings.HasPrefix(topic, "room:") {
			c.read() // state
		}
	}
	if n := srv.localTopicGroups(); n != 3 {
		t.Fatalf("%d topic groups, want 3", n)
	}
	c.ws.CloseNow()
	got := []string{<-ev.unsubs, <-ev.unsubs}
	if !(got[0] == "room:a" && got[1] == "room:b" || got[0] == "room:b" && got[1] == "room:a") {
		t.Errorf("OnUnsubscribe ran for %v", got)
	}
	eventually(t, "topic groups left", func() bool { return srv.localTopicGroups() == 0 })
}

// Completions on topics carry the stamp, but (un)subscribe and topic
// errors get none.
func TestTopicCompletions(t *testing.T) {
	srv, room, _, _ := topicServer(t, Options{Completions: true})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")
	c.send(`{"action":"subscribe","topic":"room:lobby","ref":"1"}`)
	expectFrame(t, c, `{"action":"subscribed","payload":null,"version":1,"topic":"room:lobby","ref":"1"}`)
	expectFrame(t, c, `{"action":"state","payload":"lobby","version":1,"topic":"room:lobby"}`)
	c.send(`{"action":"post","payload":{"body":"hi"},"topic":"room:lobby","ref":"2"}`)
	expectFrame(t, c, `{"action":"posted","payload":"room:lobby: hi","version":1,"topic":"room:lobby","ref":"2"}`)
	expectFrame(t, c, `{"action":"complete","payload":null,"version":1,"topic":"room:lobby","ref":"2"}`)
	if _, err := room.Push(context.Background(), "room:lobby", []byte(`{"action":"e","payload":null}`), WithSeq(3)); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, c, `{"action":"e","payload":null,"version":1,"topic":"room:lobby","seq":3}`)
	expectFrame(t, c, `{"action":"event_complete","payload":null,"version":1,"topic":"room:lobby","seq":3}`)
	c.send(`{"action":"subscribe","topic":"nope:1","ref":"3"}`)
	expectFrame(t, c, `{"action":"error","payload":{"reason":"unknown_topic","detail":"Unknown topic 'nope:1'"},"version":1,"topic":"nope:1","ref":"3"}`)
	expectEq(t, c.roundTrip(`{"action":"ping"}`), `{"action":"pong","payload":null}`)
	expectFrame(t, c, `{"action":"complete","payload":null}`)
}

func TestTopicDeclarationErrors(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	ch, err := srv.Channel("/ws/x/{a}", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts TopicOptions
		want string
	}{
		{TopicOptions{Pattern: "a:{x}"}, "no Name"},
		{TopicOptions{Name: "T", Pattern: ""}, "empty pattern"},
		{TopicOptions{Name: "T", Pattern: "a:{x"}, "is not closed"},
		{TopicOptions{Name: "T", Pattern: "a:x}"}, "closes nothing"},
		{TopicOptions{Name: "T", Pattern: "a:{}"}, "no valid name"},
		{TopicOptions{Name: "T", Pattern: "{x}:{x}"}, `"x" appears twice`},
		{TopicOptions{Name: "T", Pattern: "{x}{y}"}, "nothing between them"},
		{TopicOptions{Name: "T", Pattern: "a:{b}", Dedicated: true}, `parameter "b" is not a parameter of the address`},
	} {
		_, err := ch.Topic(tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opts, err, tc.want)
		}
	}
	plain := New(Options{Logger: quietLogger(), Layer: plainLayer{layer.NewMemory()}})
	pch, err := plain.Channel("/ws/y", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pch.Topic(TopicOptions{Name: "T", Pattern: "a:{a}", History: &layer.Retention{Count: 1}}); err == nil ||
		!strings.Contains(err.Error(), "History needs a layer that keeps one (layer.History); server.plainLayer does not") {
		t.Errorf("History on a layer without one: %v", err)
	}
	if _, err := ch.Topic(TopicOptions{Name: "T", Pattern: "a:{a}", Dedicated: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Topic(TopicOptions{Name: "U", Pattern: "b:{a}", Dedicated: true}); err == nil || !strings.Contains(err.Error(), "already serves topic") {
		t.Errorf("second dedicated topic: %v", err)
	}
}

func TestTopicPattern(t *testing.T) {
	p, err := parseTopicPattern("run:{id}")
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]string{"run:a/b c": "a/b c", "run:5": "5", "run:5:x": "", "run:": "", "Run:5": "", "xrun:5": ""} {
		params, ok := p.match(topic)
		if ok != (want != "") || params["id"] != want {
			t.Errorf("%q: %v %v, want %q", topic, params, ok, want)
		}
	}
	p, _ = parseTopicPattern("a.{x}+{y}")
	if params, ok := p.match("a.1+2"); !ok || params["x"] != "1" || params["y"] != "2" {
		t.Errorf("a.{x}+{y}: %v %v", params, ok)
	}
	if got := p.fill(strmap{"x": "p", "y": "q"}.get); got != "a.p+q" {
		t.Errorf("fill: %q", got)
	}
}

// plainLayer hides every interface of its layer but layer.Layer.
type plainLayer struct{ layer.Layer }

type strmap map[string]string

func (m strmap) get(k string) string { return m[k] }

// Group names as Python Chanx builds them; the long form's digest is
// Python's hashlib.blake2s(digest_size=6), checked against python3 when
// it is installed.
func TestTopicGroup(t *testing.T) {
	for _, tc := range []struct{ class, topic, want string }{
		{"DiscussionTopic", "discussion:5", "DiscussionTopic.discussion-5"},
		{"RoomTopic", "room:a b/c", "RoomTopic.room-a-b-c"},
		{"RoomTopic", "room:é!", "RoomTopic.room"},
		{"T", "::x::", "T.-x"},
	} {
		if got := TopicGroup(tc.class, tc.topic); got != tc.want {
			t.Errorf("TopicGroup(%q, %q) = %q, want %q", tc.class, tc.topic, got, tc.want)
		}
	}
	long := TopicGroup("RoomTopic", "room:"+strings.Repeat("x", 120))
	if len(long) != 99 || long[86] != '.' {
		t.Errorf("long group %q (%d chars)", long, len(long))
	}
	python := pyruntime.Find(t) // skips, or fails with CHANX_TEST_PYTHON=required
	for _, data := range []string{"", "abc", strings.Repeat("x", 64), strings.Repeat("y", 65), strings.Repeat("z", 200)} {
		got := fmt.Sprintf("%x", blake2s([]byte(data), 6))
		py, err := exec.Command(python.Bin, "-c", "import hashlib,sys; print(hashlib.blake2s(sys.argv[1].encode(), digest_size=6).hexdigest())", data).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSpace(string(py)); got != want {
			t.Errorf("blake2s(%d bytes) = %s, python says %s", len(data), got, want)
		}
	}
	// The whole long name as Python Chanx hashes it.
	name := "RoomTopic.room-" + strings.Repeat("x", 120)
	if want := name[:86] + "." + fmt.Sprintf("%x", blake2s([]byte(name), 6)); long != want {
		t.Errorf("long group %q, want %q", long, want)
	}
}

// camelCase keys leave the envelope keys and topic frames as they are.
func TestTopicCamelize(t *testing.T) {
	srv, _, _, _ := topicServer(t, Options{Camelize: true})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")
	c.send(`{"action":"subscribe","topic":"room:lobby","ref":"1"}`)
	expectFrame(t, c, `{"action":"subscribed","payload":null,"version":1,"topic":"room:lobby","ref":"1"}`)
	expectFrame(t, c, `{"action":"state","payload":"lobby","version":1,"topic":"room:lobby"}`)
	c.send(`{"action":"post","payload":{"body":"hi"},"topic":"room:lobby","ref":"2"}`)
	expectFrame(t, c, `{"action":"posted","payload":"room:lobby: hi","version":1,"topic":"room:lobby","ref":"2"}`)
}

// Two topic classes declared one at a time on one address, as two
// generated Mount functions would: Hub returns the same channel.
func TestTopicHubSharesAnAddress(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	a, err := srv.Hub("/ws/topics", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Topic(TopicOptions{Name: "RoomTopic", Pattern: "room:{id}"}); err != nil {
		t.Fatal(err)
	}
	b, err := srv.Hub("ws/topics", ChannelOptions{})
	if err != nil || b != a {
		t.Fatalf("second Hub: %v, %v (same channel: %v)", b, err, b == a)
	}
	if _, err := b.Topic(TopicOptions{Name: "DiscussionTopic", Pattern: "discussion:{id}"}); err != nil {
		t.Fatal(err)
	}
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")
	for i, topic := range []string{"room:1", "discussion:2"} {
		c.send(fmt.Sprintf(`{"action":"subscribe","topic":%q,"ref":"%d"}`, topic, i))
		expectFrame(t, c, fmt.Sprintf(`{"action":"subscribed","payload":null,"version":1,"topic":%q,"ref":"%d"}`, topic, i))
	}
	if _, err := srv.Channel("/ws/topics", ChannelOptions{}); err == nil || !strings.Contains(err.Error(), "conflicts") {
		t.Errorf("Channel on a Hub's address: %v", err)
	}
	if _, err := srv.Channel("/ws/other", ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Hub("/ws/other", ChannelOptions{}); err == nil || !strings.Contains(err.Error(), "conflicts") {
		t.Errorf("Hub on an address Channel mounted: %v, want the pattern conflict", err)
	}
}

// pyRepr quotes as Python's repr does, checked against python3.
func TestPyRepr(t *testing.T) {
	python := pyruntime.Find(t) // skips, or fails with CHANX_TEST_PYTHON=required
	cases := []string{"room:5", "it's", `say "hi"`, `both ' and "`, "back\\slash", "tab\there\nnl", "é ü 日本", "\x00\x1f\x7f", "nb\u00a0sp", "zw\u200bsp", "emoji 🎉"}
	for _, s := range cases {
		py, err := exec.Command(python.Bin, "-c", "import sys; print(repr(sys.argv[1]), end='')", s).Output()
		if err != nil {
			if strings.Contains(s, "\x00") {
				continue // a NUL cannot be an argument
			}
			t.Fatal(err)
		}
		if got := pyRepr(s); got != string(py) {
			t.Errorf("pyRepr(%q) = %s, python says %s", s, got, py)
		}
	}
}
