// Package server is the chanx WebSocket server runtime: an http.Handler
// that accepts connections on AsyncAPI channel addresses, routes each frame
// by its discriminator to a registered handler, validates it, writes replies
// through a bounded per-connection queue and delivers group broadcasts and
// server events arriving through a layer.Layer. Generated server packages
// are thin tables over this package.
package server
