package redislayer_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/rueidis"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/layertest"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

// The same code runs against Redis Cluster: rueidis routes each (sharded)
// subscription to the node that owns its channel.
func TestClusterConformance(t *testing.T) {
	c := testredis.StartCluster(t, 3)
	for _, sharded := range []bool{false, true} {
		t.Run(fmt.Sprintf("sharded=%v", sharded), func(t *testing.T) {
			if sharded {
				requireRedis7(t, c.Nodes[0].URL())
			}
			layertest.RunPair(t, func(t *testing.T) (layer.Layer, layer.Layer) {
				p := uniquePrefix()
				return newLayer(t, c.URL(), redislayer.Options{KeyPrefix: p, Sharded: sharded}),
					newLayer(t, c.URL(), redislayer.Options{KeyPrefix: p, Sharded: sharded})
			})
		})
	}
}

// Sharded subscriptions spread over the cluster's nodes instead of every
// message being broadcast to all of them.
func TestClusterShardedSubscriptionsSpread(t *testing.T) {
	c := testredis.StartCluster(t, 3)
	requireRedis7(t, c.Nodes[0].URL())
	prefix := uniquePrefix()
	pub := newLayer(t, c.URL(), redislayer.Options{KeyPrefix: prefix, Sharded: true})
	sub := newLayer(t, c.URL(), redislayer.Options{KeyPrefix: prefix, Sharded: true})
	ctx := context.Background()
	const groups = 30
	recs := make([]*layertest.Recorder, groups)
	for i := range recs {
		recs[i] = layertest.NewRecorder()
		if _, err := sub.Subscribe(ctx, fmt.Sprintf("room:%d", i), recs[i].Deliver); err != nil {
			t.Fatal(err)
		}
	}
	for i := range recs {
		if err := pub.Publish(ctx, fmt.Sprintf("room:%d", i), layer.Message{Frame: fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range recs {
		if got := r.Await(t, 1); string(got[0].Frame) != fmt.Sprint(i) {
			t.Fatalf("room:%d got %s", i, got[0].Frame)
		}
	}
	total, nodesUsed := 0, 0
	for _, node := range c.Nodes {
		cl, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{node.Addr()}, ForceSingleClient: true})
		if err != nil {
			t.Fatal(err)
		}
		chans, err := cl.Do(ctx, cl.B().PubsubShardchannels().Build()).AsStrSlice()
		cl.Close()
		if err != nil {
			t.Fatalf("PUBSUB SHARDCHANNELS on %s: %v", node.Addr(), err)
		}
		total += len(chans)
		if len(chans) > 0 {
			nodesUsed++
		}
	}
	if total != groups || nodesUsed < 2 {
		t.Fatalf("%d sharded channels on %d nodes, want %d spread over several nodes", total, nodesUsed, groups)
	}
}
