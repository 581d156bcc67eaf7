package tsruntime_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chanxgo/chanx/internal/nodetest"
)

// TestChromium loads the chat page of the real examples/chat server —
// built from the package and started as `go run ./examples/chat` runs it,
// so the page and its committed bundle of the TypeScript chat client
// (examples/chat/web/chat.js) are what a user gets — in two headless
// Chromium pages (testdata/node/browser.test.ts says what it checks) and
// keeps their screenshots in the test's temporary folder.
func TestChromium(t *testing.T) {
	chromium := nodetest.Chromium(t)
	tools, dir := workspace(t)
	page := strings.Replace(startChat(t), "ws://", "http://", 1) + "/chat/"

	shots := t.TempDir()
	if keep := os.Getenv("CHANX_TEST_SHOTS"); keep != "" {
		shots = keep // to look at them: CHANX_TEST_SHOTS=/tmp/shots go test -run TestChromium
	}
	flags, _ := json.Marshal(nodetest.ChromiumFlags)
	bundle(t, tools, dir, "tests/browser.test.ts", "out/browser.test.mjs", "--platform=node", "--target=node20", "--packages=external")
	runNode(t, tools, dir, 3*time.Minute, []string{
		"CHROMIUM=" + chromium,
		"CHROMIUM_FLAGS=" + string(flags),
		"PAGE_URL=" + page,
		"SHOT_DIR=" + shots,
	}, "--test", "--test-reporter=spec", "out/browser.test.mjs")
	for _, name := range []string{"ada.png", "bob.png"} {
		fi, err := os.Stat(filepath.Join(shots, name))
		if err != nil || fi.Size() == 0 {
			t.Errorf("no screenshot %s: %v", name, err)
			continue
		}
		t.Logf("screenshot %s: %d bytes", filepath.Join(shots, name), fi.Size())
	}
}
