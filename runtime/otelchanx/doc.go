// Package otelchanx traces a chanx server with OpenTelemetry: Hook gives
// server.Options.HandlerHook a span per handled frame, a child of whatever
// span the connection's context carries, ended with the handler's outcome
// (an error status when it failed). It is kept apart so that only programs
// that want OpenTelemetry link it.
//
// Not done yet: carrying the trace context in frames from a client, and
// through the channel layer to the process that delivers a broadcast.
package otelchanx
