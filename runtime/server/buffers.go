package server

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
)

// sizedBuffers wraps w so that hijacking it (which websocket.Accept does)
// hands the connection buffers of Options.ReadBufferSize and
// WriteBufferSize instead of net/http's 4 KiB ones, which the connection
// would otherwise keep for its whole life, and records the hijacked
// net.Conn (rawConn). w is returned as it is when it cannot be hijacked.
func (s *Server) sizedBuffers(w http.ResponseWriter) http.ResponseWriter {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return w
	}
	return &sizedHijacker{ResponseWriter: w, hj: hj, rsize: s.opts.ReadBufferSize, wsize: s.opts.WriteBufferSize}
}

type sizedHijacker struct {
	http.ResponseWriter
	hj           http.Hijacker
	rsize, wsize int           // negative: keep net/http's
	conn         net.Conn      // the hijacked connection, once Hijack succeeded
	watch        *watchConn    // conn as coder/websocket reads it
	br           *bufio.Reader // what coder/websocket reads watch through
	co           *coalescer    // what coder/websocket writes conn through
}

// rawConn returns the net.Conn hijacked through w (a sizedBuffers
// writer), nil when there is none. Closing it is the one way to end a
// Write stuck on a client that does not read: coder/websocket's CloseNow
// does nothing while its Close waits to write the close frame.
func rawConn(w http.ResponseWriter) net.Conn {
	if h, ok := w.(*sizedHijacker); ok {
		return h.conn
	}
	return nil
}

// attachSocket gives c what it uses of the connection hijacked through w
// (a sizedBuffers writer): the frame watch (nextReady), the coalescer
// (drain) and the read side for the wait between frames (awaitFrame).
// Without a sizedBuffers writer c keeps none of them.
func attachSocket(c *Conn, w http.ResponseWriter) {
	h, ok := w.(*sizedHijacker)
	if !ok {
		return
	}
	c.co = h.co
	if h.watch != nil {
		c.fw = &h.watch.fw
		c.br, c.wc = h.idleReader()
	}
}

// Hijack hijacks the underlying connection, replaces its buffers and
// hands the connection on as a watchConn, which checks the client's close
// frame; what is written goes through a coalescer (coalesce.go). The bufio values are overwritten in place: net/http's connection
// keeps pointing at them until the handler returns, which for a WebSocket
// is when it closes, so new values beside them would only add memory.
// Bytes net/http has read past the request but not consumed (a client
// that sent a frame right behind its upgrade request, or the byte
// net/http's background read took) move into the watchConn, ahead of the
// socket, so the frame watch sees every byte; the writer is flushed first
// so nothing written is lost.
func (h *sizedHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := h.hj.Hijack()
	if err != nil {
		return conn, brw, err
	}
	h.conn = conn
	w := &watchConn{Conn: conn}
	if n := brw.Reader.Buffered(); n > 0 {
		pending, _ := brw.Reader.Peek(n)
		w.carry = bytes.Clone(pending)
	}
	if h.wsize >= 0 {
		if err := brw.Writer.Flush(); err != nil {
			conn.Close()
			return nil, nil, err
		}
		h.co = &coalescer{conn: conn}
		*brw.Writer = *bufio.NewWriterSize(h.co, h.wsize)
	}
	if h.rsize >= 0 {
		*brw.Reader = *bufio.NewReaderSize(w, h.rsize)
	} else {
		brw.Reader.Reset(w) // keeps net/http's buffer
	}
	h.watch, h.br = w, brw.Reader
	return w, brw, nil
}

// Unwrap lets http.ResponseController reach the original writer.
func (h *sizedHijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }
