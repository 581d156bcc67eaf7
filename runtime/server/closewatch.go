package server

import (
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"unicode/utf8"
)

// watchConn is the hijacked connection as coder/websocket reads it: it
// follows the frame headers going by and checks the reason of the
// client's close frame, which the library answers itself, echoing the
// reason, before the server sees it. RFC 6455 §8.1 wants a connection
// failed when a close reason is not UTF-8, so a close frame whose reason
// is not is rewritten, in place and at the same length, into a close with
// 1007 and an ASCII reason: the library then answers 1007. Everything
// else passes unchanged. Per read this costs a look at each frame header
// in the bytes read; payloads are skipped by their length.
type watchConn struct {
	net.Conn
	// carry holds bytes read from Conn and not yet handed on: the start
	// of a frame whose header, or close frame, is not complete yet (and,
	// at first, what net/http had read past the upgrade request).
	carry []byte
	fw    frameWatch

	// What the read loop's wait between frames read (idlewait.go),
	// handed on before the socket: pending is the rest of the bytes in
	// pbuf (from pendingPool), perr the read's error, all under pmu.
	pmu       sync.Mutex
	rc        syscall.RawConn
	tryReadFn func(uintptr) bool // tryRead
	pending   []byte
	pbuf      *[]byte
	perr      error
}

// Read reads into p, handing on whole headers and whole close frames
// only, so a close frame is checked before any of it goes by. Carried
// bytes that can go are handed on without reading the socket, which may
// have nothing more to say until they are answered.
func (w *watchConn) Read(p []byte) (int, error) {
	for {
		n := copy(p, w.carry)
		w.carry = w.carry[n:]
		if n > 0 {
			// A scan that holds everything changes nothing, so the
			// same bytes are scanned again below with more behind them.
			if out := w.fw.scan(p[:n], n == len(p)); out > 0 {
				w.hold(p[out:n])
				return out, nil
			}
		}
		m, err := w.readSocket(p[n:])
		n += m
		if n == 0 {
			return 0, err
		}
		out := w.fw.scan(p[:n], n == len(p))
		w.hold(p[out:n])
		if err != nil {
			// Nothing more will come: hand on what is there.
			k := copy(p[out:], w.carry)
			w.carry = w.carry[k:]
			return out + k, err
		}
		if out > 0 {
			return out, nil
		}
	}
}

// hold puts b back in front of the carried bytes.
func (w *watchConn) hold(b []byte) {
	if len(b) > 0 {
		w.carry = append(append([]byte(nil), b...), w.carry...)
	}
}

// frameWatch follows the frames of a client's byte stream.
type frameWatch struct {
	skip uint64 // payload bytes of the current frame still to go by
	fin  bool   // the current frame ends a data message
	// msgs counts the data messages handed on whole: while it is ahead of
	// the messages the connection has taken, the next one can be read
	// without waiting for the socket (Conn.nextReady).
	msgs atomic.Uint64
	// badClose is set once a close reason was rewritten.
	badClose atomic.Bool
}

// closeReasonReplacement is the reason a rewritten close frame carries,
// cut or padded with spaces to the original reason's length.
const closeReasonReplacement = "invalid UTF-8 in close reason"

// scan follows b, which starts where the previous scan stopped, and
// returns how much of it may be handed on: all of it but an incomplete
// header or close frame at its end. full says b is as long as the
// reader's buffer, so waiting for more cannot help: a close frame that
// does not fit then goes by unchecked.
func (fw *frameWatch) scan(b []byte, full bool) int {
	i := 0
	for i < len(b) {
		if fw.skip > 0 {
			k := uint64(len(b) - i)
			if fw.skip < k {
				k = fw.skip
			}
			i += int(k)
			fw.skip -= k
			if fw.skip == 0 && fw.fin {
				fw.fin = false
				fw.msgs.Add(1)
			}
			continue
		}
		h := b[i:]
		if len(h) < 2 {
			return fw.hold(i, full, len(b))
		}
		op, masked, l := h[0]&0x0f, h[1]&0x80 != 0, uint64(h[1]&0x7f)
		hl := 2
		switch l {
		case 126:
			hl += 2
		case 127:
			hl += 8
		}
		if masked {
			hl += 4
		}
		if len(h) < hl {
			return fw.hold(i, full, len(b))
		}
		switch l {
		case 126:
			l = uint64(binary.BigEndian.Uint16(h[2:4]))
		case 127:
			l = binary.BigEndian.Uint64(h[2:10])
		}
		if op == 0x8 && masked && l >= 2 && l <= 125 {
			if uint64(len(h)-hl) < l {
				if i == 0 && full {
					// The reader's buffer cannot hold the frame: let
					// it by unchecked.
					i += hl
					fw.skip, fw.fin = l, false
					continue
				}
				return i
			}
			fw.checkClose(h[hl-4:hl], h[hl:hl+int(l)])
			i += hl + int(l)
			continue
		}
		i += hl
		fw.skip, fw.fin = l, op < 0x8 && h[0]&0x80 != 0
		if l == 0 && fw.fin {
			fw.fin = false
			fw.msgs.Add(1)
		}
	}
	return len(b)
}

// hold returns i, the start of an incomplete header, unless nothing
// before it can go (i == 0) and the buffer is full, which a header (at
// most 14 bytes) never fills.
func (fw *frameWatch) hold(i int, full bool, n int) int {
	if i == 0 && full {
		return n
	}
	return i
}

// checkClose rewrites a masked close payload whose reason is not UTF-8
// into code 1007 and closeReasonReplacement.
func (fw *frameWatch) checkClose(key, payload []byte) {
	plain := make([]byte, len(payload))
	for j := range payload {
		plain[j] = payload[j] ^ key[j&3]
	}
	if utf8.Valid(plain[2:]) {
		return
	}
	fw.badClose.Store(true)
	binary.BigEndian.PutUint16(plain, 1007)
	reason := plain[2:]
	for j := range reason {
		reason[j] = ' '
	}
	copy(reason, closeReasonReplacement)
	for j := range payload {
		payload[j] = plain[j] ^ key[j&3]
	}
}
