package layertest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/layer/layertest"
)

// targetLosingLayer forgets Message.Target, a bug the suite must catch.
type targetLosingLayer struct{ *layer.Memory }

func (l targetLosingLayer) Publish(ctx context.Context, group string, m layer.Message) error {
	m.Target = ""
	return l.Memory.Publish(ctx, group, m)
}

const childEnv = "LAYERTEST_BROKEN_CHILD"

// TestBrokenLayerChild runs the suite on the broken layer; it only runs as
// the child process of TestSuiteCatchesBrokenLayer, where failing is the
// expected outcome.
func TestBrokenLayerChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("runs only as the child of TestSuiteCatchesBrokenLayer")
	}
	layertest.Run(t, func(t *testing.T) layer.Layer {
		l := targetLosingLayer{layer.NewMemory()}
		t.Cleanup(func() { l.Close() })
		return l
	})
}

func TestSuiteCatchesBrokenLayer(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenLayerChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed a layer that loses Target:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestBrokenLayerChild/FieldsPreserved",
		`message 2:`,
		`Target:"conn-2"`,
		"--- PASS: TestBrokenLayerChild/PublishSubscribe",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("suite output lacks %q:\n%s", want, out)
		}
	}
}

func TestRecorderWaitFor(t *testing.T) {
	r := layertest.NewRecorder()
	go r.Deliver(layer.Message{Frame: []byte("a")})
	if got := r.Await(t, 1); string(got[0].Frame) != "a" {
		t.Fatalf("got %s", got[0].Frame)
	}
	if got := r.WaitFor(2, 0); len(got) != 1 {
		t.Fatalf("WaitFor(2, 0) = %d messages, want the 1 there is", len(got))
	}
}
