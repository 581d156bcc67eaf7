package server

import "github.com/chanxgo/chanx/runtime/wire"

// CodeNotImplemented is the code of NotImplemented errors, which the
// Unimplemented handlers of generated servers return.
const CodeNotImplemented = wire.CodeNotImplemented

// Error is a handler error meant for the client: a stable code a program
// can switch on and a message written for a person to read. A handler
// returns one (directly or wrapped; errors.As finds it) to answer the
// frame with
//
//	{"action": "error", "payload": {"detail": <message>, "code": <code>}}
//
// instead of the generic "Failed to process message for <action>". Only
// the code and the message reach the client; the cause given to
// WrapError is for the server's logs.
type Error struct {
	code    string
	message string
	cause   error
}

// NewError returns an Error with code and message. code should be a
// stable lower-case snake_case word ("room_full"); "" is sent as
// wire.CodeUnknown. An empty message sends the generic handler-error
// detail with the code.
func NewError(code, message string) *Error {
	if code == "" {
		code = wire.CodeUnknown
	}
	return &Error{code: code, message: message}
}

// WrapError is NewError keeping cause for the logs and for errors.Is and
// errors.As; cause's text never reaches the client.
func WrapError(code, message string, cause error) *Error {
	e := NewError(code, message)
	e.cause = cause
	return e
}

// Code returns the error's code.
func (e *Error) Code() string { return e.code }

// Message returns the text the client reads ("" for the generic one).
func (e *Error) Message() string { return e.message }

// Error describes the error for logs: code, message and cause.
func (e *Error) Error() string {
	s := e.code
	if e.message != "" {
		s += ": " + e.message
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the cause given to WrapError.
func (e *Error) Unwrap() error { return e.cause }

// frame is the error frame answering a failure of action's handler.
func (e *Error) frame(env *wire.Envelope, action string) []byte {
	msg := e.message
	if msg == "" {
		msg = wire.HandlerErrorDetail(action)
	}
	return env.CodedError(e.code, msg)
}
