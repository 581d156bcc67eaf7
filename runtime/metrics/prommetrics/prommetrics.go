package prommetrics

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chanxgo/chanx/runtime/metrics"
)

// Metrics is a metrics.Metrics that counts into Prometheus collectors. The
// labels are the channel pattern and, for frames, the action or the error
// reason, so their number stays bounded by the AsyncAPI document.
type Metrics struct {
	opened        *prometheus.CounterVec
	closed        *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	received      *prometheus.CounterVec
	sent          *prometheus.CounterVec
	errors        *prometheus.CounterVec
	slow          *prometheus.CounterVec
	dropped       *prometheus.CounterVec
	layerPublish  *prometheus.CounterVec
	layerReceived prometheus.Counter
	layerHealthy  prometheus.Gauge
	open          *prometheus.GaugeVec
	handler       *prometheus.HistogramVec
	delivery      *prometheus.HistogramVec
	pubFailed     *prometheus.CounterVec
}

var _ metrics.Metrics = (*Metrics)(nil)

// Options configures New.
type Options struct {
	// Namespace prefixes every metric name. Default: "chanx".
	Namespace string
	// ConstLabels are added to every metric (for example the service
	// name). Default: none.
	ConstLabels prometheus.Labels
	// HandlerBuckets are the upper bounds, in seconds, of the
	// handler_duration_seconds histogram's buckets. Default:
	// DefaultHandlerBuckets.
	HandlerBuckets []float64
	// DeliveryBuckets are the upper bounds, in seconds, of the
	// broadcast_delivery_seconds histogram's buckets. Default:
	// DefaultHandlerBuckets.
	DeliveryBuckets []float64
}

// DefaultHandlerBuckets spans 50 µs to about 13 s, a factor of 4 apart:
// an in-memory handler lands in the first buckets, one that calls a
// database or a model in the later ones. Prometheus's own defaults start
// at 5 ms, above most handlers.
var DefaultHandlerBuckets = prometheus.ExponentialBuckets(50e-6, 4, 10)

// New creates the collectors and registers them with reg
// (prometheus.DefaultRegisterer when nil). It fails when a collector of
// the same name is already registered.
func New(reg prometheus.Registerer, opts Options) (*Metrics, error) {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "chanx"
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: name, Help: help, ConstLabels: opts.ConstLabels,
		}, labels)
	}
	m := &Metrics{
		opened:       counter("connections_opened_total", "WebSocket connections accepted.", "channel"),
		closed:       counter("connections_closed_total", "WebSocket connections that ended.", "channel"),
		rejected:     counter("connections_rejected_total", "Requests refused before or right after the upgrade.", "channel", "reason"),
		received:     counter("frames_received_total", "Frames read from clients.", "channel", "action"),
		sent:         counter("frames_sent_total", "Frames written to clients.", "channel"),
		errors:       counter("frame_errors_total", "Client frames answered with an error frame.", "channel", "reason"),
		slow:         counter("slow_clients_closed_total", "Connections closed because their send queue stayed full.", "channel"),
		dropped:      counter("frames_dropped_total", "Frames dropped because a send queue was full.", "channel"),
		layerPublish: counter("layer_published_total", "Messages published to the channel layer.", "result"),
		layerReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "layer_received_total", Help: "Messages delivered by the channel layer to this process.", ConstLabels: opts.ConstLabels,
		}),
		layerHealthy: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "layer_healthy", Help: "1 while the channel layer reaches the other processes (Redis answers, subscriptions in place), 0 otherwise.", ConstLabels: opts.ConstLabels,
		}),
	}
	buckets := opts.HandlerBuckets
	if len(buckets) == 0 {
		buckets = DefaultHandlerBuckets
	}
	m.open = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Name: "connections_open", Help: "WebSocket connections open now.", ConstLabels: opts.ConstLabels,
	}, []string{"channel"})
	m.handler = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: ns, Name: "handler_duration_seconds", Help: "How long handlers took over one frame, decode and validation included.",
		ConstLabels: opts.ConstLabels, Buckets: buckets,
	}, []string{"channel", "action"})
	dbuckets := opts.DeliveryBuckets
	if len(dbuckets) == 0 {
		dbuckets = DefaultHandlerBuckets
	}
	m.delivery = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: ns, Name: "broadcast_delivery_seconds", Help: "How long group broadcasts and events took from their publisher to the write on a receiving connection.",
		ConstLabels: opts.ConstLabels, Buckets: dbuckets,
	}, []string{"channel"})
	m.pubFailed = counter("publish_failed_total", "Pipelined broadcasts the channel layer failed to pass on after their handler returned; the sender got an error frame.", "channel")
	// Healthy until a layer says otherwise: the in-memory layer always is.
	m.layerHealthy.Set(1)
	for _, c := range []prometheus.Collector{m.opened, m.closed, m.rejected, m.received, m.sent, m.errors, m.slow, m.dropped, m.layerPublish, m.layerReceived, m.layerHealthy, m.open, m.handler, m.delivery, m.pubFailed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("prommetrics: register: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) ConnectionOpened(channel string) {
	m.opened.WithLabelValues(channel).Inc()
	m.open.WithLabelValues(channel).Inc()
}
func (m *Metrics) ConnectionClosed(channel string) {
	m.closed.WithLabelValues(channel).Inc()
	m.open.WithLabelValues(channel).Dec()
}

// HandlerDuration observes d in the handler_duration_seconds histogram.
func (m *Metrics) HandlerDuration(channel, action string, d time.Duration) {
	m.handler.WithLabelValues(channel, action).Observe(d.Seconds())
}

// BroadcastDelivered observes d in the broadcast_delivery_seconds
// histogram.
func (m *Metrics) BroadcastDelivered(channel string, d time.Duration) {
	m.delivery.WithLabelValues(channel).Observe(d.Seconds())
}

// PublishFailed counts into publish_failed_total.
func (m *Metrics) PublishFailed(channel string) { m.pubFailed.WithLabelValues(channel).Inc() }
func (m *Metrics) ConnectionRejected(channel, reason string) {
	m.rejected.WithLabelValues(channel, reason).Inc()
}
func (m *Metrics) FrameReceived(channel, action string) {
	m.received.WithLabelValues(channel, action).Inc()
}
func (m *Metrics) FrameSent(channel string) { m.sent.WithLabelValues(channel).Inc() }
func (m *Metrics) FrameError(channel, reason string) {
	m.errors.WithLabelValues(channel, reason).Inc()
}
func (m *Metrics) SlowClientClosed(channel string) { m.slow.WithLabelValues(channel).Inc() }
func (m *Metrics) FrameDropped(channel string)     { m.dropped.WithLabelValues(channel).Inc() }
func (m *Metrics) LayerPublished(failed bool) {
	result := "ok"
	if failed {
		result = "error"
	}
	m.layerPublish.WithLabelValues(result).Inc()
}
func (m *Metrics) LayerReceived() { m.layerReceived.Inc() }

// LayerHealthy sets the layer_healthy gauge: 1 when healthy is true, 0
// when not. It fits redislayer.Options.OnHealthChange.
func (m *Metrics) LayerHealthy(healthy bool) {
	if healthy {
		m.layerHealthy.Set(1)
	} else {
		m.layerHealthy.Set(0)
	}
}
