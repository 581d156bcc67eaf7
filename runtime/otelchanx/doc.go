// Package otelchanx traces a chanx server with OpenTelemetry: Hook gives
// server.Options.HandlerHook a span per handled frame, a child of whatever
// span the connection's context carries, ended with the handler's outcome
// (an error status when it failed). LayerTracing gives
// server.Options.LayerTracing what carries that span's W3C trace context
// through the channel layer (layer.Message.Meta, which the Redis layer
// passes between processes): each process that delivers the broadcast
// starts a "chanx deliver <group>" span whose parent is the sender's
// handler span. It is kept apart so that only programs that want
// OpenTelemetry link it.
//
// Not done yet: carrying trace context in frames from a client.
package otelchanx
