package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// dialect is how a peer's clients speak the chat protocol.
type dialect int

const (
	// chanxJSON: chanx's JSON frames, the room in the URL path.
	chanxJSON dialect = iota
	// socketIO: socket.io events over Engine.IO, the room in the query.
	socketIO
	// centrifugeJSON: centrifuge's JSON protocol (what centrifuge-go sends
	// with NewJsonClient): connect, subscribe to the room's channel, ping as
	// an RPC, a chat message as a publication into the channel.
	centrifugeJSON
)

// session is one client connection speaking a peer's dialect of the chat
// protocol.
//
// The load generator is meant to cost less than the servers it measures,
// so a session reads every frame into one buffer of its own (recv's result
// is valid until the next recv) and builds the frames it sends into
// another (ping and chat are called from one goroutine at a time).
type session struct {
	conn    *wsConn
	dialect dialect
	room    string
	rbuf    []byte // the last frame read
	rest    []byte // centrifuge: the lines of rbuf not returned yet
	wbuf    []byte
	nextID  int // centrifuge: the next command id
}

// Frames the load generator sends. The chat message's text carries the
// send time so receivers can measure delivery latency without a shared
// table.
var (
	chanxPing      = []byte(`{"action":"ping","payload":null}`)
	socketIOPing   = []byte(`42["ping",null]`)
	engineIOPong   = []byte("3")
	centrifugePong = []byte(`{}`)
)

// appendChat appends the chat frame carrying sentAt in dialect d to b.
func appendChat(b []byte, d dialect, room string, sentAt int64, id int) []byte {
	switch d {
	case socketIO:
		b = append(b, `42["new_chat_message",{"message":"t=`...)
	case centrifugeJSON:
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, `,"publish":{"channel":`...)
		b = strconv.AppendQuote(b, room)
		b = append(b, `,"data":{"message":"t=`...)
	default:
		b = append(b, `{"action":"new_chat_message","payload":{"message":"t=`...)
	}
	b = strconv.AppendInt(b, sentAt, 10)
	switch d {
	case socketIO:
		return append(b, `","name":"bench"}]`...)
	case centrifugeJSON:
		return append(b, `","name":"bench"}}}`...)
	}
	return append(b, `","name":"bench"}}`...)
}

// sentAt extracts the send time a chat frame carries, 0 when it has none.
func sentAt(frame []byte) int64 {
	i := bytes.Index(frame, []byte(`"t=`))
	if i < 0 {
		return 0
	}
	var n int64
	for _, c := range frame[i+3:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func dial(ctx context.Context, p *runningPeer, room string) (*session, error) {
	return dialFrom(ctx, p, room, nil)
}

// dialFrom opens a session from the local address (nil: any).
func dialFrom(ctx context.Context, p *runningPeer, room string, local net.Addr) (*session, error) {
	var u string
	switch p.dialect {
	case socketIO:
		u = p.wsURL + "/socket.io/?EIO=4&transport=websocket&room=" + url.QueryEscape(room)
	case centrifugeJSON:
		u = p.wsURL + "/connection/websocket"
	default:
		u = p.wsURL + "/ws/chat/" + url.PathEscape(room)
	}
	c, err := wsDial(ctx, u, local)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	s := &session{conn: c, dialect: p.dialect, room: room, rbuf: make([]byte, 0, 512), nextID: 1}
	switch p.dialect {
	case socketIO:
		err = s.socketIOHandshake(ctx)
	case centrifugeJSON:
		err = s.centrifugeHandshake(ctx)
	}
	if err != nil {
		c.close()
		return nil, err
	}
	return s, nil
}

// socketIOHandshake reads Engine.IO's open packet, connects to the default
// namespace and waits for the server's acknowledgement.
func (s *session) socketIOHandshake(ctx context.Context) error {
	if data, err := s.read(ctx); err != nil || len(data) == 0 || data[0] != '0' {
		return fmt.Errorf("socket.io: no open packet: %v", err)
	}
	if err := s.conn.write([]byte("40")); err != nil {
		return err
	}
	for {
		data, err := s.read(ctx)
		if err != nil {
			return fmt.Errorf("socket.io: connect: %w", err)
		}
		if bytes.HasPrefix(data, []byte("40")) {
			return nil
		}
	}
}

// centrifugeHandshake connects anonymously and subscribes to the room's
// channel, as centrifuge-go's Connect and Subscribe do.
func (s *session) centrifugeHandshake(ctx context.Context) error {
	if err := s.command(ctx, "connect", `{}`); err != nil {
		return err
	}
	return s.command(ctx, "subscribe", `{"channel":`+strconv.Quote(s.room)+`}`)
}

// command sends one centrifuge command and waits for its reply.
func (s *session) command(ctx context.Context, method, body string) error {
	id := s.nextID
	s.nextID++
	cmd := `{"id":` + strconv.Itoa(id) + `,"` + method + `":` + body + `}`
	if err := s.conn.write([]byte(cmd)); err != nil {
		return fmt.Errorf("centrifuge %s: %w", method, err)
	}
	want := []byte(`{"id":` + strconv.Itoa(id) + `,`)
	for {
		line, err := s.recv(ctx)
		if err != nil {
			return fmt.Errorf("centrifuge %s: %w", method, err)
		}
		if !bytes.HasPrefix(line, want) {
			continue
		}
		if bytes.Contains(line, []byte(`"error":`)) {
			return fmt.Errorf("centrifuge %s: %s", method, line)
		}
		return nil
	}
}

func (s *session) ping(ctx context.Context) error {
	switch s.dialect {
	case socketIO:
		return s.conn.write(socketIOPing)
	case centrifugeJSON:
		b := append(s.wbuf[:0], `{"id":`...)
		b = strconv.AppendInt(b, int64(s.nextID), 10)
		b = append(b, `,"rpc":{"method":"ping","data":null}}`...)
		s.nextID++
		s.wbuf = b
		return s.conn.write(b)
	}
	return s.conn.write(chanxPing)
}

func (s *session) chat(ctx context.Context, at int64) error {
	s.wbuf = appendChat(s.wbuf[:0], s.dialect, s.room, at, s.nextID)
	s.nextID++
	return s.conn.write(s.wbuf)
}

// read reads the next message into rbuf. ctx is not watched per call (that
// would cost a goroutine or a timer per frame): the dial context closes
// the connection when it ends.
func (s *session) read(ctx context.Context) ([]byte, error) {
	b, err := s.conn.read(s.rbuf)
	if err != nil {
		return nil, err
	}
	s.rbuf = b
	return b, nil
}

// recv returns the next application frame (for centrifuge: the next line,
// as centrifuge writes several replies and pushes into one frame), answering
// Engine.IO's and centrifuge's pings on the way. The result is valid until
// the next recv.
func (s *session) recv(ctx context.Context) ([]byte, error) {
	for {
		var data []byte
		if s.dialect == centrifugeJSON && len(s.rest) > 0 {
			data = s.rest
		} else {
			var err error
			if data, err = s.read(ctx); err != nil {
				return nil, err
			}
		}
		switch s.dialect {
		case chanxJSON:
			return data, nil
		case socketIO:
			switch {
			case len(data) == 1 && data[0] == '2':
				if err := s.conn.write(engineIOPong); err != nil {
					return nil, err
				}
			case bytes.HasPrefix(data, []byte("42")):
				return data, nil
			}
		case centrifugeJSON:
			line, rest, _ := bytes.Cut(data, []byte("\n"))
			s.rest = rest
			if len(line) == 2 && line[0] == '{' && line[1] == '}' {
				if err := s.conn.write(centrifugePong); err != nil {
					return nil, err
				}
				continue
			}
			if len(line) > 0 {
				return line, nil
			}
		}
	}
}

func (s *session) close() { s.conn.close() }
