package otelchanx

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
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

// KeyGroup is the attribute naming the group on delivery spans, KeyMembers
// the number of local connections the message was queued for.
const (
	KeyGroup   = attribute.Key("chanx.group")
	KeyMembers = attribute.Key("chanx.members")
)

// LayerTracing returns a server.LayerTracing for server.Options.LayerTracing
// that carries W3C trace context (traceparent, tracestate) through the
// channel layer: a message published from a context with a span (a
// handler's, under Hook) gets it in its layer.Message.Meta, and every
// process that fans the message out to its connections starts a span
// "chanx deliver <group>" (kind consumer) whose parent is the publisher's
// span, ended once the message is queued for its local members. A message
// without trace context starts no span; a context without a span injects
// nothing. tp nil means otel.GetTracerProvider().
func LayerTracing(tp trace.TracerProvider) server.LayerTracing {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return layerTracing{tracer: tp.Tracer(ScopeName)}
}

type layerTracing struct{ tracer trace.Tracer }

// propagator is the W3C trace context format, the one Meta carries.
var propagator = propagation.TraceContext{}

func (layerTracing) Inject(ctx context.Context, group string) map[string]string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	carrier := make(propagation.MapCarrier, 2)
	propagator.Inject(ctx, carrier)
	return carrier
}

func (t layerTracing) Deliver(group string, meta map[string]string) func(members int) {
	if meta["traceparent"] == "" {
		return nil
	}
	ctx := propagator.Extract(context.Background(), propagation.MapCarrier(meta))
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	_, span := t.tracer.Start(ctx, "chanx deliver "+group,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(KeyGroup.String(group)))
	return func(members int) {
		span.SetAttributes(KeyMembers.Int(members))
		span.End()
	}
}
