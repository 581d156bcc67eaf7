package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/runtime/internal/benchchat"
)

// benchFrame is a 216-byte chat frame, the size PERF-NOTES.md measures.
var benchFrame = func() []byte {
	head := `{"action":"new_chat_message","payload":{"message":"`
	tail := `","name":"benchmark"}}`
	return []byte(head + strings.Repeat("m", 216-len(head)-len(tail)) + tail)
}()

// bareEcho is the baseline: coder/websocket alone, reading and writing
// back each message on a long-lived context.
func bareEcho(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(DefaultReadLimit)
	ctx := context.Background()
	for {
		typ, b, err := ws.Read(ctx)
		if err != nil {
			return
		}
		if err := ws.Write(ctx, typ, b); err != nil {
			return
		}
	}
}

// benchServer is chanx serving the chat message: routed by action,
// decoded into the type chanx generates for it (benchchat.Frame, with its
// generated UnmarshalJSON and Validate), validated, and echoed back to the
// sender as the reply.
func benchServer() *Server { return benchServerWith(Options{}) }

// benchServerWith is benchServer with opts (its Logger and PingInterval
// are set here).
func benchServerWith(opts Options) *Server {
	opts.Logger, opts.PingInterval = quietLogger(), -1
	srv := New(opts)
	ch, err := srv.Channel("/ws/chat/{room}", ChannelOptions{})
	if err != nil {
		panic(err)
	}
	Handle(ch, "new_chat_message", func(ctx context.Context, c *Conn, m *benchchat.Frame) (*benchchat.Frame, error) {
		return m, nil
	})
	return srv
}

func BenchmarkRoundTrip(b *testing.B) {
	for _, conns := range []int{1, 16} {
		b.Run(fmt.Sprintf("bare/conns=%d", conns), func(b *testing.B) {
			hs := httptest.NewServer(http.HandlerFunc(bareEcho))
			defer hs.Close()
			roundTrips(b, hs, conns)
		})
		b.Run(fmt.Sprintf("chanx/conns=%d", conns), func(b *testing.B) {
			srv := benchServer()
			hs := httptest.NewServer(srv)
			defer hs.Close()
			defer srv.Shutdown(context.Background())
			roundTrips(b, hs, conns)
		})
	}
}

// roundTrips sends b.N frames over conns connections, each waiting for its
// answer before sending the next, and reports round trips per second.
func roundTrips(b *testing.B, hs *httptest.Server, conns int) {
	ctx := context.Background()
	wss := make([]*websocket.Conn, conns)
	for i := range wss {
		ws, _, err := websocket.Dial(ctx, wsURL(hs, "/ws/chat/bench"), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.CloseNow()
		wss[i] = ws
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchFrame)))
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, ws := range wss {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if err := ws.Write(ctx, websocket.MessageText, benchFrame); err != nil {
					b.Error(err)
					return
				}
				if _, _, err := ws.Read(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rt/s")
}

// BenchmarkRoutedFrame counts what chanx does per frame after reading it:
// peek, decode into the registered type, validate, call the handler (which
// allocates nothing), encode the reply, queue it and write it. The peer is
// a raw TCP reader, so no client-side allocation is counted.
func BenchmarkRoutedFrame(b *testing.B) {
	c := rawConn1(b, benchServer())
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.dispatch(1, benchFrame)
	}
	b.StopTimer()
}

// rawConn1 serves srv on a loopback port, opens one connection to it from
// a raw TCP peer that discards what it reads (so no client-side
// allocation is counted) and returns the server's side of it.
func rawConn1(tb testing.TB, srv *Server) *Conn {
	tb.Helper()
	hs := httptest.NewServer(srv)
	tb.Cleanup(hs.Close)
	tb.Cleanup(func() { srv.Shutdown(context.Background()) })

	raw, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	fmt.Fprintf(raw, "GET /ws/chat/bench HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", hs.Listener.Addr())
	br := bufio.NewReader(raw)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("upgrade: %v %v", resp, err)
	}
	go io.Copy(io.Discard, br) // drain replies without allocating per frame

	var c *Conn
	for c == nil {
		srv.mu.RLock()
		for _, cc := range srv.conns {
			c = cc
		}
		srv.mu.RUnlock()
		runtime.Gosched()
	}
	return c
}

// The idle-memory benchmark runs the server in a child process (this test
// binary re-executed), so the figure is the server's alone.
const childEnv = "CHANX_BENCH_SERVER"

// runChildServer is the child side: serve bare or chanx on a loopback
// port, print the address, then answer "mem" with the bytes the Go
// runtime holds for heap and stacks after a GC, until stdin closes.
func runChildServer(kind string) {
	var h http.Handler = http.HandlerFunc(bareEcho)
	switch kind {
	case "chanx":
		h = benchServer()
	case "chanx-deflate":
		h = benchServerWith(Options{Compression: websocket.CompressionContextTakeover})
	case "chanx-deflate-nct":
		h = benchServerWith(Options{Compression: websocket.CompressionNoContextTakeover})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	go http.Serve(ln, h)
	fmt.Println(ln.Addr().String())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Println(ms.HeapInuse+ms.StackInuse, runtime.NumGoroutine())
	}
	os.Exit(0)
}

func BenchmarkIdleMemory(b *testing.B) {
	const conns = 2000
	for _, kind := range []string{"bare", "chanx"} {
		b.Run(kind, func(b *testing.B) {
			for range b.N {
				perConn, goroutines := idleMemory(b, kind, conns)
				b.ReportMetric(perConn, "B/conn")
				b.ReportMetric(goroutines, "goroutines/conn")
			}
		})
	}
}

func idleMemory(b *testing.B, kind string, conns int) (float64, float64) {
	return idleMemoryWith(b, kind, conns, websocket.CompressionDisabled, benchFrame)
}

// BenchmarkCompressionMemory is what permessage-deflate costs a server
// per connection: each connection echoes one 1 KiB chat frame (over both
// modes' thresholds), compressed when the mode is on (the clients offer
// it), then idles; B/conn is the server process's heap and stacks.
func BenchmarkCompressionMemory(b *testing.B) {
	const conns = 500
	head := `{"action":"new_chat_message","payload":{"message":"`
	tail := `","name":"benchmark"}}`
	frame := []byte(head + strings.Repeat("hello chanx ", 1024/12) + tail)
	for _, tc := range []struct {
		kind string
		mode websocket.CompressionMode
	}{
		{"chanx", websocket.CompressionDisabled},
		{"chanx-deflate", websocket.CompressionContextTakeover},
		{"chanx-deflate-nct", websocket.CompressionNoContextTakeover},
	} {
		b.Run(tc.kind, func(b *testing.B) {
			for range b.N {
				perConn, _ := idleMemoryWith(b, tc.kind, conns, tc.mode, frame)
				b.ReportMetric(perConn, "B/conn")
			}
		})
	}
}

// idleMemoryWith is idleMemory with the clients offering compression mode
// and echoing frame.
func idleMemoryWith(b *testing.B, kind string, conns int, mode websocket.CompressionMode, frame []byte) (float64, float64) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+kind)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		b.Fatal("child server printed nothing")
	}
	addr := out.Text()
	mem := func() (float64, float64) {
		fmt.Fprintln(stdin, "mem")
		if !out.Scan() {
			b.Fatal("child server stopped")
		}
		f := strings.Fields(out.Text())
		m, _ := strconv.ParseFloat(f[0], 64)
		g, _ := strconv.ParseFloat(f[1], 64)
		return m, g
	}
	before, g0 := mem()
	ctx := context.Background()
	wss := make([]*websocket.Conn, conns)
	for i := range wss {
		ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws/chat/idle", &websocket.DialOptions{CompressionMode: mode})
		if err != nil {
			b.Fatal(err)
		}
		defer ws.CloseNow()
		// One echo, as PERF-NOTES measured, so buffers are in use.
		if err := ws.Write(ctx, websocket.MessageText, frame); err != nil {
			b.Fatal(err)
		}
		if _, _, err := ws.Read(ctx); err != nil {
			b.Fatal(err)
		}
		wss[i] = ws
	}
	after, g1 := mem()
	return (after - before) / float64(conns), (g1 - g0) / float64(conns)
}
