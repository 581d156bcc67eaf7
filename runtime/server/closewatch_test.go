package server

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// chunkConn is a net.Conn whose reads return data in the sizes of cuts.
type chunkConn struct {
	net.Conn
	data []byte
	cuts []byte
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(c.data)
	if len(c.cuts) > 0 {
		n = min(n, int(c.cuts[0])%32+1)
		c.cuts = c.cuts[1:]
	}
	n = copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func (c *chunkConn) SetDeadline(time.Time) error { return nil }

// watchAll passes data through a watchConn whose reads get the sizes of
// cuts and a reader buffer of size bytes, and returns what came out.
func watchAll(data, cuts []byte, size int) []byte {
	w := &watchConn{Conn: &chunkConn{data: bytes.Clone(data), cuts: cuts}}
	var out []byte
	buf := make([]byte, size)
	for {
		n, err := w.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out
		}
	}
}

// FuzzFrameWatch: whatever the bytes and however the socket cuts them,
// the watch hands on exactly as many bytes, in order, changes nothing but
// an invalid close reason (the same as when it reads everything at once)
// and never hangs or panics.
func FuzzFrameWatch(f *testing.F) {
	f.Add(closeFrame(1000, "bye"), []byte{1, 3, 7})
	f.Add(closeFrame(4000, "\xff\xfe"), []byte{0, 1, 2})
	f.Add(append([]byte{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'}, closeFrame(1001, "x\xc3")...), []byte{5})
	f.Add([]byte{0x82, 0xfe, 0x00, 0x03, 1, 2, 3, 4, 9, 9, 9, 0x88, 0x80, 0, 0, 0, 0}, []byte{})
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 7}, []byte{2})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		whole := watchAll(data, nil, 1<<16)
		if len(whole) != len(data) {
			t.Fatalf("%d bytes in, %d out", len(data), len(whole))
		}
		for _, size := range []int{16, 200} {
			got := watchAll(data, cuts, size)
			if !bytes.Equal(got, whole) && size >= 200 {
				t.Fatalf("read in pieces of %v into %d bytes:\n%x\nwhole:\n%x", cuts, size, got, whole)
			}
			if len(got) != len(data) {
				t.Fatalf("buffer %d: %d bytes in, %d out", size, len(data), len(got))
			}
		}
	})
}

// TestFrameWatchRewritesOnlyBadReasons: a valid close frame and data
// frames pass untouched; an invalid reason becomes 1007 at the same
// length.
func TestFrameWatchRewritesOnlyBadReasons(t *testing.T) {
	text := []byte{0x81, 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1}
	good := closeFrame(1000, "fine")
	if out := watchAll(append(bytes.Clone(text), good...), nil, 1024); !bytes.Equal(out, append(bytes.Clone(text), good...)) {
		t.Errorf("valid stream changed: %x", out)
	}
	bad := closeFrame(1000, "\xff\xff\xff\xff")
	out := watchAll(append(bytes.Clone(text), bad...), []byte{3, 4, 5}, 1024)
	if want := append(bytes.Clone(text), closeFrame(1007, "inva")...); !bytes.Equal(out, want) {
		t.Errorf("invalid reason: got %x, want %x", out, want)
	}
}
