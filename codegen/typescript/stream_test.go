package typescript

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/codegen/goapi"
	"github.com/chanxgo/chanx/codegen/internal/gentest"
	"github.com/chanxgo/chanx/internal/golden"
	"github.com/chanxgo/chanx/internal/nodetest"
)

// assistantDoc is the streaming document the Go target tests with:
// "ask" answered by "token"s then one "answer", "stop_generating"
// cancelling it.
func assistantDoc(t *testing.T) string {
	return filepath.Join(gentest.ModuleRoot(t), "codegen", "goapi", "testdata", "assistant.yaml")
}

func generateAssistant(t *testing.T, withBase bool) map[string][]byte {
	t.Helper()
	files, err := Generate(context.Background(), gentest.Load(t, assistantDoc(t)), Options{Package: "assistantclient", Source: "assistant.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if !withBase {
		for n := range files {
			if strings.HasPrefix(n, BaseDir+"/") {
				delete(files, n)
			}
		}
	}
	return files
}

// TestAssistantGolden: the client of assistant.yaml, with its
// streamAsk method, is testdata/assistantclient byte for byte (-update
// rewrites it; base/ is the templates' own).
func TestAssistantGolden(t *testing.T) {
	golden.CheckTree(t, filepath.Join("testdata", "assistantclient"), generateAssistant(t, false))
}

// assistantServer is a Go server generated from assistant.yaml: "short"
// streams five tokens, "long" streams until stopped, "fail" fails, and
// "why:<id>" answers with what ended the handler of request <id>.
const assistantServer = `package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/chanxgo/chanx/runtime/server"

	"chanxgen.test/assistantapi"
)

type assistant struct {
	assistantapi.UnimplementedAssistantHandler
	mu    sync.Mutex
	ended map[string]string
}

func (a *assistant) Ask(ctx context.Context, c assistantapi.AssistantConn, msg *assistantapi.Ask, out assistantapi.AssistantAskStream) (*assistantapi.Answer, error) {
	id, q := msg.Payload.RequestID, msg.Payload.Question
	if why, ok := strings.CutPrefix(q, "why:"); ok {
		a.mu.Lock()
		defer a.mu.Unlock()
		return &assistantapi.Answer{Payload: assistantapi.AnswerPayload{RequestID: id, Text: a.ended[why]}}, nil
	}
	if q == "fail" {
		return nil, errors.New("no answer to that")
	}
	var text strings.Builder
	for i := 0; q == "long" || i < 5; i++ {
		tok := fmt.Sprintf("t%d ", i)
		if err := out.Send(ctx, &assistantapi.Token{Payload: assistantapi.TokenPayload{RequestID: id, Text: tok}}); err != nil {
			break
		}
		text.WriteString(tok)
		if q == "long" {
			select {
			case <-ctx.Done():
			case <-time.After(time.Millisecond):
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	ended := "finished"
	if cause := context.Cause(ctx); cause != nil {
		ended = cause.Error()
		fmt.Fprintf(os.Stderr, "handler %s: context cancelled: %v\n", id, cause)
	}
	a.mu.Lock()
	a.ended[id] = ended
	a.mu.Unlock()
	return &assistantapi.Answer{Payload: assistantapi.AnswerPayload{RequestID: id, Text: text.String(), Stopped: ctx.Err() != nil}}, nil
}

func main() {
	srv := server.New(server.Options{})
	if _, err := assistantapi.MountAssistant(srv, &assistant{ended: map[string]string{}}, server.ChannelOptions{}); err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println("ws://" + ln.Addr().String())
	panic(http.Serve(ln, srv))
}
`

// TestStreamLoopback runs testdata/stream/stream.test.ts under node:test
// against a Go server generated from assistant.yaml and built here:
// tokens arrive in order then the answer, an error frame rejects with a
// ServerError, and aborting the stream sends stop_generating, which
// cancels the server handler's context (it reports the cause, and logs
// it).
func TestStreamLoopback(t *testing.T) {
	tools := nodetest.Require(t)
	out, err := goapi.GenerateServer(context.Background(), gentest.Load(t, assistantDoc(t)), goapi.Options{Package: "assistantapi", Source: "assistant.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"cmd/assistant/main.go": []byte(assistantServer)}
	for n, b := range out {
		files["assistantapi/"+n] = b
	}
	bin := filepath.Join(t.TempDir(), "assistant")
	gentest.BuildModule(t, files, "build", "-o", bin, "./cmd/assistant")

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	srv := exec.CommandContext(ctx, bin)
	var logs strings.Builder
	srv.Stderr = &logs
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Kill()
		srv.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the server printed no address: %v", err)
	}
	url := strings.TrimSpace(line)

	dir := t.TempDir()
	writeFiles(t, filepath.Join(dir, "assistantclient"), generateAssistant(t, true))
	src, err := os.ReadFile(filepath.Join("testdata", "stream", "stream.test.ts"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string][]byte{"tests/stream.test.ts": src, "tsconfig.json": []byte(strings.Replace(strictConfig,
		`"types": [],`, `"types": ["node"],`, 1))})
	tools.LinkModules(t, dir)
	tools.Run(t, dir, 2*time.Minute, tools.Tsc(), "-p", "tsconfig.json")
	tools.Run(t, dir, 2*time.Minute, tools.Esbuild(), "tests/stream.test.ts", "--bundle", "--format=esm", "--log-level=warning",
		"--platform=node", "--target=node20", "--packages=external", "--outfile=out/stream.test.mjs")
	nctx, ncancel := context.WithTimeout(ctx, 2*time.Minute)
	defer ncancel()
	cmd := exec.CommandContext(nctx, tools.Node, "--test", "--test-reporter=spec", "out/stream.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ASSISTANT_URL="+url)
	cmd.WaitDelay = 5 * time.Second
	nout, err := cmd.CombinedOutput()
	t.Logf("node:\n%s", nout)
	if err != nil {
		t.Fatalf("node --test: %v", err)
	}
	srv.Process.Kill()
	srv.Wait()
	if !strings.Contains(logs.String(), "handler long1: context cancelled") {
		t.Errorf("the server did not log long1's cancelled context:\n%s", logs.String())
	}
}

// TestRefusesStreamItCannotFollow: an x-chanx-stream the plan cannot
// follow (one reply message: no final to end on) is refused at the
// operation, as the Go target refuses it, instead of generating a stream
// that never ends.
func TestRefusesStreamItCannotFollow(t *testing.T) {
	src, err := os.ReadFile(assistantDoc(t))
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
	t.Log(err)
}
