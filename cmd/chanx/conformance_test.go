package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/chanxgo/chanx/conformance"
	"github.com/chanxgo/chanx/conformance/chattest"
)

var conformanceChatDoc = filepath.Join("..", "..", "examples", "chat", "asyncapi.yaml")

func runConformanceCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = run(append([]string{"chanx", "conformance"}, args...), &out, &errw)
	return code, out.String(), errw.String()
}

func TestConformanceCLIList(t *testing.T) {
	code, out, _ := runConformanceCLI(t, "--list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(conformance.Checks) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(conformance.Checks), out)
	}
	for i, c := range conformance.Checks {
		want := c.Description
		if c.Convention != "" {
			want += " [convention: " + c.Convention + "]"
		}
		if !strings.HasPrefix(lines[i], c.ID+" ") || !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d: %q, want id %s and its description", i, lines[i], c.ID)
		}
	}
}

func TestConformanceCLIUnusableArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "chanx conformance: --schema is required (see 'chanx conformance --help')"},
		{[]string{"-s", conformanceChatDoc}, "chanx conformance: --url is required (see 'chanx conformance --help')"},
		{[]string{"-s", conformanceChatDoc, "--url", "ws://x", "--param", "room"}, `chanx conformance: --param "room": want name=value (see 'chanx conformance --help')`},
		{[]string{"-s", conformanceChatDoc, "--url", "ws://x", "--header", "Authorization"}, `chanx conformance: --header "Authorization": want 'Name: value' (see 'chanx conformance --help')`},
		{[]string{"-s", conformanceChatDoc, "--url", "ws://x", "--check", "nope"}, `chanx conformance: --check "nope": no such check (see 'chanx conformance --help')`},
		{[]string{"-s", conformanceChatDoc, "--url", "ws://x", "--max-examples", "0"}, `chanx conformance: --max-examples 0: want at least 1 (see 'chanx conformance --help')`},
		{[]string{"-s", conformanceChatDoc, "--url", "ftp://x"}, `chanx conformance: url "ftp://x": want ws:// or wss://`},
		{[]string{"-s", "does-not-exist.yaml", "--url", "ws://x"}, "chanx conformance: read does-not-exist.yaml: no such file or directory"},
		{[]string{"--seed", "x"}, "chanx: invalid value \"x\" for flag -seed: parse error (see 'chanx conformance --help')"},
	} {
		code, _, errOut := runConformanceCLI(t, tc.args...)
		if code != 2 || strings.TrimSpace(errOut) != tc.want {
			t.Errorf("%v: exit %d, stderr %q; want exit 2, %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestConformanceCLIPassingServer(t *testing.T) {
	url := chattest.Start(t, chattest.NoBug)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errOut := runConformanceCLI(t, "-s", conformanceChatDoc, "--url", url, "--seed", "3", "--timeout", "10s", "--param", "room=lobby", "--header", "X-Test: 1", "--junit", junit)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "\n10 passed, 0 failed, 2 skipped (seed 3, ") {
		t.Errorf("summary:\n%s", out)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil || suites.Tests != 12 || suites.Failures != 0 {
		t.Errorf("junit: %+v, %v", suites, err)
	}
}

func TestConformanceCLIFailureJSONAndReplay(t *testing.T) {
	url := chattest.Start(t, chattest.MissingReply)
	save := filepath.Join(t.TempDir(), "report.json")
	code, out, _ := runConformanceCLI(t, "-s", conformanceChatDoc, "--url", url, "--seed", "3", "--timeout", "1s", "--json", "--save", save)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	var rep conformance.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, out)
	}
	if got := rep.FailedChecks(); len(got) != 1 || got[0] != conformance.CheckReply || rep.Seed != 3 {
		t.Errorf("failed checks %v, seed %d", got, rep.Seed)
	}
	saved, err := os.ReadFile(save)
	if err != nil || !bytes.Equal(saved, []byte(out)) {
		t.Errorf("--save wrote something else than --json printed (%v)", err)
	}
	// The bug is still there: the replay fails again, exit 1.
	code, out, _ = runConformanceCLI(t, "-s", conformanceChatDoc, "--url", url, "--timeout", "1s", "--replay", save)
	if code != 1 || !strings.Contains(out, "FAIL reply-received chat/handle_ping") || !strings.Contains(out, "1 of 1 recorded failures still fail") {
		t.Errorf("replay against the broken server: exit %d\n%s", code, out)
	}
	// Fixed: the replay passes, exit 0.
	fixed := chattest.Start(t, chattest.NoBug)
	code, out, _ = runConformanceCLI(t, "-s", conformanceChatDoc, "--url", fixed, "--replay", save)
	if code != 0 || !strings.Contains(out, "PASS reply-received chat/handle_ping") {
		t.Errorf("replay against the fixed server: exit %d\n%s", code, out)
	}
}

// TestConformanceCLIReproduceLine: the line printed after a failure runs
// the same checks again: shell-quoted, with --param, --check and the
// timing flags repeated and header values left out.
func TestConformanceCLIReproduceLine(t *testing.T) {
	url := chattest.Start(t, chattest.MissingReply)
	code, out, _ := runConformanceCLI(t, "-s", conformanceChatDoc, "--url", url, "--seed", "3", "--timeout", "1s", "--param", "room=lob by", "--header", "X-Token: s3cret", "--check", "reply-received")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	want := "reproduce: chanx conformance -s " + conformanceChatDoc + " --url " + url + " --param 'room=lob by' --header 'X-Token: $VALUE' --check reply-received --timeout 1s --seed 3\n"
	if !strings.Contains(out, want) || strings.Contains(out, "s3cret") {
		t.Errorf("output:\n%s\nwant the line:\n%s", out, want)
	}
}

// TestConformanceCLIUnsupportedProtocol: a Socket.IO server gets one
// unsupported line and exit 3, not a list of failures and exit 1.
func TestConformanceCLIUnsupportedProtocol(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		_ = c.Write(r.Context(), websocket.MessageText, []byte(`0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}`))
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	code, out, _ := runConformanceCLI(t, "-s", conformanceChatDoc, "--url", "ws"+strings.TrimPrefix(srv.URL, "http"), "--timeout", "1s")
	if code != 3 || !strings.HasPrefix(out, "UNSUPPORTED: the server speaks Socket.IO") || !strings.Contains(out, "0 passed, 0 failed, 12 skipped") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// TestConformanceCLINoConventions: --no-conventions skips
// malformed-survived and no longer asks for an error frame, so a server
// that drops non-JSON frames and never sends errors passes.
func TestConformanceCLINoConventions(t *testing.T) {
	url := chattest.Start(t, chattest.DropsOnNonJSON)
	code, out, _ := runConformanceCLI(t, "-s", conformanceChatDoc, "--url", url, "--seed", "3", "--timeout", "1s", "--no-conventions")
	if code != 0 || !strings.Contains(out, "SKIP malformed-survived         chat: a convention check, turned off") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
