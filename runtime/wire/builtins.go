package wire

import (
	"encoding/json"
	"strconv"
)

// Built-in frames on topic traffic (Python Chanx's topics), served by
// runtime/server (topic.go); the names are here so every runtime reads
// them from one table.
const (
	ActionSubscribe    = "subscribe"
	ActionUnsubscribe  = "unsubscribe"
	ActionSubscribed   = "subscribed"
	ActionUnsubscribed = "unsubscribed"
)

// Direction is which way a frame travels.
type Direction uint8

const (
	// ClientToServer frames are sent by clients.
	ClientToServer Direction = iota + 1
	// ServerToClient frames are sent by servers.
	ServerToClient
)

func (d Direction) String() string {
	switch d {
	case ClientToServer:
		return "client→server"
	case ServerToClient:
		return "server→client"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// PayloadShape is what a built-in frame carries as its payload.
type PayloadShape uint8

const (
	// PayloadNull: the payload is JSON null.
	PayloadNull PayloadShape = iota + 1
	// PayloadIgnored: whatever the payload is (or its absence) is ignored.
	PayloadIgnored
	// PayloadError: a list of Problem (a frame that failed validation) or
	// an ErrorDetail object (anything else).
	PayloadError
	// PayloadAuthentication: an Authentication object.
	PayloadAuthentication
)

// Builtin is one frame the protocol itself defines, as opposed to the
// messages an AsyncAPI document declares.
type Builtin struct {
	Name      string
	Direction Direction
	Payload   PayloadShape
	// Declarable: a document may declare it like its own messages (a
	// channel that handles ping declares ping and pong). The others never
	// appear in documents; clients must accept them undeclared.
	Declarable bool
	// Topics: only sent on topic traffic (frames stamped with KeyTopic).
	Topics bool
}

// Builtins is the table of built-in frames, the one list the server, the
// Go client, generated code and docs/PROTOCOL.md read. Each is written
// with the channel's own discriminator key (Envelope).
var Builtins = []Builtin{
	{Name: ActionPing, Direction: ClientToServer, Payload: PayloadNull, Declarable: true},
	{Name: ActionPong, Direction: ServerToClient, Payload: PayloadNull, Declarable: true},
	{Name: ActionError, Direction: ServerToClient, Payload: PayloadError},
	{Name: ActionAuthentication, Direction: ServerToClient, Payload: PayloadAuthentication},
	{Name: ActionComplete, Direction: ServerToClient, Payload: PayloadNull},
	{Name: ActionGroupComplete, Direction: ServerToClient, Payload: PayloadNull},
	{Name: ActionEventComplete, Direction: ServerToClient, Payload: PayloadNull},
	{Name: ActionSubscribe, Direction: ClientToServer, Payload: PayloadIgnored, Topics: true},
	{Name: ActionUnsubscribe, Direction: ClientToServer, Payload: PayloadIgnored, Topics: true},
	{Name: ActionSubscribed, Direction: ServerToClient, Payload: PayloadNull, Topics: true},
	{Name: ActionUnsubscribed, Direction: ServerToClient, Payload: PayloadNull, Topics: true},
}

// LookupBuiltin returns the built-in frame called name that travels in
// direction d.
func LookupBuiltin(name string, d Direction) (Builtin, bool) {
	for _, b := range Builtins {
		if b.Name == name && b.Direction == d {
			return b, true
		}
	}
	return Builtin{}, false
}

// Error codes the runtime itself puts in an ErrorDetail. Handlers choose
// their own (lower-case snake_case words, stable across releases); these
// are the ones chanx defines.
const (
	// CodeNotImplemented: the server has no implementation for the
	// message yet (a generated Unimplemented handler answered it).
	CodeNotImplemented = "not_implemented"
	// CodeUnknown: a coded error was built without a code.
	CodeUnknown = "unknown"
	// CodePartialDelivery: the handler's broadcast reached the group's
	// members on the sender's own server, but the channel layer could not
	// pass it to the other servers (Redis down or not answering), so their
	// members may not have it. Sending the frame again repeats it to the
	// members that did get it.
	CodePartialDelivery = "partial_delivery"
)

const (
	detailProcessingFailed = "Failed to process message"
)

// ErrorDetail is the payload of an error frame that is not a list of
// problems: {"detail": "..."} as Python Chanx writes it, plus the
// optional "code" of a coded handler error and the "reason" of a topic
// error. Clients that only read "detail" keep working.
type ErrorDetail struct {
	// Reason is the machine-readable cause of a topic error
	// ("unknown_topic", "unauthorized", "not_subscribed").
	Reason string `json:"reason,omitempty"`
	// Detail is text written for the client to read.
	Detail string `json:"detail"`
	// Code is the stable code of a coded handler error.
	Code string `json:"code,omitempty"`
}

// Authentication is the payload of the authentication frame.
type Authentication struct {
	StatusCode int    `json:"status_code"`
	StatusText string `json:"status_text"`
	Data       any    `json:"data"`
}

// Ping is the client's liveness check {"<key>": "ping", "payload": null}.
func (e *Envelope) Ping() []byte { return e.ping }

// Pong is the answer to a ping.
func (e *Envelope) Pong() []byte { return e.pong }

// Complete returns the completion marker for one of ActionComplete,
// ActionGroupComplete or ActionEventComplete, nil for any other name.
func (e *Envelope) Complete(name string) []byte {
	switch name {
	case ActionComplete:
		return e.complete
	case ActionGroupComplete:
		return e.groupComplete
	case ActionEventComplete:
		return e.eventComplete
	}
	return nil
}

// ProcessingError answers a failure that is neither the client's frame
// nor a handler's: {"detail": "Failed to process message"}.
func (e *Envelope) ProcessingError() []byte { return e.processing }

// HandlerError answers a frame whose handler failed or panicked:
// {"detail": "Failed to process message for <action>"}. The text is fixed
// so that nothing about the failure leaks to the client. The returned
// slice is new; callers answering often cache it per action.
func (e *Envelope) HandlerError(action string) []byte {
	return e.CodedError("", HandlerErrorDetail(action))
}

// HandlerErrorDetail is the detail of the generic handler-error frame.
func HandlerErrorDetail(action string) string {
	return detailProcessingFailed + " for " + action
}

// CodedError is the error frame {"detail": detail, "code": code} of a
// handler that failed with a code; an empty code is left out, which makes
// it the frame Python Chanx sends.
func (e *Envelope) CodedError(code, detail string) []byte {
	p, err := json.Marshal(ErrorDetail{Detail: detail, Code: code})
	if err != nil {
		return e.processing
	}
	return e.raw(ActionError, p)
}

// Problems is the validation error frame {"<key>": "error", "payload":
// [{"type", "loc", "msg"}, ...]}. A nil Loc is written as [].
func (e *Envelope) Problems(problems []Problem) []byte {
	for i := range problems {
		if problems[i].Loc == nil {
			problems[i].Loc = []any{}
		}
	}
	p, err := json.Marshal(problems)
	if err != nil {
		return e.processing
	}
	return e.raw(ActionError, p)
}

// Authentication is the frame a server sends after the upgrade when it
// reports authentication in band (Python Chanx's way).
func (e *Envelope) Authentication(statusCode int, statusText string, data any) []byte {
	if statusCode == 200 && statusText == "OK" && data == nil && e.authOK != nil {
		return e.authOK
	}
	b, err := e.Frame(ActionAuthentication, Authentication{statusCode, statusText, data})
	if err != nil {
		return e.processing
	}
	return b
}
