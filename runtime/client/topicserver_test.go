package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// topicServer implements the topic frames of PROTOCOL.md ("Topics" in
// ../shared/PROTOCOL.md, and chanx's recovery, §2.1 of docs/PROTOCOL.md)
// literally, with coder/websocket and nothing of chanx's server runtime:
//
//   - topics "room:{id}" (with a history) and "plain:{id}" (without one)
//     exist; "private:{id}" refuses everyone; anything else is unknown;
//   - subscribe / unsubscribe answer subscribed / unsubscribed with the
//     ref, as Chanx does, plus the recovery payload and replay;
//   - "echo" on a subscribed topic is answered "echoed" with the ref,
//     then "complete" with the ref (completions on); payload "interleave"
//     first sends a push named "echoed" without ref;
//   - "echo" without topic is answered "echoed" unstamped, as a hub's own
//     handlers answer;
//   - pushes are "room_event" frames with seq.
type topicServer struct {
	*httptest.Server

	// noRefs makes topic replies leave out the ref (a server that does
	// not echo refs); welcome sends a topic frame named "echoed" right
	// after each subscribed.
	noRefs  bool
	welcome bool
	deny    string // a topic refused from now on (under mu)

	mu       sync.Mutex
	epoch    string
	epochs   int
	topics   map[string]*topicState
	conns    map[*topicConn]bool
	received []string      // every frame read, in order
	subsSeen chan string   // each subscribe frame, as read
	conned   chan struct{} // one per accepted connection
}

type topicState struct {
	latest   int64
	earliest int64 // oldest seq kept; history holds earliest..latest
	history  []string
}

type topicConn struct {
	ws   *websocket.Conn
	subs map[string]bool
}

func startTopicServer(t *testing.T, setup func(*topicServer)) *topicServer {
	t.Helper()
	s := newTopicServer(setup)
	t.Cleanup(s.Close)
	return s
}

// newTopicServer starts a topicServer; the caller closes it.
func newTopicServer(setup func(*topicServer)) *topicServer {
	s := &topicServer{
		epoch:    "e1",
		epochs:   1,
		topics:   map[string]*topicState{},
		conns:    map[*topicConn]bool{},
		subsSeen: make(chan string, 1024),
		conned:   make(chan struct{}, 1024),
	}
	if setup != nil {
		setup(s)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *topicServer) url() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/ws/topics" }

func (s *topicServer) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	c := &topicConn{ws: ws, subs: map[string]bool{}}
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	s.conned <- struct{}{}
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	ctx := r.Context()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		s.handle(ctx, c, data)
	}
}

// inFrame is a client frame with its envelope keys.
type inFrame struct {
	Action  string          `json:"action"`
	Payload json.RawMessage `json:"payload"`
	Topic   *string         `json:"topic"`
	Ref     *string         `json:"ref"`
	Version *int            `json:"version"`
}

func (s *topicServer) handle(ctx context.Context, c *topicConn, data []byte) {
	var f inFrame
	if err := json.Unmarshal(data, &f); err != nil {
		s.write(ctx, c, `{"action": "error", "payload": {"detail": "Failed to process message"}}`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock() // pushes wait for a subscribe's replay: order holds
	s.received = append(s.received, string(data))
	if f.Topic == nil {
		if f.Action == "echo" {
			s.write(ctx, c, `{"action": "echoed", "payload": `+string(f.Payload)+`}`)
		}
		return
	}
	topic := *f.Topic
	ref := ""
	if f.Ref != nil && !s.noRefs {
		ref = *f.Ref
	}
	switch f.Action {
	case "subscribe":
		s.subsSeen <- string(data)
		s.subscribe(ctx, c, topic, ref, f.Payload)
	case "unsubscribe":
		delete(c.subs, topic)
		s.write(ctx, c, stamp(`{"action": "unsubscribed", "payload": null`, topic, ref, -1))
	case "echo":
		if !c.subs[topic] {
			s.topicError(ctx, c, topic, ref, "not_subscribed", "Not subscribed to '"+topic+"'")
			return
		}
		if string(f.Payload) == `"interleave"` {
			s.write(ctx, c, stamp(`{"action": "echoed", "payload": "pushed"`, topic, "", -1))
		}
		s.write(ctx, c, stamp(`{"action": "echoed", "payload": `+string(f.Payload), topic, ref, -1))
		s.write(ctx, c, stamp(`{"action": "complete", "payload": null`, topic, ref, -1))
	default:
		s.write(ctx, c, `{"action": "error", "payload": [{"type": "union_tag_invalid", "loc": [], "msg": "unknown"}]}`)
	}
}

type recoverPayload struct {
	Recover bool    `json:"recover"`
	Epoch   *string `json:"epoch"`
	Seq     *int64  `json:"seq"`
}

func (s *topicServer) subscribe(ctx context.Context, c *topicConn, topic, ref string, payload json.RawMessage) {
	kind, _, _ := strings.Cut(topic, ":")
	switch {
	case !strings.Contains(topic, ":") || strings.Count(topic, ":") != 1 || strings.HasSuffix(topic, ":"):
		kind = ""
	}
	if topic == s.deny {
		kind = "private"
	}
	switch kind {
	case "room", "plain":
	case "private":
		s.topicError(ctx, c, topic, ref, "unauthorized", "Not allowed to subscribe to '"+topic+"'")
		return
	default:
		s.topicError(ctx, c, topic, ref, "unknown_topic", "Unknown topic '"+topic+"'")
		return
	}
	var rp recoverPayload
	_ = json.Unmarshal(payload, &rp)
	c.subs[topic] = true
	if kind == "plain" || !rp.Recover {
		s.write(ctx, c, stamp(`{"action": "subscribed", "payload": null`, topic, ref, -1))
		s.sendWelcome(ctx, c, topic)
		return
	}
	st := s.state(topic)
	if rp.Epoch == nil || rp.Seq == nil {
		s.write(ctx, c, stamp(fmt.Sprintf(`{"action": "subscribed", "payload": {"epoch": %q, "seq": %d, "recovered": false}`, s.epoch, st.latest), topic, ref, -1))
		s.sendWelcome(ctx, c, topic)
		return
	}
	from := *rp.Seq
	if *rp.Epoch != s.epoch || from+1 < st.earliest || from > st.latest {
		earliest := st.earliest
		if len(st.history) == 0 {
			earliest = 0
		}
		s.write(ctx, c, stamp(fmt.Sprintf(`{"action": "subscribed", "payload": {"epoch": %q, "seq": %d, "recovered": false}`, s.epoch, st.latest), topic, ref, -1))
		s.write(ctx, c, stamp(fmt.Sprintf(`{"action": "history_lost", "payload": {"epoch": %q, "seq": %d, "earliest": %d, "fromEpoch": %q, "fromSeq": %d}`, s.epoch, st.latest, earliest, *rp.Epoch, from), topic, "", -1))
		return
	}
	s.write(ctx, c, stamp(fmt.Sprintf(`{"action": "subscribed", "payload": {"epoch": %q, "seq": %d, "recovered": true}`, s.epoch, st.latest), topic, ref, -1))
	for seq := from + 1; seq <= st.latest; seq++ {
		s.write(ctx, c, pushFrame(topic, st.history[seq-st.earliest], seq))
	}
}

func (s *topicServer) sendWelcome(ctx context.Context, c *topicConn, topic string) {
	if s.welcome {
		s.write(ctx, c, stamp(`{"action": "echoed", "payload": "welcome"`, topic, "", -1))
	}
}

func (s *topicServer) topicError(ctx context.Context, c *topicConn, topic, ref, reason, detail string) {
	s.write(ctx, c, stamp(fmt.Sprintf(`{"action": "error", "payload": {"reason": %q, "detail": %q}`, reason, detail), topic, ref, -1))
}

// state returns topic's history; s.mu is held.
func (s *topicServer) state(topic string) *topicState {
	st := s.topics[topic]
	if st == nil {
		st = &topicState{earliest: 1}
		s.topics[topic] = st
	}
	return st
}

// push appends a room_event to topic's history and sends it to every
// subscriber; lost sends it to none (lost in transit).
func (s *topicServer) push(topic, body string, lost bool) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state(topic)
	st.latest++
	st.history = append(st.history, body)
	if lost {
		return st.latest
	}
	for c := range s.conns {
		if c.subs[topic] {
			s.write(context.Background(), c, pushFrame(topic, body, st.latest))
		}
	}
	return st.latest
}

// trim keeps topic's history from seq from on.
func (s *topicServer) trim(topic string, from int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state(topic)
	st.history = st.history[from-st.earliest:]
	st.earliest = from
}

// newEpoch loses every history, as a restarted layer without
// persistence does; seqs count from 1 again.
func (s *topicServer) newEpoch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epochs++
	s.epoch = "e" + strconv.Itoa(s.epochs)
	s.topics = map[string]*topicState{}
}

// dropAll drops every connection without a close frame.
func (s *topicServer) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.ws.CloseNow()
		delete(s.conns, c)
	}
}

func (s *topicServer) frames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.received...)
}

func (s *topicServer) write(ctx context.Context, c *topicConn, frame string) {
	_ = c.ws.Write(ctx, websocket.MessageText, []byte(frame))
}

// stamp closes an open frame with the envelope keys as Chanx writes them:
// version, topic, then ref and seq when set.
func stamp(open, topic, ref string, seq int64) string {
	t, _ := json.Marshal(topic)
	out := open + `, "version": 1, "topic": ` + string(t)
	if ref != "" {
		r, _ := json.Marshal(ref)
		out += `, "ref": ` + string(r)
	}
	if seq >= 0 {
		out += `, "seq": ` + strconv.FormatInt(seq, 10)
	}
	return out + "}"
}

func pushFrame(topic, body string, seq int64) string {
	b, _ := json.Marshal(map[string]string{"body": body})
	return stamp(`{"action": "room_event", "payload": `+string(b), topic, "", seq)
}
