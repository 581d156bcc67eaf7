package server

import (
	"context"
	"sync"

	"github.com/chanxgo/chanx/runtime/layer"
)

// group is this process's view of a layer group: one layer subscription
// shared by all local members, fanned out to their queues.
type group struct {
	name    string
	pending int // joins in flight; guarded by Server.mu

	subMu  sync.Mutex // serializes subscribe and unsubscribe
	cancel func()

	mu      sync.RWMutex
	members map[*Conn]struct{}
}

// join adds c to group, subscribing to the layer on the first local member.
func (s *Server) join(ctx context.Context, c *Conn, name string) error {
	s.mu.Lock()
	g := s.groups[name]
	if g == nil {
		g = &group{name: name, members: make(map[*Conn]struct{})}
		s.groups[name] = g
	}
	g.pending++
	s.mu.Unlock()

	g.subMu.Lock()
	if g.cancel == nil {
		// fanOut only appends to bounded per-connection queues, so it
		// qualifies for inline delivery, which saves a goroutine hand-off
		// per message.
		cancel, err := layer.SubscribeInline(ctx, s.layer, name, func(m layer.Message) { s.fanOut(g, m) })
		if err != nil {
			g.subMu.Unlock()
			s.mu.Lock()
			g.pending--
			g.mu.RLock()
			empty := len(g.members) == 0
			g.mu.RUnlock()
			if g.pending == 0 && empty && s.groups[name] == g {
				delete(s.groups, name)
			}
			s.mu.Unlock()
			return err
		}
		g.cancel = cancel
	}
	g.mu.Lock()
	g.members[c] = struct{}{}
	g.mu.Unlock()
	g.subMu.Unlock()

	s.mu.Lock()
	g.pending--
	s.mu.Unlock()
	return nil
}

// leave removes c from group and drops the layer subscription when the
// last local member is gone.
func (s *Server) leave(c *Conn, name string) {
	s.mu.RLock()
	g := s.groups[name]
	s.mu.RUnlock()
	if g == nil {
		return
	}
	g.subMu.Lock()
	defer g.subMu.Unlock()
	g.mu.Lock()
	delete(g.members, c)
	empty := len(g.members) == 0
	g.mu.Unlock()
	if !empty {
		return
	}
	s.mu.Lock()
	drop := g.pending == 0 && s.groups[name] == g
	if drop {
		delete(s.groups, name)
	}
	s.mu.Unlock()
	if drop && g.cancel != nil {
		g.cancel()
		g.cancel = nil
	}
}

// fanOut hands a layer message to the local members of g. It only queues
// and starts writers (fanout: one per chunk of idle members), so a slow
// member never delays the layer and the others by more than fanStall.
func (s *Server) fanOut(g *group, m layer.Message) {
	s.met.LayerReceived()
	var done func(int)
	if t := s.opts.LayerTracing; t != nil {
		done = t.Deliver(g.name, m.Meta)
	}
	n := 0
	var fo fanout
	via := &fo
	if !fanShared {
		via = nil
	}
	g.mu.RLock()
	for c := range g.members {
		if c.id == m.Exclude || m.Target != "" && c.id != m.Target {
			continue
		}
		c.deliverVia(via, m.Frame, m.Kind, m.Sent)
		n++
	}
	g.mu.RUnlock()
	fo.start()
	if done != nil {
		done(n)
	}
}

// localGroups reports how many groups this process is subscribed to, for
// tests.
func (s *Server) localGroups() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.groups)
}
