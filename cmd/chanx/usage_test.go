package main

import (
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// commandPaths lists every command of the app as the words a user types
// after "chanx", so a new command is covered without editing this test.
func commandPaths() [][]string {
	var out [][]string
	var walk func(prefix []string, cmds []*cli.Command)
	walk = func(prefix []string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Name == "help" {
				continue
			}
			p := append(append([]string{}, prefix...), c.Name)
			out = append(out, p)
			walk(p, c.Subcommands)
		}
	}
	walk(nil, newApp(io.Discard, io.Discard).Commands)
	return out
}

// TestEveryUsageErrorNamesItsCommand: an unknown flag on any command, and
// the missing flags and extra arguments below, exit 2 pointing at the
// help of the command the user typed ("chanx gen client --help", not
// "chanx client --help").
func TestEveryUsageErrorNamesItsCommand(t *testing.T) {
	type usage struct {
		args []string
		help string // the command whose --help the message names
	}
	var cases []usage
	for _, p := range commandPaths() {
		cases = append(cases, usage{append(append([]string{}, p...), "--no-such-flag"), strings.Join(p, " ")})
	}
	if len(cases) < 8 {
		t.Fatalf("found only %d commands: %v", len(cases), commandPaths())
	}
	cases = append(cases,
		usage{[]string{"--no-such-flag"}, ""},
		usage{[]string{"no-such-command"}, ""},
		usage{[]string{"validate"}, "validate"},
		usage{[]string{"gen", "no-such-target"}, "gen"},
		usage{[]string{"gen", "types"}, "gen types"},
		usage{[]string{"gen", "types", "-s", chatDoc}, "gen types"},
		usage{[]string{"gen", "server"}, "gen server"},
		usage{[]string{"gen", "server", "-s", chatDoc}, "gen server"},
		usage{[]string{"gen", "client"}, "gen client"},
		usage{[]string{"gen", "client", "-s", chatDoc}, "gen client"},
		usage{[]string{"gen", "client", "--lang", "typescript"}, "gen client"},
		usage{[]string{"generate-client"}, "generate-client"},
		usage{[]string{"conformance"}, "conformance"},
		usage{[]string{"send"}, "send"},
		usage{[]string{"send", "-s", chatDoc, "--url", "ws://127.0.0.1:1", "--channel", "chat"}, "send"},
		usage{[]string{"listen"}, "listen"},
		usage{[]string{"listen", "-s", chatDoc}, "listen"},
		usage{[]string{"version", "extra"}, "version"},
	)
	for _, tc := range cases {
		want := "'chanx --help'"
		if tc.help != "" {
			want = "'chanx " + tc.help + " --help'"
		}
		code, _, stderr := chanx(tc.args...)
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("chanx %s: exit %d, stderr %q; want exit 2 naming %s", strings.Join(tc.args, " "), code, stderr, want)
		}
	}
	// An extra argument names the command too (its message says where the
	// document goes instead of pointing at --help).
	for _, p := range [][]string{{"validate"}, {"gen", "types"}, {"gen", "server"}, {"gen", "client"}, {"generate-client"}, {"conformance"}, {"listen"}, {"version"}} {
		args := append(append([]string{}, p...), "-s", chatDoc, "-o", t.TempDir(), "extra.yaml")
		switch p[0] {
		case "version":
			args = []string{"version", "extra.yaml"}
		case "validate", "conformance", "listen":
			args = append(append([]string{}, p...), "-s", chatDoc, "extra.yaml")
		}
		code, _, stderr := chanx(args...)
		if want := "chanx " + strings.Join(p, " ") + ": "; code != 2 || !strings.HasPrefix(stderr, want) {
			t.Errorf("chanx %s: exit %d, stderr %q; want exit 2 starting %q", strings.Join(args, " "), code, stderr, want)
		}
	}
}
