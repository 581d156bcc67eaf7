package redislayer_test

import (
	"context"
	"log"
	"time"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

// Processes that share a Redis (and a key prefix) share groups: what one
// publishes, every process's subscribers of the group receive.
func ExampleNew() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := redislayer.New(ctx, "redis://127.0.0.1:6379/0", redislayer.Options{KeyPrefix: "myapp:"})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	stop, err := l.Subscribe(ctx, "room:lobby", func(m layer.Message) {
		log.Printf("to lobby: %s", m.Frame)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer stop()

	err = l.Publish(ctx, "room:lobby", layer.Message{Kind: layer.Event, Frame: []byte(`{"action":"notice"}`)})
	if err != nil {
		log.Printf("Redis unreachable, event lost: %v", err)
	}
}
