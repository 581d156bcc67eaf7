// Package redislayer is the Redis channel layer, built on rueidis, for
// servers that run as several processes: a group broadcast or an event
// published in one process reaches the group's members in all of them.
//
// Each process subscribes to a group in Redis once (channel KeyPrefix +
// group) and fans messages out locally through a layer.Memory; the last
// local subscriber leaving unsubscribes. rueidis resubscribes after Redis
// restarts. The same code runs on Redis Cluster: with Options.Sharded it
// uses SSUBSCRIBE/SPUBLISH, which the cluster routes to the shard owning
// the channel (the better choice there); without, each channel's PUBLISH
// and SUBSCRIBE go through one node so a publisher's messages stay in
// order and a subscription sees exactly what was published after it.
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
// twice. Delivery to other processes is at most once: what is published
// while Redis is unreachable does not reach them, and Publish says so with
// an error.
//
// Only this package links rueidis.
package redislayer
