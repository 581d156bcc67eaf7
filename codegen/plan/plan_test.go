package plan_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/plan"
	"github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/wire"
	"github.com/chanxgo/chanx/spec"
	"github.com/chanxgo/chanx/spec/analyze"
)

// inputs are documents the Go target's goldens are generated from, so the
// plan's goldens show what every target reads for them.
var inputs = map[string]string{
	"chat":       "../../examples/chat/asyncapi.yaml",
	"rooms":      "../goapi/testdata/rooms.yaml",
	"events":     "../goapi/testdata/events.yaml",
	"collisions": "../goapi/testdata/collisions.yaml",
	"assistant":  "../goapi/testdata/assistant.yaml",
	"topics":     "testdata/topics.yaml",
}

func build(t *testing.T, path string) *plan.Plan {
	t.Helper()
	doc, err := spec.Load(context.Background(), path, spec.Options{NoRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	api, diags := analyze.Build(context.Background(), doc)
	if diags.HasErrors() {
		t.Fatalf("%s:\n%v", path, diags)
	}
	return plan.Build(api)
}

// TestGolden renders each input's plan as text and compares it with
// testdata/NAME.golden; -update rewrites them.
func TestGolden(t *testing.T) {
	for name, path := range inputs {
		t.Run(name, func(t *testing.T) {
			got := dump(build(t, path))
			golden.Check(t, filepath.Join("testdata", name+".golden"), []byte(got))
		})
	}
}

// TestChat pins the facts a client in another language needs, on the
// chat example: who sends what, under which key and value, the
// request → reply pair and the built-in ping.
func TestChat(t *testing.T) {
	p := build(t, inputs["chat"])
	if len(p.Channels) != 1 {
		t.Fatalf("%d channels, want 1", len(p.Channels))
	}
	c := p.Channels[0]
	if c.Server.Key != "action" || c.Client.Key != "action" {
		t.Errorf("keys %q/%q, want action/action", c.Server.Key, c.Client.Key)
	}
	if len(c.Params) != 1 || c.Params[0].Name != "room" {
		t.Errorf("params %v, want [room]", c.Params)
	}
	var sends []string
	for _, s := range c.Client.Sends {
		line := s.Message.Name + "=" + s.Value
		if s.Reply != nil {
			line += "->" + s.Reply.Message.Name + "=" + s.Reply.Value
		}
		sends = append(sends, line)
	}
	if diff := cmp.Diff([]string{"new_chat_message=new_chat_message", "ping=ping->pong=pong"}, sends); diff != "" {
		t.Errorf("client sends (-want +got):\n%s", diff)
	}
	if !c.Server.Receives[1].Pong || c.Builtins[0].Declared == nil || c.Builtins[0].Declared.Name != "ping" {
		t.Errorf("ping is not planned as the built-in answered by pong: %+v %+v", c.Server.Receives[1], c.Builtins)
	}
}

// TestImportsOnlyIRAndStd: the plan is neutral ground for every target,
// so it may import nothing but ir and the standard library.
func TestImportsOnlyIRAndStd(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if imp != "github.com/chanxgo/chanx/ir" && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			t.Errorf("codegen/plan imports %s", imp)
		}
	}
}

func dump(p *plan.Plan) string {
	var sb strings.Builder
	w := func(depth int, format string, args ...any) {
		sb.WriteString(strings.Repeat("  ", depth))
		fmt.Fprintf(&sb, format, args...)
		sb.WriteString("\n")
	}
	names := func(msgs []*ir.Message) string {
		var out []string
		for _, m := range msgs {
			out = append(out, m.Name)
		}
		return "[" + strings.Join(out, " ") + "]"
	}
	for _, c := range p.Channels {
		w(0, "channel %s address=%q mountable=%v", c.Name, c.Address, c.Mountable)
		for _, prm := range c.Params {
			w(1, "param %s", prm.Name)
		}
		if t := c.Topic; t != nil {
			w(1, "topic %s pattern=%q params=%q dedicated=%v", t.Name, t.Pattern, t.Parameters, t.Dedicated)
		}
		for _, o := range c.Together {
			w(1, "together %s", o.Name)
		}
		for _, o := range c.Topics {
			w(1, "topics %s", o.Name)
		}
		if b := c.Bindings; b.Method != "" || len(b.Query) > 0 || len(b.Headers) > 0 {
			w(1, "bindings method=%q query=%v headers=%v", b.Method, b.Query, b.Headers)
		}
		for _, b := range c.Builtins {
			declared := "<runtime>"
			if b.Declared != nil {
				declared = b.Declared.Name
			}
			w(1, "builtin %q from %s reply=%q declared=%s", b.Value, b.From, b.Reply, declared)
		}
		for _, s := range []*plan.Side{c.Server, c.Client} {
			w(1, "%s key=%q strategy=%q", s.Role, s.Key, s.Strategy)
			if s.Ambiguous != "" {
				w(2, "ambiguous: %s", s.Ambiguous)
			}
			for _, r := range s.Receives {
				line := fmt.Sprintf("receive %s=%q", r.Message.Name, r.Value)
				if r.Operation != nil {
					line += " op=" + r.Operation.Name
				}
				for _, rp := range r.Replies {
					line += fmt.Sprintf(" reply %s=%q", rp.Message.Name, rp.Value)
				}
				if r.Pong {
					line += " pong"
				}
				if len(r.ReplyTo) > 0 {
					line += " replyTo=" + names(r.ReplyTo)
				}
				if st := r.Stream; st != nil {
					line += fmt.Sprintf(" stream(%d partials)->%s", len(st.Partials), st.Final.Message.Name)
				}
				if r.Cancel != nil {
					line += fmt.Sprintf(" cancels=%s key=%q", r.Cancel.Operation.Name, r.Cancel.Key)
				}
				for _, op := range r.CanceledBy {
					line += fmt.Sprintf(" canceledBy=%s key=%q", op.Name, r.CancelKey)
				}
				if r.Problem != "" {
					line += " problem=" + r.Problem
				}
				w(2, "%s", line)
			}
			for _, snd := range s.Sends {
				line := fmt.Sprintf("send %s=%q op=%s", snd.Message.Name, snd.Value, snd.Operation.Name)
				if snd.Reply != nil {
					line += fmt.Sprintf(" request->%s=%q", snd.Reply.Message.Name, snd.Reply.Value)
				}
				if st := snd.Stream; st != nil {
					line += fmt.Sprintf(" stream(%d partials)->%s", len(st.Partials), st.Final.Message.Name)
				}
				if snd.Cancels != nil {
					line += " cancels=" + snd.Cancels.Name
				}
				w(2, "%s", line)
			}
			for _, rt := range s.Routes {
				var ms []*ir.Message
				for _, r := range rt.Receives {
					ms = append(ms, r.Message)
				}
				w(2, "route %q -> %s", rt.Value, names(ms))
			}
			for _, r := range s.Fallback {
				w(2, "fallback %s", r.Message.Name)
			}
		}
	}
	return sb.String()
}

// TestBuiltinsMatchTheWire: the plan names the protocol's built-in frames
// without importing the runtime; they must be the runtime's table
// (wire.Builtins, topic traffic aside).
func TestBuiltinsMatchTheWire(t *testing.T) {
	var want, got []string
	for _, b := range wire.Builtins {
		if b.Topics {
			continue
		}
		from := plan.Server
		if b.Direction == wire.ClientToServer {
			from = plan.Client
		}
		want = append(want, fmt.Sprintf("%s from %s", b.Name, from))
	}
	p := build(t, inputs["chat"])
	for _, b := range p.Channels[0].Builtins {
		got = append(got, fmt.Sprintf("%s from %s", b.Value, b.From))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("builtins (-wire +plan):\n%s", diff)
	}
	if plan.Ping != wire.ActionPing || plan.Pong != wire.ActionPong || plan.Error != wire.ActionError {
		t.Errorf("plan ping/pong/error %q/%q/%q differ from runtime/wire's", plan.Ping, plan.Pong, plan.Error)
	}
}

// TestStreamAndCancelProblems: an x-chanx-stream or x-chanx-cancels the
// plan cannot follow is reported on the operation (Problem), for targets
// to refuse, instead of being half planned.
func TestStreamAndCancelProblems(t *testing.T) {
	base, err := os.ReadFile(inputs["assistant"])
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, old, new, op, want string
	}{
		{"one reply", "        - {$ref: '#/channels/assistant/messages/token'}\n", "", "ask", "x-chanx-stream needs two or more reply messages"},
		{"unknown operation", "x-chanx-cancels: ask", "x-chanx-cancels: nothing", "stopGenerating", `x-chanx-cancels: "nothing" is not another receive operation of this channel`},
		{"itself", "x-chanx-cancels: ask", "x-chanx-cancels: stopGenerating", "stopGenerating", `x-chanx-cancels: "stopGenerating" is not another receive operation`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(string(base), tc.old, tc.new, 1)
			if doc == string(base) {
				t.Fatalf("%q not in the document", tc.old)
			}
			path := filepath.Join(t.TempDir(), "doc.yaml")
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			var got string
			for _, r := range build(t, path).Channels[0].Server.Receives {
				if r.Operation.Name == tc.op {
					got = r.Problem
				}
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("problem %q, want %q", got, tc.want)
			}
		})
	}
	// The document as it is has none, and the key is the correlationId's.
	for _, r := range build(t, inputs["assistant"]).Channels[0].Server.Receives {
		if r.Problem != "" {
			t.Errorf("%s: %s", r.Operation.Name, r.Problem)
		}
	}
}
