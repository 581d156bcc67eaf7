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
// Hooks.OnRawData; a frame carrying the ref of a pending topic request to
// that request (an error frame as a *TopicError or *ServerError); else a
// frame with a topic to that topic's Subscription (none: dropped, counted
// in DroppedTopicFrames); else an error frame to Hooks.OnError and the
// oldest waiting channel Request, and any other frame to the oldest
// channel Request waiting for its action and to its handler (decoded and
// validated; Hooks.OnInvalidMessage when that fails). The protocol's own
// frames (pong, completions, authentication) are dropped quietly when
// nothing asked for them; any other frame nothing asked for is an invalid
// message.
//
// # Topics
//
// Topics (Python Chanx's, PROTOCOL.md §2) multiplex many resources over
// one connection. A Subscription is the client's side of one topic:
//
//	sub, _ := c.NewSubscription("room:lobby", &client.SubscribeOptions{Recover: true})
//	client.HandleTopic(sub, "room_event", func(ctx context.Context, ev *RoomEvent) error { ... })
//	err := sub.Subscribe(ctx)                      // subscribe → subscribed, or a *TopicError
//	reply, err := sub.Request(ctx, &Echo{...}, "echoed") // stamped topic + ref, answered by ref
//	err = sub.Send(ctx, "typing", nil)             // stamped topic, no answer
//	err = sub.Unsubscribe(ctx)                     // unsubscribe → unsubscribed
//
// c.Subscribe(ctx, topic, opts) is NewSubscription and Subscribe in one,
// for subscriptions whose pushes go to SubscribeOptions.OnPush. Push
// handlers (HandleTopic, Subscription.HandleFrame, OnPush) run like
// channel handlers, one at a time in arrival order, and receive the frame
// without its envelope keys; Frame.Topic and Frame.Seq carry them.
// Topic error frames are *TopicError values with Reason and Detail,
// matched by errors.Is with ErrUnknownTopic, ErrUnauthorized and
// ErrNotSubscribed.
//
// Refs: every topic request (subscribe, unsubscribe, Request,
// RequestStream) carries a ref, the connection's counter as a decimal
// string from "1", and is answered by the first frame carrying that ref
// (a stream: by the frames carrying it, until the final one), never by a
// push or welcome frame of the reply's name. Until the server has echoed
// a ref on the connection, a topic frame without ref may also answer the
// oldest request on its topic waiting for its name, for servers that do
// not echo refs; once one has, never. Frames outside topics carry no ref
// and are matched by name (PROTOCOL.md §4.3 says why).
//
// The subscriptions form a registry: after a reconnect each one still
// registered is subscribed again, in the order they were made, one at a
// time. With SubscribeOptions.Recover, subscribe asks for recovery
// (PROTOCOL.md §2.1) and a resubscribe carries the last epoch and seq
// processed: the missed pushes are replayed, and pushes are delivered in
// seq order, none twice; a push whose seq is not the next one makes the
// subscription resubscribe with its position; a gap the server can no
// longer fill reaches SubscribeOptions.OnHistoryLost.
package client
