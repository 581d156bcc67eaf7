package layer_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/layertest"
)

func TestMemoryHistoryConformance(t *testing.T) {
	layertest.RunHistory(t, func(t *testing.T, clock *layertest.Clock) (a, b layertest.HistoryLayer) {
		l := layer.NewMemoryWithOptions(layer.MemoryOptions{Now: clock.Now})
		t.Cleanup(func() { l.Close() })
		return l, l
	})
}

func TestMemoryHistoryInline(t *testing.T) {
	layertest.RunHistory(t, func(t *testing.T, clock *layertest.Clock) (a, b layertest.HistoryLayer) {
		l := layer.NewMemoryWithOptions(layer.MemoryOptions{Now: clock.Now, Synchronous: true})
		t.Cleanup(func() { l.Close() })
		return l, l
	})
}

// Two Memory layers are two histories: each has its own epoch.
func TestMemoryHistoryEpochPerLayer(t *testing.T) {
	ctx := context.Background()
	a, b := layer.NewMemory(), layer.NewMemory()
	defer a.Close()
	defer b.Close()
	pa, _ := a.Append(ctx, "g", layer.Message{Frame: []byte("1")}, layer.Retention{})
	pb, _ := b.Append(ctx, "g", layer.Message{Frame: []byte("1")}, layer.Retention{})
	if pa.Epoch == pb.Epoch || pa.Seq != 1 || pb.Seq != 1 {
		t.Fatalf("positions %+v and %+v, want seq 1 in two different epochs", pa, pb)
	}
	var lost *layer.HistoryLostError
	if _, _, err := b.Since(ctx, "g", pa); !errors.As(err, &lost) || lost.From != pa || lost.Current != pb {
		t.Fatalf("Since with another layer's position: %v (%+v), want a HistoryLostError from %+v to %+v", err, lost, pa, pb)
	}
}

func TestMemoryHistoryClosed(t *testing.T) {
	l := layer.NewMemory()
	l.Close()
	if _, err := l.Append(context.Background(), "g", layer.Message{}, layer.Retention{}); err != layer.ErrClosed {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if _, _, err := l.Since(context.Background(), "g", layer.Position{}); err != layer.ErrClosed {
		t.Errorf("Since after Close: %v, want ErrClosed", err)
	}
}

// BenchmarkMemoryAppendGroups appends from every core, each goroutine to
// its own group: groups share no lock, so it scales with cores.
func BenchmarkMemoryAppendGroups(b *testing.B) {
	l := layer.NewMemory()
	defer l.Close()
	var next atomic.Int64
	frame := []byte(`{"action":"push","payload":{"n":1}}`)
	b.RunParallel(func(pb *testing.PB) {
		g := fmt.Sprint("g", next.Add(1))
		ctx := context.Background()
		for pb.Next() {
			if _, err := l.Append(ctx, g, layer.Message{Frame: frame}, layer.Retention{Count: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
