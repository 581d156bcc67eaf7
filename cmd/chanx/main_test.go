package main

import (
	"bytes"
	"strings"
	"testing"
)

// chanx runs the CLI in-process and returns its exit code and output.
func chanx(args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = run(append([]string{"chanx"}, args...), &out, &errw)
	return code, out.String(), errw.String()
}

func TestHelpExplainsEveryFlag(t *testing.T) {
	code, out, _ := chanx("--help")
	if code != 0 || !strings.Contains(out, "validate") || !strings.Contains(out, "--help") {
		t.Errorf("chanx --help: exit %d\n%s", code, out)
	}
	code, out, _ = chanx("validate", "--help")
	if code != 0 {
		t.Fatalf("chanx validate --help: exit %d", code)
	}
	for _, want := range []string{"--schema value, -s value", "--format value", "--no-remote", "Exit status: 0 valid", `"diagnostics"`} {
		if !strings.Contains(out, want) {
			t.Errorf("chanx validate --help lacks %q:\n%s", want, out)
		}
	}
}

func TestUnusableArgumentsExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "chanx validate: --schema is required (see 'chanx validate --help')\n"},
		{[]string{"validate", "doc.yaml"}, "chanx validate: unexpected argument \"doc.yaml\" (the document is given with --schema; to check it, run 'chanx validate -s doc.yaml')\n"},
		{[]string{"validate", "-s", "a.yaml", "b.yaml"}, "chanx validate: unexpected argument \"b.yaml\" (the document is given with --schema)\n"},
		{[]string{"validate", "--bogus"}, "chanx: flag provided but not defined: -bogus (see 'chanx validate --help')\n"},
		{[]string{"validate", "-s", "a.yaml", "--format", "xml"}, "chanx validate: --format must be text or json, not \"xml\"\n"},
		{[]string{"validate", "-s"}, "chanx: flag needs an argument: -s (see 'chanx validate --help')\n"},
		{[]string{"nope"}, "chanx: unknown command \"nope\" (see 'chanx --help')\n"},
	} {
		code, out, errw := chanx(tc.args...)
		if code != 2 || errw != tc.want || strings.Contains(out, "ok") {
			t.Errorf("chanx %s: exit %d\nstderr: %q\nwant:   %q\nstdout: %q", strings.Join(tc.args, " "), code, errw, tc.want, out)
		}
	}
}

// TestUsageErrorsNameTheCommand: a flag mistake, a bad --ref-root and a
// non-positive budget point at the help of the command typed, subcommands
// spelled in full ('chanx gen client --help', not 'chanx client --help').
func TestUsageErrorsNameTheCommand(t *testing.T) {
	for _, cmd := range [][]string{{"validate"}, {"gen", "types"}, {"gen", "server"}, {"gen", "client"}, {"generate-client"}, {"conformance"}} {
		help := "(see 'chanx " + strings.Join(cmd, " ") + " --help')"
		for _, flags := range [][]string{{"--bogus"}, {"--ref-root", "/nonexistent/chanx"}, {"--remote-budget", "0s"}, {"--remote-max-bytes", "-1"}} {
			code, _, stderr := chanx(append(append([]string(nil), cmd...), flags...)...)
			if code != 2 || !strings.HasSuffix(stderr, help+"\n") {
				t.Errorf("chanx %s %s: exit %d, stderr %q; want 2 ending %q", strings.Join(cmd, " "), strings.Join(flags, " "), code, stderr, help)
			}
		}
	}
}
