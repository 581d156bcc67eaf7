package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRemoteRefFlags: by default a remote $ref to loopback is refused
// with the flag that allows it; with --allow-private-refs, 20 $refs to a
// server that never answers end within --remote-budget.
func TestRemoteRefFlags(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	var b strings.Builder
	b.WriteString("asyncapi: 3.0.0\ninfo: {title: Remote, version: 1.0.0}\nchannels:\n  room:\n    address: /room\n    messages:\n")
	for i := range 20 {
		fmt.Fprintf(&b, "      m%d: {$ref: '%s/%d.yaml#/m'}\n", i, srv.URL, i)
	}
	doc := filepath.Join(t.TempDir(), "asyncapi.yaml")
	os.WriteFile(doc, []byte(b.String()), 0o644)

	code, _, stderr := chanx("validate", "-s", doc)
	want := doc + `:7:18: $ref "` + srv.URL + `/0.yaml#/m": fetch ` + srv.URL + "/0.yaml: 127.0.0.1 is a loopback address; remote $refs may not reach loopback, link-local or private addresses (--allow-private-refs allows it) (at /channels/room/messages/m0/$ref)\n"
	if code != 1 || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "is a loopback address") != 20 {
		t.Errorf("default: exit %d\nstderr: %s\nwant it to start %s", code, stderr, want)
	}

	start := time.Now()
	code, _, stderr = chanx("validate", "-s", doc, "--allow-private-refs", "--remote-budget", "1s")
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("20 hanging $refs took %v with --remote-budget 1s", took)
	}
	if code != 1 || strings.Count(stderr, "the 1s all remote $refs may take together is spent (--remote-budget raises it)") != 20 {
		t.Errorf("--allow-private-refs --remote-budget 1s: exit %d\nstderr: %s", code, stderr)
	}

	code, _, stderr = chanx("validate", "-s", doc, "--remote-budget", "0s")
	if want := "chanx: --remote-budget 0s: want a positive value (see 'chanx validate --help')\n"; code != 2 || stderr != want {
		t.Errorf("--remote-budget 0s: exit %d\nstderr %q\nwant   %q", code, stderr, want)
	}
}

// TestLoadFlagsOnEveryCommand: every command that loads a document takes
// the same reference-policy flags.
func TestLoadFlagsOnEveryCommand(t *testing.T) {
	for _, cmd := range [][]string{{"validate"}, {"gen", "types"}, {"gen", "server"}, {"gen", "client"}, {"conformance"}} {
		code, out, _ := chanx(append(cmd, "--help")...)
		if code != 0 {
			t.Fatalf("%s --help: exit %d", cmd, code)
		}
		for _, flag := range []string{"--no-remote", "--ref-root DIR", "--allow-private-refs", "--remote-budget", "--remote-max-bytes"} {
			if !strings.Contains(out, flag) {
				t.Errorf("chanx %s --help lacks %s", strings.Join(cmd, " "), flag)
			}
		}
	}
}
