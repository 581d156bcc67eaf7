package main

import (
	"bytes"
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"sync"

	"github.com/coder/websocket"
	"github.com/redis/rueidis"
)

// bareServer is the reference a chanx server is measured against: the chat
// protocol done by hand on coder/websocket with nothing chanx adds — no
// validation, no typed decode, no write queue. Request frames are echoed;
// new_chat_message frames go to the room, locally or through Redis
// (PUBLISH to the room, one SUBSCRIBE per room per process).
type bareServer struct {
	redis rueidis.Client // nil: rooms are local only

	mu    sync.Mutex
	rooms map[string]*bareRoom
}

type bareRoom struct {
	members map[*websocket.Conn]struct{}
	cancel  context.CancelFunc // stops the Redis subscription
}

var broadcastMarker = []byte(`"new_chat_message"`)

func serveBare(addr, redisURL string, ready func(net.Addr)) error {
	s := &bareServer{rooms: map[string]*bareRoom{}}
	if redisURL != "" {
		opt, err := rueidis.ParseURL(redisURL)
		if err != nil {
			return err
		}
		if s.redis, err = rueidis.NewClient(opt); err != nil {
			return err
		}
		defer s.redis.Close()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/chat/{room}", s.serveConn)
	return listenAndServe(addr, mux, ready)
}

func (s *bareServer) serveConn(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c.SetReadLimit(1 << 20)
	room := r.PathValue("room")
	s.join(room, c)
	defer s.leave(room, c)
	ctx := context.Background()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if !bytes.Contains(data, broadcastMarker) {
			if c.Write(ctx, typ, data) != nil {
				return
			}
			continue
		}
		if s.redis != nil {
			s.redis.Do(ctx, s.redis.B().Publish().Channel("bench:"+room).Message(rueidis.BinaryString(data)).Build())
			continue
		}
		s.fanOut(room, data)
	}
}

func (s *bareServer) join(room string, c *websocket.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rm := s.rooms[room]
	if rm == nil {
		rm = &bareRoom{members: map[*websocket.Conn]struct{}{}}
		s.rooms[room] = rm
		if s.redis != nil {
			ctx, cancel := context.WithCancel(context.Background())
			rm.cancel = cancel
			go func() {
				err := s.redis.Receive(ctx, s.redis.B().Subscribe().Channel("bench:"+room).Build(), func(m rueidis.PubSubMessage) {
					s.fanOut(room, []byte(m.Message))
				})
				if err != nil && !errors.Is(err, context.Canceled) {
					log.Printf("bare: subscribe %s: %v", room, err)
				}
			}()
		}
	}
	rm.members[c] = struct{}{}
}

func (s *bareServer) leave(room string, c *websocket.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rm := s.rooms[room]
	delete(rm.members, c)
	if len(rm.members) == 0 {
		if rm.cancel != nil {
			rm.cancel()
		}
		delete(s.rooms, room)
	}
	c.CloseNow()
}

func (s *bareServer) fanOut(room string, data []byte) {
	s.mu.Lock()
	rm := s.rooms[room]
	var members []*websocket.Conn
	if rm != nil {
		members = make([]*websocket.Conn, 0, len(rm.members))
		for m := range rm.members {
			members = append(members, m)
		}
	}
	s.mu.Unlock()
	for _, m := range members {
		_ = m.Write(context.Background(), websocket.MessageText, data)
	}
}

// listenAndServe serves h on addr and reports the bound address once
// listening, so a parent process can use port 0.
func listenAndServe(addr string, h http.Handler, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ready(ln.Addr())
	return (&http.Server{Handler: h}).Serve(ln)
}
