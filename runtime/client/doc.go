// Package client is the chanx WebSocket client runtime: dial a channel with
// path parameters and headers, send typed frames, dispatch received frames by
// discriminator to handlers, with the hooks Chanx's generated clients offer
// and optional reconnection with backoff. Generated client packages are thin
// tables over this package.
package client
