//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// sandboxDoc is a document gen server accepts, whose message example is a
// $ref to ref: what the $ref reads would be embedded in asyncapi.json,
// which the generated server serves.
func sandboxDoc(ref string) string {
	return `asyncapi: 3.0.0
info: {title: Sandbox, version: 1.0.0}
channels:
  room:
    address: /room
    messages:
      chat:
        payload:
          type: object
          properties:
            action: {const: chat}
        examples:
          - payload:
              $ref: '` + ref + `'
operations:
  receiveChat:
    action: receive
    channel: {$ref: '#/channels/room'}
`
}

// TestGenRefusesFilesOutsideTheSandbox is issue 19's leak: a $ref to
// /etc/passwd, to ../outside, to a FIFO or to /proc/self/environ fails
// 'chanx gen server' and 'chanx validate' with its reason at the $ref, and
// nothing of the file reaches the output; --ref-root widens the root on
// purpose.
func TestGenRefusesFilesOutsideTheSandbox(t *testing.T) {
	dir := t.TempDir()
	api := filepath.Join(dir, "api")
	os.Mkdir(api, 0o755)
	const secret = "BEGIN-OPENSSH-PRIVATE-KEY-outside"
	os.WriteFile(filepath.Join(dir, "outside.yaml"), []byte(secret+"\n"), 0o644)
	if err := syscall.Mkfifo(filepath.Join(api, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(api, "asyncapi.yaml")
	for _, tc := range []struct{ ref, want string }{
		{"/etc/passwd", "read /etc/passwd: the file is outside " + api + ", the folder local $refs may read (--ref-root DIR widens it)"},
		{"../outside.yaml", "read " + filepath.Join(dir, "outside.yaml") + ": the file is outside " + api + ", the folder local $refs may read (--ref-root DIR widens it)"},
		{"./pipe.yaml", "not a regular file but a named pipe (FIFO); $refs read regular files only"},
		{"/proc/self/environ", "read /proc/self/environ: /proc holds the system's live state, not documents"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			os.WriteFile(doc, []byte(sandboxDoc(tc.ref)), 0o644)
			out := filepath.Join(dir, "gen")
			os.RemoveAll(out)
			at := doc + ":14:21: "
			code, _, stderr := chanx("gen", "server", "-s", doc, "-o", out)
			if code != 1 || !strings.Contains(stderr, at) || !strings.Contains(stderr, tc.want) {
				t.Errorf("gen server: exit %d\nstderr: %s\nwant %s...%s", code, stderr, at, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("gen server wrote %s (%v)", out, err)
			}
			code, _, stderr = chanx("validate", "-s", doc)
			if code != 1 || !strings.Contains(stderr, at) || !strings.Contains(stderr, tc.want) {
				t.Errorf("validate: exit %d\nstderr: %s\nwant %s...%s", code, stderr, at, tc.want)
			}
			if strings.Contains(stderr, "root:x:") || strings.Contains(stderr, secret) {
				t.Errorf("the file's content is in the output:\n%s", stderr)
			}
		})
	}
	t.Run("--ref-root widens it", func(t *testing.T) {
		os.WriteFile(doc, []byte(sandboxDoc("../outside.yaml")), 0o644)
		out := filepath.Join(dir, "gen")
		code, _, stderr := chanx("gen", "server", "-s", doc, "-o", out, "--ref-root", dir)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		bundle, err := os.ReadFile(filepath.Join(out, "asyncapi.json"))
		if err != nil || !strings.Contains(string(bundle), secret) {
			t.Errorf("asyncapi.json lacks the file the document was allowed to read: %v\n%s", err, bundle)
		}
	})
	t.Run("--ref-root must be a folder", func(t *testing.T) {
		code, _, stderr := chanx("validate", "-s", doc, "--ref-root", filepath.Join(dir, "nope"))
		if want := "chanx: --ref-root " + filepath.Join(dir, "nope") + ": not a folder (see 'chanx validate --help')\n"; code != 2 || stderr != want {
			t.Errorf("exit %d\nstderr %q\nwant   %q", code, stderr, want)
		}
	})
}
