// Package server is the chanx WebSocket server runtime: an http.Handler
// that accepts connections on AsyncAPI channel addresses, routes each frame
// by its discriminator to a registered handler, validates it, writes replies
// through a bounded per-connection queue and delivers group broadcasts and
// server events arriving through a layer.Layer. Generated server packages
// are thin tables over this package; people can use it by hand too.
//
// # Shape
//
//	srv := server.New(server.Options{Layer: l, Logger: log, Metrics: m})
//	chat, err := srv.Channel("/ws/chat/{room}", server.ChannelOptions{
//		OnConnect: func(ctx context.Context, c *server.Conn) error {
//			return c.Join(ctx, "room."+c.Param("room"))
//		},
//	})
//	server.HandleNoReply(chat, "new_chat_message",
//		func(ctx context.Context, c *server.Conn, m *NewChatMessage) error {
//			return c.Broadcast(ctx, "room."+c.Param("room"), m, server.ExcludeSelf)
//		})
//	server.Handle(chat, "get_history",
//		func(ctx context.Context, c *server.Conn, m *GetHistory) (*History, error) { ... })
//	http.ListenAndServe(addr, srv) // srv is an http.Handler
//	srv.Shutdown(ctx)              // 1001 to every connection, bounded by ctx
//
// Handle[T, R] decodes each frame once into a new T, validates it (the
// ValidateWith fallback on the raw frame, typically a JSON Schema compiled
// at start-up, then T's wire.Validator), calls the handler and sends a
// non-nil R back to the sender. Generated code passes its interface methods directly:
// server.Handle(ch, "ping", h.Ping) where Ping is
// func(context.Context, *server.Conn, *Ping) (*Pong, error).
//
// A Conn gives handlers its ID (routable across processes), Param,
// Principal, Request, Groups, Send, Broadcast (optionally ExcludeSelf),
// Join, Leave, Close and CancelHandler. Code outside any connection sends events with
// Server.Publish and Server.SendTo, or, holding only the layer, with the
// package functions Publish and SendToConn.
//
// # Topics
//
// Python Chanx's topics multiplex many resources over one connection
// (docs/PROTOCOL.md §2). A topic class is declared on a channel by
// pattern; its handlers get the *Subscription a frame was addressed to:
//
//	hub, _ := srv.Channel("/ws/topics", server.ChannelOptions{})
//	room, err := hub.Topic(server.TopicOptions{
//		Name:    "RoomTopic",  // layer group "RoomTopic.<topic>" (TopicGroup)
//		Pattern: "room:{id}",  // parameters: 1+ characters other than ':'
//		Authorize: func(ctx context.Context, c *server.Conn, p map[string]string) (bool, error) {
//			return p["id"] != "secret", nil // false: topic error "unauthorized"
//		},
//		OnSubscribe: func(ctx context.Context, s *server.Subscription) error {
//			return s.Send(ctx, initialState) // stamped with the topic, no ref
//		},
//		OnUnsubscribe: func(ctx context.Context, s *server.Subscription) {},
//		History: &layer.Retention{Count: 1000}, // optional: seqs and recovery
//	})
//	server.HandleTopic(room, "post",
//		func(ctx context.Context, s *server.Subscription, m *Post) (*Posted, error) { ... })
//	seq, err := room.Push(ctx, "room:lobby", &RoomEvent{...}) // to every subscriber, every process
//	room.Push(ctx, "room:lobby", ev, server.WithSeq(7))         // caller's seq (topics without History)
//
// A channel's topics are tried in declaration order; the first whose
// pattern matches serves a topic. Every frame with a non-null "topic"
// goes to them: subscribe, unsubscribe and the topic's own messages,
// validated against the topic's handlers (HandleTopic, HandleTopicNoReply;
// the envelope keys are removed first). Replies, errors and `complete`
// carry the topic and the frame's ref; pushes carry the topic and seq.
// On a hub frames without a topic go to the channel's own handlers; a
// topic declared with Dedicated: true is served on the channel's own
// route instead (connecting subscribes to the topic the URL parameters
// fill the pattern with, and frames without a topic belong to it). Several
// topic classes share one address by being declared on one channel;
// Server.Hub returns that one channel to every caller naming the address
// (mounting it on the first), so classes declared separately, one
// generated Mount each, share it too. A
// connection's subscriptions end, with OnUnsubscribe, when it does.
// With History the layer (layer.History) assigns every push its seq and a
// subscribe with {"recover": true, "epoch", "seq"} is answered with what
// the client missed, or history_lost (PROTOCOL.md §2.1).
// Subscription gives handlers Conn, Topic, Param and Send; Conn.Subscriptions
// lists a connection's topics.
//
// # Protocol
//
// The wire protocol is Python Chanx's (docs/PROTOCOL.md; runtime/wire
// holds its frames): built-in ping → pong; every bad frame (not JSON, not
// an object, no or unknown discriminator, nested deeper than MaxDepth,
// failing validation) gets an error frame listing problems {type, loc,
// msg} and the connection stays open; a failing or panicking handler gets
// {"detail": "Failed to process message for <action>"}, and one that
// returns an *Error (NewError) gets its message and code instead:
// {"detail": "The room is full", "code": "room_full"}. A handler whose
// broadcast reached this server's members but not the other servers' (the
// layer's *layer.PartialDeliveryError, returned as is or wrapped) gets the
// code "partial_delivery" (CodePartialDelivery; docs/LAYERS.md). On the
// Redis layer a handler's broadcasts are pipelined by default: Broadcast
// does not wait for Redis, and a broadcast that fails afterwards reaches
// its sender as a "partial_delivery" or "publish_failed" error frame
// (CodePublishFailed); WaitAck and ChannelOptions.PublishAck wait for the
// acknowledgement instead (see Conn.Broadcast). Every built-in
// frame is written with the channel's discriminator key. Options turn on
// completion markers (complete, group_complete, event_complete), camelCase
// keys, and Chanx's in-band authentication frame instead of the default
// HTTP 401/403.
//
// # Connections
//
// Each connection reads in one loop, which starts once OnConnect has
// returned and goes on while handlers run, so pongs, close frames and
// further frames are read during a long handler (cancelling the
// connection's context closes the socket, which ends a read or write in
// progress). Its handlers run one at a time in arrival order: a quick one
// on the reading goroutine itself, so a reply costs no goroutine hand-off;
// once a handler has run for 5 ms (less with a PingTimeout under 20 ms) a
// per-server watchdog moves reading to another goroutine, and frames read
// meanwhile wait for the handler in order. A route registered with
// Concurrent (or every route of a channel with
// ChannelOptions.ConcurrentHandlers) runs each frame on a goroutine of its
// own as soon as it is read. At most Options.InboundQueue frames may be
// read and not yet handled; a client that sends one more is closed with
// 1008 "inbound queue full" (counted as a FrameError with reason
// "overrun"), so no frame is dropped unanswered without the client being
// told.
//
// OnConnect and handlers get the connection's handler context, cancelled
// as soon as the connection starts to end, whatever the reason; its cause
// (context.Cause) wraps ErrClientClosed, ErrConnectionLost,
// ErrKeepaliveTimeout, ErrShutdown, ErrSlowClient, ErrInboundOverrun or,
// after Conn.Close, ErrClosed, with a websocket.CloseError carrying the
// close code where there is one, or ErrInvalidUTF8 or ErrBinaryMessage
// for a message chanx does not read (1007, 1003). A handler registered
// with CancelKey is also cancelled (cause ErrCanceled) by a frame of a
// cancel operation registered with HandleCancel, whether it runs or still
// waits, when its frame came before the cancel, or by Conn.CancelHandler.
// Generated code wires a document's x-chanx-cancels operation to these
// and its x-chanx-stream operations to HandleStream.
//
// Writes go through a queue of at most Options.SendQueue frames, written
// by whichever goroutine finds no writer running (a handler's reply goes
// out from the handler's goroutine) or by a goroutine that exists only
// while the queue is non-empty. The connection's own traffic waits for
// room: a handler's reply, Conn.Send and Stream.Send (HandleStream, for
// replies that are a sequence of partial messages then a final one) block
// while the queue is full, bounded by their context, the connection's end
// and SlowClientTimeout, after which Send returns ErrSlowClient and the
// connection is closed with 1008. A broadcast or event never waits for a
// member: a full queue drops the frame (counted), and a queue full for
// longer than SlowClientTimeout closes the connection with 1008. A frame
// larger than ReadLimit closes its connection with 1009. Keepalive pings
// with a timeout drop peers that stopped answering.
//
// # Groups
//
// Joining a group subscribes the process to it on the layer once; local
// members share that subscription and a message is fanned out to their
// queues. The subscription is dropped when the last local member leaves.
// Connection ids start with a random process prefix; each server
// subscribes to one inbox group for its prefix, which is how SendToConn
// reaches a connection in another process. The fan-out never blocks, so
// the server subscribes inline when the layer can (layer.InlineSubscriber):
// no goroutine hand-off between the layer and the connections' queues.
//
// # Capacity and rate limits
//
// Options.MaxConnections (and ChannelOptions.MaxConnections for one
// channel) caps the connections open at once: the upgrade request over
// the cap is answered 503 with a Retry-After header and a body saying the
// server is at capacity, before any WebSocket opens, and counted as
// ConnectionRejected reason "capacity". Options.RateLimit gives each
// connection a token bucket (frames per second, burst): a frame over it is
// not handled but answered with an error frame of code "rate_limited"
// (CodeRateLimited, counted as FrameError reason "rate_limited"), and a
// client that keeps sending while refused is closed with 1008 "rate limit
// exceeded" (handlers see ErrRateLimited). docs/PROTOCOL.md states both
// on the wire.
//
// Options.Compression turns on permessage-deflate for the clients that
// offer it; it is off by default because of its memory cost (with context
// takeover about 1.27 MB per connection; see the field and
// docs/PERFORMANCE.md).
//
// # Observability
//
// Options.Logger (log/slog) gets, at info level, a line per connection
// opened (conn, channel, remote address; logged after OnConnect), closed
// (close_code, close_reason, cause, groups, duration) and rejected by
// authentication (reason, status, remote, error) and, at debug level, per
// frame handled or rejected; handler failures are warnings (coded *Error
// failures info) and panics errors. Conn.AddLogAttrs, called from
// OnConnect, puts attributes such as the authenticated user on every later
// line about the connection; Conn.Logger gives handlers that logger for
// their own lines. Lines about a frame carry "conn" and
// "msg_id", the frame's number on its connection, so every line about one
// message can be found; handled frames add "action" and "duration".
// Options.Metrics counts connections, frames in and out, errors by
// reason, dropped frames, slow clients closed and layer traffic (see
// runtime/metrics; runtime/metrics/prommetrics exports them to
// Prometheus), and times handlers (Metrics.HandlerDuration, read from the
// clock only when Metrics is set). Options.HandlerHook runs around each
// routed handler; runtime/otelchanx makes it an OpenTelemetry span per
// handled frame.
package server
