package server

import (
	"net"
	"sync"
)

// coalescer sits between coder/websocket's bufio.Writer and the socket so
// that several frames can leave in one write(2). chanx keeps one message
// per WebSocket frame (the wire protocol), but a connection's writer that
// has a batch of frames (drain) holds the coalescer around it: the frames
// collect in a pooled buffer and go out together when the hold is
// released. Without a hold every write goes straight to the socket, with
// no copy, and an idle connection holds no buffer.
//
// Only a connection's writer (one drain at a time) holds it; other writes
// (coder/websocket's pongs, pings, close frames) may come from other
// goroutines at any time and are ordered with the held bytes by mu: while
// held they join the buffer, so a close frame written during a batch goes
// out right behind it when the batch is released.
type coalescer struct {
	conn net.Conn

	mu   sync.Mutex
	held bool
	buf  *[]byte // while held: what waits to be written, from coalescePool
	err  error   // a write to the socket failed: every later write fails
	// writes counts write(2) calls on conn, for tests.
	writes int
}

// coalesceMax bounds what a hold collects: past it the buffer is written
// out and the rest of the hold writes through, so a burst of large frames
// neither grows the buffer without bound nor is copied for nothing.
const coalesceMax = 64 << 10

var coalescePool = sync.Pool{New: func() any {
	b := make([]byte, 0, 8<<10)
	return &b
}}

// Write is what coder/websocket's bufio.Writer flushes into.
func (w *coalescer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	if w.held {
		b := *w.buf
		if len(b)+len(p) <= coalesceMax {
			*w.buf = append(b, p...)
			return len(p), nil
		}
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
	}
	w.writes++
	n, err := w.conn.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// hold starts collecting writes.
func (w *coalescer) hold() {
	w.mu.Lock()
	if !w.held {
		w.held = true
		w.buf = coalescePool.Get().(*[]byte)
	}
	w.mu.Unlock()
}

// release writes what the hold collected, in one write, and stops
// collecting. Its error is the socket's: the frames collected are lost
// and the connection has to end, as when a frame's own write fails.
func (w *coalescer) release() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.held {
		return w.err
	}
	err := w.flushLocked()
	w.held = false
	b := w.buf
	w.buf = nil
	if cap(*b) <= coalesceMax {
		*b = (*b)[:0]
		coalescePool.Put(b)
	}
	return err
}

// flushLocked writes the held buffer out and empties it.
func (w *coalescer) flushLocked() error {
	b := *w.buf
	if len(b) == 0 {
		return w.err
	}
	*w.buf = b[:0]
	if w.err != nil {
		return w.err
	}
	w.writes++
	if _, err := w.conn.Write(b); err != nil {
		w.err = err
		return err
	}
	return nil
}

// socketWrites reports how many writes reached the socket, for tests.
func (w *coalescer) socketWrites() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}
