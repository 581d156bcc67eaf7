package analyze

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/ir"
)

// TestRealWorldDispatch checks the strategy recorded for each pattern of
// testdata/realworld (issue #16), per channel and direction, with what it
// reads: codegen/goapi's TestRealWorldPatterns drives the generated code
// of the same documents.
func TestRealWorldDispatch(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want []string // "channel direction strategy property cases"
	}{
		{"members.yaml", []string{
			`lobby receive members  [createRoom[name] joinRoom[nick] chat[text]]`,
			`lobby send members  [roomCreated[roomId created] joined[joined] said[from line]]`,
		}},
		{"enum.yaml", []string{
			`arena receive enum type [move[up down left right] say[say shout]]`,
			`arena send enum type [moved[moved blocked] heard[heard]]`,
		}},
		{"schema-order.yaml", []string{
			`gauge receive schema  [reading[] label[]]`,
			`gauge send schema  [level[] status[]]`,
		}},
		{"client-perspective.yaml", []string{
			`table receive const action [join[join]]`,
			`table send const action [joined[joined]]`,
		}},
		{"shared-address.yaml", []string{
			`depth receive const channel [depth_subscribeRequest[depth]]`,
			`depth send const channel [depth_update[depth]]`,
			`ticker receive const channel [ticker_subscribeRequest[ticker]]`,
			`ticker send const channel [ticker_update[ticker]]`,
			`trades receive const channel [trades_subscribeRequest[trades]]`,
			`trades send const channel [trades_update[trades]]`,
		}},
	} {
		t.Run(tc.doc, func(t *testing.T) {
			api, diags := Build(context.Background(), load(t, filepath.Join("testdata", "realworld", tc.doc)))
			if diags.HasErrors() {
				t.Fatalf("errors:\n%s", render(diags))
			}
			var got []string
			for _, ch := range api.Channels {
				for _, d := range ch.Dispatch {
					var cases []string
					for _, c := range d.Cases {
						what := c.Members
						switch {
						case len(c.Values) > 0:
							what = c.Values
						case c.Value != "":
							what = []string{c.Value}
						}
						cases = append(cases, c.Message.Name+fmt.Sprint(what))
					}
					got = append(got, fmt.Sprintf("%s %s %s %s %v", ch.Name, d.Action, d.Strategy, d.Property, cases))
					if d.Ambiguous != "" {
						t.Errorf("%s %s: ambiguous: %s", ch.Name, d.Action, d.Ambiguous)
					}
				}
			}
			for i, w := range tc.want {
				if i >= len(got) || got[i] != w {
					t.Errorf("dispatch:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
					break
				}
			}
			if tc.doc == "shared-address.yaml" && api.Channels[0].URL != "wss://stream.example.com/v1/realtime" {
				t.Errorf("URL %q", api.Channels[0].URL)
			}
		})
	}
}

// TestIdenticalMessagesStayAmbiguous: two messages with the same schema
// can be told apart by no strategy.
func TestIdenticalMessagesStayAmbiguous(t *testing.T) {
	path := filepath.Join(t.TempDir(), "same.yaml")
	if err := os.WriteFile(path, []byte(`asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    address: /c
    messages:
      a: {payload: {type: object, required: [x], properties: {x: {type: string}}}}
      b: {payload: {type: object, required: [x], properties: {x: {type: string}}}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	api, _ := Build(context.Background(), load(t, path))
	d := api.Channels[0].Dispatch[0]
	if d.Strategy != ir.StrategyNone || !strings.Contains(d.Ambiguous, `"a" and "b" cannot be told apart`) {
		t.Errorf("strategy %q, ambiguous %q", d.Strategy, d.Ambiguous)
	}
}

// TestPerspectiveMustBeKnown: x-chanx-perspective is "server" or
// "client"; anything else is an error at its value.
func TestPerspectiveMustBeKnown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte("asyncapi: 3.0.0\nx-chanx-perspective: browser\ninfo: {title: t, version: '1'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := Build(context.Background(), load(t, path))
	got := render(diags)
	if !strings.Contains(got, `p.yaml:2:22: x-chanx-perspective must be "server"`) || !strings.Contains(got, `not the string "browser"`) {
		t.Errorf("diagnostics:\n%s", got)
	}
}
