package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var lobbyRoutes = []MemberRoute{
	{Name: "roomCreated", Members: []string{"roomId", "created"}},
	{Name: "joined", Members: []string{"joined"}},
	{Name: "said", Members: nil},
}

func TestRouteByMembers(t *testing.T) {
	for _, tc := range []struct {
		frame, want string
		err         error
	}{
		{`{"roomId":"r1","created":7}`, "roomCreated", nil},
		{`{"created":7}`, "roomCreated", nil},
		{` {"joined" : "r1"} `, "joined", nil},
		{`{"from":"a","line":"hi"}`, "said", nil},
		{`{}`, "said", nil},
		// The first route in order wins, whatever the members' order.
		{`{"joined":"x","roomId":"r"}`, "roomCreated", nil},
		// Keys read as encoding/json reads them.
		{`{"\u006aoined":"x"}`, "joined", nil},
		// Values are skipped, nested members do not count.
		{`{"x":{"joined":1},"y":["roomId"]}`, "said", nil},
		{`[1]`, "", ErrNotObject},
		{`{"joined":`, "", ErrNotJSON},
		{`{"joined":1}x`, "", ErrNotJSON},
		{`{"a":[[[[[[[[[[1]]]]]]]]]]}`, "", ErrTooDeep},
	} {
		got, err := RouteByMembers([]byte(tc.frame), lobbyRoutes, 4)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("RouteByMembers(%s) = %q, %v; want %q, %v", tc.frame, got, err, tc.want, tc.err)
		}
	}
	_, err := RouteByMembers([]byte(`{"colour":"red"}`), lobbyRoutes[:2], 0)
	var re *RouteError
	if !errors.As(err, &re) {
		t.Fatalf("no route: %v, want a *RouteError", err)
	}
	want := Problem{Type: ProblemTagNotFound, Loc: []any{}, Msg: "Unable to tell the message apart: the frame has none of the members 'roomId', 'created', 'joined'"}
	if diff := cmp.Diff(want, PeekProblem(err, "action")); diff != "" {
		t.Errorf("PeekProblem (-want +got):\n%s", diff)
	}
}

type reading struct {
	Value *float64 `json:"value"`
}

func (r *reading) Validate() error {
	if r.Value == nil {
		return &ValidationError{Problems: []Problem{{Type: ProblemMissing, Loc: []any{"value"}, Msg: "Field required"}}}
	}
	return nil
}

type label struct {
	Value *string `json:"value"`
}

func (l *label) Validate() error {
	if l.Value == nil {
		return &ValidationError{Problems: []Problem{{Type: ProblemMissing, Loc: []any{"value"}, Msg: "Field required"}}}
	}
	return nil
}

var gaugeRoutes = []SchemaRoute{
	{Name: "reading", Accept: Accepts[reading]()},
	{Name: "label", Accept: Accepts[label]()},
}

func TestRouteBySchema(t *testing.T) {
	for frame, want := range map[string]string{
		`{"value":1.5}`: "reading",
		`{"value":"x"}`: "label",
	} {
		if got, err := RouteBySchema([]byte(frame), gaugeRoutes); got != want || err != nil {
			t.Errorf("RouteBySchema(%s) = %q, %v; want %q", frame, got, err, want)
		}
	}
	if _, err := RouteBySchema([]byte(`{"value":`), gaugeRoutes); !errors.Is(err, ErrNotJSON) {
		t.Errorf("broken JSON: %v", err)
	}
	_, err := RouteBySchema([]byte(`{"value":true}`), gaugeRoutes)
	var re *RouteError
	if !errors.As(err, &re) {
		t.Fatalf("no route: %v", err)
	}
	var locs []string
	for _, p := range re.Problems {
		locs = append(locs, fmt.Sprint(p.Loc))
	}
	if got := strings.Join(locs, " "); got != "[reading value] [label value]" {
		t.Errorf("problems at %s: %+v", got, re.Problems)
	}
}

// FuzzRouteByMembers: on any bytes, RouteByMembers neither panics nor
// disagrees with encoding/json about which top-level members a valid
// object has.
func FuzzRouteByMembers(f *testing.F) {
	f.Add([]byte(`{"roomId":"r1","created":7}`))
	f.Add([]byte(`{"\u006aoined":"x"}`))
	f.Add([]byte(`{"x":{"joined":1}}`))
	f.Add([]byte("{\"jo\xffined\":1}"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		got, err := RouteByMembers(frame, lobbyRoutes[:2], 16)
		var v map[string]json.RawMessage
		if json.Unmarshal(frame, &v) != nil {
			return
		}
		want := ""
		for _, r := range lobbyRoutes[:2] {
			for _, m := range r.Members {
				if _, ok := v[m]; ok && want == "" {
					want = r.Name
				}
			}
		}
		if errors.Is(err, ErrTooDeep) {
			return
		}
		if want == "" {
			var re *RouteError
			if !errors.As(err, &re) {
				t.Fatalf("RouteByMembers(%q) = %q, %v; encoding/json finds none of the members", frame, got, err)
			}
			return
		}
		if got != want || err != nil {
			t.Fatalf("RouteByMembers(%q) = %q, %v; encoding/json says %q", frame, got, err, want)
		}
	})
}

// BenchmarkDispatch compares the cost per frame of the strategies a
// channel's messages can be told apart by: const (Peek reads one member's
// value), members (RouteByMembers reads the keys) and schema
// (RouteBySchema decodes and validates the frame as each message in
// turn; here it is the last of three, the worst case). The handler's own
// decode comes on top of each. docs/PERFORMANCE.md records a run.
func BenchmarkDispatch(b *testing.B) {
	body := `"text":"` + strings.Repeat("m", 150) + `","roomId":"r1"`
	b.Run("const", func(b *testing.B) {
		frame := []byte(`{"action":"chat",` + body + `}`)
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for range b.N {
			if _, err := Peek(frame, "action", 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("members", func(b *testing.B) {
		routes := []MemberRoute{{Name: "createRoom", Members: []string{"name"}}, {Name: "joinRoom", Members: []string{"nick"}}, {Name: "chat", Members: []string{"text"}}}
		frame := []byte(`{` + body + `}`)
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for range b.N {
			if name, err := RouteByMembers(frame, routes, 0); err != nil || name != "chat" {
				b.Fatal(name, err)
			}
		}
	})
	b.Run("schema", func(b *testing.B) {
		type chat struct {
			Text   *string `json:"text"`
			RoomID string  `json:"roomId"`
		}
		routes := []SchemaRoute{gaugeRoutes[0], {Name: "count", Accept: Accepts[struct {
			Value int `json:"value"`
		}]()}, {Name: "chat", Accept: Accepts[chat]()}}
		frame := []byte(`{"value":"x",` + body + `}`)
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for range b.N {
			if name, err := RouteBySchema(frame, routes); err != nil || name != "chat" {
				b.Fatal(name, err)
			}
		}
	})
}
