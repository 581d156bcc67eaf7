package tsruntime_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/runtime/wire"
)

// diffCase is one frame checked by both sides.
type diffCase struct {
	Action string `json:"action"`
	Frame  string `json:"frame"`
}

// TestValidatorsAgreeWithGo runs the hand-written TypeScript validators of
// the chat client and the Go types chanx generated for the same document
// (examples/chat/chatapi: decoding, then Validate, as the server and the
// Go client read a frame) on the same frames — valid ones, every member
// replaced, removed or added, frames that are not objects, several
// members wrong at once — and requires the same problems: types,
// locations and messages (runtime/wire's registry). It also routes whole
// frames through a ChatClient, received (onInvalidMessage) and sent
// (refused by send), and holds the frame-level problems — not an object,
// no discriminator, a discriminator that is not a string or names no
// message — to the Go server's (wire.Peek and the problems it reports).
func TestValidatorsAgreeWithGo(t *testing.T) {
	tools, dir := workspace(t)
	cases := mutatedFrames()
	var in routedCases
	in.Validators = cases
	for _, c := range cases {
		if c.Action != "ping" {
			in.Incoming = append(in.Incoming, c.Frame)
		}
		if c.Action != "pong" {
			in.Outgoing = append(in.Outgoing, c.Frame)
		}
	}
	in.Incoming = append(in.Incoming, routingFrames...)
	in.Outgoing = append(in.Outgoing, routingFrames...)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cases.json"), string(data))
	bundle(t, tools, dir, "tests/differential.ts", "out/differential.mjs", "--platform=node", "--target=node20", "--packages=external")
	out := tools.Run(t, dir, time.Minute, tools.Node, "out/differential.mjs", "cases.json")
	var ts struct {
		Validators [][]wire.Problem `json:"validators"`
		Incoming   [][]wire.Problem `json:"incoming"`
		Outgoing   [][]wire.Problem `json:"outgoing"`
	}
	if err := json.Unmarshal([]byte(out), &ts); err != nil {
		t.Fatalf("read the TypeScript results: %v\n%s", err, out)
	}
	if len(ts.Validators) != len(in.Validators) || len(ts.Incoming) != len(in.Incoming) || len(ts.Outgoing) != len(in.Outgoing) {
		t.Fatalf("TypeScript judged %d/%d/%d frames, want %d/%d/%d", len(ts.Validators), len(ts.Incoming), len(ts.Outgoing),
			len(in.Validators), len(in.Incoming), len(in.Outgoing))
	}
	types := map[string]bool{}
	compare := func(what, frame string, goPs, tsPs []wire.Problem) bool {
		for _, p := range goPs {
			types[p.Type] = true
		}
		if diff := cmp.Diff(normalize(t, goPs), normalize(t, tsPs)); diff != "" {
			t.Errorf("%s frame %s: problems differ (-Go +TypeScript):\n%s", what, frame, diff)
			return false
		}
		return true
	}
	agree := 0
	for i, c := range in.Validators {
		if compare(c.Action, c.Frame, goProblems(c), ts.Validators[i]) {
			agree++
		}
	}
	for i, f := range in.Incoming {
		if compare("incoming", f, goRouted(f, chatIncoming), ts.Incoming[i]) {
			agree++
		}
	}
	for i, f := range in.Outgoing {
		if compare("outgoing", f, goRouted(f, chatOutgoing), ts.Outgoing[i]) {
			agree++
		}
	}
	// Every problem type the chat document can produce on a client is met
	// at least once. json_invalid and json_too_deep cannot be: the client
	// hands a text that is not JSON to onRawData, and sends only what
	// JSON.stringify writes.
	for _, want := range []string{
		wire.ProblemNotObject, wire.ProblemTagNotFound, wire.ProblemTagInvalid, wire.ProblemMissing,
		wire.ProblemStringType, wire.ProblemModelType, wire.ProblemNoneRequired, wire.ProblemLiteral,
		wire.ProblemStringTooShort, wire.ProblemStringTooLong,
	} {
		if !types[want] {
			t.Errorf("no frame produced problem type %s", want)
		}
	}
	t.Logf("%d frames, %d judged alike", len(in.Validators)+len(in.Incoming)+len(in.Outgoing), agree)
}

// routedCases is the input of tests/differential.ts.
type routedCases struct {
	Validators []diffCase `json:"validators"`
	Incoming   []string   `json:"incoming"`
	Outgoing   []string   `json:"outgoing"`
}

// The actions of the chat channel each way, as the Go side lists them
// in union_tag_invalid: the server takes ping on every channel.
var (
	chatIncoming = []string{"new_chat_message", "pong"}
	chatOutgoing = []string{"new_chat_message", "ping"}
)

// routingFrames are frames wrong before their message is known.
var routingFrames = []string{
	`5`, `null`, `[]`, `"x"`, `true`, `{}`, `{"payload":null}`, `{"action":5}`, `{"action":null}`, `{"action":true}`,
	`{"action":[1,"a"]}`, `{"action":{"b":1,"a":"<"}}`, `{"action":1.5}`, `{"action":"nope"}`, `{"action":"it's"}`,
	`{"action":"say \"hi\""}`, `{"action":"ping"}`, `{"action":"pong"}`, `{"payload":1,"action":-0}`,
}

// goRouted reads a whole frame as the Go server does: Peek the
// discriminator, look the action up among known, then decode and
// validate.
func goRouted(frame string, known []string) []wire.Problem {
	action, err := wire.Peek([]byte(frame), "action", 0)
	if err != nil {
		if errors.Is(err, wire.ErrNotString) {
			return []wire.Problem{wire.TagNotStringProblem([]byte(frame), "action", known)}
		}
		return []wire.Problem{wire.PeekProblem(err, "action")}
	}
	if !slices.Contains(known, string(action)) {
		return []wire.Problem{wire.UnknownActionProblem("action", string(action), known)}
	}
	return goProblems(diffCase{Action: string(action), Frame: frame})
}

// goProblems decodes and validates a frame as the Go runtime does.
func goProblems(c diffCase) []wire.Problem {
	var v interface{ Validate() error }
	switch c.Action {
	case "new_chat_message":
		v = new(chatapi.NewChatMessage)
	case "ping":
		v = new(chatapi.PingMessage)
	case "pong":
		v = new(chatapi.PongMessage)
	default:
		panic("no Go type for " + c.Action)
	}
	if err := json.Unmarshal([]byte(c.Frame), v); err != nil {
		return wire.DecodeProblems(err)
	}
	if err := v.Validate(); err != nil {
		return wire.DecodeProblems(err)
	}
	return nil
}

// normalize gives problems one JSON form (loc indexes as numbers, no
// nil/empty difference), so the two sides compare as the wire carries them.
func normalize(t *testing.T, ps []wire.Problem) []any {
	t.Helper()
	if len(ps) == 0 {
		return nil
	}
	data, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// mutatedFrames starts from a valid frame of each message and replaces
// every member (at every depth) by values of every JSON type, removes it,
// and adds an unknown one.
func mutatedFrames() []diffCase {
	valid := map[string]map[string]any{
		"new_chat_message": {"action": "new_chat_message", "payload": map[string]any{"message": "Hello, room!", "name": "Ada"}},
		"ping":             {"action": "ping", "payload": nil},
		"pong":             {"action": "pong", "payload": nil},
	}
	replacements := []any{
		nil, true, 0, 7, -1.5, 1e300, "", "x", "😀", strings.Repeat("é", 100), strings.Repeat("é", 101),
		strings.Repeat("w", 2000), strings.Repeat("w", 2001), []any{}, []any{"a"}, map[string]any{}, map[string]any{"k": 1},
		"new_chat_message", "ping",
	}
	var cases []diffCase
	seen := map[string]bool{}
	add := func(action string, v any) {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		if seen[action+string(data)] {
			return
		}
		seen[action+string(data)] = true
		cases = append(cases, diffCase{Action: action, Frame: string(data)})
	}
	actions := make([]string, 0, len(valid))
	for a := range valid {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for _, action := range actions {
		frame := valid[action]
		add(action, frame)
		for _, path := range paths(frame, nil) {
			for _, r := range replacements {
				add(action, with(frame, path, r, false))
			}
			add(action, with(frame, path, nil, true))
		}
		for _, path := range append([][]string{nil}, objectPaths(frame, nil)...) {
			add(action, with(frame, append(path, "zzz"), 1, false))
		}
		// Two members wrong at once: the Go decoder stops at the first,
		// unless a nested struct's problem follows, which wins.
		if action == "new_chat_message" {
			add(action, map[string]any{"action": action, "payload": map[string]any{"message": 5, "name": 6}})
			add(action, map[string]any{"action": action, "payload": map[string]any{"name": "", "message": ""}})
			add(action, map[string]any{"action": action, "payload": map[string]any{"name": nil}})
			add(action, map[string]any{"action": action, "payload": map[string]any{"message": 5, "name": nil}})
		}
	}
	// Frames that are not objects, and members in an order map keys
	// cannot keep (json.Marshal sorts them).
	for _, action := range actions {
		for _, frame := range []string{`5`, `null`, `"x"`, `[]`, `true`,
			`{"action":5,"payload":"x"}`, `{"payload":"x","action":5}`, `{"action":5,"payload":{"message":5}}`,
			`{"payload":{"name":6,"message":5},"action":5}`, `{"payload":{"message":"m","name":"n"},"action":7}`,
		} {
			if !seen[action+frame] {
				seen[action+frame] = true
				cases = append(cases, diffCase{Action: action, Frame: frame})
			}
		}
	}
	return cases
}

// paths lists the member paths of v, depth first.
func paths(v any, prefix []string) [][]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out [][]string
	for _, k := range keys {
		p := append(append([]string{}, prefix...), k)
		out = append(out, p)
		out = append(out, paths(m[k], p)...)
	}
	return out
}

// objectPaths lists the paths of v's nested objects.
func objectPaths(v any, prefix []string) [][]string {
	var out [][]string
	for _, p := range paths(v, prefix) {
		if _, ok := get(v, p).(map[string]any); ok {
			out = append(out, p)
		}
	}
	return out
}

func get(v any, path []string) any {
	for _, k := range path {
		v = v.(map[string]any)[k]
	}
	return v
}

// with returns a deep copy of v with the member at path set to r, or
// removed.
func with(v any, path []string, r any, remove bool) any {
	m, ok := v.(map[string]any)
	if !ok {
		panic(fmt.Sprintf("with: %v is not an object", path))
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	if len(path) == 1 {
		if remove {
			delete(out, path[0])
		} else {
			out[path[0]] = r
		}
		return out
	}
	out[path[0]] = with(m[path[0]], path[1:], r, remove)
	return out
}
