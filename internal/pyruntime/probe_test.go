package pyruntime

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakePython writes a shell script standing in for python3 that answers
// the probe's imports: pydantic with version pydantic ("" fails), and
// websockets only when PYTHONPATH holds websocketsDir ("" never).
func fakePython(t *testing.T, pydantic, websocketsDir string) string {
	t.Helper()
	script := "#!/bin/sh\n" +
		"case \"$2\" in\n" +
		"*pydantic*) [ -n '" + pydantic + "' ] && echo '" + pydantic + "' && exit 0; echo 'ModuleNotFoundError: pydantic' >&2; exit 1;;\n" +
		"*'import websockets'*) case \"$PYTHONPATH\" in *'" + websocketsDir + "'*) [ -n '" + websocketsDir + "' ] && echo 10.4 && exit 0;; esac; echo 'ModuleNotFoundError: websockets' >&2; exit 1;;\n" +
		"*find_spec*) echo legacy; exit 0;;\n" +
		"esac\nexit 2\n"
	bin := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestProbe: what Find reports (and so skips or fails with) for each
// missing piece, and that a located websockets ends up on PYTHONPATH.
func TestProbe(t *testing.T) {
	noDebian := func() (string, error) { return "", errors.New("dpkg -L python3-websockets: exit status 1") }
	for _, tc := range []struct {
		name     string
		bin      string
		locate   func() (string, error)
		wantErr  string
		wantPath string
	}{
		{"no python", filepath.Join(t.TempDir(), "missing-python3"), noDebian, "no python3: ", ""},
		{"no pydantic", fakePython(t, "", ""), noDebian, "cannot import pydantic: exit status 1: ModuleNotFoundError: pydantic", ""},
		{"pydantic 1", fakePython(t, "1.10.13", ""), noDebian, "has pydantic 1.10.13; the clients need pydantic 2.11 or later", ""},
		{"pydantic 2.10", fakePython(t, "2.10.6", ""), noDebian, "has pydantic 2.10.6; the clients need pydantic 2.11 or later", ""},
		{"no websockets", fakePython(t, "2.13.4", ""), noDebian, "cannot import websockets (apt-get install python3-websockets): dpkg -L python3-websockets: exit status 1", ""},
		{"debian websockets", fakePython(t, "2.13.4", "/links"), func() (string, error) { return "/links", nil }, "", "/links"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			py, err := probe(tc.bin, tc.locate)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("probe: %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if py.ExtraPath != tc.wantPath || py.Websockets != "10.4" || py.WebsocketsAPI != "legacy" {
				t.Errorf("probe: %+v", py)
			}
		})
	}
}
