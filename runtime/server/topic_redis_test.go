package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/server"
)

// The topic server of these tests: /ws/topics serves RoomTopic
// (room:{id}; "secret" refused; "post" answers, and with body "push
// first" pushes a frame of the reply's type first) and FeedTopic
// (feed:{id}, with a history of 100 pushes), as two processes on one
// Redis would each serve it.

type topicPost struct {
	Action  string `json:"action"`
	Payload struct {
		Body string `json:"body"`
	} `json:"payload"`
}

type topicPosted struct {
	Action  string `json:"action"`
	Payload string `json:"payload"`
}

func newTopicHub(l layer.Layer) (*server.Server, *server.Topic, *server.Topic) {
	srv := server.New(server.Options{Layer: l, Logger: slog.New(slog.DiscardHandler)})
	hub, err := srv.Channel("/ws/topics", server.ChannelOptions{})
	if err != nil {
		panic(err)
	}
	room, err := hub.Topic(server.TopicOptions{
		Name: "RoomTopic", Pattern: "room:{id}",
		Authorize: func(ctx context.Context, c *server.Conn, p map[string]string) (bool, error) {
			return p["id"] != "secret", nil
		},
	})
	if err != nil {
		panic(err)
	}
	server.HandleTopic(room, "post", func(ctx context.Context, s *server.Subscription, m *topicPost) (*topicPosted, error) {
		if m.Payload.Body == "push first" {
			if _, err := room.Push(ctx, s.Topic(), &topicPosted{Action: "posted", Payload: "pushed"}); err != nil {
				return nil, err
			}
		}
		return &topicPosted{Action: "posted", Payload: "reply to " + m.Payload.Body}, nil
	})
	feed, err := hub.Topic(server.TopicOptions{Name: "FeedTopic", Pattern: "feed:{id}", History: &layer.Retention{Count: 100}})
	if err != nil {
		panic(err)
	}
	return srv, room, feed
}

func serveTopicHub(t testing.TB, l layer.Layer) (string, *server.Topic, *server.Topic) {
	t.Helper()
	srv, room, feed := newTopicHub(l)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), redisWait)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http"), room, feed
}

const (
	topicChildEnv       = "CHANX_TEST_REDIS_TOPIC_CHILD_URL"
	topicChildPrefixEnv = "CHANX_TEST_REDIS_TOPIC_CHILD_PREFIX"
)

func init() {
	if url := os.Getenv(topicChildEnv); url != "" {
		os.Exit(topicChild(url, os.Getenv(topicChildPrefixEnv)))
	}
}

// topicChild serves the topic hub on redislayer at a loopback port,
// prints the address, and shuts down when stdin closes.
func topicChild(url, prefix string) int {
	return serveChild(url, prefix, func(l layer.Layer) *server.Server {
		srv, _, _ := newTopicHub(l)
		return srv
	})
}

// Topics across two OS processes sharing only Redis: subscribe, refused
// authorization, a push from either side with its seq, a reply told from
// a same-type push by its ref, recovery from the Redis history written by
// the other process, unsubscribe and not_subscribed.
func TestRedisTopicsTwoProcesses(t *testing.T) {
	rs := testredis.Start(t)
	prefix := redisPrefix()
	local := newRedisLayer(t, rs.URL(), prefix)
	urlA, room, feed := serveTopicHub(t, local)
	child := startChild(t, topicChildEnv+"="+rs.URL(), topicChildPrefixEnv+"="+prefix)

	a := dialRx(t, "a", urlA+"/ws/topics")
	b := dialRx(t, "b", "ws://"+child.addr+"/ws/topics")
	for _, c := range []*rxClient{a, b} {
		c.send(`{"action":"subscribe","topic":"room:lobby","ref":"1"}`)
		c.expect(`{"action":"subscribed","payload":null,"version":1,"topic":"room:lobby","ref":"1"}`)
	}
	b.send(`{"action":"subscribe","topic":"room:secret","ref":"2"}`)
	b.expect(`{"action":"error","payload":{"reason":"unauthorized","detail":"Not allowed to subscribe to 'room:secret'"},"version":1,"topic":"room:secret","ref":"2"}`)
	b.send(`{"action":"subscribe","topic":"nope:1","ref":"3"}`)
	b.expect(`{"action":"error","payload":{"reason":"unknown_topic","detail":"Unknown topic 'nope:1'"},"version":1,"topic":"nope:1","ref":"3"}`)

	// The child's handler pushes, then replies: the push reaches both
	// processes, the reply only its sender, with the ref.
	b.send(`{"action":"post","payload":{"body":"push first"},"topic":"room:lobby","ref":"4"}`)
	b.expect(`{"action":"posted","payload":"pushed","version":1,"topic":"room:lobby"}`)
	b.expect(`{"action":"posted","payload":"reply to push first","version":1,"topic":"room:lobby","ref":"4"}`)
	a.expect(`{"action":"posted","payload":"pushed","version":1,"topic":"room:lobby"}`)

	// A caller's seq crosses processes.
	if _, err := room.Push(context.Background(), "room:lobby", []byte(`{"action":"room_event","payload":"hi"}`), server.WithSeq(7)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*rxClient{a, b} {
		c.expect(`{"action":"room_event","payload":"hi","version":1,"topic":"room:lobby","seq":7}`)
	}

	// History kept in Redis by this process, replayed by the child.
	for i := 1; i <= 3; i++ {
		if seq, err := feed.Push(context.Background(), "feed:x", []byte(fmt.Sprintf(`{"action":"item","payload":%d}`, i))); err != nil || seq != uint64(i) {
			t.Fatalf("push %d: seq %d, %v", i, seq, err)
		}
	}
	a.send(`{"action":"subscribe","topic":"feed:x","ref":"5","payload":{"recover":true}}`)
	got, _ := a.next(redisWait)
	var sub struct {
		Payload struct {
			Epoch     string `json:"epoch"`
			Seq       uint64 `json:"seq"`
			Recovered bool   `json:"recovered"`
		} `json:"payload"`
	}
	if err := json.Unmarshal([]byte(got), &sub); err != nil || sub.Payload.Seq != 3 || sub.Payload.Epoch == "" || sub.Payload.Recovered {
		t.Fatalf("recover subscribe answered %s", got)
	}
	epoch := sub.Payload.Epoch
	b.send(fmt.Sprintf(`{"action":"subscribe","topic":"feed:x","ref":"6","payload":{"recover":true,"epoch":%q,"seq":1}}`, epoch))
	b.expect(fmt.Sprintf(`{"action":"subscribed","payload":{"epoch":%q,"seq":3,"recovered":true},"version":1,"topic":"feed:x","ref":"6"}`, epoch))
	b.expect(`{"action":"item","payload":2,"version":1,"topic":"feed:x","seq":2}`)
	b.expect(`{"action":"item","payload":3,"version":1,"topic":"feed:x","seq":3}`)
	if _, err := feed.Push(context.Background(), "feed:x", []byte(`{"action":"item","payload":4}`)); err != nil {
		t.Fatal(err)
	}
	a.expect(`{"action":"item","payload":4,"version":1,"topic":"feed:x","seq":4}`)
	b.expect(`{"action":"item","payload":4,"version":1,"topic":"feed:x","seq":4}`)

	b.send(`{"action":"unsubscribe","topic":"room:lobby","ref":"7"}`)
	b.expect(`{"action":"unsubscribed","payload":null,"version":1,"topic":"room:lobby","ref":"7"}`)
	b.send(`{"action":"post","payload":{"body":"x"},"topic":"room:lobby","ref":"8"}`)
	b.expect(`{"action":"error","payload":{"reason":"not_subscribed","detail":"Not subscribed to 'room:lobby'"},"version":1,"topic":"room:lobby","ref":"8"}`)
	if _, err := room.Push(context.Background(), "room:lobby", []byte(`{"action":"room_event","payload":"after"}`)); err != nil {
		t.Fatal(err)
	}
	a.expect(`{"action":"room_event","payload":"after","version":1,"topic":"room:lobby"}`)
	b.pingPong() // nothing arrived for the topic it left

	b.ws.CloseNow()
	if err := child.stop(); err != nil {
		t.Fatalf("child: %v: %s", err, child.stderr.String())
	}
}

// Recovery on Redis, issue 13's test: a client receiving seq'd pushes
// from a Redis Stream history (Redis with appendonly persistence) is
// dropped at 20 points while the pushes go on, and once Redis itself is
// killed and restarted meanwhile; it resumes each time from the last seq
// it saw, also when it finds a gap in seq (pushes published while the
// layer resubscribed after the restart), and ends with every seq exactly
// once, in order. A subscribe answered with an error (Redis down) is
// retried.
func TestRedisTopicRecovery(t *testing.T) {
	const total = 2000
	rs := testredis.StartWith(t, "--appendonly", "yes", "--appendfsync", "always")
	prefix := redisPrefix()
	l := newRedisLayer(t, rs.URL(), prefix)
	url, _, feed := serveTopicHub(t, l)

	// The pusher stays at most lead pushes ahead of what the client has
	// read, so pushes go on across every drop and the Redis restart.
	const lead = 150
	var clientLast atomic.Uint64
	subscribedOnce := make(chan struct{})
	pushed := make(chan error, 1)
	go func() {
		<-subscribedOnce
		deadline := time.Now().Add(4 * redisRecoveryWait)
		for i := 1; i <= total; {
			for uint64(i) > clientLast.Load()+lead && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			_, err := feed.Push(context.Background(), "feed:load", []byte(fmt.Sprintf(`{"action":"item","payload":%d}`, i)))
			if err == nil {
				i++
				continue
			}
			if time.Now().After(deadline) {
				pushed <- fmt.Errorf("push %d: %w", i, err)
				return
			}
			time.Sleep(10 * time.Millisecond) // Redis restarting: retry
		}
		pushed <- nil
	}()
	defer func() {
		select {
		case <-subscribedOnce:
		default:
			close(subscribedOnce)
		}
	}()
	var (
		epoch    string
		last     uint64
		seen     = make(map[uint64]bool)
		drops    int
		restarts int
	)
	deadline := time.Now().Add(4 * redisRecoveryWait)
	for round := 1; last < total; round++ {
		if time.Now().After(deadline) {
			t.Fatalf("at seq %d after %d rounds", last, round)
		}
		c := dialRx(t, fmt.Sprintf("round%d", round), url+"/ws/topics")
		payload := `{"recover":true}`
		if epoch != "" {
			payload = fmt.Sprintf(`{"recover":true,"epoch":%q,"seq":%d}`, epoch, last)
		}
		c.send(`{"action":"subscribe","topic":"feed:load","ref":"s","payload":` + payload + `}`)
		got, ok := c.next(redisWait)
		if !ok {
			t.Fatalf("round %d: no answer to subscribe", round)
		}
		var sub struct {
			Action  string `json:"action"`
			Payload struct {
				Epoch     string `json:"epoch"`
				Seq       uint64 `json:"seq"`
				Recovered bool   `json:"recovered"`
			} `json:"payload"`
		}
		if err := json.Unmarshal([]byte(got), &sub); err != nil {
			t.Fatalf("round %d: %s", round, got)
		}
		if sub.Action == "error" {
			c.ws.CloseNow()
			time.Sleep(20 * time.Millisecond) // Redis down: retry
			continue
		}
		if sub.Action != "subscribed" || epoch != "" && !sub.Payload.Recovered {
			t.Fatalf("round %d: not recovered from %s/%d: %s", round, epoch, last, got)
		}
		if epoch == "" {
			if sub.Payload.Seq != 0 {
				t.Fatalf("first subscribe at seq %d, want 0: nothing is pushed before it", sub.Payload.Seq)
			}
			close(subscribedOnce)
		}
		epoch = sub.Payload.Epoch
		want := min(last+uint64(total/20), total)
		for last < want {
			f, ok := c.next(redisRecoveryWait)
			if !ok {
				break // nothing for a while (the layer resubscribing): resume
			}
			var item struct {
				Seq *uint64 `json:"seq"`
			}
			if err := json.Unmarshal([]byte(f), &item); err != nil || item.Seq == nil || *item.Seq <= last {
				t.Fatalf("round %d: after seq %d got %s", round, last, f)
			}
			if *item.Seq != last+1 {
				break // a gap: resume from last
			}
			last = *item.Seq
			seen[last] = true
			clientLast.Store(last)
		}
		c.ws.CloseNow()
		drops++
		if drops == 10 && restarts == 0 {
			rs.Kill()
			rs.Restart()
			restarts++
		}
	}
	if err := <-pushed; err != nil {
		t.Fatal(err)
	}
	if last != total || len(seen) != total {
		t.Fatalf("ended at seq %d with %d seqs seen, want %d", last, len(seen), total)
	}
	if drops < 20 || restarts != 1 {
		t.Errorf("%d drops and %d restarts, want 20 and 1", drops, restarts)
	}
}
