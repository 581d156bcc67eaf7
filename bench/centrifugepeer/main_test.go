package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	centrifugego "github.com/centrifugal/centrifuge-go"
)

// TestCentrifugeGo drives the peer with centrifuge-go: the ping RPC answers
// the pong payload, and a publication into a room reaches another
// subscriber of it. The bench's load generator speaks the same JSON
// protocol frames this client sends.
func TestCentrifugeGo(t *testing.T) {
	h, node, err := newHandler("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = node.Shutdown(context.Background()) })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/connection/websocket"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	connect := func() *centrifugego.Client {
		c := centrifugego.NewJsonClient(u, centrifugego.Config{})
		if err := c.Connect(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	sender, member := connect(), connect()

	reply, err := sender.RPC(ctx, "ping", []byte(`null`))
	if err != nil {
		t.Fatalf("ping RPC: %v", err)
	}
	if string(reply.Data) != string(pong) {
		t.Fatalf("ping RPC answered %s, want %s", reply.Data, pong)
	}

	got := make(chan []byte, 1)
	subscribe := func(c *centrifugego.Client, pubs chan []byte) *centrifugego.Subscription {
		sub, err := c.NewSubscription("room")
		if err != nil {
			t.Fatal(err)
		}
		subscribed := make(chan struct{})
		sub.OnSubscribed(func(centrifugego.SubscribedEvent) { close(subscribed) })
		if pubs != nil {
			sub.OnPublication(func(e centrifugego.PublicationEvent) { pubs <- e.Data })
		}
		if err := sub.Subscribe(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-subscribed:
		case <-ctx.Done():
			t.Fatal("not subscribed within 10s")
		}
		return sub
	}
	subscribe(member, got)
	from := subscribe(sender, nil)
	msg := `{"message":"t=1","name":"bench"}`
	if _, err := from.Publish(ctx, []byte(msg)); err != nil {
		t.Fatalf("publish: %v", err)
	}
	select {
	case data := <-got:
		if string(data) != msg {
			t.Fatalf("member got %s, want %s", data, msg)
		}
	case <-ctx.Done():
		t.Fatal("publication did not reach the member within 10s")
	}
}
