package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordConn is a net.Conn that records each Write and can be made to
// fail.
type recordConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
	fail   error
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return 0, c.fail
	}
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

// Unheld writes go straight through; a hold collects them into one write
// on release, flushing early once coalesceMax would be passed; a write
// error sticks, and a release then reports it.
func TestCoalescer(t *testing.T) {
	rc := &recordConn{}
	co := &coalescer{conn: rc}
	co.Write([]byte("a"))
	co.Write([]byte("b"))
	if len(rc.writes) != 2 {
		t.Fatalf("unheld: %d socket writes, want 2", len(rc.writes))
	}

	co.hold()
	for range 10 {
		co.Write([]byte("xy"))
	}
	if len(rc.writes) != 2 {
		t.Fatalf("held: %d socket writes before release, want 2", len(rc.writes))
	}
	if err := co.release(); err != nil {
		t.Fatal(err)
	}
	if len(rc.writes) != 3 || string(rc.writes[2]) != strings.Repeat("xy", 10) {
		t.Fatalf("release wrote %q", rc.writes[2:])
	}
	if err := co.release(); err != nil {
		t.Fatalf("second release: %v", err)
	}

	// Past coalesceMax the collected bytes go out, then the big write.
	rc.writes = nil
	co.hold()
	small := bytes.Repeat([]byte{'s'}, 1000)
	big := bytes.Repeat([]byte{'b'}, coalesceMax)
	co.Write(small)
	co.Write(big)
	co.Write(small)
	if err := co.release(); err != nil {
		t.Fatal(err)
	}
	if len(rc.writes) != 3 || !bytes.Equal(rc.writes[0], small) || !bytes.Equal(rc.writes[1], big) || !bytes.Equal(rc.writes[2], small) {
		t.Fatalf("over the bound: %d writes of %v bytes", len(rc.writes), lens(rc.writes))
	}

	// A failing socket: the held bytes are lost, the release says so and
	// every later write fails the same way.
	boom := errors.New("connection reset")
	co.hold()
	co.Write([]byte("lost"))
	rc.mu.Lock()
	rc.fail = boom
	rc.mu.Unlock()
	if err := co.release(); !errors.Is(err, boom) {
		t.Fatalf("release on a failing socket: %v, want %v", err, boom)
	}
	if _, err := co.Write([]byte("later")); !errors.Is(err, boom) {
		t.Fatalf("write after the failure: %v, want %v", err, boom)
	}
	co.hold()
	if err := co.release(); !errors.Is(err, boom) {
		t.Fatalf("release after the failure: %v, want %v", err, boom)
	}
}

func lens(bs [][]byte) []int {
	var n []int
	for _, b := range bs {
		n = append(n, len(b))
	}
	return n
}

// The frame watch counts data messages once they are whole: a message of
// several fragments with a ping between them counts once, at its final
// fragment; an empty message at its header; a frame longer than a read
// when its last byte has come; control frames never. The bytes arrive
// one at a time, as the worst socket would hand them over.
func TestFrameWatchCountsWholeMessages(t *testing.T) {
	key := []byte{1, 2, 3, 4}
	frame := func(b0 byte, payload string) []byte {
		f := append([]byte{b0, 0x80 | byte(len(payload))}, key...)
		for i := range len(payload) {
			f = append(f, payload[i]^key[i%4])
		}
		return f
	}
	var stream []byte
	want := map[int]uint64{} // index of a frame's last byte: msgs from then on
	add := func(f []byte, msgs uint64) {
		stream = append(stream, f...)
		want[len(stream)-1] = msgs
	}
	add(frame(0x81, "one"), 1)
	add(frame(0x01, "fra"), 1)  // text, not final
	add(frame(0x89, "ping"), 1) // a control frame between fragments
	add(frame(0x80, "gment"), 2)
	add(frame(0x81, ""), 3)
	add(maskedText(strings.Repeat("z", 300)), 4)
	add(closeFrame(1000, "bye"), 4)

	fw := &frameWatch{}
	var pending []byte // what scan held back, rescanned with what follows
	expect := uint64(0)
	for i, b := range stream {
		pending = append(pending, b)
		pending = pending[fw.scan(pending, false):]
		if m, ok := want[i]; ok {
			expect = m
		}
		if got := fw.msgs.Load(); got != expect {
			t.Fatalf("after byte %d: msgs = %d, want %d", i, got, expect)
		}
	}
}

// connOf returns the server's only connection.
func connOf(t *testing.T, srv *Server) *Conn {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		srv.mu.RLock()
		for _, c := range srv.conns {
			srv.mu.RUnlock()
			return c
		}
		srv.mu.RUnlock()
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no connection registered")
	return nil
}

// A client that pipelines requests, many arriving in one read, gets its
// replies in order and in fewer socket writes than frames: replies wait
// while the next request is already whole in the read buffer, and leave
// together.
func TestPipelinedRepliesShareWrites(t *testing.T) {
	srv, hs := newChat(t, Options{})
	conn, br := rawDial(t, hs, "/ws/chat/pipe")
	c := connOf(t, srv)
	if c.co == nil || c.fw == nil {
		t.Fatal("the connection has no coalescer or frame watch")
	}
	before := c.co.socketWrites()
	const n = 32
	var burst []byte
	for i := range n {
		burst = append(burst, maskedText(fmt.Sprintf(`{"action":"echo","payload":"%d"}`, i))...)
	}
	if _, err := conn.Write(burst); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if got, want := readText(t, br), fmt.Sprintf(`{"action":"echo","payload":"%d"}`, i); got != want {
			t.Fatalf("reply %d: got %s, want %s", i, got, want)
		}
	}
	writes := c.co.socketWrites() - before
	t.Logf("%d replies in %d socket writes", n, writes)
	if writes > n/4 {
		t.Errorf("%d replies took %d socket writes, want at most %d", n, writes, n/4)
	}
}

// A reply deferred behind a pipelined request whose handler blocks is
// not held by it: once the handler outlives the inline budget and
// reading moves on, the earlier reply goes out while the handler is
// still blocked, and every later reply follows in order once it returns.
func TestDeferredReplyNotHeldBySlowHandler(t *testing.T) {
	srv := New(Options{Logger: quietLogger()})
	ch, err := srv.Channel("/ws/slow", ChannelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	Handle(ch, "echo", func(ctx context.Context, c *Conn, m *echoReply) (*echoReply, error) {
		return &echoReply{Action: "echo", Payload: m.Payload}, nil
	})
	Handle(ch, "block", func(ctx context.Context, c *Conn, m *echoReply) (*echoReply, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return &echoReply{Action: "block", Payload: m.Payload}, nil
	})
	hs := startServer(t, srv)
	conn, br := rawDial(t, hs, "/ws/slow")
	burst := append(maskedText(`{"action":"echo","payload":"quick"}`), maskedText(`{"action":"block","payload":"slow"}`)...)
	burst = append(burst, maskedText(`{"action":"echo","payload":"after"}`)...)
	if _, err := conn.Write(burst); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, br); got != `{"action":"echo","payload":"quick"}` {
		t.Fatalf("first reply %s", got)
	}
	close(release)
	for _, want := range []string{`{"action":"block","payload":"slow"}`, `{"action":"echo","payload":"after"}`} {
		if got := readText(t, br); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
}

// A burst of broadcasts pipelined by one member reaches another member
// whole and in order, however the frames were collected into writes.
func TestPipelinedBroadcastBurstInOrder(t *testing.T) {
	_, hs := newChat(t, Options{})
	rx := dial(t, hs, "/ws/chat/burst")
	rx.roundTrip(`{"action":"ping","payload":null}`) // joined
	conn, br := rawDial(t, hs, "/ws/chat/burst")
	// The sender is joined once its own ping is answered.
	if _, err := conn.Write(maskedText(`{"action":"ping","payload":null}`)); err != nil {
		t.Fatal(err)
	}
	readText(t, br)
	const n = 200
	var burst []byte
	for i := range n {
		burst = append(burst, maskedText(fmt.Sprintf(`{"action":"new_chat_message","payload":{"message":"m%d","name":"tx"}}`, i))...)
	}
	if _, err := conn.Write(burst); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		got := rx.read()
		if want := fmt.Sprintf(`"message":"m%d"`, i); !strings.Contains(got, want) {
			t.Fatalf("broadcast %d: got %s, want one with %s", i, got, want)
		}
	}
}
