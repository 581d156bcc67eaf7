package server

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Frames of every size cross connections with small, default and
// net/http-sized buffers unchanged: bigger than the buffers, and several
// arriving in one read.
func TestBufferSizes(t *testing.T) {
	for _, size := range []int{16, 0, -1} {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			_, hs := newChat(t, Options{ReadBufferSize: size, WriteBufferSize: size})
			c := dial(t, hs, "/ws/chat/buf")
			for _, n := range []int{0, 1, 100, 1000, 5000, 70000} {
				text := strings.Repeat("x", n)
				want := `{"action":"echo","payload":"` + text + `"}`
				if got := c.roundTrip(want); got != want {
					t.Fatalf("echo of %d bytes came back as %d bytes", n, len(got))
				}
			}
			// Several frames written before any answer is read.
			for i := range 20 {
				c.send(fmt.Sprintf(`{"action":"echo","payload":"%d"}`, i))
			}
			for i := range 20 {
				if got, want := c.read(), fmt.Sprintf(`{"action":"echo","payload":"%d"}`, i); got != want {
					t.Fatalf("frame %d: got %s, want %s", i, got, want)
				}
			}
		})
	}
}

// A client may send frames right behind its upgrade request, in the same
// TCP segment; net/http has then read them into its buffer, and they must
// survive the swap to the connection's own buffers.
func TestFramesBehindTheUpgradeRequest(t *testing.T) {
	for _, size := range []int{16, 0, -1} {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			_, hs := newChat(t, Options{ReadBufferSize: size, WriteBufferSize: size})
			conn, err := net.Dial("tcp", hs.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(testTimeout))
			req := "GET /ws/chat/early HTTP/1.1\r\nHost: " + hs.Listener.Addr().String() + "\r\n" +
				"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
			var frames []byte
			for i := range 3 {
				frames = append(frames, maskedText(fmt.Sprintf(`{"action":"echo","payload":"early %d"}`, i))...)
			}
			if _, err := conn.Write(append([]byte(req), frames...)); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d, want 101", resp.StatusCode)
			}
			for i := range 3 {
				if got, want := readText(t, br), fmt.Sprintf(`{"action":"echo","payload":"early %d"}`, i); got != want {
					t.Fatalf("frame %d: got %s, want %s", i, got, want)
				}
			}
		})
	}
}

// maskedText is one client text frame (clients must mask).
func maskedText(s string) []byte {
	key := [4]byte{1, 2, 3, 4}
	var b []byte
	switch n := len(s); {
	case n < 126:
		b = []byte{0x81, 0x80 | byte(n)}
	default:
		b = []byte{0x81, 0x80 | 126, 0, 0}
		binary.BigEndian.PutUint16(b[2:], uint16(n))
	}
	b = append(b, key[:]...)
	for i := range len(s) {
		b = append(b, s[i]^key[i%4])
	}
	return b
}

// readText reads one unmasked, unfragmented server text frame.
func readText(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatal(err)
	}
	if h[0] != 0x81 {
		t.Fatalf("frame header %#x, want a final text frame", h[0])
	}
	n := int(h[1] & 0x7f)
	if n == 126 {
		var ext [2]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			t.Fatal(err)
		}
		n = int(binary.BigEndian.Uint16(ext[:]))
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		t.Fatal(err)
	}
	return string(p)
}

// fakeHijacker hands out one end of a pipe with net/http-sized buffers,
// pending bytes already in the reader.
type fakeHijacker struct {
	http.ResponseWriter
	conn    net.Conn
	pending string
}

func (f *fakeHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r := bufio.NewReaderSize(io.MultiReader(strings.NewReader(f.pending), f.conn), 4096)
	if f.pending != "" {
		r.Peek(len(f.pending))
	}
	return f.conn, bufio.NewReadWriter(r, bufio.NewWriterSize(f.conn, 4096)), nil
}

// The hijacked connection's buffers have the configured sizes, the
// pending bytes come first, and negative sizes keep net/http's buffers.
func TestHijackBufferSizes(t *testing.T) {
	for _, tc := range []struct {
		size, pendingLen, wantRead, wantWrite int
	}{
		{size: 0, pendingLen: 0, wantRead: DefaultReadBufferSize, wantWrite: DefaultWriteBufferSize},
		{size: 64, pendingLen: 10, wantRead: 64, wantWrite: 64},
		{size: 64, pendingLen: 100, wantRead: 64, wantWrite: 64}, // pending bytes wait in the watchConn
		{size: -1, pendingLen: 10, wantRead: 4096, wantWrite: 4096},
	} {
		t.Run(fmt.Sprintf("size=%d,pending=%d", tc.size, tc.pendingLen), func(t *testing.T) {
			srv := New(Options{Logger: quietLogger(), ReadBufferSize: tc.size, WriteBufferSize: tc.size})
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			pending := strings.Repeat("p", tc.pendingLen)
			w := srv.sizedBuffers(&fakeHijacker{conn: a, pending: pending})
			_, brw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Fatal(err)
			}
			if got := brw.Reader.Size(); got != tc.wantRead {
				t.Errorf("reader size %d, want %d", got, tc.wantRead)
			}
			if got := brw.Writer.Size(); got != tc.wantWrite {
				t.Errorf("writer size %d, want %d", got, tc.wantWrite)
			}
			go b.Write([]byte("after"))
			got := make([]byte, tc.pendingLen+len("after"))
			if _, err := io.ReadFull(brw.Reader, got); err != nil {
				t.Fatal(err)
			}
			if want := pending + "after"; string(got) != want {
				t.Errorf("read %q, want %q", got, want)
			}
		})
	}
}
