package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	goldenfile "github.com/chanxgo/chanx/internal/golden"
)

// TestValidateGolden runs 'chanx validate' on documents from spec/testdata
// and compares exit code, stdout and stderr with testdata/validate/*.txt.
func TestValidateGolden(t *testing.T) {
	const docs = "../../spec/testdata"
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"valid-chanx-python", []string{"-s", docs + "/valid/chanx-python-3.0.0.yaml"}},
		{"valid-3.1.0-multi-file", []string{"-s", docs + "/valid/multi/asyncapi.yaml"}},
		{"valid-json", []string{"-s", docs + "/valid/chat-3.0.0.json", "--format", "json"}},
		{"warning-only", []string{"-s", docs + "/broken/kafka-binding-warning.yaml"}},
		{"misspelled-action", []string{"-s", docs + "/broken/misspelled-action.yaml"}},
		{"several-errors", []string{"--schema", docs + "/broken/several-errors.yaml"}},
		{"several-errors-json", []string{"--schema", docs + "/broken/several-errors.yaml", "--format", "json"}},
		{"error-in-ref-file", []string{"-s", docs + "/broken/error-in-ref-file.yaml"}},
		{"syntax-error", []string{"-s", docs + "/broken/yaml-syntax-error.yaml"}},
		{"remote-forbidden", []string{"-s", docs + "/broken/remote-ref-forbidden.yaml", "--no-remote"}},
		{"missing-file", []string{"-s", docs + "/no-such-document.yaml"}},
		{"asyncapi-2", []string{"-s", docs + "/broken/asyncapi-2.6.0.yaml"}},
		{"op-message-via-components", []string{"-s", "../../spec/analyze/testdata/broken/op-message-via-components.yaml"}},
		{"realworld-members-json", []string{"-s", "../../spec/analyze/testdata/realworld/members.yaml", "--format", "json"}},
		{"realworld-schema-order", []string{"-s", "../../spec/analyze/testdata/realworld/schema-order.yaml"}},
		{"realworld-shared-address", []string{"-s", "../../spec/analyze/testdata/realworld/shared-address.yaml"}},
		{"non-json-content-type", []string{"-s", "../../spec/analyze/testdata/broken/non-json-content-type.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"validate"}, tc.args...)
			code, stdout, stderr := chanx(args...)
			got := fmt.Sprintf("$ chanx %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s", strings.Join(args, " "), code, stdout, stderr)
			path := filepath.Join("testdata", "validate", tc.name+".txt")
			goldenfile.Check(t, path, []byte(got))
		})
	}
}

// TestValidateCorpus: every official example validates (some with
// warnings about messages that cannot be told apart), adeo-kafka with
// warnings only and without touching the network (--no-remote would turn a
// fetch into an error).
func TestValidateCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "asyncapi-3.0.0-examples")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus not found at %s (it sits beside the module in the chanx workspace and in CI): %v", dir, err)
	}
	docs, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	social, _ := filepath.Glob(filepath.Join(dir, "social-media", "*", "asyncapi.yaml"))
	docs = append(docs, social...)
	if len(docs) != 24 {
		t.Fatalf("found %d documents, want 24", len(docs))
	}
	for _, path := range docs {
		// The social-media documents share ../common: the corpus folder is
		// their $ref root.
		code, stdout, stderr := chanx("validate", "--no-remote", "--ref-root", dir, "-s", path)
		want := "ok"
		if strings.Contains(path, "adeo-kafka") {
			want = "ok with "
		}
		if code != 0 || !strings.HasPrefix(stdout, want) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", path, code, stdout, stderr)
		}
	}
}

// TestValidateURL checks a document served over HTTP, with a relative $ref
// resolved against its URL, in both output formats.
func TestValidateURL(t *testing.T) {
	files := map[string]string{
		"/asyncapi.yaml": "asyncapi: 3.0.0\ninfo: {title: Served, version: 1.0.0}\nchannels:\n  chat:\n    address: /chat\n    messages:\n      say: {$ref: './messages.yaml#/say'}\n",
		"/messages.yaml": "say:\n  payload: {type: object, properties: {action: {const: say}}}\n",
		"/broken.yaml":   "asyncapi: 3.0.0\ninfo: {title: Served, version: 1.0.0}\nchannels:\n  chat:\n    address: /chat\n    messages:\n      say: {$ref: './messages.yaml#/shout'}\n",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()

	code, stdout, stderr := chanx("validate", "-s", srv.URL+"/asyncapi.yaml")
	if code != 0 || stdout != "ok: 1 channel, 0 operations, 1 message (discriminator: action)\n" || stderr != "" {
		t.Errorf("exit %d\nstdout: %q\nstderr: %q", code, stdout, stderr)
	}

	code, stdout, stderr = chanx("validate", "-s", srv.URL+"/broken.yaml", "--format", "json")
	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
	want := jsonReport{Errors: 1, Diagnostics: []jsonDiagnostic{{
		File: srv.URL + "/broken.yaml", Line: 7, Column: 19, Severity: "error", Pointer: "/channels/chat/messages/say/$ref",
		Message: `$ref "./messages.yaml#/shout": in ` + srv.URL + `/messages.yaml: no key "shout" at the top level`,
	}}}
	if code != 1 || stderr != "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

// TestValidateMergesSchemaAndSemanticProblems: a schema error and a problem
// only analysis finds come out together, sorted by position. The analysis
// message is package analyze's; only its subject is asserted here.
func TestValidateMergesSchemaAndSemanticProblems(t *testing.T) {
	path := filepath.Join("testdata", "validate", "docs", "schema-and-semantic-errors.yaml")
	code, stdout, stderr := chanx("validate", "-s", path)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != 1 || stdout != "" || len(lines) != 3 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.HasPrefix(lines[0], path+":7:14: ") || !strings.Contains(lines[0], `"user"`) {
		t.Errorf("first line should be the undeclared {user} parameter: %s", lines[0])
	}
	if want := path + `:16:13: operations.sendChatMessage.action: value must be one of "send", "receive" (at /operations/sendChatMessage/action)`; lines[1] != want {
		t.Errorf("second line:\n got %s\nwant %s", lines[1], want)
	}
	if lines[2] != "2 errors, 0 warnings" {
		t.Errorf("last line: %s", lines[2])
	}
}
