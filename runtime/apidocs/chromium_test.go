package apidocs_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chanxgo/chanx/examples/chat/chatapi"
	"github.com/chanxgo/chanx/internal/nodetest"
	"github.com/chanxgo/chanx/runtime/layer"
	"github.com/chanxgo/chanx/runtime/metrics"
	"github.com/chanxgo/chanx/runtime/server"
)

// frameCounter records the action of every frame the server reads.
type frameCounter struct {
	metrics.Nop
	mu      sync.Mutex
	actions []string
}

func (f *frameCounter) FrameReceived(channel, action string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, action)
}

func (f *frameCounter) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.actions)
}

type chatHandler struct {
	chatapi.UnimplementedChatHandler
}

func (chatHandler) HandleNewChatMessage(context.Context, chatapi.ChatConn, *chatapi.NewChatMessage) error {
	return nil
}

// TestConsoleInChromium serves examples/chat's document and channel (its
// generated chatapi package) on a real loopback server and drives the docs
// page's console in headless Chromium (testdata/browser.test.ts says what
// it checks): the page renders the document, the console sends ping and
// shows pong, and an invalid edited message is refused in the browser
// with the problems the server answers it with. The server must have read
// exactly the console's ping and the test's own three probes of the
// server's problems: the refused frame never left the browser. The
// screenshot is kept in the test's temporary folder (or CHANX_TEST_SHOTS).
func TestConsoleInChromium(t *testing.T) {
	chromium := nodetest.Chromium(t)
	tools := nodetest.Require(t)
	counter := &frameCounter{}
	srv := server.New(server.Options{Layer: layer.NewMemory(), Logger: slog.New(slog.DiscardHandler), Metrics: counter})
	if _, err := chatapi.MountChat(srv, chatHandler{}, server.ChannelOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := chatapi.MountDocs(srv); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	dir := consoleWorkspace(t, tools)
	test, err := os.ReadFile(filepath.Join("testdata", "browser.test.ts"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "browser.test.ts"), test)
	tools.Run(t, dir, 2*time.Minute, tools.Esbuild(), "browser.test.ts", "--bundle", "--format=esm", "--platform=node",
		"--target=node20", "--packages=external", "--log-level=warning", "--outfile=browser.test.mjs")

	shots := t.TempDir()
	if keep := os.Getenv("CHANX_TEST_SHOTS"); keep != "" {
		shots = keep // to look at it: CHANX_TEST_SHOTS=/tmp/shots go test -run TestConsoleInChromium
	}
	flags, _ := json.Marshal(nodetest.ChromiumFlags)
	socket := strings.Replace(ts.URL, "http://", "ws://", 1) + "/ws/chat/lobby"
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tools.Node, "--test", "--test-reporter=spec", "browser.test.mjs")
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(),
		"CHROMIUM="+chromium,
		"CHROMIUM_FLAGS="+string(flags),
		"PAGE_URL="+ts.URL+"/asyncapi/docs/",
		"SOCKET_URL="+socket,
		"SHOT_DIR="+shots,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test browser.test.mjs:\n%s", out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := counter.received(), []string{"ping", "new_chat_message", "unknown", "unknown"}; !slices.Equal(got, want) {
		t.Errorf("the server read frames %q, want %q: the console's ping and the test's three probes, not the refused frame", got, want)
	}
	fi, err := os.Stat(filepath.Join(shots, "console.png"))
	if err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot console.png: %v", err)
	}
	t.Logf("screenshot %s: %d bytes", filepath.Join(shots, "console.png"), fi.Size())
}
