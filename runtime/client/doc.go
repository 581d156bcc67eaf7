// Package client is the chanx WebSocket client runtime: dial a channel with
// path parameters and headers, send typed frames, dispatch received frames by
// discriminator to handlers, with the hooks Chanx's generated clients offer
// and optional reconnection with backoff. Generated client packages are thin
// tables over this package: per message a Handle registration and a Send,
// per channel a BuildURL call.
//
// A Client reads each connection on a goroutine of its own. Handlers and
// hooks run one at a time, in arrival order, so they need no locking among
// themselves; Send, Request, Close and CloseWith may be called from any
// goroutine, and AfterConnect and AfterReconnect may Request (see Hooks).
//
//	c, _ := client.New("ws://127.0.0.1:8000/ws/chat/lobby", nil)
//	client.Handle(c, "new_chat_message", func(ctx context.Context, m *ChatMessage) error { ... })
//	_ = c.Connect(ctx)
//	_ = c.Send(ctx, "new_chat_message", Payload{Message: "hi", Name: "ann"})
//
// Where a frame from the server goes: binary or non-JSON data to
// Hooks.OnRawData; an error frame to Hooks.OnError and the oldest waiting
// Request; any other frame to the oldest Request waiting for its action and
// to its handler (decoded and validated; Hooks.OnInvalidMessage when that
// fails). The protocol's own frames (pong, completions, authentication)
// are dropped quietly when nothing asked for them; any other frame nothing
// asked for is an invalid message.
package client
