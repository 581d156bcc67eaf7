// Package prommetrics reports chanx runtime metrics to Prometheus through
// client_golang. It is kept apart so that only programs that want Prometheus
// link it.
//
// Besides the counters it keeps connections_open, a gauge per channel
// (opened minus closed), and handler_duration_seconds, a histogram per
// channel and action (buckets from Options.HandlerBuckets, by default
// 50 µs to 13 s), and broadcast_delivery_seconds, a histogram per
// channel of the time from a broadcast's publish to its write on a
// receiving connection (Options.DeliveryBuckets). The per-frame methods allocate nothing.
package prommetrics
