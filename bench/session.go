package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// session is one client connection speaking a peer's dialect of the chat
// protocol: chanx JSON frames, or socket.io events over Engine.IO.
type session struct {
	conn     *websocket.Conn
	socketIO bool
}

// Frames the load generator sends. The chat message's text carries the
// send time so receivers can measure delivery latency without a shared
// table.
var (
	chanxPing    = []byte(`{"action":"ping","payload":null}`)
	socketIOPing = []byte(`42["ping",null]`)
)

func chatFrame(socketIO bool, sentAt int64) []byte {
	text := "t=" + strconv.FormatInt(sentAt, 10)
	if socketIO {
		return []byte(`42["new_chat_message",{"message":"` + text + `","name":"bench"}]`)
	}
	return []byte(`{"action":"new_chat_message","payload":{"message":"` + text + `","name":"bench"}}`)
}

// sentAt extracts the send time a chat frame carries, 0 when it has none.
func sentAt(frame []byte) int64 {
	i := bytes.Index(frame, []byte(`"t=`))
	if i < 0 {
		return 0
	}
	j := i + 3
	k := j
	for k < len(frame) && frame[k] >= '0' && frame[k] <= '9' {
		k++
	}
	n, _ := strconv.ParseInt(string(frame[j:k]), 10, 64)
	return n
}

func dial(ctx context.Context, p *runningPeer, room string) (*session, error) {
	u := p.wsURL + "/ws/chat/" + url.PathEscape(room)
	if p.socketIO {
		u = p.wsURL + "/socket.io/?EIO=4&transport=websocket&room=" + url.QueryEscape(room)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	c.SetReadLimit(1 << 20)
	s := &session{conn: c, socketIO: p.socketIO}
	if p.socketIO {
		if err := s.socketIOHandshake(ctx); err != nil {
			c.CloseNow()
			return nil, err
		}
	}
	return s, nil
}

// socketIOHandshake reads Engine.IO's open packet, connects to the default
// namespace and waits for the server's acknowledgement.
func (s *session) socketIOHandshake(ctx context.Context) error {
	if _, data, err := s.conn.Read(ctx); err != nil || len(data) == 0 || data[0] != '0' {
		return fmt.Errorf("socket.io: no open packet: %v", err)
	}
	if err := s.conn.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		return err
	}
	for {
		_, data, err := s.conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("socket.io: connect: %w", err)
		}
		if bytes.HasPrefix(data, []byte("40")) {
			return nil
		}
	}
}

func (s *session) ping(ctx context.Context) error {
	if s.socketIO {
		return s.conn.Write(ctx, websocket.MessageText, socketIOPing)
	}
	return s.conn.Write(ctx, websocket.MessageText, chanxPing)
}

func (s *session) chat(ctx context.Context, at int64) error {
	return s.conn.Write(ctx, websocket.MessageText, chatFrame(s.socketIO, at))
}

// recv returns the next application frame, answering Engine.IO pings on the
// way.
func (s *session) recv(ctx context.Context) ([]byte, error) {
	for {
		_, data, err := s.conn.Read(ctx)
		if err != nil {
			return nil, err
		}
		if !s.socketIO {
			return data, nil
		}
		switch {
		case len(data) == 1 && data[0] == '2':
			if err := s.conn.Write(ctx, websocket.MessageText, []byte("3")); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(data, []byte("42")):
			return data, nil
		}
	}
}

func (s *session) close() {
	s.conn.Close(websocket.StatusNormalClosure, "")
}
