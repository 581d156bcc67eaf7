package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestTextAndBinaryRules is issue #19's RFC 6455 rules over a real
// loopback socket: a text message that is not UTF-8 fails the connection
// with 1007 (section 8.1) instead of being read with replacement
// characters, a binary message is closed with 1003 (chanx messages are
// JSON text), and each is counted under its reason. A handler running at
// the time sees the cause.
func TestTextAndBinaryRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		typ    websocket.MessageType
		frame  string
		code   websocket.StatusCode
		reason string
		cause  error
		metric string
	}{
		{"invalid utf-8 in a value", websocket.MessageText, "{\"action\":\"ping\",\"payload\":\"\xff\"}", 1007, "invalid UTF-8", ErrInvalidUTF8, "error.invalid_utf8"},
		{"invalid utf-8 in a key", websocket.MessageText, "{\"act\xc3\x28ion\":\"ping\"}", 1007, "invalid UTF-8", ErrInvalidUTF8, "error.invalid_utf8"},
		{"a surrogate half", websocket.MessageText, "{\"action\":\"\xed\xa0\x80\"}", 1007, "invalid UTF-8", ErrInvalidUTF8, "error.invalid_utf8"},
		{"binary json", websocket.MessageBinary, `{"action":"ping"}`, 1003, "binary messages are not accepted", ErrBinaryMessage, "error.binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			met := newCounters()
			srv, hs, k := waitServer(t, Options{Metrics: met})
			_ = srv
			c := dial(t, hs, "/ws")
			if got := c.roundTrip(`{"action":"ping","payload":"é"}`); action(t, got) != "pong" {
				t.Fatalf("valid UTF-8 answered %s", got)
			}
			c.send(`{"action":"wait","payload":{"id":"a"}}`)
			k.started(t)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			if err := c.ws.Write(ctx, tc.typ, []byte(tc.frame)); err != nil {
				t.Fatal(err)
			}
			var err error
			for err == nil {
				_, err = c.tryRead()
			}
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != tc.code || ce.Reason != tc.reason {
				t.Errorf("read error %v, want a close with %d %q", err, tc.code, tc.reason)
			}
			cause, _ := k.result(t)
			if !errors.Is(cause, tc.cause) || websocket.CloseStatus(cause) != tc.code {
				t.Errorf("handler's cause %v, want %v with %d", cause, tc.cause, tc.code)
			}
			if n := met.get(tc.metric); n != 1 {
				t.Errorf("%s counted %d times, want 1", tc.metric, n)
			}
		})
	}
}

// closeFrame is a masked client close frame with code and reason, written
// by hand: the reason need not be UTF-8.
func closeFrame(code uint16, reason string) []byte {
	payload := append([]byte{byte(code >> 8), byte(code)}, reason...)
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	f := []byte{0x88, 0x80 | byte(len(payload))}
	f = append(f, key[:]...)
	for i, b := range payload {
		f = append(f, b^key[i&3])
	}
	return f
}

// rawDial opens a WebSocket by hand on hs's path, for frames
// coder/websocket would not write, and returns the connection after the
// 101 response.
func rawDial(t *testing.T, hs *httptest.Server, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(testTimeout))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, hs.Listener.Addr())
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %s", resp.Status)
	}
	return conn, br
}

// readServerClose reads frames until the server's close frame and
// returns its code and reason.
func readServerClose(t *testing.T, br *bufio.Reader) (uint16, string) {
	t.Helper()
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			io.ReadFull(br, l[:])
			n = int(l[0])<<8 | int(l[1])
		case 127:
			t.Fatal("huge frame")
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(br, p); err != nil {
			t.Fatal(err)
		}
		if h[0]&0x0f == 0x8 {
			if n < 2 {
				return 0, ""
			}
			return uint16(p[0])<<8 | uint16(p[1]), string(p[2:])
		}
	}
}

// TestInvalidCloseReasonFails1007: a close frame whose reason is not
// UTF-8 is answered with 1007, not echoed back, over a real socket; a
// running handler sees ErrInvalidUTF8. A valid reason is echoed as before,
// also when the close frame arrives in pieces.
func TestInvalidCloseReasonFails1007(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason string
		code   uint16
		want   string
		cause  error
		split  bool
	}{
		{"invalid", "bye \xff\xfe now", 1007, closeReasonReplacement[:10], ErrInvalidUTF8, false},                  // cut to the reason's length
		{"invalid long", "\xc3\x28" + strings.Repeat("x", 60), 1007, closeReasonReplacement, ErrInvalidUTF8, true}, // padded with spaces
		{"valid", "au revoir, élan", 4000, "au revoir, élan", ErrClientClosed, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, hs, k := waitServer(t, Options{PingInterval: -1})
			conn, br := rawDial(t, hs, "/ws")
			msg := []byte(`{"action":"wait","payload":{"id":"a"}}`)
			f := []byte{0x81, 0x80 | byte(len(msg)), 1, 2, 3, 4}
			for i, b := range msg {
				f = append(f, b^[]byte{1, 2, 3, 4}[i&3])
			}
			if _, err := conn.Write(f); err != nil {
				t.Fatal(err)
			}
			k.started(t)
			cf := closeFrame(4000, tc.reason)
			if tc.split {
				// In three writes, so the server reads it in pieces.
				for _, part := range [][]byte{cf[:1], cf[1:5], cf[5:]} {
					if _, err := conn.Write(part); err != nil {
						t.Fatal(err)
					}
					time.Sleep(5 * time_ms) // lets each piece be read alone
				}
			} else if _, err := conn.Write(cf); err != nil {
				t.Fatal(err)
			}
			code, reason := readServerClose(t, br)
			if code != tc.code || strings.TrimRight(reason, " ") != tc.want {
				t.Errorf("server closed with %d %q, want %d %q", code, reason, tc.code, tc.want)
			}
			cause, _ := k.result(t)
			if !errors.Is(cause, tc.cause) {
				t.Errorf("handler's cause %v, want %v", cause, tc.cause)
			}
		})
	}
}
