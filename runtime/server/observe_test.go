package server

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/chanxgo/chanx/runtime/layer"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogsAndMetrics(t *testing.T) {
	var logs syncBuffer
	met := newCounters()
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, hs := newChat(t, Options{Logger: log, Metrics: met})
	c := dial(t, hs, "/ws/chat/obs")
	id := action2payload(t, c.roundTrip(`{"action":"whoami","payload":""}`))
	c.roundTrip(`{"action":"echo","payload":"x"}`)
	c.roundTrip(`{"action":"fail","payload":""}`)
	c.roundTrip(`{"action":"panic","payload":""}`)
	c.roundTrip(`{"action":"new_chat_message","payload":{}}`)
	c.roundTrip(`nope`)
	c.roundTrip(`{"action":"dance"}`)
	c.ws.CloseNow()
	eventually(t, "close logged", func() bool { return strings.Contains(logs.String(), "chanx: connection closed") })

	for _, want := range []string{
		`level=INFO msg="chanx: connection opened" conn=` + id + ` channel=/ws/chat/{room}`,
		// msg_id numbers the connection's frames: whoami was 1.
		`level=DEBUG msg="chanx: frame handled" conn=` + id + ` msg_id=2 action=echo duration=`,
		`level=WARN msg="chanx: handler failed" conn=` + id + ` msg_id=3 action=fail error="database is down"`,
		`level=DEBUG msg="chanx: frame handled" conn=` + id + ` msg_id=3 action=fail duration=`,
		`level=ERROR msg="chanx: handler panicked" conn=` + id + ` msg_id=4 action=panic panic=boom stack=`,
		`level=DEBUG msg="chanx: frame rejected" conn=` + id + ` msg_id=6 error=`,
		`level=DEBUG msg="chanx: frame rejected" conn=` + id + ` msg_id=7 action=dance error="unknown action"`,
		`level=INFO msg="chanx: connection closed" conn=` + id + ` channel=/ws/chat/{room} close_code=-1 close_reason="" cause=`, `groups=[room.obs] duration=`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q; got:\n%s", want, logs.String())
		}
	}
	for key, want := range map[string]int{
		"opened": 1, "closed": 1,
		"in.echo": 1, "in.whoami": 1, "in.unknown": 2,
		"error.handler": 1, "error.panic": 1, "error.validation": 1,
		"error.invalid_json": 1, "error.unknown_action": 1,
		"out": 7,
	} {
		if got := met.get(key); got != want {
			t.Errorf("counter %s = %d, want %d", key, got, want)
		}
	}
}

// TestGroupChurn joins and leaves one group from many connections at once
// while broadcasts flow, then checks the subscription count returns to
// zero: the group bookkeeping holds under concurrency (run with -race).
func TestGroupChurn(t *testing.T) {
	mem := layer.NewMemory()
	t.Cleanup(func() { mem.Close() })
	cl := &countingLayer{Layer: mem, subs: make(map[string]int)}
	srv := New(Options{Layer: cl, Logger: quietLogger()})
	ch, _ := srv.Channel("/ws/churn", ChannelOptions{})
	HandleNoReply(ch, "churn", func(ctx context.Context, c *Conn, m *echoReply) error {
		for range 20 {
			if err := c.Join(ctx, "g"); err != nil {
				return err
			}
			if err := c.Broadcast(ctx, "g", echoReply{Action: "tick"}, ExcludeSelf); err != nil {
				return err
			}
			if err := c.Leave(ctx, "g"); err != nil {
				return err
			}
		}
		return c.Send(ctx, echoReply{Action: "done"})
	})
	hs := startServer(t, srv)
	var wg sync.WaitGroup
	for range 8 {
		c := dial(t, hs, "/ws/churn")
		c.send(`{"action":"churn","payload":""}`)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				f, err := c.tryRead()
				if err != nil {
					t.Errorf("read: %v", err)
					return
				}
				if strings.HasPrefix(f, `{"action":"done"`) {
					return
				}
			}
		}()
	}
	wg.Wait()
	eventually(t, "no subscription left", func() bool { return cl.live("g") == 0 && srv.localGroups() == 0 })
}
