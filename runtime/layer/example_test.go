package layer_test

import (
	"context"
	"fmt"
	"log"

	"github.com/chanxgo/chanx/runtime/layer"
)

// A worker without a WebSocket of its own sends an event to a group; the
// server process's subscription receives it.
func ExampleMemory() {
	l := layer.NewMemory()
	defer l.Close()
	ctx := context.Background()

	got := make(chan layer.Message, 1)
	cancel, err := l.Subscribe(ctx, "room:lobby", func(m layer.Message) { got <- m })
	if err != nil {
		log.Fatal(err)
	}
	defer cancel()

	err = l.Publish(ctx, "room:lobby", layer.Message{
		Kind:  layer.Event,
		Frame: []byte(`{"action":"notice","payload":{"text":"maintenance at 5"}}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	m := <-got
	fmt.Println(m.Kind == layer.Event, string(m.Frame))
	// Output: true {"action":"notice","payload":{"text":"maintenance at 5"}}
}
