package server

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// A member that holds up its chunk's writer loses the rest of the chunk to
// the watchdog: every other member gets a writer of its own while the
// stuck write goes on.
func TestFanJobWatchdogHandsOffPastAStuckMember(t *testing.T) {
	const n = 6
	release := make(chan struct{})
	var mu sync.Mutex
	how := map[int]bool{} // member -> written by a writer of its own
	done := make(chan int, n)
	j := &fanJob{n: n, write: func(i int, own bool) {
		if i == 1 && !own {
			<-release // this member's socket takes nothing
		}
		mu.Lock()
		how[i] = own
		mu.Unlock()
		done <- i
	}}
	go j.run()
	for range n - 1 { // all but the stuck one, without releasing it
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("members behind a stuck one were not handed off")
		}
	}
	close(release)
	<-done
	mu.Lock()
	defer mu.Unlock()
	if how[0] || how[1] {
		t.Errorf("members 0 and 1 were reached by the job's writer: own = %v, %v", how[0], how[1])
	}
	for i := 2; i < n; i++ {
		if !how[i] {
			t.Errorf("member %d waited for the stuck write instead of getting its own writer", i)
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
				defer func(v bool) { fanShared = v }(fanShared)
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
