package otelchanx

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/chanxgo/chanx/runtime/server"
)

// ScopeName is the instrumentation scope of the spans Hook starts.
const ScopeName = "github.com/chanxgo/chanx/runtime/otelchanx"

// Attribute keys on every span.
const (
	KeyChannel = attribute.Key("chanx.channel") // the channel's address pattern
	KeyAction  = attribute.Key("chanx.action")  // the action handled
	KeyConn    = attribute.Key("chanx.conn")    // the connection's id
)

// Hook returns a server.Options.HandlerHook that starts a span named
// "chanx <action>" (kind server) around each handler, with the channel,
// action and connection id as attributes, and ends it with the handler's
// outcome: an error is recorded and sets the status to Error. tp nil
// means otel.GetTracerProvider().
func Hook(tp trace.TracerProvider) func(ctx context.Context, c *server.Conn, action string) (context.Context, func(error)) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	tracer := tp.Tracer(ScopeName)
	return func(ctx context.Context, c *server.Conn, action string) (context.Context, func(error)) {
		ctx, span := tracer.Start(ctx, "chanx "+action,
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				KeyChannel.String(c.Channel().Pattern()),
				KeyAction.String(action),
				KeyConn.String(c.ID()),
			))
		return ctx, func(err error) {
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}
	}
}
