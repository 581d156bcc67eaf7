package chanxtest_test

import (
	"fmt"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/chanxtest"
	"github.com/chanxgo/chanx/runtime/server"
)

// recordingT is a testing.TB whose failures are recorded instead of
// failing the real test, to check what the kit reports. Fatal stops the
// calling goroutine like the real one.
type recordingT struct {
	*testing.T
	mu     sync.Mutex
	failed []string
}

func (r *recordingT) Helper() {}

func (r *recordingT) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recordingT) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// failures runs fn on its own goroutine (so a Fatal ends only fn) and
// returns what it reported.
func (r *recordingT) failures(fn func()) []string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.failed
	r.failed = nil
	return out
}

func TestFailureMessages(t *testing.T) {
	ts, _, _ := chatServer(t, server.Options{})
	rt := &recordingT{T: t}
	opts := &chanxtest.Options{Timeout: 100 * time.Millisecond}
	// The communicator reports through rt; its cleanup still runs on t.
	c := ts.Dial(rt, "/ws/chat/lobby", opts)
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)

	for _, tc := range []struct {
		name string
		fn   func()
		want string
	}{
		{"receive timeout", func() { c.Receive() }, `chanxtest: receive from ws://ADDR/ws/chat/lobby: no frame within 100ms`},
		{"receive all", func() {
			c.SendAction("ping", nil)
			c.ReceiveAll("never", 0)
		}, `chanxtest: waiting for "never" after ["pong" "complete"]: no frame within 100ms`},
		{"expect", func() {
			c.SendAction("ping", nil)
			c.Expect("complete")
		}, `chanxtest: got frame {"action":"pong","payload":null}; want action "complete"`},
		{"no message", func() { c.AssertNoMessage(time.Second) }, `chanxtest: got frame {"action":"complete","payload":null}; want no message`},
		{"still open", func() {
			c.Receive()
			c.ExpectClosed(websocket.StatusNormalClosure)
		}, `chanxtest: connection to ws://ADDR/ws/chat/lobby still open after 100ms; want it closed with 1000`},
		{"wrong code", func() {
			c.SendAction("kick", nil)
			c.ExpectClosed(websocket.StatusNormalClosure)
		}, `chanxtest: connection closed with 4003 "kicked"; want 1000`},
		{"receive after close", func() {
			for {
				c.Receive() // frames queued before the close come first
			}
		}, `chanxtest: receive from ws://ADDR/ws/chat/lobby: connection closed with 4003 "kicked"`},
		{"dial refused", func() {
			ts.ExpectRejected(rt, "/nowhere", nil)
		}, ""},
		{"dial not refused", func() {
			ts.ExpectRejected(rt, "/ws/chat/lobby", nil)
		}, `chanxtest: dial ws://ADDR/ws/chat/lobby succeeded; want it refused`},
		{"dial fails", func() {
			ts.Dial(rt, "/nowhere", opts)
		}, `chanxtest: dial ws://ADDR/nowhere (HTTP 404): failed to WebSocket dial: expected handshake response status code 101 but got 404`},
	} {
		got := rt.failures(tc.fn)
		var want []string
		if tc.want != "" {
			want = []string{tc.want}
		}
		for i := range got {
			got[i] = port.ReplaceAllString(got[i], "ADDR")
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: reported %q, want %q", tc.name, got, want)
		}
	}
}

func TestSpyFailureMessages(t *testing.T) {
	ts, _, spy := chatServer(t, server.Options{})
	spy.Timeout = 50 * time.Millisecond
	c := ts.Dial(t, "/ws/chat/lobby", nil)
	c.SendAction("new_chat_message", map[string]string{"message": "hi", "name": "a"})
	c.ReceiveAll("complete", 0)

	rt := &recordingT{T: t}
	got := rt.failures(func() { spy.WaitForAction(rt, "chat_lobby", "other") })
	want := `chanxtest: no matching publication within the timeout; published: [chat_lobby<-{"action":"new_chat_message","payload":{"message":"hi","name":"a"}}]`
	if len(got) != 1 || got[0] != want {
		t.Errorf("reported %q, want %q", got, want)
	}
	got = rt.failures(func() { spy.WaitForSubscriptions(rt, "chat_lobby", 2) })
	if want := `chanxtest: 1 subscriptions to "chat_lobby", want 2`; len(got) != 1 || got[0] != want {
		t.Errorf("reported %q, want %q", got, want)
	}
}
