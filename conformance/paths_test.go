package conformance

import (
	"slices"
	"testing"

	"github.com/chanxgo/chanx/ir"
)

func TestChannelPaths(t *testing.T) {
	ch := &ir.Channel{Name: "c", Address: "ws/{org}/{room}", Parameters: []*ir.Parameter{
		{Name: "org", Enum: []string{"acme", "a b"}},
		{Name: "room", Examples: []string{"lobby", "other"}},
	}}
	for _, tc := range []struct {
		name   string
		params map[string]string
		want   []string
	}{
		// The first enum value and example for every case; each further
		// enum value gets a handshake of its own.
		{"defaults", nil, []string{"/ws/acme/lobby", "/ws/a%20b/lobby"}},
		{"--param wins", map[string]string{"room": "r1", "org": "x/y"}, []string{"/ws/x%2Fy/r1"}},
	} {
		got, err := channelPaths(ch, tc.params, "")
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	// Nothing known about a parameter: a placeholder, so the handshake is
	// still tried.
	bare := &ir.Channel{Name: "b", Address: "/rooms/{id}", Parameters: []*ir.Parameter{{Name: "id"}}}
	if got, err := channelPaths(bare, nil, ""); err != nil || !slices.Equal(got, []string{"/rooms/conformance"}) {
		t.Errorf("bare: %v, %v", got, err)
	}
	// A placeholder the document forgot to declare.
	undeclared := &ir.Channel{Name: "u", Address: "/rooms/{id}"}
	if _, err := channelPaths(undeclared, nil, ""); err == nil || err.Error() != "no value for address parameter id (use --param id=VALUE)" {
		t.Errorf("undeclared: %v", err)
	}
	if got, err := channelPaths(undeclared, map[string]string{"id": "7"}, ""); err != nil || !slices.Equal(got, []string{"/rooms/7"}) {
		t.Errorf("undeclared with --param: %v, %v", got, err)
	}
}
