package typescript

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
)

// TestRefusesStrategiesItCannotRoute: a channel whose incoming messages no
// one member's const tells apart is refused, naming the channel and the
// strategy, instead of generating a client that misroutes its frames.
func TestRefusesStrategiesItCannotRoute(t *testing.T) {
	dir := filepath.Join(gentest.ModuleRoot(t), "spec", "analyze", "testdata", "realworld")
	for doc, want := range map[string]string{
		"members.yaml": `typescript: channel "lobby": the TypeScript client cannot route the messages the server sends on it yet: they are told apart by strategy "members", not by one member's const value; generate a Go client (--lang go) for it`,
		"enum.yaml":    `typescript: channel "arena": the TypeScript client cannot route the messages the server sends on it yet: they are told apart by strategy "enum", not by one member's const value; generate a Go client (--lang go) for it`,
	} {
		_, err := Generate(context.Background(), gentest.Load(t, filepath.Join(dir, doc)), Options{})
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v\nwant %s", doc, err, want)
		}
	}
	// Messages told apart only by their schemas reach the catch-all
	// handlers and messages(), typed as the channel's union; no per-message
	// handler is generated that would never be called.
	files, err := Generate(context.Background(), gentest.Load(t, filepath.Join(dir, "schema-order.yaml")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files["gauge.ts"]); !strings.Contains(got, "incoming: {},") {
		t.Errorf("schema-dispatched channel routes by a key:\n%s", got)
	}
}
