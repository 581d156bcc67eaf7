// Package layertest is the conformance suite every layer.Layer
// implementation runs, so the in-memory and Redis layers (and any layer a
// user writes) promise the server the same behaviour: delivery to every
// subscriber, unsubscribe, message fields kept intact, per-publisher order
// and Close.
//
// Use it from a test of the implementation:
//
//	func TestConformance(t *testing.T) {
//		layertest.Run(t, func(t *testing.T) layer.Layer {
//			l := mylayer.New()
//			t.Cleanup(func() { l.Close() })
//			return l
//		})
//	}
//
// RunPair does the same with publisher and subscriber on two layer values
// that share a backend, as two processes would. RunHistory is the suite
// of layer.History: dense seqs shared by two instances, order, trimming by
// count and by age (on a fake Clock) and HistoryLostError.
package layertest
