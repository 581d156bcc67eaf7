package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestWSConnTalksToCoderWebsocket checks the load generator's client
// against coder/websocket's server: text frames both ways (the server
// unmasks the zero key), a 70,000-byte message (64-bit length), and a
// ping the client answers while reading.
func TestWSConnTalksToCoderWebsocket(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		ctx := r.Context()
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			if string(data) == "ping me" {
				// Ping waits for the pong, which the client sends from read.
				go func() {
					pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					defer cancel()
					err := c.Ping(pctx)
					msg := "pong seen"
					if err != nil {
						msg = "no pong: " + err.Error()
					}
					_ = c.Write(ctx, websocket.MessageText, []byte(msg))
				}()
				continue
			}
			if err := c.Write(ctx, typ, data); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := wsDial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", &net.TCPAddr{IP: net.IPv4(127, 0, 3, 7)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	var buf []byte
	for _, msg := range []string{`{"action":"ping","payload":null}`, strings.Repeat("x", 300), strings.Repeat("y", 70_000)} {
		if err := c.write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		got, err := c.read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != msg {
			t.Fatalf("echo of %d bytes came back as %d bytes", len(msg), len(got))
		}
		buf = got
	}
	if err := c.write([]byte("ping me")); err != nil {
		t.Fatal(err)
	}
	if got, err := c.read(buf); err != nil || string(got) != "pong seen" {
		t.Fatalf("after a ping: %q, %v", got, err)
	}
}

// discardConn is a net.Conn that accepts every write (read answers pings
// and closes).
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error) { return len(p), nil }
func (discardConn) Close() error                { return nil }

// FuzzWSConnRead feeds arbitrary server bytes to the client's frame
// reader: it returns a message or an error, never panics, and never
// returns more than maxFrame bytes.
func FuzzWSConnRead(f *testing.F) {
	f.Add([]byte("\x81\x05hello"))
	f.Add([]byte("\x01\x03hel\x80\x02lo"))
	f.Add([]byte("\x89\x00\x81\x01x"))
	f.Add([]byte("\x88\x02\x03\xe8"))
	f.Add([]byte("\x81\x7e\x00\x05hello"))
	f.Add([]byte("\x81\x7f\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("\x81\x85\x01\x02\x03\x04iglhn"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &wsConn{nc: discardConn{}, br: bufio.NewReader(bytes.NewReader(data)), stop: func() bool { return true }}
		for range 4 {
			msg, err := c.read(nil)
			if err != nil {
				return
			}
			if len(msg) > maxFrame {
				t.Fatalf("read returned %d bytes", len(msg))
			}
		}
	})
}

func TestSentAt(t *testing.T) {
	for _, d := range []dialect{chanxJSON, socketIO, centrifugeJSON} {
		frame := appendChat(nil, d, "room", 1234567890123, 7)
		if got := sentAt(frame); got != 1234567890123 {
			t.Errorf("dialect %d: sentAt(%s) = %d", d, frame, got)
		}
	}
	if got := sentAt([]byte(`{"action":"pong"}`)); got != 0 {
		t.Errorf("sentAt without a time = %d", got)
	}
}

func TestScaleSourcesAreLoopbackAndSpread(t *testing.T) {
	seen := map[string]int{}
	for i := range 100_000 {
		a := scaleSource(i).(*net.TCPAddr)
		if !a.IP.IsLoopback() {
			t.Fatalf("source %d is %s, not loopback", i, a)
		}
		seen[a.IP.String()]++
	}
	for ip, n := range seen {
		if n > 2 {
			t.Fatalf("%s carries %d connections", ip, n)
		}
	}
}
