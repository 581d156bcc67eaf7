// Package redislayer is the Redis channel layer, built on rueidis: one Redis
// subscription per group per process, resubscription after Redis restarts,
// and sharded pub/sub for Redis Cluster. Only this package links rueidis.
package redislayer
