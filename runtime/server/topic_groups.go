package server

import (
	"context"
	"hash/maphash"
	"sync"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/wire"
)

// topicShards spreads topic groups over independent locks, so that
// subscribing to one of many topics does not wait behind another's
// subscribe, and a push to one topic takes only its own group's read lock.
const topicShards = 64

// topicRegistry is this process's topic groups: one layer subscription per
// group, shared by every local subscription, fanned out to them. The zero
// value is ready for use.
type topicRegistry struct {
	seed   maphash.Seed
	once   sync.Once
	shards [topicShards]topicShard

	hubMu sync.Mutex
	hubs  map[string]*Channel // Server.Hub's channels by pattern
}

type topicShard struct {
	mu     sync.Mutex
	groups map[string]*topicGroup
}

// topicGroup is one topic's layer group in this process.
type topicGroup struct {
	name    string
	pending int // subscribes in flight; under the shard's lock

	subMu  sync.Mutex // serializes the layer subscribe and unsubscribe
	cancel func()

	mu      sync.RWMutex
	members map[*Subscription]struct{}
}

func (r *topicRegistry) shard(name string) *topicShard {
	r.once.Do(func() { r.seed = maphash.MakeSeed() })
	return &r.shards[maphash.String(r.seed, name)%topicShards]
}

// joinTopic adds s to its topic's group, subscribing this process to the
// layer group on the first local member. Once it returns, every push
// published to the group reaches s (buffered until s goes live).
func (srv *Server) joinTopic(ctx context.Context, s *Subscription) error {
	sh := srv.topicGroups.shard(s.group)
	sh.mu.Lock()
	if sh.groups == nil {
		sh.groups = make(map[string]*topicGroup)
	}
	g := sh.groups[s.group]
	if g == nil {
		g = &topicGroup{name: s.group, members: make(map[*Subscription]struct{})}
		sh.groups[s.group] = g
	}
	g.pending++
	sh.mu.Unlock()

	g.subMu.Lock()
	if g.cancel == nil {
		cancel, err := layer.SubscribeInline(ctx, srv.layer, g.name, func(m layer.Message) { srv.pushOut(g, m) })
		if err != nil {
			g.subMu.Unlock()
			sh.mu.Lock()
			g.pending--
			g.mu.RLock()
			empty := len(g.members) == 0
			g.mu.RUnlock()
			if g.pending == 0 && empty && sh.groups[g.name] == g {
				delete(sh.groups, g.name)
			}
			sh.mu.Unlock()
			return err
		}
		g.cancel = cancel
	}
	g.mu.Lock()
	g.members[s] = struct{}{}
	g.mu.Unlock()
	g.subMu.Unlock()

	sh.mu.Lock()
	g.pending--
	sh.mu.Unlock()
	return nil
}

// leaveTopic removes s from its group and drops the layer subscription
// when the last local member is gone.
func (srv *Server) leaveTopic(s *Subscription) {
	sh := srv.topicGroups.shard(s.group)
	sh.mu.Lock()
	g := sh.groups[s.group]
	sh.mu.Unlock()
	if g == nil {
		return
	}
	g.subMu.Lock()
	defer g.subMu.Unlock()
	g.mu.Lock()
	delete(g.members, s)
	empty := len(g.members) == 0
	g.mu.Unlock()
	if !empty {
		return
	}
	sh.mu.Lock()
	drop := g.pending == 0 && sh.groups[g.name] == g
	if drop {
		delete(sh.groups, g.name)
	}
	sh.mu.Unlock()
	if drop && g.cancel != nil {
		g.cancel()
		g.cancel = nil
	}
}

// pushOut hands a topic push to the group's local subscriptions. The seq
// a history assigned is written into the frame once here, for every
// member; it only queues, so no subscriber delays another or the layer.
func (srv *Server) pushOut(g *topicGroup, m layer.Message) {
	srv.met.LayerReceived()
	frame := m.Frame
	if m.Seq != 0 {
		frame = wire.AppendSeq(frame, m.Seq)
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	for s := range g.members {
		if m.Target != "" && s.c.id != m.Target || s.c.id == m.Exclude {
			continue
		}
		s.push(frame, m.Seq)
	}
}

// localTopicGroups counts this process's topic groups, for tests.
func (srv *Server) localTopicGroups() int {
	n := 0
	for i := range srv.topicGroups.shards {
		sh := &srv.topicGroups.shards[i]
		sh.mu.Lock()
		n += len(sh.groups)
		sh.mu.Unlock()
	}
	return n
}
