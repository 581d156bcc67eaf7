package client

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// DefaultReadLimit is the largest frame a client accepts when
// Options.ReadLimit is zero. It matches the server's default, so a frame the
// server would accept from a client is also accepted from the server.
const DefaultReadLimit = 1 << 20

// DefaultDiscriminator is the frame field that names the message, as in
// {"action": "ping", "payload": null}.
const DefaultDiscriminator = "action"

// Options configures a Client. The zero value (or a nil *Options) dials with
// no extra headers, a 1 MiB read limit, the "action" discriminator and no
// reconnection.
type Options struct {
	// Header is sent with the opening handshake, e.g. Authorization or
	// Cookie. BeforeConnect may change it per attempt.
	Header http.Header
	// Subprotocols are offered in Sec-WebSocket-Protocol; the one the server
	// picked is Client.Subprotocol.
	Subprotocols []string
	// HTTPClient performs the handshake; nil means http.DefaultClient. Its
	// Transport carries TLS settings for wss:// URLs. Its Timeout must be
	// zero (coder/websocket refuses a client with a timeout); bound the dial
	// with the context given to Connect instead.
	HTTPClient *http.Client
	// ReadLimit is the largest frame accepted from the server, in bytes;
	// a bigger one ends the connection with 1009. Zero means
	// DefaultReadLimit, a negative value means no limit.
	ReadLimit int64
	// Discriminator is the top-level field naming the message; "" means
	// DefaultDiscriminator.
	Discriminator string
	// Camelize converts object keys to camelCase in frames the client sends
	// and back to snake_case in frames it receives, for servers that run
	// with camelCase keys on the wire. Handlers and Go types keep the
	// snake_case names (wire.CamelizeKeys and wire.SnakeizeKeys do the
	// conversion, as on the server). Off by default.
	Camelize bool
	// PingInterval, when positive, makes the client ping the server that
	// often and drop the connection when a pong takes longer than
	// PingTimeout, so a dead network is noticed (and, with Reconnect,
	// recovered from) even when no frames flow. Zero, the default, sends
	// no pings: the server's own keepalive pings are answered either way.
	PingInterval time.Duration
	// PingTimeout bounds each keepalive ping; zero means PingInterval.
	PingTimeout time.Duration
	// Reconnect, when not nil, makes the client dial again with backoff
	// after the connection drops (and retry the first dial of Connect).
	// Nil, the default, means a dropped connection ends the client.
	Reconnect *Reconnect
	// Hooks observe and steer the connection's life; every field is
	// optional.
	Hooks Hooks
	// Logger receives handler errors and panics when Hooks.OnHandlerError is
	// nil; nil means slog.Default().
	Logger *slog.Logger
}

// Reconnect is the backoff policy for dialing again after a connection
// drops. Each wait is the previous one times Multiplier, starting at
// MinDelay and capped at MaxDelay, then shortened by a random fraction of up
// to Jitter so that many clients dropped at once do not return at once.
type Reconnect struct {
	// MinDelay is the wait before the first attempt; zero means 250ms.
	MinDelay time.Duration
	// MaxDelay caps every wait; zero means 30s.
	MaxDelay time.Duration
	// Multiplier grows the wait after each failed attempt; values below 1
	// mean 2.
	Multiplier float64
	// Jitter is the largest fraction (0..1) taken off each wait at random;
	// zero means 0.2 and a negative value means no jitter.
	Jitter float64
	// MaxAttempts gives up after that many failed attempts in a row; zero
	// means no limit.
	MaxAttempts int
	// MaxElapsed gives up when the next attempt would start later than this
	// after the connection dropped; zero means no limit.
	MaxElapsed time.Duration
	// ShouldReconnect decides, for a connection that ended without the
	// client closing it, whether to dial again. Nil means always, except
	// after close codes that say retrying cannot help: 1008 policy
	// violation (e.g. authentication failed) and 1003/1007 (the server
	// refuses what this client sends).
	ShouldReconnect func(CloseInfo) bool
}

// ConnectRequest is what BeforeConnect may adjust before a dial attempt.
type ConnectRequest struct {
	// URL is the ws:// or wss:// address to dial.
	URL string
	// Header is a copy of Options.Header for this attempt only.
	Header http.Header
	// Attempt is 1 for the first try of a dial sequence (Connect, or one
	// reconnect after a drop) and counts up on retries.
	Attempt int
	// Reconnect is true when dialing again after a connection dropped.
	Reconnect bool
}

// CloseInfo describes how a connection ended, for AfterClose and
// Client.CloseStatus.
type CloseInfo struct {
	// Code is the close code the server sent, or the one the client sent
	// when it closed first; -1 when the connection ended without a close
	// frame (network failure, CloseNow).
	Code websocket.StatusCode
	// Reason is the close frame's reason text, if any.
	Reason string
	// Err is the error that ended the read loop; nil after Close.
	Err error
	// ByClient is true when Close, CloseNow or Run's context ended it.
	ByClient bool
	// Reconnecting is true when the client is about to dial again.
	Reconnecting bool
}

// Hooks are the callbacks Chanx's generated clients offer. Unless noted
// otherwise they run one at a time: on the goroutine calling Connect until
// the connection is up, then on the client's goroutines, so a hook never
// runs concurrently with another hook or a handler. AfterConnect and
// AfterReconnect may Send and Request (re-send subscriptions, an init
// message): the connection is read while they run, replies reach their
// Requests, and other frames wait for the handlers until the hook returns.
// Other hooks block the reading of the connection they run for, so they
// must not wait in Request for a reply — Send is fine.
type Hooks struct {
	// BeforeConnect runs before every dial attempt, including reconnects,
	// and may change the URL or headers (e.g. refresh a token). An error
	// fails the attempt.
	BeforeConnect func(ctx context.Context, req *ConnectRequest) error
	// AfterConnect runs after every successful handshake, before any frame
	// reaches a handler, e.g. to send an init message or Request a
	// subscription. An error closes that connection and fails the attempt.
	AfterConnect func(ctx context.Context, c *Client) error
	// AfterReconnect runs after a reconnect succeeded (after AfterConnect),
	// before any frame of the new connection reaches a handler: the place
	// to re-send joins, with Send or Request. Topic subscriptions
	// (NewSubscription) need nothing here: the client subscribes them
	// again itself once this hook returns. attempt counts the dials it
	// took.
	AfterReconnect func(ctx context.Context, c *Client, attempt int)
	// AfterClose runs after each connection ends, whoever ended it; info
	// says whether the client will dial again.
	AfterClose func(ctx context.Context, info CloseInfo)
	// OnError receives every error frame the server sends (validation
	// problems or a handler failure), decoded.
	OnError func(ctx context.Context, err *ServerError)
	// OnInvalidMessage receives a JSON frame the client cannot use: not an
	// object, no discriminator, an unknown action, or a payload that does
	// not decode into or validate as the handler's type. err says which.
	OnInvalidMessage func(ctx context.Context, frame []byte, err error)
	// OnRawData receives frames that are not JSON, and every binary frame.
	OnRawData func(ctx context.Context, typ websocket.MessageType, data []byte)
	// OnConnectionError receives every failed dial attempt (the first one
	// too, with or without Reconnect, and a refused handshake such as 401
	// or 403: a *DialError with the status and body) and a connection lost
	// without a close frame. Attempts aborted by Close are not reported.
	OnConnectionError func(ctx context.Context, err error)
	// OnHandlerError receives an error returned (or a panic raised) by a
	// handler; nil logs it with Options.Logger.
	OnHandlerError func(ctx context.Context, action string, err error)
}
