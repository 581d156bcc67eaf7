package python

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chanxgo/chanx/codegen/goapi"
	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/internal/pyruntime"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/runtime/server"
)

// assistantDoc is the streamed-reply document codegen/goapi tests with:
// ask answered by token* then answer (x-chanx-stream), stop_generating
// cancelling it (x-chanx-cancels).
func assistantDoc(t *testing.T) *ir.API {
	t.Helper()
	return gentest.Load(t, filepath.Join(gentest.ModuleRoot(t), "codegen", "goapi", "testdata", "assistant.yaml"))
}

func generateAssistant(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := Generate(context.Background(), assistantDoc(t), Options{Package: "assistantclient", Source: "assistant.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// generateJobs is testdata/streams.yaml's package: several partial
// replies, a cancel naming no request, a stream with no cancel.
func generateJobs(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := Generate(context.Background(), gentest.Load(t, filepath.Join("testdata", "streams.yaml")), Options{Package: "jobsclient", Source: "streams.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestAssistantGolden: the package generated for assistant.yaml, whose
// ask operation streams its reply, is testdata/assistant (-update
// rewrites it; base/ is left out, being the runtime); so is
// testdata/streams.yaml's, testdata/jobs.
func TestAssistantGolden(t *testing.T) {
	t.Run("assistant", func(t *testing.T) { streamGolden(t, "assistant", generateAssistant(t)) })
	t.Run("jobs", func(t *testing.T) { streamGolden(t, "jobs", generateJobs(t)) })
}

func streamGolden(t *testing.T, name string, files map[string][]byte) {
	golden.CheckTree(t, filepath.Join("testdata", name), goldenFiles(files))
	checkLayout(t, name, files)
}

// TestAssistantPyright: the assistant and jobs packages, the runtime and the
// script the loopback test runs (which uses every part of a stream)
// type-check under pyright strict with no error or warning.
func TestAssistantPyright(t *testing.T) {
	py := pyruntime.Find(t)
	pr := pyruntime.FindPyright(t)
	root := t.TempDir()
	writeFiles(t, filepath.Join(root, "assistantclient"), generateAssistant(t))
	writeFiles(t, filepath.Join(root, "jobsclient"), generateJobs(t))
	script, err := os.ReadFile(filepath.Join("testdata", "stream_drive.py"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, map[string][]byte{"stream_drive.py": script})
	for _, d := range pr.Check(t, py, root) {
		t.Errorf("pyright: %s", d)
	}
}

// assistantMain is the Go server TestStreamLoopback builds from the
// generated assistantapi package: "short" is answered with five tokens,
// "long" streams until its handler's context is cancelled, "fail" with
// an error. Each cancelled handler prints "cancelled <request id>: <cause>"
// before it answers, so the line is out before its final reply is.
const assistantMain = `package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/chanxgo/chanx/runtime/server"

	"chanxgen.test/assistantapi"
)

type assistant struct {
	assistantapi.UnimplementedAssistantHandler
}

func (assistant) Ask(ctx context.Context, c assistantapi.AssistantConn, msg *assistantapi.Ask, out assistantapi.AssistantAskStream) (*assistantapi.Answer, error) {
	id, q := msg.Payload.RequestID, msg.Payload.Question
	if q == "fail" {
		return nil, errors.New("no answer to that")
	}
	var text strings.Builder
	for i := 0; ctx.Err() == nil && (q == "long" || i < 5); i++ {
		tok := fmt.Sprintf("t%d ", i)
		if err := out.Send(ctx, &assistantapi.Token{Payload: assistantapi.TokenPayload{RequestID: id, Text: tok}}); err != nil {
			if ctx.Err() != nil {
				break
			}
			return nil, err
		}
		text.WriteString(tok)
		if q == "long" {
			select {
			case <-ctx.Done():
			case <-time.After(time.Millisecond): // a model producing tokens
			}
		}
	}
	stopped := ctx.Err() != nil
	if stopped {
		fmt.Printf("cancelled %s: %v\n", id, context.Cause(ctx))
	}
	return &assistantapi.Answer{Payload: assistantapi.AnswerPayload{RequestID: id, Text: text.String(), Stopped: stopped}}, nil
}

func main() {
	srv := server.New(server.Options{})
	if _, err := assistantapi.MountAssistant(srv, assistant{}, server.ChannelOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening ws://%s\n", l.Addr())
	fmt.Fprintln(os.Stderr, http.Serve(l, srv))
}
`

// buildAssistantServer builds the Go server of assistant.yaml
// (codegen/goapi's output and assistantMain) and returns the binary.
func buildAssistantServer(t *testing.T) string {
	t.Helper()
	out, err := goapi.GenerateServer(context.Background(), assistantDoc(t), goapi.Options{Package: "assistantapi", Source: "assistant.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"main.go": []byte(assistantMain)}
	for n, b := range out {
		files["assistantapi/"+n] = b
	}
	bin := filepath.Join(t.TempDir(), "assistant-server")
	gentest.BuildModule(t, files, "build", "-o", bin, ".")
	return bin
}

// TestStreamLoopback: the generated Python client against the generated
// Go server, over loopback: a stream's partials arrive in order, then its
// final reply; cancel() sends stop_generating, the server's handler sees
// its context cancelled (server.ErrCanceled as the cause) and ends the
// stream with its stopped answer; cancelling the reading task sends it
// too, as does leaving async with early, and the rest of that stream
// never reaches the next stream nor handle_message; an error frame raises
// ServerError.
func TestStreamLoopback(t *testing.T) {
	py := pyruntime.Find(t)
	bin := buildAssistantServer(t)
	root := t.TempDir()
	writeFiles(t, filepath.Join(root, "assistantclient"), generateAssistant(t))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := exec.CommandContext(ctx, bin)
	var stderr bytes.Buffer
	srv.Stderr = &stderr
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "listening ") {
		srv.Process.Kill()
		srv.Wait()
		t.Fatalf("server did not start: %q %s", lines.Text(), stderr.String())
	}
	url := strings.TrimPrefix(lines.Text(), "listening ")
	rest := make(chan []string, 1)
	go func() {
		var ls []string
		for lines.Scan() {
			ls = append(ls, lines.Text())
		}
		rest <- ls
	}()

	got := py.Run(t, py.Env(root), filepath.Join("testdata", "stream_drive.py"), url)
	srv.Process.Kill()
	srv.Wait()
	serverLines := <-rest

	var res struct {
		Results   map[string]any `json:"results"`
		Unhandled []string       `json:"unhandled"`
		Failure   *string        `json:"failure"`
	}
	if err := json.Unmarshal([]byte(got), &res); err != nil {
		t.Fatalf("python printed %q: %v", got, err)
	}
	if res.Failure != nil {
		t.Fatalf("python: %s (results so far %v)", *res.Failure, res.Results)
	}
	tokens := func(id string) []any {
		var ts []any
		for i := 0; i < 5; i++ {
			ts = append(ts, []any{id, fmt.Sprintf("t%d ", i)})
		}
		return ts
	}
	want := map[string]any{
		"short_tokens":   tokens("r1"),
		"short_answer":   map[string]any{"request_id": "r1", "text": "t0 t1 t2 t3 t4 ", "stopped": false},
		"final_again":    "t0 t1 t2 t3 t4 ",
		"cancel_seen_3":  true,
		"cancel_answer":  map[string]any{"request_id": "r2", "stopped": true},
		"task_first":     "r3",
		"task_cancelled": true,
		"after_tokens":   tokens("r4"),
		"after_answer":   "r4",
		"left_first":     "r7",
		"left_after":     []any{"r8", "r8", "r8", "r8", "r8"},
		"error":          "ServerError",
		"error_iter":     "ServerError",
	}
	payload := res.Results["error_payload"]
	delete(res.Results, "error_payload")
	if diff := cmp.Diff(want, res.Results); diff != "" {
		t.Errorf("python saw (-want +got):\n%s", diff)
	}
	if payload == nil {
		t.Errorf("ServerError has no payload")
	}
	if len(res.Unhandled) != 0 {
		t.Errorf("frames reached handle_message: %q", res.Unhandled)
	}
	var wantServer []string
	for _, id := range []string{"r2", "r3", "r7"} {
		wantServer = append(wantServer, "cancelled "+id+": "+server.ErrCanceled.Error())
	}
	if diff := cmp.Diff(wantServer, serverLines); diff != "" {
		t.Errorf("server's cancelled handlers (-want +got):\n%s\nstderr: %s", diff, stderr.String())
	}
}

// TestRefusesStreamItCannotFollow: an x-chanx-stream the plan cannot
// follow (one reply message: no final to end on) is refused at the
// operation, as the Go target refuses it, rather than generating a client
// with no stream helper for it.
func TestRefusesStreamItCannotFollow(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(gentest.ModuleRoot(t), "codegen", "goapi", "testdata", "assistant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	one := strings.Replace(string(src), "        - {$ref: '#/channels/assistant/messages/token'}\n", "", 1)
	if one == string(src) {
		t.Fatal("assistant.yaml lists no token reply to remove")
	}
	path := filepath.Join(t.TempDir(), "assistant.yaml")
	if err := os.WriteFile(path, []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Generate(context.Background(), gentest.Load(t, path), Options{})
	want := `operation "ask": x-chanx-stream needs two or more reply messages`
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "assistant.yaml:") {
		t.Fatalf("got %v, want an error at the operation with %q", err, want)
	}
}
