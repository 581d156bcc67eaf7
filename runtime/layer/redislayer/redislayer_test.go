package redislayer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"
	"go.uber.org/goleak"

	"github.com/chanxgo/chanx/internal/testredis"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/layertest"
	"github.com/chanxgo/chanx/runtime/layer/redislayer"
)

func TestMain(m *testing.M) {
	if os.Getenv(echoEnv) != "" {
		os.Exit(echoMain())
	}
	goleak.VerifyTestMain(m,
		// rueidis's cluster client closes connections dropped from the
		// topology 5 s later on a goroutine of its own, which Client.Close
		// does not wait for (rueidis v1.0.79 cluster.go, _refresh). It ends
		// by itself and holds nothing of ours.
		goleak.IgnoreAnyFunction("github.com/redis/rueidis.(*clusterClient)._refresh.func2"),
		// After a failed connect, rueidis's singleflight holds its result
		// for up to a second before the next attempt, on a sleeping
		// goroutine that likewise ends by itself (singleflight.go DelayDo).
		goleak.IgnoreAnyFunction("github.com/redis/rueidis.(*call).DelayDo.func1"),
	)
}

var quietLog = slog.New(slog.DiscardHandler)

// prefixCounter keeps key prefixes unique, so tests sharing a borrowed
// Redis (CHANX_TEST_REDIS_URL) cannot see each other's messages.
var prefixCounter atomic.Int64

func uniquePrefix() string {
	return fmt.Sprintf("chanxtest:%d:%d:", os.Getpid(), prefixCounter.Add(1))
}

func newLayer(t testing.TB, url string, opts redislayer.Options) *redislayer.Layer {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLog
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := redislayer.New(ctx, url, opts)
	if err != nil {
		t.Fatalf("redislayer.New: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestConformance(t *testing.T) {
	srv := testredis.Start(t)
	layertest.Run(t, func(t *testing.T) layer.Layer {
		return newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix()})
	})
}

// Two layers on one Redis behave like two processes.
func TestConformanceTwoInstances(t *testing.T) {
	srv := testredis.Start(t)
	layertest.RunPair(t, func(t *testing.T) (layer.Layer, layer.Layer) {
		p := uniquePrefix()
		return newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: p}),
			newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: p})
	})
}

func TestConformanceInlineDelivery(t *testing.T) {
	srv := testredis.Start(t)
	layertest.RunPair(t, func(t *testing.T) (layer.Layer, layer.Layer) {
		p := uniquePrefix()
		return newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: p, InlineDelivery: true}),
			newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: p, InlineDelivery: true})
	})
}

func TestConformanceSharded(t *testing.T) {
	srv := testredis.Start(t)
	requireRedis7(t, srv.URL())
	layertest.RunPair(t, func(t *testing.T) (layer.Layer, layer.Layer) {
		p := uniquePrefix()
		return newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: p, Sharded: true}),
			newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: p, Sharded: true})
	})
}

func requireRedis7(t *testing.T, url string) {
	t.Helper()
	c := rawClient(t, url)
	info, err := c.Do(context.Background(), c.B().Info().Section("server").Build()).ToString()
	if err != nil {
		t.Fatalf("INFO: %v", err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			var major int
			fmt.Sscanf(v, "%d", &major)
			if major < 7 {
				t.Skipf("sharded pub/sub needs Redis 7, server is %s", v)
			}
			return
		}
	}
}

func rawClient(t testing.TB, url string) rueidis.Client {
	t.Helper()
	return rawClientFlush(t, url, 0)
}

// rawClientFlush is rawClient with rueidis's MaxFlushDelay set.
func rawClientFlush(t testing.TB, url string, flushDelay time.Duration) rueidis.Client {
	t.Helper()
	opt, err := rueidis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opt.MaxFlushDelay = flushDelay
	c, err := rueidis.NewClient(opt)
	if err != nil {
		t.Fatalf("rueidis.NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// numsub asks Redis how many connections subscribe to channel.
func numsub(t *testing.T, c rueidis.Client, channel string, sharded bool) int64 {
	t.Helper()
	var cmd rueidis.Completed
	if sharded {
		cmd = c.B().PubsubShardnumsub().Channel(channel).Build()
	} else {
		cmd = c.B().PubsubNumsub().Channel(channel).Build()
	}
	m, err := c.Do(context.Background(), cmd).AsIntMap()
	if err != nil {
		t.Fatalf("PUBSUB NUMSUB: %v", err)
	}
	return m[channel]
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOneRedisSubscriptionPerGroup(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		t.Run(fmt.Sprintf("sharded=%v", sharded), func(t *testing.T) {
			srv := testredis.Start(t)
			if sharded {
				requireRedis7(t, srv.URL())
			}
			prefix := uniquePrefix()
			l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix, Sharded: sharded})
			raw := rawClient(t, srv.URL())
			ctx := context.Background()
			var cancels []func()
			recs := make([]*layertest.Recorder, 3)
			for i := range recs {
				recs[i] = layertest.NewRecorder()
				c, err := l.Subscribe(ctx, "room", recs[i].Deliver)
				if err != nil {
					t.Fatal(err)
				}
				cancels = append(cancels, c)
			}
			if n := numsub(t, raw, prefix+"room", sharded); n != 1 {
				t.Fatalf("Redis has %d subscriptions to the group, want 1 for 3 local subscribers", n)
			}
			if err := l.Publish(ctx, "room", layer.Message{Frame: []byte(`"hi"`)}); err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				r.Await(t, 1)
			}
			cancels[0]()
			cancels[1]()
			if n := numsub(t, raw, prefix+"room", sharded); n != 1 {
				t.Fatalf("Redis has %d subscriptions with one local subscriber left, want 1", n)
			}
			cancels[2]()
			eventually(t, "Redis unsubscribed after the last local subscriber left", 5*time.Second, func() bool {
				return numsub(t, raw, prefix+"room", sharded) == 0
			})
			if got := l.Stats().Subscriptions; got != 0 {
				t.Fatalf("Stats.Subscriptions = %d, want 0", got)
			}
		})
	}
}

// Leaving and rejoining a group quickly must not let the old UNSUBSCRIBE
// cancel the new subscription.
func TestRejoinRightAfterLeaving(t *testing.T) {
	srv := testredis.Start(t)
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix()})
	ctx := context.Background()
	for i := range 20 {
		r := layertest.NewRecorder()
		cancel, err := l.Subscribe(ctx, "room", r.Deliver)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := l.Publish(ctx, "room", layer.Message{Frame: fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatal(err)
		}
		if got := r.Await(t, 1); string(got[0].Frame) != fmt.Sprint(i) {
			t.Fatalf("round %d: got %s", i, got[0].Frame)
		}
		cancel()
	}
}

func TestKeyPrefixSeparatesApps(t *testing.T) {
	srv := testredis.Start(t)
	pa, pb := uniquePrefix()+"appA:", uniquePrefix()+"appB:"
	a := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: pa})
	b := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: pb})
	raw := rawClient(t, srv.URL())
	ctx := context.Background()
	ra, rb := layertest.NewRecorder(), layertest.NewRecorder()
	if _, err := a.Subscribe(ctx, "room", ra.Deliver); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe(ctx, "room", rb.Deliver); err != nil {
		t.Fatal(err)
	}
	if n := numsub(t, raw, pa+"room", false); n != 1 {
		t.Fatalf("NUMSUB %sroom = %d, want 1", pa, n)
	}
	if err := a.Publish(ctx, "room", layer.Message{Frame: []byte(`"for A"`)}); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "room", layer.Message{Frame: []byte(`"for B"`)}); err != nil {
		t.Fatal(err)
	}
	if got := ra.Await(t, 1); string(got[0].Frame) != `"for A"` {
		t.Fatalf("app A got %s", got[0].Frame)
	}
	if got := rb.Await(t, 1); string(got[0].Frame) != `"for B"` {
		t.Fatalf("app B got %s", got[0].Frame)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(ra.Messages()); n != 1 {
		t.Fatalf("app A got %d messages, want 1", n)
	}
}

// Garbage published to the group's channel by something else is dropped
// and counted; the subscription keeps working.
func TestForeignMessagesAreDropped(t *testing.T) {
	srv := testredis.Start(t)
	prefix := uniquePrefix()
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix})
	raw := rawClient(t, srv.URL())
	ctx := context.Background()
	r := layertest.NewRecorder()
	if _, err := l.Subscribe(ctx, "room", r.Deliver); err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{"", "hello", "\x01\x09", "\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"} {
		if err := raw.Do(ctx, raw.B().Publish().Channel(prefix+"room").Message(junk).Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Publish(ctx, "room", layer.Message{Frame: []byte(`"ok"`)}); err != nil {
		t.Fatal(err)
	}
	if got := r.Await(t, 1); string(got[0].Frame) != `"ok"` {
		t.Fatalf("got %s", got[0].Frame)
	}
	// The layer's own message was delivered locally at once; Redis hands
	// it back too (counted as received, then skipped), after the junk.
	eventually(t, "Redis hands back all five messages", 5*time.Second, func() bool { return l.Stats().Received == 5 })
	if s := l.Stats(); s.DecodeErrors != 4 {
		t.Fatalf("Stats: DecodeErrors=%d, want 4", s.DecodeErrors)
	}
	if n := len(r.Messages()); n != 1 {
		t.Fatalf("delivered %d messages, want the layer's own once", n)
	}
}

// A subscriber that never returns must not stall the Redis connection: the
// other groups keep receiving and Publish keeps working; its overflow is
// dropped and counted.
func TestStuckSubscriberDoesNotStallRedis(t *testing.T) {
	srv := testredis.Start(t)
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix(), QueueLimit: 8})
	ctx := context.Background()
	release := make(chan struct{})
	defer close(release) // before Close, which waits for deliver
	if _, err := l.Subscribe(ctx, "stuck", func(layer.Message) { <-release }); err != nil {
		t.Fatal(err)
	}
	r := layertest.NewRecorder()
	if _, err := l.Subscribe(ctx, "fine", r.Deliver); err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		if err := l.Publish(ctx, "stuck", layer.Message{Frame: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		if err := l.Publish(ctx, "fine", layer.Message{Frame: fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatal(err)
		}
		// Waiting for each keeps the healthy subscriber's queue short, so
		// only the stuck one can overflow.
		r.Await(t, i+1)
	}
	eventually(t, "the stuck subscriber's overflow is counted", 5*time.Second, func() bool {
		return l.Stats().Dropped >= n-1-2*8
	})
}

func TestNewErrors(t *testing.T) {
	ctx := context.Background()
	_, err := redislayer.New(ctx, "http://localhost:1", redislayer.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "redislayer: parse url: ") {
		t.Errorf("New with an http URL: err = %v, want a parse url error", err)
	}
	// rediss:// speaks TLS: the first byte a listener gets is a TLS
	// handshake record (0x16).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	first := make(chan byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b := make([]byte, 1)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, b); err == nil {
			first <- b[0]
		}
	}()
	tctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_, err = redislayer.New(tctx, "rediss://"+ln.Addr().String(), redislayer.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "redislayer: connect to ["+ln.Addr().String()+"]: ") {
		t.Errorf("New with rediss:// to a silent server: err = %v, want a connect error", err)
	}
	select {
	case b := <-first:
		if b != 0x16 {
			t.Errorf("rediss:// sent first byte %#x, want 0x16 (TLS handshake)", b)
		}
	case <-time.After(5 * time.Second):
		t.Error("rediss:// never connected")
	}
	srv := testredis.Start(t)
	// Redis down: the same port after Kill refuses connections.
	srv.Kill()
	_, err = redislayer.New(ctx, srv.URL(), redislayer.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "redislayer: connect to ["+srv.Addr()+"]: ") {
		t.Errorf("New with Redis down: err = %v, want a connect error naming %s", err, srv.Addr())
	}
}

func TestNewWithClientLeavesClientOpen(t *testing.T) {
	srv := testredis.Start(t)
	raw := rawClient(t, srv.URL())
	prefix := uniquePrefix()
	l := redislayer.NewWithClient(raw, redislayer.Options{KeyPrefix: prefix, Logger: quietLog})
	r := layertest.NewRecorder()
	ctx := context.Background()
	if _, err := l.Subscribe(ctx, "room", r.Deliver); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := raw.Do(ctx, raw.B().Ping().Build()).Error(); err != nil {
		t.Fatalf("client unusable after Layer.Close: %v", err)
	}
	eventually(t, "Close unsubscribed the group", 5*time.Second, func() bool {
		ch, err := raw.Do(ctx, raw.B().PubsubChannels().Pattern(prefix+"*").Build()).AsStrSlice()
		return err == nil && len(ch) == 0
	})
}

// Redis killed and restarted mid-run: Publish fails promptly with an error
// instead of hanging or panicking, goroutines stay bounded, and
// cross-instance delivery resumes after the restart without
// resubscribing by hand.
func TestRedisOutage(t *testing.T) {
	srv := testredis.Start(t)
	prefix := uniquePrefix()
	a := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix})
	b := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix})
	ctx := context.Background()
	r := layertest.NewRecorder()
	for _, g := range []string{"room", "other"} {
		if _, err := b.Subscribe(ctx, g, r.Deliver); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Publish(ctx, "room", layer.Message{Frame: []byte(`"before"`)}); err != nil {
		t.Fatal(err)
	}
	r.Await(t, 1)

	srv.Kill()
	before := runtime.NumGoroutine()
	for i := range 100 {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := a.Publish(pctx, "room", layer.Message{Frame: []byte(`"during"`)})
		cancel()
		if err == nil {
			t.Fatalf("publish %d succeeded with Redis down", i)
		}
		// a has no subscriber of "room": nothing was delivered here.
		if !strings.HasPrefix(err.Error(), `redislayer: publish to "room": no subscriber in this process, other processes may not get it: `) {
			t.Fatalf("publish error = %q, want it to name the group and say no process may have got it", err)
		}
		var pe *layer.PartialDeliveryError
		if errors.As(err, &pe) {
			t.Fatalf("publish error %q is a partial delivery, but this process has no subscriber", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("publish waited for its deadline instead of failing: %v", err)
		}
	}
	if after := runtime.NumGoroutine(); after > before+20 {
		t.Fatalf("goroutines grew from %d to %d during the outage", before, after)
	}
	// Joining a group while Redis is down fails within the deadline.
	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err := b.Subscribe(sctx, "new", r.Deliver)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Subscribe with Redis down: err = %v, want context.DeadlineExceeded", err)
	}

	srv.Restart()
	var seq int
	eventually(t, "cross-instance delivery after the restart", 10*time.Second, func() bool {
		seq++
		_ = a.Publish(ctx, "room", layer.Message{Frame: fmt.Appendf(nil, `"after %d"`, seq)})
		return len(r.WaitFor(2, 100*time.Millisecond)) >= 2
	})
	// Every group came back, not just the one polled. Messages published
	// before a group's resubscription are lost (at most once), so keep
	// publishing until one arrives.
	eventually(t, "the second group resubscribed", 10*time.Second, func() bool {
		_ = a.Publish(ctx, "other", layer.Message{Frame: []byte(`"other"`)})
		time.Sleep(50 * time.Millisecond)
		for _, m := range r.Messages() {
			if string(m.Frame) == `"other"` {
				return true
			}
		}
		return false
	})
	if s := b.Stats(); s.Confirmations < 4 {
		t.Errorf("Stats.Confirmations = %d, want at least 4 (2 groups, subscribed twice)", s.Confirmations)
	}
}

// echoEnv turns the test binary into the helper process of
// TestCrossProcess: it subscribes to "ping" and republishes every message
// to "pong".
const echoEnv = "CHANX_REDISLAYER_ECHO_URL"

func echoMain() int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := redislayer.New(ctx, os.Getenv(echoEnv), redislayer.Options{KeyPrefix: os.Getenv(echoEnv + "_PREFIX"), Logger: quietLog})
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		return 1
	}
	defer l.Close()
	done := make(chan struct{})
	_, err = l.Subscribe(ctx, "ping", func(m layer.Message) {
		if string(m.Frame) == `"stop"` {
			close(done)
			return
		}
		m.Frame = append([]byte(`{"echo":`), append(m.Frame, '}')...)
		if err := l.Publish(ctx, "pong", m); err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		return 1
	}
	fmt.Println("ready")
	select {
	case <-done:
		return 0
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "echo: never told to stop")
		return 1
	}
}

// A second OS process (this test binary re-executed) receives through
// Redis and answers, proving delivery across processes.
func TestCrossProcess(t *testing.T) {
	srv := testredis.Start(t)
	prefix := uniquePrefix()
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix})
	ctx := context.Background()
	r := layertest.NewRecorder()
	if _, err := l.Subscribe(ctx, "pong", r.Deliver); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), echoEnv+"="+srv.URL(), echoEnv+"_PREFIX="+prefix)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		n, _ := stdout.Read(buf) // "ready" once subscribed
		if !strings.HasPrefix(string(buf[:n]), "ready") {
			exited <- fmt.Errorf("helper said %q", buf[:n])
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	raw := rawClient(t, srv.URL())
	eventually(t, "the helper process subscribed", 10*time.Second, func() bool {
		select {
		case err := <-exited:
			t.Fatalf("helper exited: %v: %s", err, stderr.String())
		default:
		}
		return numsub(t, raw, prefix+"ping", false) == 1
	})

	want := layer.Message{Kind: layer.Event, Frame: []byte(`{"n":1}`), Exclude: "c1", Target: "c2"}
	if err := l.Publish(ctx, "ping", want); err != nil {
		t.Fatal(err)
	}
	got := r.Await(t, 1)[0]
	if string(got.Frame) != `{"echo":{"n":1}}` || got.Kind != want.Kind || got.Exclude != want.Exclude || got.Target != want.Target {
		t.Fatalf("echo = %+v, want the message back wrapped in {\"echo\":...}", got)
	}
	if err := l.Publish(ctx, "ping", layer.Message{Frame: []byte(`"stop"`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("helper: %v: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not exit after stop")
	}
}

// With InlineDelivery, deliver runs on the group's receive goroutine, so a
// slow deliver holds later messages from other processes back (in
// rueidis's buffer) instead of their being queued and dropped: QueueLimit
// does not apply.
func TestInlineDeliveryBypassesTheQueue(t *testing.T) {
	srv := testredis.Start(t)
	prefix := uniquePrefix()
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix, InlineDelivery: true, QueueLimit: 1})
	other := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: prefix})
	ctx := context.Background()
	release := make(chan struct{})
	r := layertest.NewRecorder()
	first := true
	if _, err := l.Subscribe(ctx, "room", func(m layer.Message) {
		if first {
			first = false
			<-release
		}
		r.Deliver(m)
	}); err != nil {
		t.Fatal(err)
	}
	const n = 5
	for i := range n {
		if err := other.Publish(ctx, "room", layer.Message{Frame: fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	r.Await(t, n)
	if d := l.Stats().Dropped; d != 0 {
		t.Fatalf("Stats.Dropped = %d, want 0", d)
	}
}

// Redis refusing the subscription (here an ACL without pub/sub rights)
// fails Subscribe at once with Redis's reason, instead of a timeout.
func TestSubscribeRefusedByRedis(t *testing.T) {
	srv := testredis.Start(t)
	if srv.Borrowed() {
		t.Skip("adds an ACL user: needs a Redis of its own, " + testredis.EnvURL + " is set")
	}
	raw := rawClient(t, srv.URL())
	ctx := context.Background()
	err := raw.Do(ctx, raw.B().AclSetuser().Username("nosub").Rule("on", ">secret", "~*", "&*", "+@all", "-subscribe", "-ssubscribe").Build()).Error()
	if err != nil {
		t.Fatalf("ACL SETUSER: %v", err)
	}
	l := newLayer(t, "redis://nosub:secret@"+srv.Addr(), redislayer.Options{KeyPrefix: uniquePrefix()})
	start := time.Now()
	_, err = l.Subscribe(ctx, "room", func(layer.Message) {})
	if err == nil || !strings.HasPrefix(err.Error(), `redislayer: subscribe to "room": NOPERM`) {
		t.Fatalf("Subscribe = %v, want the NOPERM refusal", err)
	}
	if elapsed := time.Since(start); elapsed >= redislayer.DefaultSubscribeTimeout {
		t.Fatalf("Subscribe took %v: it waited for the timeout instead of reporting the refusal", elapsed)
	}
	eventually(t, "the refused group is dropped", 5*time.Second, func() bool { return l.Stats().Subscriptions == 0 })
}

// A layer's own subscribers get its messages without a trip through Redis:
// while Redis is down they are still delivered in this process, and
// Publish says the other processes were not reached.
func TestLocalDeliveryWithoutRedis(t *testing.T) {
	srv := testredis.Start(t)
	if srv.Borrowed() {
		t.Skip("kills Redis: needs a Redis of its own, " + testredis.EnvURL + " is set")
	}
	l := newLayer(t, srv.URL(), redislayer.Options{KeyPrefix: uniquePrefix()})
	ctx := context.Background()
	r := layertest.NewRecorder()
	if _, err := l.Subscribe(ctx, "room", r.Deliver); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := l.Publish(pctx, "room", layer.Message{Frame: []byte(`"local"`), Exclude: "c1"})
	if err == nil || !strings.HasPrefix(err.Error(), `redislayer: publish to "room": reached this process only, other processes may not get it: `) {
		t.Fatalf("Publish with Redis down = %v, want the partial-delivery error", err)
	}
	var pe *layer.PartialDeliveryError
	if !errors.As(err, &pe) || pe.Group != "room" {
		t.Fatalf("Publish with Redis down = %v, want a *layer.PartialDeliveryError for the group", err)
	}
	if s := l.Stats(); s.PartialDeliveries != 1 || s.Healthy {
		t.Fatalf("Stats after the failed publish: PartialDeliveries=%d Healthy=%v, want 1 and false", s.PartialDeliveries, s.Healthy)
	}
	got := r.Await(t, 1)[0]
	if string(got.Frame) != `"local"` || got.Exclude != "c1" {
		t.Fatalf("delivered %+v, want the message with its fields", got)
	}
}
