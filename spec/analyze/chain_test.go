package analyze

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// chainDocument writes a document whose one message is reached through a
// chain of links $refs inside the file: components.messages m0 -> m1 ->
// ... (kind "message"), the same written last link first ("reverse"), a
// payload through components.schemas s0 -> s1 -> ... ("schema"), a chain
// whose last link comes back to the first ("cycle") or names nothing
// ("dangling").
func chainDocument(links int, kind string) []byte {
	var b strings.Builder
	b.WriteString("asyncapi: 3.0.0\ninfo: {title: Chain, version: 1.0.0}\nchannels:\n  room:\n    address: /room\n    messages:\n      chat:\n        $ref: '#/components/messages/m0'\noperations:\n  send:\n    action: send\n    channel: {$ref: '#/channels/room'}\ncomponents:\n  messages:\n")
	switch kind {
	case "schema":
		b.WriteString("    m0:\n      payload: {$ref: '#/components/schemas/s0'}\n  schemas:\n")
		for i := range links {
			fmt.Fprintf(&b, "    s%d: {$ref: '#/components/schemas/s%d'}\n", i, i+1)
		}
		fmt.Fprintf(&b, "    s%d: {type: object}\n", links)
	case "reverse":
		fmt.Fprintf(&b, "    m%d: {payload: {type: object}}\n", links)
		for i := links - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "    m%d: {$ref: '#/components/messages/m%d'}\n", i, i+1)
		}
	default:
		for i := range links {
			fmt.Fprintf(&b, "    m%d: {$ref: '#/components/messages/m%d'}\n", i, i+1)
		}
		switch kind {
		case "cycle":
			fmt.Fprintf(&b, "    m%d: {$ref: '#/components/messages/m0'}\n", links)
		case "dangling":
			fmt.Fprintf(&b, "    m%d: {$ref: '#/components/messages/nowhere'}\n", links)
		default:
			fmt.Fprintf(&b, "    m%d: {payload: {type: object}}\n", links)
		}
	}
	return []byte(b.String())
}

// TestRefChainIsLinear is issue 19's bound: a chain of 10,000 $refs in one
// file is loaded, validated and built in linear work (it took more than
// 140 s when each link's chain was walked again, and again scanned, for
// every link; now about 0.3 s). Wall-clock time depends on the machine,
// so the test holds the work, counted in heap allocations, to grow with
// the chain's length: ten times the links may cost at most twenty times
// the allocations (a quadratic walk costs a hundred times). The time is
// logged; BenchmarkRefChain measures it.
func TestRefChainIsLinear(t *testing.T) {
	const links = 10000
	for kind, want := range map[string]string{
		"message":  "",
		"reverse":  "",
		"schema":   "",
		"cycle":    "chain.yaml:15:16: $ref cycle: #/components/messages/m0 -> #/components/messages/m1 -> ",
		"dangling": `no key "nowhere" at /components/messages`,
	} {
		t.Run(kind, func(t *testing.T) {
			small := chainWork(t, links/10, kind)
			big := chainWork(t, links, kind)
			t.Logf("%d links: %d allocations, %v; %d links: %d allocations, %v", links/10, small.allocs, small.took, links, big.allocs, big.took)
			if big.allocs > 20*small.allocs {
				t.Errorf("%d links cost %d allocations, %d links %d: more than linear", links, big.allocs, links/10, small.allocs)
			}
			api, diags := big.api, big.diags
			if want == "" {
				if len(diags) > 0 || api == nil || len(api.Messages) != 1 {
					t.Fatalf("want one message and no diagnostics, got %d diagnostics:\n%.2000s", len(diags), render(diags))
				}
				return
			}
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			if got := diags.Errors()[0].String(); !strings.Contains(got, want) {
				t.Errorf("first error %.300s\nwant it to contain %s", got, want)
			}
			// A cycle is reported once by each stage, not once per link.
			if n := len(diags); n > 10 && kind == "cycle" {
				t.Errorf("%d diagnostics for one cycle", n)
			}
		})
	}
}

// chainRun is what one load, validate and build of a chain document cost
// and gave.
type chainRun struct {
	allocs uint64
	took   time.Duration
	api    *ir.API
	diags  spec.Diagnostics
}

func chainWork(t *testing.T, links int, kind string) chainRun {
	t.Helper()
	data := chainDocument(links, kind)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	ctx := context.Background()
	doc, err := spec.Parse("chain.yaml", data, spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	diags := spec.Validate(ctx, doc)
	api, more := Build(ctx, doc)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return chainRun{allocs: after.Mallocs - before.Mallocs, took: took, api: api, diags: append(diags, more...)}
}

// BenchmarkRefChain measures loading, validating and building a document
// whose message is reached through 10,000 $refs.
func BenchmarkRefChain(b *testing.B) {
	data := chainDocument(10000, "message")
	ctx := context.Background()
	for b.Loop() {
		doc, err := spec.Parse("chain.yaml", data, spec.Options{NoRemote: true})
		if err != nil {
			b.Fatal(err)
		}
		spec.Validate(ctx, doc)
		Build(ctx, doc)
	}
}
