// Package layer defines the channel layer — the pub/sub fabric that carries
// group broadcasts and server events between processes — and its in-memory
// implementation, the default. Package layer/redislayer implements it over
// Redis with rueidis, so several processes share groups; package
// layer/layertest is the conformance suite both (and any other
// implementation) pass.
//
// The server subscribes once per group per process and fans messages out
// to its own connections; code without a WebSocket (an HTTP handler, a
// worker) publishes through the same Layer. Delivery is asynchronous and
// bounded: a subscriber that falls behind loses messages (counted) rather
// than slowing publishers or other subscribers. A subscriber whose deliver
// func never blocks — the server's fan-out into bounded per-connection
// queues — may ask for inline delivery instead (InlineSubscriber,
// SubscribeInline), which skips the per-subscription queue and its
// goroutine.
//
// Delivery is at most once, and Publish's error says how far a message
// got: nil when the layer accepted it for every process; an error
// wrapping *PartialDeliveryError when this process's subscribers got it
// and other processes may not have (the transport failed; the chanx server
// answers the sender of such a broadcast with the "partial_delivery" error
// frame); any other error when this process's subscribers did not get it
// either. A layer whose transport can fail implements HealthReporter.
// docs/LAYERS.md describes the semantics and the Redis layer's behaviour
// when Redis fails.
//
// Both layers also implement History: a bounded history per group (a
// ring per group in Memory, a Redis Stream per group shared by every
// process in the Redis layer) with dense seqs, from which a topic
// subscriber that reconnects is sent what it missed, or told with
// HistoryLostError that it cannot be.
package layer
