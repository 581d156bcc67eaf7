package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/coder/websocket"
	"github.com/redis/rueidis"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/internal/benchchat"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
	"github.com/chanxgo/chanx/runtime/server"
)

// redisBenchFrame is the 216-byte chat frame PERF-NOTES.md measures with.
var redisBenchFrame = func() []byte {
	head := `{"action":"new_chat_message","payload":{"message":"`
	tail := `","name":"benchmark"}}`
	return []byte(head + strings.Repeat("m", 216-len(head)-len(tail)) + tail)
}()

// BenchmarkGroupEchoRedis measures group round trips through Redis: each
// client is the only member of its own room, sends the chat frame, and
// waits for the server's broadcast of it to come back through Redis
// (PUBLISH, the server's subscription, the write to the member). The
// baseline is bare coder/websocket + rueidis written here (bareGroupEcho);
// chanx routes, decodes and validates the frame, and its handler
// broadcasts the typed message to the room, sender included.
//
// Both servers run side by side and the benchmark alternates between
// them in chunks of 200 round trips, so the load other processes put on a
// shared machine falls on both alike; it reports each side's round trips
// per second, allocations per round trip (client included, measured
// around each side's chunks) and chanx's ratio to bare.
func BenchmarkGroupEchoRedis(b *testing.B) {
	rs := testredis.Start(b)
	for _, conns := range []int{1, 16} {
		for _, v := range groupEchoVariants {
			b.Run(fmt.Sprintf("%s/conns=%d", v.name, conns), func(b *testing.B) {
				bp, cp := redisPrefix(), redisPrefix()
				bare := dialEchoSide(b, v.bare(b, rs.URL(), bp, true), nil, conns, "", "")
				chanx := dialEchoSide(b, v.chanx(b, rs.URL(), cp, true), nil, conns, "", "")
				compareEchoSides(b, bare, chanx)
			})
		}
	}
}

// BenchmarkGroupEchoRedisCrossServer is BenchmarkGroupEchoRedis with the
// Redis path alone: each side runs two servers on one Redis (each with
// its own Redis connection, as two processes would have); every client
// sends the chat frame to the first server, which is not in the room, and
// reads it from the second, whose connection is the room's only member.
// So every round trip is PUBLISH, the second server's subscription and the
// write to the member, for bare and chanx alike, and chanx's local-first
// delivery (redislayer) plays no part.
func BenchmarkGroupEchoRedisCrossServer(b *testing.B) {
	rs := testredis.Start(b)
	for _, conns := range []int{1, 16} {
		for _, v := range groupEchoVariants {
			b.Run(fmt.Sprintf("%s/conns=%d", v.name, conns), func(b *testing.B) {
				bp, cp := redisPrefix(), redisPrefix()
				bare := dialEchoSide(b, v.bare(b, rs.URL(), bp, false), v.bare(b, rs.URL(), bp, true), conns, rs.URL(), bp)
				chanx := dialEchoSide(b, v.chanx(b, rs.URL(), cp, false), v.chanx(b, rs.URL(), cp, true), conns, rs.URL(), cp)
				compareEchoSides(b, bare, chanx)
			})
		}
	}
}

// groupEchoVariants are the layer options the Redis group echo benchmarks
// compare, each with the bare server configured alike.
var groupEchoVariants = []struct {
	name        string
	bare, chanx func(b *testing.B, url, prefix string, join bool) http.Handler
}{
	// What people get: chanx's defaults (redislayer.DefaultMaxFlushDelay),
	// the bare server with rueidis's defaults.
	{"chanx", serveBareGroupEcho(0), chanxGroupEcho(redislayer.Options{})},
	// Like for like: neither delays its writes to Redis.
	{"chanx-noflushdelay", serveBareGroupEcho(0), chanxGroupEcho(redislayer.Options{MaxFlushDelay: -1})},
	// Both delay writes by chanx's default.
	{"chanx-both-flushdelay", serveBareGroupEcho(redislayer.DefaultMaxFlushDelay), chanxGroupEcho(redislayer.Options{})},
}

// compareEchoSides alternates between the two sides in chunks of 200
// round trips and reports both rates, the ratio and allocations.
func compareEchoSides(b *testing.B, bare, chanx *echoSide) {
	b.SetBytes(int64(len(redisBenchFrame)))
	b.ResetTimer()
	const chunk = 200
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		bare.run(b, n)
		chanx.run(b, n)
	}
	b.StopTimer()
	b.ReportMetric(bare.rate(b.N), "bare-rt/s")
	b.ReportMetric(chanx.rate(b.N), "chanx-rt/s")
	b.ReportMetric(chanx.rate(b.N)/bare.rate(b.N), "ratio")
	b.ReportMetric(float64(bare.mallocs)/float64(b.N), "bare-allocs/rt")
	b.ReportMetric(float64(chanx.mallocs)/float64(b.N), "chanx-allocs/rt")
}

// echoSide is one server under test (or two: one the frames are sent
// to, one they are read from) with its client connections, each pair in a
// room of its own, and the time and allocations spent on it so far.
type echoSide struct {
	wss     []*websocket.Conn // frames are sent here
	rss     []*websocket.Conn // and read here (wss itself with one server)
	elapsed time.Duration
	mallocs uint64
}

// dialEchoSide dials conns clients to send, and when recv is not nil conns
// more to read from recv in the same rooms (which must be the room's only
// members).
func dialEchoSide(b *testing.B, send, recv http.Handler, conns int, url, prefix string) *echoSide {
	s := &echoSide{wss: dialRooms(b, send, conns)}
	s.rss = s.wss
	if recv != nil {
		s.rss = dialRooms(b, recv, conns)
		// Dial may return before the server has subscribed; a frame sent
		// earlier would be lost and its round trip would never end.
		waitSubscribed(b, url, prefix, conns)
	}
	// One warm-up round trip each: the server has joined the room once
	// the first echo arrives.
	s.run(b, conns)
	s.elapsed, s.mallocs = 0, 0
	return s
}

// dialRooms dials conns clients to h, client i in room bench-i.
func dialRooms(b *testing.B, h http.Handler, conns int) []*websocket.Conn {
	hs := httptest.NewServer(h)
	b.Cleanup(hs.Close)
	base := "ws" + strings.TrimPrefix(hs.URL, "http")
	ctx := context.Background()
	wss := make([]*websocket.Conn, conns)
	for i := range wss {
		ws, _, err := websocket.Dial(ctx, fmt.Sprintf("%s/ws/chat/bench-%d", base, i), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ws.CloseNow() })
		wss[i] = ws
	}
	return wss
}

// waitSubscribed waits until Redis counts a subscriber on the channel of
// each of rooms bench-0 … bench-(rooms-1) under prefix.
func waitSubscribed(b *testing.B, url, prefix string, rooms int) {
	client, err := rueidis.NewClient(rueidis.MustParseURL(url))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), redisWait)
	defer cancel()
	for i := range rooms {
		channel := fmt.Sprintf("%sroom.bench-%d", prefix, i)
		for {
			counts, err := client.Do(ctx, client.B().PubsubNumsub().Channel(channel).Build()).AsIntMap()
			if err != nil {
				b.Fatalf("waiting for a subscriber on %s: %v", channel, err)
			}
			if counts[channel] > 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// run makes n round trips spread over the connections, each waiting for
// its frame to come back before sending the next.
func (s *echoSide) run(b *testing.B, n int) {
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var wg sync.WaitGroup
	for i, ws := range s.wss {
		k := n / len(s.wss)
		if i < n%len(s.wss) {
			k++
		}
		wg.Go(func() {
			for range k {
				if err := ws.Write(ctx, websocket.MessageText, redisBenchFrame); err != nil {
					b.Error(err)
					return
				}
				if _, _, err := s.rss[i].Read(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	s.elapsed += time.Since(start)
	runtime.ReadMemStats(&after)
	s.mallocs += after.Mallocs - before.Mallocs
}

func (s *echoSide) rate(n int) float64 { return float64(n) / s.elapsed.Seconds() }

// chanxGroupEcho serves the chat channel on a chanx server over a Redis
// layer with opts and the key prefix given: with join, members join the
// room in the path; each chat message is broadcast to the room, sender
// included.
func chanxGroupEcho(opts redislayer.Options) func(b *testing.B, url, prefix string, join bool) http.Handler {
	return func(b *testing.B, url, prefix string, join bool) http.Handler {
		opts.KeyPrefix = prefix
		opts.Logger = slog.New(slog.DiscardHandler)
		ctx, cancel := context.WithTimeout(context.Background(), redisWait)
		defer cancel()
		l, err := redislayer.New(ctx, url, opts)
		if err != nil {
			b.Fatal(err)
		}
		srv := server.New(server.Options{Layer: l, Logger: slog.New(slog.DiscardHandler), PingInterval: -1})
		ch, err := srv.Channel("/ws/chat/{room}", server.ChannelOptions{
			OnConnect: func(ctx context.Context, c *server.Conn) error {
				if !join {
					return nil
				}
				return c.Join(ctx, "room."+c.Param("room"))
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		// The frame decodes into the type chanx generates for it, as in a
		// generated server.
		server.HandleNoReply(ch, "new_chat_message", func(ctx context.Context, c *server.Conn, m *benchchat.Frame) error {
			return c.Broadcast(ctx, "room."+c.Param("room"), m)
		})
		b.Cleanup(func() {
			_ = srv.Shutdown(context.Background())
			_ = l.Close()
		})
		return srv
	}
}

// bareGroupEcho is the baseline: coder/websocket and rueidis alone. Each
// connection joins the room in its path (unless join is false); the process subscribes to a room
// once (one Receive per room) and writes each message to the room's
// members from the subscription callback; a frame read from a member is
// PUBLISHed to its room as it is.
type bareGroupEcho struct {
	client rueidis.Client
	prefix string
	join   bool

	mu    sync.Mutex
	rooms map[string]*bareRoom
	subs  sync.WaitGroup
}

type bareRoom struct {
	mu      sync.RWMutex
	members map[*websocket.Conn]struct{}
}

// serveBareGroupEcho returns the bare server's constructor; flushDelay is
// rueidis's ClientOption.MaxFlushDelay.
func serveBareGroupEcho(flushDelay time.Duration) func(b *testing.B, url, prefix string, join bool) http.Handler {
	return func(b *testing.B, url, prefix string, join bool) http.Handler {
		return newBareGroupEcho(b, url, prefix, join, flushDelay)
	}
}

func newBareGroupEcho(b *testing.B, url, prefix string, join bool, flushDelay time.Duration) http.Handler {
	copt, err := rueidis.ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	copt.MaxFlushDelay = flushDelay
	client, err := rueidis.NewClient(copt)
	if err != nil {
		b.Fatal(err)
	}
	e := &bareGroupEcho{client: client, prefix: prefix, join: join, rooms: make(map[string]*bareRoom)}
	b.Cleanup(func() {
		client.Close() // ends every Receive
		e.subs.Wait()
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/chat/{room}", e.serve)
	return mux
}

func (e *bareGroupEcho) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ctx := context.Background()
	// The channel name is the one redislayer makes for chanx's group.
	channel := e.prefix + "room." + r.PathValue("room")
	if e.join {
		room, err := e.joinRoom(ctx, channel, ws)
		if err != nil {
			return
		}
		defer func() {
			room.mu.Lock()
			delete(room.members, ws)
			room.mu.Unlock()
		}()
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return
		}
		cmd := e.client.B().Publish().Channel(channel).Message(rueidis.BinaryString(b)).Build()
		if err := e.client.Do(ctx, cmd).Error(); err != nil {
			return
		}
	}
}

// joinRoom adds ws to the room, subscribing the process to its channel on the
// first member and waiting for Redis to confirm.
func (e *bareGroupEcho) joinRoom(ctx context.Context, channel string, ws *websocket.Conn) (*bareRoom, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	room := e.rooms[channel]
	if room == nil {
		room = &bareRoom{members: make(map[*websocket.Conn]struct{})}
		ready := make(chan struct{})
		var once sync.Once
		hook := rueidis.WithOnSubscriptionHook(context.Background(), func(rueidis.PubSubSubscription) {
			once.Do(func() { close(ready) })
		})
		e.subs.Go(func() {
			_ = e.client.Receive(hook, e.client.B().Subscribe().Channel(channel).Build(), func(m rueidis.PubSubMessage) {
				// The message string is not modified; writing it as bytes
				// saves a copy, as the layer does.
				frame := unsafe.Slice(unsafe.StringData(m.Message), len(m.Message))
				room.mu.RLock()
				for member := range room.members {
					_ = member.Write(context.Background(), websocket.MessageText, frame)
				}
				room.mu.RUnlock()
			})
		})
		select {
		case <-ready:
		case <-time.After(redisWait):
			return nil, fmt.Errorf("subscribe to %s: not confirmed", channel)
		}
		e.rooms[channel] = room
	}
	room.mu.Lock()
	room.members[ws] = struct{}{}
	room.mu.Unlock()
	return room, nil
}
