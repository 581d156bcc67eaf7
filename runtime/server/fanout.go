package server

import (
	"sync/atomic"
	"time"
)

// A fan-out (one layer message to a group's local members) used to start
// a writer goroutine for every member whose queue was empty. fanout
// collects those members instead, and one goroutine per fanChunk of them
// writes the message to each in turn; a member whose queue is not empty
// already has a writer of its own and only gets the frame queued.
//
// A member whose socket does not take the frame would hold up the rest of
// its chunk, so a watchdog looks every fanStall: when the writer has not
// moved on since the last look, the members it has not reached get a
// writer each (the behaviour without fanout) and the stuck one keeps the
// chunk's goroutine until its write returns. Slow-client isolation is
// therefore bounded by fanStall, once per slow member: after that its
// queue is not empty and later fan-outs leave it to its own writer.

// fanChunk is the most members one fan-out goroutine writes to: a large
// group still spreads over the cores.
const fanChunk = 128

// fanStall is how long one member may hold up its chunk's writer.
const fanStall = 2 * time.Millisecond

// fanShared turns fanout on; BenchmarkFanOut turns it off to measure a
// goroutine per member beside it.
var fanShared = true

// fanout gathers the idle members of one fan-out (fanOut's loop; not safe
// for concurrent use).
type fanout struct {
	conns []*Conn
}

// add takes c, whose drain the caller owns (queueAt reported start); a
// nil f starts c's own writer at once.
func (f *fanout) add(c *Conn) {
	if f == nil {
		go c.drain(false)
		return
	}
	f.conns = append(f.conns, c)
}

// start hands the gathered members to their writers and forgets them.
func (f *fanout) start() {
	n := len(f.conns)
	switch {
	case n == 0:
	case n == 1:
		go f.conns[0].drain(false)
	default:
		for lo := 0; lo < n; lo += fanChunk {
			conns := f.conns[lo:min(lo+fanChunk, n)]
			j := &fanJob{n: len(conns), write: func(i int, own bool) {
				if own {
					go conns[i].drain(false)
				} else {
					conns[i].drain(true)
				}
			}}
			go j.run()
		}
	}
	f.conns = nil
}

// fanJob writes one chunk of a fan-out: members 0..n-1, each by
// write(i, false) on the job's goroutine (one batch, then a member with
// more queued gets its own writer) or, once the watchdog finds the job
// stuck, by write(i, true): a writer of the member's own.
type fanJob struct {
	n     int
	write func(i int, own bool)
	// next is the index of the first member no writer has claimed: the
	// job's goroutine claims one at a time, the watchdog all the rest.
	next atomic.Int32
	seen int32 // next at the watchdog's last look (the watchdog's own)
}

func (j *fanJob) run() {
	t := time.AfterFunc(fanStall, j.watch)
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.n {
			break
		}
		j.write(i, false)
	}
	t.Stop()
}

// watch is the watchdog: it re-arms itself while the job moves and hands
// the unclaimed members to writers of their own once it does not.
func (j *fanJob) watch() {
	n := j.next.Load()
	if int(n) >= j.n {
		return
	}
	if n != j.seen {
		j.seen = n
		time.AfterFunc(fanStall, j.watch)
		return
	}
	for i := int(j.next.Swap(int32(j.n))); i < j.n; i++ {
		j.write(i, true)
	}
}
