package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// An idle connection waits in awaitFrame, not inside coder/websocket's
// Reader: the shallow wait is what lets the garbage collector halve the
// stack handling a frame grew (idlewait.go).
func TestIdleConnectionWaitsInAwaitFrame(t *testing.T) {
	if !rawReads {
		t.Skip("no raw socket reads on " + runtime.GOOS)
	}
	hs, conns := serveCaptured(t, Options{})
	c := dial(t, hs, "/ws/captured")
	sc := <-conns
	want := `{"action":"echo","payload":"x"}`
	if got := c.roundTrip(want); got != want {
		t.Fatalf("echo: %s", got)
	}
	waitInAwaitFrame(t, sc)
	// And it still reads what comes next.
	if got := c.roundTrip(want); got != want {
		t.Fatalf("echo after the wait: %s", got)
	}
}

// serveCaptured serves a channel at /ws/captured (echo and the built-in
// ping) that hands each connection it opens to the returned channel.
func serveCaptured(t *testing.T, opts Options) (*httptest.Server, <-chan *Conn) {
	t.Helper()
	opts.Logger = quietLogger()
	srv := New(opts)
	conns := make(chan *Conn, 1)
	ch, err := srv.Channel("/ws/captured", ChannelOptions{OnConnect: func(ctx context.Context, c *Conn) error {
		conns <- c
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	Handle(ch, "echo", func(ctx context.Context, c *Conn, m *echoReply) (*echoReply, error) {
		return &echoReply{Action: "echo", Payload: m.Payload}, nil
	})
	return startServer(t, srv), conns
}

// waitInAwaitFrame waits until the goroutine reading for c (told apart
// from other tests' connections by c's address in its stack) waits in
// awaitFrame.
func waitInAwaitFrame(t *testing.T, c *Conn) {
	t.Helper()
	// The traceback prints the receiver as an argument, sometimes with a
	// "?" behind it (an argument it is not sure of).
	mark := fmt.Sprintf("(*Conn).readLoop(%p", c)
	var reader string
	deadline := time.Now().Add(testTimeout)
	for !strings.Contains(reader, "(*Conn).awaitFrame") {
		if time.Now().After(deadline) {
			t.Fatalf("the connection's reader does not wait in awaitFrame; its stack:\n%s", reader)
		}
		time.Sleep(5 * time.Millisecond)
		buf := make([]byte, 1<<20)
		reader = ""
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, mark) {
				reader = g
			}
		}
	}
}

// Frames that arrive a few bytes at a time, larger than the wait's read
// buffer, or several in one read, come through the wait whole and in
// order; a client that resets the connection while the server waits ends
// it.
func TestIdleWaitHandsOnEveryByte(t *testing.T) {
	for _, size := range []int{16, 0} {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			met := newCounters()
			_, hs := newChat(t, Options{ReadBufferSize: size, Metrics: met})
			conn, br := rawDial(t, hs, "/ws/chat/dribble")
			frame := func(s string) []byte { return maskedText(`{"action":"echo","payload":"` + s + `"}`) }
			// A byte at a time, with the server waiting between them.
			for i := range 2 {
				for _, b := range frame(fmt.Sprint("slow ", i)) {
					if _, err := conn.Write([]byte{b}); err != nil {
						t.Fatal(err)
					}
					time.Sleep(200 * time.Microsecond)
				}
				if got, want := readText(t, br), fmt.Sprintf(`{"action":"echo","payload":"slow %d"}`, i); got != want {
					t.Fatalf("got %s, want %s", got, want)
				}
			}
			// Bigger than pendingSize, then three in one write.
			big := strings.Repeat("b", 3*pendingSize)
			if _, err := conn.Write(frame(big)); err != nil {
				t.Fatal(err)
			}
			if got := readText(t, br); got != `{"action":"echo","payload":"`+big+`"}` {
				t.Fatalf("echo of %d bytes came back as %d", len(big), len(got))
			}
			var three []byte
			for i := range 3 {
				three = append(three, frame(fmt.Sprint(i))...)
			}
			if _, err := conn.Write(three); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if got, want := readText(t, br), fmt.Sprintf(`{"action":"echo","payload":"%d"}`, i); got != want {
					t.Fatalf("frame %d: got %s, want %s", i, got, want)
				}
			}
			// Reset while the server waits for the next frame.
			time.Sleep(10 * time.Millisecond)
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
			eventually(t, "the reset connection closed", func() bool { return met.get("closed") == 1 })
		})
	}
}

// A close the server starts while the connection waits between frames
// completes its handshake: the client's close frame, which the waiting
// read takes from the socket, reaches the handshake's own read. Lost, the
// handshake would wait for a frame that never comes, until
// coder/websocket's own 5 s bound (CloseTimeout here is an hour): the
// client sees the socket end well before that.
func TestIdleWaitCloseHandshake(t *testing.T) {
	hs, conns := serveCaptured(t, Options{CloseTimeout: time.Hour})
	conn, br := rawDial(t, hs, "/ws/captured")
	c := <-conns
	waitInAwaitFrame(t, c)
	c.Close(websocket.StatusNormalClosure, "bye")
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil || h[0] != 0x88 {
		t.Fatalf("close frame: %x %v", h, err)
	}
	if _, err := io.CopyN(io.Discard, br, int64(h[1]&0x7f)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(closeFrame(1000, "bye")); err != nil {
		t.Fatal(err)
	}
	// With the handshake complete the server closes the socket.
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := io.Copy(io.Discard, br); err != nil || n != 0 {
		t.Fatalf("after the close handshake: %d bytes, %v; want the socket closed", n, err)
	}
}
