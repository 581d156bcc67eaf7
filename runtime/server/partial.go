package server

import (
	"errors"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/wire"
)

// CodePartialDelivery is the code of the error frame a client gets when
// its handler's broadcast reached the members on this server but the
// channel layer could not pass it to the other servers.
const CodePartialDelivery = wire.CodePartialDelivery

// CodePublishFailed is the code of the error frame a connection gets when
// one of its pipelined broadcasts (see Conn.Broadcast) reached no member
// on this server and the channel layer then failed to pass it to the
// others: most likely nobody received it.
const CodePublishFailed = "publish_failed"

// publishFailedDetail is that frame's detail.
const publishFailedDetail = "A message this connection broadcast could not be passed to the other servers; its members there may not have received it"

// partialDeliveryDetail is the partial_delivery frame's detail.
const partialDeliveryDetail = "The message reached the members connected to this server; members on other servers may not have received it"

// partialDelivery turns a handler error caused by a layer publish that
// reached only this process (*layer.PartialDeliveryError, from
// Conn.Broadcast, Server.Publish or SendTo, returned as is or wrapped)
// into the coded "partial_delivery" error, so the sender learns that
// retrying would repeat the message to the members that got it. A coded
// error the handler chose itself is kept.
func partialDelivery(err error) error {
	if err == nil {
		return nil // inlined: the targets of errors.As below escape
	}
	return codePartialDelivery(err)
}

func codePartialDelivery(err error) error {
	var pe *layer.PartialDeliveryError
	var ce *Error
	if !errors.As(err, &pe) || errors.As(err, &ce) {
		return err
	}
	return WrapError(CodePartialDelivery, partialDeliveryDetail, err)
}

// reason is the FrameError reason counting a frame answered with e.
func (e *Error) reason() string {
	if e.code == CodePartialDelivery && errors.As(e.cause, new(*layer.PartialDeliveryError)) {
		return metrics.ReasonPartialDelivery
	}
	return metrics.ReasonHandler
}
