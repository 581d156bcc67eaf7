package metrics

import "time"

// Metrics receives the runtime's counters and timings. Implementations
// must be safe for concurrent use and cheap: methods are called on the hot
// path, once per frame, and should not allocate. channel is the channel's
// address pattern (e.g. "/ws/chat/{room}"), action a registered action
// name or "unknown", so labels stay bounded. An implementation that embeds
// Nop keeps compiling when methods are added here.
type Metrics interface {
	// ConnectionOpened counts an accepted WebSocket connection. Every
	// ConnectionOpened is followed, once the connection ends, by exactly
	// one ConnectionClosed for the same channel, so opened minus closed
	// is the number of connections open (an open-connections gauge).
	ConnectionOpened(channel string)
	// ConnectionClosed counts a connection that ended, however it ended.
	ConnectionClosed(channel string)
	// HandlerDuration observes how long the handler registered for
	// action took over one frame (decode and validation included, the
	// reply's encoding and write not), whatever its outcome. The server
	// reads the clock for it only when its Metrics is not Nop.
	HandlerDuration(channel, action string, d time.Duration)
	// BroadcastDelivered observes how long a group broadcast or event took
	// from its publisher handing it to the layer (layer.Message.Sent) to
	// its write on a receiving connection of this process, once per
	// connection written to. Across hosts it includes their clock skew.
	// Messages without a Sent time are not observed; the server reads the
	// clock for it only when its Metrics is not Nop.
	BroadcastDelivered(channel string, d time.Duration)
	// ConnectionRejected counts a request refused before or right after the
	// upgrade; reason is "auth", "upgrade" (not a WebSocket request, or a
	// foreign origin), "shutdown", "connect" (OnConnect failed) or
	// "capacity" (Options.MaxConnections reached: answered 503).
	ConnectionRejected(channel, reason string)
	// FrameReceived counts a frame read from a client.
	FrameReceived(channel, action string)
	// FrameSent counts a frame written to a client.
	FrameSent(channel string)
	// FrameError counts a client frame answered with an error frame; reason
	// is one of the Reason constants.
	FrameError(channel, reason string)
	// SlowClientClosed counts a connection closed because its send queue
	// stayed full past the server's SlowClientTimeout.
	SlowClientClosed(channel string)
	// FrameDropped counts a frame not queued because the connection's send
	// queue was full.
	FrameDropped(channel string)
	// LayerPublished counts a publish to the channel layer; failed tells
	// whether the layer returned an error.
	LayerPublished(failed bool)
	// PublishFailed counts a pipelined broadcast (one the handler did not
	// wait for) that the layer later failed to pass on; its sender got an
	// error frame (see server.ChannelOptions.PublishAck).
	PublishFailed(channel string)
	// LayerReceived counts a message delivered by the channel layer to this
	// process, before fan-out to local connections.
	LayerReceived()
}

// Reasons passed to FrameError.
const (
	ReasonInvalidJSON     = "invalid_json"
	ReasonNotObject       = "not_object"
	ReasonNoDiscriminator = "no_discriminator"
	ReasonUnknownAction   = "unknown_action"
	ReasonTooDeep         = "too_deep"
	ReasonValidation      = "validation"
	ReasonHandler         = "handler"
	ReasonPanic           = "panic"
	// ReasonPartialDelivery counts a frame whose handler's broadcast
	// reached this process's members but not the channel layer (Redis):
	// answered with the "partial_delivery" error frame.
	ReasonPartialDelivery = "partial_delivery"
	// ReasonPublishFailed counts a frame whose handler's pipelined
	// broadcast reached no member in this process and then failed in
	// the channel layer: answered, after the handler, with the
	// "publish_failed" error frame.
	ReasonPublishFailed = "publish_failed"
	// ReasonOverrun counts a frame that found its connection's inbound
	// queue full: it is not answered, the connection is closed with 1008.
	ReasonOverrun = "overrun"
	// ReasonInvalidUTF8 counts a text message that is not UTF-8 (closed
	// with 1007), ReasonBinary a binary message (closed with 1003).
	ReasonInvalidUTF8 = "invalid_utf8"
	ReasonBinary      = "binary"
	// ReasonRateLimited counts a frame over the connection's rate limit
	// (Options.RateLimit): answered with a "rate_limited" error frame, not
	// handled.
	ReasonRateLimited = "rate_limited"
)

// RejectCapacity is the ConnectionRejected reason of an upgrade refused
// because the server holds Options.MaxConnections connections.
const RejectCapacity = "capacity"

// Nop discards every count; it is the default when a server is given no
// Metrics.
type Nop struct{}

var _ Metrics = Nop{}

func (Nop) ConnectionOpened(string)                       {}
func (Nop) ConnectionClosed(string)                       {}
func (Nop) HandlerDuration(string, string, time.Duration) {}
func (Nop) BroadcastDelivered(string, time.Duration)      {}
func (Nop) ConnectionRejected(string, string)             {}
func (Nop) FrameReceived(string, string)                  {}
func (Nop) FrameSent(string)                              {}
func (Nop) FrameError(string, string)                     {}
func (Nop) SlowClientClosed(string)                       {}
func (Nop) FrameDropped(string)                           {}
func (Nop) LayerPublished(bool)                           {}
func (Nop) PublishFailed(string)                          {}
func (Nop) LayerReceived()                                {}
