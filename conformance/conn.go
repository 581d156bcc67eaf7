package conformance

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// keepData is the longest frame kept whole in a transcript.
const keepData = 4096

// transcript records what a case sends and receives, in the order the
// tester saw it.
type transcript struct {
	mu      sync.Mutex
	events  []Event
	dropped int
}

// maxEvents bounds a transcript, so that a server flooding frames cannot
// grow a report without end.
const maxEvents = 400

func (t *transcript) add(e Event) {
	t.mu.Lock()
	if len(t.events) < maxEvents {
		t.events = append(t.events, e)
	} else {
		t.dropped++
	}
	t.mu.Unlock()
}

// annotateLast sets the note of the last event kept, when there is one
// to set.
func (t *transcript) annotateLast(note string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if note != "" && t.dropped == 0 && len(t.events) > 0 {
		t.events[len(t.events)-1].Note = note
	}
}

func (t *transcript) list() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]Event(nil), t.events...)
	if t.dropped > 0 {
		out = append(out, Event{Kind: "omitted", Note: fmt.Sprintf("%d more events", t.dropped)})
	}
	return out
}

func frameEvent(conn, kind string, typ websocket.MessageType, data []byte) Event {
	e := Event{Conn: conn, Kind: kind, Binary: typ == websocket.MessageBinary}
	switch {
	case len(data) > keepData:
		e.Size = len(data)
	case e.Binary:
		e.Data = base64.StdEncoding.EncodeToString(data)
	default:
		e.Data = string(data)
	}
	return e
}

// frame is one message read from the server. On a topic connection the
// envelope keys of a frame addressed to the connection's topic are
// stripped from data and kept in env (topics.go).
type frame struct {
	typ  websocket.MessageType
	data []byte
	env  *envelope
}

// conn is one tester connection. A goroutine reads frames into a queue so
// that waiting for a frame never times out a read (coder/websocket closes
// the connection when a read's context expires).
type conn struct {
	name   string
	ws     *websocket.Conn
	frames chan frame
	done   chan struct{} // closed when the reader stops
	err    error         // why the reader stopped; read after done
	cancel context.CancelFunc
	rec    *transcript
	// seen is called for every frame received, in order, before it is
	// returned (the server-frames-declared check observes them here); what
	// it returns is noted on the frame's transcript line.
	seen func(c *conn, f frame) string
	// sent is called for every frame written, so the runner knows the
	// last frame the server was sent before it stopped answering.
	sent   func(c *conn, typ websocket.MessageType, data []byte)
	closed bool // the tester already recorded the close
	// requests counts the frames sent on this connection: a frame that
	// arrives before the first one answers nothing the tester asked.
	requests int
	// dropped is called when the connection ends without a close frame,
	// which may be the server going down.
	dropped func()
	// tp is set on a connection to a topic channel: it stamps what is
	// sent and strips what comes back (topics.go).
	tp *topicConn
}

// errTimeout is returned by next when nothing arrived in time.
var errTimeout = errors.New("timed out")

// dialConn opens a connection to u.
func dialConn(ctx context.Context, name, u string, header http.Header, timeout time.Duration, rec *transcript, seen func(*conn, frame) string) (*conn, *http.Response, error) {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ws, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPHeader: header.Clone()})
	if err != nil {
		note := err.Error()
		if resp != nil {
			note = fmt.Sprintf("HTTP %s: %v", resp.Status, err)
		}
		rec.add(Event{Conn: name, Kind: "dial", Data: u, Note: "failed: " + note})
		return nil, resp, err
	}
	rec.add(Event{Conn: name, Kind: "dial", Data: u})
	ws.SetReadLimit(64 << 20)
	rctx, rcancel := context.WithCancel(context.Background())
	c := &conn{name: name, ws: ws, frames: make(chan frame, 1024), done: make(chan struct{}), cancel: rcancel, rec: rec, seen: seen}
	go c.read(rctx)
	return c, resp, nil
}

func (c *conn) read(ctx context.Context) {
	defer close(c.done)
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			c.err = err
			return
		}
		select {
		case c.frames <- frame{typ: typ, data: data}:
		case <-ctx.Done():
			c.err = ctx.Err()
			return
		}
	}
}

// send writes one frame; a failure is recorded, not fatal: the server may
// have closed the connection, which the next read reports.
func (c *conn) send(ctx context.Context, typ websocket.MessageType, data []byte, timeout time.Duration) {
	if c.tp != nil && typ == websocket.MessageText {
		data = c.tp.stamp(data)
	}
	c.sendRaw(ctx, typ, data, timeout)
}

// sendRaw writes one frame as it is, without a topic's envelope keys.
func (c *conn) sendRaw(ctx context.Context, typ websocket.MessageType, data []byte, timeout time.Duration) {
	c.rec.add(frameEvent(c.name, "send", typ, data))
	c.requests++
	if c.sent != nil {
		c.sent(c, typ, data)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.ws.Write(wctx, typ, data); err != nil {
		c.rec.add(Event{Conn: c.name, Kind: "send", Note: "write failed: " + err.Error()})
	}
}

// closedError says how the connection ended.
type closedError struct {
	// Code is the close code the server sent, or 1006 when it dropped the
	// connection without one.
	Code int
	err  error
}

func (e *closedError) Error() string {
	if e.Code == int(websocket.StatusAbnormalClosure) {
		return fmt.Sprintf("connection dropped without a close frame (1006): %v", e.err)
	}
	return fmt.Sprintf("connection closed with %d", e.Code)
}

// next returns the next frame, a *closedError when the connection has
// ended and every frame before the end was returned, or errTimeout.
func (c *conn) next(ctx context.Context, d time.Duration) (frame, error) {
	if d <= 0 {
		// Past the deadline: a server that floods frames must not keep
		// the caller reading forever.
		c.rec.add(Event{Conn: c.name, Kind: "timeout", Note: "nothing more arrived in time"})
		return frame{}, errTimeout
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case f := <-c.frames:
		return c.got(f), nil
	default:
	}
	select {
	case f := <-c.frames:
		return c.got(f), nil
	case <-c.done:
		select {
		case f := <-c.frames:
			return c.got(f), nil
		default:
		}
		return frame{}, c.closedErr()
	case <-t.C:
		c.rec.add(Event{Conn: c.name, Kind: "timeout", Note: "nothing more arrived in time"})
		return frame{}, errTimeout
	case <-ctx.Done():
		return frame{}, ctx.Err()
	}
}

// got records f as it arrived and returns it as the checks see it: on a
// topic connection, without the envelope keys of its topic.
func (c *conn) got(f frame) frame {
	e := frameEvent(c.name, "recv", f.typ, f.data)
	if c.tp != nil {
		f = c.tp.strip(f)
	}
	if c.seen != nil {
		e.Note = c.seen(c, f)
	}
	c.rec.add(e)
	return f
}

func (c *conn) closedErr() *closedError {
	code := int(websocket.CloseStatus(c.err))
	if code == -1 {
		code = int(websocket.StatusAbnormalClosure)
	}
	if !c.closed {
		c.closed = true
		if code == int(websocket.StatusAbnormalClosure) && c.dropped != nil {
			c.dropped()
		}
		e := Event{Conn: c.name, Kind: "closed", Code: code}
		if code == int(websocket.StatusAbnormalClosure) && c.err != nil {
			e.Note = c.err.Error()
		} else {
			var ce websocket.CloseError
			if errors.As(c.err, &ce) && ce.Reason != "" {
				e.Note = ce.Reason
			}
		}
		c.rec.add(e)
	}
	return &closedError{Code: code, err: c.err}
}

// isClosed reports whether the server has ended the connection.
func (c *conn) isClosed() bool {
	select {
	case <-c.done:
		return len(c.frames) == 0
	default:
		return false
	}
}

// close ends the connection, first handing every frame still queued to
// the observer so that none escapes the server-frames-declared check. The
// queue is drained while the close handshake runs: a server that keeps
// sending must not stall the reader that has to see its close frame.
func (c *conn) close() {
	var late []frame
	keep := func(f frame) {
		if len(late) < maxEvents {
			late = append(late, f)
		}
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			select {
			case f := <-c.frames:
				keep(f)
			case <-c.done:
				for {
					select {
					case f := <-c.frames:
						keep(f)
					default:
						return
					}
				}
			}
		}
	}()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_ = c.ws.Close(websocket.StatusNormalClosure, "")
	}()
	select {
	case <-closed:
	case <-time.After(500 * time.Millisecond):
		_ = c.ws.CloseNow()
		<-closed
	}
	c.cancel()
	<-drained
	for _, f := range late {
		c.got(f)
	}
}
