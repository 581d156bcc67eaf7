//go:build unix

package spec

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exampleRefDoc is a valid document whose message example is a $ref to
// ref: where a $ref is used as an example, a description or a default,
// whatever it reads goes into the bundle (asyncapi.json, which a server
// publishes) untouched, so reading it is the leak.
func exampleRefDoc(ref string) []byte {
	return []byte(`asyncapi: 3.0.0
info: {title: Sandbox, version: 1.0.0}
channels:
  room:
    address: /room
    messages:
      chat:
        payload: {type: string}
        examples:
          - payload:
              $ref: '` + ref + `'
`)
}

// TestFileSandbox is issue 19's file case: by default a document may make
// chanx read regular files in its own folder and below, nothing else; each
// refusal is an error at the $ref naming why and the flag that widens the
// root where one does; nothing refused reaches the bundle.
func TestFileSandbox(t *testing.T) {
	dir := t.TempDir()
	api := filepath.Join(dir, "api")
	os.Mkdir(api, 0o755)
	os.WriteFile(filepath.Join(dir, "outside.yaml"), []byte("secret-outside\n"), 0o644)
	os.WriteFile(filepath.Join(api, "inside.yaml"), []byte("fine-inside\n"), 0o644)
	fifo := filepath.Join(api, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(api, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inside.yaml", filepath.Join(api, "good-link.yaml")); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(api, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	os.Mkdir(filepath.Join(api, "folder.yaml"), 0o755)

	const outside = ", the folder local $refs may read (--ref-root DIR widens it)"
	for _, tc := range []struct {
		name, ref, root, want string
	}{
		{"inside", "./inside.yaml", "", ""},
		{"symlink inside", "./good-link.yaml", "", ""},
		{"/etc/passwd", "/etc/passwd", "", `$ref "/etc/passwd": read /etc/passwd: the file is outside ` + api + outside},
		{"../outside", "../outside.yaml", "", `$ref "../outside.yaml": read ` + filepath.Join(dir, "outside.yaml") + ": the file is outside " + api + outside},
		{"/proc/self/environ", "/proc/self/environ", "", `$ref "/proc/self/environ": read /proc/self/environ: /proc holds the system's live state, not documents; $refs never read under /proc, /sys or /dev`},
		{"/proc even when the root is /", "/proc/self/environ", "/", `read /proc/self/environ: /proc holds the system's live state, not documents`},
		{"/dev/stdin even when the root is /", "/dev/stdin", "/", `read /dev/stdin: /dev holds the system's live state, not documents`},
		{"FIFO", "./pipe.yaml", "", "read " + fifo + ": not a regular file but a named pipe (FIFO); $refs read regular files only"},
		{"socket", "./s.sock", "", "not a regular file but a socket; $refs read regular files only"},
		{"directory", "./folder.yaml", "", "not a regular file but a directory; $refs read regular files only"},
		{"symlink escaping the root", "./link.yaml", "", "read " + filepath.Join(api, "link.yaml") + ": the file is a symbolic link to /etc/passwd, outside " + api + outside},
		{"../outside with a wider root", "../outside.yaml", dir, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(api, "asyncapi.yaml")
			if err := os.WriteFile(path, exampleRefDoc(tc.ref), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			doc, err := Load(ctx, path, Options{NoRemote: true, FileRoot: tc.root})
			if err != nil {
				t.Fatal(err)
			}
			diags := Validate(ctx, doc)
			bundle, berr := BundleJSON(ctx, doc)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: a read blocked", d)
			}
			if tc.want == "" {
				if len(diags) > 0 || berr != nil {
					t.Fatalf("diagnostics %v, bundle error %v", diags, berr)
				}
				if !strings.Contains(string(bundle), "fine-inside") && !strings.Contains(string(bundle), "secret-outside") {
					t.Errorf("the example is not in the bundle: %s", bundle)
				}
				return
			}
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %v", diags)
			}
			wantPos := path + ":11:21"
			if got := diags[0].String(); !strings.HasPrefix(got, wantPos+": ") || !strings.Contains(got, tc.want) {
				t.Errorf("got  %s\nwant %s: ...%s...", got, wantPos, tc.want)
			}
			if berr == nil || bundle != nil {
				t.Errorf("BundleJSON = %d bytes, %v; want no bundle", len(bundle), berr)
			}
			if strings.Contains(berr.Error(), "root:") || strings.Contains(berr.Error(), "secret-outside") {
				t.Errorf("the error shows the file's content: %v", berr)
			}
		})
	}
}
