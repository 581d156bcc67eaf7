package client_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/client"
)

type tok struct {
	Action  string `json:"action"`
	Payload int    `json:"payload"`
}

// streamScript answers "count" with 100 "tick"s and a "done", and "drop"
// with two ticks and a dropped connection.
func streamScript(ctx context.Context, c *websocket.Conn) {
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		switch string(data) {
		case `{"action":"count"}`:
			for i := range 100 {
				writeJSON(ctx, c, `{"action":"tick","payload":`+strconv.Itoa(i)+`}`)
			}
			writeJSON(ctx, c, `{"action":"done","payload":100}`)
		case `{"action":"drop"}`:
			writeJSON(ctx, c, `{"action":"tick","payload":0}`)
			writeJSON(ctx, c, `{"action":"tick","payload":1}`)
			c.CloseNow()
			return
		case `{"action":"bad"}`:
			writeJSON(ctx, c, `{"action":"tick","payload":0}`)
			writeJSON(ctx, c, `{"action":"error","payload":{"detail":"no"}}`)
		}
	}
}

// TestStreamInOrder: every partial reply arrives, in order, through
// Partials, and the final one through Final; a second stream on the same
// connection works the same, read with Final alone.
func TestStreamInOrder(t *testing.T) {
	srv := startServer(t, nil, streamScript)
	c, err := client.Dial(testCtx(t), srv.url("/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	s, err := client.RequestStreamAs[tok, tok](testCtx(t), c, map[string]string{"action": "count"}, "tick", "done")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for p, err := range s.Partials() {
		if err != nil {
			t.Fatal(err)
		}
		if p.Payload != n {
			t.Fatalf("partial %d is %d", n, p.Payload)
		}
		n++
	}
	f, err := s.Final()
	if err != nil || f.Payload != 100 || n != 100 {
		t.Fatalf("after %d partials: final %+v, %v", n, f, err)
	}
	s, err = client.RequestStreamAs[tok, tok](testCtx(t), c, map[string]string{"action": "count"}, "tick", "done")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := s.Final(); err != nil || f.Payload != 100 {
		t.Fatalf("Final alone: %+v, %v", f, err)
	}
}

// TestStreamEnds: an error frame ends a stream with the *ServerError, a
// lost connection with ErrConnectionLost, after the partials that came.
func TestStreamEnds(t *testing.T) {
	srv := startServer(t, nil, streamScript)
	c, err := client.Dial(testCtx(t), srv.url("/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	s, err := client.RequestStreamAs[tok, tok](testCtx(t), c, map[string]string{"action": "bad"}, "tick", "done")
	if err != nil {
		t.Fatal(err)
	}
	var se *client.ServerError
	if _, err := s.Final(); !errors.As(err, &se) {
		t.Errorf("error frame: %v, want a *ServerError", err)
	}
	s, err = client.RequestStreamAs[tok, tok](testCtx(t), c, map[string]string{"action": "drop"}, "tick", "done")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	var last error
	for p, err := range s.Partials() {
		if err != nil {
			last = err
			break
		}
		got = append(got, p.Payload)
	}
	if len(got) != 2 || !errors.Is(last, client.ErrConnectionLost) {
		t.Errorf("partials %v, end %v; want [0 1] and ErrConnectionLost", got, last)
	}
}
