package server

import (
	"bufio"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
)

// A connection spends most of its life waiting for the client's next
// frame. Waiting inside coder/websocket's Reader parks the goroutine under
// the library's frames (Reader, readLoop, the frame header's bufio reads,
// the socket read): about 2.1 KB of stack, which with the runtime's
// 800-byte allowance is more than a quarter of the 8 KiB stack handling a
// frame grows, so the garbage collector never shrinks it. Between frames,
// when nothing is buffered, the read loop instead waits for the socket in
// a frame of its own (awaitFrame), through syscall.RawConn: the read that
// Reader would have made is made there, into a pooled buffer the
// watchConn hands on first. The wait parks a few hundred bytes deep, the
// collector halves the stack, and no system call is added: the read that
// finds the socket empty and the one after the wake are the ones the
// socket read would have made.

// pendingSize is the size of the buffers awaitFrame reads into.
const pendingSize = 4 << 10

var pendingPool = sync.Pool{New: func() any { b := make([]byte, pendingSize); return &b }}

// idleReader returns what awaitFrame needs of the hijacked connection:
// the reader coder/websocket reads through and the watchConn under it,
// with the socket's RawConn. nil, nil when the socket has no RawConn
// (TLS) or this platform cannot read it raw.
func (h *sizedHijacker) idleReader() (*bufio.Reader, *watchConn) {
	if !rawReads || h.br == nil {
		return nil, nil
	}
	sc, ok := h.conn.(syscall.Conn)
	if !ok {
		return nil, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, nil
	}
	h.watch.rc = rc
	h.watch.tryReadFn = h.watch.tryRead
	return h.br, h.watch
}

// awaitFrame waits, when nothing the next frame needs is buffered, until
// the socket has bytes, and reads them (the reading goroutine, between
// frames). c.rmu orders the look at the buffers before the close
// handshake, which reads them from another goroutine (closeWith).
//
//go:noinline
func (c *Conn) awaitFrame() {
	c.rmu.Lock()
	idle := !c.closeStarted.Load() && c.br.Buffered() == 0 && c.wc.drained()
	c.rmu.Unlock()
	if idle {
		c.wc.fetch()
	}
}

// drained reports whether every byte read from the socket has been
// handed on.
func (w *watchConn) drained() bool {
	return len(w.carry) == 0 && len(w.pending) == 0 && w.perr == nil
}

// fetch reads what the socket has, waiting for it; the bytes (or the
// read's error) are handed on by the next Read. A closed socket leaves
// nothing: the next Read sees it closed. The buffer is the pool's only
// while a read may fill it, so a waiting connection holds none.
//
//go:noinline
func (w *watchConn) fetch() {
	w.pmu.Lock()
	_ = w.rc.Read(w.tryReadFn) // a closed socket: the next Read says so
	w.pmu.Unlock()
}

// tryRead is fetch's RawConn callback (a method value made once, so a
// wait allocates nothing): false asks to wait for the socket.
func (w *watchConn) tryRead(fd uintptr) bool {
	bp := pendingPool.Get().(*[]byte)
	for {
		m, err := rawRead(fd, *bp)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			pendingPool.Put(bp)
			return false
		case err != nil:
			w.perr = &net.OpError{Op: "read", Net: w.LocalAddr().Network(), Source: w.LocalAddr(), Addr: w.RemoteAddr(), Err: os.NewSyscallError("read", err)}
		case m == 0:
			w.perr = io.EOF
		default:
			w.pbuf, w.pending = bp, (*bp)[:m]
			return true
		}
		pendingPool.Put(bp)
		return true
	}
}

// readSocket reads what fetch left, then the socket. A close handshake
// reads from another goroutine while the reading one may be in fetch: it
// waits for that fetch (pmu) and reads what it got.
func (w *watchConn) readSocket(p []byte) (int, error) {
	if w.rc == nil {
		return w.Conn.Read(p)
	}
	w.pmu.Lock()
	n, err, ok := w.takePending(p)
	w.pmu.Unlock()
	if ok {
		return n, err
	}
	return w.Conn.Read(p)
}

// takePending hands on what fetch left (pmu held); ok false when nothing.
func (w *watchConn) takePending(p []byte) (n int, err error, ok bool) {
	if len(w.pending) > 0 {
		n := copy(p, w.pending)
		w.pending = w.pending[n:]
		if len(w.pending) == 0 {
			pendingPool.Put(w.pbuf)
			w.pbuf, w.pending = nil, nil
		}
		return n, nil, true
	}
	if err := w.perr; err != nil {
		w.perr = nil
		return 0, err, true
	}
	return 0, nil, false
}
