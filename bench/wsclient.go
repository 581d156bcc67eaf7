package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// wsConn is the load generator's WebSocket client: the least a client can
// do per frame, so the generator costs less than the servers it measures
// (on two cores a generator as heavy as the server compresses every ratio
// toward 1). It writes each frame with one write call and a zero masking
// key (RFC 6455 lets the client pick any key; the server unmasks as
// usual, the client has nothing to XOR), reads frames from a bufio.Reader
// into the caller's buffer without allocating, answers pings, and has no
// per-call context, timer or goroutine: a connection is unblocked by
// closing it (close, or the dial context ending).
type wsConn struct {
	nc   net.Conn
	br   *bufio.Reader
	stop func() bool // stops the dial context's close

	wmu  sync.Mutex
	wbuf []byte
}

var errClosed = errors.New("websocket: closed by the server")

const (
	opCont  = 0x0
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xa
	// maxFrame bounds a message the generator will read.
	maxFrame = 1 << 20
)

// wsDial opens a WebSocket connection to rawURL (ws://host:port/path),
// from local when it is not nil. The handshake must finish within 10 s;
// the connection is closed when ctx ends.
func wsDial(ctx context.Context, rawURL string, local net.Addr) (*wsConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + k + "\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, fmt.Errorf("handshake: status %s, want 101", resp.Status)
	}
	sum := sha1.Sum([]byte(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != base64.StdEncoding.EncodeToString(sum[:]) {
		nc.Close()
		return nil, fmt.Errorf("handshake: Sec-WebSocket-Accept %q does not match the key", got)
	}
	_ = nc.SetDeadline(time.Time{})
	c := &wsConn{nc: nc, br: br, wbuf: make([]byte, 0, 256)}
	c.stop = context.AfterFunc(ctx, func() { nc.Close() })
	return c, nil
}

// write sends p as one text frame.
func (c *wsConn) write(p []byte) error { return c.writeFrame(opText, p) }

func (c *wsConn) writeFrame(op byte, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := append(c.wbuf[:0], 0x80|op)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, 0, 0, 0, 0) // the masking key: payload XOR 0 is the payload
	b = append(b, p...)
	c.wbuf = b
	_, err := c.nc.Write(b)
	return err
}

// read returns the next data message, appended to buf[:0], answering
// pings on the way.
func (c *wsConn) read(buf []byte) ([]byte, error) {
	msg := buf[:0]
	var hdr [14]byte
	for {
		if _, err := io.ReadFull(c.br, hdr[:2]); err != nil {
			return nil, err
		}
		fin, op := hdr[0]&0x80 != 0, hdr[0]&0x0f
		masked := hdr[1]&0x80 != 0
		n := uint64(hdr[1] & 0x7f)
		switch n {
		case 126:
			if _, err := io.ReadFull(c.br, hdr[2:4]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(hdr[2:4]))
		case 127:
			if _, err := io.ReadFull(c.br, hdr[2:10]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(hdr[2:10])
		}
		var mask [4]byte
		if masked {
			if _, err := io.ReadFull(c.br, mask[:]); err != nil {
				return nil, err
			}
		}
		if n > maxFrame || uint64(len(msg))+n > maxFrame {
			return nil, fmt.Errorf("websocket: message over %d bytes", maxFrame)
		}
		var payload []byte
		if op >= opClose { // control frames: rare, never fragmented
			payload = make([]byte, n)
		} else {
			start := len(msg)
			msg = append(msg, make([]byte, n)...)
			payload = msg[start:]
		}
		if _, err := io.ReadFull(c.br, payload); err != nil {
			return nil, err
		}
		if masked {
			for i := range payload {
				payload[i] ^= mask[i&3]
			}
		}
		switch op {
		case opClose:
			_ = c.writeFrame(opClose, payload[:min(len(payload), 2)])
			return nil, errClosed
		case opPing:
			if err := c.writeFrame(opPong, payload); err != nil {
				return nil, err
			}
		case opPong:
		default:
			if fin {
				return msg, nil
			}
		}
	}
}

// close ends the connection without a closing handshake (the server sees
// EOF, as with coder/websocket's CloseNow).
func (c *wsConn) close() {
	c.stop()
	c.nc.Close()
}
