package client

import (
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

// maxHeld bounds the frames a held reader keeps for handlers; past it the
// reader stops reading until it is opened, as a reader that ran no hook
// would leave them to the network.
const maxHeld = 1024

// reader reads one connection on a goroutine of its own from the
// handshake on. Until open is called it is held: the hooks that run
// meanwhile (AfterConnect, AfterReconnect) may Send and Request, so each
// frame read answers the Request waiting for it at once, and what it would
// give hooks and handlers is kept for open, which runs those in arrival
// order. Hooks and handlers thus never run at the same time, and a Request
// from a hook gets its reply.
type reader struct {
	c      *Client
	conn   *websocket.Conn
	mu     sync.Mutex
	opened atomic.Bool
	held   []received
	openCh chan struct{} // closed by open and abort
	done   chan CloseInfo
}

// startReader starts conn's reader, held.
func (c *Client) startReader(conn *websocket.Conn) *reader {
	r := &reader{c: c, conn: conn, openCh: make(chan struct{}), done: make(chan CloseInfo, 1)}
	go func() { r.done <- c.serve(conn, r) }()
	return r
}

// hold takes a frame read while the reader is held and reports true; once
// the reader is open it reports false, and the frame is the caller's to
// dispatch.
func (r *reader) hold(typ websocket.MessageType, data []byte) bool {
	r.mu.Lock()
	if r.opened.Load() {
		r.mu.Unlock()
		return false
	}
	r.held = append(r.held, r.c.receive(typ, data))
	full := len(r.held) >= maxHeld
	r.mu.Unlock()
	if full {
		<-r.openCh
	}
	return true
}

// open runs the hooks and handlers of the frames held so far, then lets
// the reader dispatch as it reads. It runs on the goroutine that ran the
// connection's hooks; the reader waits meanwhile, so order holds.
func (r *reader) open() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, f := range r.held {
		r.held[i] = received{}
		r.c.route(r.c.readCtx, f)
	}
	r.held = nil
	r.opened.Store(true)
	close(r.openCh)
}

// abort drops a connection whose AfterConnect failed, with the frames it
// held, and waits for its reader to end.
func (r *reader) abort() {
	r.conn.CloseNow()
	r.mu.Lock()
	r.held = nil
	r.mu.Unlock()
	close(r.openCh)
	<-r.done
}
