// Package prommetrics reports chanx runtime metrics to Prometheus through
// client_golang. It is kept apart so that only programs that want Prometheus
// link it.
package prommetrics
