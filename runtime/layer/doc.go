// Package layer defines the channel layer — the pub/sub fabric that carries
// group broadcasts and server events between processes — and its in-memory
// implementation, the default. Package layer/redislayer implements it over
// Redis with rueidis, so several processes share groups.
package layer
