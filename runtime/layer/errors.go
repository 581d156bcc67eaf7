package layer

import "fmt"

// PartialDeliveryError is the error a Layer's Publish returns when the
// message reached this process's subscribers of the group but may not
// have reached other processes: the layer's transport (Redis) refused
// the message, was unreachable, or did not answer within its timeout.
// Find it with errors.As. Publishing the same message again delivers it
// to this process's subscribers a second time.
//
// The chanx server answers a handler whose broadcast failed this way with
// the coded error frame "partial_delivery" instead of the generic one.
type PartialDeliveryError struct {
	// Group is the group the message was published to.
	Group string
	// Err says why other processes may not have the message.
	Err error
}

func (e *PartialDeliveryError) Error() string {
	return fmt.Sprintf("publish to %q: reached this process only, other processes may not get it: %v", e.Group, e.Err)
}

// Unwrap returns Err, so errors.Is finds context.DeadlineExceeded and the
// transport's own errors.
func (e *PartialDeliveryError) Unwrap() error { return e.Err }
