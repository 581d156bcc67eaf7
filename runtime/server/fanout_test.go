package server

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// A member that holds up its chunk's writer does not hold up the others:
// whichever writer reaches it (the job's, or its own once the watchdog
// took over), every other member is written while its write still hangs,
// and each exactly once. Without the watchdog the job would wait for it.
func TestFanJobWatchdogHandsOffPastAStuckMember(t *testing.T) {
	const n, stuck = 6, 1
	release := make(chan struct{})
	var mu sync.Mutex
	writes := make([]int, n)
	done := make(chan int, n)
	write := func(i int) {
		if i == stuck {
			<-release // this member's socket takes nothing
		}
		mu.Lock()
		writes[i]++
		mu.Unlock()
		done <- i
	}
	j := &fanJob{n: n, write: func(i int, own bool) {
		if own {
			go write(i) // as drain on a goroutine of the member's own
		} else {
			write(i)
		}
	}}
	go j.run()
	for range n - 1 { // all but the stuck one, without releasing it
		select {
		case i := <-done:
			if i == stuck {
				t.Fatal("the stuck member's write returned before it was released")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("members behind a stuck one were not handed off")
		}
	}
	close(release)
	<-done
	mu.Lock()
	defer mu.Unlock()
	for i, k := range writes {
		if k != 1 {
			t.Errorf("member %d written %d times, want once", i, k)
		}
	}
}

// A job that keeps moving writes every member itself, each exactly once.
func TestFanJobWritesEachMemberOnce(t *testing.T) {
	const n = 300
	var mu sync.Mutex
	seen := make([]int, n)
	var wg sync.WaitGroup
	wg.Add(n)
	j := &fanJob{n: n, write: func(i int, own bool) {
		mu.Lock()
		seen[i]++
		mu.Unlock()
		wg.Done()
	}}
	j.run()
	wg.Wait()
	for i, k := range seen {
		if k != 1 {
			t.Fatalf("member %d written %d times", i, k)
		}
	}
}

// A group larger than one chunk gets every broadcast, in order, at every
// member: the chunks' writers and the members' own writers share the
// members' queues without losing or reordering a frame.
func TestFanOutAcrossChunksInOrder(t *testing.T) {
	_, hs := newChat(t, Options{})
	members := make([]*client, 2*fanChunk+17)
	for i := range members {
		members[i] = dial(t, hs, "/ws/chat/chunks")
		members[i].roundTrip(`{"action":"ping","payload":null}`) // joined
	}
	tx := dial(t, hs, "/ws/chat/chunks") // the chat excludes the sender
	tx.roundTrip(`{"action":"ping","payload":null}`)
	const n = 20
	for i := range n {
		tx.send(fmt.Sprintf(`{"action":"new_chat_message","payload":{"message":"m%d","name":"tx"}}`, i))
	}
	for k, m := range members {
		for i := range n {
			got, err := m.tryRead()
			if err != nil {
				t.Fatalf("member %d, broadcast %d: %v", k, i, err)
			}
			if want := fmt.Sprintf(`"message":"m%d"`, i); !strings.Contains(got, want) {
				t.Fatalf("member %d, broadcast %d: got %s, want one with %s", k, i, got, want)
			}
		}
	}
}

// BenchmarkFanOut measures one broadcast to a room of idle members, the
// next sent once every member has read the last: the case fanout is for
// (every member's queue is empty), against a goroutine per member.
func BenchmarkFanOut(b *testing.B) {
	for _, members := range []int{100, 1000} {
		for _, shared := range []bool{true, false} {
			name := "per-member"
			if shared {
				name = "shared"
			}
			b.Run(fmt.Sprintf("members=%d/writer=%s", members, name), func(b *testing.B) {
				// Restored after the server below has closed (cleanups
				// run last-registered first), so no fan-out reads it then.
				b.Cleanup(func(v bool) func() { return func() { fanShared = v } }(fanShared))
				fanShared = shared
				_, hs := newChat(b, Options{})
				room := fmt.Sprintf("/ws/chat/fan-%d-%s", members, name)
				var got sync.WaitGroup
				for range members {
					m := dial(b, hs, room)
					m.roundTrip(`{"action":"ping","payload":null}`)
					go func() {
						for {
							if _, err := m.tryRead(); err != nil {
								return
							}
							got.Done()
						}
					}()
				}
				tx := dial(b, hs, room)
				tx.roundTrip(`{"action":"ping","payload":null}`)
				frame := `{"action":"new_chat_message","payload":{"message":"fan","name":"tx"}}`
				b.ResetTimer()
				for range b.N {
					got.Add(members)
					tx.send(frame)
					got.Wait()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*members), "ns/delivery")
			})
		}
	}
}
