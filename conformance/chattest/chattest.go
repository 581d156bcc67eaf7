package chattest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// Bug is the one thing a test chat server does wrong; each is caught by
// one conformance check.
type Bug int

const (
	// NoBug: the server implements the document correctly.
	NoBug Bug = iota
	// WrongReplyType: ping is answered with a new_chat_message, not pong.
	WrongReplyType
	// MissingReply: ping is never answered.
	MissingReply
	// AcceptsInvalid: frames are not validated; an invalid ping gets pong.
	AcceptsInvalid
	// DropsOnNonJSON: a frame that is not JSON drops the connection
	// without a close frame.
	DropsOnNonJSON
	// SendsUndeclared: a debug frame the document does not declare follows
	// every pong.
	SendsUndeclared
	// ErrorOnValid: every valid new_chat_message is answered with an error.
	ErrorOnValid
	// LeaksReplies: pong goes to the whole room, not only to the sender.
	LeaksReplies
	// StopsAfterBad: after the first bad input the connection is ignored.
	StopsAfterBad
	// RejectsForBusiness: every frame but ping is answered with a generic
	// error of the server's own ("user not found"), valid or not.
	RejectsForBusiness
	// DiesOnEmpty: an empty text frame kills the server: it stops
	// listening and drops every connection, as a crashed process does.
	DiesOnEmpty
)

// Options are the server's ways beyond its one bug: what it sends
// unprompted, which a correct server may do.
type Options struct {
	Bug Bug
	// Welcome: a new connection is greeted with a pong (the reply's own
	// type), and the room's other members get one as a "joined" notice.
	Welcome bool
	// Push, when set, sends every connection a new_chat_message from
	// "server" at this interval.
	Push time.Duration
	// ResetsAfter, when set, makes every connection after that many be
	// accepted and dropped at once, as a server out of some resource.
	ResetsAfter int
}

// chatServer implements examples/chat/asyncapi.yaml by hand on bare
// coder/websocket — not with the chanx runtime, so that the tester is
// tested against an implementation written independently of chanx — and
// plants at most one bug.
type chatServer struct {
	bug   Bug
	opts  Options
	srv   *httptest.Server
	mu    sync.Mutex
	rooms map[string]map[*member]bool
	dead  bool
	conns int
}

type member struct {
	room string
	out  chan []byte
	conn *websocket.Conn
	// deaf is set by the StopsAfterBad bug after the first bad input.
	deaf bool
}

// Start serves the chat document on a loopback port until the test ends
// and returns its base URL, ws://127.0.0.1:PORT.
func Start(t testing.TB, b Bug) string {
	t.Helper()
	return StartWith(t, Options{Bug: b})
}

// StartWith is Start with the server's unprompted ways too.
func StartWith(t testing.TB, o Options) string {
	t.Helper()
	s := &chatServer{bug: o.Bug, opts: o, rooms: map[string]map[*member]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/chat/{room}", s.serve)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return "ws" + strings.TrimPrefix(s.srv.URL, "http")
}

// die is a crash: no more connections accepted, every one dropped.
func (s *chatServer) die() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return
	}
	s.dead = true
	s.srv.Listener.Close()
	for _, room := range s.rooms {
		for m := range room {
			m.conn.CloseNow()
		}
	}
}

func (s *chatServer) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.conns++
	reset := s.opts.ResetsAfter > 0 && s.conns > s.opts.ResetsAfter
	s.mu.Unlock()
	if reset {
		c.CloseNow()
		return
	}
	m := &member{room: r.PathValue("room"), out: make(chan []byte, 64), conn: c}
	if s.opts.Welcome {
		pong := map[string]any{"action": "pong", "payload": nil}
		send(m, pong)
		s.broadcast(m, pong, true)
	}
	s.mu.Lock()
	if s.dead {
		s.mu.Unlock()
		c.CloseNow()
		return
	}
	if s.rooms[m.room] == nil {
		s.rooms[m.room] = map[*member]bool{}
	}
	s.rooms[m.room][m] = true
	s.mu.Unlock()
	ctx, cancel := context.WithCancel(r.Context())
	defer func() {
		s.mu.Lock()
		delete(s.rooms[m.room], m)
		s.mu.Unlock()
		cancel()
		c.CloseNow()
	}()
	var tick <-chan time.Time
	if s.opts.Push > 0 {
		t := time.NewTicker(s.opts.Push)
		defer t.Stop()
		tick = t.C
	}
	go func() {
		for {
			select {
			case <-tick:
				send(m, map[string]any{"action": "new_chat_message", "payload": map[string]any{"message": "tick", "name": "server"}})
			case msg := <-m.out:
				if c.Write(ctx, websocket.MessageText, msg) != nil {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if m.deaf {
			continue
		}
		if !s.handle(m, typ, data) {
			return
		}
	}
}

func send(m *member, v any) {
	b, _ := json.Marshal(v)
	select {
	case m.out <- b:
	default:
	}
}

func problem(loc []any, msg string) map[string]any {
	return map[string]any{"action": "error", "payload": []any{map[string]any{"type": "value_error", "loc": loc, "msg": msg}}}
}

// reject answers a bad input with an error frame.
func (s *chatServer) reject(m *member, v any) {
	send(m, v)
	if s.bug == StopsAfterBad {
		m.deaf = true
	}
}

// handle answers one frame; false drops the connection.
func (s *chatServer) handle(m *member, typ websocket.MessageType, data []byte) bool {
	if s.bug == DiesOnEmpty && typ == websocket.MessageText && len(data) == 0 {
		s.die()
		return false
	}
	if typ != websocket.MessageText {
		s.reject(m, problem([]any{}, "binary frames are not supported"))
		return true
	}
	var frame map[string]any
	if err := json.Unmarshal(data, &frame); err != nil {
		var v any
		if s.bug == DropsOnNonJSON && json.Unmarshal(data, &v) != nil {
			return false
		}
		s.reject(m, problem([]any{}, "the frame is not a JSON object"))
		return true
	}
	if frame == nil {
		s.reject(m, problem([]any{}, "the frame is not a JSON object"))
		return true
	}
	check := s.bug != AcceptsInvalid
	if s.bug == RejectsForBusiness && frame["action"] != "ping" {
		send(m, map[string]any{"action": "error", "payload": map[string]any{"detail": "user not found"}})
		return true
	}
	switch frame["action"] {
	case "ping":
		if p, ok := frame["payload"]; ok && p != nil && check {
			s.reject(m, problem([]any{"payload"}, "must be null"))
			return true
		}
		pong := map[string]any{"action": "pong", "payload": nil}
		switch s.bug {
		case WrongReplyType:
			send(m, map[string]any{"action": "new_chat_message", "payload": map[string]any{"message": "pong", "name": "server"}})
		case MissingReply:
		case LeaksReplies:
			s.broadcast(m, pong, false)
		case SendsUndeclared:
			send(m, pong)
			send(m, map[string]any{"action": "debug", "payload": "handled ping"})
		default:
			send(m, pong)
		}
	case "new_chat_message":
		if check {
			if loc, msg := checkChat(frame); msg != "" {
				s.reject(m, problem(loc, msg))
				return true
			}
		}
		if s.bug == ErrorOnValid {
			send(m, map[string]any{"action": "error", "payload": map[string]any{"detail": "Failed to process message for new_chat_message"}})
			return true
		}
		s.broadcast(m, frame, true)
	default:
		s.reject(m, problem([]any{"action"}, "unknown action"))
	}
	return true
}

// checkChat validates a new_chat_message frame as the document says.
func checkChat(frame map[string]any) ([]any, string) {
	p, ok := frame["payload"]
	if !ok {
		return []any{"payload"}, "field required"
	}
	obj, ok := p.(map[string]any)
	if !ok {
		return []any{"payload"}, "must be an object"
	}
	for _, f := range []struct {
		name     string
		min, max int
	}{{"message", 1, 2000}, {"name", 1, 100}} {
		v, ok := obj[f.name]
		if !ok {
			return []any{"payload", f.name}, "field required"
		}
		str, ok := v.(string)
		if !ok {
			return []any{"payload", f.name}, "must be a string"
		}
		if n := utf8.RuneCountInString(str); n < f.min || n > f.max {
			return []any{"payload", f.name}, "length out of range"
		}
	}
	return nil, ""
}

func (s *chatServer) broadcast(from *member, v any, excludeSender bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for m := range s.rooms[from.room] {
		if excludeSender && m == from {
			continue
		}
		send(m, v)
	}
}
