// Package redislayer is the Redis channel layer, built on rueidis, for
// servers that run as several processes: a group broadcast or an event
// published in one process reaches the group's members in all of them.
//
// Each process subscribes to a group in Redis once (channel KeyPrefix +
// group) and fans messages out locally through a layer.Memory; the last
// local subscriber leaving unsubscribes. The same code runs on Redis
// Cluster: with Options.Sharded it uses SSUBSCRIBE/SPUBLISH, which the
// cluster routes to the shard owning the channel (the better choice
// there); without, each channel's PUBLISH and SUBSCRIBE go through one
// node so a publisher's messages stay in order and a subscription sees
// exactly what was published after it.
//
// Writes to Redis are batched by rueidis for up to Options.MaxFlushDelay
// (50 µs by default) while several commands are in flight, which saves
// system calls under load and costs a lone publisher nothing.
//
// A message reaches the publishing process's own subscribers at once,
// without a trip through Redis, so traffic inside one process keeps flowing
// while Redis is down; the envelope names its origin and a process skips its
// own messages when Redis hands them back.
//
// Messages travel in a small binary envelope (version, kind, origin,
// exclude, target, then the raw JSON frame), so frames are not escaped
// twice.
//
// # When Redis fails
//
// Delivery to other processes is at most once. What Publish returns:
//
//   - nil: Redis accepted the message; every process subscribed to the
//     group at that moment gets it.
//   - an error wrapping *layer.PartialDeliveryError: this process's
//     subscribers got the message, other processes may not have (Redis
//     refused the connection, dropped it, or did not answer within
//     PublishTimeout — a message Redis accepted but did not confirm in
//     time may still arrive there). The chanx server answers the handler's
//     sender with the error frame code "partial_delivery" and counts it as
//     metrics.ReasonPartialDelivery; Stats.PartialDeliveries counts them
//     here.
//   - another error: this process had no subscriber of the group, so
//     nobody here got the message, and other processes may not have
//     either; or the layer is closed (layer.ErrClosed), or ctx was done.
//
// Publish never retries: a retry repeats the message to everyone who got
// it the first time.
//
// Every call to Redis has a bound, whatever the state of Redis:
//
//   - PUBLISH: Options.PublishTimeout (2 s; a PUBLISH to a Redis that does
//     not answer fails after between half of it and all of it), or ctx's
//     deadline if sooner.
//     rueidis's own ConnWriteTimeout (10 s) does not bound a command to a
//     Redis that stopped answering but keeps its connections open (a hung
//     or SIGSTOPped server), so without this a handler's broadcast waited
//     until Redis woke up.
//   - SUBSCRIBE for a new group: ctx's deadline, or Options.SubscribeTimeout
//     (5 s) without one.
//   - UNSUBSCRIBE after the last local subscriber left: 2 s, in the
//     background; the subscription is dropped locally anyway.
//   - the health check's PING: PublishTimeout.
//   - New: ctx's deadline; without one rueidis's dial timeout (5 s) and
//     PublishTimeout for the first PING.
//
// Layer.Healthy (layer.HealthReporter) says whether the layer reaches the
// other processes now: Redis answered the last PING or PUBLISH, and every
// group whose subscription dropped with the connection is subscribed again
// (Redis confirmed it). A health check PINGs Redis every
// Options.HealthInterval (1 s), every 100 ms while it is unreachable; a
// failed PUBLISH or a dropped subscription marks it unreachable at once.
// Options.OnHealthChange reports each change (prommetrics.Metrics.LayerHealthy
// turns it into the layer_healthy gauge), and the layer logs it. A readiness
// probe that waits for Healthy does not route clients to a process that
// would miss other processes' messages.
//
// After Redis restarts, a group whose subscription dropped is resubscribed
// as soon as the health check finds Redis answering, not on rueidis's own
// retry backoff (up to 1 s). Until a process has resubscribed, messages
// other processes publish to its groups are accepted by Redis (their
// Publish returns nil) and lost for it: Redis pub/sub keeps nothing for a
// channel without subscribers. This loss window is not closed, only kept
// short: measured by TestRedisFailureTwoProcesses (runtime/server; two
// processes, Redis killed for 3 s, 200 broadcasts/s, loopback), 0–0.2 s
// after the restart, median 0.02 s over 11 runs (0.2–0.9 s on rueidis's
// backoff). Applications that
// need every message need more than pub/sub: the topics feature with
// recovery (a stream per topic, resumed from the last position a client
// saw; chanx issue #13) is the way to guaranteed delivery.
//
// # History
//
// Layer implements layer.History with a Redis Stream and a hash per group
// (KeyPrefix + "history:{group}" and KeyPrefix + "historymeta:{group}",
// one hash slot). Append runs one Lua script that takes the group's next
// seq, adds the message to the stream, trims it by count and age, and
// PUBLISHes it with its seq, so seqs are dense and in delivery order
// across every process; Since reads the stream with XRANGE. The epoch is
// kept in the hash: a Redis that lost its data starts a new one.
// docs/LAYERS.md says what history survives what.
//
// Only this package links rueidis.
package redislayer
