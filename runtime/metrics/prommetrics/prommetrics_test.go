package prommetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

// gathered flattens a registry into "name{label=value,...} count" lines.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]float64)
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			v := m.GetCounter().GetValue()
			if g := m.GetGauge(); g != nil {
				v = g.GetValue()
			}
			if h := m.GetHistogram(); h != nil {
				v = float64(h.GetSampleCount()) // the samples observed
			}
			out[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = v
		}
	}
	return out
}

func TestCounts(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := New(reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := "/ws/chat/{room}"
	m.ConnectionOpened(ch)
	m.ConnectionOpened(ch)
	m.ConnectionClosed(ch)
	m.HandlerDuration(ch, "ping", 3*time.Millisecond)
	m.BroadcastDelivered(ch, time.Millisecond)
	m.PublishFailed(ch)
	m.ConnectionRejected(ch, "auth")
	m.FrameReceived(ch, "ping")
	m.FrameReceived(ch, "ping")
	m.FrameSent(ch)
	m.FrameError(ch, "validation")
	m.SlowClientClosed(ch)
	m.FrameDropped(ch)
	m.LayerPublished(false)
	m.LayerPublished(true)
	m.LayerReceived()
	m.LayerHealthy(true)
	m.LayerHealthy(false)
	want := map[string]float64{
		"chanx_connections_opened_total{channel=/ws/chat/{room}}":               2,
		"chanx_connections_open{channel=/ws/chat/{room}}":                       1,
		"chanx_handler_duration_seconds{action=ping,channel=/ws/chat/{room}}":   1,
		"chanx_broadcast_delivery_seconds{channel=/ws/chat/{room}}":             1,
		"chanx_publish_failed_total{channel=/ws/chat/{room}}":                   1,
		"chanx_connections_closed_total{channel=/ws/chat/{room}}":               1,
		"chanx_connections_rejected_total{channel=/ws/chat/{room},reason=auth}": 1,
		"chanx_frames_received_total{action=ping,channel=/ws/chat/{room}}":      2,
		"chanx_frames_sent_total{channel=/ws/chat/{room}}":                      1,
		"chanx_frame_errors_total{channel=/ws/chat/{room},reason=validation}":   1,
		"chanx_slow_clients_closed_total{channel=/ws/chat/{room}}":              1,
		"chanx_frames_dropped_total{channel=/ws/chat/{room}}":                   1,
		"chanx_layer_published_total{result=error}":                             1,
		"chanx_layer_published_total{result=ok}":                                1,
		"chanx_layer_received_total{}":                                          1,
		"chanx_layer_healthy{}":                                                 0,
	}
	if diff := cmp.Diff(want, gathered(t, reg)); diff != "" {
		t.Errorf("counters (-want +got):\n%s", diff)
	}
	if _, err := New(reg, Options{}); err == nil || !strings.HasPrefix(err.Error(), "prommetrics: register: duplicate metrics collector registration attempted") {
		t.Errorf("second New on one registry: %v", err)
	}
}

// TestPerFrameAllocs: the methods called for every frame allocate nothing,
// so metrics do not add to the server's per-frame allocations.
func TestPerFrameAllocs(t *testing.T) {
	m, err := New(prometheus.NewRegistry(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch, action := "/ws/chat/{room}", "new_chat_message"
	m.FrameReceived(ch, action) // the first call of a label set creates it
	m.HandlerDuration(ch, action, time.Millisecond)
	m.FrameSent(ch)
	allocs := testing.AllocsPerRun(1000, func() {
		m.FrameReceived(ch, action)
		m.HandlerDuration(ch, action, time.Millisecond)
		m.FrameSent(ch)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}
