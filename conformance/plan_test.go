package conformance

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// TestPlanCorpus builds the test plan of every official AsyncAPI 3.0.0
// example: schemas compile, frames are generated and every generated
// frame is on the side of its schema it claims to be.
func TestPlanCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus", "asyncapi-3.0.0-examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	if len(files) == 0 {
		t.Skipf("the AsyncAPI examples are not at %s (they live in the shared workspace corpus)", dir)
	}
	var summary []string
	for _, file := range files {
		ctx := context.Background()
		doc, err := spec.Load(ctx, file, spec.Options{NoRemote: true})
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		api, _ := analyze.Build(ctx, doc)
		if api == nil {
			t.Errorf("%s: no api", file)
			continue
		}
		// Generation is what is under test here, whatever the servers'
		// protocols.
		api.Servers = nil
		plans, err := plan(api, newOptions([]Option{WithMaxExamples(6)}))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
			continue
		}
		ops, valid, invalid := 0, 0, 0
		for _, p := range plans {
			for _, op := range p.ops {
				ops++
				valid += len(op.valid)
				invalid += len(op.invalid)
				for _, f := range op.valid {
					if pr := p.in.Validate(f.msg, f.value); pr != nil {
						t.Errorf("%s: %s: valid frame %s: %v", filepath.Base(file), op.op.Name, f.json(), pr)
					}
				}
				for _, f := range op.invalid {
					if p.in.Validate(f.msg, f.value) == nil {
						t.Errorf("%s: %s: invalid frame %s is valid", filepath.Base(file), op.op.Name, f.json())
					}
				}
				if len(op.valid) == 0 {
					t.Logf("%s: %s: no valid frame", filepath.Base(file), op.op.Name)
				}
			}
		}
		summary = append(summary, fmt.Sprintf("%s: %d receive ops, %d valid, %d invalid", filepath.Base(file), ops, valid, invalid))
	}
	sort.Strings(summary)
	t.Log("\n" + strings.Join(summary, "\n"))
}

func TestChannelsOnlyServedOverOtherProtocolsAreSkipped(t *testing.T) {
	ch := &ir.Channel{Name: "lights", Address: "lights", Servers: []string{"broker"}}
	api := &ir.API{
		Servers:  []*ir.Server{{Name: "broker", Protocol: "kafka"}, {Name: "edge", Protocol: "mqtt"}, {Name: "web", Protocol: "wss"}},
		Channels: []*ir.Channel{ch},
	}
	if got, want := notWebSocket(api, ch), "the channel is served over kafka, not WebSocket"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	ch.Servers = nil // all servers, one of them wss
	if got := notWebSocket(api, ch); got != "" {
		t.Errorf("with a wss server: %q", got)
	}
	api.Servers = []*ir.Server{{Name: "slack", Protocol: "https"}}
	if got := notWebSocket(api, ch); got != "" {
		t.Errorf("https can upgrade: %q", got)
	}
}
