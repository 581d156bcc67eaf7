package python

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/codegen/internal/gentest"
)

// TestRefusesStrategiesItCannotRoute: the Python client routes by a
// member's const (a discriminated union) or, for schema dispatch, left to
// right; a channel whose messages are told apart by enum values or by
// required members is refused, naming the channel and the strategy,
// rather than generated into a union that decodes frames as the wrong
// message.
func TestRefusesStrategiesItCannotRoute(t *testing.T) {
	dir := filepath.Join(gentest.ModuleRoot(t), "spec", "analyze", "testdata", "realworld")
	for doc, want := range map[string]string{
		"members.yaml": `python: channel "lobby": the Python client cannot route the messages the server sends on it yet: they are told apart by strategy "members", not by one member's const value; generate a Go client (--lang go) for it`,
		"enum.yaml":    `python: channel "arena": the Python client cannot route the messages the server sends on it yet: they are told apart by strategy "enum", not by one member's const value; generate a Go client (--lang go) for it`,
	} {
		_, err := Generate(context.Background(), gentest.Load(t, filepath.Join(dir, doc)), Options{})
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v\nwant %s", doc, err, want)
		}
	}
	files, err := Generate(context.Background(), gentest.Load(t, filepath.Join(dir, "schema-order.yaml")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files["gauge/client.py"]); !strings.Contains(got, `Field(union_mode="left_to_right")`) {
		t.Errorf("schema dispatch is not left to right:\n%s", got)
	}
}
