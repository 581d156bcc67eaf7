package prommetrics_test

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chanxgo/chanx/runtime/metrics/prommetrics"
	"github.com/chanxgo/chanx/runtime/server"
)

// Example reports a server's counters to Prometheus and serves them at
// /metrics next to the channels.
func Example() {
	reg := prometheus.NewRegistry()
	m, err := prommetrics.New(reg, prommetrics.Options{})
	if err != nil {
		panic(err)
	}
	srv := server.New(server.Options{Metrics: m})
	if err := srv.HandleHTTP("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{})); err != nil {
		panic(err)
	}
	_ = http.Handler(srv)
	// Output:
}
