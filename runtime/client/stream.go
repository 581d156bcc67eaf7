package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sync"
)

// ErrStreamBacklog ends a stream whose reader fell MaxStreamBacklog
// partial replies behind the connection.
var ErrStreamBacklog = errors.New("client: stream: reader fell too far behind")

// MaxStreamBacklog is how many partial replies a stream holds for a
// reader that has not taken them yet; one more ends the stream with
// ErrStreamBacklog. Holding them, rather than waiting for the reader,
// keeps the connection read (pongs, other replies) while it works.
const MaxStreamBacklog = 1 << 16

// streamQueue holds a stream's partial replies until Next takes them.
type streamQueue struct {
	mu     sync.Mutex
	frames []Frame
	head   int
	ready  chan struct{} // buffered 1: a frame was pushed
}

func (q *streamQueue) push(f Frame) bool {
	q.mu.Lock()
	if len(q.frames)-q.head >= MaxStreamBacklog {
		q.mu.Unlock()
		return false
	}
	q.frames = append(q.frames, f)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

func (q *streamQueue) pop() (Frame, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.frames) {
		return Frame{}, false
	}
	f := q.frames[q.head]
	q.frames[q.head] = Frame{}
	q.head++
	if q.head == len(q.frames) {
		q.frames, q.head = q.frames[:0], 0
	}
	return f, true
}

// Stream is the replies to one RequestStream: the partial replies in the
// order the server sent them, then the final one. Read it with Next from
// one goroutine.
type Stream struct {
	c     *Client
	w     *waiter
	final string
	done  bool
	err   error
}

// RequestStream sends frame (encoded as SendFrame does) and returns the
// stream of its replies: frames whose discriminator is one of
// partialActions, then the one whose discriminator is finalAction, which
// ends it; an error frame ends it with a *ServerError, as it fails a
// Request. It is the client half of an operation whose reply is a
// sequence (a streaming handler on the server). The same limits as
// Request's apply: replies are matched to the oldest waiting request,
// and it must not be called from a handler.
func (c *Client) RequestStream(ctx context.Context, frame any, partialActions []string, finalAction string) (*Stream, error) {
	data, err := json.Marshal(frame)
	if err != nil {
		return nil, fmt.Errorf("client: request stream: encode frame: %w", err)
	}
	w := &waiter{action: finalAction, res: make(chan waitResult, 1), partial: partialActions, stream: &streamQueue{ready: make(chan struct{}, 1)}}
	c.mu.Lock()
	conn, err := c.current()
	if err != nil {
		c.mu.Unlock()
		return nil, err
	}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	if err := c.write(ctx, conn, data); err != nil {
		c.removeWaiter(w)
		return nil, err
	}
	return &Stream{c: c, w: w, final: finalAction}, nil
}

// Next returns the next reply: a partial one with final false, the final
// one with final true, after which Next returns ErrStreamDone.
// It fails when ctx ends (the stream is closed then), the connection is
// lost, or the server answers with an error frame (*ServerError).
func (s *Stream) Next(ctx context.Context) (f Frame, final bool, err error) {
	if s.done {
		if s.err != nil {
			return Frame{}, false, s.err
		}
		return Frame{}, false, ErrStreamDone
	}
	for {
		if f, ok := s.w.stream.pop(); ok {
			return f, false, nil
		}
		select {
		case <-s.w.stream.ready:
		case r := <-s.w.res:
			// Partial replies pushed before the final one come first.
			if f, ok := s.w.stream.pop(); ok {
				s.w.res <- r // give the end back for the next call
				return f, false, nil
			}
			s.done = true
			if r.err != nil {
				s.err = fmt.Errorf("client: stream: waiting for %q: %w", s.final, r.err)
				return Frame{}, false, s.err
			}
			return r.frame, true, nil
		case <-ctx.Done():
			s.Close()
			s.done = true
			s.err = fmt.Errorf("client: stream: waiting for %q: %w", s.final, ctx.Err())
			return Frame{}, false, s.err
		}
	}
}

// Close stops reading the stream: replies still to come are no longer
// matched to it (they go to the actions' handlers, if any). It does not
// ask the server to stop; send the document's cancel message for that.
func (s *Stream) Close() {
	s.c.removeWaiter(s.w)
}

// ErrStreamDone is what Next returns once the final reply was read.
var ErrStreamDone = errors.New("client: stream: done")

// StreamOf is a Stream decoding its partial replies into P and its final
// reply into F (validating each when it implements wire.Validator), for
// generated clients:
//
//	s, err := c.StreamAsk(ctx, &api.Ask{...})
//	if err != nil { ... }
//	for tok, err := range s.Partials() {
//		if err != nil { ... }
//		fmt.Print(tok.Payload.Text)
//	}
//	answer, err := s.Final()
type StreamOf[P, F any] struct {
	s     *Stream
	ctx   context.Context
	final *F
	err   error
	ended bool
}

// RequestStreamAs is RequestStream with typed replies; ctx bounds the
// whole stream, not only the send.
func RequestStreamAs[P, F any](ctx context.Context, c *Client, frame any, partialAction, finalAction string) (*StreamOf[P, F], error) {
	s, err := c.RequestStream(ctx, frame, []string{partialAction}, finalAction)
	if err != nil {
		return nil, err
	}
	return &StreamOf[P, F]{s: s, ctx: ctx}, nil
}

// Partials ranges over the partial replies as they arrive and ends after
// the last one, once the final reply is in (Final returns it). When the
// stream fails, the last pair holds the error (and a nil reply). Breaking
// out of the loop leaves the rest to Final, which skips them.
func (s *StreamOf[P, F]) Partials() iter.Seq2[*P, error] {
	return func(yield func(*P, error) bool) {
		for !s.ended {
			p, err := s.next()
			if err != nil {
				yield(nil, err)
				return
			}
			if p == nil {
				return
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// next reads one reply: a partial one, or nil once the final one (kept
// for Final) or an error ended the stream.
func (s *StreamOf[P, F]) next() (*P, error) {
	f, final, err := s.s.Next(s.ctx)
	if err != nil {
		s.ended, s.err = true, err
		return nil, err
	}
	if final {
		s.ended = true
		s.final = new(F)
		if err := decodeValid(f.Data, s.final); err != nil {
			s.final, s.err = nil, fmt.Errorf("client: stream: %q reply: %w", f.Action, err)
			return nil, s.err
		}
		return nil, nil
	}
	p := new(P)
	if err := decodeValid(f.Data, p); err != nil {
		s.ended, s.err = true, fmt.Errorf("client: stream: %q reply: %w", f.Action, err)
		s.s.Close()
		return nil, s.err
	}
	return p, nil
}

// Final waits for the final reply, skipping partial replies not read
// yet, and returns it, or the error that ended the stream.
func (s *StreamOf[P, F]) Final() (*F, error) {
	for !s.ended {
		if _, err := s.next(); err != nil {
			break
		}
	}
	return s.final, s.err
}

// Close stops reading the stream (see Stream.Close).
func (s *StreamOf[P, F]) Close() { s.s.Close() }
