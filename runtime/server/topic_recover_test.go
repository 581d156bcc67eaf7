package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chanxgo/chanx/runtime/layer"
)

// historyServer serves /ws/feed with FeedTopic (feed:{id}), which keeps
// keep pushes, on l (the server's own Memory layer when nil).
func historyServer(t testing.TB, l layer.Layer, keep layer.Retention) (*Server, *Topic) {
	t.Helper()
	srv := New(Options{Layer: l, Logger: quietLogger(), SendQueue: 4096})
	ch, err := srv.Channel("/ws/feed", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := ch.Topic(TopicOptions{Name: "FeedTopic", Pattern: "feed:{id}", History: &keep})
	if err != nil {
		t.Fatal(err)
	}
	return srv, feed
}

// topicFrameOf is a topic frame as a client reads it.
type topicFrameOf struct {
	Action  string          `json:"action"`
	Payload json.RawMessage `json:"payload"`
	Topic   string          `json:"topic"`
	Ref     *string         `json:"ref"`
	Seq     *uint64         `json:"seq"`
}

func readTopicFrame(t testing.TB, c *client) topicFrameOf {
	t.Helper()
	s := c.read()
	var f topicFrameOf
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		t.Fatalf("frame %s: %v", s, err)
	}
	return f
}

type subscribedPayload struct {
	Epoch     string `json:"epoch"`
	Seq       uint64 `json:"seq"`
	Recovered bool   `json:"recovered"`
}

func pushN(t testing.TB, feed *Topic, topic string, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		if _, err := feed.Push(context.Background(), topic, []byte(fmt.Sprintf(`{"action":"item","payload":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
}

// subscribeRecover subscribes with {"recover": true} (and a position when
// epoch is not "") and returns the subscribed payload.
func subscribeRecover(t testing.TB, c *client, topic, epoch string, seq uint64) subscribedPayload {
	t.Helper()
	payload := `{"recover":true}`
	if epoch != "" {
		payload = fmt.Sprintf(`{"recover":true,"epoch":%q,"seq":%d}`, epoch, seq)
	}
	c.send(fmt.Sprintf(`{"action":"subscribe","topic":%q,"ref":"r","payload":%s}`, topic, payload))
	f := readTopicFrame(t, c)
	if f.Action != "subscribed" || f.Ref == nil || *f.Ref != "r" || f.Topic != topic {
		t.Fatalf("subscribe answered %+v", f)
	}
	var p subscribedPayload
	if err := json.Unmarshal(f.Payload, &p); err != nil {
		t.Fatalf("subscribed payload %s: %v", f.Payload, err)
	}
	return p
}

func expectItem(t testing.TB, c *client, topic string, seq uint64) {
	t.Helper()
	want := fmt.Sprintf(`{"action":"item","payload":%d,"version":1,"topic":%q,"seq":%d}`, seq, topic, seq)
	expectFrame(t, c, want)
}

// PROTOCOL.md §2.1: the position, the replay in order, then live pushes.
func TestTopicRecovery(t *testing.T) {
	srv, feed := historyServer(t, nil, layer.Retention{Count: 5})
	hs := startServer(t, srv)

	a := dial(t, hs, "/ws/feed")
	// Without recover: Chanx's answer, and pushes carry the seq.
	a.send(`{"action":"subscribe","topic":"feed:1","ref":"1"}`)
	expectFrame(t, a, `{"action":"subscribed","payload":null,"version":1,"topic":"feed:1","ref":"1"}`)
	pushN(t, feed, "feed:1", 1, 3)
	for i := uint64(1); i <= 3; i++ {
		expectItem(t, a, "feed:1", i)
	}

	// recover without a position: where the topic is, nothing replayed.
	b := dial(t, hs, "/ws/feed")
	p := subscribeRecover(t, b, "feed:1", "", 0)
	if p.Seq != 3 || p.Recovered || p.Epoch == "" {
		t.Fatalf("subscribed %+v, want seq 3, not recovered", p)
	}
	epoch := p.Epoch
	pushN(t, feed, "feed:1", 4, 4)
	expectItem(t, b, "feed:1", 4)

	// Resume from seq 2: 3 and 4 replayed, then live 5.
	c := dial(t, hs, "/ws/feed")
	p = subscribeRecover(t, c, "feed:1", epoch, 2)
	if p != (subscribedPayload{epoch, 4, true}) {
		t.Fatalf("subscribed %+v", p)
	}
	expectItem(t, c, "feed:1", 3)
	expectItem(t, c, "feed:1", 4)
	pushN(t, feed, "feed:1", 5, 5)
	expectItem(t, c, "feed:1", 5)

	// Resubscribing on the same connection fills a gap the same way.
	p = subscribeRecover(t, c, "feed:1", epoch, 3)
	if p != (subscribedPayload{epoch, 5, true}) {
		t.Fatalf("resubscribed %+v", p)
	}
	expectItem(t, c, "feed:1", 4)
	expectItem(t, c, "feed:1", 5)

	// Older than the history (5 kept of 10): history_lost.
	pushN(t, feed, "feed:1", 6, 10)
	for i := uint64(6); i <= 10; i++ {
		expectItem(t, c, "feed:1", i)
	}
	d := dial(t, hs, "/ws/feed")
	p = subscribeRecover(t, d, "feed:1", epoch, 2)
	if p != (subscribedPayload{epoch, 10, false}) {
		t.Fatalf("subscribed %+v", p)
	}
	expectFrame(t, d, fmt.Sprintf(`{"action":"history_lost","payload":{"epoch":%q,"seq":10,"earliest":6,"fromEpoch":%q,"fromSeq":2},"version":1,"topic":"feed:1"}`, epoch, epoch))
	pushN(t, feed, "feed:1", 11, 11)
	expectItem(t, d, "feed:1", 11)

	// Another epoch: history_lost too.
	e := dial(t, hs, "/ws/feed")
	p = subscribeRecover(t, e, "feed:1", "gone", 11)
	if p != (subscribedPayload{epoch, 11, false}) {
		t.Fatalf("subscribed %+v", p)
	}
	expectFrame(t, e, fmt.Sprintf(`{"action":"history_lost","payload":{"epoch":%q,"seq":11,"earliest":7,"fromEpoch":"gone","fromSeq":11},"version":1,"topic":"feed:1"}`, epoch))

	// A malformed recover request names the member.
	e.send(`{"action":"subscribe","topic":"feed:2","ref":"x","payload":{"recover":true,"seq":"many"}}`)
	if got := e.read(); !strings.Contains(got, `"loc":["subscribe","payload","seq"]`) || !strings.HasSuffix(got, `"topic":"feed:2","ref":"x"}`) {
		t.Errorf("malformed recover answered %s", got)
	}
}

// recover on a topic without history: Chanx's null payload.
func TestTopicRecoverWithoutHistory(t *testing.T) {
	srv, _, _, _ := topicServer(t, Options{})
	hs := startServer(t, srv)
	c := dial(t, hs, "/ws/topics")
	c.send(`{"action":"subscribe","topic":"discussion:1","ref":"1","payload":{"recover":true,"epoch":"e","seq":3}}`)
	expectFrame(t, c, `{"action":"subscribed","payload":null,"version":1,"topic":"discussion:1","ref":"1"}`)
}

// A client that is disconnected again and again while pushes go on and
// resumes each time from the last seq it saw ends with every seq exactly
// once, in order: the replay and the live pushes held while it is sent
// neither overlap nor leave a gap.
func TestTopicRecoveryUnderLoad(t *testing.T) {
	const total = 3000
	srv, feed := historyServer(t, nil, layer.Retention{Count: total})
	hs := startServer(t, srv)

	var wg sync.WaitGroup
	wg.Add(1)
	started := make(chan struct{})
	go func() {
		defer wg.Done()
		for i := 1; i <= total; i++ {
			if i == 20 {
				close(started)
			}
			if _, err := feed.Push(context.Background(), "feed:load", []byte(fmt.Sprintf(`{"action":"item","payload":%d}`, i))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	<-started
	var (
		epoch string
		last  uint64
		round int
	)
	for last < total {
		round++
		c := dial(t, hs, "/ws/feed")
		p := subscribeRecover(t, c, "feed:load", epoch, last)
		if epoch != "" && !p.Recovered {
			t.Fatalf("round %d: not recovered: %+v", round, p)
		}
		epoch = p.Epoch
		if round == 1 {
			last = p.Seq // the first subscribe starts from the topic's position
		}
		// Read a few frames (more each round), then drop the connection.
		for n := 0; n < 50*round && last < total; n++ {
			f := readTopicFrame(t, c)
			if f.Seq == nil || *f.Seq != last+1 {
				t.Fatalf("round %d: after seq %d got %+v", round, last, f)
			}
			last = *f.Seq
		}
		c.ws.CloseNow()
	}
	wg.Wait()
	if round < 5 {
		t.Logf("only %d rounds: the pusher was fast", round)
	}
}
